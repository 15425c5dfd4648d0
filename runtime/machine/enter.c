/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nixbox exec NAME [--] COMMAND... and nixbox shell NAME: a process inside a
 * running container, in every one of its namespaces (the user namespace
 * too), its cgroup and its root, confined like its PID 1.
 *
 * This process stays on the host: it pins PID 1 with a pidfd checked
 * against the registered start time, reads what the children need through
 * /proc/LEADER (opened while the pidfd was alive), forks the first child
 * (enter-child.c) and then waits for the command, relaying its pty and
 * passing signals on. Its exit status is the command's (128+N for a death
 * by signal N); 125 when nixbox failed, 126/127 when the command could not
 * be executed or was not found. */
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "container.h"
#include "enter-pty.h"
#include "enter.h"
#include "exec-env.h"
#include "log.h"
#include "parse-util.h"
#include "state.h"
#include "verbs.h"

/* The namespaces of the leader that differ from ours: joining one we are
 * already in would fail (or be pointless), e.g. the host network. */
static int differing_namespaces(int proc_fd) {
        static const struct { int flag; const char *name; } ns[] = {
                { CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mnt" }, { CLONE_NEWPID, "pid" }, { CLONE_NEWUTS, "uts" },
                { CLONE_NEWIPC, "ipc" }, { CLONE_NEWNET, "net" }, { CLONE_NEWCGROUP, "cgroup" },
        };
        int flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char path[64];
                struct stat theirs, ours;

                snprintf(path, sizeof(path), "ns/%s", ns[i].name);
                if (fstatat(proc_fd, path, &theirs, 0) < 0)
                        return -errno;
                snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i].name);
                if (stat(path, &ours) < 0)
                        return -errno;
                if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
                        flags |= ns[i].flag;
        }
        return flags;
}

/* Reads a small file below /proc/LEADER into a NUL-terminated buffer. */
static ssize_t read_proc(int proc_fd, const char *name, char *buf, size_t size) {
        _cleanup_close_ int fd = openat(proc_fd, name, O_RDONLY | O_CLOEXEC);
        size_t len = 0;
        ssize_t n;

        if (fd < 0)
                return -errno;
        while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
                len += (size_t) n;
        buf[len] = 0;
        return (ssize_t) len;
}

/* The leader's cgroup.procs on the host: its "0::PATH" line under the
 * cgroup2 mount, which must lie inside the registered subtree. (With
 * systemd inside, PID 1 is in payload/init.scope; payload/ itself has
 * controllers enabled then and would refuse us.) */
static int leader_cgroup(struct enter_plan *p, struct nb_error *err) {
        const struct machine_info *m = &p->target.m;
        char buf[8192], mount[256], *line, *save = NULL;
        const char *base;
        size_t l;

        p->cgroup_procs[0] = 0;
        if (!m->cgroup[0])
                return 0;      /* the container runs without a cgroup */
        if (read_proc(p->target.proc_fd, "cgroup", buf, sizeof(buf)) < 0)
                return nb_error_set(err, errno, "read /proc/%d/cgroup", m->leader);
        /* m->cgroup is MOUNT/[SERVICE/]nixbox/NAME (SERVICE with --keep-unit):
         * the leader's path must lie below the part after MOUNT. */
        if (cg_find_mount(mount, sizeof(mount)) < 0 || !startswith(m->cgroup, mount) ||
            m->cgroup[strlen(mount)] != '/' || !strstr(m->cgroup, "/nixbox/"))
                return nb_error_set(err, 0, "container %s: unexpected cgroup %s", m->name, m->cgroup);
        base = m->cgroup + strlen(mount);
        l = strlen(base);
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!startswith(line, "0::"))
                        continue;
                line += 3;
                if (strncmp(line, base, l) != 0 || (line[l] != '/' && line[l] != 0) || strstr(line, "/.."))
                        return nb_error_set(err, 0, "container %s: its init is in cgroup %s, outside its own %s",
                                            m->name, line, m->cgroup);
                snprintf(p->cgroup_procs, sizeof(p->cgroup_procs), "%.*s%s/cgroup.procs",
                         (int) (base - m->cgroup), m->cgroup, line);
                return 0;
        }
        return nb_error_set(err, 0, "container %s: no cgroup2 entry in /proc/%d/cgroup", m->name, m->leader);
}

/* PATH (and container_uuid, container_host_*) from PID 1's environment. */
static void leader_environment(struct enter_plan *p) {
        static const char *const keep[] = {
                "container_uuid=", "container_host_id=", "container_host_version_id=",
                "container_host_build_id=", "container_host_variant_id=",
        };
        char buf[65536];
        ssize_t n = read_proc(p->target.proc_fd, "environ", buf, sizeof(buf));

        snprintf(p->path, sizeof(p->path), "%s", DEFAULT_PATH);
        for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t) strlen(buf + i) + 1) {
                const char *e = buf + i;
                if (startswith(e, "PATH=") && e[5])
                        snprintf(p->path, sizeof(p->path), "%s", e + 5);
                for (size_t k = 0; k < ELEMENTSOF(keep) && p->n_leader_env < ELEMENTSOF(p->leader_env); k++)
                        if (startswith(e, keep[k]))
                                p->leader_env[p->n_leader_env++] = strdup(e);
        }
}

static void plan_free(struct enter_plan *p) {
        for (size_t i = 0; i < p->n_leader_env; i++)
                free(p->leader_env[i]);
        p->n_leader_env = 0;
        strv_free(p->syscall_filter);
        p->syscall_filter = NULL;
        p->n_syscall_filter = 0;
        if (p->root_fd >= 0)
                close(p->root_fd);
        p->root_fd = -1;
        machine_target_close(&p->target);
}

static int plan_prepare(struct enter_plan *p, const struct enter_request *req, struct nb_error *err) {
        int r;

        *p = (struct enter_plan) { .req = req, .root_fd = -1, .sync_fd = -1, .relay = STDIO_RELAY_INIT };
        r = machine_target_open(req->machine, &p->target, err);
        if (r < 0)
                return r;
        r = differing_namespaces(p->target.proc_fd);
        if (r < 0)
                return nb_error_set(err, r, "read the namespaces of container %s (pid %d)", req->machine, p->target.m.leader);
        p->ns_flags = r;
        /* Without it the command would run under a weaker filter than PID 1. */
        r = machine_state_read_filter(p->target.m.name, &p->syscall_filter, &p->n_syscall_filter);
        if (r < 0)
                return nb_error_set(err, r, "read the system-call filter of container %s (%s/%s/" FILTER_FILE ")",
                                    req->machine, STATE_DIR, p->target.m.name);
        p->root_fd = openat(p->target.proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (p->root_fd < 0)
                return nb_error_set(err, errno, "open the root of container %s (/proc/%d/root)", req->machine, p->target.m.leader);
        r = leader_cgroup(p, err);
        if (r < 0)
                return r;
        leader_environment(p);
        /* Automatic only for a terminal on both ends: output redirected to
         * a file must not get a terminal's line endings. */
        p->use_pty = req->pty >= 0 ? req->pty : isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
        /* All of it came through /proc/LEADER while the pidfd was alive. */
        if (pidfd_alive(p->target.leader_pidfd) < 0)
                return nb_error_set(err, 0, "container %s: its init (pid %d) ended", req->machine, p->target.m.leader);
        return 0;
}

/* Collects the command's pid and pty from the children until both have
 * closed the socket (the command's end closes on exec). */
static int await_start(int sock, pid_t first, pid_t *cmd, int *master, struct nb_error *err) {
        int failed = 0, status;

        for (;;) {
                struct sync_msg m;
                int fd = -1, r = sync_recv_fd(sock, &m, &fd);

                if (r < 0) {
                        failed = nb_error_set(err, r, "read from the sync socket");
                        break;
                }
                if (r == 0)
                        break;
                switch (m.type) {
                case SYNC_INIT_PID:
                        *cmd = m.value;
                        break;
                case SYNC_CONSOLE:
                        *master = fd;
                        fd = -1;
                        break;
                case SYNC_ERROR:
                case SYNC_EXEC_FAILED:
                        *err = m.err;
                        failed = -1;
                        break;
                }
                if (fd >= 0)
                        close(fd);
        }
        (void) waitpid(first, &status, __WALL);
        if (!failed && *cmd <= 0)
                failed = nb_error_set(err, 0, "enter the container: a child process died unexpectedly");
        return failed;
}

static int exit_status(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return EXIT_NIXBOX_ERROR;
}

/* Waits for the command, relaying its pty (or pipes) and passing signals on. */
static int supervise(pid_t cmd, int master, struct stdio_relay *relay, int sfd) {
        struct pty_forward f = { .master = -1 };
        int status = 0;

        if (master >= 0)
                pty_forward_start(&f, master);
        for (;;) {
                struct pollfd p[6];
                struct signalfd_siginfo si;
                pid_t w;

                p[0] = (struct pollfd) { .fd = sfd, .events = POLLIN };
                p[1] = p[2] = (struct pollfd) { .fd = -1 };
                if (f.master >= 0)
                        pty_forward_pollfds(&f, p + 1);
                stdio_relay_pollfds(relay, p + 3);
                if (poll(p, 6, -1) < 0 && errno != EINTR)
                        break;
                if (f.master >= 0)
                        pty_forward_handle(&f, p + 1);
                stdio_relay_handle(relay, p + 3);
                if (!(p[0].revents & POLLIN) || read(sfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                switch (si.ssi_signo) {
                case SIGCHLD:
                        w = waitpid(cmd, &status, WNOHANG | __WALL);
                        if (w == cmd)
                                goto done;
                        break;
                case SIGWINCH:
                        pty_forward_winch(&f);
                        break;
                case SIGPIPE:
                        break;
                default:
                        kill(cmd, (int) si.ssi_signo);
                        break;
                }
        }
        /* poll failed: still wait for the command. */
        while (waitpid(cmd, &status, __WALL) < 0 && errno == EINTR)
                ;
done:
        pty_forward_stop(&f);
        /* What a background process of the command writes later goes nowhere. */
        stdio_relay_stop(relay);
        return exit_status(status);
}

static int enter_run(const struct enter_request *req) {
        static const int signals[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGPIPE };
        struct enter_plan p;
        struct nb_error err = {0};
        sigset_t mask, old;
        int sp[2], master = -1, sfd = -1, ret;
        pid_t first, cmd = 0;

        machines_sweep_stale();
        if (plan_prepare(&p, req, &err) < 0) {
                nb_error_print(&err);
                plan_free(&p);
                return EXIT_NIXBOX_ERROR;
        }
        sigemptyset(&mask);
        for (size_t i = 0; i < ELEMENTSOF(signals); i++)
                sigaddset(&mask, signals[i]);
        sigprocmask(SIG_BLOCK, &mask, &old);
        sfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (sfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
                log_error("set up exec in container %s: %s", req->machine, strerror(errno));
                ret = EXIT_NIXBOX_ERROR;
                goto out;
        }
        p.sync_fd = sp[1];
        if (!p.use_pty && stdio_relay_prepare(&p.relay, NULL, &err) < 0) {
                nb_error_print(&err);
                close(sp[0]);
                close(sp[1]);
                ret = EXIT_NIXBOX_ERROR;
                goto out;
        }
        fflush(NULL);
        first = fork();
        if (first < 0) {
                log_error("fork: %s", strerror(errno));
                close(sp[0]);
                close(sp[1]);
                ret = EXIT_NIXBOX_ERROR;
                goto out;
        }
        if (first == 0) {
                close(sp[0]);
                close(sfd);
                enter_child(&p);
        }
        close(sp[1]);
        stdio_relay_close_child(&p.relay);
        plan_free(&p);
        ret = await_start(sp[0], first, &cmd, &master, &err);
        close(sp[0]);
        if (ret < 0) {
                int status;
                nb_error_print(&err);
                if (cmd > 0)
                        (void) waitpid(cmd, &status, __WALL);
                if (master >= 0)
                        close(master);
                ret = err.exit_code ? err.exit_code : EXIT_NIXBOX_ERROR;
                goto out;
        }
        ret = supervise(cmd, master, &p.relay, sfd);
out:
        stdio_relay_stop(&p.relay);
        plan_free(&p);
        if (sfd >= 0)
                close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return ret;
}

/* Options shared by exec and shell; parsing stops at the first non-option
 * (the name, then the command). Returns 1 to go on, 0 after --help, -1 on
 * a usage error. */
static int parse_options(int argc, char **argv, struct enter_request *req, const char *usage) {
        static const struct option opts[] = {
                { "user", required_argument, NULL, 'u' },
                { "tty", no_argument, NULL, 't' },
                { "no-tty", no_argument, NULL, 'T' },
                { "setenv", required_argument, NULL, 'E' },
                { "working-directory", required_argument, NULL, 'w' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "+u:tTE:w:h", opts, NULL)) >= 0)
                switch (c) {
                case 'u': req->user = optarg; break;
                case 't': req->pty = 1; break;
                case 'T': req->pty = 0; break;
                case 'E':
                        if (parse_env_assignment(optarg) < 0) {
                                log_error("%s: invalid --setenv '%s' (NAME=VALUE expected)", argv[0], optarg);
                                return -1;
                        }
                        if (strv_push(&req->setenv, &req->n_setenv, optarg) < 0)
                                return -1;
                        break;
                case 'w':
                        if (optarg[0] != '/') {
                                log_error("%s: --working-directory needs an absolute path", argv[0]);
                                return -1;
                        }
                        req->working_dir = optarg;
                        break;
                case 'h':
                        printf("Usage: nixbox %s\n\n"
                               "  -u, --user=USER              run as USER (name or uid, looked up in the container)\n"
                               "  -t, --tty                    allocate a pty even when stdin is not a terminal\n"
                               "  -T, --no-tty                 never allocate a pty\n"
                               "  -E, --setenv=NAME=VALUE      set an environment variable\n"
                               "  -w, --working-directory=DIR  start in DIR\n", usage);
                        return 0;
                default:
                        return -1;
                }
        return 1;
}

/* VERB [OPTIONS] NAME [OPTIONS] [--] [REST...]: returns 1 with *rest the
 * index of REST in argv, 0 after --help, -1 on a usage error. */
static int parse_enter(int argc, char **argv, struct enter_request *req, const char *usage, int *rest) {
        _cleanup_free_ char **sub = NULL;
        int r, name;

        *req = (struct enter_request) { .pty = -1 };
        optind = 0;
        r = parse_options(argc, argv, req, usage);
        if (r <= 0)
                return r;
        if (optind >= argc) {
                log_error("%s: expected a container name; see 'nixbox %s --help'", argv[0], argv[0]);
                return -1;
        }
        name = optind;
        req->machine = argv[name];
        /* Options may follow NAME too: parse what follows it as if it
         * came right after the verb. */
        sub = calloc((size_t) argc + 1, sizeof(char *));
        if (!sub) {
                log_error("%s: out of memory", argv[0]);
                return -1;
        }
        sub[0] = argv[0];
        for (int i = name + 1; i <= argc; i++)
                sub[i - name] = argv[i];
        optind = 0;
        r = parse_options(argc - name, sub, req, usage);
        if (r <= 0)
                return r;
        *rest = name + optind;
        return 1;
}

int verb_exec(int argc, char **argv) {
        struct enter_request req;
        int r, rest = 0;

        r = parse_enter(argc, argv, &req, "exec NAME [OPTIONS] [--] COMMAND [ARGS...]", &rest);
        if (r > 0 && rest >= argc) {
                log_error("exec: expected a command to run in container %s", req.machine);
                r = -1;
        }
        if (r > 0) {
                req.argv = argv + rest;
                r = enter_run(&req);
        } else
                r = r == 0 ? 0 : EXIT_NIXBOX_ERROR;
        strv_free(req.setenv);
        return r;
}

int verb_shell(int argc, char **argv) {
        struct enter_request req;
        int r, rest = 0;

        r = parse_enter(argc, argv, &req, "shell NAME [OPTIONS]", &rest);
        if (r > 0 && rest < argc) {
                log_error("shell: unexpected argument '%s' (to run a command, use 'nixbox exec')", argv[rest]);
                r = -1;
        }
        if (r > 0)
                r = enter_run(&req);
        else
                r = r == 0 ? 0 : EXIT_NIXBOX_ERROR;
        strv_free(req.setenv);
        return r;
}
