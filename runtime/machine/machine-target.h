/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running container, pinned: its state entry plus a pidfd for its PID 1
 * (and one for its supervisor) that were checked against the start times
 * the supervisor registered, so a recycled pid is never signalled or
 * entered. Shared by the machine verbs and exec/shell. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "machine-state.h"

struct nb_error;

struct machine_target {
        struct machine_info m;
        int leader_pidfd;       /* pins PID 1 */
        int proc_fd;            /* /proc/LEADER, opened while the pidfd was alive */
};

/* Exit status of the machine verbs when there is no such container. */
#define EXIT_NO_MACHINE 1

/* Cleans what nixbox instances killed with SIGKILL left: state entries,
 * lock files and cgroup subtrees of machines whose nixbox is gone. */
void machines_sweep_stale(void);

/* Reads NAME's state entry: -ENOENT (message "no running container named
 * NAME") when there is none or it was stale. */
int machine_lookup(const char *name, struct machine_info *m, struct nb_error *err);

/* pidfd_open() of pid, then a check that pid's start time is `start`:
 * since the pidfd was opened first, a match means it refers to the process
 * that was registered. -ESRCH when it is gone or was recycled. */
int pidfd_open_checked(pid_t pid, unsigned long long start);

/* 0 when the process behind pidfd still runs, -ESRCH when it ended. */
int pidfd_alive(int pidfd);

int pidfd_signal(int pidfd, int sig);

/* machine_lookup() plus the leader pidfd and /proc/LEADER. */
int machine_target_open(const char *name, struct machine_target *t, struct nb_error *err);
void machine_target_close(struct machine_target *t);

/* Waits up to timeout_ms (-1: forever) for the process behind pidfd to
 * end: 0 when it ended, -ETIMEDOUT otherwise. */
int pidfd_wait_exit(int pidfd, long long timeout_ms);
