/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shares the container's journal with the host, as nspawn 252 does. The
 * host side is /var/log/journal/ID on the host (a symlink made there, or
 * its directory bound in); the tree side is reached only through the root
 * fd, so a tree whose /var/log/journal points elsewhere (to /etc, out of the
 * tree) gets its own directory created inside itself, never on the host. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compat.h"
#include "container.h"
#include "error.h"
#include "fileio.h"
#include "journal-link.h"
#include "log.h"
#include "machine-id.h"
#include "mount-util.h"
#include "options.h"
#include "path-in-root.h"

#define HOST_JOURNAL "/var/log/journal"

/* The directory `path` of the tree as an O_PATH fd: created (with its
 * parents) unless the tree is read-only, where it must exist. */
static int tree_dir(struct container *c, int root_fd, const char *path, uid_t owner) {
        int fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);

        if (fd != -ENOENT || options_tree_read_only(c->o))
                return fd == -ENOENT ? -EROFS : fd;
        return root_mkdir_p(root_fd, path, 0755, owner, owner);
}

static bool is_mount_point(int dirfd, const char *path) {
        struct statx a, b;
        char parent[PATH_MAX];

        if (nb_statx(dirfd, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &a) < 0 || !(a.stx_mask & STATX_MNT_ID))
                return false;
        if (snprintf_ok(parent, sizeof(parent), "%s/..", path) < 0 || nb_statx(dirfd, parent, 0, STATX_MNT_ID, &b) < 0)
                return false;
        return a.stx_mnt_id != b.stx_mnt_id;
}

static bool dir_empty(int fd) {
        char p[32];
        _cleanup_close_ int d = open(fd_path(fd, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = d < 0 ? NULL : fdopendir(d);
        struct dirent *de;
        bool empty = true;

        if (!dir)
                return true;
        d = -1;
        while ((de = readdir(dir)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        empty = false;
                        break;
                }
        closedir(dir);
        return empty;
}

int journal_link_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err) {
        enum link_journal_mode m = c->o->link_journal;
        bool try = m == LINK_JOURNAL_AUTO || m == LINK_JOURNAL_TRY_HOST || m == LINK_JOURNAL_TRY_GUEST;
        bool guest = m == LINK_JOURNAL_GUEST || m == LINK_JOURNAL_TRY_GUEST;
        bool host = m == LINK_JOURNAL_HOST || m == LINK_JOURNAL_TRY_HOST;
        char id[33], host_id[64] = "", p[PATH_MAX], q[PATH_MAX], link[PATH_MAX];
        _cleanup_close_ int qfd = -1, pfd = -1, journal = -1;
        ssize_t n;
        int r;

        /* An ephemeral run's journal vanishes with it (nspawn refuses
         * explicit modes with --ephemeral; cli.c does too). So does a
         * volatile root's or overlay's, whose directory the host could not
         * even reach through the tree's path: unlike nspawn, no link then. */
        if (m == LINK_JOURNAL_NO || c->o->ephemeral || c->o->volatile_mode == VOLATILE_YES ||
            c->o->volatile_mode == VOLATILE_OVERLAY) {
                if (m != LINK_JOURNAL_NO && m != LINK_JOURNAL_AUTO)
                        log_warn("not linking the journal of %s: it lives on a throwaway root", c->o->root);
                return 0;
        }
        for (size_t i = 0, j = 0; i < strlen(c->uuid) && j < 32; i++)
                if (c->uuid[i] != '-')
                        id[j++] = c->uuid[i], id[j] = 0;
        if (machine_id_parse(id, id) < 0)
                return nb_error_set(err, EINVAL, "link the journal of %s: bad machine id %s", c->o->root, c->uuid);

        n = read_string_file("/etc/machine-id", host_id, sizeof(host_id));
        if (n > 0 && machine_id_parse(host_id, host_id) >= 0 && streq(host_id, id)) {
                if (try) {
                        log_warn("the host and %s have the same machine id %s: not linking the journals", c->o->root, id);
                        return 0;
                }
                return nb_error_set(err, EEXIST, "link the journal of %s: the host has the same machine id %s", c->o->root, id);
        }

        journal = tree_dir(c, root_fd, HOST_JOURNAL, owner);
        if (journal < 0) {
                if (journal == -EROFS && try) {
                        log_debug("%s of the read-only %s is missing: not linking the journal", HOST_JOURNAL, c->o->root);
                        return 0;
                }
                /* auto and try-*: a tree that refuses the directory (an
                 * immutable /var/log, a file in its place) boots unlinked. */
                if (try) {
                        log_warn("not linking the journal of %s: create %s: %s", c->o->root, HOST_JOURNAL, strerror(-journal));
                        return 0;
                }
                return nb_error_set(err, journal, "create %s (in %s) to link the journal%s", HOST_JOURNAL, c->o->root,
                                    journal == -EROFS ? ": the tree is read-only" : "");
        }
        snprintf(p, sizeof(p), HOST_JOURNAL "/%s", id);
        /* The host's path of the tree's directory, as nspawn links it; with
         * the tree's own symlinks resolved inside it, so that the host's link
         * does not lead through one of them out of the tree. */
        if (root_resolve(root_fd, p, link, sizeof(link)) < 0)
                snprintf(link, sizeof(link), "%s", p);
        if (snprintf_ok(q, sizeof(q), "%s%s", c->root, link) < 0)
                return nb_error_set(err, ENAMETOOLONG, "link the journal of %s", c->o->root);

        if (is_mount_point(AT_FDCWD, p) || is_mount_point(journal, id)) {
                if (try)
                        return 0;
                return nb_error_set(err, EEXIST, "link the journal of %s: %s is already a mount point", c->o->root, p);
        }

        n = readlink(p, link, sizeof(link) - 1);
        if (n >= 0) {
                link[n] = 0;
                if ((guest || m == LINK_JOURNAL_AUTO) && streq(link, q)) {
                        qfd = tree_dir(c, root_fd, p, owner);
                        if (qfd < 0)
                                log_warn("create %s (in %s): %s", p, c->o->root, strerror(-qfd));
                        return 0;
                }
                if (unlink(p) < 0)
                        return nb_error_set(err, errno, "remove the symlink %s on the host", p);
        } else if (errno == EINVAL) {
                if (guest && rmdir(p) < 0)
                        return nb_error_set(err, errno, "remove %s on the host to link it to the guest's", p);
        } else if (errno != ENOENT)
                return nb_error_set(err, errno, "read the symlink %s on the host", p);

        if (guest) {
                qfd = tree_dir(c, root_fd, p, owner);
                if (qfd < 0) {
                        if (try)
                                return 0;
                        return nb_error_set(err, qfd, "create %s (in %s) for the journal", p, c->o->root);
                }
                if (root_resolve(root_fd, p, link, sizeof(link)) < 0 || snprintf_ok(q, sizeof(q), "%s%s", c->root, link) < 0)
                        return nb_error_set(err, ENAMETOOLONG, "link the journal of %s", c->o->root);
                if (symlink(q, p) < 0) {
                        if (try) {
                                log_debug("symlink %s to %s: %s; not linking the journal", p, q, strerror(errno));
                                return 0;
                        }
                        return nb_error_set(err, errno, "symlink %s on the host to %s", p, q);
                }
                return 0;
        }
        if (host) {
                /* Not its parents: a host without a persistent journal keeps none. */
                if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                        if (try) {
                                log_debug("create %s: %s; not linking the journal", p, strerror(errno));
                                return 0;
                        }
                        return nb_error_set(err, errno, "create %s on the host for the journal of %s", p, c->o->root);
                }
        }
        pfd = open(p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (pfd < 0) {
                if (!host && errno == ENOENT)
                        return 0; /* auto: the host keeps no journal for this machine */
                return nb_error_set(err, errno, "open %s on the host", p);
        }
        qfd = tree_dir(c, root_fd, p, owner);
        if (qfd < 0)
                return nb_error_set(err, qfd, "create %s (in %s) for the journal", p, c->o->root);
        if (!dir_empty(qfd))
                log_warn("%s (in %s) is not empty, binding the host's over it anyway", p, c->o->root);
        r = bind_on_fd(pfd, "", qfd, false, false, -1);
        if (r < 0)
                return nb_error_set(err, r, "bind the host's %s into %s", p, c->o->root);
        return 0;
}
