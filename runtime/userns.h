/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* User-namespace UID shifting: nspawn's range picking (same ranges for the
 * same machine names), range locks, the uid/gid maps, and the one-time
 * recursive ownership shift of a tree. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nb_error;
struct options;

#include "host-config.h"

/* The pick window and the lock directory come from nixbox.conf(5). */
#define CONTAINER_UID_BASE_MIN (host_config()->pick_min)
#define CONTAINER_UID_BASE_MAX (host_config()->pick_max)
#define CONTAINER_UID_RANGE    0x10000U
#define UID_LOCK_DIR           (host_config()->uid_lock_dir)
#define NSPAWN_UID_LOCK_DIR    "/run/systemd/nspawn-uid"

struct uid_range {
        bool enabled;        /* a user namespace is used */
        uid_t shift;         /* host uid of container uid 0 */
        uid_t size;          /* number of ids mapped */
        struct {             /* lock files held while the container runs */
                int fd;
                char path[HOST_CONFIG_PATH_MAX + 16];
        } *locks;
        size_t n_locks;
};

/* The candidate nspawn derives from a machine name (pure; unit-tested). */
uid_t uid_candidate_from_name(const char *machine);

/* Folds an arbitrary 32-bit value into the allowed, 64K-aligned window. */
uid_t uid_candidate_fold(uint32_t value);

/* Whether [a, a+a_size) and [b, b+b_size) share an id (pure). */
bool uid_ranges_overlap(uid_t a, uid_t a_size, uid_t b, uid_t b_size);

/* Whether an /etc/subuid or /etc/subgid line (NAME:START:COUNT) meets
 * [base, base+size); its NAME in owner then (pure). */
bool subid_line_overlaps(const char *line, uid_t base, uid_t size, char *owner, size_t owner_size);

/* Decides the range for this run from the options and the root directory's
 * owner, and locks it (every mode but identity): in UID_LOCK_DIR against
 * other nixbox containers (a picked range skips, a fixed one fails naming
 * the holder) and in systemd-nspawn's NSPAWN_UID_LOCK_DIR, so that the two
 * never pick the same range. A pick also skips ranges known to the host's
 * user database (passwd, group, subuid, subgid, NSS when remote sources
 * are configured); a fixed range only warns. */
int uid_range_acquire(const struct options *o, int root_fd, struct uid_range *r, struct nb_error *err);
void uid_range_release(struct uid_range *r);

/* Writes /proc/PID/{uid_map,gid_map} ("0 SHIFT SIZE"). */
int userns_write_maps(pid_t pid, const struct uid_range *r, struct nb_error *err);

#define USERNS_CHOWN_MAX_DEPTH 256

/* Shifts the ownership of every inode under dir_fd (one file system only,
 * each inode once, setuid/setgid bits kept) into [shift, shift+0xFFFF].
 * fd-based: never follows a symlink nor looks a name up twice, so entries
 * swapped meanwhile can only make it change inodes of the tree. At most
 * USERNS_CHOWN_MAX_DEPTH directories deep. The root directory is done
 * last, so that an interrupted run redoes it. */
int userns_chown_tree(int dir_fd, const char *root_name, uid_t shift, struct nb_error *err);

/* Whether nixbox's own user namespace maps the whole ID space (the initial
 * one, or one that maps it all): false when nested. */
bool userns_maps_everything(void);
