/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One container run, top to bottom:
 *
 *   parent (nixbox, stays on the host): checks the root, takes the machine
 *   lock, picks the UID range, creates the cgroup subtree, forks the outer
 *   child, then supervises PID 1 and cleans up.
 *   outer child (host user namespace, new mount namespace): joins payload/,
 *   clones PID 1 into new user/pid/uts/ipc/net/cgroup namespaces (as a child
 *   of the parent: CLONE_PARENT), writes its uid/gid maps, builds the
 *   container's mount tree, lets PID 1 go on and exits.
 *   inner child = the container's PID 1: becomes root in its user namespace,
 *   takes its own mount namespace, mounts the API file systems, pivots into
 *   the root, waits for the parent, confines itself and execs the init-shim,
 *   the command or the init.
 *
 * Failures in a child travel to the parent as struct sync_msg, so that the
 * parent prints them with their context. */
#include <fcntl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>
#include <linux/securebits.h>

#include "machine-id.h"
#include "mount-overlay.h"
#include "capabilities.h"
#include "cgroup-device.h"
#include "console.h"
#include "console-log.h"
#include "notify.h"
#include "container.h"
#include "exec.h"
#include "fileio.h"
#include "json-out.h"
#include "log.h"
#include "machine-state.h"
#include "outcome.h"
#include "mounts.h"
#include "network.h"
#include "options.h"
#include "parse-util.h"
#include "path-in-root.h"
#include "seccomp-policy.h"
#include "shim.h"
#include "siphash24.h"
#include "spawn.h"
#include "state.h"
#include "stdio-relay.h"
#include "trace.h"

static const int supervised_signals[] = {
        SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGPIPE,
};

static void supervised_sigset(sigset_t *set) {
        sigemptyset(set);
        for (size_t i = 0; i < ELEMENTSOF(supervised_signals); i++)
                sigaddset(set, supervised_signals[i]);
}

static int bring_up_loopback(struct nb_error *err) {
        struct ifreq ifr = { .ifr_name = "lo" };
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return nb_error_set(err, errno, "open a socket to bring up lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                return nb_error_set(err, errno, "read flags of lo");
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                return nb_error_set(err, errno, "bring up lo");
        return 0;
}

/* Everything after the namespaces exist and before exec, in PID 1. */
_noreturn_ static void inner_child(struct container *c, int go_fd) {
        struct options *o = c->o;
        struct nb_error err = {0};
        _cleanup_close_ int root_fd = -1;
        struct sync_msg m;
        int r, top;

        /* Dies with the parent (our parent is nixbox itself, by CLONE_PARENT). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* The outer child sends the container's root once it is built. */
        if (sync_recv_fd(go_fd, &m, &top) <= 0 || m.type != SYNC_GO || top < 0)
                _exit(EXIT_NIXBOX_ERROR);       /* the outer child failed and said so */
        close(go_fd);
        if (fchdir(top) < 0) {
                nb_error_set(&err, errno, "change directory to %s", o->root);
                child_fail(c->sync_child, &err);
        }
        close(top);

        if (c->uids.enabled) {
                if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0) {
                        nb_error_set(&err, errno, "become root in the container's user namespace");
                        child_fail(c->sync_child, &err);
                }
                /* A change of credentials clears the parent-death signal. If
                 * nixbox died meanwhile, the sync socket reports EOF below. */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
        }
        if (unshare(CLONE_NEWNS) < 0) {
                nb_error_set(&err, errno, "create the container's mount namespace");
                child_fail(c->sync_child, &err);
        }
        trace_step("inner: mount namespace");
        if (mounts_inner(c, &root_fd, &err) < 0)
                child_fail(c->sync_child, &err);
        trace_step("inner: API file systems");
        if (sethostname(o->hostname, strlen(o->hostname)) < 0) {
                nb_error_set(&err, errno, "set hostname to %s", o->hostname);
                child_fail(c->sync_child, &err);
        }
        if (mounts_pivot(c, root_fd, &err) < 0)
                child_fail(c->sync_child, &err);
        trace_step("inner: pivot_root");
        if (o->private_network && !o->network_namespace_path && bring_up_loopback(&err) < 0)
                child_fail(c->sync_child, &err);
        if (c->console_mode != CONSOLE_PIPE) {
                int master = console_allocate(&err);
                if (master < 0)
                        child_fail(c->sync_child, &err);
                sync_send_fd(c->sync_child, SYNC_CONSOLE, 0, NULL, master);
                close(master);
        }

        /* Let the parent configure what needs our namespaces (network,
         * limits), then go on. */
        sync_send(c->sync_child, SYNC_NETNS_READY, 0, NULL);
        r = sync_recv_fd(c->sync_child, &m, &c->seccomp_fd);
        if (r <= 0 || m.type != SYNC_GO || c->seccomp_fd < 0)
                _exit(EXIT_NIXBOX_ERROR);

        if (exec_payload(c, &err) < 0) {
                sync_send(c->sync_child, SYNC_EXEC_FAILED, 0, &err);
                _exit(err.exit_code ? err.exit_code : EXIT_NIXBOX_ERROR);
        }
        _exit(EXIT_NIXBOX_ERROR);
}

/* nspawn 252's RLIMIT_NOFILE for a payload without LimitNOFILE=/--rlimit:
 * the kernel's soft 1024 (select() stays safe) and a hard limit of
 * min(fs.nr_open, 512K), as systemd gives host services. Without
 * CAP_SYS_RESOURCE a hard limit cannot be raised: then the closest limits,
 * as nspawn's setrlimit_closest() does (soft 1024 at most, hard as is). */
#define NSPAWN_HIGH_RLIMIT_NOFILE (512U * 1024U)
static void rlimit_nofile_nspawn_default(void) {
        struct rlimit want = { 1024, NSPAWN_HIGH_RLIMIT_NOFILE }, now;
        char buf[32];

        if (read_string_file("/proc/sys/fs/nr_open", buf, sizeof(buf)) > 0 && strtoul(buf, NULL, 10) > 0 &&
            strtoul(buf, NULL, 10) < want.rlim_max)
                want.rlim_max = strtoul(buf, NULL, 10);
        if (setrlimit(RLIMIT_NOFILE, &want) == 0 || getrlimit(RLIMIT_NOFILE, &now) < 0)
                return;
        if (want.rlim_max > now.rlim_max)
                want.rlim_max = now.rlim_max;
        if (want.rlim_cur > want.rlim_max)
                want.rlim_cur = want.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &want) < 0)
                log_warn("set resource limit NOFILE=%llu:%llu: %s", (unsigned long long) want.rlim_cur,
                         (unsigned long long) want.rlim_max, strerror(errno));
}

/* Resource limits, OOM score and CPU affinity are inherited by PID 1: set
 * them here, in the host's user namespace, where raising a hard limit or
 * lowering the OOM score is at all possible (with CAP_SYS_RESOURCE). */
static void apply_process_limits(struct container *c) {
        struct options *o = c->o;

        if (!o->rlimits[RLIMIT_NOFILE])
                rlimit_nofile_nspawn_default();
        for (int i = 0; i < RLIM_NLIMITS; i++)
                if (o->rlimits[i] && setrlimit(i, o->rlimits[i]) < 0)
                        log_warn("set resource limit %s=%llu:%llu: %s", rlimit_to_name(i),
                                 (unsigned long long) o->rlimits[i]->rlim_cur,
                                 (unsigned long long) o->rlimits[i]->rlim_max, strerror(errno));
        if (o->oom_score_adjust_set) {
                char v[16];
                int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                snprintf(v, sizeof(v), "%d", o->oom_score_adjust);
                if (fd < 0 || write(fd, v, strlen(v)) < 0)
                        log_warn("set OOM score adjustment %d: %s", o->oom_score_adjust, strerror(errno));
                if (fd >= 0)
                        close(fd);
        }
        if (o->cpu_affinity_set) {
                cpu_set_t set;
                CPU_ZERO(&set);
                for (int cpu = 0; cpu < CPU_SETSIZE && cpu < 1024; cpu++)
                        if (o->cpu_affinity[cpu / 64] & (1ULL << (cpu % 64)))
                                CPU_SET(cpu, &set);
                if (sched_setaffinity(0, sizeof(set), &set) < 0)
                        log_warn("set CPU affinity: %s", strerror(errno));
        }
}

/* The kernel charges per-user resources of a user namespace (inotify
 * instances and watches, namespace counts, ...) to its owner, the creator's
 * effective UID, up the chain of namespaces: created by host root, every
 * container would share root's budget (fs.inotify.max_user_instances = 128:
 * about 16 systemd's). So the outer child switches its effective IDs to the
 * shift for the clone alone (docs/architecture.md §5, "Owner"). The real
 * and saved IDs stay 0 to switch back; SECBIT_NO_SETUID_FIXUP keeps the
 * effective capabilities meanwhile, so that hosts which allow only
 * CAP_SYS_ADMIN to create user namespaces (Debian's
 * kernel.unprivileged_userns_clone=0, AppArmor's restriction) still let
 * it. PID 1 starts with the default securebits of a new user namespace. */
static pid_t clone_as(struct clone_args *args, uid_t owner) {
        int bits = prctl(PR_GET_SECUREBITS), saved;
        pid_t pid;

        if (bits < 0 || prctl(PR_SET_SECUREBITS, bits | SECBIT_NO_SETUID_FIXUP) < 0)
                bits = -1; /* still possible, as an unprivileged creator */
        /* Raw system calls: this process shares nixbox's memory
         * (spawn_shared()), where glibc's wrappers would signal nixbox's
         * threads; the credentials are this process's alone anyway. */
        if (syscall(SYS_setresgid, -1, owner, -1) < 0 || syscall(SYS_setresuid, -1, owner, -1) < 0)
                pid = -1;
        else
                pid = (pid_t) syscall(SYS_clone3, args, sizeof(*args));
        if (pid == 0)
                return 0;
        saved = errno;
        /* Back to euid 0 also after a failed switch. Cannot fail (the
         * saved IDs are 0); never go on half privileged. */
        if (syscall(SYS_setresuid, -1, 0, -1) < 0 || syscall(SYS_setresgid, -1, 0, -1) < 0 ||
            (bits >= 0 && prctl(PR_SET_SECUREBITS, bits) < 0))
                _exit(EXIT_NIXBOX_ERROR);
        errno = saved;
        return pid;
}

static pid_t clone_inner(struct container *c) {
        struct clone_args args = {
                .flags = CLONE_PARENT | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP,
                .exit_signal = 0,   /* CLONE_PARENT: the parent's SIGCHLD setting applies */
        };
        pid_t pid;

        if (c->uids.enabled)
                args.flags |= CLONE_NEWUSER;
        if (c->o->private_network && !c->o->network_namespace_path)
                args.flags |= CLONE_NEWNET;
        if (!c->uids.enabled || c->uids.shift == 0)
                return (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        pid = clone_as(&args, c->uids.shift);
        if (pid < 0 && (errno == EPERM || errno == EACCES)) {
                /* An LSM refused a namespace owned by a non-root UID. */
                log_warn("creating the user namespace as UID %u was refused (%s); it is owned by host root, "
                         "so all containers share root's per-user limits (fs.inotify.max_user_instances, user.max_*)",
                         c->uids.shift, strerror(errno));
                pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        }
        return pid;
}

/* Which per-host limit a failed clone of PID 1 most likely hit: a mass
 * boot must name it, not fail obscurely. */
static const char *clone_limit_hint(int e) {
        switch (e) {
        case ENOSPC:
                return ": a namespace count limit was reached (sysctls user.max_user_namespaces, user.max_pid_namespaces, "
                       "user.max_net_namespaces, user.max_ipc_namespaces, user.max_uts_namespaces, "
                       "user.max_cgroup_namespaces; per owner UID), or the nesting depth (32)";
        case EAGAIN:
                return ": too many processes (sysctls kernel.pid_max, kernel.threads-max, RLIMIT_NPROC, or --property=TasksMax)";
        case ENOMEM:
                return ": out of memory (or kernel.pid_max reached in a pid namespace)";
        default:
                return "";
        }
}

_noreturn_ static void outer_child(struct container *c, pid_t parent) {
        struct nb_error err = {0};
        _cleanup_close_ int userns_fd = -1, top = -1;
        int go[2];
        pid_t pid;
        char path[PATH_MAX];

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(EXIT_NIXBOX_ERROR);
        close(c->sync_parent);
        /* The caller's status fds are the supervisor's to write. */
        if (c->o->ready_notify_fd >= 0)
                close(c->o->ready_notify_fd);
        if (c->o->json_status_fd >= 0)
                close(c->o->json_status_fd);
        /* Only the supervisor may hold the guard's socket: its EOF is the
         * supervisor's death. */
        if (c->guard.fd >= 0)
                close(c->guard.fd);

        if (unshare(CLONE_NEWNS) < 0) {
                nb_error_set(&err, errno, "create a mount namespace");
                child_fail(c->sync_child, &err);
        }
        /* Join payload/ first: the cgroup namespace PID 1 gets is rooted
         * at the cgroup it is created in. */
        if (c->use_cgroup) {
                int r;
                cg_payload_procs(&c->cg, path, sizeof(path));
                r = write_string_file(path, "0");
                if (r < 0) {
                        nb_error_set(&err, r, "move into cgroup %s", path);
                        child_fail(c->sync_child, &err);
                }
        }
        /* --network-namespace-path: PID 1 inherits it (joined from the
         * host's user namespace, which owns it). */
        if (c->o->network_namespace_path) {
                _cleanup_close_ int ns = open(c->o->network_namespace_path, O_RDONLY | O_CLOEXEC);
                if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
                        nb_error_set(&err, errno, "join network namespace %s", c->o->network_namespace_path);
                        child_fail(c->sync_child, &err);
                }
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, go) < 0) {
                nb_error_set(&err, errno, "create a socket pair");
                child_fail(c->sync_child, &err);
        }
        apply_process_limits(c);
        pid = clone_inner(c);
        if (pid < 0) {
                nb_error_set(&err, errno, "create the container's namespaces (clone3)%s", clone_limit_hint(errno));
                child_fail(c->sync_child, &err);
        }
        if (pid == 0) {
                close(go[1]);
                inner_child(c, go[0]);
        }
        close(go[0]);
        trace_step("outer: clone PID 1");
        sync_send(c->sync_child, SYNC_INIT_PID, pid, NULL);

        if (c->uids.enabled) {
                if (userns_write_maps(pid, &c->uids, &err) < 0)
                        goto fail;
                snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
                userns_fd = open(path, O_RDONLY | O_CLOEXEC);
                if (userns_fd < 0) {
                        nb_error_set(&err, errno, "open %s", path);
                        goto fail;
                }
        }
        if (mounts_outer(c, userns_fd, &err) < 0)
                goto fail;
        sync_send_fd(c->sync_child, SYNC_NOTIFY, 0, NULL, c->notify_fd);
        trace_step("outer: mount tree");
        sync_send(c->sync_child, SYNC_IDMAPPED, c->idmapped, NULL);
        top = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (top < 0) {
                nb_error_set(&err, errno, "open root directory %s", c->o->root);
                goto fail;
        }
        if (c->uids.enabled && mounts_proc_outer(c, top, pid, &err) < 0)
                goto fail;
        trace_step("outer: /proc");
        if (sync_send_fd(go[1], SYNC_GO, 0, NULL, top) < 0) {
                nb_error_set(&err, errno, "start the container's PID 1");
                goto fail;
        }
        _exit(0);
fail:
        kill(pid, SIGKILL);
        child_fail(c->sync_child, &err);
}

struct outer_args {
        struct container *c;
        pid_t parent;
};

/* The outer child shares nixbox's memory until it exits (spawn_shared()):
 * it works on its own copy of the container, so that what the set-up
 * writes into it (the notify fd, idmapped, ...) stays its own, as after a
 * fork. What it reaches through pointers (the options, the heap) it only
 * reads; nixbox sleeps meanwhile and reads its messages afterwards. */
static int outer_child_main(void *arg) {
        const struct outer_args *a = arg;
        struct container c = *a->c;

        outer_child(&c, a->parent);
}

/* container_uuid: --uuid, else the image's /etc/machine-id, else an id
 * derived from the machine name (stable across runs of the same machine). */
static void make_uuid(struct container *c, int root_fd) {
        static const uint8_t k1[16] = "nixbox-uuid-one", k2[16] = "nixbox-uuid-two";
        char hex[64] = "";
        uint8_t b[16];

        if (c->o->uuid)
                snprintf(hex, sizeof(hex), "%s", c->o->uuid);
        else {
                mode_t type = 0;
                ssize_t n = root_read_file(root_fd, "/etc/machine-id", hex, sizeof(hex), &type);
                if (n == -EBADFD)
                        log_warn("ignoring /etc/machine-id in %s: a %s, not a regular file", c->o->root, file_type_name(type));
                else if (n == -EFBIG)
                        log_warn("ignoring /etc/machine-id in %s: larger than %zu bytes", c->o->root, sizeof(hex) - 1);
                if (n <= 0)
                        hex[0] = 0;
        }
        if (machine_id_parse(hex, hex) < 0) {
                uint64_t a = siphash24(c->o->machine, strlen(c->o->machine), k1);
                uint64_t d = siphash24(c->o->machine, strlen(c->o->machine), k2);
                memcpy(b, &a, 8);
                memcpy(b + 8, &d, 8);
                b[6] = (b[6] & 0x0F) | 0x40;    /* version 4 */
                b[8] = (b[8] & 0x3F) | 0x80;    /* variant 1 */
                for (int i = 0; i < 16; i++)
                        snprintf(hex + 2 * i, 3, "%02x", b[i]);
        }
        snprintf(c->uuid, sizeof(c->uuid), "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* What one start of the container made, undone (the machine lock and the
 * UID range stay for a reboot). */
static void stop_once(struct container *c) {
        if (c->init_pid > 0) {
                kill(c->init_pid, SIGKILL);
                waitpid(c->init_pid, NULL, __WALL);
                c->init_pid = 0;
        }
        overlay_cleanup(c);
        if (c->outer_pid > 0) {
                kill(c->outer_pid, SIGKILL);
                waitpid(c->outer_pid, NULL, __WALL);
                c->outer_pid = 0;
        }
        stdio_relay_stop(&c->relay);
        network_cleanup(c);
        if (c->use_cgroup)
                cg_destroy(&c->cg);
        if (c->sync_parent >= 0)
                close(c->sync_parent);
        if (c->notify_fd >= 0)
                close(c->notify_fd);
        if (c->console_fd >= 0)
                close(c->console_fd);
        c->sync_parent = c->notify_fd = c->console_fd = -1;
}

/* The container's configured addresses, "ADDR ADDR", for `nixbox list`. */
static void describe_addresses(const struct options *o, char *out, size_t size) {
        size_t l = 0;

        out[0] = 0;
        for (size_t i = 0; i < o->n_local_addresses; i++) {
                char a[64];
                address_to_string(&o->local_addresses[i], a, sizeof(a));
                l += (size_t) snprintf(out + l, size > l ? size - l : 0, "%s%s", i ? " " : "", a);
        }
}

/* --ready-fd and --json-status-fd: written whole or not at all (a reader
 * that went away must not stop the container). */
static void write_status(int fd, const char *text, size_t len) {
        if (fd >= 0 && write(fd, text, len) != (ssize_t) len)
                log_debug("write to status fd %d: %s", fd, strerror(errno));
}

/* s as a JSON string (quotes included, NULL as null), or NULL without memory. */
static char *json_quoted(const char *s) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        json_string(f, s);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* One JSON object per line on --json-status-fd, like bubblewrap's; fmt
 * adds the members after "event". */
static void json_status(const struct options *o, const char *event, const char *fmt, ...) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;
        va_list ap;

        if (o->json_status_fd < 0)
                return;
        f = open_memstream(&buf, &len);
        if (!f)
                return;
        fprintf(f, "{\"event\":");
        json_string(f, event);
        if (fmt) {
                va_start(ap, fmt);
                vfprintf(f, fmt, ap);
                va_end(ap);
        }
        fprintf(f, "}\n");
        if (fclose(f) == 0)
                write_status(o->json_status_fd, buf, len);
}

static void report_ready(const struct options *o) {
        write_status(o->ready_notify_fd, "\n", 1);
        json_status(o, "ready", NULL);
}

/* What other nixbox commands read of this run (machine-state.h). */
static void describe_machine(struct container *c, struct machine_info *mi, const char *state, const char *status) {
        struct options *o = c->o;
        struct machine_info m;

        if (!c->self_start)
                c->self_start = pid_start_time(getpid());
        m = (struct machine_info){
                .leader = c->init_pid,
                .leader_start = pid_start_time(c->init_pid),
                .supervisor = getpid(),
                .supervisor_start = c->self_start,
                .uid_shift = c->uids.enabled ? c->uids.shift : 0,
                .uid_range = c->uids.enabled ? c->uids.size : 0,
                .start_usec = c->start_usec,
                .caps = container_bounding_caps(o, &c->uids),
                .no_new_privs = o->no_new_privileges,
                .boot = o->start_mode == START_BOOT,
                .kill_signal = o->kill_signal > 0 ? o->kill_signal : (o->start_mode == START_BOOT ? SIG_SD_HALT : SIGTERM),
        };

        snprintf(m.name, sizeof(m.name), "%s", o->machine);
        snprintf(m.root, sizeof(m.root), "%s", c->root);
        snprintf(m.cgroup, sizeof(m.cgroup), "%s", c->use_cgroup ? c->cg.dir : "");
        snprintf(m.state, sizeof(m.state), "%s", state);
        snprintf(m.status, sizeof(m.status), "%s", status ? status : "");
        snprintf(m.log, sizeof(m.log), "%s", c->log_path);
        describe_addresses(o, m.addresses, sizeof(m.addresses));
        *mi = m;
}

/* The entry other nixbox commands read (machine-state.h). */
static void register_machine(struct container *c, const char *state, const char *status) {
        struct options *o = c->o;
        struct machine_info m;

        describe_machine(c, &m, state, status);
        snprintf(c->last_status, sizeof(c->last_status), "%s", m.status);
        /* Before the state entry: exec refuses a machine without it. */
        if (!c->filter_recorded) {
                int r = machine_state_write_filter(o->machine, o->syscall_filter, o->n_syscall_filter);
                if (r < 0)
                        log_warn("record the system-call filter of %s: %s (exec will refuse to enter it)", o->machine, strerror(-r));
                c->filter_recorded = r >= 0;
        }
        if (machine_state_write(&m) < 0)
                log_debug("write the state of %s: %s", o->machine, strerror(errno));
        if (streq(state, "running") && !c->exec_failed && !c->ready_reported) {
                c->ready_reported = true;
                report_ready(o);
        }
        /* --detach: the caller waits for this; from now on errors go to the log too. */
        if (c->ready_fd >= 0 && streq(state, "running") && !c->exec_failed) {
                (void) !write(c->ready_fd, "R", 1);
                close(c->ready_fd);
                c->ready_fd = -1;
                console_log_take_stderr(&c->log);
        }
}

static long long now_ms(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* A --detach that timed out stops the container like `nixbox stop`: the
 * supervisor's SIGTERM sends the stop signal; if the init ignores it, after
 * the grace (the --timeout, at most 30 s) the supervisor is killed, and its
 * guard kills the cgroup and removes the state. Waits until that is done,
 * so that no container is left behind when the caller exits. */
static void detach_stop(struct container *c, pid_t pid, unsigned timeout) {
        long long deadline = now_ms() + (long long) (timeout < 30 ? timeout : 30) * 1000;
        char dir[512];
        int st;

        /* What the outcome will say asked it to end. */
        (void) machine_state_note_stop_request(c->o->machine, "timeout");
        kill(pid, SIGTERM);
        while (waitpid(pid, &st, WNOHANG) == 0) {
                if (now_ms() >= deadline) {
                        log_error("container %s did not stop within %u s; killing it", c->o->machine, timeout < 30 ? timeout : 30);
                        kill(pid, SIGKILL);
                        waitpid(pid, &st, 0);
                        break;
                }
                usleep(50000);
        }
        /* The guard cleans up after a killed supervisor. */
        machine_state_dir(c->o->machine, dir, sizeof(dir));
        deadline = now_ms() + 10000;
        while (access(dir, F_OK) == 0 && now_ms() < deadline)
                usleep(50000);
        if (access(dir, F_OK) == 0)
                log_error("container %s: its state %s is still there 10 s after its nixbox was killed", c->o->machine, dir);
}

/* --detach: the caller's process waits until the container is ready (or
 * failed, or the timeout passed) and prints its name; the supervisor goes
 * on in its own session. Returns 1 in the caller (exit code in *code). */
static int detach(struct container *c, int *code) {
        int p[2], e[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0) {
                log_error("create a pipe for --detach: %s", strerror(errno));
                *code = EXIT_NIXBOX_ERROR;
                return 1;
        }
        pid = fork();
        if (pid < 0) {
                log_error("fork for --detach: %s", strerror(errno));
                *code = EXIT_NIXBOX_ERROR;
                return 1;
        }
        if (pid == 0) {
                /* The supervisor never holds the caller's terminal: its
                 * messages reach the caller through a pipe until it is
                 * ready, then go to the log. */
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                close(p[0]);
                close(e[0]);
                c->ready_fd = p[1];
                setsid();
                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
                    dup2(e[1], STDERR_FILENO) < 0)
                        _exit(EXIT_NIXBOX_ERROR);
                close(null);
                close(e[1]);
                return 0;
        }
        close(p[1]);
        close(e[1]);
        unsigned timeout = c->o->timeout_sec ? c->o->timeout_sec : 90;
        long long deadline = now_ms() + (long long) timeout * 1000;
        char r = 0;
        int n = 0;
        for (;;) {
                struct pollfd pfd[2] = { { .fd = p[0], .events = POLLIN }, { .fd = e[0], .events = POLLIN } };
                long long left = deadline - now_ms();
                if (left <= 0) {
                        n = 0;
                        break;
                }
                n = poll(pfd, 2, (int) left);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        break;
                if (pfd[1].revents) {
                        char buf[4096];
                        ssize_t k = read(e[0], buf, sizeof(buf));
                        if (k > 0)
                                (void) !write(STDERR_FILENO, buf, (size_t) k);
                        else
                                e[0] = (close(e[0]), -1);
                }
                if (pfd[0].revents)
                        break;
        }
        if (n > 0 && read(p[0], &r, 1) == 1 && r == 'R') {
                printf("%s\n", c->o->machine);
                *code = 0;
                return 1;
        }
        if (n == 0) {
                log_error("container %s did not become ready within %u s; stopping it", c->o->machine, timeout);
                detach_stop(c, pid, timeout);
                *code = EXIT_NIXBOX_ERROR;
                return 1;
        }
        /* The supervisor failed before readiness and said why: pass it on. */
        int st = 0;
        waitpid(pid, &st, 0);
        if (e[0] >= 0) {
                char buf[4096];
                ssize_t k;
                (void) fcntl(e[0], F_SETFL, O_NONBLOCK);
                while ((k = read(e[0], buf, sizeof(buf))) > 0)
                        (void) !write(STDERR_FILENO, buf, (size_t) k);
        }
        *code = WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : EXIT_NIXBOX_ERROR;
        return 1;
}

/* --detach: console and messages go to /run/nixbox/NAME/console.log. */
static int open_console_log(struct container *c, struct nb_error *err) {
        char dir[512], old[4200];

        machine_state_dir(c->o->machine, dir, sizeof(dir));
        if ((mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
                return nb_error_set(err, errno, "create %s", dir);
        snprintf(c->log_path, sizeof(c->log_path), "%s/console.log", dir);
        /* A rotated log of an earlier run of this machine is not ours. */
        snprintf(old, sizeof(old), "%s.1", c->log_path);
        (void) unlink(old);
        return console_log_open(&c->log, c->log_path, c->o->console_log_size, err);
}

/* The outcome record (outcome.h), while this run still holds its lock:
 * result and exit_code as `run` reports them, status the wait status of
 * PID 1 (-1: none), error nixbox's message when it failed. */
static void record_outcome(struct container *c, const char *result, int exit_code, int status, const char *error) {
        struct machine_outcome oc = { .exit_code = exit_code, .exit_status = -1, .restarts = c->restarts };
        struct machine_info m;
        struct timespec ts;
        int r;

        if (c->machine_lock < 0)
                return;
        describe_machine(c, &m, "ended", c->last_status);
        /* Pids of an ended run mean nothing any more. */
        m.leader = m.supervisor = 0;
        m.leader_start = m.supervisor_start = 0;
        snprintf(oc.result, sizeof(oc.result), "%s", result);
        snprintf(oc.recorded_by, sizeof(oc.recorded_by), "supervisor");
        snprintf(oc.error, sizeof(oc.error), "%s", error ? error : "");
        if (status >= 0 && WIFEXITED(status))
                oc.exit_status = WEXITSTATUS(status);
        else if (status >= 0 && WIFSIGNALED(status))
                oc.signal = WTERMSIG(status);
        machine_state_read_stop_request(c->o->machine, oc.stop_request, sizeof(oc.stop_request));
        if (!oc.stop_request[0] && c->interrupted)
                snprintf(oc.stop_request, sizeof(oc.stop_request), "interrupt");
        clock_gettime(CLOCK_REALTIME, &ts);
        oc.end_usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        r = outcome_record(&m, &oc);
        if (r < 0)
                log_warn("record how container %s ended: %s", c->o->machine, strerror(-r));
}

static void cleanup(struct container *c) {
        stop_once(c);
        /* The guard shares the locks: it is gone before they are released
         * (and before the state goes, which others take as "ended"). */
        guard_stop(&c->guard);
        machine_state_remove(c->o->machine);
        if (c->shim_fd >= 0)
                close(c->shim_fd);
        c->shim_fd = -1;
        if (c->seccomp_fd >= 0)
                close(c->seccomp_fd);
        c->seccomp_fd = -1;
        uid_range_release(&c->uids);
        tree_lock_release(&c->tree_lock);
        state_unlock_machine(c->o->machine, c->machine_lock);
        c->machine_lock = -1;
}

/* One writer per tree for the whole run, as nspawn locks an image: a second
 * run must not shift owners or write under a running container. Shared
 * for runs that leave the tree alone (--ephemeral; --read-only unless its
 * owners are to be shifted first). */
static int lock_tree(struct container *c, int root_fd, const struct stat *st, struct nb_error *err) {
        const struct options *o = c->o;
        bool may_shift = c->uids.enabled && c->uids.shift != 0 && st->st_uid != c->uids.shift &&
                         (o->ownership == OWNERSHIP_CHOWN ||
                          (o->ownership == OWNERSHIP_AUTO && (st->st_uid & 0xFFFF0000U) != 0));

        c->tree_lock_shared = o->ephemeral || o->volatile_mode == VOLATILE_YES || o->volatile_mode == VOLATILE_OVERLAY ||
                (options_tree_read_only(o) && !may_shift);
        return tree_lock_acquire(root_fd, o->root, c->tree_lock_shared, o->machine, &c->tree_lock, err);
}

/* Container root is host root on disk (--private-users=no or identity):
 * say once that this is for trusted trees only when others can reach it. */
static void warn_host_root(const struct container *c) {
        char why[512];

        if (c->root_uid != 0 || c->o->trust_tree || tree_path_private(c->root, why, sizeof(why)) != 0)
                return;
        log_warn("%s: the container's root is the host's root on disk, which is for trusted trees only; other "
                 "host users can reach %s (%s), so a setuid program made inside would run as root for them "
                 "(--trust-tree silences this)", c->uids.enabled ? "--private-users=identity" : "--private-users=no",
                 c->o->root, why);
}

/* Reaps children; returns 1 when PID 1 has ended (its status in *status). */
static int reap(struct container *c, int *status) {
        for (;;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG | __WALL);
                if (p <= 0)
                        return 0;
                if (p == c->init_pid) {
                        *status = st;
                        c->init_pid = 0;
                        return 1;
                }
                if (p == c->outer_pid)
                        c->outer_pid = 0;
                if (p == c->guard.pid) {
                        log_warn("the guard process %d died: the container no longer dies with nixbox", p);
                        c->guard.pid = 0;
                }
        }
}

static int build_seccomp(struct container *c, struct nb_error *err) {
        _cleanup_free_ struct seccomp_program *p = malloc(sizeof(*p));
        int r;

        if (!p)
                return nb_error_set(err, ENOMEM, "allocate the seccomp filter");
        r = seccomp_policy_build(container_bounding_caps(c->o, &c->uids), c->o->syscall_filter, c->o->n_syscall_filter, p, err);
        if (r < 0)
                return r;
        c->seccomp_fd = seccomp_program_memfd(p, err);
        return c->seccomp_fd < 0 ? -1 : 0;
}

/* Creates the cgroup, forks the outer child and talks the container through
 * its set-up until the payload runs. */
static int start_once(struct container *c, struct nb_error *err) {
        struct options *o = c->o;
        int sp[2], r;
        pid_t parent = getpid();

        c->cg.keep_unit = o->keep_unit;
        if (c->use_cgroup && cg_create(&c->cg, o->machine, c->root_uid, c->root_uid, err) < 0) {
                if (c->cg.created || o->keep_unit)
                        return -1;
                /* Nested, the cgroup2 may not be ours to write: a warning, as
                 * without cgroup2; the container still gets its own cgroup
                 * namespace's cgroup2, read-only (see mounts.c). */
                log_warn("%s%s%s: running without a cgroup (no resource limits, no device policy)", err->msg,
                         err->errnum ? ": " : "", err->errnum ? strerror(err->errnum) : "");
                *err = (struct nb_error) {0};
                c->use_cgroup = false;
        }
        if (c->use_cgroup) {
                char nixbox_dir[sizeof(c->cg.base) + 16];
                snprintf(nixbox_dir, sizeof(nixbox_dir), "%s/nixbox", c->cg.base);
                guard_set_cgroup(&c->guard, nixbox_dir);
        }
        /* Outside MOUNT/nixbox/, only this record lets a later sweep find it. */
        if (c->use_cgroup && !streq(c->cg.base, c->cg.mount) && machine_state_note_cgroup(o->machine, c->cg.dir) < 0)
                log_warn("record the cgroup of %s: %s", o->machine, strerror(errno));
        if (c->use_cgroup && cg_apply_resources(&c->cg, &o->resources, err) < 0)
                return -1;
        trace_step("cgroup");

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return nb_error_set(err, errno, "create the sync socket");
        c->sync_parent = sp[0];
        c->sync_child = sp[1];

        /* Pipe mode: PID 1 inherits its stdio from us, through pipes where
         * ours is a terminal (or, detached, into the log). */
        if (c->console_mode == CONSOLE_PIPE && stdio_relay_prepare(&c->relay, o->detach ? &c->log : NULL, err) < 0)
                return -1;
        /* Nothing answers the outer child while it runs (its messages
         * queue on the sync socket): no copy of our memory for it, we
         * sleep until it has exited. */
        struct outer_args args = { .c = c, .parent = parent };
        c->outer_pid = spawn_shared(outer_child_main, &args);
        if (c->outer_pid < 0)
                return nb_error_set(err, errno, "start the container's set-up process%s", clone_limit_hint(errno));
        close(c->sync_child);
        c->sync_child = -1;
        stdio_relay_close_child(&c->relay);
        /* The outer child has exited; PID 1 sets up its own mounts now, on
         * the other core, and waits for SYNC_GO before anything of the
         * payload runs. Meanwhile: the device policy on payload/ (the
         * verifier and the JIT take a few 100 µs; attached before SYNC_GO,
         * so no payload code ever runs without it, and the only device
         * nodes opened before it are nixbox's own, all on its allow list),
         * and PID 1's system-call filter, built once per run (in PID 1, a
         * fresh fork, a cold build takes 0.7-1 ms) and sent with SYNC_GO. */
        if (c->use_cgroup && cg_device_policy_apply(&c->cg, o, err) < 0)
                return -1;
        if (c->seccomp_fd < 0 && build_seccomp(c, err) < 0)
                return -1;

        for (;;) {
                struct sync_msg m;
                int fd;

                r = sync_recv_fd(c->sync_parent, &m, &fd);
                if (r < 0)
                        return nb_error_set(err, r, "read from the sync socket");
                if (r == 0)
                        break;                          /* exec succeeded: every child end is closed */
                switch (m.type) {
                case SYNC_ERROR:
                        *err = m.err;
                        return -1;
                case SYNC_INIT_PID:
                        c->init_pid = m.value;
                        guard_set_leader(&c->guard, c->init_pid);
                        break;
                case SYNC_IDMAPPED:
                        c->idmapped = m.value;
                        break;
                case SYNC_NOTIFY:
                        c->notify_fd = fd;
                        fd = -1;
                        break;
                case SYNC_CONSOLE:
                        c->console_fd = fd;
                        fd = -1;
                        break;
                case SYNC_NETNS_READY:
                        if (network_setup(c, err) < 0)
                                return -1;
                        trace_step("parent: container set up");
                        if (sync_send_fd(c->sync_parent, SYNC_GO, 0, NULL, c->seccomp_fd) < 0)
                                return nb_error_set(err, errno, "start the container");
                        break;
                case SYNC_EXEC_FAILED: {
                        size_t l = strlen(m.err.msg);
                        snprintf(m.err.msg + l, sizeof(m.err.msg) - l, " (in %s)", o->root);
                        /* PID 1 exits with 126/127 (or 125); we report it here,
                         * with its context, and pass its status on. */
                        nb_error_print(&m.err);
                        c->exec_failed = true;
                        snprintf(c->exec_error, sizeof(c->exec_error), "%s%s%s", m.err.msg, m.err.errnum ? ": " : "",
                                 m.err.errnum ? strerror(m.err.errnum) : "");
                        break;
                }
                }
                if (fd >= 0)
                        close(fd);
        }
        if (c->init_pid <= 0)
                return nb_error_set(err, 0, "set up the container: a child process died unexpectedly");
        trace_step("parent: payload running");
        return 0;
}

enum end_kind { END_EXIT, END_REBOOT };

/* With --notify-ready, the payload (PID 1) says when it is ready. */
static bool pid1_notifies_ready(const struct options *o) {
        return o->notify_ready && o->start_mode != START_PID2;
}

static int supervise(struct container *c, int sfd, int *status) {
        struct options *o = c->o;
        struct console con = { .mode = c->console_mode, .master = -1, .log = o->detach ? &c->log : NULL };
        int stop_requests = 0, n;
        bool boot_like = o->start_mode == START_BOOT || o->kill_signal > 0;   /* stop = kill signal, then SIGKILL */
        struct notify_state ns = {0};

        console_start(&con, c->console_fd);
        c->console_fd = -1;
        c->ready_reported = false;
        if (o->json_status_fd >= 0) {
                _cleanup_free_ char *name = json_quoted(o->machine), *cg = json_quoted(c->use_cgroup ? c->cg.dir : NULL);
                if (name && cg)
                        json_status(o, "started", ",\"name\":%s,\"pid\":%d,\"uid_shift\":%u,\"cgroup\":%s", name,
                                    (int) c->init_pid, c->uids.enabled ? (unsigned) c->uids.shift : 0U, cg);
        }
        register_machine(c, pid1_notifies_ready(o) ? "starting" : "running", NULL);
        bool pid1_notifies = pid1_notifies_ready(o);
        if (!pid1_notifies)
                notify_supervisor_ready(NULL);     /* readiness at exec */

        for (;;) {
                struct pollfd p[7];
                struct signalfd_siginfo si;

                n = 0;
                p[n++] = (struct pollfd) { .fd = sfd, .events = POLLIN };
                p[n++] = (struct pollfd) { .fd = c->notify_fd, .events = POLLIN };
                p[n++] = (struct pollfd){ .fd = console_poll_fd(&con), .events = POLLIN };
                p[n++] = (struct pollfd) { .fd = con.stdin_open ? STDIN_FILENO : -1, .events = POLLIN };
                stdio_relay_pollfds(&c->relay, p + n);
                n += 3;
                if (poll(p, (nfds_t) n, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error("poll: %s", strerror(errno));
                        break;
                }
                stdio_relay_handle(&c->relay, p + 4);
                if (p[2].revents || p[3].revents) {
                        if (console_relay(&con, p[2].revents != 0, p[3].revents != 0)) {
                                log_info("killing the container (^] pressed three times)");
                                kill(c->init_pid, SIGKILL);
                        }
                        /* Without epoll (console_start() could not set it
                         * up), a master with no slave open (PID 1 closed the
                         * console) polls as hung up at once: pause rather
                         * than spin. */
                        if (console_polls_master(&con) && (p[2].revents & POLLHUP) && !(p[2].revents & POLLIN))
                                usleep(10000);
                }
                if (p[1].revents & POLLIN) {
                        char old_status[sizeof(ns.status)];
                        bool was_ready = ns.ready;
                        memcpy(old_status, ns.status, sizeof(old_status));
                        if (notify_receive(c->notify_fd, c->init_pid, &ns) > 0 && pid1_notifies && !was_ready)
                                notify_supervisor_ready(ns.status[0] ? ns.status : NULL);
                        if (ns.ready != was_ready || strcmp(old_status, ns.status) != 0)
                                register_machine(c, stop_requests ? "stopping" : (ns.ready || !pid1_notifies ? "running" : "starting"), ns.status);
                }
                if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                switch (si.ssi_signo) {
                case SIGCHLD:
                        if (reap(c, status)) {
                                console_stop(&con);
                                if (ns.shutdown[0])
                                        log_debug("container shut down with X_SYSTEMD_SHUTDOWN=%s", ns.shutdown);
                                return ns.exit_status_set ? ns.exit_status : -1;
                        }
                        break;
                case SIGTERM:
                case SIGINT:
                        c->interrupted = true;
                        if (boot_like) {
                                /* First request: a clean halt; second: kill. */
                                int sig = stop_requests++ ? SIGKILL : (o->kill_signal > 0 ? o->kill_signal : SIG_SD_HALT);
                                if (sig != SIGKILL)
                                        log_info("trying to halt the container; send SIGTERM again to kill it");
                                kill(c->init_pid, sig);
                                register_machine(c, "stopping", ns.status);
                        } else
                                kill(c->init_pid, (int) si.ssi_signo);
                        break;
                case SIGWINCH:
                        console_winch(&con);
                        if (con.mode == CONSOLE_PIPE)
                                kill(c->init_pid, SIGWINCH);
                        break;
                case SIGPIPE:
                        break;
                default:
                        kill(c->init_pid, (int) si.ssi_signo);
                        break;
                }
        }
        console_stop(&con);
        return -1;
}

/* What the end of PID 1 means, as nspawn decodes it: in boot mode a death
 * by SIGINT is a halt or power-off (exit 0) and by SIGHUP a reboot. */
static int decode_end(struct container *c, int status, enum end_kind *kind) {
        *kind = END_EXIT;
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status)) {
                int sig = WTERMSIG(status);
                /* The payload is PID 1 when booting or with --as-pid1. */
                bool pid1 = c->o->start_mode != START_PID2;
                if (pid1 && sig == SIGINT)
                        return 0;
                if (pid1 && sig == SIGHUP) {
                        *kind = END_REBOOT;
                        return 0;
                }
                /* systemd-nspawn fails (exit 1) when its payload is killed. */
                if (c->o->nspawn_mode) {
                        log_error("container %s terminated by signal %s", c->o->machine, strsignal(sig));
                        return EXIT_FAILURE;
                }
                return 128 + sig;
        }
        return EXIT_NIXBOX_ERROR;
}

/* Only the type is looked at: O_PATH opens nothing (a FIFO or a device
 * planted there must neither block nor be opened by host root). */
static bool is_os_tree(int root_fd) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_close_ int fd = root_open(root_fd, paths[i], O_PATH, 0);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                        return true;
        }
        return false;
}

/* The init that exec_payload() will find, resolved inside the root. */
static bool has_init(int root_fd, const char *init_path) {
        for (size_t i = 0; i < (init_path ? 1 : INIT_SEARCH_LIST_N); i++) {
                _cleanup_close_ int fd = root_open(root_fd, init_path ? init_path : init_search_list[i], O_PATH, 0);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
                        return true;
        }
        return false;
}

/* Before any container process exists: the guard holds the locks so that
 * they are released only when the container is really gone. */
static int start_guard(struct container *c, struct nb_error *err) {
        char machine_lock[512];
        const char *paths[GUARD_MAX_KEEP];
        int keep[GUARD_MAX_KEEP];
        size_t n = 0, np = 0;

        snprintf(machine_lock, sizeof(machine_lock), "%s/%s.lock", STATE_DIR, c->o->machine);
        keep[n++] = c->machine_lock;
        paths[np++] = machine_lock;
        /* The tree lock too (not its file: shared holders may remain). */
        keep[n++] = c->tree_lock.fd;
        for (size_t i = 0; i < c->uids.n_locks && n < GUARD_MAX_KEEP; i++) {
                keep[n++] = c->uids.locks[i].fd;
                paths[np++] = c->uids.locks[i].path;
        }
        /* The guard says `exited` when the supervisor cannot. */
        if (c->o->json_status_fd >= 0 && n < GUARD_MAX_KEEP)
                keep[n++] = c->o->json_status_fd;
        return guard_start(&c->guard, c->o->machine, c->o->detach ? STDOUT_FILENO : -1, c->o->json_status_fd, keep, n, paths, np,
                           &c->tree_lock, err);
}

long long reboot_next_delay(struct reboot_limit *l, uint64_t now_ms, uint64_t run_ms) {
        long long delay = 0;
        uint64_t at;

        l->short_runs = run_ms >= REBOOT_INTERVAL_MS ? 0 : l->short_runs + 1;
        if (l->short_runs >= 2) {
                unsigned k = l->short_runs - 2;
                delay = k >= 6 ? REBOOT_DELAY_MAX_MS : (long long) REBOOT_DELAY_MIN_MS << k;
                if (delay > REBOOT_DELAY_MAX_MS)
                        delay = REBOOT_DELAY_MAX_MS;
        }
        at = now_ms + (uint64_t) delay;
        /* The oldest of the last REBOOT_BURST restarts is next in the ring. */
        if (l->n >= REBOOT_BURST && at - l->restarts[l->n % REBOOT_BURST] < REBOOT_INTERVAL_MS)
                return -1;
        l->restarts[l->n++ % REBOOT_BURST] = at;
        return delay;
}

static uint64_t monotonic_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* Waits ms before a restart; false when a signal asked nixbox to end. */
static bool reboot_wait(int sfd, long long ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;

        for (;;) {
                uint64_t now = monotonic_ms();
                struct pollfd p = { .fd = sfd, .events = POLLIN };
                struct signalfd_siginfo si;

                if (now >= end)
                        return true;
                if (poll(&p, 1, (int) (end - now)) <= 0)
                        continue;
                if (read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT || si.ssi_signo == SIGHUP || si.ssi_signo == SIGQUIT)
                        return false;
        }
}

int container_run(struct options *o) {
        struct container c = {
                .o = o,
                .machine_lock = -1,
                .tree_lock = TREE_LOCK_INIT,
                .shim_fd = -1,
                .seccomp_fd = -1,
                .sync_parent = -1,
                .sync_child = -1,
                .notify_fd = -1,
                .console_fd = -1,
                .ready_fd = -1,
                .guard = { .fd = -1 },
                .log = { .fd = -1 },
                .relay = STDIO_RELAY_INIT,
        };
        struct nb_error err = {0};
        _cleanup_close_ int root_fd = -1, sfd = -1;
        sigset_t mask, oldmask;
        int status = 0, exit_code = EXIT_NIXBOX_ERROR;
        const char *result = "exited";
        pid_t parent = getppid(); /* --die-with-parent: the caller */
        struct stat st;

        trace_step("start");
        {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                c.start_usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        }
        if (!realpath(o->root, c.root)) {
                nb_error_set(&err, errno, "open root directory %s", o->root);
                goto fail_early;
        }
        root_fd = open(c.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0 || fstat(root_fd, &st) < 0) {
                nb_error_set(&err, errno, "open root directory %s", o->root);
                goto fail_early;
        }
        if (streq(c.root, "/")) {
                nb_error_set(&err, 0, "refusing to use the host's / as the container's root");
                goto fail_early;
        }
        if (o->start_mode == START_BOOT) {
                if (o->check_os_release && !is_os_tree(root_fd)) {
                        nb_error_set(&err, 0, "%s does not look like an OS tree: no /etc/os-release or /usr/lib/os-release; "
                                     "refusing to boot it (--check-os-release=no skips this check)", o->root);
                        goto fail_early;
                }
                /* With custom mounts the init may come from a bind (a shared
                 * /nix/store): then only the exec can tell. */
                if (o->n_mounts == 0 && !has_init(root_fd, o->init_path)) {
                        if (o->init_path)
                                nb_error_set(&err, 0, "no executable init at %s in %s", o->init_path, o->root);
                        else
                                nb_error_set(&err, 0, "no init found in %s (tried " INIT_SEARCH_LIST_TEXT ")", o->root);
                        goto fail_early;
                }
        }
        if (o->detach && detach(&c, &exit_code))
                return exit_code;
        /* As bubblewrap's --die-with-parent: the guard then cleans up. */
        if (o->die_with_parent) {
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent || parent == 1) {
                        nb_error_set(&err, 0, "--die-with-parent: the parent of nixbox is already gone");
                        goto fail_early;
                }
        }

        /* Every mode that locks a range sweeps nixbox's range locks itself. */
        state_sweep_stale_locks(o->private_users == PRIVATE_USERS_NO || o->private_users == PRIVATE_USERS_IDENTITY);
        c.machine_lock = state_try_lock_machine(o->machine);
        if (c.machine_lock < 0) {
                if (c.machine_lock == -EBUSY)
                        nb_error_set(&err, 0, "a container named %s is already running (use --machine= to choose another name)", o->machine);
                else
                        nb_error_set(&err, c.machine_lock, "lock machine %s in %s", o->machine, STATE_DIR);
                goto fail_early;
        }
        /* The next run of a name replaces the outcome of the last one. */
        (void) outcome_remove(o->machine);
        if (o->detach && open_console_log(&c, &err) < 0)
                goto fail;
        c.console_mode = console_resolve_mode(o->console, o->start_mode == START_BOOT);
        /* Also the scratch place of a volatile root or overlay. */
        if (o->ephemeral || o->volatile_mode == VOLATILE_YES || o->volatile_mode == VOLATILE_OVERLAY) {
                char dir[512];
                machine_state_dir(o->machine, dir, sizeof(dir));
                if (snprintf_ok(c.ephemeral_dir, sizeof(c.ephemeral_dir), "%s/ephemeral", dir) < 0) {
                        nb_error_set(&err, ENAMETOOLONG, "the ephemeral directory of machine %s in %s", o->machine, dir);
                        goto fail;
                }
                if ((mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST) ||
                    (mkdir(c.ephemeral_dir, 0700) < 0 && errno != EEXIST)) {
                        nb_error_set(&err, errno, "create %s", c.ephemeral_dir);
                        goto fail;
                }
        }

        c.use_cgroup = cg_find_mount_root(c.cg.mount, sizeof(c.cg.mount), c.cg.root, sizeof(c.cg.root)) == 0;
        if (!c.use_cgroup)
                log_warn("no cgroup2 file system is mounted on the host: running without a cgroup");
        else
                cg_sweep_stale(c.cg.mount);

        network_sweep_stale(&c);
        if (uid_range_acquire(o, root_fd, &c.uids, &err) < 0)
                goto fail;
        c.root_uid = c.uids.enabled ? c.uids.shift : 0;
        if (lock_tree(&c, root_fd, &st, &err) < 0)
                goto fail;
        warn_host_root(&c);
        make_uuid(&c, root_fd);
        trace_step("uid range, uuid");
        if (start_guard(&c, &err) < 0)
                goto fail;

        if (o->start_mode == START_PID2) {
                c.shim_fd = shim_memfd(&err);
                if (c.shim_fd < 0)
                        goto fail;
        }

        supervised_sigset(&mask);
        sigprocmask(SIG_BLOCK, &mask, &oldmask);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0) {
                nb_error_set(&err, errno, "create a signalfd");
                goto fail;
        }
        /* PID 1's parent is us (CLONE_PARENT); also adopt anything orphaned. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);

        struct reboot_limit reboots = {0};
        for (;;) {
                enum end_kind kind;
                int exit_status;
                uint64_t started;
                long long delay;

                if (start_once(&c, &err) < 0)
                        goto fail;
                started = monotonic_ms();
                exit_status = supervise(&c, sfd, &status);
                exit_code = decode_end(&c, status, &kind);
                /* systemd says `systemctl exit N` through EXIT_STATUS= too. */
                if (kind == END_EXIT && exit_status >= 0 && WIFEXITED(status))
                        exit_code = exit_status;
                stop_once(&c);
                if (kind != END_REBOOT) {
                        if (o->restart == RESTART_EXIT && exit_code == EXIT_FORCE_RESTART)
                                exit_code = 1;     /* a genuine 133 must not read as "restart me" */
                        if (WIFSIGNALED(status) && exit_code == 128 + WTERMSIG(status))
                                result = "signal";
                        break;
                }
                if (o->restart == RESTART_EXIT) {
                        exit_code = EXIT_FORCE_RESTART;
                        result = "reboot";
                        break;
                }
                delay = reboot_next_delay(&reboots, monotonic_ms(), monotonic_ms() - started);
                if (delay < 0) {
                        log_error("container %s rebooted more than %d times within %d s; not restarting it again",
                                  o->machine, REBOOT_BURST, REBOOT_INTERVAL_MS / 1000);
                        exit_code = EXIT_NIXBOX_ERROR;
                        result = "failed";
                        snprintf(err.msg, sizeof(err.msg), "container %s rebooted more than %d times within %d s", o->machine,
                                 REBOOT_BURST, REBOOT_INTERVAL_MS / 1000);
                        break;
                }
                /* A request (the reboot verb's) belongs to the boot it ended. */
                machine_state_clear_stop_request(o->machine);
                c.interrupted = false;
                c.restarts++;
                log_info("container %s is being rebooted%s", o->machine, delay ? " after a delay" : "");
                log_debug("restart delay %lld ms", delay);
                if (delay > 0 && !reboot_wait(sfd, delay))
                        break;     /* asked to end meanwhile: the container is down */
        }
        stop_once(&c);
        if (c.exec_failed)
                result = "failed";
        record_outcome(&c, result, exit_code, status, c.exec_failed ? c.exec_error : streq(result, "failed") ? err.msg : NULL);
        cleanup(&c);
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        /* The payload's death by a signal, as bubblewrap tells it apart. */
        if (streq(result, "signal"))
                json_status(o, "exited", ",\"status\":%d,\"signal\":%d,\"result\":\"signal\"", exit_code, WTERMSIG(status));
        else
                json_status(o, "exited", ",\"status\":%d,\"result\":\"%s\"", exit_code, result);
        return exit_code;

fail:
        if (err.msg[0])
                nb_error_print(&err);
        exit_code = err.exit_code ? err.exit_code : EXIT_NIXBOX_ERROR;
        stop_once(&c);
        {
                char msg[sizeof(err.msg) + 128];
                snprintf(msg, sizeof(msg), "%s%s%s", err.msg, err.errnum ? ": " : "", err.errnum ? strerror(err.errnum) : "");
                record_outcome(&c, "failed", exit_code, -1, msg);
        }
        cleanup(&c);
        json_status(o, "exited", ",\"status\":%d,\"result\":\"failed\"", exit_code);
        if (o->nspawn_mode)
                return EXIT_FAILURE; /* systemd-nspawn's one failure code */
        return exit_code;
fail_early:
        nb_error_print(&err);
        if (c.machine_lock >= 0)
                state_unlock_machine(o->machine, c.machine_lock);
        json_status(o, "exited", ",\"status\":%d,\"result\":\"failed\"", EXIT_NIXBOX_ERROR);
        return o->nspawn_mode ? EXIT_FAILURE : EXIT_NIXBOX_ERROR;
}
