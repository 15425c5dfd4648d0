/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include "macro.h"
#include "mount-util.h"
#include "path-in-root.h"

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

struct nb_mount_attr {
        unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

static int sys_open_tree(int dfd, const char *path, unsigned flags) {
        long r = syscall(SYS_open_tree, dfd, path, flags);
        return r < 0 ? -errno : (int) r;
}

static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags) {
        return syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags) < 0 ? -errno : 0;
}

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct nb_mount_attr *a) {
        return syscall(SYS_mount_setattr, dfd, path, flags, a, sizeof(*a)) < 0 ? -errno : 0;
}

int mount_on_fd(const char *source, int target_fd, const char *fstype, unsigned long flags, const char *data) {
        char p[32];

        return mount(source, fd_path(target_fd, p), fstype, flags, data) < 0 ? -errno : 0;
}

int mount_setattr_fd(int fd, bool recursive, unsigned long long set, unsigned long long clr) {
        struct nb_mount_attr a = { .attr_set = set, .attr_clr = clr };

        return sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a);
}

int bind_on_fd(int source_dirfd, const char *source, int target_fd, bool recursive, bool read_only, int userns_fd) {
        _cleanup_close_ int tree = -1;
        int r;

        tree = sys_open_tree(source_dirfd, source,
                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
                             (*source ? 0 : AT_EMPTY_PATH));
        if (tree < 0)
                return tree;
        if (userns_fd >= 0) {
                struct nb_mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned) userns_fd };
                r = sys_mount_setattr(tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a);
                if (r < 0)
                        return r;
        }
        if (read_only) {
                r = mount_setattr_fd(tree, recursive, MOUNT_ATTR_RDONLY, 0);
                if (r < 0)
                        return r;
        }
        return sys_move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int remount_idmapped(const char *path, int userns_fd, bool read_only) {
        _cleanup_close_ int tree = -1;
        struct nb_mount_attr a = {
                .attr_set = MOUNT_ATTR_IDMAP | (read_only ? MOUNT_ATTR_RDONLY : 0),
                .userns_fd = (unsigned) userns_fd,
        };
        int r;

        tree = sys_open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (tree < 0)
                return tree;
        /* Only the top mount: the API file systems below keep their own ids. */
        r = sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a);
        if (r < 0)
                return r;
        return sys_move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH);
}

int proc_mount_for_pidns(int pidns_fd) {
        _cleanup_close_ int fs = -1;
        long mnt;

        fs = (int) syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        /* "proc" as its source, as mount(2) would show it in mountinfo. */
        if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", "proc", 0) < 0 ||
            syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "pidns", NULL, pidns_fd) < 0 ||
            syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        mnt = syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        return mnt < 0 ? -errno : (int) mnt;
}

bool proc_pidns_supported(int pidns_fd) {
        _cleanup_close_ int fs = (int) syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);

        return fs >= 0 && syscall(SYS_fsconfig, fs, FSCONFIG_SET_FD, "pidns", NULL, pidns_fd) == 0;
}

int clone_tree_fd(int dfd, const char *path, bool recursive) {
        return sys_open_tree(dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
                             (*path ? 0 : AT_EMPTY_PATH));
}

int attach_tree_fd(int tree_fd, int dfd, const char *path) {
        return sys_move_mount(tree_fd, "", dfd, path, MOVE_MOUNT_F_EMPTY_PATH | (*path ? 0 : MOVE_MOUNT_T_EMPTY_PATH));
}
