/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console-log.h"
#include "host-config.h"
#include "error.h"

static int open_log(const char *path) {
        return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* Points our stdout (and stderr, once it follows) at fd. */
static void adopt(struct console_log *l, int fd) {
        dup2(fd, STDOUT_FILENO);
        if (l->stderr_too)
                dup2(fd, STDERR_FILENO);
        if (l->fd >= 0)
                close(l->fd);
        l->fd = fd;
}

int console_log_open(struct console_log *l, const char *path, uint64_t max, struct nb_error *err) {
        int fd;

        snprintf(l->path, sizeof(l->path), "%s", path);
        /* --console-log-size, else [console] LogSize= of nixbox.conf(5) (8 MiB). */
        l->max = max ? max : host_config()->console_log_size;
        l->size = l->dropped = 0;
        l->fd = -1;
        fd = open_log(path);
        if (fd < 0)
                return nb_error_set(err, errno, "open %s", path);
        adopt(l, fd);
        return 0;
}

void console_log_take_stderr(struct console_log *l) {
        l->stderr_too = true;
        if (l->fd >= 0)
                dup2(l->fd, STDERR_FILENO);
}

/* console.log becomes console.log.1; a fresh console.log takes its place.
 * Both steps are renames over the old names, so that a reader (`nixbox
 * logs`) always finds a console.log. Our own messages (stderr) are
 * counted too: the size comes from the file. */
static void rotate(struct console_log *l) {
        char old[sizeof(l->path) + 8], old_tmp[sizeof(l->path) + 8], tmp[sizeof(l->path) + 8];
        int fd;

        snprintf(old, sizeof(old), "%s.1", l->path);
        snprintf(old_tmp, sizeof(old_tmp), "%s.1.tmp", l->path);
        snprintf(tmp, sizeof(tmp), "%s.tmp", l->path);
        (void) unlink(tmp);
        (void) unlink(old_tmp);
        fd = open_log(tmp);
        if (fd < 0 || link(l->path, old_tmp) < 0 || rename(old_tmp, old) < 0 || rename(tmp, l->path) < 0) {
                /* Cannot rotate: start over in place rather than grow. */
                if (fd >= 0)
                        close(fd);
                (void) unlink(tmp);
                (void) unlink(old_tmp);
                if (ftruncate(l->fd, 0) == 0)
                        l->size = 0;
                return;
        }
        adopt(l, fd);
        l->size = 0;
}

static bool write_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return false;
                p += w;
                n -= (size_t) w;
        }
        return true;
}

void console_log_write(struct console_log *l, const char *p, size_t n) {
        struct stat st;

        if (l->fd < 0) {
                l->dropped += n;
                return;
        }
        if (fstat(l->fd, &st) == 0)
                l->size = (uint64_t) st.st_size;
        /* A single chunk larger than the cap keeps only its tail. */
        if (n > l->max) {
                l->dropped += n - l->max;
                p += n - l->max;
                n = (size_t) l->max;
        }
        if (l->size + n > l->max)
                rotate(l);
        if (l->dropped > 0 && l->size + n + 128 <= l->max) {
                char note[128];
                int k = snprintf(note, sizeof(note), "\n[nixbox: %llu bytes of console output were dropped]\n",
                                 (unsigned long long) l->dropped);
                if (write_all(l->fd, note, (size_t) k))
                        l->dropped = 0;
        }
        if (!write_all(l->fd, p, n))
                l->dropped += n;        /* disk full: the payload must not wait for us */
}
