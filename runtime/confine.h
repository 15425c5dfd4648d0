/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one confine-and-exec sequence: the container's PID 1 (exec.c) and
 * every command of `nixbox exec`/`shell` (machine/enter-child.c) end here,
 * so a hardening added for one cannot be missing from the other. The
 * callers have set up the session (setsid, terminal or pipes), the
 * environment and the working directory. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nb_error;
struct seccomp_program;
struct user_info;

struct confinement {
        uint64_t bounding;              /* capability bounding set */
        bool no_new_privs;
        char *const *syscall_filter;    /* --system-call-filter entries */
        size_t n_syscall_filter;
        /* The filter built already (from bounding and syscall_filter, by
         * the supervisor); NULL: build it here. */
        const struct seccomp_program *syscall_program;
        const struct user_info *user;   /* uid 0/gid 0: stay root */
        const char *user_label;         /* the user as asked, for messages */
        int keep_fd;                    /* stays open across the exec (-1: none) */
};

struct exec_target {
        int fd;                         /* >= 0: execveat(fd, "", AT_EMPTY_PATH) */
        const char *const *paths;       /* else each in turn; ENOENT tries the next */
        size_t n_paths;                 /* 0: execvp(argv[0]) in the PATH of envp */
        bool argv0_is_path;             /* argv[0] = the path being tried */
        char **argv;
        char **envp;
        const char *what;               /* "execute WHAT" on failure */
};

/* Loads the system-call filter, applies the capability sets and
 * no_new_privs, changes the user, marks every descriptor but stdio and
 * keep_fd close-on-exec, resets signals, execs. Only returns on failure
 * (err filled; err->exit_code 127 when nothing was found, else 126). */
int confine_and_exec(const struct confinement *cf, const struct exec_target *x, struct nb_error *err);
