/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guard: a tiny host-side process that makes sure the container dies
 * with its supervisor, whatever the payload does (PID 1 can clear its
 * PR_SET_PDEATHSIG). Forked by the supervisor before any container process
 * exists, in its own session, outside the container's cgroup and
 * namespaces; it blocks on a socket whose other end only the supervisor
 * holds. On EOF without a goodbye (the supervisor died), it kills the
 * machine's whole cgroup subtree (cgroup.kill) and PID 1 (pidfd: SIGKILL to a
 * pid namespace's init ends the namespace), waits until they are gone,
 * records the outcome, removes the cgroup, state and lock files, and only then exits, which
 * releases the machine and UID-range locks it shares. */
#pragma once

#include <sys/types.h>

/* Lock fds the guard can hold: machine, tree, and the UID range's (its own
 * and up to 64 of nspawn's 64K blocks, see userns.c). */
#define GUARD_MAX_KEEP 72

struct nb_error;
struct tree_lock;

struct guard {
        pid_t pid;
        int fd;               /* supervisor's end, close-on-exec */
};

/* json_status_fd: --json-status-fd (also in keep), or -1: after a
 * supervisor's death the guard writes the `exited` line there and records
 * the outcome (outcome.h) as `abandoned`.
 * stderr_fd: the guard's stderr (-1: the supervisor's; stdin and stdout
 * become /dev/null). The machine's cgroup comes later (guard_set_cgroup).
 * keep: the lock fds the guard holds on to (-1 entries are ignored); lock_paths: their files, unlinked
 * by the guard before it exits after a supervisor's death; tree: the tree
 * lock (its fd is in keep), released as its last holder would. */
int guard_start(struct guard *g, const char *machine, int stderr_fd, int json_status_fd, const int *keep, size_t n_keep,
                const char *const *lock_paths, size_t n_lock_paths, const struct tree_lock *tree, struct nb_error *err);

/* Hands the guard PID 1 (a pidfd), after each start. */
void guard_set_leader(struct guard *g, pid_t pid);

/* Hands the guard BASE/nixbox, the directory that holds the machine's
 * cgroup, once it exists (its place depends on --keep-unit and nesting). */
void guard_set_cgroup(struct guard *g, const char *nixbox_dir);

/* Normal end (the supervisor cleaned up itself): goodbye, wait for it. */
void guard_stop(struct guard *g);
