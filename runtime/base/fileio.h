/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole-string reads and writes of small kernel files (cgroupfs, procfs). */
#pragma once

#include <stdio.h>
#include <sys/types.h>

/* Writes s to an existing file (no O_CREAT) in one write(2): 0 or -errno. */
int write_string_file(const char *path, const char *s);

/* Reads up to size-1 bytes into buf, NUL-terminated: length or -errno. */
ssize_t read_string_file(const char *path, char *buf, size_t size);

/* Untrusted files (a container's tree, a .nspawn file next to it) opened by
 * host root: opening a FIFO blocks, opening a device has effects (a tty
 * becomes readable, a tape rewinds), so the path is first opened O_PATH
 * (which opens nothing), its type checked, and only a regular file is opened
 * again, through /proc/self/fd/N: the very inode that was checked, with
 * O_NONBLOCK|O_NOCTTY|O_CLOEXEC added to flags. `resolve` is openat2's
 * (RESOLVE_IN_ROOT for a path in a tree, 0 for a host path); O_NOFOLLOW in
 * flags applies to the O_PATH step. Returns the fd, or -EBADFD for any other
 * type (its S_IFMT in *type when type is not NULL), or -errno. */
int open_regular_at(int dirfd, const char *path, unsigned long long resolve, int flags, mode_t *type);

/* "FIFO", "character device", ...: for messages about a refused file. */
const char *file_type_name(mode_t mode);

/* Reads a whole file of at most size-1 bytes into buf, NUL-terminated:
 * the length, or -EFBIG when it is longer (an endless source cannot keep
 * us reading), or -errno. */
ssize_t read_bounded(int fd, char *buf, size_t size);
/* Writes all n bytes (retrying short writes and EINTR): 0 or -errno. */
int write_all(int fd, const void *buf, size_t n);
/* A memfd NAME holding the n bytes of buf, with mode, sealed against any
 * change (F_SEAL_SHRINK|GROW|WRITE|SEAL): the fd, or -1 with err saying
 * which step failed for WHAT. */
struct nb_error;
int sealed_memfd(const char *name, const void *buf, size_t n, mode_t mode, const char *what, struct nb_error *err);
/* The same for the file NAME in the directory dir_fd (never following a
 * symlink there). */
int write_string_file_at(int dir_fd, const char *name, const char *s);
ssize_t read_string_file_at(int dir_fd, const char *name, char *buf, size_t size);

/* One line of a file another party controls (a container's /etc/passwd):
 * into buf, the newline dropped. 1 for a line, 0 at the end, -ENOBUFS for
 * a line that does not fit (never read as two lines), -EIO on a read
 * error. */
int read_line(FILE *f, char *buf, size_t size);

/* snprintf that refuses to truncate: 0, or -ENAMETOOLONG when the result
 * does not fit (buf then holds an empty string, never a shorter path). */
int snprintf_ok(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Closes every fd but those in keep (which it sorts; -1 entries are
 * ignored): for helpers that must hold nothing else of their parent's. */
void close_all_fds_but(int *keep, size_t n);
