/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"
#include "machine-state.h"
#include "machine-target.h"
#include "macro.h"
#include "state.h"

void machines_sweep_stale(void) {
        char mount[256];

        state_sweep_stale_locks(true);
        if (cg_find_mount(mount, sizeof(mount)) == 0)
                cg_sweep_stale(mount);
}

int machine_lookup(const char *name, struct machine_info *m, struct nb_error *err) {
        int r = machine_state_read(name, m);

        if (r == -ENOENT || r == -ESTALE || r == -EINVAL) {
                nb_error_set(err, 0, "no running container named %s", name);
                return -ENOENT;
        }
        if (r < 0)
                return nb_error_set(err, r, "read the state of container %s", name);
        return 0;
}

int pidfd_open_checked(pid_t pid, unsigned long long start) {
        int fd;

        if (pid <= 0 || start == 0)
                return -ESRCH;
        fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return -errno;
        if (pid_start_time(pid) != start) {
                close(fd);
                return -ESTALE;
        }
        return fd;
}

int pidfd_signal(int pidfd, int sig) {
        return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

int pidfd_alive(int pidfd) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        /* A pidfd polls readable once its process has exited (a zombie
         * too, which a signal test would still count as alive). */
        return poll(&p, 1, 0) == 0 ? 0 : -ESRCH;
}

int machine_target_open(const char *name, struct machine_target *t, struct nb_error *err) {
        char path[64];
        int r;

        t->leader_pidfd = t->proc_fd = -1;
        r = machine_lookup(name, &t->m, err);
        if (r < 0)
                return r;
        r = pidfd_open_checked(t->m.leader, t->m.leader_start);
        if (r == -ESTALE)
                return nb_error_set(err, 0, "container %s: pid %d is no longer its init (another process has that pid now); "
                                    "refusing to touch it", name, t->m.leader);
        if (r < 0)
                /* Gone since registration: the container is stopping or rebooting. */
                return nb_error_set(err, -r == ESRCH ? 0 : -r, "container %s: its init (pid %d) is not running (stopping or rebooting?)",
                                    name, t->m.leader);
        t->leader_pidfd = r;
        snprintf(path, sizeof(path), "/proc/%d", t->m.leader);
        t->proc_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* Opened while the pidfd's process was alive: it is that process's. */
        if (t->proc_fd < 0 || pidfd_alive(t->leader_pidfd) < 0) {
                machine_target_close(t);
                return nb_error_set(err, 0, "container %s: its init (pid %d) ended", name, t->m.leader);
        }
        return 0;
}

void machine_target_close(struct machine_target *t) {
        if (t->leader_pidfd >= 0)
                close(t->leader_pidfd);
        if (t->proc_fd >= 0)
                close(t->proc_fd);
        t->leader_pidfd = t->proc_fd = -1;
}

static long long now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pidfd_wait_exit(int pidfd, long long timeout_ms) {
        long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;

        for (;;) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                long long left = deadline < 0 ? -1 : deadline - now_ms();
                int r;

                if (deadline >= 0 && left < 0)
                        left = 0;
                r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int) left);
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
                if (r == 0 && deadline >= 0 && now_ms() >= deadline)
                        return -ETIMEDOUT;
        }
}
