/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdint.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>

#include "fileio.h"
#include "macro.h"
#include "path-in-root.h"

int root_open(int root_fd, const char *path, int flags, mode_t mode) {
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        long r;

        do
                r = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
        while (r < 0 && errno == EAGAIN);
        return r < 0 ? -errno : (int) r;
}

const char *fd_path(int fd, char buf[static 32]) {
        snprintf(buf, 32, "/proc/self/fd/%d", fd);
        return buf;
}

/* Splits "/a/b/c" into the parent "/a/b" (written to parent) and returns "c". */
static const char *split_last(const char *path, char *parent, size_t size) {
        const char *slash = strrchr(path, '/');
        size_t n;

        if (!slash) {
                snprintf(parent, size, ".");
                return path;
        }
        n = (size_t) (slash - path);
        if (n == 0)
                n = 1;           /* parent of "/x" is "/" */
        if (n >= size)
                n = size - 1;
        memcpy(parent, path, n);
        parent[n] = 0;
        return slash + 1;
}

/* When `parent_path/name` exists but cannot be opened, it may be a dangling
 * symlink: writes the path it points to (resolved against the root when
 * absolute, against parent_path when relative) followed by `rest`. */
static int follow_dangling(int parent_fd, const char *parent_path, const char *name, const char *rest,
                           char *out, size_t size) {
        char target[PATH_MAX];
        ssize_t n = readlinkat(parent_fd, name, target, sizeof(target) - 1);

        /* EINVAL: the entry is no longer a symlink (swapped back meanwhile):
         * the caller walks again from the start. */
        if (n < 0)
                return errno == EINVAL ? -EAGAIN : -errno;
        target[n] = 0;
        /* The tree chose the target: a path cut short would be another
         * path, so one that does not fit is an error. */
        if (target[0] == '/')
                return snprintf_ok(out, size, "%s%s%s", target, *rest ? "/" : "", rest);
        return snprintf_ok(out, size, "%s/%s%s%s", parent_path, target, *rest ? "/" : "", rest);
}

static int mkdir_p_depth(int root_fd, const char *path, mode_t mode, uid_t uid, gid_t gid, int depth) {
        char buf[PATH_MAX], *p;
        int fd;

        if (depth > 32)
                return -ELOOP;
        if (strlen(path) >= sizeof(buf))
                return -ENAMETOOLONG;
        fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
        if (fd != -ENOENT)
                return fd;

        /* Walk down, creating each missing component relative to the fd of
         * its parent (which was itself resolved inside the root). */
        strcpy(buf, path);
        p = buf;
        while (*p == '/')
                p++;
        while (*p) {
                char *slash = strchr(p, '/');
                const char *rest = "";
                _cleanup_close_ int parent = -1;
                char parent_path[PATH_MAX];
                const char *name;

                if (slash) {
                        *slash = 0;
                        rest = slash + 1;
                        while (*rest == '/')
                                rest++;
                }
                name = split_last(buf, parent_path, sizeof(parent_path));
                parent = root_open(root_fd, parent_path, O_PATH | O_DIRECTORY, 0);
                if (parent < 0)
                        return parent;
                if (mkdirat(parent, name, mode) == 0) {
                        if (uid != (uid_t) -1 && fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                                return -errno;
                } else if (errno != EEXIST)
                        return -errno;
                else {
                        _cleanup_close_ int probe = root_open(root_fd, buf, O_PATH | O_DIRECTORY, 0);
                        if (probe == -ENOENT) {
                                /* A dangling symlink: create its target, inside the root. */
                                char next[PATH_MAX];
                                int r = follow_dangling(parent, parent_path, name, rest, next, sizeof(next));
                                if (r == -EAGAIN)
                                        return mkdir_p_depth(root_fd, path, mode, uid, gid, depth + 1);
                                if (r < 0)
                                        return r;
                                return mkdir_p_depth(root_fd, next, mode, uid, gid, depth + 1);
                        }
                        if (probe < 0)
                                return probe;
                }
                if (!slash)
                        break;
                *slash = '/';
                p = (char *) rest;
        }
        fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
        /* A component swapped for a dangling symlink meanwhile: walk again
         * (bounded); whatever it points to is created inside the root. */
        if (fd == -ENOENT)
                return mkdir_p_depth(root_fd, path, mode, uid, gid, depth + 1);
        return fd;
}

int root_mkdir_p(int root_fd, const char *path, mode_t mode, uid_t uid, gid_t gid) {
        return mkdir_p_depth(root_fd, path, mode, uid, gid, 0);
}

static int mount_point_depth(int root_fd, const char *path, bool is_dir, uid_t uid, gid_t gid, int depth) {
        char parent_path[PATH_MAX];
        _cleanup_close_ int parent = -1;
        const char *name;
        struct stat st;
        int fd;

        fd = root_open(root_fd, path, O_PATH, 0);
        if (fd >= 0) {
                if (fstat(fd, &st) < 0) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
                if (is_dir != !!S_ISDIR(st.st_mode)) {
                        close(fd);
                        return is_dir ? -ENOTDIR : -EISDIR;
                }
                return fd;
        }
        if (fd != -ENOENT)
                return fd;
        if (is_dir)
                return root_mkdir_p(root_fd, path, 0755, uid, gid);

        if (strlen(path) >= sizeof(parent_path))
                return -ENAMETOOLONG;
        name = split_last(path, parent_path, sizeof(parent_path));
        parent = root_mkdir_p(root_fd, parent_path, 0755, uid, gid);
        if (parent < 0)
                return parent;
        /* An O_PATH fd cannot create; reopen the parent as a real directory. */
        {
                char p[32];
                _cleanup_close_ int dir = open(fd_path(parent, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir < 0)
                        return -errno;
                fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0 && errno == EEXIST) {
                        struct stat lst;
                        if (fstatat(dir, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(lst.st_mode)) {
                                char next[PATH_MAX];
                                int r = follow_dangling(dir, parent_path, name, "", next, sizeof(next));
                                if (++depth > 32)
                                        return -ELOOP;
                                if (r == -EAGAIN)
                                        return mount_point_depth(root_fd, path, is_dir, uid, gid, depth);
                                if (r < 0)
                                        return r;
                                return mount_point_depth(root_fd, next, is_dir, uid, gid, depth);
                        }
                }
                if (fd < 0 && errno != EEXIST)
                        return -errno;
                if (fd >= 0) {
                        if (uid != (uid_t) -1 && fchown(fd, uid, gid) < 0) {
                                int r = -errno;
                                close(fd);
                                return r;
                        }
                        close(fd);
                }
        }
        return root_open(root_fd, path, O_PATH, 0);
}

int root_mount_point(int root_fd, const char *path, bool is_dir, uid_t uid, gid_t gid) {
        return mount_point_depth(root_fd, path, is_dir, uid, gid, 0);
}

int root_open_regular(int root_fd, const char *path, mode_t *type) {
        return open_regular_at(root_fd, path, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS, O_RDONLY, type);
}

ssize_t root_read_file(int root_fd, const char *path, char *buf, size_t size, mode_t *type) {
        _cleanup_close_ int fd = root_open_regular(root_fd, path, type);

        if (fd < 0)
                return fd;
        return read_bounded(fd, buf, size);
}

/* Writes into a new file beside `name` and renames it over `name`: an
 * existing file there (whatever its type) is never opened, only replaced. */
int root_write_file(int root_fd, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid) {
        return root_write_file_n(root_fd, path, data, strlen(data), mode, uid, gid);
}

int root_write_file_n(int root_fd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid) {
        static unsigned counter;
        char parent_path[PATH_MAX], p[32], tmp[NAME_MAX + 1];
        _cleanup_close_ int parent = -1, dir = -1, fd = -1;
        const char *name;
        int r;

        if (strlen(path) >= sizeof(parent_path))
                return -ENAMETOOLONG;
        name = split_last(path, parent_path, sizeof(parent_path));
        if (strlen(name) > NAME_MAX - 24)
                return -ENAMETOOLONG;
        parent = root_open(root_fd, parent_path, O_PATH | O_DIRECTORY, 0);
        if (parent < 0)
                return parent;
        dir = open(fd_path(parent, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        for (int i = 0; fd < 0; i++) {
                snprintf(tmp, sizeof(tmp), ".#%s.nixbox%d.%u", name, (int) getpid(), counter++);
                fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
                if (fd < 0 && (errno != EEXIST || i > 100))
                        return -errno;
        }
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        goto fail;
                }
                data += n;
                len -= (size_t) n;
        }
        if (fchmod(fd, mode) < 0 || (uid != (uid_t) -1 && fchown(fd, uid, gid) < 0) ||
            renameat(dir, tmp, dir, name) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        (void) unlinkat(dir, tmp, 0);
        return r;
}

int root_resolve(int root_fd, const char *path, char *out, size_t size) {
        _cleanup_close_ int fd = root_open(root_fd, path, O_PATH, 0);
        char p[32], host[PATH_MAX], rootpath[PATH_MAX];
        ssize_t n, m;
        size_t rl;

        if (fd < 0)
                return fd;
        n = readlink(fd_path(fd, p), host, sizeof(host) - 1);
        if (n < 0)
                return -errno;
        host[n] = 0;
        m = readlink(fd_path(root_fd, p), rootpath, sizeof(rootpath) - 1);
        if (m < 0)
                return -errno;
        rootpath[m] = 0;
        rl = streq(rootpath, "/") ? 0 : (size_t) m;
        if (strncmp(host, rootpath, rl) != 0)
                return -EXDEV;
        return snprintf_ok(out, size, "%s", host[rl] ? host + rl : "/");
}
