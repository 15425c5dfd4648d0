/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wait and remove-state: the verbs of ended containers (outcome.h,
 * docs/harness.md). */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/time.h>
#include <time.h>

#include "error.h"
#include "log.h"
#include "machine-target.h"
#include "macro.h"
#include "outcome.h"
#include "state.h"
#include "verbs.h"

static void on_alarm(int sig) {
        (void) sig;
}

static long long monotonic_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Blocks until nobody holds NAME's machine lock: its supervisor and its
 * guard share it until the very end, after the outcome is recorded, so
 * this is exact and costs no polling. timeout_ms -1: forever. 0 when the
 * lock is free (or there is none), -ETIMEDOUT. */
static int wait_for_lock(const char *name, long long timeout_ms) {
        char path[512];
        _cleanup_close_ int fd = -1;
        struct sigaction sa = { .sa_handler = on_alarm }, old;
        long long deadline = timeout_ms < 0 ? -1 : monotonic_ms() + timeout_ms;
        int r;

        snprintf(path, sizeof(path), "%s/%s.lock", STATE_DIR, name);
        /* Never created here: a waiter must not make a lock appear. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (timeout_ms >= 0) {
                /* No SA_RESTART: the alarm interrupts flock(). It repeats,
                 * so one that fires just before flock() is not lost. */
                struct itimerval it = { .it_value = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 },
                                        .it_interval = { .tv_usec = 20000 } };
                if (timeout_ms == 0)
                        it.it_value.tv_usec = 1;
                sigemptyset(&sa.sa_mask);
                sigaction(SIGALRM, &sa, &old);
                setitimer(ITIMER_REAL, &it, NULL);
        }
        for (;;) {
                if (flock(fd, LOCK_EX) == 0) {
                        r = 0;
                        break;
                }
                if (errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (deadline >= 0 && monotonic_ms() >= deadline) {
                        r = -ETIMEDOUT;
                        break;
                }
        }
        if (timeout_ms >= 0) {
                struct itimerval off = { 0 };
                setitimer(ITIMER_REAL, &off, NULL);
                sigaction(SIGALRM, &old, NULL);
        }
        /* Released at once (close): a run of that name may take it next. */
        return r;
}

int verb_wait(int argc, char **argv) {
        static const struct option opts[] = { { "timeout", required_argument, NULL, 't' },
                                              { "json", no_argument, NULL, 'j' },
                                              { "help", no_argument, NULL, 'h' },
                                              {} };
        struct machine_info m;
        struct machine_outcome oc;
        long long timeout_ms = -1;
        bool json = false;
        const char *name;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 't':
                        timeout_ms = parse_timeout_ms(optarg);
                        if (timeout_ms < -1) {
                                log_error("wait: invalid --timeout '%s' (seconds, or with ms, s, min, h; or infinity)", optarg);
                                return EXIT_NIXBOX_ERROR;
                        }
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        printf("Usage: nixbox wait NAME [--timeout=SEC] [--json]\n"
                               "Waits until the container ends and exits with its status (as 'run' would);\n"
                               "%d when it still runs after --timeout, %d when there is no such container.\n",
                               EXIT_WAIT_TIMEOUT, EXIT_WAIT_NO_MACHINE);
                        return 0;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        if (optind + 1 != argc) {
                log_error("wait: expected one container name; see 'nixbox wait --help'");
                return EXIT_NIXBOX_ERROR;
        }
        name = argv[optind];
        if (!*name || strchr(name, '/') || name[0] == '.') {
                log_error("wait: invalid container name '%s'", name);
                return EXIT_NIXBOX_ERROR;
        }
        machines_sweep_stale();
        r = wait_for_lock(name, timeout_ms);
        if (r == -ETIMEDOUT) {
                struct nb_error err = { 0 };
                log_error("wait: container %s did not end within the timeout", name);
                if (json && machine_lookup(name, &m, &err) == 0)
                        machine_print_status_json(&m, NULL);
                return EXIT_WAIT_TIMEOUT;
        }
        if (r < 0) {
                log_error("wait for container %s: %s", name, strerror(-r));
                return EXIT_NIXBOX_ERROR;
        }
        r = outcome_read(name, &m, &oc);
        if (r < 0) {
                log_error("wait: no running or ended container named %s", name);
                return EXIT_WAIT_NO_MACHINE;
        }
        if (json)
                machine_print_status_json(&m, &oc);
        fflush(stdout);
        return oc.exit_code;
}

static int remove_one(const struct machine_info *m, const struct machine_outcome *oc, void *userdata) {
        int r = outcome_remove(m->name);

        (void) oc;
        if (r < 0 && r != -ENOENT) {
                log_error("remove the record of container %s: %s", m->name, strerror(-r));
                *(int *) userdata = EXIT_NIXBOX_ERROR;
        }
        return 0;
}

int verb_remove_state(int argc, char **argv) {
        static const struct option opts[] = { { "all-ended", no_argument, NULL, 'a' }, { "help", no_argument, NULL, 'h' }, {} };
        bool all = false;
        int c, ret = 0;

        optind = 0;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'h':
                        printf("Usage: nixbox remove-state NAME... | --all-ended\n"
                               "Forgets how ended containers ended: their outcome and console log.\n");
                        return 0;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        if (all == (optind < argc)) {
                log_error("remove-state: expected container names or --all-ended; see 'nixbox remove-state --help'");
                return EXIT_NIXBOX_ERROR;
        }
        if (all) {
                int r = outcome_foreach(remove_one, &ret);
                if (r < 0) {
                        log_error("remove-state: list the ended containers: %s", strerror(-r));
                        return EXIT_NIXBOX_ERROR;
                }
                return ret;
        }
        for (int i = optind; i < argc; i++) {
                int r = outcome_remove(argv[i]);
                if (r == -ENOENT || r == -ENOTDIR) {
                        log_error("remove-state: no ended container named %s", argv[i]);
                        if (!ret)
                                ret = EXIT_NO_MACHINE;
                } else if (r < 0) {
                        log_error("remove-state: remove the record of container %s: %s", argv[i], strerror(-r));
                        ret = EXIT_NIXBOX_ERROR;
                }
        }
        return ret;
}
