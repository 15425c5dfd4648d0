/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host-side safety of a container's tree (and of idmapped bind sources):
 * the lock that keeps one tree to one writer for the whole run, and the
 * check that host users cannot reach a tree whose files container root
 * writes as host root. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct nb_error;

/* systemd-nspawn's directory and name (inode-DEV:INO) and lock kind (an
 * open file description lock on the whole file), so that nixbox and nspawn
 * keep each other off a tree in use. */
#define TREE_LOCK_DIR "/run/systemd/nspawn/locks"

struct tree_lock {
        int fd;
        char path[96];
};
#define TREE_LOCK_INIT { .fd = -1 }

/* Locks the tree whose root directory root_fd is (by its dev+ino, not by
 * a path): shared (read-only users) or exclusive, without waiting. holder
 * (a machine name, or "nixbox remove") is written in the lock file so that
 * whoever is refused can be told who has it. -EBUSY with a message naming
 * the holder when it is held. */
int tree_lock_acquire(int root_fd, const char *root_name, bool shared, const char *holder, struct tree_lock *l,
                      struct nb_error *err);
/* Unlinks the lock file if nobody else holds it, and drops the lock. */
void tree_lock_release(struct tree_lock *l);

/* Removes lock files nobody holds (a nixbox killed with SIGKILL cannot
 * remove its own). */
void tree_lock_sweep(void);

/* Whether the directory at the absolute, canonical path is out of reach of
 * non-root host users: some ancestor (the directory itself does not count:
 * whoever owns it inside may chmod it) is a root-owned directory without
 * search permission for group and others, and every directory from / down
 * to it is root-owned and not writable by group or others (unless sticky),
 * so that nobody else can swap a component. 1: private, 0: reachable (why
 * says which directory lets others through), <0: -errno. */
int tree_path_private(const char *path, char *why, size_t whysize);
