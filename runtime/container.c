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
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <grp.h>

#include "capabilities.h"
#include "container.h"
#include "exec-env.h"
#include "log.h"
#include "options.h"
#include "path-in-root.h"
#include "seccomp-policy.h"
#include "siphash24.h"
#include "state.h"
#include "trace.h"

int sync_send(int fd, int type, int value, const struct nb_error *err) {
        struct sync_msg m = { .type = type, .value = value };

        if (err)
                m.err = *err;
        return send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int sync_recv(int fd, struct sync_msg *m) {
        ssize_t n;

        do
                n = recv(fd, m, sizeof(*m), 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return 0;       /* EOF: every child end is closed */
        if ((size_t) n != sizeof(*m))
                return -EBADMSG;
        return 1;
}

void child_fail(int sync_fd, const struct nb_error *err) {
        sync_send(sync_fd, SYNC_ERROR, 0, err);
        _exit(EXIT_NIXBOX_ERROR);
}

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

/* Receives one fd sent with SCM_RIGHTS; -errno, or -EPIPE at EOF. */
static int recv_fd(int sock) {
        char byte, ctl[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
        struct cmsghdr *cm;
        ssize_t n;
        int fd;

        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return -EPIPE;
        cm = CMSG_FIRSTHDR(&mh);
        if (!cm || cm->cmsg_type != SCM_RIGHTS)
                return -EBADMSG;
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd;
}

static int send_fd(int sock, int fd) {
        char byte = 'g', ctl[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &fd, sizeof(int));
        return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
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
        top = recv_fd(go_fd);
        if (top < 0)
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
        if (o->private_network && bring_up_loopback(&err) < 0)
                child_fail(c->sync_child, &err);

        /* Let the parent configure what needs our namespaces (network,
         * limits), then go on. */
        sync_send(c->sync_child, SYNC_NETNS_READY, 0, NULL);
        r = sync_recv(c->sync_child, &m);
        if (r <= 0 || m.type != SYNC_GO)
                _exit(EXIT_NIXBOX_ERROR);

        if (exec_payload(c, &err) < 0) {
                sync_send(c->sync_child, SYNC_EXEC_FAILED, 0, &err);
                _exit(err.exit_code ? err.exit_code : EXIT_NIXBOX_ERROR);
        }
        _exit(EXIT_NIXBOX_ERROR);
}

static int write_self_to(const char *path) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return write(fd, "0", 1) < 0 ? -errno : 0;
}

static pid_t clone_inner(struct container *c) {
        struct clone_args args = {
                .flags = CLONE_PARENT | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP,
                .exit_signal = 0,   /* CLONE_PARENT: the parent's SIGCHLD setting applies */
        };

        if (c->uids.enabled)
                args.flags |= CLONE_NEWUSER;
        if (c->o->private_network)
                args.flags |= CLONE_NEWNET;
        return (pid_t) syscall(SYS_clone3, &args, sizeof(args));
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

        if (unshare(CLONE_NEWNS) < 0) {
                nb_error_set(&err, errno, "create a mount namespace");
                child_fail(c->sync_child, &err);
        }
        /* Join payload/ first: the cgroup namespace PID 1 gets is rooted
         * at the cgroup it is created in. */
        if (c->use_cgroup) {
                int r;
                cg_payload_procs(&c->cg, path, sizeof(path));
                r = write_self_to(path);
                if (r < 0) {
                        nb_error_set(&err, -r, "move into cgroup %s", path);
                        child_fail(c->sync_child, &err);
                }
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, go) < 0) {
                nb_error_set(&err, errno, "create a socket pair");
                child_fail(c->sync_child, &err);
        }
        pid = clone_inner(c);
        if (pid < 0) {
                nb_error_set(&err, errno, "create the container's namespaces (clone3)");
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
        trace_step("outer: mount tree");
        sync_send(c->sync_child, SYNC_IDMAPPED, c->idmapped, NULL);
        top = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (top < 0) {
                nb_error_set(&err, errno, "open root directory %s", c->o->root);
                goto fail;
        }
        if (send_fd(go[1], top) < 0) {
                nb_error_set(&err, errno, "start the container's PID 1");
                goto fail;
        }
        _exit(0);
fail:
        kill(pid, SIGKILL);
        child_fail(c->sync_child, &err);
}

static bool is_hex128(const char *s) {
        if (strlen(s) != 32)
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdef", *s))
                        return false;
        return true;
}

/* container_uuid: --uuid, else the image's /etc/machine-id, else an id
 * derived from the machine name (stable across runs of the same machine). */
static void make_uuid(struct container *c, int root_fd) {
        static const uint8_t k1[16] = "nixbox-uuid-one", k2[16] = "nixbox-uuid-two";
        char hex[64] = "";
        uint8_t b[16];

        if (c->o->uuid)
                snprintf(hex, sizeof(hex), "%s", c->o->uuid);
        else if (root_read_file(root_fd, "/etc/machine-id", hex, sizeof(hex)) > 0)
                hex[strcspn(hex, "\n")] = 0;
        if (!is_hex128(hex)) {
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

static void cleanup(struct container *c) {
        if (c->use_cgroup)
                cg_destroy(&c->cg);
        uid_range_release(&c->uids);
        state_unlock_machine(c->o->machine, c->machine_lock);
        c->machine_lock = -1;
}

static int exit_code_of(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return EXIT_NIXBOX_ERROR;
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
        }
}

static int supervise(struct container *c, int sfd) {
        int status = 0, stop_requests = 0;
        bool boot_like = c->o->boot || c->o->kill_signal > 0;

        for (;;) {
                struct pollfd p[1] = { { .fd = sfd, .events = POLLIN } };
                struct signalfd_siginfo si;

                if (poll(p, 1, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        log_error("poll: %s", strerror(errno));
                        break;
                }
                if (read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                switch (si.ssi_signo) {
                case SIGCHLD:
                        if (reap(c, &status))
                                return status;
                        break;
                case SIGTERM:
                case SIGINT:
                        if (boot_like) {
                                /* First request: a clean halt; second: kill. */
                                int sig = stop_requests++ ? SIGKILL : (c->o->kill_signal > 0 ? c->o->kill_signal : SIGRTMIN + 3);
                                if (sig != SIGKILL && !c->o->quiet)
                                        log_info("trying to halt container; send SIGTERM again to terminate it immediately");
                                kill(c->init_pid, sig);
                        } else
                                kill(c->init_pid, (int) si.ssi_signo);
                        break;
                case SIGPIPE:
                        break;
                default:
                        kill(c->init_pid, (int) si.ssi_signo);
                        break;
                }
        }
        return status;
}

int container_run(struct options *o) {
        struct container c = { .o = o, .machine_lock = -1, .shim_fd = -1, .sync_parent = -1, .sync_child = -1 };
        struct nb_error err = {0};
        _cleanup_close_ int root_fd = -1, sfd = -1;
        sigset_t mask, oldmask;
        int sp[2], r, status = 0, exit_code = EXIT_NIXBOX_ERROR;
        struct stat st;
        bool exec_failed = false;

        trace_step("start");
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

        state_sweep_stale_locks();
        c.machine_lock = state_try_lock_machine(o->machine);
        if (c.machine_lock < 0) {
                if (c.machine_lock == -EBUSY)
                        nb_error_set(&err, 0, "a container named %s is already running (use --machine= to choose another name)", o->machine);
                else
                        nb_error_set(&err, -c.machine_lock, "lock machine %s in " STATE_DIR, o->machine);
                goto fail_early;
        }

        c.use_cgroup = cg_find_mount(c.cg.mount, sizeof(c.cg.mount)) == 0;
        if (!c.use_cgroup)
                log_warn("no cgroup2 file system is mounted on the host: running without a cgroup");
        else
                cg_sweep_stale(c.cg.mount);

        if (uid_range_acquire(o, root_fd, &c.uids, &err) < 0)
                goto fail;
        c.root_uid = c.uids.enabled ? c.uids.shift : 0;
        make_uuid(&c, root_fd);
        trace_step("uid range, uuid");

        if (c.use_cgroup && cg_create(&c.cg, o->machine, c.root_uid, c.root_uid, &err) < 0)
                goto fail;
        if (c.use_cgroup && cg_apply_resources(&c.cg, &o->resources, &err) < 0)
                goto fail;
        trace_step("cgroup");

        if (!o->boot && !o->as_pid1) {
                c.shim_fd = shim_memfd(&err);
                if (c.shim_fd < 0)
                        goto fail;
        }

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
                nb_error_set(&err, errno, "create the sync socket");
                goto fail;
        }
        c.sync_parent = sp[0];
        c.sync_child = sp[1];

        supervised_sigset(&mask);
        sigprocmask(SIG_BLOCK, &mask, &oldmask);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0) {
                nb_error_set(&err, errno, "create a signalfd");
                goto fail;
        }
        /* PID 1's parent is us (CLONE_PARENT); also adopt anything orphaned. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);

        pid_t parent = getpid();
        c.outer_pid = fork();
        if (c.outer_pid < 0) {
                nb_error_set(&err, errno, "fork");
                goto fail;
        }
        if (c.outer_pid == 0)
                outer_child(&c, parent);
        close(c.sync_child);
        c.sync_child = -1;

        /* Set-up conversation with the children. */
        for (;;) {
                struct sync_msg m;
                r = sync_recv(c.sync_parent, &m);
                if (r < 0) {
                        nb_error_set(&err, -r, "read from the sync socket");
                        goto fail_kill;
                }
                if (r == 0)
                        break;                          /* exec succeeded: every child end is closed */
                switch (m.type) {
                case SYNC_ERROR:
                        err = m.err;
                        goto fail_kill;
                case SYNC_INIT_PID:
                        c.init_pid = m.value;
                        break;
                case SYNC_IDMAPPED:
                        c.idmapped = m.value;
                        break;
                case SYNC_NETNS_READY:
                        trace_step("parent: container set up");
                        if (sync_send(c.sync_parent, SYNC_GO, 0, NULL) < 0) {
                                nb_error_set(&err, errno, "start the container");
                                goto fail_kill;
                        }
                        break;
                case SYNC_EXEC_FAILED:
                        {
                                size_t l = strlen(m.err.msg);
                                snprintf(m.err.msg + l, sizeof(m.err.msg) - l, " (in %s)", o->root);
                        }
                        nb_error_print(&m.err);
                        exec_failed = true;
                        break;
                }
        }
        if (c.init_pid <= 0) {
                /* The outer child died without a word. */
                nb_error_set(&err, 0, "set up the container: a child process died unexpectedly");
                goto fail_kill;
        }
        trace_step("parent: payload running");

        status = supervise(&c, sfd);
        exit_code = exit_code_of(status);
        (void) exec_failed;
        /* Reap the outer child if it is still around. */
        if (c.outer_pid > 0)
                waitpid(c.outer_pid, NULL, 0);
        cleanup(&c);
        sigprocmask(SIG_SETMASK, &oldmask, NULL);
        return exit_code;

fail_kill:
        if (c.init_pid > 0)
                kill(c.init_pid, SIGKILL);
        if (c.outer_pid > 0)
                kill(c.outer_pid, SIGKILL);
        while (waitpid(-1, NULL, __WALL) > 0 || errno == EINTR)
                ;
fail:
        nb_error_print(&err);
        cleanup(&c);
        return err.exit_code ? err.exit_code : EXIT_NIXBOX_ERROR;
fail_early:
        nb_error_print(&err);
        if (c.machine_lock >= 0)
                state_unlock_machine(o->machine, c.machine_lock);
        return EXIT_NIXBOX_ERROR;
}
