/* The container's device policy on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE
 * program, written here instruction by instruction (no libbpf), attached
 * to payload/ with BPF_F_ALLOW_MULTI so that a systemd inside can attach
 * its own programs below; the kernel grants an access only when every
 * program on the path allows it.
 *
 * The allow list is nspawn's: its scope has DevicePolicy=closed (the API
 * pseudo devices and systemd's 0:0 "inaccessible" nodes, rwm) plus
 * DeviceAllow=/dev/net/tun rwm and char-pts rw (ptys may be used, never
 * created). Anything else can neither be opened nor created by mknod. */
#include <assert.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup-device.h"
#include "cgroup.h"
#include "error.h"
#include "log.h"

#define ANY_MINOR UINT32_MAX
#define RW (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
#define RWM (RW | BPF_DEVCG_ACC_MKNOD)

static const struct device_rule {
        unsigned type;       /* BPF_DEVCG_DEV_CHAR or _BLOCK */
        uint32_t major, minor;
        unsigned access;     /* BPF_DEVCG_ACC_* bits allowed */
} device_rules[] = {
        { BPF_DEVCG_DEV_CHAR, 1, 3, RWM },          /* /dev/null */
        { BPF_DEVCG_DEV_CHAR, 1, 5, RWM },          /* /dev/zero */
        { BPF_DEVCG_DEV_CHAR, 1, 7, RWM },          /* /dev/full */
        { BPF_DEVCG_DEV_CHAR, 1, 8, RWM },          /* /dev/random */
        { BPF_DEVCG_DEV_CHAR, 1, 9, RWM },          /* /dev/urandom */
        { BPF_DEVCG_DEV_CHAR, 5, 0, RWM },          /* /dev/tty */
        { BPF_DEVCG_DEV_CHAR, 5, 2, RWM },          /* /dev/ptmx, /dev/pts/ptmx */
        { BPF_DEVCG_DEV_CHAR, 10, 200, RWM },       /* /dev/net/tun */
        { BPF_DEVCG_DEV_CHAR, 0, 0, RWM },          /* systemd's /run/systemd/inaccessible/chr */
        { BPF_DEVCG_DEV_BLOCK, 0, 0, RWM },         /* systemd's /run/systemd/inaccessible/blk */
        { BPF_DEVCG_DEV_CHAR, 136, ANY_MINOR, RW }, /* pty slaves (char-pts): the console too */
};

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
#define MAX_INSNS (6 + ELEMENTSOF(device_rules) * RULE_INSNS + 2)

/* r1 points at struct bpf_cgroup_dev_ctx { access_type, major, minor },
 * access_type being (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*. Each rule is
 * a block that returns 1 when it matches and jumps to the next block at
 * its first mismatch; after the last block the answer is 0 (EPERM). */
static size_t build_program(struct bpf_insn *p) {
        size_t n = 0;

        p[n++] = LDX_W(R2, R1, 0);
        p[n++] = ALU32_K(BPF_AND, R2, 0xFFFF);           /* r2: device type */
        p[n++] = LDX_W(R3, R1, 0);
        p[n++] = ALU32_K(BPF_RSH, R3, 16);               /* r3: access wanted */
        p[n++] = LDX_W(R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major));
        p[n++] = LDX_W(R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor));

        for (size_t i = 0; i < ELEMENTSOF(device_rules); i++) {
                const struct device_rule *rule = &device_rules[i];
                size_t start = n, jumps[4], njumps = 0;

                jumps[njumps++] = n;
                p[n++] = JNE_K(R2, (int32_t) rule->type, 0);
                p[n++] = MOV64_X(R0, R3);
                p[n++] = ALU32_K(BPF_AND, R0, (int32_t) ~rule->access);
                jumps[njumps++] = n;
                p[n++] = JNE_K(R0, 0, 0);                 /* wants more than the rule allows */
                jumps[njumps++] = n;
                p[n++] = JNE_K(R4, (int32_t) rule->major, 0);
                if (rule->minor != ANY_MINOR) {
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
static int load_program(void) {
        struct bpf_insn prog[MAX_INSNS];
        union bpf_attr attr = {0};
        static char log[65536];
        int fd, e;

        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) prog;
        attr.insn_cnt = (uint32_t) build_program(prog);
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

int cg_device_policy_apply(struct cgroup *cg, struct nb_error *err) {
        static bool warned;
        _cleanup_close_ int cgfd = -1, prog = -1;
        union bpf_attr attr = {0};
        char path[1024];

        snprintf(path, sizeof(path), "%s/payload", cg->dir);
        cgfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgfd < 0)
                return nb_error_set(err, errno, "open cgroup %s for its device policy", path);

        /* Loading fails in a nested container without CAP_BPF/CAP_SYS_ADMIN
         * (EPERM), on a kernel without cgroup BPF (EINVAL) or bpf(2) (ENOSYS),
         * and attaching fails below an ancestor whose device program was
         * attached without BPF_F_ALLOW_MULTI (EPERM): the container then runs
         * without a device policy, as on a host without cgroup2 at all. */
        prog = load_program();
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
