/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's capability sets, as systemd-nspawn sets them: a fixed
 * bounding set, permitted = effective = bounding for root, inheritable and
 * ambient empty. */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "capabilities.h"
#include "error.h"
#include "macro.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static void cap_freep(void *p) {
        cap_free(*(void **) p);
}

uint64_t caps_default_bounding(bool private_network, bool userns_shifted) {
        /* nspawn's arg_caps_retain (container-interface.md §2.1): 26 caps. */
        uint64_t caps =
                CAP_BIT(CAP_AUDIT_CONTROL) | CAP_BIT(CAP_AUDIT_WRITE) | CAP_BIT(CAP_CHOWN) |
                CAP_BIT(CAP_DAC_OVERRIDE) | CAP_BIT(CAP_DAC_READ_SEARCH) | CAP_BIT(CAP_FOWNER) |
                CAP_BIT(CAP_FSETID) | CAP_BIT(CAP_IPC_OWNER) | CAP_BIT(CAP_KILL) |
                CAP_BIT(CAP_LEASE) | CAP_BIT(CAP_LINUX_IMMUTABLE) | CAP_BIT(CAP_MKNOD) |
                CAP_BIT(CAP_NET_BIND_SERVICE) | CAP_BIT(CAP_NET_BROADCAST) | CAP_BIT(CAP_NET_RAW) |
                CAP_BIT(CAP_SETFCAP) | CAP_BIT(CAP_SETGID) | CAP_BIT(CAP_SETPCAP) |
                CAP_BIT(CAP_SETUID) | CAP_BIT(CAP_SYS_ADMIN) | CAP_BIT(CAP_SYS_BOOT) |
                CAP_BIT(CAP_SYS_CHROOT) | CAP_BIT(CAP_SYS_NICE) | CAP_BIT(CAP_SYS_PTRACE) |
                CAP_BIT(CAP_SYS_RESOURCE) | CAP_BIT(CAP_SYS_TTY_CONFIG);

        if (private_network)
                caps |= CAP_BIT(CAP_NET_ADMIN);
        else if (userns_shifted)
                /* Binding low ports of the host's network from a foreign
                 * user range would let the container squat host services. */
                caps &= ~CAP_BIT(CAP_NET_BIND_SERVICE);
        return caps;
}

/* One word, with or without "cap_", any case, or a number below 64. */
static int cap_from_word(const char *word, cap_value_t *ret) {
        char name[64];
        cap_value_t cap;

        if (strlen(word) + sizeof("cap_") > sizeof(name))
                return -EINVAL;
        snprintf(name, sizeof(name), "%s%s", strncasecmp(word, "cap_", 4) == 0 ? "" : "cap_", word);
        for (char *p = name; *p; p++)
                *p = tolower((unsigned char) *p);

        if (isdigit((unsigned char) word[0])) {
                char *end;
                unsigned long n;
                errno = 0;
                n = strtoul(word, &end, 10);
                if (errno != 0 || *end || n >= 64)
                        return -EINVAL;
                *ret = (cap_value_t) n;
                return 0;
        }
        if (cap_from_name(name, &cap) < 0 || cap < 0 || cap >= 64)
                return -EINVAL;
        *ret = cap;
        return 0;
}

int caps_parse(const char *spec, uint64_t *mask, struct nb_error *err) {
        _cleanup_free_ char *copy = strdup(spec);
        uint64_t parsed = 0;
        char *save = NULL;

        assert(mask);
        if (!copy)
                return nb_error_set(err, ENOMEM, "parse capability list");

        for (char *word = strtok_r(copy, " \t\n,", &save); word; word = strtok_r(NULL, " \t\n,", &save)) {
                cap_value_t cap;

                if (strcasecmp(word, "all") == 0) {
                        parsed = CAPS_ALL;
                        continue;
                }
                if (cap_from_word(word, &cap) < 0)
                        return nb_error_set(err, 0, "unknown capability '%s'", word);
                parsed |= CAP_BIT(cap);
        }
        *mask |= parsed;
        return 0;
}

void caps_format(uint64_t mask, char *buf, size_t size) {
        size_t len = 0;

        assert(buf && size > 0);
        buf[0] = 0;
        if (mask == CAPS_ALL) {
                snprintf(buf, size, "all");
                return;
        }
        for (cap_value_t c = 0; c < 64; c++) {
                if (!(mask & CAP_BIT(c)))
                        continue;
                char *name = cap_to_name(c);   /* "cap_chown", or the number when unknown */
                int n = snprintf(buf + len, size - len, "%s%s", len ? " " : "", name ? name : "?");
                cap_free(name);
                if (n < 0 || (size_t) n >= size - len)
                        return;   /* truncated, still terminated */
                len += n;
        }
}

/* Capabilities this kernel knows; libcap may know more or fewer. */
static cap_value_t kernel_cap_count(void) {
        cap_value_t n = cap_max_bits();
        return n > 64 ? 64 : n;
}

int caps_apply(uint64_t bounding, bool no_new_privs, struct nb_error *err) {
        cap_value_t n_caps = kernel_cap_count();
        _cleanup_(cap_freep) cap_t current = cap_get_proc();
        _cleanup_(cap_freep) cap_t wanted = cap_init();
        int r;

        if (!current || !wanted)
                return nb_error_set(err, errno, "read the process capabilities");

        /* Dropping from the bounding set needs CAP_SETPCAP in the effective
         * set, which a uid change with keepcaps has cleared: raise effective
         * to permitted first. */
        if (cap_fill(current, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(current) < 0)
                return nb_error_set(err, errno, "raise the effective capabilities");

        for (cap_value_t c = 0; c < n_caps; c++) {
                if (bounding & CAP_BIT(c))
                        continue;
                /* A capability already outside our bounding set (this host
                 * lacks CAP_SYS_RESOURCE, say) needs no dropping: only then
                 * may the drop fail (without CAP_SETPCAP, say). Asked after
                 * a failure only, to save a call per capability. */
                if (cap_drop_bound(c) == 0)
                        continue;
                int e = errno;
                if (cap_get_bound(c) <= 0)
                        continue;
                _cleanup_(cap_freep) char *name = cap_to_name(c);
                return nb_error_set(err, e, "drop %s from the bounding set", name ? name : "?");
        }

        /* Kernels without ambient capabilities have nothing to clear. */
        if (cap_reset_ambient() < 0 && errno != EINVAL)
                return nb_error_set(err, errno, "clear the ambient capabilities");

        /* Root keeps bounding ∩ what we actually hold; anyone else nothing. */
        if (geteuid() == 0)
                for (cap_value_t c = 0; c < n_caps; c++) {
                        cap_flag_value_t have = CAP_CLEAR;
                        if (!(bounding & CAP_BIT(c)))
                                continue;
                        if (cap_get_flag(current, c, CAP_PERMITTED, &have) < 0 || have != CAP_SET)
                                continue;
                        cap_value_t v[1] = { c };
                        if (cap_set_flag(wanted, CAP_PERMITTED, 1, v, CAP_SET) < 0 ||
                            cap_set_flag(wanted, CAP_EFFECTIVE, 1, v, CAP_SET) < 0)
                                return nb_error_set(err, errno, "build the capability set");
                }
        if (cap_set_proc(wanted) < 0)
                return nb_error_set(err, errno, "set the process capabilities");

        if (no_new_privs) {
                r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                if (r < 0)
                        return nb_error_set(err, errno, "set no_new_privs");
        }
        return 0;
}
