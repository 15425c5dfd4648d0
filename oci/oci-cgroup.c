/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's cgroup under nixbox-oci: cgroup v2 only, under the
 * cgroup2 mount found in mountinfo (never a v1 hierarchy). An absolute
 * cgroupsPath is taken below that mount's root (as runc and crun do, so
 * engines find it), a relative one and the default below nixbox-oci/. */
#include <fcntl.h>
#include <linux/bpf.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "cgroup-device.h"
#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "oci.h"

#define OCI_CGROUP_BASE "nixbox-oci"

int oci_cgroup_path(const struct oci_config *c, const char *id, char *out, size_t size, struct nb_error *err) {
        char mount[256];
        const char *p = c->cgroups_path;
        int r;

        r = cg_find_mount(mount, sizeof(mount));
        if (r < 0)
                return nb_error_set(err, r, "find the cgroup2 mount in /proc/self/mountinfo");
        if (p && strstr(p, ".."))
                return nb_error_set(err, EINVAL, "config.json: linux.cgroupsPath %s may not contain ..", p);
        if (p && strchr(p, ':'))
                return nb_error_set(err,
                                    EOPNOTSUPP, "config.json: linux.cgroupsPath %s is a systemd slice:prefix:name, and nixbox-oci has no systemd cgroup driver",
                                    p);
        if (!p || !*p)
                r = snprintf_ok(out, size, "%s/%s/%s", mount, OCI_CGROUP_BASE, id);
        else if (p[0] == '/')
                r = snprintf_ok(out, size, "%s%s", mount, p);
        else
                r = snprintf_ok(out, size, "%s/%s/%s", mount, OCI_CGROUP_BASE, p);
        if (r < 0)
                return nb_error_set(err, r, "config.json: linux.cgroupsPath is too long");
        return 0;
}

/* Offers the parent's controllers to its children (those it has). */
static void enable_controllers(const char *dir) {
        static const char *const ctl[] = { "cpu", "io", "memory", "pids", "cpuset" };
        char path[700], have[256];

        if (snprintf_ok(path, sizeof(path), "%s/cgroup.controllers", dir) < 0 || read_string_file(path, have, sizeof(have)) < 0 ||
            snprintf_ok(path, sizeof(path), "%s/cgroup.subtree_control", dir) < 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(ctl); i++) {
                char w[16];
                if (!strstr(have, ctl[i]))
                        continue;
                snprintf(w, sizeof(w), "+%s", ctl[i]);
                (void) write_string_file(path, w);
        }
}

static int set_limit(const char *dir, const char *file, const char *value, struct nb_error *err) {
        char path[700];
        int r;

        r = snprintf_ok(path, sizeof(path), "%s/%s", dir, file);
        if (r < 0)
                return nb_error_set(err, r, "cgroup path %s", dir);
        r = write_string_file(path, value);
        if (r == -ENOENT) {
                oci_log("warning", "cgroup %s has no %s (controller not available): the limit %s is not applied", dir, file, value);
                return 0;
        }
        return r < 0 ? nb_error_set(err, r, "write %s to %s", value, path) : 0;
}

int oci_cgroup_update(const char *dir, const struct oci_resources *res, struct nb_error *err) {
        char v[64];
        int r;

        if (res->memory_limit >= 0) {
                snprintf(v, sizeof(v), "%" PRId64, res->memory_limit);
                if ((r = set_limit(dir, "memory.max", v, err)) < 0)
                        return r;
        }
        if (res->memory_reservation >= 0) {
                snprintf(v, sizeof(v), "%" PRId64, res->memory_reservation);
                if ((r = set_limit(dir, "memory.low", v, err)) < 0)
                        return r;
        }
        if (res->memory_swap >= 0 && res->memory_limit >= 0) {
                /* OCI's swap is memory+swap (v1); v2 counts swap alone. */
                snprintf(v, sizeof(v), "%" PRId64, res->memory_swap > res->memory_limit ? res->memory_swap - res->memory_limit : 0);
                if ((r = set_limit(dir, "memory.swap.max", v, err)) < 0)
                        return r;
        }
        if (res->pids_limit != 0) {
                if (res->pids_limit > 0)
                        snprintf(v, sizeof(v), "%" PRId64, res->pids_limit);
                else
                        snprintf(v, sizeof(v), "max");
                if ((r = set_limit(dir, "pids.max", v, err)) < 0)
                        return r;
        }
        if (res->cpu_shares) {
                /* The conversion runc and crun use from v1 shares to v2 weight. */
                uint64_t w = 1 + ((res->cpu_shares - 2) * 9999) / 262142;
                snprintf(v, sizeof(v), "%" PRIu64, w);
                if ((r = set_limit(dir, "cpu.weight", v, err)) < 0)
                        return r;
        }
        if (res->cpu_quota || res->cpu_period) {
                if (res->cpu_quota > 0)
                        snprintf(v, sizeof(v), "%" PRId64 " %" PRIu64, res->cpu_quota, res->cpu_period ? res->cpu_period : 100000);
                else
                        snprintf(v, sizeof(v), "max %" PRIu64, res->cpu_period ? res->cpu_period : 100000);
                if ((r = set_limit(dir, "cpu.max", v, err)) < 0)
                        return r;
        }
        if (res->cpus && *res->cpus && (r = set_limit(dir, "cpuset.cpus", res->cpus, err)) < 0)
                return r;
        if (res->mems && *res->mems && (r = set_limit(dir, "cpuset.mems", res->mems, err)) < 0)
                return r;
        if (res->io_weight) {
                snprintf(v, sizeof(v), "default %u", res->io_weight);
                if ((r = set_limit(dir, "io.weight", v, err)) < 0)
                        return r;
        }
        return 0;
}

int oci_cgroup_create(const char *dir, const struct oci_resources *res, pid_t pid, struct nb_error *err) {
        char mount[256], path[700], v[16];
        size_t n;
        int r;

        r = cg_find_mount(mount, sizeof(mount));
        if (r < 0)
                return nb_error_set(err, r, "find the cgroup2 mount");
        /* Each level below the mount, created when missing, its parent
         * offering it the controllers. */
        n = strlen(mount);
        if (strncmp(dir, mount, n) != 0 || dir[n] != '/')
                return nb_error_set(err, EINVAL, "cgroup %s is not below %s", dir, mount);
        for (size_t i = n + 1; i <= strlen(dir); i++) {
                if (dir[i] != '/' && dir[i] != 0)
                        continue;
                snprintf(path, sizeof(path), "%.*s", (int) i, dir);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return nb_error_set(err, errno, "create cgroup %s", path);
        }
        for (size_t i = n; i < strlen(dir); i++)
                if (dir[i] == '/') {
                        snprintf(path, sizeof(path), "%.*s", (int) i, dir);
                        enable_controllers(path);
                }
        r = oci_cgroup_update(dir, res, err);
        if (r < 0)
                return r;
        if (snprintf_ok(path, sizeof(path), "%s/cgroup.procs", dir) < 0)
                return nb_error_set(err, ENAMETOOLONG, "cgroup path %s", dir);
        snprintf(v, sizeof(v), "%d", (int) pid);
        r = write_string_file(path, v);
        return r < 0 ? nb_error_set(err, r, "move %d into %s", (int) pid, path) : 0;
}

void oci_cgroup_remove(const char *dir) {
        char mount[256], base[300], parent[600];
        char *slash;

        (void) cg_remove_tree(dir);
        /* The levels below nixbox-oci/ that a relative cgroupsPath made, and
         * nixbox-oci/ itself, go when they are empty (an engine's own
         * parents of an absolute path are the engine's). */
        if (cg_find_mount(mount, sizeof(mount)) < 0)
                return;
        snprintf(base, sizeof(base), "%s/" OCI_CGROUP_BASE, mount);
        if (!startswith(dir, base) || dir[strlen(base)] != '/')
                return;
        snprintf(parent, sizeof(parent), "%s", dir);
        while ((slash = strrchr(parent, '/')) && slash > parent + strlen(base) - 1) {
                *slash = 0;
                if (strlen(parent) < strlen(base) || rmdir(parent) < 0)
                        break;
        }
}

/* runc's implicit allow list (the devices it creates in /dev and the ptys),
 * after the bundle's rules so that a deny-all cannot lock them out. */
static const struct cg_device_rule implicit_rules[] = {
        { BPF_DEVCG_DEV_CHAR, 1, 3, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 1, 5, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 1, 7, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 1, 8, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 1, 9, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 5, 0, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 5, 2, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD, true },
        { BPF_DEVCG_DEV_CHAR, 136, -1, BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, true },
};

int oci_cgroup_devices(const char *dir, const struct oci_resources *res, struct nb_error *err) {
        _cleanup_free_ struct cg_device_rule *rules = NULL;
        size_t n = 0;

        if (res->n_devices == 0)
                return 0;
        rules = calloc(res->n_devices + ELEMENTSOF(implicit_rules), sizeof(*rules));
        if (!rules)
                return -ENOMEM;
        for (size_t i = 0; i < res->n_devices; i++) {
                const struct oci_device_rule *d = &res->devices[i];
                rules[n++] = (struct cg_device_rule){
                        .type = d->type == 'c'   ? BPF_DEVCG_DEV_CHAR
                                : d->type == 'b' ? BPF_DEVCG_DEV_BLOCK
                                                 : 0,
                        .major = d->major,
                        .minor = d->minor,
                        .access = d->access,
                        .allow = d->allow,
                };
        }
        for (size_t i = 0; i < ELEMENTSOF(implicit_rules); i++)
                rules[n++] = implicit_rules[i];
        return cg_device_rules_attach(dir, rules, n, false, err);
}
