/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Thin wrappers around mount(2) and the new mount API that take their
 * target as an fd resolved inside the container's root, so that no path
 * component can be swapped for a symlink between check and mount. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct nb_error;

/* mount(2) onto the object an O_PATH fd refers to (via /proc/self/fd). */
int mount_on_fd(const char *source, int target_fd, const char *fstype, unsigned long flags, const char *data);

/* Clones the tree at source (recursively unless !recursive) and attaches it
 * on target_fd; read-only and/or idmapped (userns_fd >= 0) before attaching. */
int bind_on_fd(int source_dirfd, const char *source, int target_fd, bool recursive, bool read_only, int userns_fd);

/* Sets (or clears) MOUNT_ATTR_RDONLY etc. on the mount at fd. */
int mount_setattr_fd(int fd, bool recursive, unsigned long long set, unsigned long long clr);

/* open_tree(OPEN_TREE_CLONE): a detached copy of the tree at dfd/path. */
int clone_tree_fd(int dfd, const char *path, bool recursive);

/* A new proc instance, detached, nosuid/nodev/noexec, showing the pid
 * namespace pidns_fd refers to (not ours): the fd of its mount, or -errno. */
int proc_mount_for_pidns(int pidns_fd);

/* Whether proc takes the pid namespace as a mount option ("pidns", Linux
 * 6.18), given as pidns_fd, from this process. */
bool proc_pidns_supported(int pidns_fd);

/* move_mount of a detached tree onto dfd/path. */
int attach_tree_fd(int tree_fd, int dfd, const char *path);

/* Clones the mount tree at `path`, idmaps its top mount with userns_fd and
 * optionally makes it read-only, and attaches the result on top of `path`. */
int remount_idmapped(const char *path, int userns_fd, bool read_only);
