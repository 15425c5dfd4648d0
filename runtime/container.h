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
#include "userns.h"

struct options;

struct container {
        struct options *o;
        char root[PATH_MAX];          /* absolute host path of the root directory */
        struct uid_range uids;
        uid_t root_uid;               /* host uid of the container's root (shift, or 0) */
        int machine_lock;
        bool use_cgroup;
        struct cgroup cg;
        int shim_fd;                  /* sealed memfd holding the init-shim */
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
        uint64_t start_usec;          /* CLOCK_REALTIME at start */
        char log_path[4096];          /* console log with --detach, or "" */
        char ephemeral_dir[512];      /* --ephemeral: where the overlay's tmpfs goes */
        int ready_fd;                 /* --detach: tells the waiting caller "ready" */
        struct console_log log;       /* --detach: the capped console log */
        struct stdio_relay relay;     /* pipe mode: pipes in place of terminals, or into the log */
        struct guard guard;           /* kills the container if the supervisor dies */
};

/* The whole run: set up, start, supervise, clean up. Returns nixbox's exit code. */
int container_run(struct options *o);
