/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* overlayfs custom mounts (nspawn's --overlay=). The work directory that a
 * writable overlay needs must be on the upper directory's file system:
 * nspawn makes it next to the upper one and removes it at exit, and so do
 * we, under a name derived from the machine and the upper directory, so
 * that the parent finds it again after the mount namespace is gone. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "mount-overlay.h"
#include "options.h"
#include "parse-util.h"
#include "path-in-root.h"

/* The upper directory's parent (as given, "+" kept) and the work
 * directory's name in it. */
static int work_location(const struct options *o, const char *upper, char *parent, size_t psize, char *name, size_t nsize) {
        const char *slash = strrchr(upper, '/');
        size_t n;

        if (!slash || !slash[1])
                return -EINVAL;
        n = (size_t) (slash - upper);
        if (n == 0 || (n == 1 && upper[0] == '+'))
                n++; /* "/x" or "+/x": the parent is the root */
        if (n >= psize)
                return -ENAMETOOLONG;
        memcpy(parent, upper, n);
        parent[n] = 0;
        return snprintf_ok(name, nsize, ".#nixbox-overlay-work.%s.%s", o->machine, slash + 1) < 0 || strlen(name) > NAME_MAX
                ? -ENAMETOOLONG
                : 0;
}

/* A directory of the host, or of the tree ("+PATH"), as an fd. */
static int open_dir(int root_fd, const char *path, int flags) {
        int fd;

        if (path[0] == '+')
                return root_open(root_fd, path + 1, flags | O_DIRECTORY, 0);
        fd = open(path, flags | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static int append_fd(char *buf, size_t size, const char *sep, int fd) {
        size_t l = strlen(buf);
        return snprintf_ok(buf + l, size - l, "%s/proc/self/fd/%d", sep, fd);
}

int overlay_mount(struct container *c, int root_fd, const struct custom_mount *m, struct nb_error *err) {
        bool ro = m->type == MOUNT_OVERLAY_RO;
        _cleanup_strv_free_ char **lower = NULL;
        _cleanup_free_ char *upper = NULL;
        _cleanup_close_ int ufd = -1, wfd = -1, target = -1;
        _cleanup_free_ int *lfd = NULL;
        char data[4096] = "lowerdir=";
        size_t n_lower = 0;
        bool reported = false;
        int r = 0;

        r = custom_mount_overlay_layers(m, &lower, &n_lower, &upper);
        if (r < 0)
                return nb_error_set(err, r, "overlay mount on %s: its layers", m->dest);
        if (!*upper)
                return nb_error_set(err, EOPNOTSUPP,
                                    "overlay mount on %s: a temporary upper directory (an empty "
                                    "UPPER) is not implemented by nixbox; give a directory",
                                    m->dest);
        lfd = calloc(n_lower, sizeof(int));
        if (!lfd)
                return nb_error_set(err, ENOMEM, "overlay mount on %s", m->dest);
        for (size_t i = 0; i < n_lower; i++)
                lfd[i] = -1;

        if (!ro) {
                /* nspawn creates the upper directory (not its parents). */
                if (upper[0] == '+') {
                        _cleanup_close_ int fd = root_mkdir_p(root_fd, upper + 1, 0755, c->root_uid, c->root_uid);
                        r = fd < 0 ? fd : 0;
                } else
                        r = mkdir(upper, 0755) < 0 && errno != EEXIST ? -errno : 0;
                if (r < 0)
                        return nb_error_set(err, r, "create the upper directory %s of the overlay on %s", upper, m->dest);
        }
        ufd = open_dir(root_fd, upper, O_PATH);
        if (ufd < 0)
                return nb_error_set(err, ufd, "open the upper directory %s of the overlay on %s", upper, m->dest);
        if (ro)
                r = append_fd(data, sizeof(data), "", ufd);
        for (size_t i = n_lower; r >= 0 && i-- > 0;) {
                lfd[i] = open_dir(root_fd, lower[i], O_PATH);
                if (lfd[i] < 0) {
                        r = lfd[i];
                        for (size_t j = i + 1; j < n_lower; j++)
                                close(lfd[j]);
                        return nb_error_set(err, r, "open the lower directory %s of the overlay on %s", lower[i], m->dest);
                }
                r = append_fd(data, sizeof(data), (ro || i != n_lower - 1) ? ":" : "", lfd[i]);
        }
        if (!ro && r >= 0) {
                char parent[PATH_MAX], name[NAME_MAX + 1];
                _cleanup_close_ int pfd = -1;

                r = work_location(c->o, upper, parent, sizeof(parent), name, sizeof(name));
                if (r < 0)
                        goto done;
                pfd = open_dir(root_fd, parent, O_RDONLY);
                if (pfd < 0 || (mkdirat(pfd, name, 0700) < 0 && errno != EEXIST)) {
                        r = nb_error_set(err, pfd < 0 ? pfd : -errno, "create the work directory %s/%s of the overlay on %s",
                                         parent, name, m->dest);
                        reported = true;
                        goto done;
                }
                wfd = openat(pfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (wfd < 0) {
                        r = -errno;
                        goto done;
                }
                r = snprintf_ok(data + strlen(data), sizeof(data) - strlen(data), ",upperdir=/proc/self/fd/%d", ufd);
                if (r >= 0)
                        r = snprintf_ok(data + strlen(data), sizeof(data) - strlen(data), ",workdir=/proc/self/fd/%d", wfd);
        }
        if (r >= 0) {
                target = root_mount_point(root_fd, m->dest, true, c->root_uid, c->root_uid);
                if (target < 0)
                        r = target;
                else {
                        char p[32];
                        r = mount("overlay", fd_path(target, p), "overlay", ro ? MS_RDONLY : 0, data) < 0 ? -errno : 0;
                }
        }
done:
        for (size_t i = 0; i < n_lower; i++)
                if (lfd[i] >= 0)
                        close(lfd[i]);
        if (r < 0 && !reported)
                return nb_error_set(err, r, "mount the overlay %s on %s (in %s)", m->source, m->dest, c->o->root);
        return r;
}

void overlay_cleanup(const struct container *c) {
        _cleanup_close_ int root_fd = -1;

        for (size_t i = 0; i < c->o->n_mounts; i++) {
                const struct custom_mount *m = &c->o->mounts[i];
                _cleanup_strv_free_ char **lower = NULL;
                _cleanup_free_ char *upper = NULL;
                _cleanup_close_ int pfd = -1;
                char parent[PATH_MAX], name[NAME_MAX + 1], sub[NAME_MAX + 16];
                size_t n = 0;

                if (m->type != MOUNT_OVERLAY || custom_mount_overlay_layers(m, &lower, &n, &upper) < 0 || !*upper ||
                    work_location(c->o, upper, parent, sizeof(parent), name, sizeof(name)) < 0)
                        continue;
                if (parent[0] == '+' && root_fd < 0)
                        root_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                pfd = parent[0] == '+' && root_fd < 0 ? -EBADF : open_dir(root_fd, parent, O_RDONLY);
                if (pfd < 0)
                        continue;
                /* overlayfs leaves work/ (and index/) behind, empty after a clean unmount. */
                static const char *const subs[] = { "work", "index" };
                for (size_t j = 0; j < ELEMENTSOF(subs); j++) {
                        snprintf(sub, sizeof(sub), "%s/%s", name, subs[j]);
                        (void) unlinkat(pfd, sub, AT_REMOVEDIR);
                }
                if (unlinkat(pfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        log_warn("remove the overlay work directory %s/%s: %s", parent, name, strerror(errno));
        }
}
