/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parses one .nspawn settings file: systemd's INI syntax (systemd.syntax(7),
 * conf-parser.c) into struct settings. Own parser rather than inih: see
 * docs/settings-file.md. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

#include "error.h"
#include "parse-util.h"
#include "settings-file.h"

/* ---- the struct ---- */

static struct settings *settings_new(const char *path) {
        struct settings *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->path = strdup(path);
        if (!s->path) {
                free(s);
                return NULL;
        }
        options_init(&s->o);
        s->o.start_mode = START_UNSET;
        return s;
}

void settings_free(struct settings *s) {
        if (!s)
                return;
        free(s->path);
        strv_free(s->warnings);
        options_free(&s->o);
        free(s);
}

static void warn(struct settings *s, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void warn(struct settings *s, unsigned line, const char *fmt, ...) {
        char msg[1024], *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (asprintf(&full, "%s:%u: %s", s->path, line, msg) < 0)
                return;   /* a lost warning under memory pressure is acceptable */
        (void) strv_consume(&s->warnings, &s->n_warnings, full);
}

/* ---- one assignment: the key table's parser ---- */

static int assign(struct settings *s, const struct settings_key_info *k, const char *v, unsigned line,
                  struct nb_error *err) {
        /* PrivateUsersChown= is a spelling of PrivateUsersOwnership=: the
         * last of the two wins, and the line is recorded under the latter. */
        enum settings_key at = k->key == SK_PRIVATE_USERS_CHOWN ? SK_PRIVATE_USERS_OWNERSHIP : k->key;
        size_t mounts = s->o.n_mounts;
        int r;

        if (!*v) {
                settings_key_reset(k, &s->o);
                s->line[k->key] = s->line[at] = 0;
                /* Boot= and ProcessTwo= are one setting. */
                if (k->key == SK_BOOT || k->key == SK_PROCESS_TWO)
                        s->line[SK_BOOT] = s->line[SK_PROCESS_TWO] = 0;
                return 0;
        }

        r = settings_key_parse(k, v, &s->o, err);
        if (r == -EOPNOTSUPP) {
                warn(s, line, "%s=%s is not supported by nixbox, ignoring", k->name, v);
                return 0;
        }
        if (r < 0)
                return r;
        s->line[k->key] = 0;
        s->line[at] = line;
        for (size_t i = mounts; i < s->o.n_mounts; i++)
                s->o.mounts[i].line = line;
        return 0;
}

/* ---- lines ---- */

static char *strip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = 0;
        return s;
}

static bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned n, c = *p;
                uint32_t cp;

                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1, cp = c & 0x1f;
                else if (c >= 0xe0 && c <= 0xef)
                        n = 2, cp = c & 0x0f;
                else if (c >= 0xf0 && c <= 0xf4)
                        n = 3, cp = c & 0x07;
                else
                        return false;
                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                /* Overlong forms, surrogates, beyond U+10FFFF. */
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

/* systemd's string_is_safe(), for section names. */
static bool name_is_safe(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127 || strchr("\\\"'", *s))
                        return false;
        return true;
}

enum { SECTION_NONE = -1, SECTION_IGNORED = -2 };

struct parser {
        struct settings *s;
        int section;                     /* enum settings_section, or SECTION_NONE/IGNORED */
        struct nb_error *err;
};

static int parse_line(struct parser *p, char *l, unsigned line) {
        struct settings *s = p->s;
        const struct settings_key_info *k;
        char *eq, *key, *value;
        int r;

        l = strip(l);
        if (!*l)
                return 0;
        if (!utf8_valid(l))
                return nb_error_set(p->err, 0, "%s:%u: invalid UTF-8", s->path, line);

        if (*l == '[') {
                size_t n = strlen(l);
                if (n < 2 || l[n - 1] != ']')
                        return nb_error_set(p->err, 0, "%s:%u: invalid section header \"%s\": expected [NAME]", s->path, line, l);
                l[n - 1] = 0;
                l++;
                if (!name_is_safe(l))
                        return nb_error_set(p->err, 0, "%s:%u: bad characters in section header [%s]", s->path, line, l);
                p->section = SECTION_IGNORED;
                for (int i = 0; i < _SECTION_MAX; i++)
                        if (streq(l, settings_section_name(i)))
                                p->section = i;
                if (p->section == SECTION_IGNORED && !startswith(l, "X-"))
                        warn(s, line, "unknown section [%s], ignoring its keys", l);
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq)
                return nb_error_set(p->err, 0, "%s:%u: invalid line \"%s\": expected KEY=VALUE", s->path, line, l);
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!*key)
                return nb_error_set(p->err, 0, "%s:%u: missing key name before '='", s->path, line);

        if (p->section == SECTION_NONE) {
                warn(s, line, "%s= outside of a section, ignoring", key);
                return 0;
        }
        if (p->section == SECTION_IGNORED)
                return 0;

        k = settings_key_lookup(p->section, key);
        if (!k) {
                if (!startswith(key, "X-"))
                        warn(s, line, "unknown key %s= in section [%s], ignoring", key, settings_section_name(p->section));
                return 0;
        }

        p->err->msg[0] = 0;
        r = assign(s, k, value, line, p->err);
        if (r < 0) {
                if (!p->err->msg[0])   /* a bare -ENOMEM from an allocation */
                        nb_error_set(p->err, r, "parse %s=", k->name);
                nb_error_prefix(p->err, "%s:%u: %s", s->path, line, k->name);
                return r;
        }
        return 0;
}

/* Splits text into physical lines the way systemd's read_line() does
 * (\n, \r, \r\n and NUL end a line), skips comment lines (even inside a
 * continuation), joins lines ending in an odd number of backslashes with
 * the backslash turned into a space, and hands each logical line, with the
 * number of its first physical line, to parse_line(). */
static int parse_text(struct parser *p, const char *text, size_t size) {
        _cleanup_free_ char *cont = NULL;
        size_t cont_len = 0;
        unsigned line = 0, cont_line = 0;
        size_t pos = 0;
        int r;

        if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                pos = 3;

        while (pos < size) {
                size_t len = 0;
                const char *start = text + pos;

                while (pos + len < size && !strchr("\n\r", start[len]) && start[len] != 0)
                        len++;
                pos += len;
                if (pos < size) {
                        if (text[pos] == '\r' && pos + 1 < size && text[pos + 1] == '\n')
                                pos++;
                        pos++;
                }
                line++;

                /* A comment line: '#' or ';' after optional whitespace. */
                size_t ws = 0;
                while (ws < len && strchr(WHITESPACE, start[ws]))
                        ws++;
                if (ws < len && (start[ws] == '#' || start[ws] == ';'))
                        continue;

                char *t = realloc(cont, cont_len + len + 1);
                if (!t)
                        return nb_error_set(p->err, ENOMEM, "read %s", p->s->path);
                cont = t;
                if (cont_len == 0)
                        cont_line = line;
                memcpy(cont + cont_len, start, len);
                cont_len += len;
                cont[cont_len] = 0;

                /* Odd number of trailing backslashes: continued. */
                size_t bs = 0;
                while (bs < len && start[len - 1 - bs] == '\\')
                        bs++;
                if (bs % 2 == 1) {
                        cont[cont_len - 1] = ' ';
                        continue;
                }

                r = parse_line(p, cont, cont_line);
                if (r < 0)
                        return r;
                cont_len = 0;
        }
        if (cont_len > 0)
                return parse_line(p, cont, cont_line);
        return 0;
}

int settings_parse_string(const char *text, size_t size, const char *path, struct settings **ret, struct nb_error *err) {
        _cleanup_(settings_freep) struct settings *s = NULL;
        struct nb_error local = {};
        struct parser p = { .section = SECTION_NONE, .err = err ? err : &local };
        int r;

        assert(text || size == 0);
        assert(ret);

        s = settings_new(path ? path : "(settings)");
        if (!s)
                return nb_error_set(err, ENOMEM, "parse %s", path);
        p.s = s;
        r = parse_text(&p, text, size);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

int settings_parse_fd(int fd, const char *path, struct settings **ret, struct nb_error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, cap = 0;

        for (;;) {
                if (size == cap) {
                        if (cap >= SETTINGS_FILE_MAX + 1)
                                return nb_error_set(err, 0, "%s: file larger than %u bytes, refusing", path, SETTINGS_FILE_MAX);
                        cap = cap ? cap * 2 : 16384;
                        if (cap > SETTINGS_FILE_MAX + 1)
                                cap = SETTINGS_FILE_MAX + 1;
                        char *t = realloc(buf, cap);
                        if (!t)
                                return nb_error_set(err, ENOMEM, "read %s", path);
                        buf = t;
                }
                ssize_t n = read(fd, buf + size, cap - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nb_error_set(err, errno, "read %s", path);
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        if (size > SETTINGS_FILE_MAX)
                return nb_error_set(err, 0, "%s: file larger than %u bytes, refusing", path, SETTINGS_FILE_MAX);
        return settings_parse_string(buf, size, path, ret, err);
}
