/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#include "console.h"
#include "console-log.h"
#include "error.h"
#include "log.h"

enum console_mode console_resolve_mode(enum console_mode m, bool boot) {
        bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

        switch (m) {
        case CONSOLE_DEFAULT:
                /* nspawn's default for boot; a command without a terminal gets
                 * plain stdio, so that pipes into and out of it just work. */
                return tty ? CONSOLE_INTERACTIVE : (boot ? CONSOLE_READ_ONLY : CONSOLE_PIPE);
        case CONSOLE_AUTOPIPE:
                return tty ? CONSOLE_INTERACTIVE : CONSOLE_PIPE;
        default:
                return m;
        }
}

int console_allocate(struct nb_error *err) {
        _cleanup_close_ int master = -1;
        char slave[64];

        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
        if (master < 0)
                return nb_error_set(err, errno, "open /dev/pts/ptmx for the console");
        if (unlockpt(master) < 0 || ptsname_r(master, slave, sizeof(slave)) != 0)
                return nb_error_set(err, errno, "set up the console pty");
        /* /dev/console is an empty file the outer child made on /dev. */
        if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
                return nb_error_set(err, errno, "bind %s on /dev/console", slave);
        return TAKE_FD(master);
}

int console_attach(struct nb_error *err) {
        int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (fd < 0)
                return nb_error_set(err, errno, "open /dev/console");
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
                close(fd);
                return nb_error_set(err, ENOTTY, "open /dev/console: not a terminal");
        }
        if (ioctl(fd, TIOCSCTTY, 0) < 0) {
                close(fd);
                return nb_error_set(err, errno, "make /dev/console the controlling terminal");
        }
        if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
                close(fd);
                return nb_error_set(err, errno, "connect stdio to /dev/console");
        }
        if (fd > 2)
                close(fd);
        return 0;
}

void console_winch(struct console *con) {
        struct winsize ws;

        if (con->master >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
                ioctl(con->master, TIOCSWINSZ, &ws);
}

void console_start(struct console *con, int master) {
        con->master = master;
        con->ep = -1;
        /* systemd opens /dev/console for each status line and closes it
         * again; in between, no slave is open and a level-triggered poll of
         * the master returns POLLHUP at once. Edge-triggered epoll reports
         * the hang-up once and then only new output, as nspawn's pty
         * forwarder does, so the supervisor neither spins nor sleeps (a
         * sleep would also hold back READY=1 on the notify socket). */
        if (master >= 0) {
                struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
                con->ep = epoll_create1(EPOLL_CLOEXEC);
                if (con->ep >= 0 && epoll_ctl(con->ep, EPOLL_CTL_ADD, master, &ev) < 0) {
                        close(con->ep);
                        con->ep = -1;
                }
        }
        con->stdin_open = con->mode == CONSOLE_INTERACTIVE;
        if (con->mode == CONSOLE_INTERACTIVE && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &con->saved) == 0) {
                struct termios raw = con->saved;
                cfmakeraw(&raw);
                raw.c_oflag = con->saved.c_oflag;
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
                        con->raw = true;
                if (!log_quiet)
                        fprintf(stderr, "nixbox: press ^] three times within 1 s to kill the container.\r\n");
        }
        console_winch(con);
}

static long long now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return;        /* the reader went away: drop */
                }
                p += w;
                n -= (size_t) w;
        }
}

int console_poll_fd(const struct console *con) {
        return con->ep >= 0 ? con->ep : con->master;
}

bool console_polls_master(const struct console *con) {
        return con->master >= 0 && con->ep < 0;
}

int console_relay(struct console *con, bool master_ready, bool stdin_ready) {
        char buf[4096];
        ssize_t n = 0;

        if (master_ready && con->master >= 0) {
                int k;

                if (con->ep >= 0) {
                        struct epoll_event ev;
                        /* Takes the event off the ready list (edge-triggered:
                         * it comes back only with the next wake-up). */
                        (void) epoll_wait(con->ep, &ev, 1, 0);
                }
                /* A pipe's worth at most: a payload writing as fast as we
                 * read must not keep us from the signals. */
                for (k = 0; k < 16 && (n = read(con->master, buf, sizeof(buf))) > 0; k++) {
                        if (con->mode == CONSOLE_PASSIVE)
                                continue;
                        if (con->log)
                                console_log_write(con->log, buf, (size_t) n);
                        else
                                write_all(STDOUT_FILENO, buf, (size_t) n);
                }
                /* Stopped with output left: re-arm, which queues the event
                 * again since the master is still readable. */
                if (con->ep >= 0 && k == 16) {
                        struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
                        (void) epoll_ctl(con->ep, EPOLL_CTL_MOD, con->master, &ev);
                }
        }
        if (stdin_ready && con->stdin_open) {
                n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n <= 0) {
                        con->stdin_open = false;
                        return 0;
                }
                for (ssize_t i = 0; i < n; i++) {
                        if (buf[i] != 0x1d)      /* ^] */
                                continue;
                        long long t = now_ms();
                        if (con->escapes == 0 || t - con->first_escape_ms > 1000) {
                                con->escapes = 0;
                                con->first_escape_ms = t;
                        }
                        if (++con->escapes >= 3)
                                return 1;
                }
                write_all(con->master, buf, (size_t) n);
        }
        return 0;
}

void console_stop(struct console *con) {
        if (con->ep >= 0) {
                close(con->ep);
                con->ep = -1;
        }
        if (con->master >= 0) {
                console_relay(con, true, false);
                close(con->master);
                con->master = -1;
        }
        if (con->raw) {
                tcsetattr(STDIN_FILENO, TCSANOW, &con->saved);
                con->raw = false;
        }
}
