/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The key table and the value types behind it: see settings-keys.h. */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/personality.h>

#include "capabilities.h"
#include "error.h"
#include "machine-id.h"
#include "nspawn-cli.h"
#include "parse-util.h"
#include "seccomp-policy.h"
#include "settings-keys.h"

/* ---- helpers ---- */

#define FIELD(o, k, T) ((T *) (void *) ((char *) (o) + (k)->offset))
#define CFIELD(o, k, T) ((T const *) (const void *) ((const char *) (o) + (k)->offset))
#define AT(o, off, T) ((T *) (void *) ((char *) (o) + (off)))
#define CAT(o, off, T) ((T const *) (const void *) ((const char *) (o) + (off)))

static int invalid(const struct settings_key_info *k, const char *v, struct nb_error *err) {
        return nb_error_set(err, 0, "invalid value \"%s\": expected %s", v, k->expected);
}

static int set_string(char **dst, const char *v) {
        char *c = NULL;

        if (v && !(c = strdup(v)))
                return -ENOMEM;
        free(*dst);
        *dst = c;
        return 0;
}

static int append(void *array, size_t *n, size_t elem, const void *value) {
        void **a = array;
        char *t = realloc(*a, (*n + 1) * elem);

        if (!t)
                return -ENOMEM;
        memcpy(t + *n * elem, value, elem);
        (*n)++;
        *a = t;
        return 0;
}

static int copy_array(void *dst, size_t *n_dst, const void *src, size_t n, size_t elem) {
        void **d = dst;
        void *v = malloc(n ? n * elem : 1);

        if (!v)
                return -ENOMEM;
        if (n)
                memcpy(v, src, n * elem);
        free(*d);
        *d = v;
        *n_dst = n;
        return 0;
}

static bool print_nothing(const struct settings_key_info *k, FILE *f, const struct options *o) {
        (void) k, (void) f, (void) o;
        return false;
}

static void reset_nothing(const struct settings_key_info *k, struct options *o) {
        (void) k, (void) o;
}

static int copy_nothing(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        (void) k, (void) dst, (void) src;
        return 0;
}

/* ---- bool ---- */

static int bool_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        int r = parse_boolean(v);

        if (r < 0)
                return invalid(k, v, err);
        *FIELD(o, k, bool) = r;
        return 0;
}

static void bool_reset(const struct settings_key_info *k, struct options *o) {
        struct options d;

        options_init(&d);
        *FIELD(o, k, bool) = *CFIELD(&d, k, bool);
}

static int bool_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        *FIELD(dst, k, bool) = *CFIELD(src, k, bool);
        return 0;
}

static bool bool_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        fprintf(f, "%s=%s", k->name, *CFIELD(o, k, bool) ? "yes" : "no");
        return true;
}

static const struct settings_key_type type_bool = { bool_parse, bool_reset, bool_copy, bool_print, NULL };

/* ---- a string, checked by data (bool (*)(const char *)) ---- */

struct string_check {
        bool (*valid)(const char *s);
};

static int string_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        const struct string_check *c = k->data;

        if (c && !c->valid(v))
                return invalid(k, v, err);
        return set_string(FIELD(o, k, char *), v);
}

static void string_reset(const struct settings_key_info *k, struct options *o) {
        char **p = FIELD(o, k, char *);

        free(*p);
        *p = NULL;
}

static int string_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        return set_string(FIELD(dst, k, char *), *CFIELD(src, k, char *));
}

static bool string_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const char *s = *CFIELD(o, k, char *);

        fprintf(f, "%s=%s", k->name, s ? s : "");
        return true;
}

static const struct settings_key_type type_string = { string_parse, string_reset, string_copy, string_print, NULL };

static bool user_name_valid(const char *u) {
        if (!*u || strlen(u) > 256 || u[0] == '-')
                return false;
        for (const char *p = u; *p; p++)
                if ((unsigned char) *p <= 32 || *p == 127 || *p == ':' || *p == '/' || *p == ',')
                        return false;
        return true;
}

static const struct string_check check_user = { user_name_valid };
static const struct string_check check_hostname = { hostname_valid };
static const struct string_check check_ifname = { ifname_valid };
static const struct string_check check_zone = { zone_name_valid };

/* An absolute path, normalised as a mount destination is. */
static int path_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        struct custom_mount m; /* borrow the path check of --inaccessible */

        if (parse_custom_mount(MOUNT_INACCESSIBLE, v, &m, NULL) < 0)
                return invalid(k, v, err);
        char **p = FIELD(o, k, char *);
        free(*p);
        *p = TAKE_PTR(m.dest);
        custom_mount_free(&m);
        return 0;
}

static const struct settings_key_type type_path = { path_parse, string_reset, string_copy, string_print, NULL };

/* A 128-bit ID, stored as 32 lowercase hex digits. */
static int id_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        char id[33];

        if (machine_id_parse_uuid(v, id) < 0)
                return invalid(k, v, err);
        return set_string(FIELD(o, k, char *), id);
}

static const struct settings_key_type type_id = { id_parse, string_reset, string_copy, string_print, NULL };

/* ---- enums: data is a struct enum_names ---- */

struct enum_names {
        int (*parse)(const char *s); /* value, -EINVAL, or -EOPNOTSUPP */
        const char *(*to_string)(int v);
};

static int enum_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        const struct enum_names *e = k->data;
        int r = e->parse(v);

        if (r == -EOPNOTSUPP)
                return r;
        if (r < 0)
                return invalid(k, v, err);
        *FIELD(o, k, int) = r;
        return 0;
}

static void enum_reset(const struct settings_key_info *k, struct options *o) {
        struct options d;

        options_init(&d);
        *FIELD(o, k, int) = *CFIELD(&d, k, int);
}

static int enum_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        *FIELD(dst, k, int) = *CFIELD(src, k, int);
        return 0;
}

static bool enum_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const struct enum_names *e = k->data;

        fprintf(f, "%s=%s", k->name, e->to_string(*CFIELD(o, k, int)));
        return true;
}

static const struct settings_key_type type_enum = { enum_parse, enum_reset, enum_copy, enum_print, NULL };

#define ENUM_NAMES(name, parser, type, to_string_fn) \
        static const char *name##_to_string(int v) { \
                return to_string_fn((type) v);       \
        }                                            \
        static const struct enum_names name = { parser, name##_to_string }

ENUM_NAMES(names_resolv_conf, parse_resolv_conf_mode, enum resolv_conf_mode, resolv_conf_mode_to_string);
ENUM_NAMES(names_timezone, parse_timezone_mode, enum timezone_mode, timezone_mode_to_string);
ENUM_NAMES(names_link_journal, parse_link_journal_mode, enum link_journal_mode, link_journal_mode_to_string);
ENUM_NAMES(names_volatile, parse_volatile_mode, enum volatile_mode, volatile_mode_to_string);
ENUM_NAMES(names_ownership, parse_ownership_mode, enum ownership_mode, ownership_mode_to_string);

_Static_assert(sizeof(enum resolv_conf_mode) == sizeof(int) && sizeof(enum ownership_mode) == sizeof(int), "enum fields are ints");

/* PrivateUsersChown=: a boolean spelling of the ownership (chown/off). */
static int chown_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        int r = parse_boolean(v);

        if (r < 0)
                return invalid(k, v, err);
        o->ownership = r ? OWNERSHIP_CHOWN : OWNERSHIP_OFF;
        return 0;
}

static void chown_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        o->ownership = OWNERSHIP_AUTO;
}

/* Merged and printed as PrivateUsersOwnership=. */
static const struct settings_key_type type_chown = { chown_parse, chown_reset, copy_nothing, print_nothing, NULL };

/* ---- a signal (0: the default) ---- */

static int signal_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        int r = parse_signal(v);

        if (r < 0)
                return invalid(k, v, err);
        *FIELD(o, k, int) = r;
        return 0;
}

static bool signal_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        char buf[32];
        int sig = *CFIELD(o, k, int);

        fprintf(f, "%s=%s", k->name, sig ? signal_to_string(sig, buf, sizeof(buf)) : "");
        return true;
}

static const struct settings_key_type type_signal = { signal_parse, enum_reset, enum_copy, signal_print, NULL };

/* ---- capability sets: repeated assignments and merges add up ---- */

static int caps_parse_key(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        return caps_parse(v, FIELD(o, k, uint64_t), err);
}

static void caps_reset(const struct settings_key_info *k, struct options *o) {
        *FIELD(o, k, uint64_t) = 0;
}

static int caps_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        *FIELD(dst, k, uint64_t) |= *CFIELD(src, k, uint64_t);
        return 0;
}

static bool caps_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        char buf[2048];

        caps_format(*CFIELD(o, k, uint64_t), buf, sizeof(buf));
        fprintf(f, "%s=%s", k->name, buf);
        return true;
}

static const struct settings_key_type type_caps = { caps_parse_key, caps_reset, caps_copy, caps_print, NULL };

/* ---- word lists (Parameters=, Environment=): char ** at offset, count at arg ---- */

static void strv_reset(const struct settings_key_info *k, struct options *o) {
        char ***v = FIELD(o, k, char **);
        size_t *n = AT(o, k->arg, size_t);

        for (size_t i = 0; i < *n; i++)
                free((*v)[i]);
        free(*v);
        *v = NULL;
        *n = 0;
}

static int strv_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        char *const *s = *CFIELD(src, k, char **);
        size_t n = *CAT(src, k->arg, size_t);
        char **v = calloc(n + 1, sizeof(char *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(v[i] = strdup(s[i]))) {
                        strv_free(v);
                        return -ENOMEM;
                }
        strv_reset(k, dst);
        *FIELD(dst, k, char **) = v;
        *AT(dst, k->arg, size_t) = n;
        return 0;
}

static void print_word(FILE *f, const char *w) {
        /* Quote for parse_words(): no backslash escapes exist there, so a
         * word with both quote kinds cannot be written exactly. A word
         * ending in a backslash is quoted too, or the line would continue. */
        size_t n = strlen(w);
        if (n && !strpbrk(w, " \t\n\r\"'") && w[n - 1] != '\\')
                fputs(w, f);
        else if (!strchr(w, '"'))
                fprintf(f, "\"%s\"", w);
        else
                fprintf(f, "'%s'", w);
}

static bool strv_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        char *const *v = *CFIELD(o, k, char **);
        size_t n = *CAT(o, k->arg, size_t);

        fprintf(f, "%s=", k->name);
        for (size_t i = 0; i < n; i++) {
                if (i)
                        fputc(' ', f);
                print_word(f, v[i]);
        }
        return true;
}

/* One word, taken: Parameters= appends, Environment= replaces NAME's entry. */
static int words_add(const struct settings_key_info *k, char *w, struct options *o, struct nb_error *err) {
        char ***v = FIELD(o, k, char **);
        size_t *n = AT(o, k->arg, size_t);

        if (k->key == SK_ENVIRONMENT) {
                if (parse_env_assignment(w) < 0) {
                        int r = nb_error_set(err, 0, "invalid environment assignment \"%s\": expected NAME=VALUE", w);
                        free(w);
                        return r;
                }
                size_t name_len = strcspn(w, "=") + 1;
                for (size_t i = 0; i < *n; i++)
                        if (strncmp((*v)[i], w, name_len) == 0) {
                                free((*v)[i]);
                                (*v)[i] = w;
                                return 0;
                        }
        }
        return strv_consume(v, n, w);
}

static int words_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        char **words = NULL;
        size_t n = 0;
        int r = parse_words(v, &words, &n, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = words_add(k, TAKE_PTR(words[i]), o, err);
        /* Taken words left NULL holes: free by count. */
        for (size_t i = 0; i < n; i++)
                free(words[i]);
        free(words);
        return r;
}

static const struct settings_key_type type_words = { words_parse, strv_reset, strv_copy, strv_print, NULL };

/* The command line's --setenv: one assignment, not split into words. */
static int parse_item(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        char *w = strdup(v);

        if (!w)
                return -ENOMEM;
        return words_add(k, w, o, err);
}

/* ---- SystemCallFilter=: NAME / @group allow entries, or a list negated by
 * a leading ~ (deny entries, stored "~NAME"); inside a negated list a word
 * may repeat the ~. The same grammar as nspawn's, which reads both places
 * with one function. ---- */

static int syscall_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        bool deny = v[0] == '~';
        _cleanup_strv_free_ char **words = NULL;
        size_t n = 0;
        int r;

        r = split_whitespace(v + deny, &words, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const char *name = words[i];
                if (name[0] == '~') {
                        if (!deny)
                                return nb_error_set(err, 0,
                                                    "invalid entry \"%s\" in an allow list: a leading ~ makes the whole "
                                                    "list a deny list; give deny entries an assignment of their own",
                                                    name);
                        name++;
                }
                if (!*name)
                        return nb_error_set(err, 0, "invalid value \"%s\": expected %s", v, k->expected);
                _cleanup_free_ char *e = NULL;
                if (asprintf(&e, "%s%s", deny ? "~" : "", name) < 0)
                        return -ENOMEM;
                r = seccomp_validate_entry(e, err);
                if (r < 0)
                        return r;
                r = strv_consume(&o->syscall_filter, &o->n_syscall_filter, TAKE_PTR(e));
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One line for the allow list, one for the deny list: each reads back. */
static bool syscall_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        bool any = false;

        for (int deny = 0; deny <= 1; deny++) {
                bool started = false;
                for (size_t i = 0; i < o->n_syscall_filter; i++) {
                        const char *e = o->syscall_filter[i];
                        if ((e[0] == '~') != deny)
                                continue;
                        if (!started)
                                fprintf(f, "%s%s=%s", any ? "\n" : "", k->name, deny ? "~" : "");
                        fprintf(f, "%s%s", started ? " " : "", e + deny);
                        started = any = true;
                }
        }
        if (!any)
                fprintf(f, "%s=", k->name);
        return true;
}

static const struct settings_key_type type_syscall = { syscall_parse, strv_reset, strv_copy, syscall_print, NULL };

/* ---- Limit*=: arg is the resource ---- */

static int rlimit_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        struct rlimit rl;
        int r = parse_rlimit_value(k->arg, v, &rl, err);

        if (r < 0)
                return r;
        if (!o->rlimits[k->arg] && !(o->rlimits[k->arg] = malloc(sizeof(struct rlimit))))
                return -ENOMEM;
        *o->rlimits[k->arg] = rl;
        return 0;
}

static void rlimit_reset(const struct settings_key_info *k, struct options *o) {
        free(o->rlimits[k->arg]);
        o->rlimits[k->arg] = NULL;
}

static int rlimit_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        if (!src->rlimits[k->arg]) {
                rlimit_reset(k, dst);
                return 0;
        }
        if (!dst->rlimits[k->arg] && !(dst->rlimits[k->arg] = malloc(sizeof(struct rlimit))))
                return -ENOMEM;
        *dst->rlimits[k->arg] = *src->rlimits[k->arg];
        return 0;
}

static void print_rlimit_value(FILE *f, rlim_t v) {
        if (v == RLIM_INFINITY)
                fputs("infinity", f);
        else
                fprintf(f, "%" PRIu64, (uint64_t) v);
}

static bool rlimit_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const struct rlimit *rl = o->rlimits[k->arg];

        if (!rl)
                return false;
        fprintf(f, "%s=", k->name);
        print_rlimit_value(f, rl->rlim_cur);
        fputc(':', f);
        print_rlimit_value(f, rl->rlim_max);
        return true;
}

static bool rlimit_is_set(const struct settings_key_info *k, const struct options *o) {
        return o->rlimits[k->arg] != NULL;
}

static const struct settings_key_type type_rlimit = { rlimit_parse, rlimit_reset, rlimit_copy, rlimit_print, rlimit_is_set };

/* ---- OOMScoreAdjust= ---- */

static int oom_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        if (parse_oom_score_adjust(v, &o->oom_score_adjust) < 0)
                return invalid(k, v, err);
        o->oom_score_adjust_set = true;
        return 0;
}

static void oom_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        o->oom_score_adjust_set = false;
        o->oom_score_adjust = 0;
}

static int oom_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        (void) k;
        dst->oom_score_adjust_set = src->oom_score_adjust_set;
        dst->oom_score_adjust = src->oom_score_adjust;
        return 0;
}

static bool oom_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        if (o->oom_score_adjust_set)
                fprintf(f, "%s=%d", k->name, o->oom_score_adjust);
        else
                fprintf(f, "%s=", k->name);
        return true;
}

static const struct settings_key_type type_oom = { oom_parse, oom_reset, oom_copy, oom_print, NULL };

/* Personality=/--personality=: x86 or x86-64 (nspawn-cli.c). */
static int personality_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        int r = parse_personality(v, &o->personality);

        (void) k;
        if (r == -EOPNOTSUPP)
                return nb_error_set(err, 0, "this host cannot run programs of architecture %s", v);
        if (r < 0)
                return nb_error_set(err, 0, "expected x86 or x86-64");
        o->personality_set = true;
        return 0;
}

static void personality_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        o->personality_set = false;
        o->personality = 0;
}

static int personality_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        (void) k;
        dst->personality_set = src->personality_set;
        dst->personality = src->personality;
        return 0;
}

static bool personality_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        fprintf(f, "%s=%s", k->name, !o->personality_set ? "" : o->personality == PER_LINUX32 ? "x86" : "x86-64");
        return true;
}

static const struct settings_key_type type_personality = { personality_parse, personality_reset, personality_copy,
                                                           personality_print, NULL };

/* ---- CPUAffinity=: repeated assignments add up, as in nspawn ---- */

static int cpus_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        uint64_t set[16];
        int r = parse_cpu_set(v, set, err);

        (void) k;
        if (r < 0)
                return r;
        for (size_t i = 0; i < 16; i++)
                o->cpu_affinity[i] |= set[i];
        o->cpu_affinity_set = true;
        return 0;
}

static void cpus_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        memset(o->cpu_affinity, 0, sizeof(o->cpu_affinity));
        o->cpu_affinity_set = false;
}

static int cpus_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        (void) k;
        dst->cpu_affinity_set = true;
        memcpy(dst->cpu_affinity, src->cpu_affinity, sizeof(dst->cpu_affinity));
        return 0;
}

static bool cpus_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        char buf[2048] = "";

        if (o->cpu_affinity_set)
                cpu_set_to_string(o->cpu_affinity, buf, sizeof(buf));
        fprintf(f, "%s=%s", k->name, buf);
        return true;
}

static const struct settings_key_type type_cpus = { cpus_parse, cpus_reset, cpus_copy, cpus_print, NULL };

/* ---- PrivateUsers= ---- */

static int users_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        (void) k;
        return parse_private_users(v, o, err);
}

static void users_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        o->private_users = PRIVATE_USERS_PICK;
        o->uid_shift = 0;
        o->uid_range = 0x10000;
}

static int users_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        (void) k;
        dst->private_users = src->private_users;
        dst->uid_shift = src->uid_shift;
        dst->uid_range = src->uid_range;
        return 0;
}

static bool users_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        if (o->private_users == PRIVATE_USERS_FIXED)
                fprintf(f, "%s=%u:%u", k->name, (unsigned) o->uid_shift, (unsigned) o->uid_range);
        else
                fprintf(f, "%s=%s", k->name, private_users_mode_to_string(o->private_users));
        return true;
}

static const struct settings_key_type type_users = { users_parse, users_reset, users_copy, users_print, NULL };

/* ---- Boot= / ProcessTwo=: the file's three-state start mode (the command
 * line's --boot/--as-pid1/--as-pid2 are flags of their own, cli.c) ---- */

static int start_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        enum start_mode yes = k->key == SK_BOOT ? START_BOOT : START_PID2;
        enum start_mode other = k->key == SK_BOOT ? START_PID2 : START_BOOT;
        int b = parse_boolean(v);

        if (b < 0)
                return invalid(k, v, err);
        /* nspawn: Boot=yes and ProcessTwo=yes exclude each other; "no"
         * only means "the command is PID 1" unless the other said yes. */
        if (b && o->start_mode == other)
                return nb_error_set(err, 0, "Boot=yes and ProcessTwo=yes exclude each other");
        if (b)
                o->start_mode = yes;
        else if (o->start_mode == yes || o->start_mode == START_UNSET)
                o->start_mode = START_PID1;
        return 0;
}

static void start_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        o->start_mode = START_UNSET;
}

static bool start_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        bool yes = k->key == SK_BOOT ? o->start_mode == START_BOOT : o->start_mode != START_BOOT && o->command_mode != START_PID1;

        fprintf(f, "%s=%s", k->name, yes ? "yes" : "no");
        return true;
}

/* Merged by settings-merge.c's merge_start(). */
static const struct settings_key_type type_start = { start_parse, start_reset, copy_nothing, start_print, NULL };

/* ---- the mount keys: arg is the enum custom_mount_type; one list in file order ---- */

static int mount_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        struct custom_mount m;
        int r = parse_custom_mount((enum custom_mount_type) k->arg, v, &m, err);

        if (r < 0)
                return r;
        r = append(&o->mounts, &o->n_mounts, sizeof(m), &m);
        if (r < 0)
                custom_mount_free(&m);
        return r;
}

/* Only this key's mounts go; the others keep their order. */
static void mount_reset(const struct settings_key_info *k, struct options *o) {
        size_t j = 0;

        for (size_t i = 0; i < o->n_mounts; i++) {
                if (o->mounts[i].type == (enum custom_mount_type) k->arg) {
                        custom_mount_free(&o->mounts[i]);
                        continue;
                }
                o->mounts[j++] = o->mounts[i];
        }
        o->n_mounts = j;
}

/* The whole list: the mount keys apply together (settings-merge.c). */
static int mount_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        struct custom_mount *v = calloc(src->n_mounts ? src->n_mounts : 1, sizeof(*v));

        (void) k;
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < src->n_mounts; i++)
                if (custom_mount_copy(&src->mounts[i], &v[i]) < 0) {
                        for (size_t j = 0; j < i; j++)
                                custom_mount_free(&v[j]);
                        free(v);
                        return -ENOMEM;
                }
        for (size_t i = 0; i < dst->n_mounts; i++)
                custom_mount_free(&dst->mounts[i]);
        free(dst->mounts);
        dst->mounts = v;
        dst->n_mounts = src->n_mounts;
        return 0;
}

/* Each mount after a tab with its own line in the file, for settings_print(). */
static bool mount_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        bool any = false;

        for (size_t i = 0; i < o->n_mounts; i++) {
                if (o->mounts[i].type != (enum custom_mount_type) k->arg)
                        continue;
                _cleanup_free_ char *spec = custom_mount_to_string(&o->mounts[i]);
                fprintf(f, "%s%s=%s\t%u", any ? "\n" : "", k->name, spec ? spec : "?", o->mounts[i].line);
                any = true;
        }
        if (!any)
                fprintf(f, "%s=", k->name);
        return true;
}

static const struct settings_key_type type_mount = { mount_parse, mount_reset, mount_copy, mount_print, NULL };

/* ---- interface pairs: struct iface_pair * at offset, count at arg, data the
 * default prefix of the container name ---- */

static int pairs_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        return parse_iface_pair_list(v, k->data, FIELD(o, k, struct iface_pair *), AT(o, k->arg, size_t), err);
}

/* VirtualEthernetExtra=: one pair per assignment, as in nspawn. */
static int pair_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        struct iface_pair p;
        int r = parse_iface_pair(v, k->data, &p, err);

        if (r < 0)
                return r;
        r = append(FIELD(o, k, struct iface_pair *), AT(o, k->arg, size_t), sizeof(p), &p);
        if (r < 0)
                iface_pair_free(&p);
        return r;
}

static void pairs_reset(const struct settings_key_info *k, struct options *o) {
        iface_pair_list_free(FIELD(o, k, struct iface_pair *), AT(o, k->arg, size_t));
}

static int pairs_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        const struct iface_pair *s = *CFIELD(src, k, struct iface_pair *);
        size_t n = *CAT(src, k->arg, size_t);
        struct iface_pair *v = calloc(n ? n : 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                v[i].host = strdup(s[i].host);
                v[i].container = s[i].container ? strdup(s[i].container) : NULL;
                if (!v[i].host || (s[i].container && !v[i].container)) {
                        size_t c = i + 1;
                        iface_pair_list_free(&v, &c);
                        return -ENOMEM;
                }
        }
        pairs_reset(k, dst);
        *FIELD(dst, k, struct iface_pair *) = v;
        *AT(dst, k->arg, size_t) = n;
        return 0;
}

/* HOST, or HOST:CONTAINER when the container name is not the default one
 * (which may be longer than an interface name, for the network code to
 * shorten, and would not parse back when written out). */
static void print_pair(FILE *f, const struct settings_key_info *k, const struct iface_pair *p) {
        const char *prefix = k->data ? k->data : "";
        const char *c = p->container;

        if (!c || (startswith(c, prefix) && streq(c + strlen(prefix), p->host)))
                fputs(p->host, f);
        else
                fprintf(f, "%s:%s", p->host, c);
}

static bool pairs_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const struct iface_pair *v = *CFIELD(o, k, struct iface_pair *);
        size_t n = *CAT(o, k->arg, size_t);

        fprintf(f, "%s=", k->name);
        for (size_t i = 0; i < n; i++) {
                fputs(i ? " " : "", f);
                print_pair(f, k, &v[i]);
        }
        return true;
}

/* One pair per assignment: one line each. */
static bool pair_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const struct iface_pair *v = *CFIELD(o, k, struct iface_pair *);
        size_t n = *CAT(o, k->arg, size_t);

        if (n == 0)
                fprintf(f, "%s=", k->name);
        for (size_t i = 0; i < n; i++) {
                fprintf(f, "%s%s=", i ? "\n" : "", k->name);
                print_pair(f, k, &v[i]);
        }
        return true;
}

static const struct settings_key_type type_pairs = { pairs_parse, pairs_reset, pairs_copy, pairs_print, NULL };
static const struct settings_key_type type_pair = { pair_parse, pairs_reset, pairs_copy, pair_print, NULL };

/* ---- Port= ---- */

static int ports_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        struct port_forward p;
        char buf[32];
        int r = parse_port_forward(v, &p, err);

        (void) k;
        if (r < 0)
                return r;
        if (port_forward_find(o->ports, o->n_ports, &p) >= 0)
                return nb_error_set(err, 0, "duplicate forwarding of host port %s: the host port is forwarded twice",
                                    port_forward_to_string(&p, buf, sizeof(buf)));
        return append(&o->ports, &o->n_ports, sizeof(p), &p);
}

static void ports_reset(const struct settings_key_info *k, struct options *o) {
        (void) k;
        free(o->ports);
        o->ports = NULL;
        o->n_ports = 0;
}

static int ports_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        (void) k;
        return copy_array(&dst->ports, &dst->n_ports, src->ports, src->n_ports, sizeof(struct port_forward));
}

static bool ports_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        char buf[64];

        if (o->n_ports == 0)
                fprintf(f, "%s=", k->name);
        for (size_t i = 0; i < o->n_ports; i++)
                fprintf(f, "%s%s=%s", i ? "\n" : "", k->name, port_forward_to_string(&o->ports[i], buf, sizeof(buf)));
        return true;
}

static const struct settings_key_type type_ports = { ports_parse, ports_reset, ports_copy, ports_print, NULL };

/* ---- address lists: struct address * at offset, count at arg ---- */

static int addrs_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        _cleanup_strv_free_ char **words = NULL;
        size_t n = 0;
        int r = split_whitespace(v, &words, &n);

        for (size_t i = 0; i < n && r >= 0; i++) {
                struct address a;
                if (parse_address(words[i], &a) < 0)
                        return invalid(k, words[i], err);
                r = append(FIELD(o, k, struct address *), AT(o, k->arg, size_t), sizeof(a), &a);
        }
        return r;
}

static void addrs_reset(const struct settings_key_info *k, struct options *o) {
        struct address **v = FIELD(o, k, struct address *);

        free(*v);
        *v = NULL;
        *AT(o, k->arg, size_t) = 0;
}

static int addrs_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        return copy_array(FIELD(dst, k, struct address *), AT(dst, k->arg, size_t), *CFIELD(src, k, struct address *),
                          *CAT(src, k->arg, size_t), sizeof(struct address));
}

static bool addrs_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const struct address *v = *CFIELD(o, k, struct address *);
        size_t n = *CAT(o, k->arg, size_t);
        char buf[128];

        fprintf(f, "%s=", k->name);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s", i ? " " : "", address_to_string(&v[i], buf, sizeof(buf)));
        return true;
}

static const struct settings_key_type type_addrs = { addrs_parse, addrs_reset, addrs_copy, addrs_print, NULL };

/* ---- [Resources]: uint64_t at offset, its bool *_set at arg, data a struct resource_kind ---- */

struct resource_kind {
        int (*parse)(const char *s, uint64_t *v, struct nb_error *err);
        enum { PRINT_LIMIT, PRINT_PERCENT, PRINT_NUMBER } print;
};

static int res_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        const struct resource_kind *kind = k->data;
        int r = kind->parse(v, FIELD(o, k, uint64_t), err);

        if (r < 0)
                return r;
        *AT(o, k->arg, bool) = true;
        return 0;
}

static void res_reset(const struct settings_key_info *k, struct options *o) {
        *AT(o, k->arg, bool) = false;
}

static int res_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        *FIELD(dst, k, uint64_t) = *CFIELD(src, k, uint64_t);
        *AT(dst, k->arg, bool) = *CAT(src, k->arg, bool);
        return 0;
}

static bool res_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        const struct resource_kind *kind = k->data;
        uint64_t v = *CFIELD(o, k, uint64_t);

        if (!*CAT(o, k->arg, bool))
                fprintf(f, "%s=", k->name);
        else if (kind->print == PRINT_PERCENT)
                fprintf(f, "%s=%" PRIu64 ".%02" PRIu64 "%%", k->name, v / 1000, (v % 1000) / 10);
        else if (kind->print == PRINT_LIMIT && v == UINT64_MAX)
                fprintf(f, "%s=infinity", k->name);
        else
                fprintf(f, "%s=%" PRIu64, k->name, v);
        return true;
}

static bool res_is_set(const struct settings_key_info *k, const struct options *o) {
        return *CAT(o, k->arg, bool);
}

static const struct settings_key_type type_resource = { res_parse, res_reset, res_copy, res_print, res_is_set };

static const struct resource_kind res_memory = { parse_memory_limit, PRINT_LIMIT };
static const struct resource_kind res_tasks = { parse_tasks_max, PRINT_LIMIT };
static const struct resource_kind res_quota = { parse_cpu_quota, PRINT_PERCENT };
static const struct resource_kind res_weight = { parse_weight, PRINT_NUMBER };

/* ---- nspawn keys nixbox does not support: accepted, warned about at merge ---- */

static int unsupported_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        (void) k, (void) v, (void) o, (void) err;
        return 0;
}

static const struct settings_key_type type_unsupported = { unsupported_parse, reset_nothing, copy_nothing, print_nothing, NULL };

/* ---- the table ---- */

#define O(field) offsetof(struct options, field)
#define ROW(k, sec, n, ...) [k] = { .key = k, .section = sec, .name = n, .supported = true, .implemented = true, __VA_ARGS__ }
#define EXEC(k, n, ...) ROW(k, SECTION_EXEC, n, __VA_ARGS__)
#define FILES(k, n, ...) ROW(k, SECTION_FILES, n, __VA_ARGS__)
/* [Network] applies as a group (settings-merge.c), privileged. */
#define NET(k, n, ...) \
        ROW(k, SECTION_NETWORK, n, .set_bit = SET_NETWORK, .privileged = true, .flags = KEY_MERGE_SPECIAL, __VA_ARGS__)
/* [Resources]: also --property=NAME=VALUE; per value, privileged. */
#define RES(k, n, field, set, kind)                                                                            \
        ROW(k, SECTION_RESOURCES, n, .cli = "--property=" n "=", .set_bit = SET_RESOURCES, .privileged = true, \
            .flags = KEY_PER_VALUE, .type = &type_resource, .offset = O(resources.field), .arg = O(resources.set), .data = &kind)
/* Limit*=: also --rlimit=NAME=VALUE; per value, privileged. */
#define LIMIT(r, n)                                                                                                           \
        ROW(SK_LIMIT_FIRST + r, SECTION_EXEC, "Limit" n, .cli = "--rlimit=" n "=", .set_bit = SET_RLIMIT, .privileged = true, \
            .flags = KEY_PER_VALUE, .type = &type_rlimit, .arg = r)
#define UNSUPPORTED(k, s, n, c) \
        [k] = { .key = k, .section = s, .name = n, .cli = c, .privileged = true, .type = &type_unsupported }
/* A command-line option: --NAME=VALUE, a flag standing for a value, an optional boolean. */
#define OPT(n, ...) \
        { n, __VA_ARGS__ }
#define FLAG(n, s, v) \
        { n, s, v, false }
#define OPTIONAL_BOOL(n) \
        { n, 0, NULL, true }
#define BOOLEAN "a boolean (yes/no, true/false, on/off, 1/0)"

/* Rows start from ROW()'s defaults and override some (.implemented = false). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
/* clang-format off */
static const struct settings_key_info keys[_SK_MAX] = {
        EXEC(SK_BOOT, "Boot", .cli = "--boot", .set_bit = SET_BOOT, .flags = KEY_MERGE_SPECIAL, .type = &type_start,
             .expected = BOOLEAN),
        EXEC(SK_PROCESS_TWO, "ProcessTwo", .cli = "--as-pid2", .set_bit = SET_BOOT, .flags = KEY_MERGE_SPECIAL,
             .type = &type_start, .expected = BOOLEAN),
        EXEC(SK_PARAMETERS, "Parameters", .cli = "COMMAND [ARGS...]", .set_bit = SET_PARAMETERS, .flags = KEY_MERGE_SPECIAL,
             .type = &type_words, .offset = O(argv), .arg = O(argc)),
        EXEC(SK_ENVIRONMENT, "Environment", .cli = "--setenv", .opts = { OPT("setenv", 'E') }, .set_bit = SET_ENVIRONMENT,
             .flags = KEY_CLI_ONE_ITEM, .type = &type_words, .offset = O(setenv), .arg = O(n_setenv)),
        EXEC(SK_USER, "User", .cli = "--user", .opts = { OPT("user", 'u'), OPT("uid") /* nspawn's old spelling */ }, .set_bit = SET_USER, .type = &type_string,
             .offset = O(user), .data = &check_user, .expected = "a user name or numeric UID"),
        EXEC(SK_WORKING_DIRECTORY, "WorkingDirectory", .cli = "--chdir", .opts = { OPT("chdir") }, .set_bit = SET_WORKING_DIR,
             .type = &type_path, .offset = O(working_dir), .expected = "an absolute path"),
        EXEC(SK_CAPABILITY, "Capability", .cli = "--capability", .opts = { OPT("capability") }, .set_bit = SET_CAPABILITY,
             .privileged = true, .type = &type_caps, .offset = O(caps_add)),
        /* Not privileged: dropping is always safe. */
        EXEC(SK_DROP_CAPABILITY, "DropCapability", .cli = "--drop-capability", .opts = { OPT("drop-capability") },
             .set_bit = SET_CAPABILITY, .type = &type_caps, .offset = O(caps_drop)),
        EXEC(SK_NO_NEW_PRIVILEGES, "NoNewPrivileges", .cli = "--no-new-privileges", .opts = { OPTIONAL_BOOL("no-new-privileges") },
             .set_bit = SET_NO_NEW_PRIVS, .type = &type_bool, .offset = O(no_new_privileges), .expected = BOOLEAN),
        EXEC(SK_KILL_SIGNAL, "KillSignal", .cli = "--kill-signal", .opts = { OPT("kill-signal") }, .set_bit = SET_KILL_SIGNAL,
             .type = &type_signal, .offset = O(kill_signal), .expected = "a signal name or number, like SIGTERM or SIGRTMIN+3"),
        EXEC(SK_MACHINE_ID, "MachineID", .cli = "--uuid", .opts = { OPT("uuid") }, .set_bit = SET_MACHINE_ID, .privileged = true,
             .type = &type_id, .offset = O(uuid), .expected = "a 128-bit ID of 32 hexadecimal digits, not all zero"),
        EXEC(SK_PRIVATE_USERS, "PrivateUsers", .cli = "--private-users", .opts = { OPT("private-users"), FLAG(NULL, 'U', "pick") },
             .set_bit = SET_PRIVATE_USERS, .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_users),
        EXEC(SK_NOTIFY_READY, "NotifyReady", .cli = "--notify-ready", .opts = { OPTIONAL_BOOL("notify-ready") },
             .set_bit = SET_NOTIFY_READY, .type = &type_bool, .offset = O(notify_ready), .expected = BOOLEAN),
        /* Allow entries are privileged, deny entries (~) are not: settings-merge.c. */
        EXEC(SK_SYSCALL_FILTER, "SystemCallFilter", .cli = "--system-call-filter", .opts = { OPT("system-call-filter") },
             .set_bit = SET_SYSCALL_FILTER, .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_syscall,
             .offset = O(syscall_filter), .arg = O(n_syscall_filter),
             .expected = "system call names or @groups, the whole list optionally prefixed by ~"),
        LIMIT(RLIMIT_CPU, "CPU"),           LIMIT(RLIMIT_FSIZE, "FSIZE"),     LIMIT(RLIMIT_DATA, "DATA"),
        LIMIT(RLIMIT_STACK, "STACK"),       LIMIT(RLIMIT_CORE, "CORE"),       LIMIT(RLIMIT_RSS, "RSS"),
        LIMIT(RLIMIT_NOFILE, "NOFILE"),     LIMIT(RLIMIT_AS, "AS"),           LIMIT(RLIMIT_NPROC, "NPROC"),
        LIMIT(RLIMIT_MEMLOCK, "MEMLOCK"),   LIMIT(RLIMIT_LOCKS, "LOCKS"),     LIMIT(RLIMIT_SIGPENDING, "SIGPENDING"),
        LIMIT(RLIMIT_MSGQUEUE, "MSGQUEUE"), LIMIT(RLIMIT_NICE, "NICE"),       LIMIT(RLIMIT_RTPRIO, "RTPRIO"),
        LIMIT(RLIMIT_RTTIME, "RTTIME"),
        EXEC(SK_OOM_SCORE_ADJUST, "OOMScoreAdjust", .cli = "--oom-score-adjust", .opts = { OPT("oom-score-adjust") },
             .set_bit = SET_OOM_SCORE, .privileged = true, .type = &type_oom, .expected = "an integer from -1000 to 1000"),
        EXEC(SK_CPU_AFFINITY, "CPUAffinity", .cli = "--cpu-affinity", .opts = { OPT("cpu-affinity") }, .set_bit = SET_CPU_AFFINITY,
             .privileged = true, .flags = KEY_CLI_REPLACES, .type = &type_cpus),
        EXEC(SK_HOSTNAME, "Hostname", .cli = "--hostname", .opts = { OPT("hostname") }, .set_bit = SET_HOSTNAME, .type = &type_string,
             .offset = O(hostname), .data = &check_hostname,
             .expected = "a host name (letters, digits, '-', '_', dot-separated, at most 64 bytes)"),
        EXEC(SK_RESOLV_CONF, "ResolvConf", .cli = "--resolv-conf", .opts = { OPT("resolv-conf") }, .set_bit = SET_RESOLV_CONF,
             .type = &type_enum, .offset = O(resolv_conf), .data = &names_resolv_conf,
             .expected = "off, delete, auto, a boolean, or copy-, replace- or bind- followed by host, static, uplink or stub"),
        /* nspawn's file-system features (timezone.c, journal-link.c, mount-volatile.c, mount-overlay.c). */
        EXEC(SK_TIMEZONE, "Timezone", .cli = "--timezone", .opts = { OPT("timezone") }, .set_bit = SET_TIMEZONE,
             .type = &type_enum, .offset = O(timezone), .data = &names_timezone,
             .expected = "off, copy, bind, symlink, delete, auto or a boolean"),
        EXEC(SK_LINK_JOURNAL, "LinkJournal", .cli = "--link-journal", .opts = { OPT("link-journal"), FLAG(NULL, 'j', "try-guest") },
             .set_bit = SET_LINK_JOURNAL, .privileged = true, .type = &type_enum, .offset = O(link_journal),
             .data = &names_link_journal, .expected = "no, host, try-host, guest, try-guest, auto or a boolean"),
        EXEC(SK_EPHEMERAL, "Ephemeral", .cli = "--ephemeral", .opts = { FLAG("ephemeral", 'x', "yes") }, .set_bit = SET_EPHEMERAL,
             .type = &type_bool, .offset = O(ephemeral), .expected = BOOLEAN),
        UNSUPPORTED(SK_AMBIENT_CAPABILITY, SECTION_EXEC, "AmbientCapability", "--ambient-capability"),
        EXEC(SK_PERSONALITY, "Personality", .cli = "--personality", .opts = { OPT("personality") }, .set_bit = SET_PERSONALITY,
             .type = &type_personality, .expected = "x86 or x86-64"),
        UNSUPPORTED(SK_PIVOT_ROOT, SECTION_EXEC, "PivotRoot", "--pivot-root"),
        UNSUPPORTED(SK_SUPPRESS_SYNC, SECTION_EXEC, "SuppressSync", "--suppress-sync"),

        FILES(SK_READ_ONLY, "ReadOnly", .cli = "--read-only", .opts = { FLAG("read-only", 0, "yes") }, .set_bit = SET_READ_ONLY,
              .type = &type_bool, .offset = O(read_only), .expected = BOOLEAN),
        FILES(SK_VOLATILE, "Volatile", .cli = "--volatile", .opts = { OPTIONAL_BOOL("volatile") }, .set_bit = SET_VOLATILE,
              .type = &type_enum, .offset = O(volatile_mode), .data = &names_volatile, .expected = "a boolean, state or overlay"),
        /* The mount keys apply together: settings-merge.c. */
        FILES(SK_BIND, "Bind", .cli = "--bind", .opts = { OPT("bind") }, .set_bit = SET_CUSTOM_MOUNTS, .privileged = true,
              .flags = KEY_MERGE_SPECIAL, .type = &type_mount, .arg = MOUNT_BIND),
        FILES(SK_BIND_READ_ONLY, "BindReadOnly", .cli = "--bind-ro", .opts = { OPT("bind-ro") }, .set_bit = SET_CUSTOM_MOUNTS,
              .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_mount, .arg = MOUNT_BIND_RO),
        FILES(SK_TEMPORARY_FILE_SYSTEM, "TemporaryFileSystem", .cli = "--tmpfs", .opts = { OPT("tmpfs") },
              .set_bit = SET_CUSTOM_MOUNTS, .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_mount,
              .arg = MOUNT_TMPFS),
        FILES(SK_INACCESSIBLE, "Inaccessible", .cli = "--inaccessible", .opts = { OPT("inaccessible") },
              .set_bit = SET_CUSTOM_MOUNTS, .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_mount,
              .arg = MOUNT_INACCESSIBLE),
        FILES(SK_OVERLAY, "Overlay", .cli = "--overlay", .opts = { OPT("overlay") }, .set_bit = SET_CUSTOM_MOUNTS,
              .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_mount, .arg = MOUNT_OVERLAY),
        FILES(SK_OVERLAY_READ_ONLY, "OverlayReadOnly", .cli = "--overlay-ro", .opts = { OPT("overlay-ro") },
              .set_bit = SET_CUSTOM_MOUNTS, .privileged = true, .flags = KEY_MERGE_SPECIAL, .type = &type_mount,
              .arg = MOUNT_OVERLAY_RO),
        FILES(SK_PRIVATE_USERS_OWNERSHIP, "PrivateUsersOwnership", .cli = "--private-users-ownership",
              .opts = { OPT("private-users-ownership") }, .set_bit = SET_OWNERSHIP, .privileged = true, .type = &type_enum,
              .offset = O(ownership), .data = &names_ownership, .expected = "off, chown, map or auto"),
        /* Recorded, merged and printed as PrivateUsersOwnership=: settings-file.c. */
        FILES(SK_PRIVATE_USERS_CHOWN, "PrivateUsersChown", .cli = "--private-users-ownership=chown",
              .opts = { FLAG("private-users-chown", 0, "yes") }, .set_bit = SET_OWNERSHIP,
              .privileged = true, .type = &type_chown, .expected = BOOLEAN),
        UNSUPPORTED(SK_BIND_USER, SECTION_FILES, "BindUser", "--bind-user"),

        NET(SK_PRIVATE, "Private", .cli = "--private-network",
            .opts = { OPTIONAL_BOOL("private-network"), FLAG("share-network", 0, "no") }, .type = &type_bool,
            .offset = O(private_network), .expected = BOOLEAN),
        NET(SK_VIRTUAL_ETHERNET, "VirtualEthernet", .cli = "--network-veth", .opts = { FLAG("network-veth", 'n', "yes") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE, .type = &type_bool, .offset = O(network_veth), .expected = BOOLEAN),
        NET(SK_VIRTUAL_ETHERNET_EXTRA, "VirtualEthernetExtra", .cli = "--network-veth-extra", .opts = { OPT("network-veth-extra") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE, .type = &type_pair, .offset = O(veth_extra), .arg = O(n_veth_extra)),
        NET(SK_INTERFACE, "Interface", .cli = "--network-interface", .opts = { OPT("network-interface") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE, .type = &type_pairs, .offset = O(interfaces), .arg = O(n_interfaces)),
        NET(SK_MACVLAN, "MACVLAN", .cli = "--network-macvlan", .opts = { OPT("network-macvlan") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE, .type = &type_pairs, .offset = O(macvlan), .arg = O(n_macvlan),
            .data = "mv-"),
        NET(SK_IPVLAN, "IPVLAN", .cli = "--network-ipvlan", .opts = { OPT("network-ipvlan") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE, .type = &type_pairs, .offset = O(ipvlan), .arg = O(n_ipvlan),
            .data = "iv-"),
        NET(SK_BRIDGE, "Bridge", .cli = "--network-bridge", .opts = { OPT("network-bridge") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE | KEY_IMPLIES_VETH, .type = &type_string, .offset = O(network_bridge),
            .data = &check_ifname, .expected = "a network interface name"),
        NET(SK_ZONE, "Zone", .cli = "--network-zone", .opts = { OPT("network-zone") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE | KEY_IMPLIES_VETH, .type = &type_string, .offset = O(network_zone),
            .data = &check_zone, .expected = "a zone name of at most 12 characters (the bridge is vz-NAME)"),
        /* Not part of the [Network] group: the command line's --port masks only Port=. */
        ROW(SK_PORT, SECTION_NETWORK, "Port", .cli = "--port", .opts = { OPT("port", 'p') }, .set_bit = SET_PORTS, .privileged = true,
            .type = &type_ports),
        NET(SK_HOST_ADDRESS, "HostAddress", .cli = "--host-address", .opts = { OPT("host-address") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE | KEY_IMPLIES_VETH, .type = &type_addrs, .offset = O(host_addresses),
            .arg = O(n_host_addresses), .expected = "an IPv4 or IPv6 address with an optional /PREFIXLENGTH"),
        NET(SK_LOCAL_ADDRESS, "LocalAddress", .cli = "--local-address", .opts = { OPT("local-address") },
            .flags = KEY_MERGE_SPECIAL | KEY_IMPLIES_PRIVATE | KEY_IMPLIES_VETH, .type = &type_addrs, .offset = O(local_addresses),
            .arg = O(n_local_addresses), .expected = "an IPv4 or IPv6 address with an optional /PREFIXLENGTH"),
        NET(SK_IP_MASQUERADE, "IPMasquerade", .cli = "--masquerade", .opts = { OPTIONAL_BOOL("masquerade") }, .type = &type_bool,
            .offset = O(masquerade), .expected = BOOLEAN),

        RES(SK_MEMORY_MAX, "MemoryMax", memory_max, memory_max_set, res_memory),
        RES(SK_MEMORY_HIGH, "MemoryHigh", memory_high, memory_high_set, res_memory),
        RES(SK_TASKS_MAX, "TasksMax", tasks_max, tasks_max_set, res_tasks),
        RES(SK_CPU_QUOTA, "CPUQuota", cpu_quota_usec, cpu_quota_set, res_quota),
        RES(SK_CPU_WEIGHT, "CPUWeight", cpu_weight, cpu_weight_set, res_weight),
        RES(SK_IO_WEIGHT, "IOWeight", io_weight, io_weight_set, res_weight),
};
/* clang-format on */
#pragma GCC diagnostic pop

static const char *const section_names[_SECTION_MAX] = {
        [SECTION_EXEC] = "Exec",
        [SECTION_FILES] = "Files",
        [SECTION_NETWORK] = "Network",
        [SECTION_RESOURCES] = "Resources",
};

const struct settings_key_info *settings_key_info(enum settings_key k) {
        assert(k >= 0 && k < _SK_MAX);
        return &keys[k];
}

const char *settings_section_name(enum settings_section s) {
        assert(s >= 0 && s < _SECTION_MAX);
        return section_names[s];
}

const struct settings_key_info *settings_key_lookup(enum settings_section s, const char *name) {
        for (size_t i = 0; i < _SK_MAX; i++)
                if (keys[i].section == s && streq(keys[i].name, name))
                        return &keys[i];
        return NULL;
}

bool settings_key_implemented(enum settings_key k) {
        assert(k >= 0 && k < _SK_MAX);
        return keys[k].supported && keys[k].implemented;
}

/* ---- the operations ---- */

int settings_key_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err) {
        assert(k->type && *v);
        return k->type->parse(k, v, o, err);
}

int settings_key_parse_cli(const struct settings_key_info *k, const struct settings_cli *opt, const char *v, struct options *o,
                           struct nb_error *err) {
        const char *value = opt->value ? opt->value : v ? v : "yes";
        char name[64];
        int r;

        if (opt->name)
                snprintf(name, sizeof(name), "--%s", opt->name);
        else
                snprintf(name, sizeof(name), "-%c", opt->short_name);
        if (!k->supported)
                return nb_error_set(err, 0, "%s is not supported by nixbox", name);

        /* No empty-value shortcut: "" is the file's reset syntax, an
         * option's value goes to the parser, which refuses it or not. */
        if (k->flags & KEY_CLI_REPLACES)
                settings_key_reset(k, o);
        if (err)
                err->msg[0] = 0;
        r = k->flags & KEY_CLI_ONE_ITEM ? parse_item(k, value, o, err) : k->type->parse(k, value, o, err);
        if (r == -EOPNOTSUPP)
                return nb_error_set(err, 0, "%s=%s is not supported by nixbox", name, value);
        if (r < 0) {
                if (err && !err->msg[0])
                        return nb_error_set(err, r, "%s", name);
                nb_error_prefix(err, "%s", name);
                return r;
        }
        o->set_mask |= k->set_bit;
        if (k->flags & (KEY_IMPLIES_PRIVATE | KEY_IMPLIES_VETH))
                o->private_network = true;
        if (k->flags & KEY_IMPLIES_VETH)
                o->network_veth = true;
        return 0;
}

void settings_key_reset(const struct settings_key_info *k, struct options *o) {
        k->type->reset(k, o);
}

int settings_key_copy(const struct settings_key_info *k, struct options *dst, const struct options *src) {
        return k->type->copy(k, dst, src);
}

bool settings_key_print(const struct settings_key_info *k, FILE *f, const struct options *o) {
        return k->type->print(k, f, o);
}

bool settings_key_from_command_line(const struct settings_key_info *k, const struct options *o) {
        /* A command or --boot decides the start mode, Boot= and ProcessTwo= together. */
        if (k->key == SK_PROCESS_TWO)
                return o->set_mask & (SET_PROCESS_TWO | SET_BOOT | SET_PARAMETERS);
        if (k->key == SK_BOOT)
                return o->set_mask & (SET_BOOT | SET_PARAMETERS);
        if (!k->set_bit || !(o->set_mask & k->set_bit))
                return false;
        return !(k->flags & KEY_PER_VALUE) || k->type->is_set(k, o);
}
