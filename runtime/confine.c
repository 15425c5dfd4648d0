/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "capabilities.h"
#include "confine.h"
#include "error.h"
#include "macro.h"
#include "seccomp-policy.h"
#include "trace.h"
#include "user-lookup.h"

static int confine(const struct confinement *cf, struct nb_error *err) {
        const struct user_info *u = cf->user;
        int r;

        /* Until exec, no process of the container may ptrace us: we may
         * still hold host resources. exec resets it. */
        if (prctl(PR_SET_DUMPABLE, 0) < 0)
                return nb_error_set(err, errno, "make the payload's process undumpable");
        /* The filter loads first, while CAP_SYS_ADMIN is still effective
         * (loading without no_new_privs needs it, and the payload may have
         * it dropped); it allows capset and prctl, so the capability sets
         * and the uid are changed right after, under the filter. */
        if (cf->syscall_program)
                r = seccomp_policy_load(cf->syscall_program, err);
        else
                r = seccomp_install(cf->bounding, cf->syscall_filter, cf->n_syscall_filter, err);
        if (r < 0)
                return r;
        r = caps_apply(cf->bounding, cf->no_new_privs, err);
        if (r < 0)
                return r;
        trace_step("inner: capabilities, seccomp");

        if (u->uid != 0 || u->gid != 0) {
                if (setgroups((size_t) u->n_groups, u->groups) < 0 ||
                    setresgid(u->gid, u->gid, u->gid) < 0 ||
                    setresuid(u->uid, u->uid, u->uid) < 0)
                        return nb_error_set(err, errno, "change to user %s (uid %u, gid %u)", cf->user_label, u->uid, u->gid);
                /* The uid change cleared it; the payload must still die with nixbox. */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                        return nb_error_set(err, errno, "set the parent-death signal");
        }

        /* Nothing but stdio (and keep_fd) crosses the exec. */
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                return nb_error_set(err, errno, "mark descriptors close-on-exec");
        if (cf->keep_fd >= 0 && fcntl(cf->keep_fd, F_SETFD, 0) < 0)
                return nb_error_set(err, errno, "keep descriptor %d across the exec", cf->keep_fd);

        sigset_t empty;
        for (int s = 1; s < _NSIG; s++)
                if (s != SIGKILL && s != SIGSTOP)
                        signal(s, SIG_DFL);
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        return 0;
}

int confine_and_exec(const struct confinement *cf, const struct exec_target *x, struct nb_error *err) {
        int r, last = ENOENT;

        r = confine(cf, err);
        if (r < 0)
                return r;
        trace_step("inner: exec");

        if (x->fd >= 0) {
                syscall(SYS_execveat, x->fd, "", x->argv, x->envp, AT_EMPTY_PATH);
                last = errno;
        } else if (x->n_paths == 0) {
                /* execvp searches the PATH of environ. */
                environ = x->envp;
                execvp(x->argv[0], x->argv);
                last = errno;
        } else
                for (size_t i = 0; i < x->n_paths; i++) {
                        if (x->argv0_is_path)
                                x->argv[0] = (char *) x->paths[i];
                        execve(x->paths[i], x->argv, x->envp);
                        if (errno != ENOENT)
                                last = errno;
                }
        err->exit_code = last == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
        return nb_error_set(err, last, "execute %s", x->what);
}
