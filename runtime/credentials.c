/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Credentials, as systemd-nspawn 252 passes them: a ramfs (never swapped
 * out, unlike tmpfs) at /run/host/credentials, read-only for the payload and
 * mounted from the host's user namespace, so the container cannot remount
 * it. The ramfs sits on nixbox's own /run tmpfs, never on the tree. */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "credentials.h"
#include "error.h"
#include "fileio.h"
#include "mount-util.h"
#include "options.h"
#include "path-in-root.h"

bool credential_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > NAME_MAX || streq(s, ".") || streq(s, ".."))
                return false;
        for (; *s; s++)
                if (*s < 0x21 || *s > 0x7e || *s == '/' || *s == ':')
                        return false;
        return true;
}

static int hexval(char ch) {
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

/* systemd's cunescape() with NULs allowed, without \u and \U. */
static int unescape(const char *s, char **ret, size_t *ret_size) {
        char *out = malloc(strlen(s) + 1), *o = out;

        if (!out)
                return -ENOMEM;
        while (*s) {
                if (*s != '\\') {
                        *o++ = *s++;
                        continue;
                }
                s++;
                switch (*s) {
                case 'a':
                        *o++ = '\a';
                        s++;
                        break;
                case 'b':
                        *o++ = '\b';
                        s++;
                        break;
                case 'f':
                        *o++ = '\f';
                        s++;
                        break;
                case 'n':
                        *o++ = '\n';
                        s++;
                        break;
                case 'r':
                        *o++ = '\r';
                        s++;
                        break;
                case 't':
                        *o++ = '\t';
                        s++;
                        break;
                case 'v':
                        *o++ = '\v';
                        s++;
                        break;
                case 's':
                        *o++ = ' ';
                        s++;
                        break;
                case '\\':
                case '"':
                case '\'':
                        *o++ = *s++;
                        break;
                case 'x': {
                        int a = hexval(s[1]), b = a < 0 ? -1 : hexval(s[2]);
                        if (b < 0)
                                goto bad;
                        *o++ = (char) (a << 4 | b);
                        s += 3;
                        break;
                }
                case '0' ... '7': {
                        if (s[1] < '0' || s[1] > '7' || s[2] < '0' || s[2] > '7' || s[0] > '3')
                                goto bad;
                        *o++ = (char) ((s[0] - '0') << 6 | (s[1] - '0') << 3 | (s[2] - '0'));
                        s += 3;
                        break;
                }
                default:
                        goto bad;
                }
        }
        *o = 0;
        *ret_size = (size_t) (o - out);
        *ret = out;
        return 0;
bad:
        free(out);
        return -EINVAL;
}

/* Splits "ID:REST" and checks the ID; *rest points into spec. */
static int split_id(struct options *o, const char *spec, const char *what, char **ret_id, const char **rest, struct nb_error *err) {
        const char *colon = strchr(spec, ':');
        char *id;

        if (!colon)
                return nb_error_set(err, 0, "invalid %s '%s': expected ID:%s", what, spec, strstr(what, "oad") ? "PATH" : "VALUE");
        id = strndup(spec, (size_t) (colon - spec));
        if (!id)
                return nb_error_set(err, ENOMEM, "parse %s", what);
        if (!credential_name_valid(id)) {
                nb_error_set(err, 0, "invalid %s '%s': '%s' is not a valid credential name", what, spec, id);
                free(id);
                return -EINVAL;
        }
        for (size_t i = 0; i < o->n_credentials; i++)
                if (streq(o->credentials[i].id, id)) {
                        nb_error_set(err, 0, "invalid %s '%s': duplicate credential '%s'", what, spec, id);
                        free(id);
                        return -EEXIST;
                }
        *ret_id = id;
        *rest = colon + 1;
        return 0;
}

static int push(struct options *o, char *id, char *data, size_t size, const char *what, struct nb_error *err) {
        struct credential *p = realloc(o->credentials, (o->n_credentials + 1) * sizeof(*p));

        if (!p) {
                free(id);
                free(data);
                return nb_error_set(err, ENOMEM, "add %s", what);
        }
        o->credentials = p;
        o->credentials[o->n_credentials++] = (struct credential){ .id = id, .data = data, .size = size };
        return 0;
}

int credential_add_set(struct options *o, const char *spec, const char *what, struct nb_error *err) {
        const char *value;
        char *id = NULL, *data = NULL;
        size_t size;
        int r;

        r = split_id(o, spec, what, &id, &value, err);
        if (r < 0)
                return r;
        r = unescape(value, &data, &size);
        if (r < 0) {
                free(id);
                return nb_error_set(err, r, "invalid %s '%s': bad escape in the value", what, spec);
        }
        return push(o, id, data, size, what, err);
}

int credential_add_load(struct options *o, const char *spec, const char *what, struct nb_error *err) {
        _cleanup_free_ char *joined = NULL;
        _cleanup_close_ int fd = -1;
        const char *path;
        char *id = NULL, *data = NULL;
        mode_t type = 0;
        ssize_t n;
        int r;

        r = split_id(o, spec, what, &id, &path, err);
        if (r < 0)
                return r;
        if (!strchr(path, '/')) {
                /* A credential name: one nixbox itself was given (nspawn's
                 * lookup in its own $CREDENTIALS_DIRECTORY). */
                const char *dir = getenv("CREDENTIALS_DIRECTORY");
                if (!credential_name_valid(path) || !dir || !*dir) {
                        free(id);
                        return nb_error_set(err, 0,
                                            "invalid %s '%s': '%s' is neither a path nor a credential nixbox "
                                            "was given ($CREDENTIALS_DIRECTORY %s)",
                                            what, spec, path, dir && *dir ? "is set" : "is not set");
                }
                if (asprintf(&joined, "%s/%s", dir, path) < 0) {
                        free(id);
                        return nb_error_set(err, ENOMEM, "parse %s", what);
                }
                path = joined;
        }
        fd = open_regular_at(AT_FDCWD, path, 0, O_RDONLY, &type);
        if (fd < 0) {
                free(id);
                if (fd == -EBADFD)
                        return nb_error_set(err, 0, "read credential file %s (%s): a %s, not a regular file", path, what,
                                            file_type_name(type));
                return nb_error_set(err, fd, "read credential file %s (%s)", path, what);
        }
        data = malloc(CREDENTIAL_SIZE_MAX + 1);
        if (!data) {
                free(id);
                return nb_error_set(err, ENOMEM, "read credential file %s", path);
        }
        n = read_bounded(fd, data, CREDENTIAL_SIZE_MAX + 1);
        if (n < 0 || n > CREDENTIAL_SIZE_MAX) {
                free(id);
                free(data);
                return nb_error_set(err, n < 0 ? (int) -n : EFBIG, "read credential file %s (%s)%s", path, what,
                                    n < 0 ? "" : ": larger than 1 MiB");
        }
        return push(o, id, data, (size_t) n, what, err);
}

int credentials_setup(struct container *c, int root_fd, struct nb_error *err) {
        const struct options *o = c->o;
        _cleanup_close_ int mp = -1, dir = -1;
        char p[32];
        int r;

        if (o->n_credentials == 0)
                return 0;
        mp = root_open(root_fd, CREDENTIALS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
        if (mp < 0)
                return nb_error_set(err, mp, "open %s (in %s)", CREDENTIALS_DIR, o->root);
        r = mount_on_fd("ramfs", mp, "ramfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=0700");
        if (r < 0)
                return nb_error_set(err, r, "mount ramfs on %s (in %s)", CREDENTIALS_DIR, o->root);
        /* The fd above is the mount point; the ramfs is on top of it. */
        close(mp);
        mp = root_open(root_fd, CREDENTIALS_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0);
        if (mp < 0)
                return nb_error_set(err, mp, "open %s (in %s)", CREDENTIALS_DIR, o->root);
        dir = open(fd_path(mp, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return nb_error_set(err, errno, "open %s (in %s)", CREDENTIALS_DIR, o->root);
        for (size_t i = 0; i < o->n_credentials; i++) {
                const struct credential *cr = &o->credentials[i];
                _cleanup_close_ int fd = openat(dir, cr->id, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

                if (fd < 0)
                        return nb_error_set(err, errno, "create credential %s/%s", CREDENTIALS_DIR, cr->id);
                r = write_all(fd, cr->data, cr->size);
                if (r < 0)
                        return nb_error_set(err, r, "write credential %s/%s", CREDENTIALS_DIR, cr->id);
                if (fchmod(fd, 0400) < 0 || fchown(fd, c->root_uid, c->root_uid) < 0)
                        return nb_error_set(err, errno, "set owner and mode of credential %s/%s", CREDENTIALS_DIR, cr->id);
        }
        if (fchmod(dir, 0500) < 0 || fchown(dir, c->root_uid, c->root_uid) < 0)
                return nb_error_set(err, errno, "set owner and mode of %s (in %s)", CREDENTIALS_DIR, o->root);
        /* Both the mount and its superblock read-only. */
        r = mount_on_fd(NULL, mp, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
        if (r >= 0)
                r = mount_on_fd(NULL, mp, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=0500");
        if (r < 0)
                return nb_error_set(err, r, "make %s read-only (in %s)", CREDENTIALS_DIR, o->root);
        return 0;
}
