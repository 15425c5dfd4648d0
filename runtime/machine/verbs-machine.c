/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* machinectl-like verbs on running containers: list, status, stop (also
 * poweroff, reboot, terminate, kill) and logs. Everything they know comes
 * from the state entries (machine-state.h); every process they signal is
 * pinned by a pidfd checked against its registered start time. */
#include <assert.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"
#include "escape.h"
#include "json-out.h"
#include "log.h"
#include "machine-cgtree.h"
#include "machine-target.h"
#include "outcome.h"
#include "parse-util.h"
#include "verbs.h"

#define STOP_TIMEOUT_DEFAULT_MS (30 * 1000LL)
/* After SIGKILL the supervisor only has to clean up. */
#define KILL_WAIT_MS (10 * 1000LL)

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* "3s", "4min 5s", "2h 7min", "3d 1h" */
static const char *format_span(uint64_t usec, char *buf, size_t size) {
        uint64_t s = usec / 1000000;

        if (s < 60)
                snprintf(buf, size, "%" PRIu64 "s", s);
        else if (s < 3600)
                snprintf(buf, size, "%" PRIu64 "min %" PRIu64 "s", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, size, "%" PRIu64 "h %" PRIu64 "min", s / 3600, s % 3600 / 60);
        else
                snprintf(buf, size, "%" PRIu64 "d %" PRIu64 "h", s / 86400, s % 86400 / 3600);
        return buf;
}

static uint64_t uptime_usec(const struct machine_info *m) {
        uint64_t now = m->end_usec ? m->end_usec : now_usec();
        return now > m->start_usec ? now - m->start_usec : 0;
}

/* "SHIFT:RANGE" or "-" without a user namespace. */
static const char *format_uids(const struct machine_info *m, char *buf, size_t size) {
        if (m->uid_range == 0)
                snprintf(buf, size, "-");
        else
                snprintf(buf, size, "%u:%u", m->uid_shift, m->uid_range);
        return buf;
}

static const char *signal_name_or_null(int sig, char *buf, size_t size) {
        return sig > 0 ? signal_to_string(sig, buf, size) : NULL;
}

/* The outcome object of docs/harness.md, or null. */
static void outcome_json(FILE *f, const struct machine_info *m, const struct machine_outcome *oc) {
        char sig[32];

        if (!oc) {
                fputs("null", f);
                return;
        }
        fputs("{\"result\":", f);
        json_string(f, oc->result);
        fprintf(f, ",\"exit_code\":%d", oc->exit_code);
        if (oc->exit_status >= 0)
                fprintf(f, ",\"exit_status\":%d", oc->exit_status);
        else
                fputs(",\"exit_status\":null", f);
        if (oc->signal > 0)
                fprintf(f, ",\"signal\":%d", oc->signal);
        else
                fputs(",\"signal\":null", f);
        fputs(",\"signal_name\":", f);
        json_string(f, signal_name_or_null(oc->signal, sig, sizeof(sig)));
        fputs(",\"stop_request\":", f);
        json_string(f, oc->stop_request[0] ? oc->stop_request : NULL);
        fprintf(f, ",\"start_usec\":%" PRIu64 ",\"end_usec\":%" PRIu64 ",\"restarts\":%u", m->start_usec, oc->end_usec,
                oc->restarts);
        fputs(",\"recorded_by\":", f);
        json_string(f, oc->recorded_by);
        fputs(",\"error\":", f);
        json_string(f, oc->error[0] ? oc->error : NULL);
        fputc('}', f);
}

static void machine_json(FILE *f, const struct machine_info *m, const struct machine_outcome *oc) {
        fputs("{\"name\":", f);
        json_string(f, m->name);
        fputs(",\"state\":", f);
        json_string(f, m->state);
        fputs(",\"status\":", f);
        json_string(f, m->status);
        fprintf(f, ",\"leader\":%d,\"supervisor\":%d", m->leader, m->supervisor);
        fprintf(f, ",\"uid_shift\":%u,\"uid_range\":%u", m->uid_shift, m->uid_range);
        fputs(",\"addresses\":", f);
        json_string_list(f, m->addresses);
        fputs(",\"root\":", f);
        json_string(f, m->root);
        fputs(",\"cgroup\":", f);
        json_string(f, m->cgroup[0] ? m->cgroup : NULL);
        fprintf(f, ",\"boot\":%s,\"kill_signal\":%d", m->boot ? "true" : "false", m->kill_signal);
        fprintf(f, ",\"start_usec\":%" PRIu64 ",\"uptime_usec\":%" PRIu64, m->start_usec, uptime_usec(m));
        fputs(",\"log\":", f);
        json_string(f, m->log[0] ? m->log : NULL);
        fputs(",\"outcome\":", f);
        outcome_json(f, m, oc);
}

struct machine_entry {
        struct machine_info m;
        struct machine_outcome oc;
        bool ended;
};

struct machine_list {
        struct machine_entry *v;
        size_t n;
};

static int add_entry(struct machine_list *l, const struct machine_info *m, const struct machine_outcome *oc) {
        struct machine_entry *v = realloc(l->v, (l->n + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        l->v = v;
        l->v[l->n] = (struct machine_entry){ .m = *m, .ended = oc != NULL };
        if (oc)
                l->v[l->n].oc = *oc;
        l->n++;
        return 0;
}

static int collect(const struct machine_info *m, void *userdata) {
        return add_entry(userdata, m, NULL);
}

static int collect_ended(const struct machine_info *m, const struct machine_outcome *oc, void *userdata) {
        struct machine_list *l = userdata;

        /* A record whose name runs again is being replaced: the running one counts. */
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].m.name, m->name))
                        return 0;
        return add_entry(l, m, oc);
}

static int cmp_name(const void *a, const void *b) {
        return strcmp(((const struct machine_entry *) a)->m.name, ((const struct machine_entry *) b)->m.name);
}

struct list_flags {
        bool json, no_legend, quiet, all;
};

/* --json, --no-legend, -q (names only) and --all (ended ones too), as
 * machinectl's listing verbs; status takes --json only. */
static int parse_simple(int argc, char **argv, struct list_flags *f, bool listing, const char *usage) {
        static const struct option opts[] = { { "json", no_argument, NULL, 'j' },  { "no-legend", no_argument, NULL, 'L' },
                                              { "quiet", no_argument, NULL, 'q' }, { "all", no_argument, NULL, 'a' },
                                              { "help", no_argument, NULL, 'h' },  {} };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hq", opts, NULL)) >= 0)
                switch (c) {
                case 'j':
                        f->json = true;
                        break;
                case 'L':
                        f->no_legend = true;
                        break;
                case 'a':
                        f->all = true;
                        break;
                case 'q':
                        f->quiet = true;
                        break;
                case 'h': printf("Usage: nixbox %s\n", usage); exit(0);
                default: return -1;
                }
        if (!listing && (f->no_legend || f->quiet || f->all)) {
                log_error("%s: --no-legend, -q and --all are options of listing verbs", argv[0]);
                return -1;
        }
        return 0;
}

/* "exit 3", "SIGKILL", "reboot", "failed 125": how an ended machine ended, short. */
static const char *format_result(const struct machine_outcome *oc, char *buf, size_t size) {
        char sig[32];

        if (streq(oc->result, "exited"))
                snprintf(buf, size, "exit %d", oc->exit_code);
        else if (streq(oc->result, "signal"))
                snprintf(buf, size, "%s", signal_to_string(oc->signal, sig, sizeof(sig)));
        else
                snprintf(buf, size, "%s %d", oc->result, oc->exit_code);
        return buf;
}

int verb_list(int argc, char **argv) {
        struct machine_list l = {0};
        struct list_flags f = { 0 };
        const char *head[] = { "NAME", "STATE", "PID", "UIDS", "ADDRESSES", "UPTIME", "ROOT", "RESULT" };
        int w[8];
        size_t ncol;
        int r;

        if (parse_simple(argc, argv, &f, true, "list [--all] [--json] [--no-legend] [-q]\n  -q, --quiet  names only") < 0)
                return EXIT_NIXBOX_ERROR;
        if (optind < argc) {
                log_error("list: unexpected argument '%s'", argv[optind]);
                return EXIT_NIXBOX_ERROR;
        }
        machines_sweep_stale();
        r = machine_state_foreach(collect, &l);
        if (r >= 0 && f.all)
                r = outcome_foreach(collect_ended, &l);
        if (r < 0) {
                log_error("list the containers: %s", strerror(-r));
                free(l.v);
                return EXIT_NIXBOX_ERROR;
        }
        if (l.v)
                qsort(l.v, l.n, sizeof(*l.v), cmp_name);

        if (f.json) {
                fputc('[', stdout);
                for (size_t i = 0; i < l.n; i++) {
                        fputs(i ? "," : "", stdout);
                        machine_json(stdout, &l.v[i].m, l.v[i].ended ? &l.v[i].oc : NULL);
                        fputc('}', stdout);
                }
                fputs("]\n", stdout);
                free(l.v);
                return 0;
        }
        if (f.quiet) {
                for (size_t i = 0; i < l.n; i++)
                        printf("%s\n", l.v[i].m.name);
                free(l.v);
                return 0;
        }
        if (l.n == 0) {
                if (!f.no_legend)
                        printf(f.all ? "No containers.\n" : "No running containers.\n");
                return 0;
        }
        /* RESULT only with --all: the columns of a plain list stay as they were. */
        ncol = f.all ? 8 : 7;
        for (size_t k = 0; k < ncol; k++)
                w[k] = (int) strlen(head[k]);
        for (int pass = 0; pass < 2; pass++) {
                if (pass == 1 && !f.no_legend) {
                        printf("%-*s  %-*s  %*s  %-*s  %-*s  %-*s  ", w[0], head[0], w[1], head[1], w[2], head[2], w[3], head[3],
                               w[4], head[4], w[5], head[5]);
                        if (f.all)
                                printf("%-*s  %s\n", w[6], head[6], head[7]);
                        else
                                printf("%s\n", head[6]);
                }
                for (size_t i = 0; i < l.n; i++) {
                        const struct machine_info *m = &l.v[i].m;
                        char pid[16], uids[32], up[32], res[64];
                        const char *raw[8] = { m->name,
                                               m->state,
                                               pid,
                                               uids,
                                               m->addresses[0] ? m->addresses : "-",
                                               format_span(uptime_usec(m), up, sizeof(up)),
                                               m->root,
                                               l.v[i].ended ? format_result(&l.v[i].oc, res, sizeof(res)) : "-" };
                        char *cols[8] = { 0 };
                        if (l.v[i].ended)
                                snprintf(pid, sizeof(pid), "-");
                        else
                                snprintf(pid, sizeof(pid), "%d", m->leader);
                        format_uids(m, uids, sizeof(uids));
                        /* Nothing reaches the terminal unescaped. */
                        for (size_t k = 0; k < ncol; k++)
                                cols[k] = cescape(raw[k]);
                        for (size_t k = 0; k < ncol; k++)
                                if (!cols[k]) {
                                        log_error("list: out of memory");
                                        for (size_t j = 0; j < ncol; j++)
                                                free(cols[j]);
                                        free(l.v);
                                        return EXIT_NIXBOX_ERROR;
                                }
                        if (pass == 0) {
                                for (size_t k = 0; k < ncol; k++)
                                        if ((int) strlen(cols[k]) > w[k])
                                                w[k] = (int) strlen(cols[k]);
                        } else {
                                printf("%-*s  %-*s  %*s  %-*s  %-*s  %-*s  ", w[0], cols[0], w[1], cols[1], w[2], cols[2], w[3],
                                       cols[3], w[4], cols[4], w[5], cols[5]);
                                if (f.all)
                                        printf("%-*s  %s\n", w[6], cols[6], cols[7]);
                                else
                                        printf("%s\n", cols[6]);
                        }
                        for (size_t k = 0; k < ncol; k++)
                                free(cols[k]);
                }
        }
        free(l.v);
        return 0;
}

/* "PID (comm)", or "PID (gone)" when the registered process is not running. */
static const char *describe_pid(pid_t pid, unsigned long long start, char *buf, size_t size) {
        char path[64], comm[64] = "?";
        FILE *f;

        if (pid_start_time(pid) != start) {
                snprintf(buf, size, "%d (gone)", pid);
                return buf;
        }
        snprintf(path, sizeof(path), "/proc/%d/comm", pid);
        f = fopen(path, "re");
        if (f) {
                if (fgets(comm, sizeof(comm), f))
                        comm[strcspn(comm, "\n")] = 0;
                fclose(f);
        }
        _cleanup_free_ char *e = cescape(comm);
        snprintf(buf, size, "%d (%s)", pid, e ? e : "?");
        return buf;
}

/* A "LABEL VALUE" line of status, the value escaped (escape.h). */
static void print_escaped(const char *label, const char *s) {
        _cleanup_free_ char *e = cescape(s);
        printf("%s%s\n", label, e ? e : "?");
}

void machine_print_status_json(const struct machine_info *m, const struct machine_outcome *oc) {
        char mount[256] = "";

        machine_json(stdout, m, oc);
        fputs(",\"cgroup_tree\":", stdout);
        if (!oc && m->cgroup[0] && cg_find_mount(mount, sizeof(mount)) == 0)
                cgtree_print_json(stdout, m->cgroup, mount);
        else
                fputs("[]", stdout);
        fputs("}\n", stdout);
}

static int print_ended_json(const struct machine_info *m, const struct machine_outcome *oc) {
        machine_print_status_json(m, oc);
        return 0;
}

static const char *format_time(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        localtime_r(&t, &tm);
        strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm);
        return buf;
}

/* status of an ended machine: its outcome record. */
static int print_ended(const struct machine_info *m, const struct machine_outcome *oc) {
        char buf[512], since[64], until[64];

        print_escaped("", m->name);
        printf("       State: ended\n");
        if (streq(oc->result, "exited"))
                printf("      Result: exited with status %d\n", oc->exit_status >= 0 ? oc->exit_status : oc->exit_code);
        else if (streq(oc->result, "signal"))
                printf("      Result: killed by %s\n", signal_to_string(oc->signal, buf, sizeof(buf)));
        else if (streq(oc->result, "reboot"))
                printf("      Result: rebooted (--on-reboot=exit)\n");
        else if (streq(oc->result, "abandoned"))
                printf("      Result: abandoned: its nixbox was killed, its guard ended it%s\n", oc->signal ? " with SIGKILL" : "");
        else
                print_escaped("      Result: ", oc->result);
        printf("   Exit code: %d\n", oc->exit_code);
        if (oc->stop_request[0])
                print_escaped("Stop request: ", oc->stop_request);
        if (oc->error[0])
                print_escaped("       Error: ", oc->error);
        if (m->status[0])
                print_escaped(" Last status: ", m->status);
        printf("       Since: %s\n", format_time(m->start_usec, since, sizeof(since)));
        printf("       Ended: %s; ran %s\n", format_time(oc->end_usec, until, sizeof(until)),
               format_span(uptime_usec(m), buf, sizeof(buf)));
        if (oc->restarts)
                printf("    Restarts: %u\n", oc->restarts);
        printf("        Mode: %s\n", m->boot ? "boot (init as PID 1)" : "command");
        print_escaped("        Root: ", m->root);
        if (m->log[0])
                print_escaped("         Log: ", m->log);
        print_escaped(" Recorded by: ", oc->recorded_by);
        return 0;
}

int verb_status(int argc, char **argv) {
        struct machine_info m;
        struct nb_error err = {0};
        char mount[256] = "", buf[512], since[64];
        struct list_flags f = { 0 };
        time_t t;
        struct tm tm;

        if (parse_simple(argc, argv, &f, false, "status NAME [--json]") < 0)
                return EXIT_NIXBOX_ERROR;
        if (optind + 1 != argc) {
                log_error("status: expected one container name; see 'nixbox status --help'");
                return EXIT_NIXBOX_ERROR;
        }
        machines_sweep_stale();
        if (machine_lookup(argv[optind], &m, &err) < 0) {
                struct machine_outcome oc;
                /* Not running: how it ended, if that is kept. */
                if (outcome_read(argv[optind], &m, &oc) == 0)
                        return f.json ? print_ended_json(&m, &oc) : print_ended(&m, &oc);
                nb_error_set(&err, 0, "no running container named %s (nor a record of an ended one)", argv[optind]);
                nb_error_print(&err);
                return EXIT_NO_MACHINE;
        }
        (void) cg_find_mount(mount, sizeof(mount));

        if (f.json) {
                machine_print_status_json(&m, NULL);
                return 0;
        }

        t = (time_t) (m.start_usec / 1000000);
        localtime_r(&t, &tm);
        strftime(since, sizeof(since), "%a %Y-%m-%d %H:%M:%S %Z", &tm);
        /* The status text is the container's; every string is escaped. */
        print_escaped("", m.name);
        print_escaped("       State: ", m.state);
        if (m.status[0])
                print_escaped("      Status: ", m.status);
        printf("       Since: %s; %s ago\n", since, format_span(uptime_usec(&m), buf, sizeof(buf)));
        printf("        Mode: %s\n", m.boot ? "boot (init as PID 1)" : "command");
        printf("      Leader: %s\n", describe_pid(m.leader, m.leader_start, buf, sizeof(buf)));
        printf("  Supervisor: %s\n", describe_pid(m.supervisor, m.supervisor_start, buf, sizeof(buf)));
        print_escaped("        Root: ", m.root);
        if (m.uid_range)
                printf("        UIDs: %u..%u (%u, container root = host uid %u)\n", m.uid_shift,
                       m.uid_shift + m.uid_range - 1, m.uid_range, m.uid_shift);
        else
                printf("        UIDs: the host's (no user namespace)\n");
        if (m.addresses[0])
                print_escaped("   Addresses: ", m.addresses);
        printf(" Kill signal: %s\n", signal_to_string(m.kill_signal, buf, sizeof(buf)));
        if (m.log[0])
                print_escaped("         Log: ", m.log);
        if (m.cgroup[0]) {
                printf("      CGroup: ");
                cgtree_print(stdout, m.cgroup, mount, "              ", 100);
        }
        return 0;
}

/* SEC[.FRAC][ms|s|min|h] or "infinity" (-1); milliseconds or -EINVAL. */
long long parse_timeout_ms(const char *s) {
        static const struct { const char *suffix; double ms; } units[] = {
                { "ms", 1 }, { "s", 1000 }, { "sec", 1000 }, { "min", 60000 }, { "m", 60000 }, { "h", 3600000 }, { "", 1000 },
        };
        char *end;
        double v;

        if (streq(s, "infinity"))
                return -1;
        errno = 0;
        v = strtod(s, &end);
        if (errno || end == s || v < 0 || !isfinite(v) || *s == '-' || *s == '+')
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (streq(end, units[i].suffix)) {
                        double ms = v * units[i].ms;
                        return ms > 1e15 ? -EINVAL : (long long) ms;
                }
        return -EINVAL;
}

enum stop_action { ACT_STOP, ACT_POWEROFF, ACT_REBOOT, ACT_TERMINATE, ACT_KILL };
static const char *const action_names[] = { "stop", "poweroff", "reboot", "terminate", "kill" };

struct stop_request {
        enum stop_action action;
        int signal;            /* kill: --signal */
        long long timeout_ms;  /* stop: --timeout, -1 = forever */
};

static int action_signal(enum stop_action action, bool boot, int kill_signal, int kill_verb_signal) {
        switch (action) {
        case ACT_STOP:      return kill_signal > 0 ? kill_signal : (boot ? SIG_SD_HALT : SIGTERM);
        /* A command's init-shim ignores SIGRTMIN+4: use its kill signal. */
        case ACT_POWEROFF:  return boot ? SIG_SD_POWEROFF : (kill_signal > 0 ? kill_signal : SIGTERM);
        case ACT_REBOOT:    return SIGINT;
        case ACT_TERMINATE: return SIGKILL;
        default:            return kill_verb_signal;
        }
}

int machine_stop_signal(const char *verb, bool boot, int kill_signal) {
        static const char *const verbs[] = { "stop", "poweroff", "reboot", "terminate" };

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verb, verbs[i]))
                        return action_signal((enum stop_action) i, boot, kill_signal, 0);
        return -EINVAL;
}

/* Sends the action's signal to NAME's PID 1; stop and terminate then wait
 * until its nixbox has ended (and so cleaned up). */
static int stop_one(const char *name, const struct stop_request *req) {
        struct machine_target t;
        struct nb_error err = {0};
        char sigbuf[16];
        int sig, r, supervisor = -1, ret = 0;

        r = machine_target_open(name, &t, &err);
        if (r < 0) {
                nb_error_print(&err);
                return r == -ENOENT ? EXIT_NO_MACHINE : EXIT_NIXBOX_ERROR;
        }
        sig = action_signal(req->action, t.m.boot, t.m.kill_signal, req->signal);
        /* Before the signal: the outcome record says what asked for the end. */
        r = machine_state_note_stop_request(name, action_names[req->action]);
        if (r < 0)
                log_debug("record the %s request of %s: %s", action_names[req->action], name, strerror(-r));
        if (req->action == ACT_STOP || req->action == ACT_TERMINATE) {
                supervisor = pidfd_open_checked(t.m.supervisor, t.m.supervisor_start);
                if (supervisor < 0) {
                        log_error("container %s: its nixbox (pid %d) is not running", name, t.m.supervisor);
                        machine_target_close(&t);
                        return EXIT_NIXBOX_ERROR;
                }
        }
        r = pidfd_signal(t.leader_pidfd, sig);
        if (r < 0 && r != -ESRCH) {
                log_error("send %s to container %s (pid %d): %s", signal_to_string(sig, sigbuf, sizeof(sigbuf)),
                          name, t.m.leader, strerror(-r));
                ret = EXIT_NIXBOX_ERROR;
                goto out;
        }
        if (supervisor < 0)
                goto out;
        if (req->action == ACT_STOP && pidfd_wait_exit(supervisor, req->timeout_ms) == 0)
                goto out;
        if (req->action == ACT_STOP) {
                log_warn("container %s did not stop within the timeout; killing it", name);
                pidfd_signal(t.leader_pidfd, SIGKILL);
        }
        if (pidfd_wait_exit(supervisor, KILL_WAIT_MS) < 0) {
                log_error("container %s: its nixbox (pid %d) did not end within %lld s after its init was killed",
                          name, t.m.supervisor, KILL_WAIT_MS / 1000);
                ret = EXIT_NIXBOX_ERROR;
        }
out:
        if (supervisor >= 0)
                close(supervisor);
        machine_target_close(&t);
        return ret;
}

int verb_stop(int argc, char **argv) {
        static const struct option opts[] = {
                { "timeout", required_argument, NULL, 't' },
                { "signal", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        static const struct {
                const char *verb;
                enum stop_action action;
                const char *usage;
        } verbs[] = {
                { "stop", ACT_STOP, "stop NAME... [-t|--timeout=SEC]   (default 30 s; \"infinity\" waits forever)" },
                { "poweroff", ACT_POWEROFF, "poweroff NAME..." },
                { "reboot", ACT_REBOOT, "reboot NAME..." },
                { "terminate", ACT_TERMINATE, "terminate NAME..." },
                { "kill", ACT_KILL, "kill NAME... [--signal=SIGNAL]   (default SIGTERM)" },
        };
        struct stop_request req = { .signal = SIGTERM, .timeout_ms = STOP_TIMEOUT_DEFAULT_MS };
        const char *verb = argv[0], *usage = NULL;
        int c, ret = 0;

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verb, verbs[i].verb)) {
                        req.action = verbs[i].action;
                        usage = verbs[i].usage;
                }
        assert(usage);
        optind = 0;
        while ((c = getopt_long(argc, argv, "hs:t:", opts, NULL)) >= 0)
                switch (c) {
                case 't':
                        if (req.action != ACT_STOP) {
                                log_error("%s: --timeout is an option of stop only", verb);
                                return EXIT_NIXBOX_ERROR;
                        }
                        req.timeout_ms = parse_timeout_ms(optarg);
                        if (req.timeout_ms < -1) {
                                log_error("%s: invalid --timeout '%s' (seconds, or with ms, s, min, h; or infinity)", verb, optarg);
                                return EXIT_NIXBOX_ERROR;
                        }
                        break;
                case 's':
                        if (req.action != ACT_KILL) {
                                log_error("%s: --signal is an option of kill only", verb);
                                return EXIT_NIXBOX_ERROR;
                        }
                        req.signal = parse_signal(optarg);
                        if (req.signal < 0) {
                                log_error("%s: invalid signal '%s'", verb, optarg);
                                return EXIT_NIXBOX_ERROR;
                        }
                        break;
                case 'h':
                        printf("Usage: nixbox %s\n", usage);
                        return 0;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        if (optind >= argc) {
                log_error("%s: expected a container name; see 'nixbox %s --help'", verb, verb);
                return EXIT_NIXBOX_ERROR;
        }
        machines_sweep_stale();
        for (int i = optind; i < argc; i++) {
                int r = stop_one(argv[i], &req);
                if (r != 0 && (ret == 0 || r > ret))
                        ret = r;
        }
        return ret;
}

/* Copies what is readable from fd to stdout, control characters other
 * than \n, \r and \t escaped unless raw (the output may be a terminal, or
 * reach one through a pager); -errno on a read error. */
static int copy_out(int fd, bool raw) {
        static char buf[65536];
        static size_t kept;     /* a UTF-8 character cut by the last read */
        ssize_t n;

        while ((n = read(fd, buf + kept, sizeof(buf) - kept)) > 0) {
                size_t len = kept + (size_t) n, done;
                if (raw)
                        done = fwrite(buf, 1, len, stdout) == len ? len : 0;
                else
                        done = write_escaped_controls(stdout, buf, len, true);
                if (ferror(stdout))
                        return -EPIPE;
                kept = len - done;
                memmove(buf, buf + done, kept);
        }
        if (n == 0 && kept && !raw) {
                write_escaped_controls(stdout, buf, kept, false);
                kept = 0;
        }
        fflush(stdout);
        return n < 0 ? -errno : ferror(stdout) ? -EPIPE : 0;
}

int verb_logs(int argc, char **argv) {
        static const struct option opts[] = {
                { "follow", no_argument, NULL, 'f' },
                { "raw", no_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct machine_info m;
        struct nb_error err = {0};
        _cleanup_close_ int fd = -1, supervisor = -1;
        bool follow = false, raw = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "fh", opts, NULL)) >= 0)
                switch (c) {
                case 'f': follow = true; break;
                case 'r': raw = true; break;
                case 'h': printf("Usage: nixbox logs NAME [-f|--follow] [--raw]\n"); return 0;
                default: return EXIT_NIXBOX_ERROR;
                }
        if (optind + 1 != argc) {
                log_error("logs: expected one container name; see 'nixbox logs --help'");
                return EXIT_NIXBOX_ERROR;
        }
        machines_sweep_stale();
        if (machine_lookup(argv[optind], &m, &err) < 0) {
                struct machine_outcome oc;
                /* An ended container's log is kept with its outcome; nothing follows it. */
                if (outcome_read(argv[optind], &m, &oc) < 0) {
                        nb_error_set(&err, 0, "no running container named %s (nor a record of an ended one)", argv[optind]);
                        nb_error_print(&err);
                        return EXIT_NO_MACHINE;
                }
                follow = false;
        }
        if (!m.log[0]) {
                log_error("container %s has no console log (only 'nixbox run --detach' writes one)", m.name);
                return EXIT_NIXBOX_ERROR;
        }
        /* Opened before the supervisor check: once it ends, the file is
         * unlinked, but what it wrote stays readable through fd. */
        fd = open(m.log, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
                log_error("open the console log %s: %s", m.log, strerror(errno));
                return EXIT_NIXBOX_ERROR;
        }
        /* The log is capped: the older part, if any, is console.log.1. */
        {
                char older[sizeof(m.log) + 2];
                _cleanup_close_ int ofd = -1;
                snprintf(older, sizeof(older), "%s.1", m.log);
                ofd = open(older, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (ofd >= 0 && copy_out(ofd, raw) == -EPIPE)
                        return 0;
        }
        if (follow)
                supervisor = pidfd_open_checked(m.supervisor, m.supervisor_start);
        for (;;) {
                struct stat a, b;
                r = copy_out(fd, raw);
                if (r < 0) {
                        if (r != -EPIPE)
                                log_error("read the console log %s: %s", m.log, strerror(-r));
                        return r == -EPIPE ? 0 : EXIT_NIXBOX_ERROR;
                }
                if (!follow || supervisor < 0)
                        return 0;
                /* Rotated: what we read became console.log.1; go on with
                 * the fresh one. */
                if (stat(m.log, &a) == 0 && fstat(fd, &b) == 0 && a.st_ino != b.st_ino) {
                        int nfd = open(m.log, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (nfd >= 0) {
                                copy_out(fd, raw);
                                close(fd);
                                fd = nfd;
                                continue;
                        }
                }
                if (pidfd_wait_exit(supervisor, 200) == 0) {
                        copy_out(fd, raw);     /* its last words */
                        return 0;
                }
        }
}
