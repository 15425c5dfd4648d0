/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's /etc/localtime after the host's (nspawn 252's
 * setup_timezone()). auto: a symlink into /usr/share/zoneinfo when the host's
 * is one and the tree has that zone, a copy when the host's is a regular
 * file, removed when the host has none; with --read-only a bind (or nothing)
 * instead, since nothing may be written. Everything in the tree is reached
 * through the root fd (path-in-root.c): a tree whose /etc/localtime or /etc
 * is a symlink pointing out cannot make nixbox write on the host. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "fileio.h"
#include "log.h"
#include "mount-util.h"
#include "options.h"
#include "parse-util.h"
#include "path-in-root.h"
#include "timezone.h"

#define HOST_LOCALTIME "/etc/localtime"
#define LOCALTIME_MAX (256 * 1024) /* zoneinfo files are a few KiB */

/* "Europe/Berlin" from a link target into the zoneinfo directory, or NULL. */
static const char *zone_of(const char *target) {
        static const char *const prefixes[] = { "../usr/share/zoneinfo/", "/usr/share/zoneinfo/" };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (strncmp(target, prefixes[i], strlen(prefixes[i])) == 0 && target[strlen(prefixes[i])])
                        return target + strlen(prefixes[i]);
        return NULL;
}

static int localtime_bind(struct container *c, int root_fd, int etc, uid_t owner) {
        _cleanup_close_ int src = -1, target = -1;
        struct stat st;
        int r;

        /* As nspawn: the file (or what its link leads to inside the tree) is
         * the mount point; a missing one is created in /etc (not in a
         * read-only tree), a dangling link is not followed to create its
         * target: the caller copies instead. */
        target = root_open(root_fd, "/etc/localtime", O_PATH, 0);
        if (target == -ENOENT && !options_tree_read_only(c->o) && fstatat(etc, "localtime", &st, AT_SYMLINK_NOFOLLOW) < 0 &&
            errno == ENOENT) {
                _cleanup_close_ int fd = openat(etc, "localtime", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd >= 0 && fchown(fd, owner, owner) >= 0)
                        target = root_open(root_fd, "/etc/localtime", O_PATH, 0);
        }
        if (target < 0 || fstat(target, &st) < 0 || !S_ISREG(st.st_mode)) {
                log_debug("not binding the host's %s into %s: its /etc/localtime is %s", HOST_LOCALTIME, c->o->root,
                          target < 0 ? strerror(-target) : "not a regular file");
                return -ENOENT;
        }
        src = open_regular_at(AT_FDCWD, HOST_LOCALTIME, 0, O_PATH, NULL);
        if (src < 0)
                return src;
        r = bind_on_fd(src, "", target, false, true, -1);
        if (r < 0)
                log_warn("bind the host's %s on /etc/localtime (in %s): %s", HOST_LOCALTIME, c->o->root, strerror(-r));
        return r;
}

static int localtime_copy(struct container *c, int root_fd, uid_t owner) {
        _cleanup_close_ int in = -1;
        _cleanup_free_ char *buf = malloc(LOCALTIME_MAX);
        ssize_t n;
        int r;

        if (!buf)
                return -ENOMEM;
        in = open_regular_at(AT_FDCWD, HOST_LOCALTIME, 0, O_RDONLY, NULL);
        if (in < 0)
                return in;
        n = read_bounded(in, buf, LOCALTIME_MAX);
        if (n < 0)
                return (int) n;
        /* A new file renamed over the last component: whatever the tree
         * has there (a symlink pointing out, say) is replaced, never followed. */
        r = root_write_file_n(root_fd, "/etc/localtime", buf, (size_t) n, 0644, owner, owner);
        if (r < 0)
                log_warn("copy the host's %s to /etc/localtime (in %s): %s", HOST_LOCALTIME, c->o->root, strerror(-r));
        return r;
}

int timezone_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err) {
        enum timezone_mode m = c->o->timezone;
        bool ro = options_tree_read_only(c->o);
        char target[PATH_MAX] = "";
        _cleanup_close_ int etc = -1;
        ssize_t n = 0;

        (void) err; /* every problem here is a warning, as in nspawn */
        if (m == TIMEZONE_AUTO || m == TIMEZONE_SYMLINK) {
                n = readlink(HOST_LOCALTIME, target, sizeof(target) - 1);
                if (n < 0 && errno == ENOENT && m == TIMEZONE_AUTO)
                        m = ro ? TIMEZONE_OFF : TIMEZONE_DELETE;
                else if (n < 0 && errno == EINVAL && m == TIMEZONE_AUTO) /* a regular file */
                        m = ro ? TIMEZONE_BIND : TIMEZONE_COPY;
                else if (n < 0 || n >= (ssize_t) sizeof(target) - 1) {
                        log_warn("read the host's %s symlink: %s; not changing the container's time zone", HOST_LOCALTIME,
                                 n < 0 ? strerror(errno) : "too long");
                        return 0;
                } else if (m == TIMEZONE_AUTO)
                        m = ro ? TIMEZONE_BIND : TIMEZONE_SYMLINK;
                target[n > 0 ? n : 0] = 0;
        }
        if (m == TIMEZONE_OFF)
                return 0;
        /* Nothing is written into a read-only tree (nspawn's writes fail
         * with EROFS there and are ignored): only a bind remains. */
        if (ro && m != TIMEZONE_BIND) {
                log_debug("not changing /etc/localtime of the read-only %s (--timezone=%s)", c->o->root,
                          timezone_mode_to_string(c->o->timezone));
                return 0;
        }
        etc = root_open(root_fd, "/etc", O_RDONLY | O_DIRECTORY, 0);
        if (etc < 0) {
                log_warn("not setting the time zone of %s: its /etc: %s", c->o->root, strerror(-etc));
                return 0;
        }

        switch (m) {
        case TIMEZONE_DELETE:
                if (unlinkat(etc, "localtime", 0) < 0 && errno != ENOENT)
                        log_warn("remove /etc/localtime (in %s): %s", c->o->root, strerror(errno));
                return 0;
        case TIMEZONE_SYMLINK: {
                const char *zone = zone_of(target);
                char link[PATH_MAX], have[PATH_MAX], path[PATH_MAX];
                _cleanup_close_ int zfd = -1;

                if (!zone) {
                        log_warn("the host's %s does not point into /usr/share/zoneinfo/: not changing the "
                                 "container's time zone",
                                 HOST_LOCALTIME);
                        return 0;
                }
                n = readlinkat(etc, "localtime", have, sizeof(have) - 1);
                if (n > 0 && n < (ssize_t) sizeof(have) - 1) {
                        have[n] = 0;
                        if (zone_of(have) && streq(zone_of(have), zone))
                                return 0; /* already right */
                }
                if (snprintf_ok(path, sizeof(path), "/usr/share/zoneinfo/%s", zone) < 0 ||
                    snprintf_ok(link, sizeof(link), "../usr/share/zoneinfo/%s", zone) < 0)
                        return 0;
                zfd = root_open(root_fd, path, O_PATH, 0);
                if (zfd >= 0) {
                        if (unlinkat(etc, "localtime", 0) < 0 && errno != ENOENT) {
                                log_warn("remove /etc/localtime (in %s): %s", c->o->root, strerror(errno));
                                return 0;
                        }
                        if (symlinkat(link, etc, "localtime") < 0 ||
                            fchownat(etc, "localtime", owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
                                log_warn("link /etc/localtime to %s (in %s): %s", link, c->o->root, strerror(errno));
                        return 0;
                }
                log_debug("time zone %s missing in %s: binding or copying the host's file", zone, c->o->root);
        }
                /* fall through */
        case TIMEZONE_BIND:
                if (localtime_bind(c, root_fd, etc, owner) >= 0)
                        return 0;
                if (ro) {
                        log_warn("not binding the host's %s into the read-only %s: it has no /etc/localtime to bind it on",
                                 HOST_LOCALTIME, c->o->root);
                        return 0;
                }
                /* fall through */
        case TIMEZONE_COPY:
                (void) localtime_copy(c, root_fd, owner);
                return 0;
        default:
                return 0;
        }
}
