/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The children of `nixbox exec` / `nixbox shell`.
 *
 * The first one starts on the host as root: it joins the leader's cgroup
 * (a write to the host's cgroup.procs, which only works before entering
 * the container's user and cgroup namespaces), makes itself undumpable (the
 * container's root must not ptrace a process that holds host resources),
 * joins every namespace of the leader in one setns() on its pidfd, enters
 * the leader's root and clones the second child as a child of nixbox
 * (CLONE_PARENT), which puts that one into the container's pid namespace.
 *
 * The second one is the command: it allocates its pty in the container's
 * own devpts, looks the user up in the container's /etc/passwd, builds a
 * clean environment and confines itself with the container's PID 1's
 * code (confine.c): system-call filter, capability bounding set,
 * no_new_privs, uid change, descriptors, signals; then it execs. */
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>

#include "confine.h"
#include "container.h"
#include "enter.h"
#include "fileio.h"
#include "exec-env.h"
#include "user-lookup.h"

void env_vector_set(char **v, size_t *n, size_t max, const char *name, const char *value) {
        size_t l = strlen(name);
        char *s;

        if (!value || asprintf(&s, "%s=%s", name, value) < 0)
                return;
        for (size_t i = 0; i < *n; i++)
                if (strncmp(v[i], name, l) == 0 && v[i][l] == '=') {
                        v[i] = s;        /* the old one leaks: we exec soon */
                        return;
                }
        if (*n + 1 < max) {
                v[(*n)++] = s;
                v[*n] = NULL;
        } else
                free(s);
}

/* For kernels without setns() on a pidfd (before 5.8): one namespace at a
 * time, through /proc/LEADER/ns/ (that directory was opened while the
 * pidfd was alive, so it is the leader's). The user namespace goes first:
 * joining the others needs the capabilities it gives. */
static int enter_namespaces_one_by_one(struct enter_plan *p, struct nb_error *err) {
        static const struct { int flag; const char *name; } order[] = {
                { CLONE_NEWUSER, "user" }, { CLONE_NEWCGROUP, "cgroup" }, { CLONE_NEWIPC, "ipc" },
                { CLONE_NEWUTS, "uts" }, { CLONE_NEWNET, "net" }, { CLONE_NEWPID, "pid" }, { CLONE_NEWNS, "mnt" },
        };
        int fds[ELEMENTSOF(order)];
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                char path[32];
                fds[i] = -1;
                if (!(p->ns_flags & order[i].flag))
                        continue;
                snprintf(path, sizeof(path), "ns/%s", order[i].name);
                fds[i] = openat(p->target.proc_fd, path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0) {
                        r = nb_error_set(err, errno, "open /proc/%d/%s", p->target.m.leader, path);
                        goto out;
                }
        }
        if (pidfd_alive(p->target.leader_pidfd) < 0) {
                r = nb_error_set(err, ESRCH, "enter container %s: its init ended", p->target.m.name);
                goto out;
        }
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (fds[i] >= 0 && setns(fds[i], order[i].flag) < 0) {
                        r = nb_error_set(err, errno, "join the %s namespace of container %s", order[i].name, p->target.m.name);
                        goto out;
                }
out:
        for (size_t i = 0; i < ELEMENTSOF(order); i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        return r;
}

static int enter_namespaces(struct enter_plan *p, struct nb_error *err) {
        if (p->ns_flags == 0)
                return 0;
        /* One atomic step, and the pidfd guarantees it is the leader's. */
        if (!getenv("NIXBOX_TEST_SETNS_PER_NAMESPACE")) {
                if (setns(p->target.leader_pidfd, p->ns_flags) == 0)
                        return 0;
                if (errno != EINVAL)
                        return nb_error_set(err, errno, "join the namespaces of container %s (pid %d)",
                                            p->target.m.name, p->target.m.leader);
        }
        return enter_namespaces_one_by_one(p, err);
}

/* The pty: allocated in the container's devpts, so that the programs
 * inside see a terminal of their own; the master goes to nixbox. */
static int attach_pty(struct enter_plan *p, const struct user_info *u, struct nb_error *err) {
        _cleanup_close_ int master = -1, slave = -1;
        char name[64];
        struct winsize ws;

        master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return nb_error_set(err, errno, "open /dev/pts/ptmx in container %s", p->target.m.name);
        if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
                return nb_error_set(err, errno, "set up a pty in container %s", p->target.m.name);
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return nb_error_set(err, errno, "open %s in container %s", name, p->target.m.name);
        /* The caller's window size, from the terminal we still have. */
        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
                (void) ioctl(slave, TIOCSWINSZ, &ws);
        /* Like login(1): the user owns the terminal. */
        if (u->uid != 0 && fchown(slave, u->uid, (gid_t) -1) < 0)
                return nb_error_set(err, errno, "give %s to user %s", name, u->name);
        if (sync_send_fd(p->sync_fd, SYNC_CONSOLE, 0, NULL, master) < 0)
                return nb_error_set(err, errno, "pass the pty to nixbox");
        if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
                return nb_error_set(err, errno, "make %s the controlling terminal", name);
        if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
                return nb_error_set(err, errno, "connect stdio to %s", name);
        return 0;
}

static void build_env(struct enter_plan *p, const struct user_info *u, const char *shell, char **env, size_t max) {
        size_t n = 0;
        const char *term = getenv("TERM");

        env[0] = NULL;
        env_vector_set(env, &n, max, "PATH", p->path);
        env_vector_set(env, &n, max, "container", "nixbox");
        for (size_t i = 0; i < p->n_leader_env; i++) {
                char name[64];
                const char *eq = strchr(p->leader_env[i], '=');
                snprintf(name, sizeof(name), "%.*s", (int) (eq - p->leader_env[i]), p->leader_env[i]);
                env_vector_set(env, &n, max, name, eq + 1);
        }
        env_vector_set(env, &n, max, "HOME", u->home[0] ? u->home : "/");
        env_vector_set(env, &n, max, "USER", u->name);
        env_vector_set(env, &n, max, "LOGNAME", u->name);
        if (shell)
                env_vector_set(env, &n, max, "SHELL", shell);
        env_vector_set(env, &n, max, "TERM", term ? term : (p->use_pty ? "vt220" : NULL));
        for (size_t i = 0; i < p->req->n_setenv; i++) {
                char name[256];
                const char *a = p->req->setenv[i], *eq = strchr(a, '=');
                snprintf(name, sizeof(name), "%.*s", (int) (eq - a), a);
                env_vector_set(env, &n, max, name, eq + 1);
        }
}

/* The login shell of the user if it can be executed, else /bin/sh. */
static const char *pick_shell(const struct user_info *u) {
        if (u->shell[0] == '/' && access(u->shell, X_OK) == 0)
                return u->shell;
        return "/bin/sh";
}

_noreturn_ static void command_child(struct enter_plan *p) {
        const struct enter_request *req = p->req;
        struct nb_error err = {0};
        struct user_info u;
        const char *shell = NULL, *dir;
        char *env[256], argv0[300];
        int r;

        /* Our parent is nixbox now: end with it. Had it already ended,
         * its end of the sync socket would be closed. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (poll(&(struct pollfd) { .fd = p->sync_fd, .events = POLLIN }, 1, 0) > 0)
                _exit(EXIT_NIXBOX_ERROR);
        if (user_lookup(req->user ? req->user : "0", &u, &err) < 0)
                child_fail(p->sync_fd, &err);
        if (!req->user && streq(u.name, "0")) {
                /* No root in /etc/passwd: the usual defaults. */
                snprintf(u.name, sizeof(u.name), "root");
                snprintf(u.home, sizeof(u.home), "/root");
        }
        if (p->use_pty) {
                if (attach_pty(p, &u, &err) < 0)
                        child_fail(p->sync_fd, &err);
        } else if (setsid() < 0) {
                /* Its own session: it can never reach the caller's terminal. */
                nb_error_set(&err, errno, "create a new session");
                child_fail(p->sync_fd, &err);
        } else if ((r = stdio_relay_apply(&p->relay)) < 0) {
                /* Nor hold it: nixbox's pipes stand in for every terminal. */
                nb_error_set(&err, r, "connect stdio to nixbox's pipes");
                child_fail(p->sync_fd, &err);
        }
        if (!req->argv)
                shell = pick_shell(&u);
        build_env(p, &u, shell, env, ELEMENTSOF(env));

        dir = req->working_dir ? req->working_dir : (shell || u.uid != 0 ? u.home : "/");
        if (chdir(dir) < 0) {
                if (req->working_dir) {
                        nb_error_set(&err, errno, "change directory to %s", dir);
                        child_fail(p->sync_fd, &err);
                }
                (void) !chdir("/");
        }
        struct confinement cf = {
                .bounding = p->target.m.caps,
                .no_new_privs = p->target.m.no_new_privs,
                .syscall_filter = p->syscall_filter,
                .n_syscall_filter = p->n_syscall_filter,
                .user = &u,
                .user_label = u.name,
                .keep_fd = -1,          /* the sync socket's EOF tells nixbox the exec worked */
        };
        struct exec_target x = { .fd = -1, .envp = env, .argv = req->argv, .what = req->argv ? req->argv[0] : NULL };
        char what[sizeof(u.shell) + 16], *args[] = { argv0, NULL };

        if (shell) {
                const char *base = strrchr(shell, '/');
                /* "-sh": a login shell. */
                snprintf(argv0, sizeof(argv0), "-%s", base ? base + 1 : shell);
                snprintf(what, sizeof(what), "the shell %s", shell);
                x.paths = &shell;
                x.n_paths = 1;
                x.argv = args;
                x.what = what;
        }
        confine_and_exec(&cf, &x, &err);
        if (err.exit_code == 0)
                child_fail(p->sync_fd, &err);   /* the confinement failed */
        sync_send(p->sync_fd, SYNC_EXEC_FAILED, 0, &err);
        _exit(err.exit_code);
}

void enter_child(struct enter_plan *p) {
        struct nb_error err = {0};
        struct clone_args args = { .flags = CLONE_PARENT };
        pid_t pid;
        int r;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* Until exec, no process of the container may ptrace us: we hold
         * host file descriptors. Inherited by the command child; exec
         * resets it. */
        prctl(PR_SET_DUMPABLE, 0);

        if (p->cgroup_procs[0]) {
                r = write_string_file(p->cgroup_procs, "0");
                if (r < 0) {
                        nb_error_set(&err, r, "join the cgroup of container %s (%s)", p->target.m.name, p->cgroup_procs);
                        child_fail(p->sync_fd, &err);
                }
        }
        if (enter_namespaces(p, &err) < 0)
                child_fail(p->sync_fd, &err);
        /* In the container's user namespace our host uid 0 is unmapped:
         * become its root, as its PID 1 did. */
        if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0) {
                nb_error_set(&err, errno, "become root in container %s", p->target.m.name);
                child_fail(p->sync_fd, &err);
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL);       /* the uid change cleared it */
        if (fchdir(p->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
                nb_error_set(&err, errno, "enter the root of container %s", p->target.m.name);
                child_fail(p->sync_fd, &err);
        }
        close(p->root_fd);
        close(p->target.proc_fd);
        close(p->target.leader_pidfd);

        /* CLONE_PARENT: nixbox waits for it directly and we can go. */
        pid = (pid_t) syscall(SYS_clone3, &args, sizeof(args));
        if (pid < 0) {
                nb_error_set(&err, errno, "fork in container %s", p->target.m.name);
                child_fail(p->sync_fd, &err);
        }
        if (pid == 0)
                command_child(p);
        sync_send(p->sync_fd, SYNC_INIT_PID, pid, NULL);
        _exit(0);
}
