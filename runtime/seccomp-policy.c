/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's system-call filter: systemd-nspawn's default policy
 * (src/nspawn/nspawn-seccomp.c, v252 onwards) on the native and compatible
 * architectures, plus what nspawn's second filter does (hide audit netlink
 * sockets), which here also refuses the terminal ioctls that inject input;
 * all in one program, with the verdicts of the two stacked filters.
 *
 * libseccomp names the calls (a number per architecture); the BPF program
 * is generated here, because libseccomp takes about 20 ms to build this
 * policy for three architectures, which would dominate the container's
 * start. The program is a binary search over the call number (like
 * libseccomp's SCMP_FLTATR_CTL_OPTIMIZE=2 tree); tests/unit/test-seccomp.c
 * checks it against the filters libseccomp builds from the same rules. */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "seccomp-policy.h"
#include "syscall-groups.h"

struct allow_item {
        int capability;     /* -1: always allowed, else only with this capability */
        const char *name;   /* a call or an "@group" */
};

/* nspawn's allow list, in its order. */
static const struct allow_item allow_list[] = {
        { -1, "@aio" }, { -1, "@basic-io" }, { -1, "@chown" }, { -1, "@default" },
        { -1, "@file-system" }, { -1, "@io-event" }, { -1, "@ipc" }, { -1, "@mount" },
        { -1, "@network-io" }, { -1, "@process" }, { -1, "@resources" }, { -1, "@setuid" },
        { -1, "@signal" }, { -1, "@sync" }, { -1, "@timer" },

        { CAP_SYS_TIME, "@clock" }, { CAP_SYS_MODULE, "@module" },
        { CAP_SYS_RAWIO, "@raw-io" }, { CAP_IPC_LOCK, "@memlock" },

        { -1, "arm_fadvise64_64" }, { -1, "brk" }, { -1, "capget" }, { -1, "capset" },
        { -1, "copy_file_range" }, { -1, "fadvise64" }, { -1, "fadvise64_64" }, { -1, "flock" },
        { -1, "get_mempolicy" }, { -1, "getcpu" }, { -1, "getpriority" }, { -1, "getrandom" },
        { -1, "ioctl" }, { -1, "ioprio_get" }, { -1, "kcmp" }, { -1, "madvise" },
        { -1, "mincore" }, { -1, "mprotect" }, { -1, "mremap" }, { -1, "name_to_handle_at" },
        { -1, "oldolduname" }, { -1, "olduname" }, { -1, "personality" }, { -1, "readahead" },
        { -1, "readdir" }, { -1, "remap_file_pages" }, { -1, "sched_get_priority_max" },
        { -1, "sched_get_priority_min" }, { -1, "sched_getaffinity" }, { -1, "sched_getattr" },
        { -1, "sched_getparam" }, { -1, "sched_getscheduler" }, { -1, "sched_rr_get_interval" },
        { -1, "sched_rr_get_interval_time64" }, { -1, "sched_yield" }, { -1, "sendfile" },
        { -1, "sendfile64" }, { -1, "setdomainname" }, { -1, "setfsgid" }, { -1, "setfsgid32" },
        { -1, "setfsuid" }, { -1, "setfsuid32" }, { -1, "sethostname" }, { -1, "setpgid" },
        { -1, "setsid" }, { -1, "splice" }, { -1, "sysinfo" }, { -1, "tee" }, { -1, "umask" },
        { -1, "uname" }, { -1, "userfaultfd" }, { -1, "vmsplice" },

        /* Older nspawn listed seccomp() here, newer does not (libseccomp
         * then falls back to prctl(), without TSYNC); we keep it so that
         * systemd inside filters its services the usual way. */
        { -1, "seccomp" },

        { CAP_SYS_PACCT, "acct" }, { CAP_SYS_PTRACE, "process_vm_readv" },
        { CAP_SYS_PTRACE, "process_vm_writev" }, { CAP_SYS_PTRACE, "ptrace" },
        { CAP_SYS_BOOT, "reboot" }, { CAP_SYSLOG, "syslog" }, { CAP_SYS_TTY_CONFIG, "vhangup" },

        /* Knowingly left out (so EPERM): @cpu-emulation, @keyring (not
         * namespaced), @obsolete, @pkey, @swap, bpf, fanotify_init,
         * fanotify_mark, kexec_file_load, kexec_load, lookup_dcookie,
         * nfsservctl, open_by_handle_at, perf_event_open, quotactl. */
};

/* Entries are "NAME", "@group", "~NAME" or "~@group". */
static const char *entry_name(const char *entry, bool *deny) {
        *deny = entry[0] == '~';
        return entry + *deny;
}

int seccomp_validate_entry(const char *entry, struct nb_error *err) {
        bool deny;
        const char *name = entry_name(entry, &deny);

        if (name[0] == '@') {
                if (!syscall_group_find(name))
                        return nb_error_set(err, 0, "unknown system call group '%s'", name);
                return 0;
        }
        /* Our table or the running libseccomp: either makes a name real. */
        if (syscall_name_index(name) < 0 && seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
                return nb_error_set(err, 0, "unknown system call '%s'", name);
        return 0;
}

/* ---- the policy: a verdict per call name ---- */

/* When two names share a number on some architecture, the higher wins. */
enum verdict {
        VERDICT_NONE,           /* default action: ENOSYS */
        VERDICT_KNOWN,          /* known but not allowed: EPERM */
        VERDICT_ALLOW,
        VERDICT_DENIED,         /* denied by an entry: EPERM */
};

/* Names outside the group tables that entries allowed or denied (calls newer
 * than our pin but known to libseccomp). */
struct extra_names {
        const char **names;
        enum verdict *verdicts;
        size_t n;
};

static int add_entry(struct syscall_set *set, struct extra_names *extra, const char *name,
                     bool deny, struct nb_error *err) {
        if (name[0] == '@') {
                if (syscall_set_add_group(set, name) < 0)
                        return nb_error_set(err, 0, "unknown system call group '%s'", name);
                return 0;
        }
        int i = syscall_name_index(name);
        if (i >= 0) {
                syscall_set_add(set, i);
                return 0;
        }
        for (size_t j = 0; j < extra->n; j++)
                if (streq(extra->names[j], name)) {
                        if (deny)
                                extra->verdicts[j] = VERDICT_DENIED;
                        return 0;
                }
        extra->names[extra->n] = name;
        extra->verdicts[extra->n++] = deny ? VERDICT_DENIED : VERDICT_ALLOW;
        return 0;
}

/* Fills verdicts[] for every tabled name and `extra` for the others. */
static int decide(uint64_t caps, char *const *entries, size_t n_entries,
                  enum verdict verdicts[SYSCALL_NAMES_COUNT], struct extra_names *extra,
                  struct nb_error *err) {
        struct syscall_set allow = {}, deny = {}, known = {};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(allow_list); i++) {
                int cap = allow_list[i].capability;
                if (cap >= 0 && !(caps & (UINT64_C(1) << cap)))
                        continue;
                r = add_entry(&allow, extra, allow_list[i].name, false, err);
                assert(r == 0 && extra->n == 0);   /* the allow list only names tabled calls */
        }
        for (size_t i = 0; i < n_entries; i++) {
                bool is_deny;
                const char *name = entry_name(entries[i], &is_deny);
                r = add_entry(is_deny ? &deny : &allow, extra, name, is_deny, err);
                if (r < 0)
                        return r;
        }
        r = syscall_set_add_group(&known, "@known");
        assert(r == 0);

        for (int i = 0; i < SYSCALL_NAMES_COUNT; i++)
                verdicts[i] = syscall_set_contains(&deny, i)    ? VERDICT_DENIED :
                              syscall_set_contains(&allow, i)   ? VERDICT_ALLOW :
                              syscall_set_contains(&known, i)   ? VERDICT_KNOWN : VERDICT_NONE;
        return 0;
}

/* ---- architectures and call numbers ---- */

struct arch {
        uint32_t scmp;          /* libseccomp's token, for resolving names */
        uint32_t audit;         /* what the kernel reports in seccomp_data.arch */
};

/* The native architecture and those its kernel can also run. x32 shares
 * x86_64's audit token; its numbers carry bit 30 and so never collide. */
static size_t filter_archs(struct arch archs[3]) {
        switch (seccomp_arch_native()) {
        case SCMP_ARCH_X86_64:
                archs[0] = (struct arch) { SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64 };
                archs[1] = (struct arch) { SCMP_ARCH_X32, AUDIT_ARCH_X86_64 };
                archs[2] = (struct arch) { SCMP_ARCH_X86, AUDIT_ARCH_I386 };
                return 3;
        case SCMP_ARCH_AARCH64:
                archs[0] = (struct arch) { SCMP_ARCH_AARCH64, AUDIT_ARCH_AARCH64 };
                archs[1] = (struct arch) { SCMP_ARCH_ARM, AUDIT_ARCH_ARM };
                return 2;
        default:
                /* libseccomp's tokens are the kernel's audit tokens. */
                archs[0] = (struct arch) { seccomp_arch_native(), seccomp_arch_native() };
                return 1;
        }
}

/* libseccomp names the i386 socket and SysV IPC calls by pseudo numbers
 * (it filters them through the socketcall/ipc multiplexers); these are the
 * direct calls that Linux 4.3 (socket) and 5.1 (IPC) added. */
static const struct {
        const char *name;
        int nr;
} x86_direct_calls[] = {
        { "recvmmsg", 337 }, { "sendmmsg", 345 }, { "socket", 359 }, { "socketpair", 360 },
        { "bind", 361 }, { "connect", 362 }, { "listen", 363 }, { "accept4", 364 },
        { "getsockopt", 365 }, { "setsockopt", 366 }, { "getsockname", 367 },
        { "getpeername", 368 }, { "sendto", 369 }, { "sendmsg", 370 }, { "recvfrom", 371 },
        { "recvmsg", 372 }, { "shutdown", 373 }, { "semget", 393 }, { "semctl", 394 },
        { "shmget", 395 }, { "shmctl", 396 }, { "shmat", 397 }, { "shmdt", 398 },
        { "msgget", 399 }, { "msgsnd", 400 }, { "msgrcv", 401 }, { "msgctl", 402 },
};

/* The call's number on the architecture, or -1 when it has none there or
 * libseccomp does not know it (such calls fall to the default action). */
static int call_number(uint32_t scmp_arch, const char *name) {
        int nr = seccomp_syscall_resolve_name_arch(scmp_arch, name);
        if (nr >= 0)
                return nr;
        if (scmp_arch == SCMP_ARCH_X86)
                for (size_t i = 0; i < ELEMENTSOF(x86_direct_calls); i++)
                        if (streq(x86_direct_calls[i].name, name))
                                return x86_direct_calls[i].nr;
        return -1;
}

/* ---- BPF generation ---- */

/* Instructions are added back to front, so that every jump's target is
 * already placed when the jump is written. */
struct bpf_buf {
        struct sock_filter insns[BPF_MAXINSNS];
        int start;              /* index of the first instruction */
};

static int push(struct bpf_buf *b, struct sock_filter insn) {
        if (b->start == 0)
                return -E2BIG;
        b->insns[--b->start] = insn;
        return 0;
}

/* The jump offset, from the instruction about to be pushed, to `target`. */
static uint32_t offset_to(const struct bpf_buf *b, int target) {
        return (uint32_t) (target - b->start);
}

static int push_load(struct bpf_buf *b, uint32_t offset) {
        return push(b, (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset));
}

static int push_ret(struct bpf_buf *b, uint32_t action) {
        return push(b, (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, action));
}

/* "if (A == k) goto target" falling through otherwise; a JA carries jumps
 * longer than the 8-bit conditional offsets. */
static int push_jeq(struct bpf_buf *b, uint32_t k, int target) {
        if (offset_to(b, target) <= 255)
                return push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, offset_to(b, target), 0));
        int r = push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, offset_to(b, target), 0, 0));
        if (r < 0)
                return r;
        return push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 1));
}

/* Consecutive call numbers with one action. */
struct interval {
        uint32_t start;         /* up to the next interval's start */
        uint32_t action;
};

/* Binary search over intervals[lo..hi], which cover the loaded number. */
static int push_tree(struct bpf_buf *b, const struct interval *iv, size_t lo, size_t hi) {
        int r;

        if (lo == hi)
                return push_ret(b, iv[lo].action);

        size_t mid = lo + (hi - lo + 1) / 2;
        r = push_tree(b, iv, mid, hi);
        if (r < 0)
                return r;
        int upper = b->start;
        r = push_tree(b, iv, lo, mid - 1);
        if (r < 0)
                return r;

        /* if (nr >= start of mid) goto upper; else fall into the lower half */
        if (offset_to(b, upper) <= 255)
                return push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, iv[mid].start, offset_to(b, upper), 0));
        r = push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JA, offset_to(b, upper), 0, 0));
        if (r < 0)
                return r;
        return push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, iv[mid].start, 0, 1));
}

struct rule {
        uint32_t nr;
        enum verdict verdict;
};

static int compare_rules(const void *a, const void *b) {
        const struct rule *x = a, *y = b;
        if (x->nr != y->nr)
                return x->nr < y->nr ? -1 : 1;
        return (int) y->verdict - (int) x->verdict;   /* strongest verdict first */
}

/* Sorts rules by number, the strongest verdict of a number first. Call
 * numbers are small (below 1024, x32's with bit 30 set): then a table
 * indexed by number does it, keeping each number's strongest verdict
 * (the only one rules_to_intervals() uses); qsort() otherwise. Returns
 * the number of rules left. */
#define SMALL_NR 1024
static size_t sort_rules(struct rule *rules, size_t n) {
        uint8_t strongest[2 * SMALL_NR] = { 0 };
        size_t out = 0;

        static_assert(VERDICT_NONE == 0, "no rule is VERDICT_NONE");
        for (size_t i = 0; i < n; i++) {
                uint32_t nr = rules[i].nr;
                if (nr >= SMALL_NR && (nr < 0x40000000 || nr >= 0x40000000 + SMALL_NR)) {
                        qsort(rules, n, sizeof(*rules), compare_rules);
                        return n;
                }
                size_t slot = nr < SMALL_NR ? nr : SMALL_NR + (nr - 0x40000000);
                if (rules[i].verdict > strongest[slot])
                        strongest[slot] = (uint8_t) rules[i].verdict;
        }
        for (size_t slot = 0; slot < 2 * SMALL_NR; slot++)
                if (strongest[slot] != VERDICT_NONE)
                        rules[out++] = (struct rule){ slot < SMALL_NR ? (uint32_t) slot : 0x40000000 + (uint32_t) (slot - SMALL_NR),
                                                      (enum verdict) strongest[slot] };
        assert(out <= n);
        return out;
}

static uint32_t verdict_action(enum verdict v) {
        switch (v) {
        case VERDICT_ALLOW:
                return SECCOMP_RET_ALLOW;
        case VERDICT_KNOWN:
        case VERDICT_DENIED:
                return SECCOMP_RET_ERRNO | EPERM;
        default:
                return SECCOMP_RET_ERRNO | ENOSYS;
        }
}

static void add_interval(struct interval *iv, size_t *n, uint32_t start, uint32_t action) {
        if (*n > 0 && iv[*n - 1].action == action)
                return;
        iv[(*n)++] = (struct interval) { start, action };
}

/* Turns sorted rules into intervals covering every 32-bit number; numbers
 * without a rule get ENOSYS. Returns the interval count. */
static size_t rules_to_intervals(const struct rule *rules, size_t n_rules, struct interval *iv) {
        const uint32_t nosys = SECCOMP_RET_ERRNO | ENOSYS;
        uint64_t next = 0;      /* first number not covered yet */
        size_t n = 0;

        for (size_t i = 0; i < n_rules; i++) {
                if (i > 0 && rules[i].nr == rules[i - 1].nr)
                        continue;               /* a weaker verdict for the same number */
                if (rules[i].nr > next)
                        add_interval(iv, &n, (uint32_t) next, nosys);
                add_interval(iv, &n, rules[i].nr, verdict_action(rules[i].verdict));
                next = (uint64_t) rules[i].nr + 1;
        }
        if (next <= UINT32_MAX)
                add_interval(iv, &n, (uint32_t) next, nosys);
        return n;
}

/* The distinct audit tokens of archs[], in order. */
static size_t audit_tokens(const struct arch *archs, size_t n_archs, uint32_t tokens[3]) {
        size_t n = 0;
        for (size_t a = 0; a < n_archs; a++)
                if (n == 0 || tokens[n - 1] != archs[a].audit)
                        tokens[n++] = archs[a].audit;
        return n;
}

/* Dispatch on seccomp_data.arch to each token's section. */
static int push_arch_dispatch(struct bpf_buf *b, const uint32_t *tokens, const int *sections, size_t n,
                              uint32_t other_arch_action) {
        int r = push_ret(b, other_arch_action);
        for (size_t t = n; r >= 0 && t-- > 0;)
                r = push_jeq(b, tokens[t], sections[t]);
        if (r >= 0)
                r = push_load(b, offsetof(struct seccomp_data, arch));
        return r;
}

/* ---- the argument checks ---- */

/* Audit is not namespaced: socket(AF_NETLINK, *, NETLINK_AUDIT) fails with
 * EAFNOSUPPORT, which audit userspace reads as "no audit in this kernel".
 * TIOCSTI (push bytes into a terminal's input) and TIOCLINUX (its selection
 * paste does the same on a virtual console) fail with EPERM: a payload that
 * holds the caller's terminal (--console=pipe) could otherwise type commands
 * into the caller's shell. Its own session stops TIOCSTI only for a root
 * without CAP_SYS_ADMIN in the host's user namespace, i.e. not with
 * --private-users=no (nspawn allows both calls; bubblewrap and Flatpak
 * filter them too). Like the kernel, the checks read only the low 32 bits
 * of the arguments (ioctl's cmd and socket's are ints): garbage in the
 * upper half must neither bypass nor trigger them.
 *
 * nspawn loads these as a second filter. Here they are part of the one
 * program, with the same verdicts as the two filters stacked: the kernel
 * takes the strongest action of all filters, and among errnos the one of
 * the filter loaded last (the argument filter). So a check that matches
 * decides, even for a call the entries denied (EAFNOSUPPORT for an audit
 * socket when socket() is denied), and otherwise the call's own verdict
 * stands. One filter costs the kernel one conversion and JIT (about 0.1 ms
 * at start) and every system call one program run instead of two. */
enum arg_check {
        CHECK_SOCKET,
        CHECK_IOCTL,
        N_ARG_CHECKS,
};

static const char *const arg_check_call[N_ARG_CHECKS] = { "socket", "ioctl" };

/* Offset of the low 32 bits of argument i: socket() takes ints, so the
 * upper half (garbage for 32-bit callers) is ignored, as the kernel does. */
static uint32_t arg_low(int i) {
        return offsetof(struct seccomp_data, args) + 8 * i + (__BYTE_ORDER == __LITTLE_ENDIAN ? 0 : 4);
}

/* "if (A == k) goto yes; else goto no", both within reach. */
static int push_branch(struct bpf_buf *b, uint32_t k, int yes, int no) {
        return push(b, (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, offset_to(b, yes), offset_to(b, no)));
}

/* The check's instructions; `otherwise` is the call's own action. */
static int push_arg_check(struct bpf_buf *b, enum arg_check check, uint32_t otherwise) {
        int r = push_ret(b, otherwise);
        int other = b->start;

        if (check == CHECK_SOCKET) {
                r = r ?: push_ret(b, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
                int afnosupport = b->start;
                r = r ?: push_branch(b, NETLINK_AUDIT, afnosupport, other);
                r = r ?: push_load(b, arg_low(2));
                int protocol = b->start;
                r = r ?: push_branch(b, AF_NETLINK, protocol, other);
                return r ?: push_load(b, arg_low(0));
        }
        r = r ?: push_ret(b, SECCOMP_RET_ERRNO | EPERM);
        int eperm = b->start;
        r = r ?: push_branch(b, TIOCLINUX, eperm, other);
        int linux_check = b->start;
        r = r ?: push_branch(b, TIOCSTI, eperm, linux_check);
        return r ?: push_load(b, arg_low(1));
}

/* A call number that gets an argument check before its own action. */
struct check_point {
        uint32_t nr;
        enum arg_check check;
        uint32_t action; /* the call's own action */
};

/* The placed checks, one per check and action. */
struct check_blocks {
        struct {
                enum arg_check check;
                uint32_t action;
                int start;
        } block[N_ARG_CHECKS * 3];
        size_t n;
};

static int check_block(const struct check_blocks *cb, enum arg_check check, uint32_t action) {
        for (size_t i = 0; i < cb->n; i++)
                if (cb->block[i].check == check && cb->block[i].action == action)
                        return cb->block[i].start;
        return -1;
}

/* ---- the program ---- */

/* The action of the interval covering nr. */
static uint32_t interval_action(const struct interval *iv, size_t n_iv, uint32_t nr) {
        size_t i = 0;
        while (i + 1 < n_iv && iv[i + 1].start <= nr)
                i++;
        return iv[i].action;
}

/* One audit token's section: its intervals and its check points. */
struct section {
        struct interval *iv;
        size_t n_iv;
        struct check_point points[3 * N_ARG_CHECKS];
        size_t n_points;
};

static int section_prepare(struct section *s, const struct arch *archs, size_t n_archs, uint32_t audit,
                           const enum verdict *verdicts, const struct extra_names *extra) {
        size_t max = 2 * (SYSCALL_NAMES_COUNT + extra->n);
        _cleanup_free_ struct rule *rules = malloc(max * sizeof(*rules));
        size_t n = 0;

        s->iv = malloc((2 * max + 1) * sizeof(*s->iv));
        if (!rules || !s->iv)
                return -ENOMEM;

        for (size_t a = 0; a < n_archs; a++) {
                if (archs[a].audit != audit)
                        continue;
                for (int i = 0; i < SYSCALL_NAMES_COUNT; i++) {
                        int nr = verdicts[i] == VERDICT_NONE ? -1 : call_number(archs[a].scmp, syscall_names[i]);
                        if (nr >= 0 && n < max)
                                rules[n++] = (struct rule) { (uint32_t) nr, verdicts[i] };
                }
                for (size_t i = 0; i < extra->n; i++) {
                        int nr = call_number(archs[a].scmp, extra->names[i]);
                        if (nr >= 0 && n < max)
                                rules[n++] = (struct rule) { (uint32_t) nr, extra->verdicts[i] };
                }
        }
        n = sort_rules(rules, n);
        s->n_iv = rules_to_intervals(rules, n, s->iv);

        s->n_points = 0;
        for (size_t a = 0; a < n_archs; a++) {
                if (archs[a].audit != audit)
                        continue;
                for (int k = 0; k < N_ARG_CHECKS; k++) {
                        int nr = call_number(archs[a].scmp, arg_check_call[k]);
                        if (nr >= 0)
                                s->points[s->n_points++] =
                                        (struct check_point){ (uint32_t) nr, k, interval_action(s->iv, s->n_iv, (uint32_t) nr) };
                }
        }
        return 0;
}

/* The section: load the number, send the checked calls to their check,
 * search the rest. */
static int push_section(struct bpf_buf *b, const struct section *s, const struct check_blocks *cb) {
        int r = push_tree(b, s->iv, 0, s->n_iv - 1);

        for (size_t p = s->n_points; r >= 0 && p-- > 0;)
                r = push_jeq(b, s->points[p].nr, check_block(cb, s->points[p].check, s->points[p].action));
        return r ?: push_load(b, offsetof(struct seccomp_data, nr));
}

/* Tokens we did not cover are killed, as libseccomp does by default (none
 * exist on the kernels we know of). */
static int build_program(struct bpf_buf *b, const enum verdict *verdicts, const struct extra_names *extra) {
        struct arch archs[3];
        size_t n_archs = filter_archs(archs);
        uint32_t tokens[3];
        size_t n_tokens = audit_tokens(archs, n_archs, tokens);
        struct section sections[3] = {};
        struct check_blocks cb = {};
        int starts[3], r = 0;

        for (size_t t = 0; r >= 0 && t < n_tokens; t++)
                r = section_prepare(&sections[t], archs, n_archs, tokens[t], verdicts, extra);

        /* The checks go last, so that every section can jump to them. */
        b->start = BPF_MAXINSNS;
        for (size_t t = 0; r >= 0 && t < n_tokens; t++)
                for (size_t p = 0; r >= 0 && p < sections[t].n_points; p++) {
                        const struct check_point *pt = &sections[t].points[p];
                        if (check_block(&cb, pt->check, pt->action) >= 0)
                                continue;
                        assert(cb.n < ELEMENTSOF(cb.block));
                        r = push_arg_check(b, pt->check, pt->action);
                        cb.block[cb.n].check = pt->check;
                        cb.block[cb.n].action = pt->action;
                        cb.block[cb.n++].start = b->start;
                }
        for (size_t t = n_tokens; r >= 0 && t-- > 0;) {
                r = push_section(b, &sections[t], &cb);
                starts[t] = b->start;
        }
        r = r ?: push_arch_dispatch(b, tokens, starts, n_tokens, SECCOMP_RET_KILL_PROCESS);
        for (size_t t = 0; t < n_tokens; t++)
                free(sections[t].iv);
        return r;
}

int seccomp_policy_build(uint64_t caps, char *const *entries, size_t n_entries, struct seccomp_program *p, struct nb_error *err) {
        enum verdict verdicts[SYSCALL_NAMES_COUNT];
        _cleanup_free_ const char **extra_names = calloc(n_entries + 1, sizeof(char *));
        _cleanup_free_ enum verdict *extra_verdicts = calloc(n_entries + 1, sizeof(enum verdict));
        _cleanup_free_ struct bpf_buf *b = malloc(sizeof(*b));
        struct extra_names extra = { extra_names, extra_verdicts, 0 };
        int r;

        assert(entries || n_entries == 0);
        if (!extra_names || !extra_verdicts || !b)
                return nb_error_set(err, ENOMEM, "allocate the seccomp filter");

        r = decide(caps, entries, n_entries, verdicts, &extra, err);
        if (r < 0)
                return r;
        r = build_program(b, verdicts, &extra);
        if (r < 0)
                return nb_error_set(err, r, "build the system call filter");
        p->len = (uint32_t) (BPF_MAXINSNS - b->start);
        memcpy(p->insns, &b->insns[b->start], p->len * sizeof(p->insns[0]));
        return 0;
}

int seccomp_policy_load(const struct seccomp_program *p, struct nb_error *err) {
        struct sock_fprog prog = {
                .len = (unsigned short) p->len,
                .filter = (struct sock_filter *) p->insns,
        };

        assert(p->len > 0 && p->len <= BPF_MAXINSNS);
        /* No no_new_privs here: the caller decides, and without it the
         * kernel wants CAP_SYS_ADMIN, which the container's root has. */
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 &&
            (errno != ENOSYS || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0))
                return nb_error_set(err, errno, "load the seccomp filter%s",
                                    errno == EACCES ? " (needs CAP_SYS_ADMIN or no_new_privs)" : "");
        return 0;
}

int seccomp_install(uint64_t caps, char *const *entries, size_t n_entries, struct nb_error *err) {
        _cleanup_free_ struct seccomp_program *p = malloc(sizeof(*p));
        int r;

        if (!p)
                return nb_error_set(err, ENOMEM, "allocate the seccomp filter");
        r = seccomp_policy_build(caps, entries, n_entries, p, err);
        return r < 0 ? r : seccomp_policy_load(p, err);
}

int seccomp_program_memfd(const struct seccomp_program *p, struct nb_error *err) {
        return sealed_memfd("nixbox-seccomp", p->insns, p->len * sizeof(p->insns[0]), 0400, "the seccomp filter", err);
}

int seccomp_program_read(int fd, struct seccomp_program *p, struct nb_error *err) {
        ssize_t n = pread(fd, p->insns, sizeof(p->insns), 0);

        if (n < 0)
                return nb_error_set(err, errno, "read the seccomp filter");
        if (n == 0 || n % sizeof(p->insns[0]) != 0)
                return nb_error_set(err, EBADMSG, "read the seccomp filter: %zd bytes", n);
        p->len = (uint32_t) (n / sizeof(p->insns[0]));
        return 0;
}
