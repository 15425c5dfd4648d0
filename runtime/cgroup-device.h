/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device-access policy of the container's cgroup (cgroup v2: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program), allowing only the devices the
 * Container Interface lists, as nspawn's DeviceAllow= list does. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include <stddef.h>
#include <stdint.h>

struct cgroup;
struct nb_error;
struct options;

struct device_rule {
        unsigned type;         /* BPF_DEVCG_DEV_CHAR or _BLOCK */
        uint32_t major, minor; /* UINT32_MAX: any */
        unsigned access;       /* BPF_DEVCG_ACC_* bits allowed */
};
#define DEVICE_RULES_MAX 128

/* "rwm" and its subsets into BPF_DEVCG_ACC_* bits ("" is rwm); -EINVAL. */
int parse_device_access(const char *s, unsigned *ret);

/* The rules for options o (NULL: the defaults): DevicePolicy=,
 * DeviceAllow= (host paths stat'ed now, char-/block- classes read from
 * /proc/devices) and the binds whose source is a device node. */
int cg_device_rules(const struct options *o, struct device_rule *rules, size_t max, size_t *ret_n, struct nb_error *err);

/* Attaches the policy for o (NULL: the defaults) to payload/. A kernel
 * without the program type is a warning, not a failure. */
int cg_device_policy_apply(struct cgroup *cg, const struct options *o, struct nb_error *err);

/* A rule of a caller's device policy: type BPF_DEVCG_DEV_CHAR/_BLOCK or 0
 * for any, major/minor -1 for any, access BPF_DEVCG_ACC_* bits. */
struct cg_device_rule {
        unsigned type;
        long long major, minor;
        unsigned access;
        bool allow;
};
#define CG_DEVICE_RULES_MAX 512
/* Loads a program in which the last rule matching an access decides
 * (default_allow when none does) and attaches it to the cgroup DIR. */
int cg_device_rules_attach(const char *dir, const struct cg_device_rule *rules, size_t n_rules, bool default_allow,
                           struct nb_error *err);
