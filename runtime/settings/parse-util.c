/* Value parsers shared by the command line and the settings file; the
 * grammar of each follows systemd-nspawn's (see parse-util.h). */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>

#include "error.h"
#include "parse-util.h"

#define WHITESPACE " \t\n\r"

/* ---- small helpers ---- */

static bool isempty(const char *s) {
        return !s || !*s;
}

/* Parses an unsigned decimal number made of digits only (no sign, no
 * spaces), as systemd's safe_atou does minus its leniency. */
static int parse_u64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (isempty(s))
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t) (*p - '0'), &v))
                        return -ERANGE;
        }
        *ret = v;
        return 0;
}

static int parse_int_range(const char *s, long min, long max, long *ret) {
        bool neg = false;
        uint64_t u;
        int r;

        if (isempty(s))
                return -EINVAL;
        if (*s == '-' || *s == '+') {
                neg = *s == '-';
                s++;
        }
        r = parse_u64(s, &u);
        if (r < 0)
                return r;
        if (u > (uint64_t) LONG_MAX)
                return -ERANGE;
        long v = neg ? -(long) u : (long) u;
        if (v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

/* ---- words ---- */

int extract_word(const char **p, char **ret, const char *separators, unsigned flags) {
        _cleanup_free_ char *s = NULL;
        size_t sz = 0, cap = 0;
        char quote = 0;
        const char *c;

        assert(p);
        assert(ret);

        *ret = NULL;
        if (!*p)
                return 0;
        if (!separators)
                separators = WHITESPACE;
        c = *p;

        /* Grows s so that n more bytes and a NUL fit. */
#define RESERVE(n) do {                                                          \
                if (sz + (n) + 1 > cap) {                                        \
                        size_t _c = (sz + (n) + 1) * 2;                          \
                        char *_t = realloc(s, _c);                               \
                        if (!_t)                                                 \
                                return -ENOMEM;                                  \
                        s = _t;                                                  \
                        cap = _c;                                                \
                }                                                                \
        } while (0)

        if (flags & WORD_DONT_COALESCE)
                RESERVE(0);

        /* Leading separators: skipped, or (not coalescing) an empty word. */
        for (;; c++) {
                if (*c == 0) {
                        *p = NULL;
                        goto done;
                }
                if (strchr(separators, *c)) {
                        if (flags & WORD_DONT_COALESCE) {
                                *p = c + 1;
                                goto done;
                        }
                        continue;
                }
                RESERVE(0);
                break;
        }

        for (;; c++) {
                if (quote) {
                        if (*c == 0)
                                return -EINVAL;
                        if (*c == quote) {
                                quote = 0;
                                continue;
                        }
                        if (*c == '\\' && !(flags & WORD_RETAIN_ESCAPE)) {
                                c++;
                                if (*c == 0)
                                        return -EINVAL;
                        }
                        RESERVE(1);
                        s[sz++] = *c;
                        continue;
                }
                if (*c == 0) {
                        *p = NULL;
                        goto done;
                }
                if ((*c == '\'' || *c == '"') && (flags & WORD_UNQUOTE)) {
                        quote = *c;
                        continue;
                }
                if (*c == '\\' && !(flags & WORD_RETAIN_ESCAPE)) {
                        c++;
                        if (*c == 0)
                                return -EINVAL;
                        RESERVE(1);
                        s[sz++] = *c;
                        continue;
                }
                if (strchr(separators, *c)) {
                        c++;
                        if (!(flags & WORD_DONT_COALESCE)) {
                                c += strspn(c, separators);
                                if (*c == 0)
                                        c = NULL;
                        }
                        *p = c;
                        goto done;
                }
                RESERVE(1);
                s[sz++] = *c;
        }
#undef RESERVE

done:
        if (!s)
                return 0;
        s[sz] = 0;
        *ret = TAKE_PTR(s);
        return 1;
}

int strv_consume(char ***v, size_t *n, char *s) {
        char **t;

        if (!s)
                return -ENOMEM;
        t = realloc(*v, (*n + 2) * sizeof(char *));
        if (!t) {
                free(s);
                return -ENOMEM;
        }
        t[(*n)++] = s;
        t[*n] = NULL;
        *v = t;
        return 0;
}

int strv_push(char ***v, size_t *n, const char *s) {
        return strv_consume(v, n, strdup(s));
}

static int split_words(const char *s, unsigned flags, char ***words, size_t *n) {
        _cleanup_strv_free_ char **v = NULL;
        size_t k = 0;
        const char *p = s;
        int r;

        for (;;) {
                char *w;

                r = extract_word(&p, &w, NULL, flags);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                r = strv_consume(&v, &k, w);
                if (r < 0)
                        return r;
        }
        if (!v) {
                v = calloc(1, sizeof(char *));
                if (!v)
                        return -ENOMEM;
        }
        *words = TAKE_PTR(v);
        *n = k;
        return 0;
}

int parse_words(const char *s, char ***words, size_t *n, struct nb_error *err) {
        int r = split_words(s, WORD_UNQUOTE | WORD_RETAIN_ESCAPE, words, n);
        if (r == -EINVAL)
                return nb_error_set(err, 0, "unbalanced quoting in \"%s\"", s);
        if (r < 0)
                return nb_error_set(err, r, "split \"%s\"", s);
        return 0;
}

int split_whitespace(const char *s, char ***words, size_t *n) {
        return split_words(s, WORD_RETAIN_ESCAPE, words, n);
}

int parse_env_assignment(const char *s) {
        const char *eq;

        if (!s)
                return -EINVAL;
        eq = strchr(s, '=');
        if (!eq || eq == s)
                return -EINVAL;
        /* systemd's env_name_is_valid(): a shell variable name. */
        if (s[0] >= '0' && s[0] <= '9')
                return -EINVAL;
        for (const char *p = s; p < eq; p++)
                if (!(isascii(*p) && (isalnum(*p) || *p == '_')))
                        return -EINVAL;
        /* Control characters other than tab and newline make no sense in
         * an environment value (systemd's env_value_is_valid). */
        for (const char *p = eq + 1; *p; p++)
                if ((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n')
                        return -EINVAL;
        return 0;
}

/* ---- signals ---- */

static const char *const signal_names[] = {
        [SIGHUP] = "HUP",     [SIGINT] = "INT",       [SIGQUIT] = "QUIT",   [SIGILL] = "ILL",
        [SIGTRAP] = "TRAP",   [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",     [SIGFPE] = "FPE",
        [SIGKILL] = "KILL",   [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV",   [SIGUSR2] = "USR2",
        [SIGPIPE] = "PIPE",   [SIGALRM] = "ALRM",     [SIGTERM] = "TERM",   [SIGSTKFLT] = "STKFLT",
        [SIGCHLD] = "CHLD",   [SIGCONT] = "CONT",     [SIGSTOP] = "STOP",   [SIGTSTP] = "TSTP",
        [SIGTTIN] = "TTIN",   [SIGTTOU] = "TTOU",     [SIGURG] = "URG",     [SIGXCPU] = "XCPU",
        [SIGXFSZ] = "XFSZ",   [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",   [SIGWINCH] = "WINCH",
        [SIGIO] = "IO",       [SIGPWR] = "PWR",       [SIGSYS] = "SYS",
};

int parse_signal(const char *s) {
        uint64_t u;
        long off;

        if (isempty(s))
                return -EINVAL;
        if (parse_u64(s, &u) == 0)
                return u >= 1 && u <= SD_SIGRTMAX ? (int) u : -EINVAL;

        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;

        if (strncasecmp(s, "RTMIN", 5) == 0) {
                if (s[5] == 0)
                        return SD_SIGRTMIN;
                if (s[5] != '+' || parse_int_range(s + 6, 0, SD_SIGRTMAX - SD_SIGRTMIN, &off) < 0 || s[6] == '+' || s[6] == '-')
                        return -EINVAL;
                return SD_SIGRTMIN + (int) off;
        }
        if (strncasecmp(s, "RTMAX", 5) == 0) {
                if (s[5] == 0)
                        return SD_SIGRTMAX;
                if (s[5] != '-' || parse_int_range(s + 6, 0, SD_SIGRTMAX - SD_SIGRTMIN, &off) < 0 || s[6] == '+' || s[6] == '-')
                        return -EINVAL;
                return SD_SIGRTMAX - (int) off;
        }
        for (size_t i = 1; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && strcasecmp(s, signal_names[i]) == 0)
                        return (int) i;
        /* Aliases glibc also knows. */
        if (strcasecmp(s, "IOT") == 0)
                return SIGABRT;
        if (strcasecmp(s, "CLD") == 0)
                return SIGCHLD;
        if (strcasecmp(s, "POLL") == 0)
                return SIGIO;
        return -EINVAL;
}

const char *signal_to_string(int sig, char *buf, size_t size) {
        if (sig > 0 && (size_t) sig < ELEMENTSOF(signal_names) && signal_names[sig])
                snprintf(buf, size, "SIG%s", signal_names[sig]);
        else if (sig >= SD_SIGRTMIN && sig <= SD_SIGRTMAX)
                snprintf(buf, size, sig == SD_SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+%d", sig - SD_SIGRTMIN);
        else
                snprintf(buf, size, "%d", sig);
        return buf;
}

/* ---- ports ---- */

static int parse_ip_port(const char *s, uint16_t *ret) {
        uint64_t u;

        if (parse_u64(s, &u) < 0 || u == 0 || u > 65535)
                return -EINVAL;
        *ret = (uint16_t) u;
        return 0;
}

int parse_port_forward(const char *s, struct port_forward *out, struct nb_error *err) {
        struct port_forward p = { .protocol = IPPROTO_TCP };
        const char *e = s, *colon;

        assert(s);

        if (startswith(s, "tcp:"))
                e = s + 4;
        else if (startswith(s, "udp:")) {
                e = s + 4;
                p.protocol = IPPROTO_UDP;
        }

        colon = strchr(e, ':');
        if (colon) {
                _cleanup_free_ char *host = strndup(e, (size_t) (colon - e));
                if (!host)
                        return nb_error_set(err, ENOMEM, "parse port \"%s\"", s);
                if (parse_ip_port(host, &p.host_port) < 0 || parse_ip_port(colon + 1, &p.container_port) < 0)
                        goto invalid;
        } else {
                if (parse_ip_port(e, &p.host_port) < 0)
                        goto invalid;
                p.container_port = p.host_port;
        }
        *out = p;
        return 0;

invalid:
        return nb_error_set(err, 0, "invalid port forwarding \"%s\": expected [tcp:|udp:]HOSTPORT[:CONTAINERPORT] with ports 1-65535", s);
}

int port_forward_find(const struct port_forward *list, size_t n, const struct port_forward *p) {
        for (size_t i = 0; i < n; i++)
                if (list[i].protocol == p->protocol && list[i].host_port == p->host_port)
                        return (int) i;
        return -1;
}

const char *port_forward_to_string(const struct port_forward *p, char *buf, size_t size) {
        snprintf(buf, size, "%s:%u:%u", p->protocol == IPPROTO_UDP ? "udp" : "tcp", p->host_port, p->container_port);
        return buf;
}

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
                [MOUNT_BIND] = "bind mount", [MOUNT_BIND_RO] = "read-only bind mount", [MOUNT_TMPFS] = "tmpfs mount",
                [MOUNT_INACCESSIBLE] = "inaccessible path", [MOUNT_OVERLAY] = "overlay mount",
                [MOUNT_OVERLAY_RO] = "read-only overlay mount",
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
                        return nb_error_set(err, 0, "invalid %s \"%s\": unknown mount option; expected %s", what[t], spec, expected);
                return nb_error_set(err, 0, "invalid %s \"%s\"%s%s: expected %s", what[t], spec,
                                    bad ? ": bad " : "", bad ? bad : "", expected);
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
        case MOUNT_BIND:         return "--bind";
        case MOUNT_BIND_RO:      return "--bind-ro";
        case MOUNT_TMPFS:        return "--tmpfs";
        case MOUNT_INACCESSIBLE: return "--inaccessible";
        case MOUNT_OVERLAY:      return "--overlay";
        case MOUNT_OVERLAY_RO:   return "--overlay-ro";
        }
        return "?";
}

/* ---- sizes, percentages, limits ---- */

int parse_size(const char *s, uint64_t *bytes) {
        static const struct { char c; unsigned shift; } suffixes[] = {
                { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 }, { 'E', 60 },
        };
        uint64_t whole = 0, frac = 0, frac_div = 1, mult = 1, v;
        const char *p = s;

        if (isempty(s) || !isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++)
                if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, (uint64_t) (*p - '0'), &whole))
                        return -ERANGE;
        if (*p == '.') {
                p++;
                if (!isdigit((unsigned char) *p))
                        return -EINVAL;
                for (; isdigit((unsigned char) *p); p++)
                        if (frac_div < UINT64_C(1000000000000)) {   /* more digits add nothing */
                                frac = frac * 10 + (uint64_t) (*p - '0');
                                frac_div *= 10;
                        }
        }
        if (*p) {
                size_t i;
                for (i = 0; i < ELEMENTSOF(suffixes); i++)
                        if (toupper((unsigned char) *p) == suffixes[i].c)
                                break;
                if (i < ELEMENTSOF(suffixes)) {
                        mult = UINT64_C(1) << suffixes[i].shift;
                        p++;
                }
                if (*p == 'B' || (*p == 'b' && mult > 1))
                        p++;
                if (*p)
                        return -EINVAL;
        }
        if (frac && mult == 1)
                return -EINVAL;   /* a fraction of a byte */
        if (__builtin_mul_overflow(whole, mult, &v))
                return -ERANGE;
        /* frac/frac_div * mult, without overflowing: mult is a power of two
         * up to 2^60 and frac_div at most 10^12. */
        uint64_t extra = (uint64_t) ((long double) frac / (long double) frac_div * (long double) mult);
        if (__builtin_add_overflow(v, extra, &v))
                return -ERANGE;
        *bytes = v;
        return 0;
}

int parse_permyriad(const char *s) {
        uint64_t whole = 0, frac = 0;
        const char *p = s;
        int digits = 0;

        if (isempty(s) || !isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                whole = whole * 10 + (uint64_t) (*p - '0');
                if (whole > 100000)
                        return -ERANGE;
        }
        if (*p == '.') {
                p++;
                for (; isdigit((unsigned char) *p); p++, digits++) {
                        if (digits >= 2)
                                return -EINVAL;
                        frac = frac * 10 + (uint64_t) (*p - '0');
                }
                if (digits == 0)
                        return -EINVAL;
                if (digits == 1)
                        frac *= 10;
        }
        if (!streq(p, "%"))
                return -EINVAL;
        uint64_t v = whole * 100 + frac;
        if (v > INT_MAX)
                return -ERANGE;
        return (int) v;
}

static uint64_t physical_memory(void) {
        long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

        if (pages <= 0 || size <= 0)
                return UINT64_MAX;
        return (uint64_t) pages * (uint64_t) size;
}

static uint64_t read_proc_u64(const char *path) {
        uint64_t v = UINT64_MAX;
        FILE *f = fopen(path, "re");

        if (f) {
                if (fscanf(f, "%" SCNu64, &v) != 1)
                        v = UINT64_MAX;
                fclose(f);
        }
        return v;
}

/* systemd's system_tasks_max(): the smaller of pid_max - 1 and threads-max. */
static uint64_t system_tasks_max(void) {
        uint64_t a = read_proc_u64("/proc/sys/kernel/pid_max"), b = read_proc_u64("/proc/sys/kernel/threads-max");

        if (a != UINT64_MAX && a > 0)
                a--;
        if (a == UINT64_MAX && b == UINT64_MAX)
                return 4194303;
        return a < b ? a : b;
}

static uint64_t scale(uint64_t total, int permyriad) {
        return (uint64_t) ((long double) total * permyriad / 10000);
}

int parse_memory_limit(const char *s, uint64_t *bytes, struct nb_error *err) {
        uint64_t v;
        int p;

        if (streq(s, "infinity")) {
                *bytes = UINT64_MAX;
                return 0;
        }
        p = parse_permyriad(s);
        if (p >= 0) {
                if (p > 10000)
                        return nb_error_set(err, 0, "memory limit \"%s\" above 100%%", s);
                v = scale(physical_memory(), p);
        } else if (parse_size(s, &v) < 0)
                return nb_error_set(err, 0, "invalid memory limit \"%s\": expected bytes with an optional K, M, G or T suffix, a percentage or \"infinity\"", s);
        if (v == 0 || v == UINT64_MAX)
                return nb_error_set(err, 0, "memory limit \"%s\" out of range", s);
        *bytes = v;
        return 0;
}

int parse_tasks_max(const char *s, uint64_t *tasks, struct nb_error *err) {
        uint64_t v;
        int p;

        if (streq(s, "infinity")) {
                *tasks = UINT64_MAX;
                return 0;
        }
        p = parse_permyriad(s);
        if (p >= 0) {
                if (p > 10000)
                        return nb_error_set(err, 0, "tasks limit \"%s\" above 100%%", s);
                v = scale(system_tasks_max(), p);
        } else if (parse_u64(s, &v) < 0)
                return nb_error_set(err, 0, "invalid tasks limit \"%s\": expected a number, a percentage or \"infinity\"", s);
        if (v == 0 || v == UINT64_MAX)
                return nb_error_set(err, 0, "tasks limit \"%s\" out of range", s);
        *tasks = v;
        return 0;
}

int parse_cpu_quota(const char *s, uint64_t *usec_per_period, struct nb_error *err) {
        int p = parse_permyriad(s);

        if (p <= 0)
                return nb_error_set(err, 0, "invalid CPU quota \"%s\": expected a percentage above 0%%, like 50%% or 200%%", s);
        /* 1% = 1000 us of the 100000 us period. */
        *usec_per_period = (uint64_t) p * 10;
        return 0;
}

int parse_weight(const char *s, uint64_t *weight, struct nb_error *err) {
        uint64_t v;

        if (parse_u64(s, &v) < 0 || v < 1 || v > 10000)
                return nb_error_set(err, 0, "invalid weight \"%s\": expected a number from 1 to 10000", s);
        *weight = v;
        return 0;
}

/* ---- rlimits ---- */

static const char *const rlimit_names[RLIM_NLIMITS] = {
        [RLIMIT_CPU] = "CPU",         [RLIMIT_FSIZE] = "FSIZE",         [RLIMIT_DATA] = "DATA",
        [RLIMIT_STACK] = "STACK",     [RLIMIT_CORE] = "CORE",           [RLIMIT_RSS] = "RSS",
        [RLIMIT_NOFILE] = "NOFILE",   [RLIMIT_AS] = "AS",               [RLIMIT_NPROC] = "NPROC",
        [RLIMIT_MEMLOCK] = "MEMLOCK", [RLIMIT_LOCKS] = "LOCKS",         [RLIMIT_SIGPENDING] = "SIGPENDING",
        [RLIMIT_MSGQUEUE] = "MSGQUEUE", [RLIMIT_NICE] = "NICE",         [RLIMIT_RTPRIO] = "RTPRIO",
        [RLIMIT_RTTIME] = "RTTIME",
};

int rlimit_from_name(const char *name) {
        if (!name)
                return -EINVAL;
        if (strncasecmp(name, "RLIMIT_", 7) == 0)
                name += 7;
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (rlimit_names[i] && strcasecmp(name, rlimit_names[i]) == 0)
                        return i;
        return -EINVAL;
}

const char *rlimit_to_name(int resource) {
        if (resource < 0 || resource >= RLIM_NLIMITS)
                return NULL;
        return rlimit_names[resource];
}

/* One rlimit value. Byte-sized limits take size suffixes, time limits
 * take s/min/h (CPU, seconds) or us/ms/s (RTTIME, microseconds), NICE
 * takes a signed nice value -20..19 (mapped to 20 - nice) or the raw 0..40. */
static int parse_rlimit_one(int resource, const char *s, rlim_t *ret) {
        uint64_t v;

        if (streq(s, "infinity")) {
                *ret = RLIM_INFINITY;
                return 0;
        }
        switch (resource) {
        case RLIMIT_FSIZE: case RLIMIT_DATA: case RLIMIT_STACK: case RLIMIT_CORE:
        case RLIMIT_RSS: case RLIMIT_AS: case RLIMIT_MEMLOCK: case RLIMIT_MSGQUEUE:
                if (parse_size(s, &v) < 0)
                        return -EINVAL;
                break;
        case RLIMIT_CPU:
        case RLIMIT_RTTIME: {
                static const struct { const char *suffix; uint64_t usec; } units[] = {
                        { "us", 1 }, { "ms", 1000 }, { "s", 1000000 }, { "sec", 1000000 },
                        { "min", 60000000 }, { "m", 60000000 }, { "h", 3600000000ULL }, { "d", 86400000000ULL },
                };
                size_t digits = strspn(s, "0123456789");
                uint64_t unit = resource == RLIMIT_CPU ? 1000000 : 1;
                _cleanup_free_ char *num = strndup(s, digits);

                if (!num)
                        return -ENOMEM;
                if (parse_u64(num, &v) < 0)
                        return -EINVAL;
                if (s[digits]) {
                        size_t i;
                        for (i = 0; i < ELEMENTSOF(units); i++)
                                if (streq(s + digits, units[i].suffix))
                                        break;
                        if (i == ELEMENTSOF(units))
                                return -EINVAL;
                        if (__builtin_mul_overflow(v, units[i].usec, &v))
                                return -ERANGE;
                        /* CPU is in seconds: round up so "500ms" is not 0. */
                        v = resource == RLIMIT_CPU ? (v + unit - 1) / unit : v;
                }
                break;
        }
        case RLIMIT_NICE:
                if (s[0] == '-' || s[0] == '+') {
                        long nice;
                        if (parse_int_range(s, -20, 19, &nice) < 0)
                                return -EINVAL;
                        v = (uint64_t) (20 - nice);
                } else if (parse_u64(s, &v) < 0 || v > 40)
                        return -EINVAL;
                break;
        default:
                if (parse_u64(s, &v) < 0)
                        return -EINVAL;
        }
        if (v >= (uint64_t) RLIM_INFINITY)
                return -ERANGE;
        *ret = (rlim_t) v;
        return 0;
}

static int parse_rlimit_for(int resource, const char *s, struct rlimit *rl, struct nb_error *err) {
        struct rlimit l;
        const char *colon = strchr(s, ':');
        int r;

        if (colon) {
                _cleanup_free_ char *soft = strndup(s, (size_t) (colon - s));
                if (!soft)
                        return nb_error_set(err, ENOMEM, "parse limit");
                r = parse_rlimit_one(resource, soft, &l.rlim_cur);
                if (r >= 0)
                        r = parse_rlimit_one(resource, colon + 1, &l.rlim_max);
        } else {
                r = parse_rlimit_one(resource, s, &l.rlim_cur);
                l.rlim_max = l.rlim_cur;
        }
        if (r < 0)
                return nb_error_set(err, 0, "invalid %s limit \"%s\": expected SOFT[:HARD], each a number or \"infinity\"",
                                    rlimit_to_name(resource), s);
        if (l.rlim_cur > l.rlim_max)
                return nb_error_set(err, 0, "invalid %s limit \"%s\": soft limit above hard limit", rlimit_to_name(resource), s);
        *rl = l;
        return 0;
}

int parse_rlimit_value(int resource, const char *s, struct rlimit *rl, struct nb_error *err) {
        assert(rlimit_to_name(resource));
        return parse_rlimit_for(resource, s, rl, err);
}

int parse_rlimit(const char *name_eq_value, int *resource, struct rlimit *rl, struct nb_error *err) {
        const char *eq = strchr(name_eq_value, '=');
        _cleanup_free_ char *name = NULL;
        int res, r;

        if (!eq)
                return nb_error_set(err, 0, "invalid resource limit \"%s\": expected LIMIT=SOFT[:HARD]", name_eq_value);
        name = strndup(name_eq_value, (size_t) (eq - name_eq_value));
        if (!name)
                return nb_error_set(err, ENOMEM, "parse limit");
        res = rlimit_from_name(name);
        if (res < 0)
                return nb_error_set(err, 0, "unknown resource limit \"%s\": expected one of CPU FSIZE DATA STACK CORE RSS "
                                    "NOFILE AS NPROC MEMLOCK LOCKS SIGPENDING MSGQUEUE NICE RTPRIO RTTIME", name);
        r = parse_rlimit_for(res, eq + 1, rl, err);
        if (r < 0)
                return r;
        *resource = res;
        return 0;
}

/* ---- addresses, users, names, IDs ---- */

int parse_address(const char *s, struct address *out) {
        struct address a = {};
        _cleanup_free_ char *host = NULL;
        const char *slash;

        if (isempty(s))
                return -EINVAL;
        slash = strchr(s, '/');
        host = slash ? strndup(s, (size_t) (slash - s)) : strdup(s);
        if (!host)
                return -ENOMEM;
        if (inet_pton(AF_INET, host, a.addr) == 1) {
                a.family = AF_INET;
                a.prefixlen = 32;
        } else if (inet_pton(AF_INET6, host, a.addr) == 1) {
                a.family = AF_INET6;
                a.prefixlen = 128;
        } else
                return -EINVAL;
        if (slash) {
                uint64_t p;
                if (parse_u64(slash + 1, &p) < 0 || p > a.prefixlen)
                        return -EINVAL;
                a.prefixlen = (unsigned) p;
        }
        *out = a;
        return 0;
}

const char *address_to_string(const struct address *a, char *buf, size_t size) {
        char tmp[INET6_ADDRSTRLEN];

        if (!inet_ntop(a->family, a->addr, tmp, sizeof(tmp)))
                snprintf(tmp, sizeof(tmp), "?");
        snprintf(buf, size, "%s/%u", tmp, a->prefixlen);
        return buf;
}

int parse_private_users(const char *s, struct options *o, struct nb_error *err) {
        bool digits_only = !isempty(s) && strspn(s, "0123456789") == strlen(s);
        int b = digits_only ? -EINVAL : parse_boolean(s);

        if (b == 0) {
                o->private_users = PRIVATE_USERS_NO;
                o->uid_range = 0x10000;
        } else if (b > 0) {
                o->private_users = PRIVATE_USERS_YES;
                o->uid_range = 0x10000;
        } else if (streq(s, "pick")) {
                o->private_users = PRIVATE_USERS_PICK;
                o->uid_range = 0x10000;
        } else if (streq(s, "identity")) {
                o->private_users = PRIVATE_USERS_IDENTITY;
                o->uid_shift = 0;
                o->uid_range = 0x10000;
        } else if (streq(s, "managed")) {
                return nb_error_set(err, EOPNOTSUPP, "private users mode \"managed\" (systemd-nsresourced) is not supported");
        } else {
                const char *colon = strchr(s, ':');
                _cleanup_free_ char *base = colon ? strndup(s, (size_t) (colon - s)) : strdup(s);
                uint64_t shift, range = 0x10000;

                if (!base)
                        return nb_error_set(err, ENOMEM, "parse private users");
                if (parse_u64(base, &shift) < 0 || (colon && parse_u64(colon + 1, &range) < 0))
                        return nb_error_set(err, 0, "invalid private users setting \"%s\": expected yes, no, pick, identity or UIDBASE[:NUIDS]", s);
                /* nspawn's userns_shift_range_valid(): non-empty, within uid_t, not touching (uid_t) -1. */
                if (range == 0 || shift >= UINT32_MAX || range >= UINT32_MAX || shift + range > UINT32_MAX)
                        return nb_error_set(err, 0, "invalid private users range \"%s\": empty or beyond %u", s, UINT32_MAX);
                o->private_users = PRIVATE_USERS_FIXED;
                o->uid_shift = (uid_t) shift;
                o->uid_range = (uid_t) range;
        }
        return 0;
}

bool ifname_valid(const char *s) {
        size_t n = 0;
        bool digits = true;

        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++, n++) {
                unsigned char c = (unsigned char) *p;
                if (c <= 32 || c >= 127 || c == ':' || c == '/' || c == '%')
                        return false;
                if (!isdigit(c))
                        digits = false;
        }
        return n <= 15 && !digits;
}

bool zone_name_valid(const char *s) {
        char buf[32];

        if (isempty(s) || strlen(s) > 16)
                return false;
        snprintf(buf, sizeof(buf), "vz-%s", s);
        return ifname_valid(buf);
}

int parse_iface_pair(const char *s, const char *prefix, struct iface_pair *out, struct nb_error *err) {
        _cleanup_free_ char *host = NULL;
        const char *p = s;
        struct iface_pair pair = {};
        int r;

        r = extract_word(&p, &host, ":", WORD_DONT_COALESCE);
        if (r == -ENOMEM)
                return nb_error_set(err, ENOMEM, "parse interface");
        if (r <= 0 || !ifname_valid(host))
                return nb_error_set(err, 0, "invalid interface name in \"%s\": expected HOST[:CONTAINER] interface names", s);
        if (!isempty(p)) {
                if (!ifname_valid(p))
                        return nb_error_set(err, 0, "invalid interface name \"%s\" in \"%s\": expected HOST[:CONTAINER] interface names", p, s);
                pair.container = strdup(p);
        } else if (prefix) {
                if (asprintf(&pair.container, "%s%s", prefix, host) < 0)
                        pair.container = NULL;
        } else
                pair.container = strdup(host);
        if (!pair.container)
                return nb_error_set(err, ENOMEM, "parse interface");
        pair.host = TAKE_PTR(host);
        *out = pair;
        return 0;
}

int parse_iface_pair_list(const char *s, const char *prefix, struct iface_pair **list, size_t *n,
                          struct nb_error *err) {
        const char *p = s;

        for (;;) {
                _cleanup_free_ char *w = NULL;
                struct iface_pair pair, *t;
                int r = extract_word(&p, &w, NULL, 0);

                if (r == -ENOMEM)
                        return nb_error_set(err, ENOMEM, "parse interfaces");
                if (r < 0)
                        return nb_error_set(err, 0, "invalid interface list \"%s\"", s);
                if (r == 0)
                        return 0;
                r = parse_iface_pair(w, prefix, &pair, err);
                if (r < 0)
                        return r;
                t = realloc(*list, (*n + 1) * sizeof(**list));
                if (!t) {
                        iface_pair_free(&pair);
                        return nb_error_set(err, ENOMEM, "parse interfaces");
                }
                t[(*n)++] = pair;
                *list = t;
        }
}

void iface_pair_free(struct iface_pair *p) {
        if (!p)
                return;
        free(p->host);
        free(p->container);
        p->host = p->container = NULL;
}

void iface_pair_list_free(struct iface_pair **list, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                iface_pair_free(&(*list)[i]);
        free(*list);
        *list = NULL;
        *n = 0;
}

bool hostname_valid(const char *s) {
        bool dot = true;   /* at the start, like after a dot: no dot may follow */
        size_t n = 0;

        if (isempty(s))
                return false;
        for (const char *p = s; *p; p++, n++) {
                if (*p == '.') {
                        if (dot)
                                return false;
                        dot = true;
                } else {
                        if (!(isascii(*p) && (isalnum(*p) || *p == '-' || *p == '_')))
                                return false;
                        dot = false;
                }
        }
        return !dot && n <= 64;
}

int parse_cpu_set(const char *s, uint64_t set[static 16], struct nb_error *err) {
        uint64_t bits[16] = {};
        const char *p = s;

        for (;;) {
                _cleanup_free_ char *w = NULL;
                uint64_t a, b;
                int r = extract_word(&p, &w, " \t\n,", 0);

                if (r == -ENOMEM)
                        return nb_error_set(err, ENOMEM, "parse CPU set");
                if (r < 0)
                        goto invalid;
                if (r == 0)
                        break;
                char *dash = strchr(w, '-');
                if (dash) {
                        *dash = 0;
                        if (parse_u64(w, &a) < 0 || parse_u64(dash + 1, &b) < 0 || a > b)
                                goto invalid;
                } else if (parse_u64(w, &a) < 0)
                        goto invalid;
                else
                        b = a;
                if (b >= 1024)
                        return nb_error_set(err, 0, "CPU number in \"%s\" out of range (0-1023)", s);
                for (uint64_t c = a; c <= b; c++)
                        bits[c / 64] |= UINT64_C(1) << (c % 64);
        }
        memcpy(set, bits, sizeof(bits));
        return 0;

invalid:
        return nb_error_set(err, 0, "invalid CPU set \"%s\": expected CPU numbers and ranges like \"0-3 7\"", s);
}

void cpu_set_to_string(const uint64_t set[static 16], char *buf, size_t size) {
        size_t len = 0;

        buf[0] = 0;
        for (int c = 0; c < 1024; c++) {
                if (!(set[c / 64] & (UINT64_C(1) << (c % 64))))
                        continue;
                int e = c;
                while (e + 1 < 1024 && (set[(e + 1) / 64] & (UINT64_C(1) << ((e + 1) % 64))))
                        e++;
                int k = e > c ? snprintf(buf + len, size - len, "%s%d-%d", len ? " " : "", c, e)
                              : snprintf(buf + len, size - len, "%s%d", len ? " " : "", c);
                if (k < 0 || (size_t) k >= size - len)
                        return;
                len += (size_t) k;
                c = e;
        }
}

int parse_oom_score_adjust(const char *s, int *out) {
        long v;
        int r = parse_int_range(s, -1000, 1000, &v);

        if (r < 0)
                return r;
        *out = (int) v;
        return 0;
}

/* ---- enums ---- */

static int lookup(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

static const char *const console_names[] = {
        [CONSOLE_DEFAULT] = "default", [CONSOLE_INTERACTIVE] = "interactive", [CONSOLE_READ_ONLY] = "read-only",
        [CONSOLE_PASSIVE] = "passive", [CONSOLE_PIPE] = "pipe", [CONSOLE_AUTOPIPE] = "autopipe",
};
static const char *const ownership_names[] = {
        [OWNERSHIP_AUTO] = "auto", [OWNERSHIP_MAP] = "map", [OWNERSHIP_CHOWN] = "chown", [OWNERSHIP_OFF] = "off",
};
static const char *const resolv_conf_names[] = {
        [RESOLV_CONF_AUTO] = "auto",
        [RESOLV_CONF_OFF] = "off",
        [RESOLV_CONF_COPY_HOST] = "copy-host",
        [RESOLV_CONF_BIND_HOST] = "bind-host",
        [RESOLV_CONF_DELETE] = "delete",
        [RESOLV_CONF_COPY_STATIC] = "copy-static",
        [RESOLV_CONF_COPY_UPLINK] = "copy-uplink",
        [RESOLV_CONF_COPY_STUB] = "copy-stub",
        [RESOLV_CONF_REPLACE_HOST] = "replace-host",
        [RESOLV_CONF_REPLACE_STATIC] = "replace-static",
        [RESOLV_CONF_REPLACE_UPLINK] = "replace-uplink",
        [RESOLV_CONF_REPLACE_STUB] = "replace-stub",
        [RESOLV_CONF_BIND_STATIC] = "bind-static",
        [RESOLV_CONF_BIND_UPLINK] = "bind-uplink",
        [RESOLV_CONF_BIND_STUB] = "bind-stub",
};
static const char *const timezone_names[] = {
        [TIMEZONE_AUTO] = "auto", [TIMEZONE_OFF] = "off", [TIMEZONE_COPY] = "copy", [TIMEZONE_BIND] = "bind",
        [TIMEZONE_SYMLINK] = "symlink", [TIMEZONE_DELETE] = "delete",
};
static const char *const link_journal_names[] = {
        [LINK_JOURNAL_AUTO] = "auto", [LINK_JOURNAL_NO] = "no", [LINK_JOURNAL_HOST] = "host",
        [LINK_JOURNAL_TRY_HOST] = "try-host", [LINK_JOURNAL_GUEST] = "guest", [LINK_JOURNAL_TRY_GUEST] = "try-guest",
};
static const char *const volatile_names[] = {
        [VOLATILE_NO] = "no", [VOLATILE_YES] = "yes", [VOLATILE_STATE] = "state", [VOLATILE_OVERLAY] = "overlay",
};
static const char *const settings_names[] = {
        [SETTINGS_YES] = "yes", [SETTINGS_OVERRIDE] = "override", [SETTINGS_TRUSTED] = "trusted", [SETTINGS_NO] = "no",
};
static const char *const private_users_names[] = {
        [PRIVATE_USERS_NO] = "no", [PRIVATE_USERS_PICK] = "pick", [PRIVATE_USERS_IDENTITY] = "identity",
        [PRIVATE_USERS_FIXED] = "fixed", [PRIVATE_USERS_YES] = "yes",
};
static const char *const idmap_names[] = {
        [IDMAP_NONE] = "noidmap", [IDMAP_IDMAP] = "idmap", [IDMAP_ROOT] = "rootidmap", [IDMAP_OWNER] = "owneridmap",
};

#define TO_STRING(table, v) ((size_t) (v) < ELEMENTSOF(table) && table[v] ? table[v] : "?")

int parse_console_mode(const char *s) {
        int r = lookup(console_names, ELEMENTSOF(console_names), s);
        return r == CONSOLE_DEFAULT ? -EINVAL : r;   /* "default" is internal */
}

int parse_ownership_mode(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)   /* nspawn's string table "with boolean": yes = auto */
                return b ? OWNERSHIP_AUTO : OWNERSHIP_OFF;
        if (s && streq(s, "foreign"))
                return -EOPNOTSUPP;
        return lookup(ownership_names, ELEMENTSOF(ownership_names), s);
}

int parse_resolv_conf_mode(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? RESOLV_CONF_AUTO : RESOLV_CONF_OFF;
        return lookup(resolv_conf_names, ELEMENTSOF(resolv_conf_names), s);
}

int parse_timezone_mode(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? TIMEZONE_AUTO : TIMEZONE_OFF;
        return lookup(timezone_names, ELEMENTSOF(timezone_names), s);
}

int parse_link_journal_mode(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)   /* nspawn: true = auto */
                return b ? LINK_JOURNAL_AUTO : LINK_JOURNAL_NO;
        return lookup(link_journal_names, ELEMENTSOF(link_journal_names), s);
}

int parse_volatile_mode(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? VOLATILE_YES : VOLATILE_NO;
        return lookup(volatile_names, ELEMENTSOF(volatile_names), s);
}

int parse_settings_mode(const char *s) {
        int b = parse_boolean(s);
        if (b >= 0)
                return b ? SETTINGS_YES : SETTINGS_NO;
        return lookup(settings_names, ELEMENTSOF(settings_names), s);
}

const char *console_mode_to_string(enum console_mode m) { return TO_STRING(console_names, m); }
const char *ownership_mode_to_string(enum ownership_mode m) { return TO_STRING(ownership_names, m); }
const char *resolv_conf_mode_to_string(enum resolv_conf_mode m) { return TO_STRING(resolv_conf_names, m); }
const char *timezone_mode_to_string(enum timezone_mode m) { return TO_STRING(timezone_names, m); }
const char *link_journal_mode_to_string(enum link_journal_mode m) { return TO_STRING(link_journal_names, m); }
const char *volatile_mode_to_string(enum volatile_mode m) { return TO_STRING(volatile_names, m); }
const char *settings_mode_to_string(enum settings_mode m) { return TO_STRING(settings_names, m); }
const char *private_users_mode_to_string(enum private_users_mode m) { return TO_STRING(private_users_names, m); }
const char *idmap_mode_to_string(enum idmap_mode m) { return TO_STRING(idmap_names, m); }
