/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --property=: the resource-control properties of systemd.resource-control(5)
 * that nspawn users put on its scope, mapped to the container's cgroup2
 * files (memory.*, pids.max, cpu.*, io.*, cpuset.*) and its BPF device
 * policy. A missing controller is a warning when the value is written
 * (runtime/cgroup.c), never a failed boot. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-device.h"
#include "error.h"
#include "macro.h"
#include "options.h"
#include "parse-util.h"
#include "scope-property.h"

#define NO_UNIT "nixbox starts no systemd unit for the container"

const struct scope_property scope_properties[] = {
        { "MemoryMax", PROP_APPLIED, "memory.max" },
        { "MemoryLimit", PROP_APPLIED, "memory.max (the cgroup v1 name of MemoryMax=)" },
        { "MemoryHigh", PROP_APPLIED, "memory.high" },
        { "MemoryMin", PROP_APPLIED, "memory.min" },
        { "MemoryLow", PROP_APPLIED, "memory.low" },
        { "MemorySwapMax", PROP_APPLIED, "memory.swap.max" },
        { "TasksMax", PROP_APPLIED, "pids.max" },
        { "CPUQuota", PROP_APPLIED, "cpu.max" },
        { "CPUWeight", PROP_APPLIED, "cpu.weight" },
        { "IOWeight", PROP_APPLIED, "io.weight" },
        { "IODeviceWeight", PROP_APPLIED, "io.weight (per device)" },
        { "IOReadBandwidthMax", PROP_APPLIED, "io.max rbps" },
        { "IOWriteBandwidthMax", PROP_APPLIED, "io.max wbps" },
        { "IOReadIOPSMax", PROP_APPLIED, "io.max riops" },
        { "IOWriteIOPSMax", PROP_APPLIED, "io.max wiops" },
        { "AllowedCPUs", PROP_APPLIED, "cpuset.cpus" },
        { "AllowedMemoryNodes", PROP_APPLIED, "cpuset.mems" },
        { "DeviceAllow", PROP_APPLIED, "the BPF device policy" },
        { "DevicePolicy", PROP_APPLIED, "the BPF device policy" },
        { "CPUAccounting", PROP_NO_EFFECT, "cgroup2 accounts for every enabled controller" },
        { "MemoryAccounting", PROP_NO_EFFECT, "cgroup2 accounts for every enabled controller" },
        { "TasksAccounting", PROP_NO_EFFECT, "cgroup2 accounts for every enabled controller" },
        { "IOAccounting", PROP_NO_EFFECT, "cgroup2 accounts for every enabled controller" },
        { "CPUShares", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only): use CPUWeight=" },
        { "StartupCPUShares", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only)" },
        { "BlockIOWeight", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only): use IOWeight=" },
        { "BlockIODeviceWeight", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only): use IODeviceWeight=" },
        { "BlockIOReadBandwidth", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only): use IOReadBandwidthMax=" },
        { "BlockIOWriteBandwidth", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only): use IOWriteBandwidthMax=" },
        { "BlockIOAccounting", PROP_REFUSED, "a cgroup v1 property (nixbox uses cgroup2 only)" },
        { "StartupCPUWeight", PROP_REFUSED, "nixbox has no start-up phase of a service manager to apply it in" },
        { "StartupIOWeight", PROP_REFUSED, "nixbox has no start-up phase of a service manager to apply it in" },
        { "StartupAllowedCPUs", PROP_REFUSED, "nixbox has no start-up phase of a service manager to apply it in" },
        { "StartupAllowedMemoryNodes", PROP_REFUSED, "nixbox has no start-up phase of a service manager to apply it in" },
        { "CPUQuotaPeriodSec", PROP_REFUSED, "not implemented (the cpu.max period is 100 ms)" },
        { "IODeviceLatencyTargetSec", PROP_REFUSED, "not implemented (io.latency)" },
        { "IPAccounting", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "IPAddressAllow", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "IPAddressDeny", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "IPIngressFilterPath", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "IPEgressFilterPath", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "SocketBindAllow", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "SocketBindDeny", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "RestrictNetworkInterfaces", PROP_REFUSED, "needs systemd's BPF socket programs, which nixbox does not attach" },
        { "BPFProgram", PROP_REFUSED, "nixbox attaches no BPF programs of the caller's" },
        { "ManagedOOMSwap", PROP_REFUSED, "needs systemd-oomd, which nixbox does not talk to" },
        { "ManagedOOMMemoryPressure", PROP_REFUSED, "needs systemd-oomd, which nixbox does not talk to" },
        { "ManagedOOMMemoryPressureLimit", PROP_REFUSED, "needs systemd-oomd, which nixbox does not talk to" },
        { "ManagedOOMPreference", PROP_REFUSED, "needs systemd-oomd, which nixbox does not talk to" },
        { "Delegate", PROP_REFUSED, "the container's cgroup is always delegated to its root (" NO_UNIT ")" },
        { "DisableControllers", PROP_REFUSED, NO_UNIT },
        { "Slice", PROP_REFUSED, "use --slice= (" NO_UNIT ")" },
        { "Description", PROP_REFUSED, NO_UNIT },
        { "KillMode", PROP_REFUSED, NO_UNIT "; stopping kills the whole cgroup" },
        { "KillSignal", PROP_REFUSED, NO_UNIT "; use --kill-signal=" },
        { "SendSIGKILL", PROP_REFUSED, NO_UNIT },
        { "SendSIGHUP", PROP_REFUSED, NO_UNIT },
        { "TimeoutStopSec", PROP_REFUSED, NO_UNIT },
        { "CollectMode", PROP_REFUSED, NO_UNIT },
        { "AddRef", PROP_REFUSED, NO_UNIT },
};
const unsigned n_scope_properties = ELEMENTSOF(scope_properties);

static const struct scope_property *find_property(const char *name) {
        for (unsigned i = 0; i < n_scope_properties; i++)
                if (streq(scope_properties[i].name, name))
                        return &scope_properties[i];
        return NULL;
}

static int parse_count(const char *s, uint64_t *ret) {
        char *end;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return errno ? -errno : *end ? -EINVAL : 0;
}

/* DeviceAllow='s access letters (declared in cgroup-device.h, which uses
 * them too; here so that the settings parsers link without the BPF code). */
int parse_device_access(const char *s, unsigned *ret) {
        unsigned a = 0;

        if (!*s) {
                *ret = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD; /* systemd: none given is rwm */
                return 0;
        }
        for (; *s; s++) {
                unsigned bit = *s == 'r' ? BPF_DEVCG_ACC_READ
                        : *s == 'w'      ? BPF_DEVCG_ACC_WRITE
                        : *s == 'm'      ? BPF_DEVCG_ACC_MKNOD
                                         : 0;
                if (!bit || (a & bit))
                        return -EINVAL;
                a |= bit;
        }
        *ret = a;
        return 0;
}

/* Bandwidths in bytes per second, with systemd's base-1000 K/M/G/T. */
static int parse_bandwidth(const char *s, uint64_t *ret) {
        static const char suffixes[] = "KMGT";
        uint64_t v, mult = 1;
        char *end;

        if (streq(s, "infinity") || streq(s, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno)
                return -errno;
        if (*end) {
                const char *k = strchr(suffixes, *end);
                if (!k || end[1])
                        return -EINVAL;
                for (long i = 0; i <= k - suffixes; i++)
                        mult *= 1000;
        }
        if (v == 0 || v > UINT64_MAX / mult)
                return -ERANGE;
        *ret = v * mult;
        return 0;
}

/* "PATH VALUE" of the IO*Max= and IODeviceWeight= properties. */
static int parse_io_limit(const char *name, const char *value, enum io_limit_kind kind, struct resources *res,
                          struct nb_error *err) {
        const char *sp = strpbrk(value, " \t");
        struct io_limit *l;
        int r;

        if (!*value) {
                /* Empty: forget the limits of this kind. */
                size_t k = 0;
                for (size_t i = 0; i < res->n_io_limits; i++)
                        if (res->io_limits[i].kind != kind)
                                res->io_limits[k++] = res->io_limits[i];
                res->n_io_limits = k;
                return 0;
        }
        if (!sp || value[0] != '/' || (size_t) (sp - value) >= sizeof(l->path))
                return nb_error_set(err, 0,
                                    "invalid --property=%s=%s: expected an absolute PATH (of a block device or a "
                                    "file on it) and a value",
                                    name, value);
        if (res->n_io_limits >= IO_LIMIT_MAX)
                return nb_error_set(err, 0, "--property=%s=%s: more than %d I/O limits", name, value, IO_LIMIT_MAX);
        l = &res->io_limits[res->n_io_limits];
        *l = (struct io_limit){ .kind = kind };
        memcpy(l->path, value, (size_t) (sp - value));
        sp += strspn(sp, " \t");
        if (kind == IO_WEIGHT) {
                r = parse_weight(sp, &l->value, err);
                if (r < 0)
                        return r;
        } else if (kind == IO_RBPS || kind == IO_WBPS ? parse_bandwidth(sp, &l->value) < 0
                                                      : parse_count(sp, &l->value) < 0 || l->value == 0)
                return nb_error_set(err, 0, "invalid --property=%s=%s: expected %s", name, value,
                                    kind == IO_RBPS || kind == IO_WBPS
                                            ? "bytes per second (K, M, G, T: powers of 1000) or infinity"
                                            : "a number of operations per second >= 1");
        res->n_io_limits++;
        return 0;
}

static int parse_device_allow(const char *value, struct resources *res, struct nb_error *err) {
        const char *sp = strpbrk(value, " \t");
        size_t len = sp ? (size_t) (sp - value) : strlen(value);
        struct device_allow *d;

        if (!*value) {
                res->n_device_allow = 0; /* systemd: an empty DeviceAllow= resets the list */
                return 0;
        }
        if (len >= sizeof(d->spec) ||
            !(strncmp(value, "/dev/", 5) == 0 || (value[0] == '/' && len > 1) || strncmp(value, "char-", 5) == 0 ||
              strncmp(value, "block-", 6) == 0))
                return nb_error_set(err, 0,
                                    "invalid --property=DeviceAllow=%s: expected a device node path, char-NAME or "
                                    "block-NAME, then optionally r, w, m",
                                    value);
        if (res->n_device_allow >= DEVICE_ALLOW_MAX)
                return nb_error_set(err, 0, "--property=DeviceAllow=%s: more than %d DeviceAllow= entries", value,
                                    DEVICE_ALLOW_MAX);
        d = &res->device_allow[res->n_device_allow];
        memset(d, 0, sizeof(*d));
        memcpy(d->spec, value, len);
        if (parse_device_access(sp ? sp + strspn(sp, " \t") : "", &d->access) < 0)
                return nb_error_set(err, 0, "invalid --property=DeviceAllow=%s: the access is a combination of r, w and m", value);
        res->n_device_allow++;
        return 0;
}

/* "0-3 7" or "0-3,7" into the "0-3,7" cpuset files want. */
static int parse_cpuset_list(const char *name, const char *value, char *out, size_t size, struct nb_error *err) {
        uint64_t set[16];
        int r;

        if (!*value) {
                out[0] = 0;
                return 0;
        }
        r = parse_cpu_set(value, set, err);
        if (r < 0)
                return nb_error_set(err, err->errnum, "invalid --property=%s=%s: %s", name, value, err->msg);
        cpu_set_to_string(set, out, size);
        for (char *p = out; *p; p++)
                if (*p == ' ')
                        *p = ',';
        return 0;
}

int scope_property_parse(const char *spec, struct resources *res, struct nb_error *err) {
        const char *eq = strchr(spec, '='), *v;
        const struct scope_property *p;
        char name[64];
        int r;

        if (!eq || eq == spec || (size_t) (eq - spec) >= sizeof(name))
                return nb_error_set(err, 0, "invalid --property '%s': expected NAME=VALUE", spec);
        memcpy(name, spec, (size_t) (eq - spec));
        name[eq - spec] = 0;
        v = eq + 1;
        p = find_property(name);
        if (!p)
                return nb_error_set(err, 0,
                                    "--property=%s: %s is not a resource-control property nixbox knows; it "
                                    "applies MemoryMax, MemoryHigh, MemoryMin, MemoryLow, MemorySwapMax, TasksMax, CPUQuota, "
                                    "CPUWeight, IOWeight, IODeviceWeight, IO{Read,Write}{Bandwidth,IOPS}Max, AllowedCPUs, "
                                    "AllowedMemoryNodes, DeviceAllow and DevicePolicy (see nixbox(1), PROPERTIES)",
                                    spec, name);
        if (p->kind == PROP_REFUSED)
                return nb_error_set(err, 0, "--property=%s: %s is not supported: %s", spec, name, p->why);
        if (p->kind == PROP_NO_EFFECT)
                return parse_boolean(v) < 0 ? nb_error_set(err, 0, "invalid --property=%s: expected a boolean", spec) : 0;

#define U64_PROP(key, field, parser)                       \
        if (streq(name, key)) {                            \
                if (!*v) {                                 \
                        res->field##_set = false;          \
                        return 0;                          \
                }                                          \
                if ((r = parser(v, &res->field, err)) < 0) \
                        return r;                          \
                res->field##_set = true;                   \
                return 0;                                  \
        }
        U64_PROP("MemoryMax", memory_max, parse_memory_limit)
        U64_PROP("MemoryLimit", memory_max, parse_memory_limit)
        U64_PROP("MemoryHigh", memory_high, parse_memory_limit)
        U64_PROP("MemoryMin", memory_min, parse_memory_limit)
        U64_PROP("MemoryLow", memory_low, parse_memory_limit)
        U64_PROP("MemorySwapMax", memory_swap_max, parse_memory_limit)
        U64_PROP("TasksMax", tasks_max, parse_tasks_max)
        U64_PROP("CPUWeight", cpu_weight, parse_weight)
        U64_PROP("IOWeight", io_weight, parse_weight)
#undef U64_PROP
        if (streq(name, "CPUQuota")) {
                if (!*v) {
                        res->cpu_quota_set = false;
                        return 0;
                }
                if ((r = parse_cpu_quota(v, &res->cpu_quota_usec, err)) < 0)
                        return r;
                res->cpu_quota_set = true;
                return 0;
        }
        if (streq(name, "IODeviceWeight"))
                return parse_io_limit(name, v, IO_WEIGHT, res, err);
        if (streq(name, "IOReadBandwidthMax"))
                return parse_io_limit(name, v, IO_RBPS, res, err);
        if (streq(name, "IOWriteBandwidthMax"))
                return parse_io_limit(name, v, IO_WBPS, res, err);
        if (streq(name, "IOReadIOPSMax"))
                return parse_io_limit(name, v, IO_RIOPS, res, err);
        if (streq(name, "IOWriteIOPSMax"))
                return parse_io_limit(name, v, IO_WIOPS, res, err);
        if (streq(name, "AllowedCPUs"))
                return parse_cpuset_list(name, v, res->allowed_cpus, sizeof(res->allowed_cpus), err);
        if (streq(name, "AllowedMemoryNodes"))
                return parse_cpuset_list(name, v, res->allowed_mems, sizeof(res->allowed_mems), err);
        if (streq(name, "DeviceAllow"))
                return parse_device_allow(v, res, err);
        if (streq(name, "DevicePolicy")) {
                if (streq(v, "auto") || !*v)
                        res->device_policy = DEVICE_POLICY_AUTO;
                else if (streq(v, "closed"))
                        res->device_policy = DEVICE_POLICY_CLOSED;
                else if (streq(v, "strict"))
                        res->device_policy = DEVICE_POLICY_STRICT;
                else
                        return nb_error_set(err, 0, "invalid --property=%s: expected auto, closed or strict", spec);
                return 0;
        }
        return nb_error_set(err, 0, "--property=%s: %s is in the table but has no parser (a bug)", spec, name);
}
