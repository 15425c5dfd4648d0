/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Paths inside the container's root, always resolved inside that root
 * (openat2 with RESOLVE_IN_ROOT): an absolute symlink such as NixOS's
 * /sbin/init -> /nix/store/... is followed against the root, and no symlink
 * in an image can make nixbox read, write or mount a host path. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

struct nb_error;

/* openat2(root_fd, path, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS). */
int root_open(int root_fd, const char *path, int flags, mode_t mode);

/* Creates the directory `path` and its missing parents inside the root
 * (owned by uid:gid when created), and returns an O_PATH fd to it. */
int root_mkdir_p(int root_fd, const char *path, mode_t mode, uid_t uid, gid_t gid);

/* Ensures that `path` exists inside the root as a directory (is_dir) or an
 * empty regular file, creating parents; returns an O_PATH fd to it. Used for
 * mount points. Fails with ENOTDIR/EISDIR when the existing type is wrong. */
int root_mount_point(int root_fd, const char *path, bool is_dir, uid_t uid, gid_t gid);

/* Opens a regular file inside the root for reading, with no effect on any
 * other type (open_regular_at() in fileio.h): the fd, -EBADFD for a FIFO,
 * device, socket or directory (its type in *type), or -errno. */
int root_open_regular(int root_fd, const char *path, mode_t *type);

/* Reads a regular file inside the root, of at most size-1 bytes, into buf
 * (NUL-terminated): its length, -EBADFD (not a regular file, *type says
 * what), -EFBIG (longer) or -errno. */
ssize_t root_read_file(int root_fd, const char *path, char *buf, size_t size, mode_t *type);

/* Writes a whole file inside the root: a new file in the parent directory
 * renamed over the last component, which is never opened nor followed. */
int root_write_file(int root_fd, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid);
/* The same for len bytes of data (which may hold NULs). */
int root_write_file_n(int root_fd, const char *path, const char *data, size_t len, mode_t mode, uid_t uid, gid_t gid);

/* Resolves `path` inside the root and writes the resulting absolute path (as
 * seen from the root) into out. */
int root_resolve(int root_fd, const char *path, char *out, size_t size);

/* "/proc/self/fd/N" for an fd, for the calls that only take a path. */
const char *fd_path(int fd, char buf[static 32]);
