/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "error.h"
#include "image-tar.h"
#include "image-unpack.h"
#include "log.h"

struct dir_time {
        char *path;
        struct timespec mtime;
};

struct unpack {
        int root_fd;
        /* The parent directory of the previous member: members come grouped
         * by directory, so this saves most lookups. */
        char parent_path[PATH_MAX];
        int parent_fd;
        /* Directory mtimes are set at the end, once nothing is added to them. */
        struct dir_time *dirs;
        size_t n_dirs, cap_dirs;
        struct unpack_stats *stats;
};

/* openat2 that stays below dirfd and follows no symlink at all (with
 * O_PATH|O_NOFOLLOW a trailing symlink is opened itself). */
static int open_beneath(int dirfd, const char *path, int flags) {
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
        };
        long r;

        do
                r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        while (r < 0 && errno == EAGAIN);
        return r < 0 ? -errno : (int) r;
}

/* Writes the member name in its canonical form ("./a//b/" -> "a/b", the
 * root is ""); -EPERM for an absolute name, -EXDEV for a '..' component. */
static int normalize(const char *in, char out[static PATH_MAX]) {
        const char *p = in;
        size_t o = 0;

        if (in[0] == '/')
                return -EPERM;
        while (*p) {
                const char *s = p;
                size_t n;

                while (*p && *p != '/')
                        p++;
                n = (size_t) (p - s);
                while (*p == '/')
                        p++;
                if (n == 0 || (n == 1 && s[0] == '.'))
                        continue;
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return -EXDEV;
                if (o + n + 2 > PATH_MAX)
                        return -ENAMETOOLONG;
                if (o > 0)
                        out[o++] = '/';
                memcpy(out + o, s, n);
                o += n;
        }
        out[o] = 0;
        return 0;
}

static int refuse_name(int r, const char *what, const char *name, struct nb_error *err) {
        if (r == -EPERM)
                return nb_error_set(err, 0, "%s '%s' is an absolute path: refused", what, name);
        if (r == -EXDEV)
                return nb_error_set(err, 0, "%s '%s' has a '..' component: refused", what, name);
        return nb_error_set(err, r, "%s '%.64s...'", what, name);
}

/* Opens the directory `rel` (below the root), creating what is missing,
 * one component at a time so that a failure names the culprit. */
static int make_parents(struct unpack *u, const char *rel, const char *member, struct nb_error *err) {
        char prefix[PATH_MAX];
        const char *p = rel;
        int fd, next;

        fd = fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return nb_error_set(err, errno, "duplicate a file descriptor");
        while (*p) {
                const char *s = p;
                size_t n;
                char name[NAME_MAX + 1];

                while (*p && *p != '/')
                        p++;
                n = (size_t) (p - s);
                if (n > NAME_MAX) {
                        close(fd);
                        return nb_error_set(err, ENAMETOOLONG, "member '%s'", member);
                }
                memcpy(name, s, n);
                name[n] = 0;
                snprintf(prefix, sizeof(prefix), "%.*s", (int) (p - rel), rel);
                if (*p == '/')
                        p++;
                if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) {
                        int e = errno;
                        close(fd);
                        return nb_error_set(err, e, "member '%s': create directory '%s'", member, prefix);
                }
                next = open_beneath(fd, name, O_PATH | O_DIRECTORY);
                close(fd);
                if (next == -ELOOP)
                        return nb_error_set(err, 0, "member '%s': '%s' is a symlink: refusing to write through it",
                                            member, prefix);
                if (next == -ENOTDIR)
                        return nb_error_set(err, 0, "member '%s': '%s' is not a directory", member, prefix);
                if (next < 0)
                        return nb_error_set(err, next, "member '%s': open directory '%s'", member, prefix);
                fd = next;
        }
        return fd;
}

/* The directory to create a member in; the fd stays owned by u. */
static int get_parent(struct unpack *u, const char *rel, const char *member, struct nb_error *err) {
        int fd;

        if (u->parent_fd >= 0 && streq(u->parent_path, rel))
                return u->parent_fd;
        if (u->parent_fd >= 0)
                close(u->parent_fd);
        u->parent_fd = -1;
        fd = open_beneath(u->root_fd, *rel ? rel : ".", O_PATH | O_DIRECTORY);
        if (fd < 0)
                fd = make_parents(u, rel, member, err);
        if (fd < 0)
                return fd;
        snprintf(u->parent_path, sizeof(u->parent_path), "%s", rel);
        u->parent_fd = fd;
        return fd;
}

/* Makes room for a member whose name is taken: tar's rule is that the
 * later member wins (a directory stays when the new member is one too). */
static int remove_existing(int parent_fd, const char *name, bool keep_dir, const char *member,
                           bool *kept, struct nb_error *err) {
        struct stat st;

        *kept = false;
        if (fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "member '%s': stat the existing entry", member);
        if (S_ISDIR(st.st_mode)) {
                if (keep_dir) {
                        *kept = true;
                        return 0;
                }
                if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0)
                        return nb_error_set(err, errno, "member '%s': replace a directory", member);
                return 0;
        }
        if (unlinkat(parent_fd, name, 0) < 0)
                return nb_error_set(err, errno, "member '%s': replace an existing entry", member);
        return 0;
}

static bool xattr_wanted(const char *name) {
        /* trusted.* is for the host's own use (overlayfs keeps its
         * whiteouts and redirects there): an image does not set it. */
        return startswith(name, "user.") || startswith(name, "security.") || startswith(name, "system.");
}

/* Owner, then mode (chown clears setuid bits), then xattrs (after chown,
 * which drops security.capability). */
static int apply_metadata(struct unpack *u, int fd, const struct tar_entry *e, struct nb_error *err) {
        if (fchown(fd, e->uid, e->gid) < 0)
                return nb_error_set(err, errno, "member '%s': set owner %u:%u", e->path, e->uid, e->gid);
        if (fchmod(fd, e->mode) < 0)
                return nb_error_set(err, errno, "member '%s': set mode %04o", e->path, e->mode);
        for (size_t i = 0; i < e->n_xattrs; i++) {
                if (!xattr_wanted(e->xattrs[i].name))
                        continue;
                if (fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].size, 0) < 0) {
                        if (u->stats->xattrs_failed++ == 0)
                                log_warn("member '%s': cannot set extended attribute %s: %s (further failures are only counted)",
                                         e->path, e->xattrs[i].name, strerror(errno));
                }
        }
        return 0;
}

static int remember_dir_time(struct unpack *u, const char *rel, struct timespec mtime) {
        if (u->n_dirs == u->cap_dirs) {
                size_t cap = u->cap_dirs ? u->cap_dirs * 2 : 256;
                struct dir_time *d = realloc(u->dirs, cap * sizeof(*d));
                if (!d)
                        return -ENOMEM;
                u->dirs = d;
                u->cap_dirs = cap;
        }
        u->dirs[u->n_dirs].path = strdup(rel);
        if (!u->dirs[u->n_dirs].path)
                return -ENOMEM;
        u->dirs[u->n_dirs++].mtime = mtime;
        return 0;
}

static int unpack_directory(struct unpack *u, int parent_fd, const char *name, const char *rel,
                            const struct tar_entry *e, struct nb_error *err) {
        _cleanup_close_ int fd = -1;
        bool kept = false;
        int r;

        if (!*rel)
                fd = fcntl(u->root_fd, F_DUPFD_CLOEXEC, 3);
        else {
                if (mkdirat(parent_fd, name, 0700) < 0) {
                        if (errno != EEXIST)
                                return nb_error_set(err, errno, "member '%s': create directory", e->path);
                        r = remove_existing(parent_fd, name, true, e->path, &kept, err);
                        if (r < 0)
                                return r;
                        if (!kept && mkdirat(parent_fd, name, 0700) < 0)
                                return nb_error_set(err, errno, "member '%s': create directory", e->path);
                }
                fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return nb_error_set(err, errno, "member '%s': open directory", e->path);
        r = apply_metadata(u, fd, e, err);
        if (r < 0)
                return r;
        if (remember_dir_time(u, rel, e->mtime) < 0)
                return nb_error_set(err, ENOMEM, "member '%s'", e->path);
        return 0;
}

static int unpack_file(struct unpack *u, struct tar_reader *tr, int parent_fd, const char *name,
                       const struct tar_entry *e, struct nb_error *err) {
        _cleanup_close_ int fd = -1;
        bool kept;
        int r;

        fd = openat(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST) {
                r = remove_existing(parent_fd, name, false, e->path, &kept, err);
                if (r < 0)
                        return r;
                fd = openat(parent_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        }
        if (fd < 0)
                return nb_error_set(err, errno, "member '%s': create file", e->path);
        r = tar_copy_data(tr, fd, err);
        if (r < 0) {
                nb_error_prefix(err, "member '%s'", e->path);
                return r;
        }
        u->stats->bytes += e->size;
        r = apply_metadata(u, fd, e, err);
        if (r < 0)
                return r;
        if (futimens(fd, (struct timespec[2]) { { .tv_nsec = UTIME_OMIT }, e->mtime }) < 0)
                return nb_error_set(err, errno, "member '%s': set mtime", e->path);
        return 0;
}

static int unpack_symlink(int parent_fd, const char *name, const struct tar_entry *e, struct nb_error *err) {
        bool kept;
        int r;

        /* The target is kept as it is: absolute targets are resolved inside
         * the container's root when it runs. */
        if (symlinkat(e->link, parent_fd, name) < 0) {
                if (errno != EEXIST)
                        return nb_error_set(err, errno, "member '%s': create symlink", e->path);
                r = remove_existing(parent_fd, name, false, e->path, &kept, err);
                if (r < 0)
                        return r;
                if (symlinkat(e->link, parent_fd, name) < 0)
                        return nb_error_set(err, errno, "member '%s': create symlink", e->path);
        }
        if (fchownat(parent_fd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "member '%s': set owner", e->path);
        if (utimensat(parent_fd, name, (struct timespec[2]) { { .tv_nsec = UTIME_OMIT }, e->mtime },
                      AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "member '%s': set mtime", e->path);
        return 0;
}

/* A fifo is harmless (no data, no device): made as it is, like tar does. */
static int unpack_fifo(int parent_fd, const char *name, const struct tar_entry *e, struct nb_error *err) {
        bool kept;
        int r;

        if (mknodat(parent_fd, name, S_IFIFO | 0600, 0) < 0) {
                if (errno != EEXIST)
                        return nb_error_set(err, errno, "member '%s': create fifo", e->path);
                r = remove_existing(parent_fd, name, false, e->path, &kept, err);
                if (r < 0)
                        return r;
                if (mknodat(parent_fd, name, S_IFIFO | 0600, 0) < 0)
                        return nb_error_set(err, errno, "member '%s': create fifo", e->path);
        }
        /* Owner first: chown clears set-id bits, which a fifo has no use for anyway. */
        if (fchownat(parent_fd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "member '%s': set owner", e->path);
        if (fchmodat(parent_fd, name, e->mode & 0777, 0) < 0)
                return nb_error_set(err, errno, "member '%s': set mode", e->path);
        if (utimensat(parent_fd, name, (struct timespec[2]){ { .tv_nsec = UTIME_OMIT }, e->mtime }, AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "member '%s': set mtime", e->path);
        return 0;
}

static int unpack_hardlink(struct unpack *u, int parent_fd, const char *name, const struct tar_entry *e,
                           struct nb_error *err) {
        _cleanup_close_ int src = -1;
        char target[PATH_MAX];
        struct stat st, old;
        bool kept;
        int r;

        r = normalize(e->link, target);
        if (r < 0) {
                refuse_name(r, "hard link target", e->link, err);
                nb_error_prefix(err, "member '%s'", e->path);
                return r;
        }
        if (!*target)
                return nb_error_set(err, 0, "member '%s': hard link to the top directory: refused", e->path);
        /* Opened without following any symlink: a link to "dir-symlink/x"
         * must not reach outside the tree. */
        src = open_beneath(u->root_fd, target, O_PATH | O_NOFOLLOW);
        if (src == -ELOOP)
                return nb_error_set(err, 0, "member '%s': hard link target '%s' goes through a symlink: refused",
                                    e->path, e->link);
        if (src < 0)
                return nb_error_set(err, src, "member '%s': hard link target '%s'", e->path, e->link);
        if (fstat(src, &st) < 0)
                return nb_error_set(err, errno, "member '%s': stat hard link target", e->path);
        if (S_ISDIR(st.st_mode))
                return nb_error_set(err, 0, "member '%s': hard link to directory '%s': refused", e->path, e->link);
        if (linkat(src, "", parent_fd, name, AT_EMPTY_PATH) < 0) {
                if (errno != EEXIST)
                        return nb_error_set(err, errno, "member '%s': create hard link", e->path);
                if (fstatat(parent_fd, name, &old, AT_SYMLINK_NOFOLLOW) == 0 &&
                    old.st_dev == st.st_dev && old.st_ino == st.st_ino)
                        return 0;       /* a link to itself: already there */
                r = remove_existing(parent_fd, name, false, e->path, &kept, err);
                if (r < 0)
                        return r;
                if (linkat(src, "", parent_fd, name, AT_EMPTY_PATH) < 0)
                        return nb_error_set(err, errno, "member '%s': create hard link", e->path);
        }
        return 0;
}

static int refuse_type(const struct tar_entry *e, struct nb_error *err) {
        switch (e->type) {
        case TAR_SPARSE:
                return nb_error_set(err, 0, "member '%s' is a GNU sparse file: not supported "
                                    "(make the archive without --sparse)", e->path);
        case TAR_OTHER:
                return nb_error_set(err, 0, "member '%s' has an unknown type '%c': refused",
                                    e->path, e->typeflag ? e->typeflag : '0');
        default:
                return 0;
        }
}

static int unpack_one(struct unpack *u, struct tar_reader *tr, const struct tar_entry *e, struct nb_error *err) {
        char rel[PATH_MAX], parent[PATH_MAX];
        const char *name, *slash;
        int r, parent_fd;

        r = normalize(e->path, rel);
        if (r < 0)
                return refuse_name(r, "member", e->path, err);
        r = refuse_type(e, err);
        if (r < 0)
                return r;
        /* Device nodes are skipped, not refused: archives of debootstrap or
         * mmdebstrap trees carry /dev, and a container gets its own /dev at
         * run time anyway. The caller warns once with the count. */
        if (e->type == TAR_CHARDEV || e->type == TAR_BLOCKDEV) {
                if (u->stats->devices_skipped++ == 0)
                        snprintf(u->stats->first_device, sizeof(u->stats->first_device), "%s", e->path);
                return 0;
        }
        if (!*rel) {
                if (e->type != TAR_DIRECTORY)
                        return nb_error_set(err, 0, "member '%s' names the top directory but is not a directory",
                                            e->path);
                return unpack_directory(u, -1, NULL, rel, e, err);
        }
        slash = strrchr(rel, '/');
        if (slash) {
                snprintf(parent, sizeof(parent), "%.*s", (int) (slash - rel), rel);
                name = slash + 1;
        } else {
                parent[0] = 0;
                name = rel;
        }
        if (strlen(name) > NAME_MAX)
                return nb_error_set(err, ENAMETOOLONG, "member '%s'", e->path);
        parent_fd = get_parent(u, parent, e->path, err);
        if (parent_fd < 0)
                return parent_fd;

        switch (e->type) {
        case TAR_DIRECTORY:
                return unpack_directory(u, parent_fd, name, rel, e, err);
        case TAR_FILE:
                return unpack_file(u, tr, parent_fd, name, e, err);
        case TAR_SYMLINK:
                return unpack_symlink(parent_fd, name, e, err);
        case TAR_HARDLINK:
                return unpack_hardlink(u, parent_fd, name, e, err);
        case TAR_FIFO:
                return unpack_fifo(parent_fd, name, e, err);
        default:
                return refuse_type(e, err);
        }
}

/* Last, since creating entries in a directory changes its mtime. */
static void apply_dir_times(struct unpack *u) {
        for (size_t i = u->n_dirs; i-- > 0;) {
                const char *p = u->dirs[i].path;
                _cleanup_close_ int fd = open_beneath(u->root_fd, *p ? p : ".", O_RDONLY | O_DIRECTORY);

                /* A later member may have replaced it: nothing to do then. */
                if (fd >= 0)
                        (void) futimens(fd, (struct timespec[2]) { { .tv_nsec = UTIME_OMIT }, u->dirs[i].mtime });
        }
}

int tar_unpack(struct tar_reader *r, int root_fd, struct unpack_stats *stats, struct nb_error *err) {
        struct unpack u = { .root_fd = root_fd, .parent_fd = -1, .stats = stats };
        struct tar_entry e;
        int k;

        *stats = (struct unpack_stats) {0};
        for (;;) {
                k = tar_next(r, &e, err);
                if (k <= 0)
                        break;
                stats->members++;
                k = unpack_one(&u, r, &e, err);
                if (k < 0)
                        break;
        }
        if (k == 0)
                apply_dir_times(&u);
        if (u.parent_fd >= 0)
                close(u.parent_fd);
        for (size_t i = 0; i < u.n_dirs; i++)
                free(u.dirs[i].path);
        free(u.dirs);
        return k;
}
