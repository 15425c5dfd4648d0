#include <fcntl.h>
#include <stdint.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>

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

int root_mkdir_p(int root_fd, const char *path, mode_t mode, uid_t uid, gid_t gid) {
        char buf[PATH_MAX], *p;
        int fd;

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
        for (;;) {
                char *slash = strchr(p, '/');
                char saved = 0;
                _cleanup_close_ int parent = -1;
                char parent_path[PATH_MAX];
                const char *name;

                if (slash) {
                        saved = *slash;
                        *slash = 0;
                }
                name = split_last(buf, parent_path, sizeof(parent_path));
                if (*name) {
                        parent = root_open(root_fd, parent_path, O_PATH | O_DIRECTORY, 0);
                        if (parent < 0)
                                return parent;
                        if (mkdirat(parent, name, mode) == 0) {
                                if (uid != (uid_t) -1 && fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
                                        return -errno;
                        } else if (errno != EEXIST)
                                return -errno;
                }
                if (!slash)
                        break;
                *slash = saved;
                p = slash + 1;
                while (*p == '/')
                        p++;
                if (!*p)
                        break;
        }
        return root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
}

int root_mount_point(int root_fd, const char *path, bool is_dir, uid_t uid, gid_t gid) {
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

ssize_t root_read_file(int root_fd, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = root_open(root_fd, path, O_RDONLY, 0);
        size_t done = 0;

        if (fd < 0)
                return fd;
        while (done + 1 < size) {
                ssize_t n = read(fd, buf + done, size - 1 - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                done += (size_t) n;
        }
        buf[done] = 0;
        return (ssize_t) done;
}

int root_write_file(int root_fd, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid) {
        char parent_path[PATH_MAX], p[32];
        _cleanup_close_ int parent = -1, dir = -1, fd = -1;
        const char *name;
        size_t len = strlen(data);

        if (strlen(path) >= sizeof(parent_path))
                return -ENAMETOOLONG;
        name = split_last(path, parent_path, sizeof(parent_path));
        parent = root_open(root_fd, parent_path, O_PATH | O_DIRECTORY, 0);
        if (parent < 0)
                return parent;
        dir = open(fd_path(parent, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return -errno;
        fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        while (len > 0) {
                ssize_t n = write(fd, data, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                data += n;
                len -= (size_t) n;
        }
        if (fchmod(fd, mode) < 0)
                return -errno;
        if (uid != (uid_t) -1 && fchown(fd, uid, gid) < 0)
                return -errno;
        return 0;
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
        snprintf(out, size, "%s", host[rl] ? host + rl : "/");
        return 0;
}
