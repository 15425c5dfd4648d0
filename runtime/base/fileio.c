/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "compat.h"
#include "error.h"
#include "fileio.h"
#include "macro.h"

int write_string_file(const char *path, const char *s) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return write(fd, s, strlen(s)) < 0 ? -errno : 0;
}

/* One read of up to size-1 bytes, NUL-terminated (kernel files answer in one). */
static ssize_t read_fd_string(int fd, char *buf, size_t size) {
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        if (n < 0)
                return -errno;
        buf[n] = 0;
        return n;
}

ssize_t read_string_file(const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        return read_fd_string(fd, buf, size);
}

int open_regular_at(int dirfd, const char *path, unsigned long long resolve, int flags, mode_t *type) {
        struct open_how how = {
                .flags = O_PATH | O_CLOEXEC | (uint64_t) (flags & O_NOFOLLOW),
                .resolve = resolve,
        };
        _cleanup_close_ int pfd = -1;
        char p[32];
        struct stat st;
        int fd;

        do
                pfd = (int) syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        while (pfd < 0 && errno == EAGAIN);
        if (pfd < 0)
                return -errno;
        if (fstat(pfd, &st) < 0)
                return -errno;
        if (type)
                *type = st.st_mode & S_IFMT;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        snprintf(p, sizeof(p), "/proc/self/fd/%d", pfd);
        fd = open(p, (flags & ~(O_NOFOLLOW | O_CREAT | O_EXCL)) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

const char *file_type_name(mode_t mode) {
        switch (mode & S_IFMT) {
        case S_IFREG:  return "regular file";
        case S_IFDIR:  return "directory";
        case S_IFLNK:  return "symbolic link";
        case S_IFIFO:  return "FIFO";
        case S_IFSOCK: return "socket";
        case S_IFCHR:  return "character device";
        case S_IFBLK:  return "block device";
        default:       return "file of unknown type";
        }
}

ssize_t read_bounded(int fd, char *buf, size_t size) {
        size_t done = 0;
        char extra;

        for (;;) {
                ssize_t n = done + 1 < size ? read(fd, buf + done, size - 1 - done) : read(fd, &extra, 1);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                if (done + 1 >= size)
                        return -EFBIG;
                done += (size_t) n;
        }
        buf[done] = 0;
        return (ssize_t) done;
}

int write_string_file_at(int dir_fd, const char *name, const char *s) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return -errno;
        return write(fd, s, strlen(s)) < 0 ? -errno : 0;
}

ssize_t read_string_file_at(int dir_fd, const char *name, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

        return read_fd_string(fd, buf, size);
}

void close_all_fds_but(int *keep, size_t n) {
        unsigned next = 0;

        /* Sort (tiny n), then close every gap between the kept ones. */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
                        int t = keep[j];
                        keep[j] = keep[j - 1];
                        keep[j - 1] = t;
                }
        for (size_t i = 0; i < n; i++) {
                if (keep[i] < 0 || (unsigned) keep[i] < next)
                        continue;
                if ((unsigned) keep[i] > next)
                        nb_close_range(next, (unsigned) keep[i] - 1, 0);
                next = (unsigned) keep[i] + 1;
        }
        nb_close_range(next, ~0U, 0);
}

int read_line(FILE *f, char *buf, size_t size) {
        size_t len;
        int c;

        if (!fgets(buf, (int) size, f))
                return ferror(f) ? -EIO : 0;
        len = strlen(buf);
        if (len > 0 && buf[len - 1] == '\n') {
                buf[len - 1] = 0;
                return 1;
        }
        /* No newline: the last line of the file, or one too long. */
        c = getc(f);
        if (c == EOF)
                return ferror(f) ? -EIO : 1;
        ungetc(c, f);
        return -ENOBUFS;
}

int snprintf_ok(char *buf, size_t size, const char *fmt, ...) {
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(buf, size, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t) n >= size) {
                if (size > 0)
                        buf[0] = 0;
                return -ENAMETOOLONG;
        }
        return 0;
}

int sealed_memfd(const char *name, const void *buf, size_t n, mode_t mode, const char *what, struct nb_error *err) {
        _cleanup_close_ int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        int r;

        if (fd < 0)
                return nb_error_set(err, errno, "create a memfd for %s", what);
        r = write_all(fd, buf, n);
        if (r < 0)
                return nb_error_set(err, -r, "write %s to a memfd", what);
        if (fchmod(fd, mode) < 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return nb_error_set(err, errno, "seal the memfd of %s", what);
        return TAKE_FD(fd);
}

int write_all(int fd, const void *buf, size_t n) {
        const char *p = buf;

        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += w;
                n -= (size_t) w;
        }
        return 0;
}
