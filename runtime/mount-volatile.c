/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nspawn's --volatile=yes and --volatile=state. yes runs an OS from its
 * /usr alone: everything else starts empty on a tmpfs and is gone at exit,
 * as systemd's own volatile root does. state keeps the OS read-only and
 * gives it an empty /var. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "error.h"
#include "mount-util.h"
#include "mount-volatile.h"
#include "options.h"
#include "path-in-root.h"

/* systemd's base-filesystem table, as far as a container needs it. */
static const struct {
        const char *name;
        mode_t mode;
} skeleton[] = {
        { "etc", 0755 }, { "var", 0755 },  { "proc", 0555 }, { "sys", 0555 },  { "dev", 0755 },
        { "run", 0755 }, { "tmp", 01777 }, { "root", 0700 }, { "home", 0755 }, { "mnt", 0755 },
};
static const char *const usr_links[] = { "bin", "sbin", "lib", "lib64" };

int volatile_yes_setup(struct container *c, int tree_fd, int userns_fd, struct nb_error *err) {
        _cleanup_close_ int top = -1, usr = -1, src = -1;
        uid_t u = c->root_uid;
        char data[128];
        struct stat st;
        int r;

        src = openat(tree_fd, "usr", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return nb_error_set(err, errno, "run %s with --volatile=yes: its /usr (a directory, not a symlink)", c->o->root);
        if (c->uids.enabled)
                snprintf(data, sizeof(data), "mode=0755,uid=%u,gid=%u", u, u);
        else
                snprintf(data, sizeof(data), "mode=0755");
        if (mount("tmpfs", c->ephemeral_dir, "tmpfs", MS_STRICTATIME, data) < 0)
                return nb_error_set(err, errno, "mount the volatile root's tmpfs on %s", c->ephemeral_dir);
        top = open(c->ephemeral_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (top < 0)
                return nb_error_set(err, errno, "open %s", c->ephemeral_dir);
        if (mkdirat(top, "usr", 0755) < 0 || fchownat(top, "usr", u, u, AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "create /usr of the volatile root of %s", c->o->root);
        usr = openat(top, "usr", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (usr < 0)
                return nb_error_set(err, errno, "open /usr of the volatile root of %s", c->o->root);
        r = bind_on_fd(src, "", usr, true, true, userns_fd);
        if (r < 0)
                return nb_error_set(err, r, "bind /usr of %s read-only into its volatile root%s", c->o->root,
                                    userns_fd >= 0 ? " with an idmapped mount" : "");
        for (size_t i = 0; i < ELEMENTSOF(skeleton); i++)
                if (mkdirat(top, skeleton[i].name, skeleton[i].mode) < 0 ||
                    fchmodat(top, skeleton[i].name, skeleton[i].mode, 0) < 0 ||
                    fchownat(top, skeleton[i].name, u, u, AT_SYMLINK_NOFOLLOW) < 0)
                        return nb_error_set(err, errno, "create /%s of the volatile root of %s", skeleton[i].name, c->o->root);
        for (size_t i = 0; i < ELEMENTSOF(usr_links); i++) {
                char target[32];
                snprintf(target, sizeof(target), "usr/%s", usr_links[i]);
                /* Only where the tree's /usr has the directory (merged /usr). */
                if (fstatat(src, usr_links[i], &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (symlinkat(target, top, usr_links[i]) < 0 || fchownat(top, usr_links[i], u, u, AT_SYMLINK_NOFOLLOW) < 0)
                        return nb_error_set(err, errno, "create /%s of the volatile root of %s", usr_links[i], c->o->root);
        }
        if (mount(c->ephemeral_dir, c->root, NULL, MS_MOVE, NULL) < 0)
                return nb_error_set(err, errno, "move the volatile root onto %s", c->o->root);
        return 0;
}

int volatile_state_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err) {
        _cleanup_close_ int var = root_mkdir_p(root_fd, "/var", 0755, owner, owner);
        char data[128];
        int r;

        if (var < 0)
                return nb_error_set(err, var, "create /var (in %s) for --volatile=state", c->o->root);
        if (c->uids.enabled)
                snprintf(data, sizeof(data), "mode=0755,uid=%u,gid=%u", c->root_uid, c->root_uid);
        else
                snprintf(data, sizeof(data), "mode=0755");
        r = mount_on_fd("tmpfs", var, "tmpfs", MS_NOSUID | MS_NODEV | MS_STRICTATIME, data);
        if (r < 0)
                return nb_error_set(err, r, "mount tmpfs on /var (in %s) for --volatile=state", c->o->root);
        return 0;
}
