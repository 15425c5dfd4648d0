/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: sizes, percentages, cgroup limits ([Resources]) and rlimits
 * (Limit*=). The grammar of each follows systemd-nspawn's (see parse-size.h). */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>

#include "error.h"
#include "parse-util.h"

/* ---- sizes, percentages, limits ---- */

int parse_size(const char *s, uint64_t *bytes) {
        static const struct {
                char c;
                unsigned shift;
        } suffixes[] = {
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
                        if (frac_div < UINT64_C(1000000000000)) { /* more digits add nothing */
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
                return -EINVAL; /* a fraction of a byte */
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
                return nb_error_set(err,
                                    0, "invalid memory limit \"%s\": expected bytes with an optional K, M, G or T suffix, a percentage or \"infinity\"",
                                    s);
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
        [RLIMIT_CPU] = "CPU",           [RLIMIT_FSIZE] = "FSIZE", [RLIMIT_DATA] = "DATA",
        [RLIMIT_STACK] = "STACK",       [RLIMIT_CORE] = "CORE",   [RLIMIT_RSS] = "RSS",
        [RLIMIT_NOFILE] = "NOFILE",     [RLIMIT_AS] = "AS",       [RLIMIT_NPROC] = "NPROC",
        [RLIMIT_MEMLOCK] = "MEMLOCK",   [RLIMIT_LOCKS] = "LOCKS", [RLIMIT_SIGPENDING] = "SIGPENDING",
        [RLIMIT_MSGQUEUE] = "MSGQUEUE", [RLIMIT_NICE] = "NICE",   [RLIMIT_RTPRIO] = "RTPRIO",
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
        case RLIMIT_FSIZE:
        case RLIMIT_DATA:
        case RLIMIT_STACK:
        case RLIMIT_CORE:
        case RLIMIT_RSS:
        case RLIMIT_AS:
        case RLIMIT_MEMLOCK:
        case RLIMIT_MSGQUEUE:
                if (parse_size(s, &v) < 0)
                        return -EINVAL;
                break;
        case RLIMIT_CPU:
        case RLIMIT_RTTIME: {
                static const struct {
                        const char *suffix;
                        uint64_t usec;
                } units[] = {
                        { "us", 1 },         { "ms", 1000 },    { "s", 1000000 },       { "sec", 1000000 },
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
                return nb_error_set(err, 0,
                                    "unknown resource limit \"%s\": expected one of CPU FSIZE DATA STACK CORE RSS "
                                    "NOFILE AS NPROC MEMLOCK LOCKS SIGPENDING MSGQUEUE NICE RTPRIO RTTIME",
                                    name);
        r = parse_rlimit_for(res, eq + 1, rl, err);
        if (r < 0)
                return r;
        *resource = res;
        return 0;
}
