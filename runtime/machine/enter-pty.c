/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "enter-pty.h"
#include "macro.h"

void pty_forward_winch(struct pty_forward *f) {
        struct winsize ws;

        if (f->master < 0)
                return;
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
                (void) ioctl(f->master, TIOCSWINSZ, &ws);
}

void pty_forward_start(struct pty_forward *f, int master) {
        *f = (struct pty_forward) { .master = master, .stdin_open = true };
        (void) fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
        /* Raw: every key (^C, ^Z, ^D) goes to the pty, whose own line
         * discipline interprets it for the programs inside. */
        if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &f->saved) == 0) {
                struct termios raw = f->saved;
                cfmakeraw(&raw);
                if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
                        f->raw = true;
        }
        pty_forward_winch(f);
}

void pty_forward_pollfds(const struct pty_forward *f, struct pollfd pfd[2]) {
        bool pending = f->in_len > f->in_off || f->send_eof;

        pfd[0] = (struct pollfd) { .fd = f->master, .events = (short) (POLLIN | (pending ? POLLOUT : 0)) };
        pfd[1] = (struct pollfd) { .fd = f->stdin_open && !pending ? STDIN_FILENO : -1, .events = POLLIN };
}

static void write_out(const char *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(STDOUT_FILENO, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd o = { .fd = STDOUT_FILENO, .events = POLLOUT };
                                (void) poll(&o, 1, -1);
                                continue;
                        }
                        return;          /* the reader went away: drop */
                }
                p += w;
                n -= (size_t) w;
        }
}

/* Reads what the pty has; false when it hung up (no slave is open). */
static bool drain_master(struct pty_forward *f) {
        char buf[4096];
        ssize_t n;

        while ((n = read(f->master, buf, sizeof(buf))) > 0)
                write_out(buf, (size_t) n);
        return !(n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR));
}

static void hang_up(struct pty_forward *f) {
        close(f->master);
        f->master = -1;
        f->stdin_open = false;
        f->in_len = f->in_off = 0;
        f->send_eof = false;
}

void pty_forward_handle(struct pty_forward *f, const struct pollfd pfd[2]) {
        if (f->master >= 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && !drain_master(f)) {
                hang_up(f);
                return;
        }
        if (f->master >= 0 && (pfd[0].revents & POLLOUT)) {
                if (f->in_len > f->in_off) {
                        ssize_t w = write(f->master, f->in + f->in_off, f->in_len - f->in_off);
                        if (w > 0)
                                f->in_off += (size_t) w;
                        if (f->in_off == f->in_len)
                                f->in_len = f->in_off = 0;
                } else if (f->send_eof) {
                        /* The pty's end-of-file character: a reader in
                         * canonical mode sees the end of its input. */
                        if (write(f->master, "\x04", 1) == 1)
                                f->send_eof = false;
                }
        }
        if (f->stdin_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t n = read(STDIN_FILENO, f->in, sizeof(f->in));
                if (n > 0) {
                        f->in_len = (size_t) n;
                        f->in_off = 0;
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        f->stdin_open = false;
                        f->send_eof = !f->raw;
                }
        }
}

void pty_forward_stop(struct pty_forward *f) {
        if (f->master >= 0) {
                drain_master(f);
                close(f->master);
                f->master = -1;
        }
        if (f->raw) {
                tcsetattr(STDIN_FILENO, TCSADRAIN, &f->saved);
                f->raw = false;
        }
}
