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

/* Reads up to size-1 bytes of a file inside the root into buf (NUL-terminated). */
ssize_t root_read_file(int root_fd, const char *path, char *buf, size_t size);

/* Writes a whole file inside the root (created or truncated, not following
 * a symlink in the last component). */
int root_write_file(int root_fd, const char *path, const char *data, mode_t mode, uid_t uid, gid_t gid);

/* Resolves `path` inside the root and writes the resulting absolute path (as
 * seen from the root) into out. */
int root_resolve(int root_fd, const char *path, char *out, size_t size);

/* "/proc/self/fd/N" for an fd, for the calls that only take a path. */
const char *fd_path(int fd, char buf[static 32]);
