/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "compat.h"
#include "error.h"
#include "fileio.h"
#include "image-remove.h"

/* A hostile tree may be nested arbitrarily deep: the walk holds two fds and
 * one stack frame per level, so it stops at this depth and says so. */
#define REMOVE_MAX_DEPTH 2048

struct removal {
        dev_t dev;
        unsigned depth;
        uint64_t mnt_id;
        bool has_mnt_id;
        int first;                 /* first failure, -errno */
        struct nb_error *err;
};

static int stat_entry(int dirfd, const char *name, struct statx *sx) {
        int flags = AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | (*name ? 0 : AT_EMPTY_PATH);

        return nb_statx(dirfd, name, flags, STATX_TYPE | STATX_MNT_ID, sx) < 0 ? -errno : 0;
}

/* A different device, or a different mount of the same file system (a bind
 * mount): either way, not ours to empty. */
static bool same_mount(const struct removal *m, const struct statx *sx) {
        if (makedev(sx->stx_dev_major, sx->stx_dev_minor) != m->dev)
                return false;
        return !m->has_mnt_id || !(sx->stx_mask & STATX_MNT_ID) || sx->stx_mnt_id == m->mnt_id;
}

static void clear_immutable(int fd) {
        int flags;

        if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || !(flags & (FS_IMMUTABLE_FL | FS_APPEND_FL)))
                return;
        flags &= ~(FS_IMMUTABLE_FL | FS_APPEND_FL);
        (void) ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

/* Remembers the first failure: "WHAT PATH". */
static void failed(struct removal *m, int errnum, const char *what, const char *path) {
        if (m->first == 0)
                m->first = nb_error_set(m->err, errnum, "%s %s", what, path);
}

/* Unlinks a non-directory; an immutable or append-only file is opened to
 * clear the flag (never a device or fifo: opening those has effects). */
static void remove_file(struct removal *m, int dfd, const char *name, const struct statx *sx, const char *path) {
        if (unlinkat(dfd, name, 0) == 0)
                return;
        if (errno == EPERM && S_ISREG(sx->stx_mode)) {
                int fd = open_regular_at(dfd, name, 0, O_RDONLY | O_NOFOLLOW, NULL);  /* swapped meanwhile: not opened */
                if (fd >= 0) {
                        clear_immutable(fd);
                        close(fd);
                }
                if (unlinkat(dfd, name, 0) == 0)
                        return;
        }
        failed(m, errno, "remove", path);
}

static void remove_children(struct removal *m, int dfd, char *path);

static void remove_directory(struct removal *m, int dfd, const char *name, const struct statx *sx, char *path) {
        int fd, before = m->first;

        if (!same_mount(m, sx)) {
                if (m->first == 0)
                        m->first = nb_error_set(m->err, 0, "%s is on another mount (a mount point?): not removed", path);
                return;
        }
        if (m->depth >= REMOVE_MAX_DEPTH) {
                if (m->first == 0)
                        m->first = nb_error_set(m->err, 0, "%s is nested more than %d directories deep: not removed",
                                                path, REMOVE_MAX_DEPTH);
                return;
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                failed(m, errno, "open", path);
                return;
        }
        m->depth++;
        remove_children(m, fd, path);
        m->depth--;
        close(fd);
        /* A subtree that could not be emptied was reported already. */
        if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && !(errno == ENOTEMPTY && m->first != before))
                failed(m, errno, "remove", path);
}

/* path holds the directory's path for messages (PATH_MAX bytes, extended
 * and restored on the way down). */
static void remove_children(struct removal *m, int dfd, char *path) {
        size_t len = strlen(path);
        struct dirent *de;
        DIR *d;
        int fd;

        /* Entries of an immutable or append-only directory cannot be unlinked. */
        clear_immutable(dfd);
        fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
        d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                failed(m, errno, "read directory", path);
                return;
        }
        while ((errno = 0, de = readdir(d))) {
                struct statx sx;
                int r;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                snprintf(path + len, PATH_MAX - len, "/%s", de->d_name);
                r = stat_entry(dfd, de->d_name, &sx);
                if (r == -ENOENT)
                        ;
                else if (r < 0)
                        failed(m, -r, "stat", path);
                else if (S_ISDIR(sx.stx_mode))
                        remove_directory(m, dfd, de->d_name, &sx, path);
                else
                        remove_file(m, dfd, de->d_name, &sx, path);
                path[len] = 0;
        }
        if (errno)
                failed(m, errno, "read directory", path);
        closedir(d);
}

int tree_remove_at(int parent_fd, const char *name, const char *display, struct nb_error *err) {
        struct removal m = { .err = err };
        struct statx top, parent;
        char path[PATH_MAX];
        int r;

        snprintf(path, sizeof(path), "%s", display);
        r = stat_entry(parent_fd, name, &top);
        if (r < 0)
                return nb_error_set(err, r, "stat %s", display);
        if (!S_ISDIR(top.stx_mode)) {
                m.dev = makedev(top.stx_dev_major, top.stx_dev_minor);
                remove_file(&m, parent_fd, name, &top, path);
                return m.first;
        }
        /* The top itself must not be a mount point either. */
        r = stat_entry(parent_fd, "", &parent);
        if (r < 0)
                return nb_error_set(err, r, "stat the directory of %s", display);
        m.dev = makedev(parent.stx_dev_major, parent.stx_dev_minor);
        m.mnt_id = parent.stx_mnt_id;
        m.has_mnt_id = parent.stx_mask & STATX_MNT_ID;
        remove_directory(&m, parent_fd, name, &top, path);
        return m.first;
}
