/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One container run: what the parent, the outer child and the inner child
 * (the container's PID 1) share. See docs/architecture.md for the order. */
#pragma once

#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "console-log.h"
#include "error.h"
#include "guard.h"
#include "sync.h"
#include "options.h"
#include "stdio-relay.h"
#include "tree-safety.h"
#include "userns.h"

struct options;

struct container {
        struct options *o;
        char root[PATH_MAX];          /* absolute host path of the root directory */
        struct uid_range uids;
        uid_t root_uid;               /* host uid of the container's root (shift, or 0) */
        int machine_lock;
        struct tree_lock tree_lock;   /* the tree's dev+ino lock, held for the whole run */
        bool tree_lock_shared;        /* held shared (the run does not change the tree) */
        bool use_cgroup;
        struct cgroup cg;
        int shim_fd;                  /* sealed memfd holding the init-shim */
        int seccomp_fd;               /* sealed memfd holding PID 1's system-call filter */
        int sync_parent;              /* parent's end of the sync socket */
        int sync_child;               /* children's end */
        pid_t outer_pid;
        pid_t init_pid;               /* the container's PID 1, in the host's pid namespace */
        char uuid[37];                /* container_uuid, 8-4-4-4-12 form */
        bool idmapped;                /* the root got an idmapped mount */
        void *net;                    /* network.c's state (links made, forwards, ...) */
        enum console_mode console_mode; /* resolved */
        int notify_fd;                /* parent: /run/host/notify */
        int console_fd;               /* parent: pty master */
        bool exec_failed;             /* the payload could not be executed */
        char exec_error[1100];        /* why, for the outcome record */
        uint64_t start_usec;          /* CLOCK_REALTIME at start */
        unsigned long long self_start; /* nixbox's start time (/proc/self/stat), 0: not read yet */
        char log_path[4096];          /* console log with --detach, or "" */
        char ephemeral_dir[512];      /* --ephemeral: where the overlay's tmpfs goes */
        int ready_fd;                 /* --detach: tells the waiting caller "ready" */
        bool ready_reported;          /* --ready-fd / --json-status-fd told "ready" for this boot */
        struct console_log log;       /* --detach: the capped console log */
        struct stdio_relay relay;     /* pipe mode: pipes in place of terminals, or into the log */
        struct guard guard;           /* kills the container if the supervisor dies */
        bool filter_recorded;         /* /run/nixbox/NAME/syscall-filter is written */
        char last_status[256];        /* the last STATUS= of PID 1, for the outcome */
        bool interrupted;             /* nixbox itself got SIGTERM/SIGINT */
        unsigned restarts;            /* reboots restarted so far */
};

/* Restarts after a reboot of the container (--on-reboot=restart), as
 * systemd restarts systemd-nspawn@.service: at most REBOOT_BURST restarts
 * within REBOOT_INTERVAL_MS (its start limit), and a growing delay while
 * the runs stay short (RestartSec= 100 ms, doubling up to 5 s; none for
 * the first quick reboot, and a run of REBOOT_INTERVAL_MS resets it). */
#define REBOOT_BURST          5
#define REBOOT_INTERVAL_MS    10000
#define REBOOT_DELAY_MIN_MS   100
#define REBOOT_DELAY_MAX_MS   5000
struct reboot_limit {
        uint64_t restarts[REBOOT_BURST];   /* times (ms) of the last restarts, a ring */
        size_t n;                          /* restarts so far */
        unsigned short_runs;               /* consecutive runs shorter than the interval */
};
/* At a reboot at now_ms (monotonic) after a run of run_ms: the delay in ms
 * before the restart, -1 when the limit is hit (pure; unit-tested). */
long long reboot_next_delay(struct reboot_limit *l, uint64_t now_ms, uint64_t run_ms);

/* The whole run: set up, start, supervise, clean up. Returns nixbox's exit code. */
int container_run(struct options *o);
