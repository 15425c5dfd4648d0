/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers shared by the command line and the settings file: the
 * basics (booleans, numbers, words, signals, the enum names); the rest is
 * by subject in parse-{exec,mount,network,size}.c. The grammar of each
 * follows systemd-nspawn's (see parse-util.h). */
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

/* ---- small helpers ---- */

int parse_u64(const char *s, uint64_t *ret) {
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

int parse_int_range(const char *s, long min, long max, long *ret) {
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
