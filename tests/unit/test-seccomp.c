/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The system-call filter: the group tables, entry validation, and the
 * installed filter itself. Filters are installed in forked children so this
 * process stays unfiltered; results come back through shared memory.
 * - real calls under the filter (native, and i386 through int 0x80 when the
 *   kernel allows it);
 * - the loaded BPF programs read back (PTRACE_SECCOMP_GET_FILTER) and
 *   evaluated for x86_64, x32 and x86 call data, group by group;
 * - the same policy built by libseccomp, which must decide every call
 *   number the same way as our generated programs.
 * The filter tests need root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "capabilities.h"
#include "error.h"
#include "seccomp-policy.h"
#include "syscall-groups.h"
#include "unit.h"
#include "../errno-name.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))
#define X32_BIT 0x40000000
#define SECCOMP_RET_ERRNO_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)

/* ---- the group tables and validation ---- */

static void test_tables(void) {
        bool sorted = true;
        for (int i = 1; i < SYSCALL_NAMES_COUNT; i++)
                sorted = sorted && strcmp(syscall_names[i - 1], syscall_names[i]) < 0;
        CHECK("names table sorted and unique", sorted);
        CHECK("name index read", syscall_name_index("read") >= 0);
        CHECK("name index _llseek", syscall_name_index("_llseek") >= 0);
        CHECK("name index unknown", syscall_name_index("no_such_call") == -1);

        bool nested_ok = true;
        for (size_t g = 0; g < syscall_groups_count; g++)
                for (const char *const *m = syscall_groups[g].members; *m; m++)
                        nested_ok = nested_ok && (**m == '@' ? syscall_group_find(*m) != NULL
                                                             : syscall_name_index(*m) >= 0);
        CHECK("every group member resolves", nested_ok);

        struct syscall_set known = {}, clock = {};
        CHECK("expand @known", syscall_set_add_group(&known, "@known") == 0);
        CHECK("expand @clock", syscall_set_add_group(&clock, "@clock") == 0);
        CHECK("@clock has clock_settime", syscall_set_contains(&clock, syscall_name_index("clock_settime")));
        CHECK("@clock lacks getpid", !syscall_set_contains(&clock, syscall_name_index("getpid")));
        CHECK("@known has seccomp", syscall_set_contains(&known, syscall_name_index("seccomp")));
        CHECK("@known includes @obsolete", syscall_set_contains(&known, syscall_name_index("uselib")));
        CHECK("unknown group", syscall_set_add_group(&known, "@nope") == -ENOENT);
        for (const char *const *g = (const char *const[]) { "@default", "@basic-io", "@file-system",
                        "@mount", "@process", "@aio", "@io-event", "@ipc", "@network-io", "@resources",
                        "@setuid", "@signal", "@sync", "@timer", "@clock", "@module", "@raw-io",
                        "@memlock", "@cpu-emulation", "@keyring", "@obsolete", "@pkey", "@swap",
                        "@known", "@chown", "@debug", "@privileged", "@reboot", "@system-service", NULL };
             *g; g++) {
                char name[64];
                snprintf(name, sizeof(name), "group %s exists", *g);
                CHECK(name, syscall_group_find(*g) != NULL);
        }
}

static void test_validate(void) {
        struct nb_error e = {};
        CHECK("validate read", seccomp_validate_entry("read", &e) == 0);
        CHECK("validate ~read", seccomp_validate_entry("~read", &e) == 0);
        CHECK("validate @mount", seccomp_validate_entry("@mount", &e) == 0);
        CHECK("validate ~@clock", seccomp_validate_entry("~@clock", &e) == 0);
        CHECK("validate uretprobe (table only)", seccomp_validate_entry("uretprobe", &e) == 0);
        CHECK("validate bogus call", seccomp_validate_entry("bogus_call", &e) == -EINVAL);
        CHECK("validate message names call", strstr(e.msg, "bogus_call") != NULL);
        CHECK("validate bogus group", seccomp_validate_entry("~@bogus", &e) == -EINVAL);
        CHECK("validate message names group", strstr(e.msg, "@bogus") != NULL);
        CHECK("validate empty", seccomp_validate_entry("", &e) == -EINVAL);
}

/* ---- running calls under the filter ---- */

enum {
        P_FILTERS,          /* Seccomp_filters: in /proc/self/status */
        P_GETPID, P_OPEN, P_MOUNT, P_UNSHARE, P_SECCOMP, P_SECCOMP_LOAD, P_ROUTE_SOCKET,
        P_AUDIT_SOCKET, P_UNKNOWN, P_KEXEC, P_KEXEC_FILE, P_OPEN_BY_HANDLE, P_INIT_MODULE,
        P_FINIT_MODULE, P_ADD_KEY, P_PERF, P_BPF, P_SWAPON, P_MLOCK, P_IOPL, P_CLOCK_SETTIME,
        P_REBOOT, P_GETPPID, P_TIOCSTI, P_TIOCSTI_HIGH, P_TIOCLINUX, P_TCGETS,
        P_32_AVAILABLE, P_32_GETPID, P_32_UNKNOWN, P_32_KEXEC, P_32_INIT_MODULE, P_32_ADD_KEY,
        P_32_PERF, P_32_AUDIT_SOCKET, P_32_ROUTE_SOCKET, P_32_CLOCK_SETTIME,
        P_MAX
};

struct outcome {
        int install;        /* seccomp_install's return */
        double install_ms;
        char msg[sizeof(((struct nb_error *) 0)->msg)];
        int err[P_MAX];     /* 0 = success, else errno */
};

#define ERRNO_OF(call) ((call) < 0 ? errno : 0)

static int filters_loaded(void) {
        char line[256];
        int n = -1;
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Seccomp_filters: %d", &n) == 1)
                        break;
        fclose(f);
        return n;
}

#if defined(__x86_64__)
/* A 32-bit system call through the i386 entry; returns -errno like the kernel. */
static long syscall32(long nr, long a, long b, long c, long d) {
        long ret;
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
                         : "memory", "r8", "r9", "r10", "r11");
        return ret;
}

static int errno32(long r) {
        return r < 0 && r > -4096 ? (int) -r : 0;
}

static int nr32(const char *name) {
        /* libseccomp reports the i386 socket() as the socketcall multiplexer;
         * the direct call has been 359 since Linux 4.3. */
        if (streq(name, "socket"))
                return 359;
        return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name);
}

/* int 0x80 may be refused (ia32_emulation=0, some hypervisors): probe it in
 * a throwaway child, which may die of SIGSEGV. */
static bool int80_works(void) {
        pid_t pid = fork();
        if (pid == 0) {
                signal(SIGSEGV, SIG_DFL);   /* die quietly, even under ASan */
                _exit(syscall32(20, 0, 0, 0, 0) == getpid() ? 0 : 1);
        }
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

static void run_probes(int *err, bool with_32) {
        int fd;

        err[P_FILTERS] = filters_loaded();
        err[P_GETPID] = syscall(SYS_getpid) == getpid() ? 0 : errno;
        fd = syscall(SYS_open, "/dev/null", O_RDONLY | O_CLOEXEC);
        err[P_OPEN] = ERRNO_OF(fd);
        if (fd >= 0)
                close(fd);
        /* Reaches the kernel's path lookup: ENOENT, not EPERM or ENOSYS. */
        err[P_MOUNT] = ERRNO_OF(mount("none", "/nonexistent-nixbox-test", "tmpfs", 0, NULL));
        err[P_UNSHARE] = ERRNO_OF(unshare(0));
        unsigned action = SECCOMP_RET_ERRNO;
        err[P_SECCOMP] = ERRNO_OF(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action));
        /* What systemd inside does for its services: stack one more filter. */
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        int r = ctx ? seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) : -ENOMEM;
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EBADE), SCMP_SYS(getpgid), 0);
        if (r >= 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        err[P_SECCOMP_LOAD] = r < 0 ? -r : (getpgid(0) < 0 && errno == EBADE ? 0 : EPROTO);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        err[P_ROUTE_SOCKET] = ERRNO_OF(fd);
        if (fd >= 0)
                close(fd);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
        err[P_AUDIT_SOCKET] = ERRNO_OF(fd);
        if (fd >= 0)
                close(fd);
        err[P_UNKNOWN] = ERRNO_OF(syscall(1000));
        /* Arguments the kernel would reject if the call ever got through. */
        err[P_KEXEC] = ERRNO_OF(syscall(SYS_kexec_load, 0, 0, NULL, 0xdead0000UL));
        err[P_KEXEC_FILE] = ERRNO_OF(syscall(SYS_kexec_file_load, -1, -1, 0, NULL, 0xdead0000UL));
        err[P_OPEN_BY_HANDLE] = ERRNO_OF(syscall(SYS_open_by_handle_at, -1, NULL, 0));
        err[P_INIT_MODULE] = ERRNO_OF(syscall(SYS_init_module, NULL, 0, ""));
        err[P_FINIT_MODULE] = ERRNO_OF(syscall(SYS_finit_module, -1, "", 0));
        err[P_ADD_KEY] = ERRNO_OF(syscall(SYS_add_key, "nixbox-no-such-type", "x", NULL, 0, -2));
        err[P_PERF] = ERRNO_OF(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
        err[P_BPF] = ERRNO_OF(syscall(SYS_bpf, -1, NULL, 0));
        err[P_SWAPON] = ERRNO_OF(syscall(SYS_swapon, NULL, 0));
        err[P_MLOCK] = ERRNO_OF(syscall(SYS_mlock, NULL, 0));
        err[P_IOPL] = ERRNO_OF(syscall(SYS_iopl, 0));
        /* NULL time: EFAULT when the call is let through, the clock stays. */
        err[P_CLOCK_SETTIME] = ERRNO_OF(syscall(SYS_clock_settime, CLOCK_REALTIME, NULL));
        /* Bad magic: EINVAL when let through (and CAP_SYS_BOOT is held). */
        err[P_REBOOT] = ERRNO_OF(syscall(SYS_reboot, 0, 0, 0, NULL));
        err[P_GETPPID] = ERRNO_OF(syscall(SYS_getppid));
        /* Terminal ioctls on a file that is no terminal: ENOTTY when let
         * through. The kernel reads cmd as 32 bits: set upper bits must not
         * slip past the filter (Flatpak's CVE-2019-10063). */
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        err[P_TIOCSTI] = ERRNO_OF(syscall(SYS_ioctl, fd, (unsigned long) TIOCSTI, "x"));
        err[P_TIOCSTI_HIGH] = ERRNO_OF(syscall(SYS_ioctl, fd, (1UL << 32) | TIOCSTI, "x"));
        err[P_TIOCLINUX] = ERRNO_OF(syscall(SYS_ioctl, fd, (unsigned long) TIOCLINUX, "\x02"));
        err[P_TCGETS] = ERRNO_OF(syscall(SYS_ioctl, fd, (unsigned long) TCGETS, &(struct termios) {}));
        if (fd >= 0)
                close(fd);

#if defined(__x86_64__)
        err[P_32_AVAILABLE] = with_32 ? 0 : ENOSYS;
        if (with_32) {
                err[P_32_GETPID] = syscall32(nr32("getpid"), 0, 0, 0, 0) == getpid() ? 0 : EPROTO;
                err[P_32_UNKNOWN] = errno32(syscall32(1000, 0, 0, 0, 0));
                err[P_32_KEXEC] = errno32(syscall32(nr32("kexec_load"), 0, 0, 0, 0xdead0000L));
                err[P_32_INIT_MODULE] = errno32(syscall32(nr32("init_module"), 0, 0, 0, 0));
                err[P_32_ADD_KEY] = errno32(syscall32(nr32("add_key"), 0, 0, 0, 0));
                err[P_32_PERF] = errno32(syscall32(nr32("perf_event_open"), 0, 0, -1, -1));
                long s = syscall32(nr32("socket"), AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, 0);
                err[P_32_AUDIT_SOCKET] = errno32(s);
                if (s >= 0)
                        close(s);
                s = syscall32(nr32("socket"), AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, 0);
                err[P_32_ROUTE_SOCKET] = errno32(s);
                if (s >= 0)
                        close(s);
                err[P_32_CLOCK_SETTIME] = errno32(syscall32(nr32("clock_settime"), CLOCK_REALTIME, 0, 0, 0));
        }
#else
        (void) with_32;
        err[P_32_AVAILABLE] = ENOSYS;
#endif
}

static struct outcome *shared_outcome(void) {
        struct outcome *o = mmap(NULL, sizeof(*o), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (o == MAP_FAILED) {
                perror("mmap");
                exit(2);
        }
        memset(o, 0, sizeof(*o));
        return o;
}

static double now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Installs the filter (unless `install` is false) in a child and runs the
 * probes there. Returns false when the child did not exit cleanly. */
static bool run_filtered(struct outcome *o, bool install, uint64_t caps, char *const *entries,
                         size_t n, bool with_32) {
        pid_t pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                struct nb_error e = {};
                if (install) {
                        double t0 = now_ms();
                        o->install = seccomp_install(caps, entries, n, &e);
                        o->install_ms = now_ms() - t0;
                        snprintf(o->msg, sizeof(o->msg), "%s", e.msg);
                }
                if (o->install == 0)
                        run_probes(o->err, with_32);
                _exit(0);   /* no atexit handlers (LeakSanitizer) under the filter */
        }
        int status;
        if (waitpid(pid, &status, 0) < 0)
                return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const char *errname(int e) {
        return e == 0 ? "ok" : errno_name(e) ?: "?";
}

#define CHECK_ERR(o, name, probe, expected) do {                                \
        char _n[160];                                                           \
        snprintf(_n, sizeof(_n), "%s (got %s)", (name), errname((o)->err[probe])); \
        CHECK(_n, (o)->err[probe] == (expected));                               \
} while (0)

static uint64_t default_caps(void) {
        return caps_default_bounding(false, false);
}

static void test_baseline(bool with_32) {
        struct outcome *o = shared_outcome();
        /* Without a filter: the probes' arguments make the kernel itself
         * fail in ways other than EPERM/ENOSYS, so the filtered results
         * below really come from the filter. */
        CHECK("baseline child", run_filtered(o, false, 0, NULL, 0, with_32));
        CHECK("baseline no filter", o->err[P_FILTERS] == 0);
        CHECK("baseline kexec_load not EPERM", o->err[P_KEXEC] != EPERM);
        CHECK("baseline open_by_handle_at not EPERM", o->err[P_OPEN_BY_HANDLE] != EPERM);
        CHECK("baseline init_module not EPERM", o->err[P_INIT_MODULE] != EPERM);
        CHECK("baseline add_key not EPERM", o->err[P_ADD_KEY] != EPERM);
        CHECK("baseline perf_event_open not EPERM", o->err[P_PERF] != EPERM);
        CHECK("baseline clock_settime not EPERM", o->err[P_CLOCK_SETTIME] != EPERM);
        CHECK_ERR(o, "baseline unknown call", P_UNKNOWN, ENOSYS);
        CHECK_ERR(o, "baseline audit socket", P_AUDIT_SOCKET, 0);
        CHECK_ERR(o, "baseline TIOCSTI on a non-terminal", P_TIOCSTI, ENOTTY);
        CHECK_ERR(o, "baseline TIOCSTI with upper bits set", P_TIOCSTI_HIGH, ENOTTY);
        printf("# baseline: kexec_load %s, open_by_handle_at %s, init_module %s, add_key %s, "
               "perf_event_open %s, bpf %s, swapon %s, iopl %s\n",
               errname(o->err[P_KEXEC]), errname(o->err[P_OPEN_BY_HANDLE]), errname(o->err[P_INIT_MODULE]),
               errname(o->err[P_ADD_KEY]), errname(o->err[P_PERF]), errname(o->err[P_BPF]),
               errname(o->err[P_SWAPON]), errname(o->err[P_IOPL]));
        munmap(o, sizeof(*o));
}

static void test_default_policy(bool with_32) {
        struct outcome *o = shared_outcome();

        CHECK("default: child exited", run_filtered(o, true, default_caps(), NULL, 0, with_32));
        CHECK("default: installed", o->install == 0);
        if (o->install != 0)
                printf("# install failed: %s: %s\n", o->msg, strerror(-o->install));
        printf("# seccomp_install took %.2f ms\n", o->install_ms);
        CHECK("default: one filter loaded", o->err[P_FILTERS] == 1);

        CHECK_ERR(o, "default: getpid allowed", P_GETPID, 0);
        CHECK_ERR(o, "default: open allowed", P_OPEN, 0);
        CHECK_ERR(o, "default: mount reaches the kernel", P_MOUNT, ENOENT);
        CHECK_ERR(o, "default: unshare allowed", P_UNSHARE, 0);
        CHECK_ERR(o, "default: seccomp() allowed", P_SECCOMP, 0);
        CHECK_ERR(o, "default: nested filter loads", P_SECCOMP_LOAD, 0);
        CHECK_ERR(o, "default: route netlink socket allowed", P_ROUTE_SOCKET, 0);
        CHECK_ERR(o, "default: audit netlink socket EAFNOSUPPORT", P_AUDIT_SOCKET, EAFNOSUPPORT);
        CHECK_ERR(o, "default: unknown call 1000 ENOSYS", P_UNKNOWN, ENOSYS);
        CHECK_ERR(o, "default: kexec_load EPERM", P_KEXEC, EPERM);
        CHECK_ERR(o, "default: kexec_file_load EPERM", P_KEXEC_FILE, EPERM);
        CHECK_ERR(o, "default: open_by_handle_at EPERM", P_OPEN_BY_HANDLE, EPERM);
        CHECK_ERR(o, "default: init_module EPERM", P_INIT_MODULE, EPERM);
        CHECK_ERR(o, "default: finit_module EPERM", P_FINIT_MODULE, EPERM);
        CHECK_ERR(o, "default: add_key EPERM", P_ADD_KEY, EPERM);
        CHECK_ERR(o, "default: perf_event_open EPERM", P_PERF, EPERM);
        CHECK_ERR(o, "default: bpf EPERM", P_BPF, EPERM);
        CHECK_ERR(o, "default: swapon EPERM", P_SWAPON, EPERM);
        CHECK_ERR(o, "default: mlock EPERM (no CAP_IPC_LOCK)", P_MLOCK, EPERM);
        CHECK_ERR(o, "default: iopl EPERM (no CAP_SYS_RAWIO)", P_IOPL, EPERM);
        CHECK_ERR(o, "default: clock_settime EPERM (no CAP_SYS_TIME)", P_CLOCK_SETTIME, EPERM);
        CHECK_ERR(o, "default: reboot allowed (CAP_SYS_BOOT)", P_REBOOT, EINVAL);
        CHECK_ERR(o, "default: TIOCSTI EPERM", P_TIOCSTI, EPERM);
        CHECK_ERR(o, "default: TIOCSTI with upper bits set EPERM", P_TIOCSTI_HIGH, EPERM);
        CHECK_ERR(o, "default: TIOCLINUX EPERM", P_TIOCLINUX, EPERM);
        CHECK_ERR(o, "default: TCGETS let through", P_TCGETS, ENOTTY);

        if (o->err[P_32_AVAILABLE] == 0) {
                CHECK_ERR(o, "default: i386 getpid allowed", P_32_GETPID, 0);
                CHECK_ERR(o, "default: i386 unknown call ENOSYS", P_32_UNKNOWN, ENOSYS);
                CHECK_ERR(o, "default: i386 kexec_load EPERM", P_32_KEXEC, EPERM);
                CHECK_ERR(o, "default: i386 init_module EPERM", P_32_INIT_MODULE, EPERM);
                CHECK_ERR(o, "default: i386 add_key EPERM", P_32_ADD_KEY, EPERM);
                CHECK_ERR(o, "default: i386 perf_event_open EPERM", P_32_PERF, EPERM);
                CHECK_ERR(o, "default: i386 audit socket EAFNOSUPPORT", P_32_AUDIT_SOCKET, EAFNOSUPPORT);
                CHECK_ERR(o, "default: i386 route socket allowed", P_32_ROUTE_SOCKET, 0);
                CHECK_ERR(o, "default: i386 clock_settime EPERM", P_32_CLOCK_SETTIME, EPERM);
        } else
                printf("# skip: the kernel refuses int 0x80 here; x86 is checked on the BPF below\n");
        munmap(o, sizeof(*o));
}

static void test_capability_gates(void) {
        struct outcome *o = shared_outcome();
        uint64_t caps = default_caps() | CAP_BIT(CAP_SYS_TIME) | CAP_BIT(CAP_IPC_LOCK);

        CHECK("gates: child exited", run_filtered(o, true, caps, NULL, 0, false));
        CHECK_ERR(o, "gates: clock_settime let through with CAP_SYS_TIME", P_CLOCK_SETTIME, EFAULT);
        CHECK_ERR(o, "gates: mlock let through with CAP_IPC_LOCK", P_MLOCK, 0);

        caps = default_caps() & ~CAP_BIT(CAP_SYS_BOOT);
        CHECK("gates: child exited (no CAP_SYS_BOOT)", run_filtered(o, true, caps, NULL, 0, false));
        CHECK_ERR(o, "gates: reboot EPERM without CAP_SYS_BOOT", P_REBOOT, EPERM);
        munmap(o, sizeof(*o));
}

/* Loading without no_new_privs needs CAP_SYS_ADMIN: after caps_apply has
 * taken it away, only no_new_privs lets the filter load. */
static void test_load_privilege(void) {
        struct outcome *o = shared_outcome();
        uint64_t caps = default_caps() & ~CAP_BIT(CAP_SYS_ADMIN);

        for (int nnp = 0; nnp <= 1; nnp++) {
                memset(o, 0, sizeof(*o));
                pid_t pid = fork();
                if (pid == 0) {
                        struct nb_error e = {};
                        o->install = caps_apply(caps, nnp, &e);
                        if (o->install == 0)
                                o->install = seccomp_install(caps, NULL, 0, &e);
                        snprintf(o->msg, sizeof(o->msg), "%s", e.msg);
                        _exit(0);
                }
                waitpid(pid, NULL, 0);
                if (nnp)
                        CHECK("no SYS_ADMIN, no_new_privs: loads", o->install == 0);
                else {
                        CHECK("no SYS_ADMIN, no no_new_privs: EACCES", o->install == -EACCES);
                        CHECK("no SYS_ADMIN: message says why", strstr(o->msg, "no_new_privs") != NULL);
                }
        }
        munmap(o, sizeof(*o));
}

static void test_entries(void) {
        struct outcome *o = shared_outcome();
        uint64_t caps = default_caps() | CAP_BIT(CAP_SYS_TIME);
        char *deny_clock[] = { "~@clock" };
        char *mixed[] = { "add_key", "getppid", "~getppid", "~@mount", "uretprobe", "~riscv_hwprobe" };
        char *bad[] = { "@nope" };

        CHECK("entries: child exited (~@clock)", run_filtered(o, true, caps, deny_clock, 1, false));
        CHECK_ERR(o, "entries: ~@clock beats CAP_SYS_TIME", P_CLOCK_SETTIME, EPERM);
        CHECK_ERR(o, "entries: ~@clock keeps getpid", P_GETPID, 0);

        CHECK("entries: child exited (mixed)", run_filtered(o, true, default_caps(), mixed, ELEMENTSOF(mixed), false));
        CHECK("entries: mixed installed", o->install == 0);
        CHECK_ERR(o, "entries: add_key allowed by entry", P_ADD_KEY, ENODEV);
        CHECK_ERR(o, "entries: ~getppid EPERM, deny wins over getppid", P_GETPPID, EPERM);
        CHECK_ERR(o, "entries: ~@mount EPERM", P_MOUNT, EPERM);
        CHECK_ERR(o, "entries: others untouched", P_OPEN, 0);

        memset(o, 0, sizeof(*o));
        CHECK("entries: child exited (bad)", run_filtered(o, true, default_caps(), bad, 1, false));
        CHECK("entries: unknown group refused", o->install == -EINVAL);
        CHECK("entries: message names the group", strstr(o->msg, "@nope") != NULL);
        munmap(o, sizeof(*o));
}

/* ---- reading the loaded filters back and evaluating them ---- */

struct program {
        struct sock_filter insns[BPF_MAXINSNS];
        int len;
};

/* Classic BPF as seccomp runs it, over struct seccomp_data. Returns the
 * action, or 0xffffffff for an instruction this evaluator does not know. */
static uint32_t bpf_run(const struct program *p, const struct seccomp_data *d) {
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {};
        const unsigned char *data = (const unsigned char *) d;

        for (int pc = 0; pc < p->len; pc++) {
                const struct sock_filter *i = &p->insns[pc];
                uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;
                switch (BPF_CLASS(i->code)) {
                case BPF_LD:
                        if (i->code == (BPF_LD | BPF_W | BPF_ABS) && i->k + 4 <= sizeof(*d))
                                memcpy(&a, data + i->k, 4);
                        else if (i->code == (BPF_LD | BPF_MEM) && i->k < BPF_MEMWORDS)
                                a = mem[i->k];
                        else if (i->code == (BPF_LD | BPF_IMM))
                                a = i->k;
                        else
                                return UINT32_MAX;
                        break;
                case BPF_LDX:
                        if (i->code == (BPF_LDX | BPF_MEM) && i->k < BPF_MEMWORDS)
                                x = mem[i->k];
                        else if (i->code == (BPF_LDX | BPF_IMM))
                                x = i->k;
                        else
                                return UINT32_MAX;
                        break;
                case BPF_ST:
                        mem[i->k % BPF_MEMWORDS] = a;
                        break;
                case BPF_STX:
                        mem[i->k % BPF_MEMWORDS] = x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(i->code)) {
                        case BPF_ADD: a += src; break;
                        case BPF_SUB: a -= src; break;
                        case BPF_AND: a &= src; break;
                        case BPF_OR:  a |= src; break;
                        case BPF_LSH: a <<= src; break;
                        case BPF_RSH: a >>= src; break;
                        default: return UINT32_MAX;
                        }
                        break;
                case BPF_JMP: {
                        bool jump;
                        switch (BPF_OP(i->code)) {
                        case BPF_JA:   pc += i->k; continue;
                        case BPF_JEQ:  jump = a == src; break;
                        case BPF_JGT:  jump = a > src; break;
                        case BPF_JGE:  jump = a >= src; break;
                        case BPF_JSET: jump = (a & src) != 0; break;
                        default: return UINT32_MAX;
                        }
                        pc += jump ? i->jt : i->jf;
                        break;
                }
                case BPF_RET:
                        return BPF_RVAL(i->code) == BPF_A ? a : i->k;
                case BPF_MISC:
                        if (BPF_MISCOP(i->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                }
        }
        return UINT32_MAX;
}

/* The kernel's rule: every filter runs, the lowest action wins; among equal
 * actions the most recently loaded filter's. progs[0] is the oldest (that is
 * how PTRACE_SECCOMP_GET_FILTER counts). */
static uint32_t filters_run(const struct program *progs, int n, const struct seccomp_data *d) {
        uint32_t ret = SECCOMP_RET_ALLOW;
        for (int i = n - 1; i >= 0; i--) {
                uint32_t r = bpf_run(&progs[i], d);
                if ((int32_t) (r & SECCOMP_RET_ACTION_FULL) < (int32_t) (ret & SECCOMP_RET_ACTION_FULL))
                        ret = r;
        }
        return ret;
}

/* Loads the default filter in a child, stops it, and copies its programs
 * out with PTRACE_SECCOMP_GET_FILTER (needs CAP_SYS_ADMIN, unfiltered us). */
static int fetch_filters(uint64_t caps, char *const *entries, size_t n_entries, struct program *progs, int max) {
        /* The filter may deny write() and pause() to the child: it reports
         * through shared memory and spins until it is stopped and killed. */
        volatile int *state = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (state == MAP_FAILED)
                return -errno;
        *state = 0;
        pid_t pid = fork();
        if (pid == 0) {
                *state = seccomp_install(caps, entries, n_entries, NULL) == 0 ? 1 : 2;
                for (;;)
                        ;
        }
        int n = -EIO;
        int status;
        while (*state == 0) {
                if (waitpid(pid, &status, WNOHANG) == pid) {
                        munmap((void *) state, sizeof(int));
                        return -ECHILD;
                }
                usleep(1000);
        }

        if (*state == 1 && ptrace(PTRACE_ATTACH, pid, NULL, NULL) == 0 && waitpid(pid, &status, 0) == pid) {
                for (n = 0; n < max; n++) {
                        long len = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *) (long) n, progs[n].insns);
                        if (len < 0)
                                break;
                        progs[n].len = (int) len;
                }
                if (n == 0)
                        n = -errno;
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        munmap((void *) state, sizeof(int));
        return n;
}

static struct seccomp_data sd(uint32_t arch, int nr) {
        return (struct seccomp_data) { .nr = nr, .arch = arch };
}

#define ERRNO_RET(e) (SECCOMP_RET_ERRNO | (e))

/* Every call of the allowed groups must be allowed, and every call of the
 * knowingly excluded ones refused with EPERM, on each architecture that
 * libseccomp knows the call on. */
static void check_groups_on_arch(const struct program *progs, int n, uint32_t scmp_arch,
                                 uint32_t audit_arch, const char *arch_name) {
        static const char *const allowed[] = { "@aio", "@basic-io", "@chown", "@default",
                "@file-system", "@io-event", "@ipc", "@mount", "@network-io", "@process",
                "@resources", "@setuid", "@signal", "@sync", "@timer", NULL };
        static const char *const excluded[] = { "@cpu-emulation", "@keyring", "@obsolete", "@pkey",
                "@swap", "@clock", "@module", "@raw-io", "@memlock", NULL };
        struct syscall_set allow = {}, deny = {};
        int checked = 0, wrong = 0;

        for (const char *const *g = allowed; *g; g++)
                syscall_set_add_group(&allow, *g);
        for (const char *const *g = excluded; *g; g++)
                syscall_set_add_group(&deny, *g);

        for (int i = 0; i < SYSCALL_NAMES_COUNT; i++) {
                bool a = syscall_set_contains(&allow, i), e = syscall_set_contains(&deny, i) && !a;
                if (!a && !e)
                        continue;
                int nr = seccomp_syscall_resolve_name_arch(scmp_arch, syscall_names[i]);
                if (nr < 0)
                        continue;   /* not a call of this architecture, or unknown to libseccomp */
                struct seccomp_data d = sd(audit_arch, nr);
                uint32_t got = filters_run(progs, n, &d);
                uint32_t want = a ? SECCOMP_RET_ALLOW : ERRNO_RET(EPERM);
                checked++;
                if (got != want) {
                        wrong++;
                        printf("# %s: %s (%d) -> %#x, want %#x\n", arch_name, syscall_names[i], nr, got, want);
                }
        }
        char name[128];
        snprintf(name, sizeof(name), "bpf %s: %d calls of the allowed/excluded groups as expected", arch_name, checked);
        CHECK(name, checked > 100 && wrong == 0);
}

static void test_loaded_bpf(void) {
        static struct program progs[4];
        int n = fetch_filters(default_caps(), NULL, 0, progs, ELEMENTSOF(progs));

        CHECK("bpf: read back one filter", n == 1);
        if (n != 1) {
                printf("# fetch_filters: %d\n", n);
                return;
        }
        printf("# filter size: %d instructions\n", progs[0].len);

        struct { uint32_t scmp, audit; const char *name; int bit; } arches[] = {
                { SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, "x86_64", 0 },
                { SCMP_ARCH_X86, AUDIT_ARCH_I386, "x86", 0 },
                { SCMP_ARCH_X32, AUDIT_ARCH_X86_64, "x32", X32_BIT },
        };
        for (size_t i = 0; i < ELEMENTSOF(arches); i++) {
                char name[128];
                struct seccomp_data d;
                int nr;

                check_groups_on_arch(progs, n, arches[i].scmp, arches[i].audit, arches[i].name);

                d = sd(arches[i].audit, arches[i].bit | 1000);
                snprintf(name, sizeof(name), "bpf %s: unknown call ENOSYS", arches[i].name);
                CHECK(name, filters_run(progs, n, &d) == ERRNO_RET(ENOSYS));

                for (const char *const *c = (const char *const[]) { "kexec_load", "open_by_handle_at",
                                "init_module", "add_key", "perf_event_open", "bpf", NULL }; *c; c++) {
                        nr = seccomp_syscall_resolve_name_arch(arches[i].scmp, *c);
                        d = sd(arches[i].audit, nr);
                        snprintf(name, sizeof(name), "bpf %s: %s EPERM", arches[i].name, *c);
                        CHECK(name, nr >= 0 && filters_run(progs, n, &d) == ERRNO_RET(EPERM));
                }
                for (const char *const *c = (const char *const[]) { "seccomp", "reboot", "ptrace",
                                "getpid", "mount", "ioctl", NULL }; *c; c++) {
                        nr = seccomp_syscall_resolve_name_arch(arches[i].scmp, *c);
                        d = sd(arches[i].audit, nr);
                        snprintf(name, sizeof(name), "bpf %s: %s allowed", arches[i].name, *c);
                        CHECK(name, nr >= 0 && filters_run(progs, n, &d) == SECCOMP_RET_ALLOW);
                }

                nr = arches[i].audit == AUDIT_ARCH_I386 ? 359 : seccomp_syscall_resolve_name_arch(arches[i].scmp, "socket");
                d = sd(arches[i].audit, nr);
                d.args[0] = AF_NETLINK, d.args[1] = SOCK_RAW, d.args[2] = NETLINK_AUDIT;
                snprintf(name, sizeof(name), "bpf %s: audit socket EAFNOSUPPORT", arches[i].name);
                CHECK(name, filters_run(progs, n, &d) == ERRNO_RET(EAFNOSUPPORT));
                d.args[2] = NETLINK_ROUTE;
                snprintf(name, sizeof(name), "bpf %s: route socket allowed", arches[i].name);
                CHECK(name, filters_run(progs, n, &d) == SECCOMP_RET_ALLOW);

                d = sd(arches[i].audit, seccomp_syscall_resolve_name_arch(arches[i].scmp, "ioctl"));
                d.args[1] = TIOCSTI;
                snprintf(name, sizeof(name), "bpf %s: ioctl TIOCSTI EPERM", arches[i].name);
                CHECK(name, filters_run(progs, n, &d) == ERRNO_RET(EPERM));
                d.args[1] = TIOCLINUX | (UINT64_C(0xffffffff) << 32);
                snprintf(name, sizeof(name), "bpf %s: ioctl TIOCLINUX (upper bits set) EPERM", arches[i].name);
                CHECK(name, filters_run(progs, n, &d) == ERRNO_RET(EPERM));
                d.args[1] = TCGETS;
                snprintf(name, sizeof(name), "bpf %s: ioctl TCGETS allowed", arches[i].name);
                CHECK(name, filters_run(progs, n, &d) == SECCOMP_RET_ALLOW);
        }

        struct seccomp_data d = sd(AUDIT_ARCH_AARCH64, 172);
        CHECK("bpf: a foreign architecture is not allowed", filters_run(progs, n, &d) != SECCOMP_RET_ALLOW);
}

/* ---- the same policy built by libseccomp, as a reference ---- */

/* nspawn's allow list, written out again independently of
 * seccomp-policy.c (plus seccomp, which nixbox adds). */
static const char *const reference_allowed[] = {
        "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@mount",
        "@network-io", "@process", "@resources", "@setuid", "@signal", "@sync", "@timer",
        "arm_fadvise64_64", "brk", "capget", "capset", "copy_file_range", "fadvise64",
        "fadvise64_64", "flock", "get_mempolicy", "getcpu", "getpriority", "getrandom", "ioctl",
        "ioprio_get", "kcmp", "madvise", "mincore", "mprotect", "mremap", "name_to_handle_at",
        "oldolduname", "olduname", "personality", "readahead", "readdir", "remap_file_pages",
        "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr",
        "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
        "sched_rr_get_interval_time64", "sched_yield", "sendfile", "sendfile64", "setdomainname",
        "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "sethostname", "setpgid", "setsid",
        "splice", "sysinfo", "tee", "umask", "uname", "userfaultfd", "vmsplice", "seccomp", NULL
};

static const struct { int cap; const char *name; } reference_gated[] = {
        { CAP_SYS_TIME, "@clock" }, { CAP_SYS_MODULE, "@module" }, { CAP_SYS_RAWIO, "@raw-io" },
        { CAP_IPC_LOCK, "@memlock" }, { CAP_SYS_PACCT, "acct" }, { CAP_SYS_PTRACE, "process_vm_readv" },
        { CAP_SYS_PTRACE, "process_vm_writev" }, { CAP_SYS_PTRACE, "ptrace" }, { CAP_SYS_BOOT, "reboot" },
        { CAP_SYSLOG, "syslog" }, { CAP_SYS_TTY_CONFIG, "vhangup" },
};

static void reference_add(struct syscall_set *set, const char *name) {
        if (*name == '@')
                syscall_set_add_group(set, name);
        else
                syscall_set_add(set, syscall_name_index(name));
}

static bool export_program(scmp_filter_ctx ctx, struct program *p) {
        int fd = memfd_create("bpf", MFD_CLOEXEC);
        bool ok = fd >= 0 && seccomp_export_bpf(ctx, fd) == 0;
        ssize_t n = ok ? pread(fd, p->insns, sizeof(p->insns), 0) : -1;
        if (fd >= 0)
                close(fd);
        p->len = n > 0 ? (int) (n / sizeof(struct sock_filter)) : 0;
        return p->len > 0;
}

static scmp_filter_ctx reference_ctx(uint32_t default_action) {
        scmp_filter_ctx ctx = seccomp_init(default_action);
        if (ctx && (seccomp_arch_add(ctx, SCMP_ARCH_X86) < 0 || seccomp_arch_add(ctx, SCMP_ARCH_X32) < 0)) {
                seccomp_release(ctx);
                return NULL;
        }
        return ctx;
}

/* The policy through libseccomp: default ENOSYS, allowed calls (minus the
 * denied ones) allowed, every other known or denied call EPERM. Entries
 * here must name tabled calls. */
static bool reference_programs(uint64_t caps, char *const *entries, size_t n_entries,
                               struct program *calls, struct program *audit) {
        struct syscall_set allow = {}, deny = {}, known = {};
        scmp_filter_ctx ctx;
        bool ok;

        for (const char *const *n = reference_allowed; *n; n++)
                reference_add(&allow, *n);
        for (size_t i = 0; i < ELEMENTSOF(reference_gated); i++)
                if (caps & CAP_BIT(reference_gated[i].cap))
                        reference_add(&allow, reference_gated[i].name);
        for (size_t i = 0; i < n_entries; i++)
                if (entries[i][0] == '~')
                        reference_add(&deny, entries[i] + 1);
                else
                        reference_add(&allow, entries[i]);
        syscall_set_add_group(&known, "@known");

        ctx = reference_ctx(SCMP_ACT_ERRNO(ENOSYS));
        if (!ctx)
                return false;
        for (int i = 0; i < SYSCALL_NAMES_COUNT; i++) {
                int nr = seccomp_syscall_resolve_name(syscall_names[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                if (syscall_set_contains(&allow, i) && !syscall_set_contains(&deny, i))
                        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                else if (syscall_set_contains(&known, i) || syscall_set_contains(&deny, i))
                        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
        }
        ok = export_program(ctx, calls);
        seccomp_release(ctx);

        ctx = reference_ctx(SCMP_ACT_ALLOW);
        if (!ctx)
                return false;
        ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 2,
                                    SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_AUDIT)) == 0;
        ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                    SCMP_A1_32(SCMP_CMP_EQ, TIOCSTI)) == 0;
        ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
                                    SCMP_A1_32(SCMP_CMP_EQ, TIOCLINUX)) == 0;
        ok = ok && export_program(ctx, audit);
        seccomp_release(ctx);
        return ok;
}

/* Our loaded program and libseccomp's two filters (nspawn's call filter and
 * its argument filter, as the kernel stacks them) must agree on every call
 * number around the tables, on each architecture. */
static void compare_with_libseccomp(const char *variant, uint64_t caps, char *const *entries, size_t n_entries) {
        static struct program ours[4], ref[2];
        const struct program *ref_calls = &ref[0];
        char name[160];
        int n = fetch_filters(caps, entries, n_entries, ours, ELEMENTSOF(ours));

        snprintf(name, sizeof(name), "reference %s: read back our filter", variant);
        CHECK(name, n == 1);
        snprintf(name, sizeof(name), "reference %s: libseccomp builds the policy", variant);
        CHECK(name, reference_programs(caps, entries, n_entries, &ref[0], &ref[1]));
        if (n != 1)
                return;
        printf("# %s: instructions: ours %d, libseccomp %d + %d\n", variant, ours[0].len, ref[0].len, ref[1].len);

        struct { uint32_t audit; uint32_t base; const char *name; } ranges[] = {
                { AUDIT_ARCH_X86_64, 0, "x86_64" },
                { AUDIT_ARCH_X86_64, X32_BIT, "x32" },
                { AUDIT_ARCH_I386, 0, "x86" },
        };
        for (size_t i = 0; i < ELEMENTSOF(ranges); i++) {
                int compared = 0, differ = 0;
                for (uint32_t nr = ranges[i].base; nr < ranges[i].base + 1100; nr++) {
                        struct seccomp_data d = sd(ranges[i].audit, (int) nr);
                        uint32_t a = filters_run(ours, n, &d), b = filters_run(ref, 2, &d);
                        compared++;
                        if (a != b && differ++ < 10)
                                printf("# %s call %u: ours %#x, libseccomp %#x\n", ranges[i].name, nr, a, b);
                }
                snprintf(name, sizeof(name), "reference %s %s: %d numbers agree", variant, ranges[i].name, compared);
                CHECK(name, differ == 0);
        }
        uint32_t odd[] = { 0x3fffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };
        int differ = 0;
        for (size_t i = 0; i < ELEMENTSOF(odd); i++) {
                struct seccomp_data d = sd(AUDIT_ARCH_X86_64, (int) odd[i]);
                differ += filters_run(ours, n, &d) != SECCOMP_RET_ERRNO_ENOSYS;
        }
        snprintf(name, sizeof(name), "reference %s: odd numbers get ENOSYS", variant);
        CHECK(name, differ == 0);

        /* The audit socket check, on socket() and its neighbours with assorted arguments. */
        uint32_t sockets[][2] = { { AUDIT_ARCH_X86_64, 41 }, { AUDIT_ARCH_X86_64, X32_BIT | 41 },
                                  { AUDIT_ARCH_I386, 359 }, { AUDIT_ARCH_X86_64, 42 },
                                  { AUDIT_ARCH_I386, 102 }, { AUDIT_ARCH_AARCH64, 198 } };
        uint64_t families[] = { AF_NETLINK, AF_UNIX, AF_INET6 };
        uint64_t protocols[] = { NETLINK_AUDIT, NETLINK_ROUTE, 0 };
        differ = 0;
        for (size_t i = 0; i < ELEMENTSOF(sockets); i++)
                for (size_t f = 0; f < ELEMENTSOF(families); f++)
                        for (size_t p = 0; p < ELEMENTSOF(protocols); p++) {
                                struct seccomp_data d = sd(sockets[i][0], (int) sockets[i][1]);
                                d.args[0] = families[f], d.args[1] = SOCK_RAW, d.args[2] = protocols[p];
                                uint32_t a = filters_run(ours, n, &d), b = filters_run(ref, 2, &d);
                                /* libseccomp kills a foreign architecture's thread, we
                                 * its process. It also turns the rule into one on i386's
                                 * socketcall() that compares registers socketcall ignores
                                 * (the real arguments are in memory): we leave socketcall be. */
                                if (sockets[i][0] == AUDIT_ARCH_AARCH64)
                                        b = b == SECCOMP_RET_KILL_THREAD ? SECCOMP_RET_KILL_PROCESS : b;
                                if (sockets[i][1] == 102)
                                        b = bpf_run(ref_calls, &d);
                                if (a != b && differ++ < 10)
                                        printf("# audit arch %#x call %u family %lu protocol %lu: ours %#x, libseccomp %#x\n",
                                               sockets[i][0], sockets[i][1], (unsigned long) families[f],
                                               (unsigned long) protocols[p], a, b);
                        }
        snprintf(name, sizeof(name), "reference %s: audit socket checks agree", variant);
        CHECK(name, differ == 0);

        /* The ioctl rules, with and without garbage in cmd's upper half. */
        uint32_t ioctls[][2] = { { AUDIT_ARCH_X86_64, 16 }, { AUDIT_ARCH_X86_64, X32_BIT | 514 },
                                 { AUDIT_ARCH_I386, 54 }, { AUDIT_ARCH_X86_64, 17 } };
        uint64_t cmds[] = { TIOCSTI, TIOCLINUX, TCGETS, TIOCSCTTY, (UINT64_C(1) << 32) | TIOCSTI,
                            (UINT64_C(0xffffffff) << 32) | TIOCLINUX, (UINT64_C(1) << 32) | TCGETS, 0 };
        differ = 0;
        for (size_t i = 0; i < ELEMENTSOF(ioctls); i++)
                for (size_t c = 0; c < ELEMENTSOF(cmds); c++) {
                        struct seccomp_data d = sd(ioctls[i][0], (int) ioctls[i][1]);
                        d.args[0] = 0, d.args[1] = cmds[c];
                        uint32_t a = filters_run(ours, n, &d);
                        /* libseccomp compares all 64 bits even for SCMP_A1_32;
                         * the kernel, and we, only the low 32: garbage above
                         * gets the verdict of the clean value. */
                        d.args[1] = (uint32_t) cmds[c];
                        uint32_t b = filters_run(ref, 2, &d);
                        if (a != b && differ++ < 10)
                                printf("# ioctl arch %#x call %u cmd %#llx: ours %#x, libseccomp %#x\n",
                                       ioctls[i][0], ioctls[i][1], (unsigned long long) cmds[c], a, b);
                }
        snprintf(name, sizeof(name), "reference %s: terminal ioctl checks agree", variant);
        CHECK(name, differ == 0);
}

static void test_against_libseccomp(void) {
        char *mixed[] = { "~@mount", "add_key", "~getppid", "@obsolete", "~@clock", "bpf" };
        char *holes[] = { "~@file-system", "~@basic-io", "@keyring", "~read", "@pkey", "~@default" };
        char *checked_denied[] = { "~socket", "~ioctl" };

        compare_with_libseccomp("default", default_caps(), NULL, 0);
        compare_with_libseccomp("private network", caps_default_bounding(true, false), NULL, 0);
        compare_with_libseccomp("all caps, mixed entries", CAPS_ALL, mixed, ELEMENTSOF(mixed));
        compare_with_libseccomp("no caps, many denials", 0, holes, ELEMENTSOF(holes));
        /* A denied call's argument check still decides first, as with two filters. */
        compare_with_libseccomp("socket and ioctl denied", default_caps(), checked_denied, ELEMENTSOF(checked_denied));
}

/* Building and loading is per container start: keep an eye on its cost. */
static void test_speed(void) {
        struct outcome *o = shared_outcome();
        double best = 1e9;
        for (int i = 0; i < 5; i++) {
                if (run_filtered(o, true, default_caps(), NULL, 0, false) && o->install == 0 && o->install_ms < best)
                        best = o->install_ms;
        }
        printf("# seccomp_install: best of 5 = %.2f ms\n", best);
#if defined(__SANITIZE_ADDRESS__)
        printf("# skip: no time limit under the sanitizers\n");
#else
        CHECK("seccomp_install under 50 ms", best < 50);
#endif
        munmap(o, sizeof(*o));
}

int main(void) {
        test_tables();
        test_validate();

        if (geteuid() != 0) {
                printf("# skip: filter tests need root\n");
                UNIT_END();
        }
        bool with_32 = false;
#if defined(__x86_64__)
        with_32 = int80_works();
#endif
        test_baseline(with_32);
        test_default_policy(with_32);
        test_speed();
        test_capability_gates();
        test_entries();
        test_load_privilege();
        test_loaded_bpf();
        test_against_libseccomp();
        UNIT_END();
}
