/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: custom mount specs (--bind=, Bind=, TemporaryFileSystem=,
 * Overlay=, ...). The grammar of each follows systemd-nspawn's (see parse-
 * mount.h). */
#include <assert.h>

#include "error.h"
#include "parse-util.h"

/* ---- paths and custom mounts ---- */

/* Collapses duplicate slashes, drops "." components and a trailing slash;
 * refuses ".." components (a destination must not climb). In place. */
static int path_normalize(char *path, bool allow_dotdot) {
        char *w = path;
        const char *r = path;

        while (*r) {
                if (*r == '/') {
                        r += strspn(r, "/");
                        *w++ = '/';
                        continue;
                }
                size_t len = strcspn(r, "/");
                if (len == 1 && r[0] == '.') {
                        r += 1;
                        r += strspn(r, "/");
                        continue;
                }
                if (len == 2 && r[0] == '.' && r[1] == '.' && !allow_dotdot)
                        return -EINVAL;
                memmove(w, r, len);
                w += len;
                r += len;
        }
        if (w > path + 1 && w[-1] == '/')
                w--;
        *w = 0;
        if (!*path)
                return -EINVAL;
        return 0;
}

/* nspawn's source_path_parse(): "+PATH" stays (relative to the image),
 * anything else is made absolute against the current directory. */
static int source_path(const char *p, char **ret) {
        char *s;

        if (isempty(p))
                return -EINVAL;
        if (p[0] == '+') {
                if (p[1] != '/')
                        return -EINVAL;
                s = strdup(p);
        } else if (p[0] == '/')
                s = strdup(p);
        else {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd)
                        return -errno;
                if (asprintf(&s, "%s/%s", cwd, p) < 0)
                        s = NULL;
        }
        if (!s)
                return -ENOMEM;
        if (path_normalize(s + (s[0] == '+'), true) < 0) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

static int dest_path(const char *p, char **ret) {
        char *s;

        if (isempty(p) || p[0] != '/')
                return -EINVAL;
        s = strdup(p);
        if (!s)
                return -ENOMEM;
        if (path_normalize(s, false) < 0) {
                free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

static int parse_bind_options(const char *opts, struct custom_mount *m) {
        const char *p = opts;

        for (;;) {
                _cleanup_free_ char *w = NULL;
                int r = extract_word(&p, &w, ",", 0);
                if (r < 0)
                        return r;
                if (r == 0)
                        return 0;
                if (streq(w, "rbind"))
                        m->recursive = true;
                else if (streq(w, "norbind"))
                        m->recursive = false;
                else if (streq(w, "idmap"))
                        m->idmap = IDMAP_IDMAP;
                else if (streq(w, "noidmap"))
                        m->idmap = IDMAP_NONE;
                else if (streq(w, "rootidmap"))
                        m->idmap = IDMAP_ROOT;
                else if (streq(w, "owneridmap"))
                        m->idmap = IDMAP_OWNER;
                else
                        return -EOPNOTSUPP;
        }
}

static int parse_bind(const char *spec, struct custom_mount *m, const char **bad) {
        _cleanup_free_ char *src = NULL, *dst = NULL;
        const char *p = spec;
        int r;

        r = extract_word(&p, &src, ":", WORD_DONT_COALESCE);
        if (r <= 0)
                return r < 0 ? r : -EINVAL;
        if (p) {
                r = extract_word(&p, &dst, ":", WORD_DONT_COALESCE);
                if (r < 0)
                        return r;
        } else {
                dst = strdup(src[0] == '+' ? src + 1 : src);
                if (!dst)
                        return -ENOMEM;
        }

        m->recursive = true;
        m->idmap = IDMAP_NONE;
        if (!isempty(p)) {
                r = parse_bind_options(p, m);
                if (r < 0) {
                        *bad = "options";
                        return r;
                }
        }

        if (isempty(src))
                m->source = strdup("");
        else if (source_path(src, &m->source) < 0) {
                *bad = "source";
                return -EINVAL;
        }
        if (!m->source)
                return -ENOMEM;
        if (dest_path(dst, &m->dest) < 0) {
                *bad = "destination";
                return -EINVAL;
        }
        return 0;
}

static int parse_tmpfs(const char *spec, struct custom_mount *m) {
        _cleanup_free_ char *path = NULL;
        const char *p = spec;
        int r;

        r = extract_word(&p, &path, ":", WORD_DONT_COALESCE);
        if (r <= 0)
                return r < 0 ? r : -EINVAL;
        m->options = strdup(isempty(p) ? "mode=0755" : p);
        if (!m->options)
                return -ENOMEM;
        return dest_path(path, &m->dest);
}

/* Escapes ':' and '\' so the element survives the ":"-joined overlay source. */
static int append_escaped(char **buf, size_t *len, const char *s, bool sep) {
        size_t need = strlen(s) * 2 + 2;
        char *t = realloc(*buf, *len + need + 1);

        if (!t)
                return -ENOMEM;
        *buf = t;
        if (sep)
                t[(*len)++] = ':';
        for (; *s; s++) {
                if (*s == ':' || *s == '\\')
                        t[(*len)++] = '\\';
                t[(*len)++] = *s;
        }
        t[*len] = 0;
        return 0;
}

static int parse_overlay(const char *spec, struct custom_mount *m) {
        _cleanup_free_ char *upper = NULL, *dst = NULL, *joined = NULL;
        char **parts = NULL;
        size_t n = 0, len = 0;
        const char *p = spec;
        int r;

        for (;;) {
                char *w;
                r = extract_word(&p, &w, ":", WORD_DONT_COALESCE);
                if (r < 0)
                        goto out;
                if (r == 0)
                        break;
                r = strv_consume(&parts, &n, w);
                if (r < 0)
                        goto out;
        }
        r = -EINVAL;
        if (n < 2)
                goto out;

        size_t n_lower;
        if (n == 2) {
                /* LOWER:UPPER, mounted on UPPER (without its "+"). */
                n_lower = 1;
                if (source_path(parts[1], &upper) < 0)
                        goto out;
                if (dest_path(upper + (upper[0] == '+'), &dst) < 0)
                        goto out;
        } else {
                n_lower = n - 2;
                if (isempty(parts[n - 2]))
                        upper = strdup("");
                else if (source_path(parts[n - 2], &upper) < 0)
                        goto out;
                if (!upper) {
                        r = -ENOMEM;
                        goto out;
                }
                if (dest_path(parts[n - 1], &dst) < 0)
                        goto out;
        }
        for (size_t i = 0; i < n_lower; i++) {
                _cleanup_free_ char *l = NULL;
                if (source_path(parts[i], &l) < 0)
                        goto out;
                r = append_escaped(&joined, &len, l, i > 0);
                if (r < 0)
                        goto out;
                r = -EINVAL;
        }
        r = append_escaped(&joined, &len, upper, true);
        if (r < 0)
                goto out;
        m->source = TAKE_PTR(joined);
        m->dest = TAKE_PTR(dst);
        r = 0;
out:
        strv_free(parts);
        return r;
}

int custom_mount_overlay_layers(const struct custom_mount *m, char ***lower, size_t *n_lower, char **upper) {
        _cleanup_strv_free_ char **parts = NULL;
        size_t n = 0;
        const char *p = m->source;
        int r;

        for (;;) {
                char *w;
                r = extract_word(&p, &w, ":", WORD_DONT_COALESCE);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_consume(&parts, &n, w);
                if (r < 0)
                        return r;
        }
        if (n < 2)
                return -EINVAL;
        *upper = parts[n - 1];
        parts[n - 1] = NULL;
        *lower = TAKE_PTR(parts);
        *n_lower = n - 1;
        return 0;
}

int parse_custom_mount(enum custom_mount_type t, const char *spec, struct custom_mount *out, struct nb_error *err) {
        static const char *const what[] = {
                [MOUNT_BIND] = "bind mount",       [MOUNT_BIND_RO] = "read-only bind mount",
                [MOUNT_TMPFS] = "tmpfs mount",     [MOUNT_INACCESSIBLE] = "inaccessible path",
                [MOUNT_OVERLAY] = "overlay mount", [MOUNT_OVERLAY_RO] = "read-only overlay mount",
        };
        struct custom_mount m = { .type = t, .recursive = true };
        const char *bad = NULL, *expected = NULL;
        int r;

        assert(spec);

        switch (t) {
        case MOUNT_BIND:
        case MOUNT_BIND_RO:
                r = parse_bind(spec, &m, &bad);
                expected = "SOURCE[:DESTINATION[:OPTIONS]] with an absolute destination and options from "
                           "rbind, norbind, idmap, noidmap, rootidmap, owneridmap";
                break;
        case MOUNT_TMPFS:
                r = parse_tmpfs(spec, &m);
                expected = "an absolute PATH[:OPTIONS]";
                break;
        case MOUNT_INACCESSIBLE:
                r = dest_path(spec, &m.dest);
                expected = "an absolute path";
                break;
        case MOUNT_OVERLAY:
        case MOUNT_OVERLAY_RO:
                r = parse_overlay(spec, &m);
                expected = "LOWER:UPPER or LOWER[:LOWER...]:UPPER:DESTINATION with absolute paths";
                break;
        default:
                assert(!"bad custom mount type");
                r = -EINVAL;
        }
        if (r < 0) {
                custom_mount_free(&m);
                if (r == -ENOMEM)
                        return nb_error_set(err, ENOMEM, "parse %s \"%s\"", what[t], spec);
                if (bad && streq(bad, "options"))
                        return nb_error_set(err, 0, "invalid %s \"%s\": unknown mount option; expected %s", what[t], spec,
                                            expected);
                return nb_error_set(err, 0, "invalid %s \"%s\"%s%s: expected %s", what[t], spec, bad ? ": bad " : "",
                                    bad ? bad : "", expected);
        }
        *out = m;
        return 0;
}

void custom_mount_free(struct custom_mount *m) {
        if (!m)
                return;
        free(m->source);
        free(m->dest);
        free(m->options);
        m->source = m->dest = m->options = NULL;
}

int custom_mount_copy(const struct custom_mount *src, struct custom_mount *dst) {
        struct custom_mount m = *src;

        m.source = src->source ? strdup(src->source) : NULL;
        m.dest = src->dest ? strdup(src->dest) : NULL;
        m.options = src->options ? strdup(src->options) : NULL;
        if ((src->source && !m.source) || (src->dest && !m.dest) || (src->options && !m.options)) {
                custom_mount_free(&m);
                return -ENOMEM;
        }
        *dst = m;
        return 0;
}

static void escape_colons(FILE *f, const char *s) {
        for (; *s; s++) {
                if (*s == ':' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
}

char *custom_mount_to_string(const struct custom_mount *m) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        switch (m->type) {
        case MOUNT_BIND:
        case MOUNT_BIND_RO:
                escape_colons(f, m->source ? m->source : "");
                fputc(':', f);
                escape_colons(f, m->dest);
                if (!m->recursive || m->idmap != IDMAP_NONE) {
                        fprintf(f, ":%s", m->recursive ? "rbind" : "norbind");
                        if (m->idmap != IDMAP_NONE)
                                fprintf(f, ",%s", idmap_mode_to_string(m->idmap));
                }
                break;
        case MOUNT_TMPFS:
                escape_colons(f, m->dest);
                if (m->options)
                        fprintf(f, ":%s", m->options);
                break;
        case MOUNT_INACCESSIBLE:
                fputs(m->dest, f);
                break;
        case MOUNT_OVERLAY:
        case MOUNT_OVERLAY_RO:
                fprintf(f, "%s:", m->source);
                escape_colons(f, m->dest);
                break;
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

const char *custom_mount_type_to_option(enum custom_mount_type t) {
        switch (t) {
        case MOUNT_BIND:
                return "--bind";
        case MOUNT_BIND_RO:
                return "--bind-ro";
        case MOUNT_TMPFS:
                return "--tmpfs";
        case MOUNT_INACCESSIBLE:
                return "--inaccessible";
        case MOUNT_OVERLAY:
                return "--overlay";
        case MOUNT_OVERLAY_RO:
                return "--overlay-ro";
        }
        return "?";
}
