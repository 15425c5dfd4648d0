/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "console-log.h"
#include "error.h"
#include "stdio-relay.h"

static void close_fd(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -1;
}

int stdio_relay_prepare(struct stdio_relay *r, struct console_log *log, struct nb_error *err) {
        int p[2];

        *r = (struct stdio_relay) STDIO_RELAY_INIT;
        r->log = log;
        for (int i = 0; i < 3; i++) {
                if (log ? i == 0 || i == 2 : !isatty(i))
                        continue;
                if (pipe2(p, O_CLOEXEC) < 0) {
                        for (int k = 0; k < 3; k++) {
                                close_fd(&r->child[k]);
                                close_fd(&r->ours[k]);
                        }
                        return nb_error_set(err, errno, "create a pipe for fd %d of the payload", i);
                }
                r->child[i] = p[i == 0 ? 0 : 1];
                r->ours[i] = p[i == 0 ? 1 : 0];
                (void) fcntl(r->ours[i], F_SETFL, O_NONBLOCK);
        }
        /* Detached: stdout and stderr share the pipe, so that the log keeps
         * their order. */
        if (log)
                r->child[2] = r->child[1];
        return 0;
}

int stdio_relay_apply(const struct stdio_relay *r) {
        for (int i = 0; i < 3; i++)
                if (r->child[i] >= 0 && dup2(r->child[i], i) < 0)
                        return -errno;
        return 0;
}

void stdio_relay_close_child(struct stdio_relay *r) {
        if (r->child[2] == r->child[1])
                r->child[2] = -1;
        for (int i = 0; i < 3; i++)
                close_fd(&r->child[i]);
}

void stdio_relay_pollfds(const struct stdio_relay *r, struct pollfd pfd[3]) {
        bool pending = r->in_len > r->in_off;

        /* Input: from our stdin while nothing is pending, then into the pipe. */
        pfd[0] = (struct pollfd) { .fd = r->ours[0] >= 0 ? (pending ? r->ours[0] : STDIN_FILENO) : -1,
                                   .events = pending ? POLLOUT : POLLIN };
        for (int i = 1; i < 3; i++)
                pfd[i] = (struct pollfd) { .fd = r->ours[i], .events = POLLIN };
}

static void write_out(const struct stdio_relay *r, int fd, const char *p, size_t n) {
        if (r->log) {
                console_log_write(r->log, p, n);
                return;
        }
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && errno == EAGAIN) {
                        (void) poll(&(struct pollfd) { .fd = fd, .events = POLLOUT }, 1, -1);
                        continue;
                }
                if (w <= 0)
                        return;          /* the reader went away: drop */
                p += w;
                n -= (size_t) w;
        }
}

/* Reads what pipe i has, a pipe's worth at most (a writer as fast as we
 * are must not keep us here); closes it at its end. */
static void drain(struct stdio_relay *r, int i) {
        char buf[4096];
        ssize_t n = -1;

        errno = EAGAIN;
        for (int k = 0; k < 16 && (n = read(r->ours[i], buf, sizeof(buf))) > 0; k++)
                write_out(r, i, buf, (size_t) n);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                close_fd(&r->ours[i]);
}

void stdio_relay_handle(struct stdio_relay *r, const struct pollfd pfd[3]) {
        if (r->ours[0] >= 0 && pfd[0].fd == STDIN_FILENO && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t n = read(STDIN_FILENO, r->in, sizeof(r->in));
                if (n > 0) {
                        r->in_len = (size_t) n;
                        r->in_off = 0;
                } else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                        close_fd(&r->ours[0]);         /* end of input: the payload sees EOF */
        } else if (r->ours[0] >= 0 && pfd[0].fd == r->ours[0] && pfd[0].revents) {
                ssize_t w = write(r->ours[0], r->in + r->in_off, r->in_len - r->in_off);
                if (w > 0)
                        r->in_off += (size_t) w;
                else if (w < 0 && errno != EAGAIN && errno != EINTR)
                        close_fd(&r->ours[0]);         /* the payload closed its stdin */
                if (r->in_off >= r->in_len || r->ours[0] < 0)
                        r->in_len = r->in_off = 0;
        }
        for (int i = 1; i < 3; i++)
                if (r->ours[i] >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                        drain(r, i);
}

void stdio_relay_stop(struct stdio_relay *r) {
        stdio_relay_close_child(r);
        for (int i = 1; i < 3; i++)
                if (r->ours[i] >= 0)
                        drain(r, i);
        for (int i = 0; i < 3; i++)
                close_fd(&r->ours[i]);
        r->in_len = r->in_off = 0;
}
