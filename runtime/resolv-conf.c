/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's /etc/resolv.conf (nspawn 252's setup_resolv_conf()).
 * Every path in the tree is resolved inside the root: a resolv.conf (or an
 * /etc) that is a symlink out of the tree is followed against the root, and
 * a FIFO or device there is never opened. */
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
#include "resolv-conf.h"

#define RESOLV_HOST "/etc/resolv.conf"
#define RESOLV_STATIC "/usr/lib/systemd/resolv.conf"
#define RESOLV_UPLINK "/run/systemd/resolve/resolv.conf"
#define RESOLV_STUB "/run/systemd/resolve/stub-resolv.conf"

static const char *source_of(enum resolv_conf_mode m) {
        switch (m) {
        case RESOLV_CONF_COPY_STATIC:
        case RESOLV_CONF_REPLACE_STATIC:
        case RESOLV_CONF_BIND_STATIC:
                return RESOLV_STATIC;
        case RESOLV_CONF_COPY_UPLINK:
        case RESOLV_CONF_REPLACE_UPLINK:
        case RESOLV_CONF_BIND_UPLINK:
                return RESOLV_UPLINK;
        case RESOLV_CONF_COPY_STUB:
        case RESOLV_CONF_REPLACE_STUB:
        case RESOLV_CONF_BIND_STUB:
                return RESOLV_STUB;
        default:
                return RESOLV_HOST;
        }
}

static bool is_bind(enum resolv_conf_mode m) {
        return m == RESOLV_CONF_BIND_HOST || m == RESOLV_CONF_BIND_STATIC || m == RESOLV_CONF_BIND_UPLINK ||
                m == RESOLV_CONF_BIND_STUB;
}

static bool is_replace(enum resolv_conf_mode m) {
        return m == RESOLV_CONF_REPLACE_HOST || m == RESOLV_CONF_REPLACE_STATIC || m == RESOLV_CONF_REPLACE_UPLINK ||
                m == RESOLV_CONF_REPLACE_STUB;
}

static int bind_file(struct container *c, int root_fd, int src, uid_t owner) {
        _cleanup_close_ int target = -1;
        struct stat st;
        int r;

        /* A missing mount point would have to be made: not in a read-only tree. */
        target = options_tree_read_only(c->o) ? root_open(root_fd, RESOLV_HOST, O_PATH, 0)
                                              : root_mount_point(root_fd, RESOLV_HOST, false, owner, owner);
        if (target < 0 || fstat(target, &st) < 0 || !S_ISREG(st.st_mode)) {
                log_warn("not binding %s on /etc/resolv.conf (in %s): %s", source_of(c->o->resolv_conf), c->o->root,
                         target < 0 ? strerror(-target) : "it is not a regular file");
                return -ENOENT;
        }
        r = bind_on_fd(src, "", target, false, true, -1);
        if (r < 0)
                log_warn("bind %s on /etc/resolv.conf (in %s): %s", source_of(c->o->resolv_conf), c->o->root, strerror(-r));
        return r;
}

/* copy-*: the tree's file, followed inside the root (a symlink into
 * /run/systemd/resolve/ gets its target created); replace-*: the last
 * component itself. Either way a new file is renamed into place, so nothing
 * the tree put there is ever opened. */
static void copy_file(struct container *c, int root_fd, const char *data, size_t size, bool replace, uid_t owner) {
        char resolved[PATH_MAX];
        _cleanup_close_ int out = -1;
        struct stat st = {};
        int r;

        if (!replace) {
                out = root_mount_point(root_fd, RESOLV_HOST, false, owner, owner);
                if (out < 0) {
                        /* A read-only or missing /etc: nspawn warns and goes on too. */
                        log_warn("copy /etc/resolv.conf into %s: %s", c->o->root, strerror(-out));
                        return;
                }
                if (fstat(out, &st) < 0 || !S_ISREG(st.st_mode)) {
                        log_warn("not copying /etc/resolv.conf into %s: it is a %s, not a regular file", c->o->root,
                                 file_type_name(st.st_mode));
                        return;
                }
                r = root_resolve(root_fd, RESOLV_HOST, resolved, sizeof(resolved));
        } else
                r = snprintf_ok(resolved, sizeof(resolved), "%s", RESOLV_HOST);
        if (r >= 0)
                r = root_write_file_n(root_fd, resolved, data, size, 0644, owner, owner);
        if (r < 0)
                log_warn("%s /etc/resolv.conf in %s: %s", replace ? "replace" : "copy", c->o->root, strerror(-r));
}

int resolv_conf_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err) {
        enum resolv_conf_mode m = c->o->resolv_conf;
        bool ro = options_tree_read_only(c->o);
        _cleanup_close_ int src = -1;
        char buf[8192];
        ssize_t n;

        (void) err; /* every problem here is a warning, as in nspawn */
        if (m == RESOLV_CONF_AUTO) {
                /* nspawn asks resolved over D-Bus whether its stub listens;
                 * here, its stub file being there stands for that. */
                bool stub = access(RESOLV_STUB, F_OK) == 0;
                if (c->o->private_network)
                        m = RESOLV_CONF_OFF;
                else if (stub)
                        m = ro ? RESOLV_CONF_BIND_STUB : RESOLV_CONF_COPY_STUB;
                else
                        m = ro ? RESOLV_CONF_BIND_HOST : RESOLV_CONF_COPY_HOST;
        }
        if (m == RESOLV_CONF_OFF)
                return 0;
        if (ro && !is_bind(m)) {
                log_debug("not changing /etc/resolv.conf of the read-only %s (--resolv-conf=%s)", c->o->root,
                          resolv_conf_mode_to_string(m));
                return 0;
        }
        if (m == RESOLV_CONF_DELETE) {
                _cleanup_close_ int etc = root_open(root_fd, "/etc", O_RDONLY | O_DIRECTORY, 0);
                if (etc >= 0 && unlinkat(etc, "resolv.conf", 0) < 0 && errno != ENOENT)
                        log_warn("remove /etc/resolv.conf (in %s): %s", c->o->root, strerror(errno));
                return 0;
        }

        src = open_regular_at(AT_FDCWD, source_of(m), 0, O_RDONLY, NULL);
        if (src < 0) {
                /* Say, the static, uplink or stub file on a host without resolved. */
                if (c->o->resolv_conf != RESOLV_CONF_AUTO || src != -ENOENT)
                        log_warn("not setting /etc/resolv.conf of %s (--resolv-conf=%s): %s: %s", c->o->root,
                                 resolv_conf_mode_to_string(c->o->resolv_conf), source_of(m), strerror(-src));
                return 0;
        }
        if (is_bind(m) && (bind_file(c, root_fd, src, owner) >= 0 || ro))
                return 0;
        /* A bind that failed falls back to a copy, as in nspawn. */
        n = read_bounded(src, buf, sizeof(buf));
        if (n < 0) {
                log_warn("not copying %s: %s", source_of(m), strerror((int) -n));
                return 0;
        }
        copy_file(c, root_fd, buf, (size_t) n, is_replace(m), owner);
        return 0;
}
