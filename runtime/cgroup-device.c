/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's device policy on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE
 * program, written here instruction by instruction (no libbpf), attached
 * to payload/ with BPF_F_ALLOW_MULTI so that a systemd inside can attach
 * its own programs below; the kernel grants an access only when every
 * program on the path allows it.
 *
 * The allow list is nspawn's: its scope has DevicePolicy=closed (the API
 * pseudo devices and systemd's 0:0 "inaccessible" nodes, rwm) plus
 * DeviceAllow=/dev/net/tun rwm and char-pts rw (ptys may be used, never
 * created), plus the device nodes bound in (r or rw) and what
 * --property=DeviceAllow= adds; DevicePolicy=strict drops the pseudo
 * devices. Anything else can neither be opened nor created by mknod. */
#include <assert.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup-device.h"
#include "cgroup.h"
#include "error.h"
#include "log.h"
#include "options.h"

#define ANY UINT32_MAX
#define RW (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
#define RWM (RW | BPF_DEVCG_ACC_MKNOD)

/* DevicePolicy=closed's API pseudo devices (strict leaves them out). */
static const struct device_rule closed_rules[] = {
        { BPF_DEVCG_DEV_CHAR, 1, 3, RWM },  /* /dev/null */
        { BPF_DEVCG_DEV_CHAR, 1, 5, RWM },  /* /dev/zero */
        { BPF_DEVCG_DEV_CHAR, 1, 7, RWM },  /* /dev/full */
        { BPF_DEVCG_DEV_CHAR, 1, 8, RWM },  /* /dev/random */
        { BPF_DEVCG_DEV_CHAR, 1, 9, RWM },  /* /dev/urandom */
        { BPF_DEVCG_DEV_CHAR, 5, 0, RWM },  /* /dev/tty */
        { BPF_DEVCG_DEV_CHAR, 5, 2, RWM },  /* /dev/ptmx, /dev/pts/ptmx */
        { BPF_DEVCG_DEV_CHAR, 0, 0, RWM },  /* systemd's /run/systemd/inaccessible/chr */
        { BPF_DEVCG_DEV_BLOCK, 0, 0, RWM }, /* systemd's /run/systemd/inaccessible/blk */
};
/* nspawn's own DeviceAllow= on its scope, under every policy. */
static const struct device_rule nspawn_rules[] = {
        { BPF_DEVCG_DEV_CHAR, 10, 200, RWM }, /* /dev/net/tun */
        { BPF_DEVCG_DEV_CHAR, 136, ANY, RW }, /* pty slaves (char-pts): the console too */
};

static int add_rule(struct device_rule *rules, size_t max, size_t *n, struct device_rule r) {
        /* One rule per device: the accesses of repeated entries add up. */
        for (size_t i = 0; i < *n; i++)
                if (rules[i].type == r.type && rules[i].major == r.major && rules[i].minor == r.minor) {
                        rules[i].access |= r.access;
                        return 0;
                }
        if (*n >= max)
                return -E2BIG;
        rules[(*n)++] = r;
        return 0;
}

/* char-NAME / block-NAME: every major of /proc/devices whose driver name
 * matches the glob NAME, any minor (as systemd's DeviceAllow= does). */
static int add_class_rules(const char *spec, unsigned access, struct device_rule *rules, size_t max, size_t *n) {
        bool block = strncmp(spec, "block-", 6) == 0;
        const char *glob = spec + (block ? 6 : 5);
        _cleanup_fclose_ FILE *f = fopen("/proc/devices", "re");
        char line[256];
        bool in_section = false, found = false;
        int r;

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                unsigned major;
                char name[128];
                if (strncmp(line, "Character devices:", 18) == 0 || strncmp(line, "Block devices:", 14) == 0) {
                        in_section = (line[0] == 'B') == block;
                        continue;
                }
                if (!in_section || sscanf(line, "%u %127s", &major, name) != 2 || fnmatch(glob, name, 0) != 0)
                        continue;
                r = add_rule(rules, max, n,
                             (struct device_rule){ block ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, major, ANY, access });
                if (r < 0)
                        return r;
                found = true;
        }
        if (!found)
                log_warn("DeviceAllow=%s: no %s device driver of that name in /proc/devices; ignored", spec,
                         block ? "block" : "character");
        return 0;
}

/* A device node path on the host: its type and number; 0 when it is not a
 * device node (nothing to allow), -errno when it cannot be looked at. */
static int device_node(const char *path, struct device_rule *ret) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return 0;
        *ret = (struct device_rule){ S_ISCHR(st.st_mode) ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, major(st.st_rdev),
                                     minor(st.st_rdev), 0 };
        return 1;
}

int cg_device_rules(const struct options *o, struct device_rule *rules, size_t max, size_t *ret_n, struct nb_error *err) {
        const struct resources *res = o ? &o->resources : NULL;
        size_t n = 0;
        int r = 0;

        if (!res || res->device_policy != DEVICE_POLICY_STRICT)
                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(closed_rules); i++)
                        r = add_rule(rules, max, &n, closed_rules[i]);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(nspawn_rules); i++)
                r = add_rule(rules, max, &n, nspawn_rules[i]);
        for (size_t i = 0; res && r >= 0 && i < res->n_device_allow; i++) {
                const struct device_allow *d = &res->device_allow[i];
                struct device_rule dr;
                if (strncmp(d->spec, "char-", 5) == 0 || strncmp(d->spec, "block-", 6) == 0) {
                        r = add_class_rules(d->spec, d->access, rules, max, &n);
                        if (r < 0 && r != -E2BIG)
                                return nb_error_set(err, r, "DeviceAllow=%s: read /proc/devices", d->spec);
                        continue;
                }
                /* As systemd: a path that is no device node (yet) is skipped. */
                int k = device_node(d->spec, &dr);
                if (k <= 0) {
                        log_warn("DeviceAllow=%s: %s; ignored", d->spec, k < 0 ? strerror(-k) : "not a device node");
                        continue;
                }
                dr.access = d->access;
                r = add_rule(rules, max, &n, dr);
        }
        /* A bind whose source is a device node allows that node, read-only
         * for --bind-ro (nspawn adds these to its scope's DeviceAllow=). */
        for (size_t i = 0; o && r >= 0 && i < o->n_mounts; i++) {
                const struct custom_mount *m = &o->mounts[i];
                struct device_rule dr;
                if ((m->type != MOUNT_BIND && m->type != MOUNT_BIND_RO) || !m->source || !m->source[0] ||
                    device_node(m->source, &dr) <= 0)
                        continue;
                dr.access = m->type == MOUNT_BIND_RO ? BPF_DEVCG_ACC_READ : RW;
                r = add_rule(rules, max, &n, dr);
        }
        if (r == -E2BIG)
                return nb_error_set(err, 0, "the device policy has more than %zu rules (DeviceAllow=, device binds)", max);
        if (r < 0)
                return nb_error_set(err, r, "build the device policy");
        *ret_n = n;
        return 0;
}

/* The uapi has no instruction macros (they live in the kernel's filter.h). */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
        return (struct bpf_insn) { .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}
#define LDX_W(dst, src, off)   insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_K(op, dst, imm)  insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV64_X(dst, src)      insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm)      insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_K(dst, imm, off)   insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT()                 insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5 };
#define RULE_INSNS 8
#define MAX_INSNS (9 + DEVICE_RULES_MAX * RULE_INSNS + 2)

/* r1 points at struct bpf_cgroup_dev_ctx { access_type, major, minor },
 * access_type being (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*. Each rule is
 * a block that returns 1 when it matches and jumps to the next block at
 * its first mismatch; after the last block the answer is 0 (EPERM). */
static size_t build_program(struct bpf_insn *p, const struct device_rule *rules, size_t n_rules) {
        size_t n = 0;

        p[n++] = LDX_W(R2, R1, 0);
        p[n++] = ALU32_K(BPF_AND, R2, 0xFFFF);           /* r2: device type */
        p[n++] = LDX_W(R3, R1, 0);
        p[n++] = ALU32_K(BPF_RSH, R3, 16);               /* r3: access wanted */
        p[n++] = LDX_W(R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major));
        p[n++] = LDX_W(R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        /* An access other than read, write and mknod (none exists today) is
         * refused by every rule: refuse it once, here. */
        p[n++] = MOV64_X(R0, R3);
        p[n++] = ALU32_K(BPF_AND, R0, (int32_t) ~RWM);
        size_t unknown_access = n;
        p[n++] = JNE_K(R0, 0, 0);

        for (size_t i = 0; i < n_rules; i++) {
                const struct device_rule *rule = &rules[i];
                size_t start = n, jumps[4], njumps = 0;

                jumps[njumps++] = n;
                p[n++] = JNE_K(R2, (int32_t) rule->type, 0);
                /* A rule that grants read, write and mknod needs no access
                 * check: anything else was refused above. */
                if ((rule->access & RWM) != RWM) {
                        p[n++] = MOV64_X(R0, R3);
                        p[n++] = ALU32_K(BPF_AND, R0, (int32_t) ~rule->access);
                        jumps[njumps++] = n;
                        p[n++] = JNE_K(R0, 0, 0); /* wants more than the rule allows */
                }
                if (rule->major != ANY) {
                        jumps[njumps++] = n;
                        p[n++] = JNE_K(R4, (int32_t) rule->major, 0);
                }
                if (rule->minor != ANY) {
                        jumps[njumps++] = n;
                        p[n++] = JNE_K(R5, (int32_t) rule->minor, 0);
                }
                p[n++] = MOV64_K(R0, 1);
                p[n++] = EXIT();
                /* A jump's offset counts from the instruction after it. */
                for (size_t j = 0; j < njumps; j++)
                        p[jumps[j]].off = (int16_t) (n - jumps[j] - 1);
                assert(n - start <= RULE_INSNS);
        }
        p[unknown_access].off = (int16_t) (n - unknown_access - 1);
        p[n++] = MOV64_K(R0, 0);
        p[n++] = EXIT();
        assert(n <= MAX_INSNS);
        return n;
}

static int bpf(int cmd, union bpf_attr *attr) {
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Loads the program; on failure, the verifier's log goes to the debug
 * output (asked for only then: a log that does not fit is ENOSPC). */
static int load_program(const struct device_rule *rules, size_t n_rules) {
        static struct bpf_insn prog[MAX_INSNS];
        union bpf_attr attr = {0};
        static char log[65536];
        int fd, e;

        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) prog;
        attr.insn_cnt = (uint32_t) build_program(prog, rules, n_rules);
        /* Only gates GPL-only helpers, of which the program uses none. */
        attr.license = (uint64_t) (uintptr_t) "GPL";
        snprintf(attr.prog_name, sizeof(attr.prog_name), "nixbox_devices");
        fd = bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0 || log_debug_level <= 0)
                return fd;
        e = errno;
        log[0] = 0;
        attr.log_buf = (uint64_t) (uintptr_t) log;
        attr.log_size = sizeof(log);
        attr.log_level = 1;
        if (bpf(BPF_PROG_LOAD, &attr) < 0 && log[0])
                log_debug("BPF verifier: %s", log);
        errno = e;
        return -1;
}

int cg_device_policy_apply(struct cgroup *cg, const struct options *o, struct nb_error *err) {
        static bool warned;
        static struct device_rule rules[DEVICE_RULES_MAX];
        _cleanup_close_ int cgfd = -1, prog = -1;
        union bpf_attr attr = {0};
        char path[1024];
        size_t n_rules;
        int r;

        r = cg_device_rules(o, rules, ELEMENTSOF(rules), &n_rules, err);
        if (r < 0)
                return r;

        snprintf(path, sizeof(path), "%s/payload", cg->dir);
        cgfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return nb_error_set(err, errno, "open cgroup %s for its device policy", path);

        /* Loading fails in a nested container without CAP_BPF/CAP_SYS_ADMIN
         * (EPERM), on a kernel without cgroup BPF (EINVAL) or bpf(2) (ENOSYS),
         * and attaching fails below an ancestor whose device program was
         * attached without BPF_F_ALLOW_MULTI (EPERM): the container then runs
         * without a device policy, as on a host without cgroup2 at all. */
        prog = load_program(rules, n_rules);
        if (prog < 0) {
                if (!warned)
                        log_warn("cannot load the BPF device policy (%s): the container's device access is not restricted",
                                 strerror(errno));
                warned = true;
                return 0;
        }
        attr.target_fd = (uint32_t) cgfd;
        attr.attach_bpf_fd = (uint32_t) prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (bpf(BPF_PROG_ATTACH, &attr) < 0) {
                if (!warned)
                        log_warn("cannot attach the BPF device policy to %s (%s): the container's device access is not restricted",
                                 path, strerror(errno));
                warned = true;
                return 0;
        }
        /* The attachment holds the program until the cgroup is removed. */
        log_debug("device policy attached to %s", path);
        return 0;
}

/* A program from a caller's rule list (nixbox-oci: linux.resources.devices),
 * the last matching rule deciding, as the OCI specification orders them. */
static size_t build_rules_program(struct bpf_insn *p, const struct cg_device_rule *rules, size_t n_rules, bool default_allow) {
        size_t n = 0;

        p[n++] = LDX_W(R2, R1, 0);
        p[n++] = ALU32_K(BPF_AND, R2, 0xFFFF);
        p[n++] = LDX_W(R3, R1, 0);
        p[n++] = ALU32_K(BPF_RSH, R3, 16);
        p[n++] = LDX_W(R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major));
        p[n++] = LDX_W(R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor));
        for (size_t k = n_rules; k-- > 0;) {
                const struct cg_device_rule *rule = &rules[k];
                size_t jumps[4], njumps = 0;

                if (rule->type) {
                        jumps[njumps++] = n;
                        p[n++] = JNE_K(R2, (int32_t) rule->type, 0);
                }
                p[n++] = MOV64_X(R0, R3);
                p[n++] = ALU32_K(BPF_AND, R0, (int32_t) ~rule->access);
                jumps[njumps++] = n;
                p[n++] = JNE_K(R0, 0, 0);
                if (rule->major >= 0) {
                        jumps[njumps++] = n;
                        p[n++] = JNE_K(R4, (int32_t) rule->major, 0);
                }
                if (rule->minor >= 0) {
                        jumps[njumps++] = n;
                        p[n++] = JNE_K(R5, (int32_t) rule->minor, 0);
                }
                p[n++] = MOV64_K(R0, rule->allow ? 1 : 0);
                p[n++] = EXIT();
                for (size_t j = 0; j < njumps; j++)
                        p[jumps[j]].off = (int16_t) (n - jumps[j] - 1);
        }
        p[n++] = MOV64_K(R0, default_allow ? 1 : 0);
        p[n++] = EXIT();
        return n;
}

int cg_device_rules_attach(const char *dir, const struct cg_device_rule *rules, size_t n_rules, bool default_allow,
                           struct nb_error *err) {
        _cleanup_close_ int cgfd = -1, prog = -1;
        _cleanup_free_ struct bpf_insn *insns = NULL;
        union bpf_attr attr = { 0 };

        if (n_rules > CG_DEVICE_RULES_MAX)
                return nb_error_set(err, E2BIG, "more than %d device rules", CG_DEVICE_RULES_MAX);
        insns = calloc(8 + n_rules * RULE_INSNS, sizeof(*insns));
        if (!insns)
                return -ENOMEM;
        cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return nb_error_set(err, errno, "open cgroup %s for its device policy", dir);
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) build_rules_program(insns, rules, n_rules, default_allow);
        attr.license = (uint64_t) (uintptr_t) "GPL";
        snprintf(attr.prog_name, sizeof(attr.prog_name), "nixbox_oci_dev");
        prog = bpf(BPF_PROG_LOAD, &attr);
        if (prog < 0)
                return nb_error_set(err, errno, "load the BPF device program for %s", dir);
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t) cgfd;
        attr.attach_bpf_fd = (uint32_t) prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (bpf(BPF_PROG_ATTACH, &attr) < 0)
                return nb_error_set(err, errno, "attach the BPF device program to %s", dir);
        return 0;
}
