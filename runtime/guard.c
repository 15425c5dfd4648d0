/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup.h"
#include "compat.h"
#include "error.h"
#include "fileio.h"
#include "guard.h"
#include "log.h"
#include "machine-state.h"
#include "outcome.h"
#include "tree-safety.h"
#include "macro.h"
#include "sync.h"

enum {
        GUARD_LEADER = 100,   /* a pidfd of PID 1 attached */
        GUARD_CGROUP,         /* an fd of the nixbox/ directory holding the machine's cgroup */
        GUARD_BYE,            /* the supervisor ended normally */
};

/* Waits (up to 2 s) until the process behind pidfd has ended. */
static void wait_pidfd(int pidfd) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        (void) poll(&p, 1, 2000);
}

/* The supervisor cannot say how its container ended: the guard does, from
 * the state the supervisor last wrote. */
static void record_abandoned(const char *machine, bool killed, int json_status_fd) {
        struct machine_info m;
        struct machine_outcome oc = { .exit_code = EXIT_NIXBOX_ERROR, .exit_status = -1, .signal = killed ? SIGKILL : 0 };
        struct timespec ts;
        int r;

        /* The guard holds the machine lock: the entry reads as live. */
        if (machine_state_read(machine, &m) < 0) {
                m = (struct machine_info){ 0 };
                snprintf(m.name, sizeof(m.name), "%s", machine);
        }
        m.leader = m.supervisor = 0;
        m.leader_start = m.supervisor_start = 0;
        snprintf(oc.result, sizeof(oc.result), "abandoned");
        snprintf(oc.recorded_by, sizeof(oc.recorded_by), "guard");
        snprintf(oc.error, sizeof(oc.error), "its nixbox (the supervisor) died; the guard ended the container");
        machine_state_read_stop_request(machine, oc.stop_request, sizeof(oc.stop_request));
        clock_gettime(CLOCK_REALTIME, &ts);
        oc.end_usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        r = outcome_record(&m, &oc);
        if (r < 0)
                log_warn("guard: record how container %s ended: %s", machine, strerror(-r));
        if (json_status_fd >= 0) {
                static const char line[] = "{\"event\":\"exited\",\"status\":125,\"result\":\"abandoned\"}\n";
                int fl = fcntl(json_status_fd, F_GETFL);
                /* Never block on a reader that does not read. */
                if (fl >= 0)
                        (void) fcntl(json_status_fd, F_SETFL, fl | O_NONBLOCK);
                (void) !write(json_status_fd, line, sizeof(line) - 1);
        }
}

_noreturn_ static void guard_main(int sock, const char *machine, int json_status_fd, const char *const *lock_paths,
                                  size_t n_lock_paths, const struct tree_lock *tree) {
        int leader = -1, cg_parent = -1;
        bool killed = false;

        for (;;) {
                struct sync_msg m;
                int fd, r = sync_recv_fd(sock, &m, &fd);

                if (r == 1 && m.type == GUARD_BYE)
                        _exit(0);
                if (r == 1 && m.type == GUARD_LEADER && fd >= 0) {
                        if (leader >= 0)
                                close(leader);
                        leader = fd;
                        continue;
                }
                if (r == 1 && m.type == GUARD_CGROUP && fd >= 0) {
                        if (cg_parent >= 0)
                                close(cg_parent);
                        cg_parent = fd;
                        continue;
                }
                if (fd >= 0)
                        close(fd);
                if (r <= 0)
                        break;          /* EOF: the supervisor is gone */
        }
        /* The supervisor died without cleaning up: end the container now. */
        if (leader >= 0 && syscall(SYS_pidfd_send_signal, leader, SIGKILL, NULL, 0) == 0) {
                killed = true;
                wait_pidfd(leader);
        }
        /* The machine's cgroup, wherever it was made (--keep-unit, nested);
         * before it exists there is nothing to kill in it. */
        if (cg_parent >= 0) {
                int r = cg_remove_tree_at(cg_parent, machine);
                if (r < 0)
                        log_warn("guard: remove cgroup nixbox/%s: %s", machine, strerror(-r));
        }
        record_abandoned(machine, killed, json_status_fd);
        machine_state_remove(machine);
        /* Still holding the locks: nobody else can hold these inodes. */
        for (size_t i = 0; i < n_lock_paths; i++)
                if (lock_paths[i] && *lock_paths[i])
                        unlink(lock_paths[i]);
        /* The tree lock's file goes only when no shared holder is left. */
        if (tree && tree->fd >= 0) {
                struct tree_lock t = *tree;
                tree_lock_release(&t);
        }
        _exit(0);
}

int guard_start(struct guard *g, const char *machine, int stderr_fd, int json_status_fd, const int *keep, size_t n_keep,
                const char *const *lock_paths, size_t n_lock_paths, const struct tree_lock *tree, struct nb_error *err) {
        static const int ignored[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE,
                                       SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH };
        int sp[2];

        *g = (struct guard) { .pid = 0, .fd = -1 };
        if (n_keep > GUARD_MAX_KEEP)
                return nb_error_set(err, EINVAL, "start the guard process: too many fds");
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return nb_error_set(err, errno, "create the guard's socket");
        g->pid = fork();
        if (g->pid < 0) {
                int e = errno;
                close(sp[0]);
                close(sp[1]);
                g->pid = 0;
                return nb_error_set(err, e, "fork the guard process");
        }
        if (g->pid == 0) {
                int k[GUARD_MAX_KEEP + 4], n = 0, null;
                sigset_t none;

                /* Its own session: signals to the supervisor's process group
                 * or terminal never reach it; only the host's root can. */
                setsid();
                prctl(PR_SET_NAME, "nixbox-guard");
                for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
                        signal(ignored[i], SIG_IGN);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (stderr_fd >= 0)
                        dup2(stderr_fd, STDERR_FILENO);
                null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0) {
                        dup2(null, STDIN_FILENO);
                        dup2(null, STDOUT_FILENO);
                }
                /* Hold nothing of the supervisor's but the locks and our end. */
                k[n++] = STDIN_FILENO;
                k[n++] = STDOUT_FILENO;
                k[n++] = STDERR_FILENO;
                k[n++] = sp[1];
                for (size_t i = 0; i < n_keep; i++)
                        k[n++] = keep[i];
                close_all_fds_but(k, (size_t) n);
                guard_main(sp[1], machine, json_status_fd, lock_paths, n_lock_paths, tree);
        }
        close(sp[1]);
        g->fd = sp[0];
        return 0;
}

void guard_set_leader(struct guard *g, pid_t pid) {
        int pidfd;

        if (g->fd < 0 || pid <= 0)
                return;
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (pidfd < 0) {
                log_debug("pidfd_open %d for the guard: %s", pid, strerror(errno));
                return;
        }
        if (sync_send_fd(g->fd, GUARD_LEADER, 0, NULL, pidfd) < 0)
                log_warn("hand PID 1 to the guard process: %s", strerror(errno));
        close(pidfd);
}

void guard_set_cgroup(struct guard *g, const char *nixbox_dir) {
        _cleanup_close_ int fd = -1;

        if (g->fd < 0)
                return;
        fd = open(nixbox_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || sync_send_fd(g->fd, GUARD_CGROUP, 0, NULL, fd) < 0)
                log_warn("hand the cgroup %s to the guard process: %s", nixbox_dir, strerror(errno));
}

void guard_stop(struct guard *g) {
        if (g->fd >= 0) {
                (void) sync_send(g->fd, GUARD_BYE, 0, NULL);
                close(g->fd);
                g->fd = -1;
        }
        if (g->pid > 0) {
                while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                g->pid = 0;
        }
}
