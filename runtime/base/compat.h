/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What nixbox takes from the kernel rather than from the C library, so that
 * a glibc and a musl build behave the same (`make check-musl` compiles every
 * source against musl):
 *
 *  - system calls that glibc wraps but musl (1.2.3, Debian 12's) does not:
 *    called raw, in both builds, so there is one code path;
 *  - the numbering of real-time signals: see sd-signals.h. */
#pragma once

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/stat.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* ---- system calls without a wrapper in every libc ---- */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static inline int nb_pidfd_open(pid_t pid, unsigned flags) {
        return (int) syscall(SYS_pidfd_open, pid, flags);
}

static inline int nb_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned flags) {
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int nb_close_range(unsigned first, unsigned last, unsigned flags) {
        return (int) syscall(SYS_close_range, first, last, flags);
}

static inline int nb_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *sx) {
        return (int) syscall(SYS_statx, dirfd, path, flags, mask, sx);
}

static inline int nb_renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned flags) {
        return (int) syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, flags);
}
