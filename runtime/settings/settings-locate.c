/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finds a machine's .nspawn file and opens it safely (see settings-locate.h). */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "error.h"
#include "host-config.h"
#include "fileio.h"
#include "parse-util.h"
#include "settings-locate.h"

const char *const *settings_trusted_dirs(void) {
        /* The runtime directory is the state directory (nixbox.conf(5)). */
        static const char *dirs[] = {
                "/etc/nixbox",
                NULL,
                "/etc/systemd/nspawn",
                "/run/systemd/nspawn",
                NULL,
        };

        dirs[1] = host_config()->state_dir;
        return dirs;
}

void settings_found_done(struct settings_found *found) {
        if (found->fd >= 0)
                close(found->fd);
        found->fd = -1;
        free(found->path);
        found->path = NULL;
}

/* dirname(root)/NAME.nspawn, textually like nspawn's file_in_same_dir(). */
static char *file_next_to(const char *root, const char *file) {
        _cleanup_free_ char *copy = strdup(root);
        char *r = NULL;
        size_t n;

        if (!copy)
                return NULL;
        n = strlen(copy);
        while (n > 1 && copy[n - 1] == '/')   /* "/var/lib/machines/foo/" */
                copy[--n] = 0;
        char *slash = strrchr(copy, '/');
        if (!slash)
                r = strdup(file);
        else {
                *slash = 0;
                if (asprintf(&r, "%s/%s", copy, file) < 0)   /* "/foo" gives "/NAME.nspawn" */
                        r = NULL;
        }
        return r;
}

/* Opens path if it is a regular file (O_PATH first: a FIFO or a device
 * planted there is never opened); returns the fd, -ENOENT when it does not
 * exist, -EBADFD with *type for another type, or -errno. */
static int open_candidate(const char *path, bool nofollow, mode_t *type) {
        int fd = open_regular_at(AT_FDCWD, path, 0, O_RDONLY | (nofollow ? O_NOFOLLOW : 0), type);

        return fd == -ENOTDIR ? -ENOENT : fd;
}

static int check_trusted(int fd, const char *path, uid_t owner, struct nb_error *err) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return nb_error_set(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return nb_error_set(err, 0, "refusing settings file %s: not a regular file", path);
        if (st.st_uid != owner)
                return nb_error_set(err, 0, "refusing settings file %s: owned by UID %u, not %u", path,
                                    (unsigned) st.st_uid, (unsigned) owner);
        if (st.st_mode & (S_IWGRP | S_IWOTH))
                return nb_error_set(err, 0, "refusing settings file %s: writable by group or others (mode %04o)", path,
                                    (unsigned) (st.st_mode & 07777));
        return 0;
}

int settings_locate_in(const char *const *trusted_dirs, uid_t owner, const char *name, const char *root,
                       struct settings_found *found, struct nb_error *err) {
        _cleanup_free_ char *file = NULL;
        _cleanup_close_ int fd = -1;

        assert(found);
        *found = (struct settings_found) { .fd = -1 };

        /* The name becomes a path component: no '/', no "..". */
        if (!name || !hostname_valid(name))
                return nb_error_set(err, 0, "invalid machine name \"%s\" for a settings file", name ? name : "");
        if (asprintf(&file, "%s.nspawn", name) < 0)
                return nb_error_set(err, ENOMEM, "locate settings");

        for (const char *const *d = trusted_dirs; d && *d; d++) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", *d, file) < 0)
                        return nb_error_set(err, ENOMEM, "locate settings");
                mode_t type = 0;
                fd = open_candidate(path, true, &type);
                if (fd == -ENOENT)
                        continue;
                if (fd == -EBADFD && S_ISLNK(type))
                        return nb_error_set(err, 0, "refusing settings file %s: it is a symbolic link", path);
                if (fd == -EBADFD)
                        return nb_error_set(err, 0, "refusing settings file %s: a %s, not a regular file", path,
                                            file_type_name(type));
                if (fd < 0)
                        return nb_error_set(err, fd, "open %s", path);
                int r = check_trusted(fd, path, owner, err);
                if (r < 0)
                        return r;
                found->fd = TAKE_FD(fd);
                found->path = TAKE_PTR(path);
                found->trusted = true;
                return 1;
        }

        if (!root)
                return 0;
        _cleanup_free_ char *path = file_next_to(root, file);
        if (!path)
                return nb_error_set(err, ENOMEM, "locate settings");
        mode_t type = 0;
        fd = open_candidate(path, false, &type);
        if (fd == -ENOENT)
                return 0;
        if (fd == -EBADFD)
                return nb_error_set(err, 0, "refusing settings file %s: a %s, not a regular file", path,
                                    file_type_name(type));
        if (fd < 0)
                return nb_error_set(err, fd, "open %s", path);
        struct stat st;
        if (fstat(fd, &st) < 0)
                return nb_error_set(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return nb_error_set(err, 0, "refusing settings file %s: not a regular file", path);
        found->fd = TAKE_FD(fd);
        found->path = TAKE_PTR(path);
        found->trusted = false;
        return 1;
}

int settings_locate(const char *name, const char *root, struct settings_found *found, struct nb_error *err) {
        return settings_locate_in(settings_trusted_dirs(), 0, name, root, found, err);
}
