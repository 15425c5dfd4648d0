/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: PrivateUsers=, CPUAffinity=, OOMScoreAdjust=. The grammar of
 * each follows systemd-nspawn's (see parse-exec.h). */

#include "error.h"
#include "parse-util.h"

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
                        return nb_error_set(err,
                                            0, "invalid private users setting \"%s\": expected yes, no, pick, identity or UIDBASE[:NUIDS]",
                                            s);
                /* nspawn's userns_shift_range_valid(): non-empty, within uid_t, not touching (uid_t) -1. */
                if (range == 0 || shift >= UINT32_MAX || range >= UINT32_MAX || shift + range > UINT32_MAX)
                        return nb_error_set(err, 0, "invalid private users range \"%s\": empty or beyond %u", s, UINT32_MAX);
                o->private_users = PRIVATE_USERS_FIXED;
                o->uid_shift = (uid_t) shift;
                o->uid_range = (uid_t) range;
        }
        return 0;
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
