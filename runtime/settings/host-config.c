/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /etc/nixbox/nixbox.conf with inih (see host-config.h). inih fits here:
 * a plain INI file of a few keys. .nspawn files keep their own parser
 * (settings-file.c): their syntax is systemd's (line continuations, quoting,
 * repeated keys that append or reset) which inih does not speak. */
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "error.h"
#include "host-config.h"
#include "parse-util.h"

static struct host_config loaded;
static bool loaded_init;

void host_config_defaults(struct host_config *c) {
        *c = (struct host_config) {
                .image_dir = "/var/lib/nixbox",
                .state_dir = "/run/nixbox",
                .uid_lock_dir = "/run/nixbox-uid",
                /* systemd-nspawn's window for --private-users=pick */
                .pick_min = 0x00080000U,
                .pick_max = 0x6FFF0000U,
                .console_log_size = 8ULL << 20,
        };
}

const struct host_config *host_config(void) {
        if (!loaded_init) {
                host_config_defaults(&loaded);
                loaded_init = true;
        }
        return &loaded;
}

struct parse_ctx {
        struct host_config *c;
        FILE *f;
        unsigned line;          /* of the line inih handles now */
        unsigned err_line;      /* of the first error found by us, 0: none */
        char err[512];
};

/* An absolute, normalized path without "." or ".." components, short
 * enough for the fixed buffers it goes into. */
static int parse_dir(const char *v, char *out, size_t size) {
        size_t l = strlen(v);

        if (v[0] != '/' || l >= size || l >= HOST_CONFIG_PATH_MAX - 1)
                return -EINVAL;
        if (strstr(v, "//") || strstr(v, "/./") || strstr(v, "/../") || (l > 1 && v[l - 1] == '/') ||
            (l >= 2 && streq(v + l - 2, "/.")) || (l >= 3 && streq(v + l - 3, "/..")))
                return -EINVAL;
        for (const char *p = v; *p; p++)
                if ((unsigned char) *p < 0x20 || *p == 0x7f)
                        return -EINVAL;
        snprintf(out, size, "%s", v);
        return 0;
}

/* A UID that starts a 64K range: decimal or 0x-hex. */
static int parse_range_base(const char *v, uid_t *out) {
        char *end;
        unsigned long long n;

        if (!*v || *v == '-' || *v == '+')
                return -EINVAL;
        errno = 0;
        n = strtoull(v, &end, 0);
        if (errno || *end || n > 0xFFFE0000ULL || (n & 0xFFFF) != 0 || n == 0)
                return -EINVAL;
        *out = (uid_t) n;
        return 0;
}

_printf_(2, 3) static int fail(struct parse_ctx *x, const char *fmt, ...) {
        va_list ap;

        if (!x->err_line) {
                x->err_line = x->line;
                va_start(ap, fmt);
                vsnprintf(x->err, sizeof(x->err), fmt, ap);
                va_end(ap);
        }
        return 0;       /* inih: an error on this line */
}

static int handler(void *user, const char *section, const char *name, const char *value) {
        struct parse_ctx *x = user;
        struct host_config *c = x->c, def;
        int r = 0;

        host_config_defaults(&def);
        /* An empty value restores the compiled default. */
        if (streq(section, "paths")) {
                char *dst, *dflt;
                if (streq(name, "ImageDir"))
                        dst = c->image_dir, dflt = def.image_dir;
                else if (streq(name, "StateDir"))
                        dst = c->state_dir, dflt = def.state_dir;
                else if (streq(name, "UidLockDir"))
                        dst = c->uid_lock_dir, dflt = def.uid_lock_dir;
                else
                        return fail(x, "unknown key %s in section [%s]", name, section);
                if (!*value)
                        snprintf(dst, HOST_CONFIG_PATH_MAX, "%s", dflt);
                else
                        r = parse_dir(value, dst, HOST_CONFIG_PATH_MAX);
                if (r < 0)
                        return fail(x, "[%s] %s=%s: expected an absolute, normalized directory path of at most 126 bytes",
                                    section, name, value);
        } else if (streq(section, "userns")) {
                uid_t *dst, dflt;
                if (streq(name, "PickRangeMin"))
                        dst = &c->pick_min, dflt = def.pick_min;
                else if (streq(name, "PickRangeMax"))
                        dst = &c->pick_max, dflt = def.pick_max;
                else
                        return fail(x, "unknown key %s in section [%s]", name, section);
                if (!*value)
                        *dst = dflt;
                else if (parse_range_base(value, dst) < 0)
                        return fail(x, "[%s] %s=%s: expected a non-zero multiple of 65536 (0x10000) up to 0xFFFE0000",
                                    section, name, value);
        } else if (streq(section, "console")) {
                if (!streq(name, "LogSize"))
                        return fail(x, "unknown key %s in section [%s]", name, section);
                if (!*value)
                        c->console_log_size = def.console_log_size;
                else if (parse_size(value, &c->console_log_size) < 0)
                        return fail(x, "[%s] %s=%s: expected a size in bytes (K, M, G suffixes)", section, name, value);
        } else if (streq(section, "network")) {
                if (!streq(name, "DefaultZone"))
                        return fail(x, "unknown key %s in section [%s]", name, section);
                if (*value && !zone_name_valid(value))
                        return fail(x, "[%s] %s=%s: expected a zone name as for --network-zone", section, name, value);
                snprintf(c->default_zone, sizeof(c->default_zone), "%s", value);
        } else if (!*section)
                return fail(x, "%s= outside a section", name);
        else
                return fail(x, "unknown section [%s]", section);
        return 1;
}

/* inih's line reader, counting lines so that our messages name them, and
 * refusing lines longer than inih's buffer (it would split them). */
static char *reader(char *str, int num, void *stream) {
        struct parse_ctx *x = stream;
        size_t l;

        if (!fgets(str, num, x->f))
                return NULL;
        x->line++;
        l = strlen(str);
        if (l > 0 && str[l - 1] != '\n' && !feof(x->f)) {
                int ch;
                if (!x->err_line) {
                        x->err_line = x->line;
                        snprintf(x->err, sizeof(x->err), "line longer than %d bytes", num - 2);
                }
                while ((ch = fgetc(x->f)) != EOF && ch != '\n')
                        ;
                str[0] = '\n', str[1] = 0;   /* inih sees an empty line */
        }
        return str;
}

int host_config_parse(const char *path, struct host_config *c, struct nb_error *err) {
        struct parse_ctx x = { .c = c };
        struct stat st;
        int fd, r;

        c->path[0] = 0;
        /* O_NONBLOCK: a FIFO at the path must not hang every nixbox command. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errno == ENOENT ? 0 : nb_error_set(err, errno, "open host configuration %s", path);
        if (fstat(fd, &st) < 0) {
                r = nb_error_set(err, errno, "stat %s", path);
                close(fd);
                return r;
        }
        /* It moves where nixbox (as root) writes and locks: only root may
         * have written it. */
        if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
                close(fd);
                return nb_error_set(err, 0, "refusing host configuration %s: %s", path,
                                    !S_ISREG(st.st_mode) ? "not a regular file"
                                    : st.st_uid != geteuid() ? "not owned by the user running nixbox"
                                                             : "writable by group or others");
        }
        x.f = fdopen(fd, "re");
        if (!x.f) {
                r = nb_error_set(err, errno, "open host configuration %s", path);
                close(fd);
                return r;
        }
        r = ini_parse_stream(reader, &x, handler, &x);
        fclose(x.f);
        if (r < 0)
                return nb_error_set(err, ENOMEM, "read host configuration %s", path);
        if (r > 0 || x.err_line) {
                /* inih returns its first bad line: ours, or a syntax error before it. */
                if (x.err_line && (r == 0 || (unsigned) r >= x.err_line))
                        return nb_error_set(err, 0, "%s:%u: %s", path, x.err_line, x.err);
                return nb_error_set(err, 0, "%s:%d: syntax error: expected [SECTION], KEY=VALUE or a comment", path, r);
        }
        if (c->pick_min >= c->pick_max)
                return nb_error_set(err, 0, "%s: [userns] PickRangeMin=%#x must be below PickRangeMax=%#x", path,
                                    (unsigned) c->pick_min, (unsigned) c->pick_max);
        snprintf(c->path, sizeof(c->path), "%s", path);
        return 0;
}

int host_config_load(struct nb_error *err) {
        const char *path = getenv(HOST_CONFIG_ENV);
        struct host_config c;
        int r;

        if (!path || !*path)
                path = HOST_CONFIG_PATH;
        host_config_defaults(&c);
        r = host_config_parse(path, &c, err);
        if (r < 0)
                return r;
        loaded = c;
        loaded_init = true;
        return 0;
}
