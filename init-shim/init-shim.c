/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nixbox-init: the small static PID 1 that nixbox runs when it runs a
 * command instead of booting an init. It starts COMMAND as PID 2, reaps
 * every zombie in the container, forwards every signal it can catch to it
 * (SIGTERM, SIGINT, SIGHUP, SIGUSR1, real-time signals, ...; not the job
 * control and fault signals), and exits with its status (a death by signal
 * N as 128+N, like a shell).
 *
 * nixbox runs it from a sealed memfd, so the container can neither see it
 * in its tree nor overwrite it through /proc/1/exe.
 *
 * Usage (by nixbox only): nixbox-init [--sync-fd N] -- COMMAND [ARGS...]
 * When the exec of COMMAND fails, the child reports it on the sync fd
 * (struct sync_msg) so that nixbox prints it with its context. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../runtime/sync-protocol.h"

/* The kernel's signal set (signal N is bit N-1) and its system calls. The
 * libc's sigset_t helpers refuse the real-time signals the libc keeps for
 * itself (glibc 32-33, musl 32-34): a musl shim would not forward signal
 * 34, systemd's SIGRTMIN. Raw, every signal 1..64 is treated alike whatever
 * the libc (this shim has no threads, timers or set*id() that need them). */
typedef uint64_t ksigset_t;
#define KSIG_MAX 64
#define KSIG_BIT(s) ((ksigset_t) 1 << ((s) - 1))

static int ksigprocmask(int how, const ksigset_t *set, ksigset_t *old) {
        return (int) syscall(SYS_rt_sigprocmask, how, set, old, sizeof(ksigset_t));
}

static int ksigwaitinfo(const ksigset_t *set, siginfo_t *si) {
        return (int) syscall(SYS_rt_sigtimedwait, set, si, NULL, sizeof(ksigset_t));
}

/* Not forwarded: what cannot be caught, job control, and faults. */
static int forwardable(int sig) {
        switch (sig) {
        case SIGKILL: case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU: case SIGCHLD:
        case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP: case SIGSYS: case SIGABRT:
                return 0;
        default:
                return 1;
        }
}

static void report_exec_failure(int sync_fd, const char *cmd, int errnum) {
        struct sync_msg m = { .type = SYNC_EXEC_FAILED };

        if (sync_fd < 0) {
                fprintf(stderr, "nixbox-init: execute %s: %s\n", cmd, strerror(errnum));
                return;
        }
        m.err.errnum = errnum;
        m.err.exit_code = errnum == ENOENT ? 127 : 126;
        snprintf(m.err.msg, sizeof(m.err.msg), "execute %s", cmd);
        (void) !send(sync_fd, &m, sizeof(m), MSG_NOSIGNAL);
}

/* Starts argv as PID 2 with the signal mask old. vfork: no copy of our
 * memory, and we sleep until the child has exec'd or exited. Until then
 * it runs on our stack and in our memory: it makes system calls, formats
 * its report on its own part of the stack, and ends with exec or _exit.
 * It runs no signal handler (we install none; it changes only its own
 * disposition of SIGTTOU). */
static pid_t start_command(char **argv, int sync_fd, const ksigset_t *old) {
        pid_t child = vfork();

        if (child != 0)
                return child;
        ksigprocmask(SIG_SETMASK, old, NULL);
        /* Give the command the terminal, if stdin is the session's. */
        if (isatty(STDIN_FILENO) && setpgid(0, 0) == 0) {
                signal(SIGTTOU, SIG_IGN);
                (void) tcsetpgrp(STDIN_FILENO, getpid());
                signal(SIGTTOU, SIG_DFL);
        }
        if (sync_fd >= 0)
                fcntl(sync_fd, F_SETFD, FD_CLOEXEC);
        execvp(argv[0], argv);
        int e = errno;
        report_exec_failure(sync_fd, argv[0], e);
        _exit(e == ENOENT ? 127 : 126);
}

int main(int argc, char **argv) {
        int sync_fd = -1, i = 1, status = 0;
        ksigset_t set = 0, old = 0;
        pid_t child;

        if (i + 1 < argc && strcmp(argv[i], "--sync-fd") == 0) {
                sync_fd = atoi(argv[i + 1]);
                i += 2;
        }
        if (i < argc && strcmp(argv[i], "--") == 0)
                i++;
        if (i >= argc) {
                fprintf(stderr, "nixbox-init: no command given\n");
                return 125;
        }

        /* Take every signal we care about synchronously. As PID 1 of its
         * namespace, anything without a handler would be ignored anyway. */
        set = KSIG_BIT(SIGCHLD);
        for (int s = 1; s <= KSIG_MAX; s++)
                if (forwardable(s))
                        set |= KSIG_BIT(s);
        ksigprocmask(SIG_BLOCK, &set, &old);

        child = start_command(argv + i, sync_fd, &old);
        if (child < 0) {
                perror("nixbox-init: vfork");
                return 125;
        }
        if (sync_fd >= 0)
                close(sync_fd);

        for (;;) {
                siginfo_t si;
                int sig = ksigwaitinfo(&set, &si);

                if (sig < 0)
                        continue;
                if (sig != SIGCHLD) {
                        kill(child, sig);
                        continue;
                }
                for (;;) {
                        int st;
                        pid_t p = waitpid(-1, &st, WNOHANG);
                        if (p <= 0)
                                break;
                        if (p == child) {
                                status = st;
                                goto done;
                        }
                }
        }
done:
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 125;
}
