/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2: the container's subtree nixbox/NAME/ with payload/ (the
 * container, delegated to its root user) and supervisor/ (nixbox itself),
 * under the cgroup2 mount found in /proc/self/mountinfo. Never touches a
 * cgroup v1 hierarchy. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Limits on the container's delegated subtree payload/ (systemd leaves
 * them at "max"; a systemd inside uses a few levels and a few hundred
 * cgroups, nested containers a few levels more). */
#define CG_PAYLOAD_MAX_DEPTH       32
#define CG_PAYLOAD_MAX_DESCENDANTS 4096

struct nb_error;
struct resources;

struct cgroup {
        char mount[256];       /* where cgroup2 is mounted on the host */
        char root[256];        /* the cgroup the mount shows, relative to our cgroup namespace */
        bool keep_unit;        /* --keep-unit: below nixbox's own cgroup, not at the root */
        char base[512];        /* where nixbox/ is made: MOUNT, or our own cgroup (--keep-unit, or nested
                                * when only that is delegated to us) */
        char dir[512];         /* BASE/nixbox/NAME */
        char original[512];    /* nixbox's own cgroup before the move */
        bool created;
};

/* Finds the visible cgroup2 mount point (and the cgroup it shows, the
 * mountinfo root field); -ENOENT when there is none. */
int cg_find_mount(char *out, size_t size);
int cg_find_mount_root(char *out, size_t size, char *root_out, size_t root_size);

/* Removes subtrees of containers whose nixbox is gone (their machine lock
 * is free), killing what is left in them. Cheap when there are none. */
void cg_sweep_stale(const char *mount);

/* Creates BASE/nixbox/NAME/{supervisor,payload}, enables the available
 * controllers, delegates payload/ to uid:gid and moves the caller into
 * supervisor/. BASE is the mount's root, or nixbox's own cgroup: with
 * cg->keep_unit (a service's, which then keeps accounting and killing the
 * container), or nested when the root is not writable. On failure,
 * cg->created tells whether anything was made: when not, the caller may run
 * without a cgroup. */
int cg_create(struct cgroup *cg, const char *machine, uid_t uid, gid_t gid, struct nb_error *err);

/* Applies [Resources] limits to payload/; a missing controller is a warning. */
int cg_apply_resources(struct cgroup *cg, const struct resources *res, struct nb_error *err);

/* Path of payload/cgroup.procs, for the child to join. */
void cg_payload_procs(const struct cgroup *cg, char *out, size_t size);

/* Kills what is left, moves the caller back and removes the subtree. */
void cg_destroy(struct cgroup *cg);

/* Removes a cgroup directory and every directory below it (deepest first),
 * killing processes left in it first. fd-based and iterative: any depth,
 * any name length. 0 (also when it did not exist) or -errno. */
int cg_remove_tree(const char *path);

/* Removes a stale --keep-unit subtree PATH (as recorded for machine NAME:
 * MOUNT/.../nixbox/NAME, nothing else) and its nixbox/ parent when empty.
 * The caller holds the machine lock. */
void cg_remove_stale_keep_unit(const char *path, const char *machine);
int cg_remove_tree_at(int parent_fd, const char *name);
