/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* confine-probe: a tiny static program that tries what a confined
 * container's root must not be able to do, and prints what happened, one
 * line per try ("WHAT ok" or "WHAT ERRNO-NAME"). Every try is harmless even
 * where it succeeds: arguments are chosen so that an allowed call fails in
 * the kernel's argument checks (EFAULT, EINVAL, EBADF...) instead of doing
 * anything, and files are opened without writing to them.
 *
 * Usage:
 *   confine-probe syscall NAME...    call NAME with harmless arguments
 *   confine-probe audit-socket       an audit netlink socket, and a route one
 *   confine-probe tiocsti            ioctl(0, TIOCSTI, "x")
 *   confine-probe open PATH r|w|rw [nofollow]  open and close (O_NOFOLLOW with nofollow)
 *   confine-probe seals PATH         the memfd seals of PATH (F_GET_SEALS)
 *   confine-probe fds                this process's open descriptors and targets
 *   confine-probe exchange A B       renameat2(RENAME_EXCHANGE) A and B until killed
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "../../runtime/base/compat.h"
#include "../errno-name.h"

static void report(const char *what, long r) {
        if (r < 0)
                printf("%s %s\n", what, errno_name(errno) ? errno_name(errno) : "E?");
        else
                printf("%s ok\n", what);
        fflush(stdout);
}

static long try_syscall(const char *name) {
        struct timex tx = { .modes = 0 };       /* adjtimex: only reads */

        /* kexec: 1000 segments is more than KEXEC_SEGMENT_MAX: EINVAL, never a load. */
        if (!strcmp(name, "kexec_load"))
                return syscall(SYS_kexec_load, 0UL, 1000UL, NULL, 0UL);
        if (!strcmp(name, "kexec_file_load"))
                return syscall(SYS_kexec_file_load, -1, -1, 0UL, NULL, ~0UL);
        if (!strcmp(name, "open_by_handle_at"))
                return syscall(SYS_open_by_handle_at, -1, NULL, O_RDONLY);
        if (!strcmp(name, "init_module"))
                return syscall(SYS_init_module, NULL, 0UL, "");
        if (!strcmp(name, "finit_module"))
                return syscall(SYS_finit_module, -1, "", 0);
        if (!strcmp(name, "delete_module"))
                return syscall(SYS_delete_module, "nixbox_no_such_module", O_NONBLOCK);
        if (!strcmp(name, "add_key"))
                return syscall(SYS_add_key, NULL, NULL, NULL, 0UL, 0);
        if (!strcmp(name, "request_key"))
                return syscall(SYS_request_key, NULL, NULL, NULL, 0);
        if (!strcmp(name, "keyctl"))
                return syscall(SYS_keyctl, -1, 0UL, 0UL, 0UL, 0UL);
        if (!strcmp(name, "perf_event_open"))
                return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0UL);
        if (!strcmp(name, "bpf"))
                return syscall(SYS_bpf, -1, NULL, 0);
        if (!strcmp(name, "clock_settime"))
                return syscall(SYS_clock_settime, CLOCK_REALTIME, NULL);
        if (!strcmp(name, "adjtimex"))
                return syscall(SYS_adjtimex, &tx);
        if (!strcmp(name, "swapon"))
                return syscall(SYS_swapon, NULL, 0);
        if (!strcmp(name, "fanotify_init"))
                return syscall(SYS_fanotify_init, ~0U, 0U);
        if (!strcmp(name, "syslog"))
                return syscall(SYS_syslog, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
        if (!strcmp(name, "getpid"))
                return syscall(SYS_getpid);
        fprintf(stderr, "confine-probe: unknown system call %s\n", name);
        exit(2);
}

static int list_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;

        if (!d) {
                perror("confine-probe: /proc/self/fd");
                return 1;
        }
        while ((e = readdir(d))) {
                char path[64], target[4096];
                ssize_t n;
                int fd;

                if (e->d_name[0] == '.')
                        continue;
                fd = atoi(e->d_name);
                if (fd == dirfd(d))
                        continue;
                snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
                n = readlink(path, target, sizeof(target) - 1);
                target[n > 0 ? n : 0] = 0;
                printf("fd %d %s\n", fd, target);
        }
        closedir(d);
        return 0;
}

int main(int argc, char **argv) {
        if (argc < 2) {
                fprintf(stderr, "usage: confine-probe syscall|audit-socket|tiocsti|open|seals|fds|exchange ...\n");
                return 2;
        }
        if (!strcmp(argv[1], "syscall")) {
                for (int i = 2; i < argc; i++)
                        report(argv[i], try_syscall(argv[i]));
        } else if (!strcmp(argv[1], "audit-socket")) {
                int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
                report("audit", fd);
                if (fd >= 0)
                        close(fd);
                fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
                report("route", fd);
        } else if (!strcmp(argv[1], "tiocsti")) {
                report("tiocsti", ioctl(0, TIOCSTI, "x"));
        } else if (!strcmp(argv[1], "open") && (argc == 4 || argc == 5)) {
                int flags = !strcmp(argv[3], "w") ? O_WRONLY : !strcmp(argv[3], "rw") ? O_RDWR : O_RDONLY;
                if (argc == 5 && !strcmp(argv[4], "nofollow"))
                        flags |= O_NOFOLLOW;
                int fd = open(argv[2], flags | O_CLOEXEC | O_NOCTTY);
                report("open", fd);
                if (fd >= 0)
                        close(fd);
        } else if (!strcmp(argv[1], "seals") && argc == 3) {
                int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
                int s = fd < 0 ? -1 : fcntl(fd, F_GET_SEALS);
                if (s < 0)
                        report("seals", -1);
                else
                        printf("seals%s%s%s%s\n", s & F_SEAL_SEAL ? " seal" : "", s & F_SEAL_SHRINK ? " shrink" : "",
                               s & F_SEAL_GROW ? " grow" : "", s & F_SEAL_WRITE ? " write" : "");
        } else if (!strcmp(argv[1], "fds")) {
                return list_fds();
        } else if (!strcmp(argv[1], "exchange") && argc == 4) {
                unsigned long n = 0, failed = 0;
                for (;;) {
                        if (nb_renameat2(AT_FDCWD, argv[2], AT_FDCWD, argv[3], RENAME_EXCHANGE) < 0)
                                failed++;
                        n++;
                        if (failed > 1000 && failed == n) {
                                perror("confine-probe: renameat2");
                                return 1;
                        }
                }
        } else {
                fprintf(stderr, "confine-probe: bad arguments\n");
                return 2;
        }
        return 0;
}
