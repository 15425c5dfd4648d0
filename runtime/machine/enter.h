/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Entering a running container (exec, shell): what the nixbox process on
 * the host prepares (enter.c) and what its children do with it
 * (enter-child.c). See enter.c for the order of things. */
#pragma once

#include "stdio-relay.h"

#include <stdbool.h>
#include <stddef.h>

#include "machine-target.h"

struct enter_request {
        const char *machine;
        char **argv;               /* exec: the command; shell: NULL */
        const char *user;          /* NULL: root */
        const char *working_dir;   /* NULL: / for root, else the home */
        int pty;                   /* 1 -t, 0 -T, -1 when stdin is a terminal */
        char **setenv;             /* NAME=VALUE, applied last */
        size_t n_setenv;
};

/* Everything the children need, read on the host while the leader was
 * pinned by its pidfd. */
struct enter_plan {
        const struct enter_request *req;
        struct machine_target target;
        int root_fd;               /* /proc/LEADER/root (O_PATH) */
        char cgroup_procs[4096];   /* the leader's cgroup.procs on the host, or "" */
        int ns_flags;              /* CLONE_NEW* of the namespaces that differ from ours */
        bool use_pty;
        struct stdio_relay relay;  /* without a pty: pipes in place of the caller's terminals */
        char path[4096];           /* PATH of the leader, or the default */
        char *leader_env[8];       /* container_uuid=, container_host_*= from the leader */
        size_t n_leader_env;
        char **syscall_filter;     /* the container's filter entries (machine-state.h) */
        size_t n_syscall_filter;
        int sync_fd;               /* children's end of the sync socket */
};

/* The first child (on the host, still in nixbox's namespaces): joins the
 * cgroup and the namespaces, enters the root and forks the command's
 * process as a child of nixbox (CLONE_PARENT), reports its pid and exits.
 * Never returns. */
_noreturn_ void enter_child(struct enter_plan *p);

/* Sets the environment variable NAME to VALUE in a NULL-terminated vector
 * of at most max-1 entries (replacing an earlier NAME). */
void env_vector_set(char **v, size_t *n, size_t max, const char *name, const char *value);
