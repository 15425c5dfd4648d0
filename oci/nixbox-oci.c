/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nixbox-oci: runc's command line over nixbox's set-up code, so that
 * container engines (podman with conmon, containerd's runc shim, CRI-O)
 * can use nixbox as their OCI runtime. State lives in --root/ID/
 * (state.json, config.json, exec.fifo) and survives the caller. Errors
 * are printed as runc prints them (exit status 1; with --log-format=json,
 * JSON lines in the --log file) because engines parse them. */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "json-out.h"
#include "log.h"
#include "oci.h"

static const char *state_root = OCI_DEFAULT_ROOT;
static const char *log_path;
static bool log_json;
static FILE *log_file;

static void now_rfc3339(char *buf, size_t size) {
        struct timespec ts;
        struct tm tm;
        size_t n;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

static void log_vwrite(const char *level, const char *fmt, va_list ap) {
        char t[64], msg[2048];

        vsnprintf(msg, sizeof(msg), fmt, ap);
        now_rfc3339(t, sizeof(t));
        if (log_file) {
                if (log_json) {
                        fprintf(log_file, "{\"level\":\"%s\",\"msg\":", level);
                        json_string(log_file, msg);
                        fprintf(log_file, ",\"time\":\"%s\"}\n", t);
                } else {
                        fprintf(log_file, "time=\"%s\" level=%s msg=", t, level);
                        json_string(log_file, msg);
                        fputc('\n', log_file);
                }
                fflush(log_file);
        }
        if (streq(level, "error") || (streq(level, "warning") && !log_file))
                fprintf(stderr, "%s%s\n", streq(level, "warning") ? "warning: " : "", msg);
        else if (streq(level, "debug") && log_debug_level > 0 && !log_file)
                fprintf(stderr, "debug: %s\n", msg);
}

void oci_log(const char *level, const char *fmt, ...) {
        va_list ap;

        if (streq(level, "debug") && log_debug_level <= 0)
                return;
        va_start(ap, fmt);
        log_vwrite(level, fmt, ap);
        va_end(ap);
}

/* runc's error exit: the message once, status 1. */
static int fail_err(const struct nb_error *e) {
        if (e->errnum && e->errnum != EINVAL && e->errnum != EOPNOTSUPP)
                oci_log("error", "%s: %s", e->msg, strerror(e->errnum));
        else
                oci_log("error", "%s", e->msg);
        return 1;
}

static int fail(const char *fmt, ...) _printf_(1, 2);
static int fail(const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        log_vwrite("error", fmt, ap);
        va_end(ap);
        return 1;
}

/* ---- state ------------------------------------------------------------ */

struct state {
        char id[256];
        char dir[4200];
        pid_t pid;
        unsigned long long starttime;
        char bundle[4096], rootfs[4096], created[64], cgroup[600];
        json_object *json;
};

static bool valid_id(const char *id) {
        if (!*id || strlen(id) > 200 || streq(id, ".") || streq(id, ".."))
                return false;
        for (const char *p = id; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_+-.", *p)))
                        return false;
        return true;
}

static unsigned long long proc_starttime(pid_t pid) {
        char path[64], buf[1024], *p;
        unsigned long long v = 0;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        if (read_string_file(path, buf, sizeof(buf)) < 0)
                return 0;
        p = strrchr(buf, ')');
        /* Fields after the command: state is 3, starttime 22. */
        for (int field = 2; p && field < 22; field++)
                p = strchr(p + 1, ' ');
        if (p)
                sscanf(p + 1, "%llu", &v);
        return v;
}

static bool proc_zombie(pid_t pid) {
        char path[64], buf[1024], *p;

        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        if (read_string_file(path, buf, sizeof(buf)) < 0)
                return true;
        p = strrchr(buf, ')');
        return !p || p[2] == 'Z' || p[2] == 'X';
}

static bool state_alive(const struct state *s) {
        return s->pid > 0 && proc_starttime(s->pid) == s->starttime && !proc_zombie(s->pid);
}

static const char *state_status(const struct state *s) {
        char path[4300], v[16];

        if (!state_alive(s))
                return "stopped";
        snprintf(path, sizeof(path), "%s/exec.fifo", s->dir);
        if (access(path, F_OK) == 0)
                return "created";
        snprintf(path, sizeof(path), "%s/cgroup.freeze", s->cgroup);
        if (read_string_file(path, v, sizeof(v)) > 0 && v[0] == '1')
                return "paused";
        return "running";
}

static int state_load(const char *id, struct state *s, struct nb_error *err) {
        char path[4300];
        json_object *v;

        memset(s, 0, sizeof(*s));
        if (!valid_id(id))
                return nb_error_set(err, EINVAL, "invalid container id %s", id);
        snprintf(s->id, sizeof(s->id), "%s", id);
        snprintf(s->dir, sizeof(s->dir), "%s/%s", state_root, id);
        snprintf(path, sizeof(path), "%s/state.json", s->dir);
        s->json = json_object_from_file(path);
        if (!s->json)
                return nb_error_set(err, 0, "container \"%s\" does not exist", id);
        if (json_object_object_get_ex(s->json, "pid", &v))
                s->pid = json_object_get_int(v);
        if (json_object_object_get_ex(s->json, "starttime", &v))
                s->starttime = json_object_get_uint64(v);
#define STR(key, field)                                  \
        if (json_object_object_get_ex(s->json, key, &v)) \
                snprintf(s->field, sizeof(s->field), "%s", json_object_get_string(v));
        STR("bundle", bundle)
        STR("rootfs", rootfs)
        STR("created", created)
        STR("cgroup", cgroup)
#undef STR
        return 0;
}

static void state_free(struct state *s) {
        if (s->json)
                json_object_put(s->json);
        s->json = NULL;
}

/* The spec's state object (also what hooks read on stdin). */
static json_object *state_public(const struct state *s, const char *status) {
        json_object *o = json_object_new_object(), *a;

        json_object_object_add(o, "ociVersion", json_object_new_string(OCI_VERSION));
        json_object_object_add(o, "id", json_object_new_string(s->id));
        json_object_object_add(o, "pid", json_object_new_int(streq(status, "stopped") ? 0 : s->pid));
        json_object_object_add(o, "status", json_object_new_string(status));
        json_object_object_add(o, "bundle", json_object_new_string(s->bundle));
        json_object_object_add(o, "rootfs", json_object_new_string(s->rootfs));
        json_object_object_add(o, "created", json_object_new_string(s->created));
        json_object_object_add(o, "owner", json_object_new_string(""));
        if (s->json && json_object_object_get_ex(s->json, "annotations", &a))
                json_object_object_add(o, "annotations", json_object_get(a));
        return o;
}

static int write_file_atomic(const char *path, const char *data, struct nb_error *err) {
        char tmp[4400];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(data);

        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return nb_error_set(err, errno, "create %s", tmp);
        if (write(fd, data, len) != (ssize_t) len || fsync(fd) < 0)
                return nb_error_set(err, errno, "write %s", tmp);
        if (rename(tmp, path) < 0)
                return nb_error_set(err, errno, "rename %s", tmp);
        return 0;
}

/* Removes the state directory: its few known files, then itself. */
static void state_dir_remove(const char *dir) {
        static const char *const files[] = { "state.json", "state.json.tmp", "config.json", "exec.fifo" };
        char path[4400];

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                (void) unlink(path);
        }
        (void) rmdir(dir);
}

/* Runs hooks in the runtime's namespaces with the state on stdin. */
static int run_hooks(const struct oci_config *c, int kind, const struct state *s, const char *status, struct nb_error *err) {
        for (size_t i = 0; c && i < c->n_hooks[kind]; i++) {
                const struct oci_hook *h = &c->hooks[kind][i];
                json_object *o = state_public(s, status);
                const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
                char *dflt[] = { h->path, NULL };
                int p[2], status_code;
                pid_t pid;

                if (pipe2(p, O_CLOEXEC) < 0) {
                        json_object_put(o);
                        return nb_error_set(err, errno, "pipe");
                }
                pid = fork();
                if (pid == 0) {
                        dup2(p[0], 0);
                        if (h->timeout)
                                alarm((unsigned) h->timeout);
                        execve(h->path, h->args ? h->args : dflt, h->env ? h->env : (char *[]){ NULL });
                        _exit(127);
                }
                close(p[0]);
                (void) !write(p[1], text, strlen(text));
                close(p[1]);
                json_object_put(o);
                if (pid < 0 || waitpid(pid, &status_code, 0) < 0 || !WIFEXITED(status_code) || WEXITSTATUS(status_code))
                        return nb_error_set(err, ECANCELED, "hook %s failed", h->path);
        }
        return 0;
}

/* ---- option parsing --------------------------------------------------- */

/* Takes "--name VALUE" or "--name=VALUE" (or a short alias) at argv[*i]. */
static bool opt_value(int argc, char **argv, int *i, const char *name, const char *alias, const char **out) {
        size_t n = strlen(name);
        const char *a = argv[*i];

        if (a[0] == '-' && a[1] == '-' && strncmp(a, name, n) == 0 && a[n] == '=') {
                *out = a + n + 1;
                return true;
        }
        if ((streq(a, name) || (alias && streq(a, alias))) && *i + 1 < argc) {
                *out = argv[++*i];
                return true;
        }
        return false;
}

static bool opt_flag(const char *a, const char *name, const char *alias) {
        return streq(a, name) || (alias && streq(a, alias)) || (startswith(a, name) && streq(a + strlen(name), "=true"));
}

/* ---- create / start / run --------------------------------------------- */

struct create_args {
        const char *id, *bundle, *pid_file, *console_socket;
        bool no_pivot, detach;
        int preserve_fds;
};

static int write_maps(pid_t pid, const char *file, const struct oci_idmap *m, size_t n, struct nb_error *err) {
        char path[64], buf[8192];
        size_t len = 0;

        for (size_t i = 0; i < n && len < sizeof(buf) - 40; i++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container, m[i].host, m[i].size);
        snprintf(path, sizeof(path), "/proc/%d/%s", (int) pid, file);
        if (n == 0)
                return nb_error_set(err, EINVAL, "config.json: a new user namespace needs linux.%s",
                                    streq(file, "uid_map") ? "uidMappings" : "gidMappings");
        int r = write_string_file(path, buf);
        return r < 0 ? nb_error_set(err, r, "write %s", path) : 0;
}

static int connect_console(const char *path, struct nb_error *err) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;

        if (strlen(path) >= sizeof(sa.sun_path))
                return nb_error_set(err, ENAMETOOLONG, "--console-socket %s", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return nb_error_set(err, errno, "connect to the console socket %s", path);
        return TAKE_FD(fd);
}

static int recv_msg(int fd, struct oci_msg *m) {
        ssize_t n = recv(fd, m, sizeof(*m), 0);

        return n == (ssize_t) sizeof(*m) ? 0 : -EPIPE;
}

/* create: returns 0 with the container waiting on exec.fifo, its pid in *pid. */
static int do_create(const struct create_args *a, pid_t *pid_out, struct nb_error *err) {
        struct oci_config c;
        struct oci_child ch = { .c = &c, .console_fd = -1, .no_pivot = a->no_pivot, .preserve_fds = a->preserve_fds };
        struct state s = { 0 };
        char dir[4200], path[4400], cgroup[600] = "", text[64];
        _cleanup_close_ int sync_parent = -1;
        int sv[2], r;
        pid_t a_pid = -1, pid = -1;
        json_object *st;
        struct oci_msg msg;
        bool dir_made = false, cg_made = false;

        for (size_t i = 0; i < ELEMENTSOF(ch.ns_fds); i++)
                ch.ns_fds[i] = -1;
        if (!valid_id(a->id))
                return nb_error_set(err, EINVAL, "invalid container id %s", a->id);
        if (snprintf_ok(path, sizeof(path), "%s/", state_root) < 0)
                return nb_error_set(err, ENAMETOOLONG, "--root %s", state_root);
        /* The state root and its parents (containerd's shim passes /run/containerd/runc/NAMESPACE). */
        for (char *p = path; (p = strchr(p + 1, '/'));) {
                *p = 0;
                if (mkdir(path, 0711) < 0 && errno != EEXIST)
                        return nb_error_set(err, errno, "create %s", path);
                *p = '/';
        }
        if (mkdir(state_root, 0711) < 0 && errno != EEXIST)
                return nb_error_set(err, errno, "create the state root %s", state_root);
        snprintf(dir, sizeof(dir), "%s/%s", state_root, a->id);
        if (mkdir(dir, 0711) < 0)
                return errno == EEXIST ? nb_error_set(err, 0, "container with id exists: %s", a->id)
                                       : nb_error_set(err, errno, "create the state directory %s", dir);
        dir_made = true;
        r = oci_config_load(a->bundle, &c, err);
        if (r < 0)
                goto fail;
        snprintf(path, sizeof(path), "%s/config.json", c.bundle);
        {
                _cleanup_free_ char *copy = NULL;
                snprintf(path, sizeof(path), "%s/config.json", dir);
                r = write_file_atomic(path, json_object_to_json_string_ext(c.json, JSON_C_TO_STRING_PLAIN), err);
                if (r < 0)
                        goto fail;
        }
        r = oci_cgroup_path(&c, a->id, cgroup, sizeof(cgroup), err);
        if (r < 0)
                goto fail;
        snprintf(path, sizeof(path), "%s/exec.fifo", dir);
        if (mkfifo(path, 0600) < 0) {
                r = nb_error_set(err, errno, "mkfifo %s", path);
                goto fail;
        }
        /* The container's root (a shifted uid in a user namespace) reopens it. */
        for (size_t i = 0; i < c.n_uid_maps; i++)
                if (c.uid_maps[i].container == 0 && chown(path, c.uid_maps[i].host, (gid_t) -1) < 0) {
                        r = nb_error_set(err, errno, "chown %s", path);
                        goto fail;
                }
        ch.fifo_fd = open(path, O_PATH | O_CLOEXEC);
        ch.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (ch.fifo_fd < 0 || ch.proc_fd < 0) {
                r = nb_error_set(err, errno, "open %s", path);
                goto fail;
        }
        if (a->console_socket) {
                ch.console_fd = connect_console(a->console_socket, err);
                if (ch.console_fd < 0) {
                        r = ch.console_fd;
                        goto fail;
                }
        }
        for (size_t i = 0; i < c.n_namespaces; i++)
                if (c.namespaces[i].path) {
                        ch.ns_fds[i] = open(c.namespaces[i].path, O_RDONLY | O_CLOEXEC);
                        if (ch.ns_fds[i] < 0) {
                                r = nb_error_set(err, errno, "config.json: linux.namespaces: open %s", c.namespaces[i].path);
                                goto fail;
                        }
                }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
                r = nb_error_set(err, errno, "socketpair");
                goto fail;
        }
        sync_parent = sv[0];
        ch.sync_fd = sv[1];
        fflush(NULL);
        a_pid = fork();
        if (a_pid < 0) {
                r = nb_error_set(err, errno, "fork");
                goto fail;
        }
        if (a_pid == 0) {
                close(sync_parent);
                oci_child_main(&ch);
        }
        close(ch.sync_fd);
        ch.sync_fd = -1;
        /* The first child joins the cgroup before it makes the cgroup
         * namespace, whose root is then the container's cgroup. */
        r = oci_cgroup_create(cgroup, &c.res, a_pid, err);
        cg_made = true;
        if (r < 0)
                goto fail;
        if (write(sync_parent, "g", 1) != 1) {
                r = nb_error_set(err, errno, "start the container's process");
                goto fail;
        }
        for (;;) {
                if (recv_msg(sync_parent, &msg) < 0) {
                        r = nb_error_set(err, EPIPE, "the container's process died during set-up");
                        goto fail;
                }
                if (msg.type == OCI_MSG_MAPS) {
                        if ((r = write_maps(a_pid, "uid_map", c.uid_maps, c.n_uid_maps, err)) < 0 ||
                            (r = write_maps(a_pid, "gid_map", c.gid_maps, c.n_gid_maps, err)) < 0)
                                goto fail;
                        if (write(sync_parent, "g", 1) != 1) {
                                r = nb_error_set(err, errno, "resume the container's process");
                                goto fail;
                        }
                } else if (msg.type == OCI_MSG_PID) {
                        pid = msg.pid;
                        (void) waitpid(a_pid, NULL, 0);
                        a_pid = -1;
                } else {
                        if (msg.err.errnum || msg.err.msg[0]) {
                                *err = msg.err;
                                r = -(msg.err.errnum ? msg.err.errnum : EIO);
                                goto fail;
                        }
                        break;
                }
        }
        if (pid <= 0) {
                r = nb_error_set(err, EPROTO, "no pid from the container's process");
                goto fail;
        }
        /* The device program once /dev is made (mknod is an access it
         * governs), before anything of the bundle runs: as runc orders it. */
        r = oci_cgroup_devices(cgroup, &c.res, err);
        if (r < 0)
                goto fail;

        /* The state, then the pid file: an engine reading the pid file finds the state. */
        snprintf(s.id, sizeof(s.id), "%s", a->id);
        snprintf(s.dir, sizeof(s.dir), "%s", dir);
        s.pid = pid;
        s.starttime = proc_starttime(pid);
        snprintf(s.bundle, sizeof(s.bundle), "%s", c.bundle);
        snprintf(s.rootfs, sizeof(s.rootfs), "%s", c.root_path);
        snprintf(s.cgroup, sizeof(s.cgroup), "%s", cgroup);
        now_rfc3339(s.created, sizeof(s.created));
        st = json_object_new_object();
        json_object_object_add(st, "id", json_object_new_string(s.id));
        json_object_object_add(st, "pid", json_object_new_int(pid));
        json_object_object_add(st, "starttime", json_object_new_uint64(s.starttime));
        json_object_object_add(st, "bundle", json_object_new_string(s.bundle));
        json_object_object_add(st, "rootfs", json_object_new_string(s.rootfs));
        json_object_object_add(st, "created", json_object_new_string(s.created));
        json_object_object_add(st, "cgroup", json_object_new_string(cgroup));
        if (c.annotations)
                json_object_object_add(st, "annotations", json_object_get(c.annotations));
        s.json = st;
        r = run_hooks(&c, HOOK_PRESTART, &s, "created", err);
        if (r >= 0)
                r = run_hooks(&c, HOOK_CREATE_RUNTIME, &s, "created", err);
        snprintf(path, sizeof(path), "%s/state.json", dir);
        if (r >= 0)
                r = write_file_atomic(path, json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN), err);
        state_free(&s);
        if (r < 0)
                goto fail;
        if (a->pid_file) {
                snprintf(text, sizeof(text), "%d", (int) pid);
                r = write_file_atomic(a->pid_file, text, err);
                if (r < 0)
                        goto fail;
        }
        if (write(sync_parent, "g", 1) != 1) {
                r = nb_error_set(err, errno, "release the container's process to wait on exec.fifo");
                goto fail;
        }
        *pid_out = pid;
        r = 0;
        goto out;
fail:
        if (a_pid > 0) {
                kill(a_pid, SIGKILL);
                (void) waitpid(a_pid, NULL, 0);
        }
        if (pid > 0)
                kill(pid, SIGKILL);
        if (cg_made)
                oci_cgroup_remove(cgroup);
        if (dir_made)
                state_dir_remove(dir);
out:
        if (ch.fifo_fd > 0)
                close(ch.fifo_fd);
        if (ch.proc_fd > 0)
                close(ch.proc_fd);
        if (ch.console_fd >= 0)
                close(ch.console_fd);
        for (size_t i = 0; i < ELEMENTSOF(ch.ns_fds); i++)
                if (ch.ns_fds[i] >= 0)
                        close(ch.ns_fds[i]);
        oci_config_free(&c);
        return r;
}

static int parse_create_args(int argc, char **argv, struct create_args *a, bool run) {
        const char *v;

        a->bundle = ".";
        for (int i = 0; i < argc; i++) {
                if (opt_value(argc, argv, &i, "--bundle", "-b", &a->bundle) ||
                    opt_value(argc, argv, &i, "--pid-file", NULL, &a->pid_file) ||
                    opt_value(argc, argv, &i, "--console-socket", NULL, &a->console_socket))
                        continue;
                if (opt_value(argc, argv, &i, "--preserve-fds", NULL, &v)) {
                        a->preserve_fds = atoi(v);
                        continue;
                }
                if (opt_flag(argv[i], "--no-pivot", NULL)) {
                        a->no_pivot = true;
                        continue;
                }
                if (run && opt_flag(argv[i], "--detach", "-d")) {
                        a->detach = true;
                        continue;
                }
                if (opt_flag(argv[i], "--no-new-keyring", NULL))
                        continue; /* nixbox never makes a session keyring */
                if (argv[i][0] == '-')
                        return fail("%s: unknown option %s", run ? "run" : "create", argv[i]);
                if (a->id)
                        return fail("%s: unexpected argument %s", run ? "run" : "create", argv[i]);
                a->id = argv[i];
        }
        if (!a->id)
                return fail("%s: container id cannot be empty", run ? "run" : "create");
        return 0;
}

static int verb_create(int argc, char **argv) {
        struct create_args a = { 0 };
        struct nb_error err = { 0 };
        pid_t pid;

        if (parse_create_args(argc, argv, &a, false))
                return 1;
        return do_create(&a, &pid, &err) < 0 ? fail_err(&err) : 0;
}

/* Opens exec.fifo's read end: the waiting process then execs. */
static int do_start(struct state *s, struct nb_error *err) {
        char path[4400], b;
        _cleanup_close_ int fd = -1;
        struct oci_config c;
        const char *status = state_status(s);

        if (!streq(status, "created"))
                return nb_error_set(err, 0, "cannot start a container that has %s",
                                    streq(status, "stopped") ? "stopped" : "already been started");
        snprintf(path, sizeof(path), "%s/exec.fifo", s->dir);
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return nb_error_set(err, errno, "open %s", path);
        for (int waited = 0;; waited++) {
                struct pollfd p = { .fd = fd, .events = POLLIN };

                if (poll(&p, 1, 100) > 0 && read(fd, &b, 1) == 1)
                        break;
                if (!state_alive(s))
                        return nb_error_set(err, ESRCH, "the container's process %d died before start", (int) s->pid);
                if (waited > 300)
                        return nb_error_set(err, ETIMEDOUT, "the container's process %d did not open %s", (int) s->pid, path);
        }
        (void) unlink(path);
        snprintf(path, sizeof(path), "%s", s->dir);
        if (oci_config_load(path, &c, err) >= 0) {
                struct nb_error e2 = { 0 };
                if (run_hooks(&c, HOOK_POSTSTART, s, "running", &e2) < 0)
                        oci_log("warning", "poststart: %s", e2.msg);
                oci_config_free(&c);
        }
        return 0;
}

static int verb_start(int argc, char **argv) {
        struct state s;
        struct nb_error err = { 0 };
        int r;

        if (argc != 1)
                return fail("start: expects exactly one container id");
        if (state_load(argv[0], &s, &err) < 0)
                return fail_err(&err);
        r = do_start(&s, &err);
        state_free(&s);
        return r < 0 ? fail_err(&err) : 0;
}

static int kill_all(const struct state *s, int sig) {
        char path[700], line[32];
        _cleanup_fclose_ FILE *f = NULL;

        snprintf(path, sizeof(path), "%s/cgroup.procs", s->cgroup);
        f = fopen(path, "re");
        if (!f)
                return kill(s->pid, sig) < 0 ? -errno : 0;
        while (fgets(line, sizeof(line), f))
                (void) kill((pid_t) atoi(line), sig);
        return 0;
}

static int do_delete(struct state *s, bool force, struct nb_error *err) {
        const char *status = state_status(s);
        struct oci_config c;
        bool have_config;

        if (streq(status, "running") || streq(status, "paused")) {
                if (!force)
                        return nb_error_set(err, 0, "cannot delete container %s that is not stopped: %s", s->id, status);
        }
        if (!streq(status, "stopped")) {
                if (streq(status, "paused")) {
                        char path[700];
                        snprintf(path, sizeof(path), "%s/cgroup.freeze", s->cgroup);
                        (void) write_string_file(path, "0");
                }
                (void) kill_all(s, SIGKILL);
                kill(s->pid, SIGKILL);
                for (int i = 0; i < 500 && state_alive(s); i++)
                        usleep(10000);
        }
        if (s->cgroup[0])
                oci_cgroup_remove(s->cgroup);
        have_config = oci_config_load(s->dir, &c, NULL) >= 0;
        if (have_config) {
                struct nb_error e2 = { 0 };
                if (run_hooks(&c, HOOK_POSTSTOP, s, "stopped", &e2) < 0)
                        oci_log("warning", "poststop: %s", e2.msg);
                oci_config_free(&c);
        }
        state_dir_remove(s->dir);
        return 0;
}

/* run: create, start, wait; the status of the process is ours. */
static int verb_run(int argc, char **argv) {
        struct create_args a = { 0 };
        struct nb_error err = { 0 };
        struct state s;
        pid_t pid;
        int status = 0, r;

        if (parse_create_args(argc, argv, &a, true))
                return 1;
        /* The container's process is a grandchild: adopt it to wait for it. */
        if (!a.detach)
                (void) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        if (do_create(&a, &pid, &err) < 0)
                return fail_err(&err);
        if (state_load(a.id, &s, &err) < 0)
                return fail_err(&err);
        r = do_start(&s, &err);
        if (r < 0) {
                struct nb_error e2 = { 0 };
                (void) do_delete(&s, true, &e2);
                state_free(&s);
                return fail_err(&err);
        }
        if (a.detach) {
                state_free(&s);
                return 0;
        }
        for (;;) {
                pid_t w = waitpid(-1, &status, 0);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        status = 0;
                        break;
                }
        }
        (void) do_delete(&s, true, &err);
        state_free(&s);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

/* ---- state, kill, delete, list, ps, pause, resume, update ------------- */

static int verb_state(int argc, char **argv) {
        struct state s;
        struct nb_error err = { 0 };
        json_object *o;

        if (argc != 1)
                return fail("state: expects exactly one container id");
        if (state_load(argv[0], &s, &err) < 0)
                return fail_err(&err);
        o = state_public(&s, state_status(&s));
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        json_object_put(o);
        state_free(&s);
        return 0;
}

static int parse_signal(const char *s) {
        static const struct {
                const char *n;
                int sig;
        } names[] = {
                { "HUP", SIGHUP },   { "INT", SIGINT },       { "QUIT", SIGQUIT }, { "ILL", SIGILL },     { "TRAP", SIGTRAP },
                { "ABRT", SIGABRT }, { "IOT", SIGIOT },       { "BUS", SIGBUS },   { "FPE", SIGFPE },     { "KILL", SIGKILL },
                { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM },
                { "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },   { "STOP", SIGSTOP },
                { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },     { "TTOU", SIGTTOU }, { "URG", SIGURG },     { "XCPU", SIGXCPU },
                { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
                { "PWR", SIGPWR },   { "SYS", SIGSYS },
        };
        char *end;
        long v = strtol(s, &end, 10);

        if (*s && !*end)
                return v > 0 && v < NSIG ? (int) v : -1;
        if (startswith(s, "SIG"))
                s += 3;
        if (startswith(s, "RTMIN+"))
                return SIGRTMIN + atoi(s + 6);
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcasecmp(names[i].n, s) == 0)
                        return names[i].sig;
        return -1;
}

static int verb_kill(int argc, char **argv) {
        const char *id = NULL, *signame = "TERM";
        struct nb_error err = { 0 };
        bool all = false;
        struct state s;
        int sig, n = 0;

        for (int i = 0; i < argc; i++) {
                if (opt_flag(argv[i], "--all", "-a"))
                        all = true;
                else if (argv[i][0] == '-' && argv[i][1])
                        return fail("kill: unknown option %s", argv[i]);
                else if (n++ == 0)
                        id = argv[i];
                else
                        signame = argv[i];
        }
        if (!id)
                return fail("kill: container id cannot be empty");
        sig = parse_signal(signame);
        if (sig < 0)
                return fail("kill: unknown signal %s", signame);
        if (state_load(id, &s, &err) < 0)
                return fail_err(&err);
        if (!state_alive(&s)) {
                state_free(&s);
                return fail("container not running");
        }
        if (all)
                (void) kill_all(&s, sig);
        else if (kill(s.pid, sig) < 0) {
                state_free(&s);
                return fail("kill %d: %s", (int) s.pid, strerror(errno));
        }
        state_free(&s);
        return 0;
}

static int verb_delete(int argc, char **argv) {
        struct nb_error err = { 0 };
        const char *id = NULL;
        bool force = false;
        struct state s;
        int r;

        for (int i = 0; i < argc; i++) {
                if (opt_flag(argv[i], "--force", "-f"))
                        force = true;
                else if (argv[i][0] == '-')
                        return fail("delete: unknown option %s", argv[i]);
                else
                        id = argv[i];
        }
        if (!id)
                return fail("delete: container id cannot be empty");
        if (state_load(id, &s, &err) < 0) {
                if (valid_id(id)) {
                        char dir[4200];
                        /* A create that died before its state.json leaves a directory. */
                        snprintf(dir, sizeof(dir), "%s/%s", state_root, id);
                        state_dir_remove(dir);
                }
                return force ? 0 : fail_err(&err);
        }
        r = do_delete(&s, force, &err);
        state_free(&s);
        return r < 0 ? fail_err(&err) : 0;
}

static int verb_list(int argc, char **argv) {
        _cleanup_closedir_ DIR *d = NULL;
        json_object *all = json_object_new_array();
        bool json = false, quiet = false;
        const char *v;
        struct dirent *de;

        for (int i = 0; i < argc; i++) {
                if (opt_value(argc, argv, &i, "--format", "-f", &v))
                        json = streq(v, "json");
                else if (opt_flag(argv[i], "--quiet", "-q"))
                        quiet = true;
                else
                        return fail("list: unknown argument %s", argv[i]);
        }
        d = opendir(state_root);
        while (d && (de = readdir(d))) {
                struct state s;
                struct nb_error err = { 0 };

                if (de->d_name[0] == '.' || state_load(de->d_name, &s, &err) < 0)
                        continue;
                json_object_array_add(all, state_public(&s, state_status(&s)));
                state_free(&s);
        }
        if (json)
                puts(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN));
        else {
                if (!quiet)
                        printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
                for (size_t i = 0; i < json_object_array_length(all); i++) {
                        json_object *o = json_object_array_get_idx(all, i), *x;
                        const char *f[5];
                        static const char *const keys[] = { "id", "pid", "status", "bundle", "created" };
                        for (size_t k = 0; k < 5; k++)
                                f[k] = json_object_object_get_ex(o, keys[k], &x) ? json_object_get_string(x) : "";
                        if (quiet)
                                puts(f[0]);
                        else
                                printf("%-20s %-8s %-10s %-40s %s\n", f[0], f[1], f[2], f[3], f[4]);
                }
        }
        json_object_put(all);
        return 0;
}

static int verb_ps(int argc, char **argv) {
        const char *id = NULL, *v, *format = "table";
        struct nb_error err = { 0 };
        struct state s;
        char path[700], line[32];
        _cleanup_fclose_ FILE *f = NULL;
        json_object *a;

        for (int i = 0; i < argc; i++) {
                if (opt_value(argc, argv, &i, "--format", "-f", &v))
                        format = v;
                else if (!id)
                        id = argv[i];
        }
        if (!id)
                return fail("ps: container id cannot be empty");
        if (state_load(id, &s, &err) < 0)
                return fail_err(&err);
        snprintf(path, sizeof(path), "%s/cgroup.procs", s.cgroup);
        state_free(&s);
        f = fopen(path, "re");
        if (!f)
                return fail("ps: read %s: %s", path, strerror(errno));
        a = json_object_new_array();
        while (fgets(line, sizeof(line), f))
                json_object_array_add(a, json_object_new_int(atoi(line)));
        if (streq(format, "json"))
                puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
        else {
                puts("PID");
                for (size_t i = 0; i < json_object_array_length(a); i++)
                        printf("%d\n", json_object_get_int(json_object_array_get_idx(a, i)));
        }
        json_object_put(a);
        return 0;
}

static int freeze(int argc, char **argv, bool on) {
        struct nb_error err = { 0 };
        struct state s;
        char path[700];
        const char *status;
        int r;

        if (argc != 1)
                return fail("%s: expects exactly one container id", on ? "pause" : "resume");
        if (state_load(argv[0], &s, &err) < 0)
                return fail_err(&err);
        status = state_status(&s);
        if (on && !streq(status, "running")) {
                state_free(&s);
                return fail("container not running");
        }
        if (!on && !streq(status, "paused")) {
                state_free(&s);
                return fail("container not paused");
        }
        snprintf(path, sizeof(path), "%s/cgroup.freeze", s.cgroup);
        state_free(&s);
        r = write_string_file(path, on ? "1" : "0");
        if (r < 0)
                return fail("write %s: %s", path, strerror(-r));
        return 0;
}

static int verb_update(int argc, char **argv) {
        struct oci_resources res = { .memory_limit = -1, .memory_reservation = -1, .memory_swap = -1 };
        struct nb_error err = { 0 };
        const char *id = NULL, *v;
        struct state s;
        int r;

        for (int i = 0; i < argc; i++) {
                if (opt_value(argc, argv, &i, "--memory", "-m", &v))
                        res.memory_limit = strtoll(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--memory-reservation", NULL, &v))
                        res.memory_reservation = strtoll(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--memory-swap", NULL, &v))
                        res.memory_swap = strtoll(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--pids-limit", NULL, &v))
                        res.pids_limit = strtoll(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--cpu-quota", NULL, &v))
                        res.cpu_quota = strtoll(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--cpu-period", NULL, &v))
                        res.cpu_period = strtoull(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--cpu-share", NULL, &v))
                        res.cpu_shares = strtoull(v, NULL, 10);
                else if (opt_value(argc, argv, &i, "--blkio-weight", NULL, &v))
                        res.io_weight = (uint16_t) atoi(v);
                else if (argv[i][0] == '-')
                        return fail("update: %s is not supported by nixbox-oci", argv[i]);
                else
                        id = argv[i];
        }
        if (!id)
                return fail("update: container id cannot be empty");
        if (state_load(id, &s, &err) < 0)
                return fail_err(&err);
        r = oci_cgroup_update(s.cgroup, &res, &err);
        state_free(&s);
        return r < 0 ? fail_err(&err) : 0;
}

/* ---- exec ------------------------------------------------------------- */

static int verb_exec(int argc, char **argv) {
        const char *id = NULL, *process_file = NULL, *pid_file = NULL, *console = NULL, *cwd = NULL, *user = NULL, *v;
        _cleanup_free_ char **extra_env = calloc((size_t) argc + 1, sizeof(char *));
        struct oci_process proc = { 0 };
        struct nb_error err = { 0 };
        json_object *owner = NULL;
        struct oci_config c;
        bool detach = false, tty = false, have_config;
        size_t n_env = 0;
        int i, sv[2], status, preserve = 0;
        struct state s;
        pid_t pid;

        if (!extra_env)
                return fail("out of memory");
        for (i = 0; i < argc; i++) {
                if (opt_value(argc, argv, &i, "--process", "-p", &process_file) ||
                    opt_value(argc, argv, &i, "--pid-file", NULL, &pid_file) ||
                    opt_value(argc, argv, &i, "--console-socket", NULL, &console) ||
                    opt_value(argc, argv, &i, "--cwd", NULL, &cwd) || opt_value(argc, argv, &i, "--user", "-u", &user))
                        continue;
                if (opt_value(argc, argv, &i, "--env", "-e", &v)) {
                        extra_env[n_env++] = (char *) v;
                        continue;
                }
                if (opt_value(argc, argv, &i, "--preserve-fds", NULL, &v)) {
                        preserve = atoi(v);
                        continue;
                }
                if (opt_flag(argv[i], "--detach", "-d")) {
                        detach = true;
                        continue;
                }
                if (opt_flag(argv[i], "--tty", "-t")) {
                        tty = true;
                        continue;
                }
                if (opt_value(argc, argv, &i, "--cap", "-c", &v) || opt_value(argc, argv, &i, "--apparmor", NULL, &v) ||
                    opt_value(argc, argv, &i, "--process-label", NULL, &v))
                        return fail("exec: %s is not supported by nixbox-oci (use --process)", argv[i - 1]);
                if (opt_flag(argv[i], "--no-new-privs", NULL))
                        continue;
                if (streq(argv[i], "--")) {
                        i++;
                        break;
                }
                if (argv[i][0] == '-')
                        return fail("exec: unknown option %s", argv[i]);
                if (!id) {
                        id = argv[i];
                        continue;
                }
                break;
        }
        if (!id)
                return fail("exec: container id cannot be empty");
        if (state_load(id, &s, &err) < 0)
                return fail_err(&err);
        if (!streq(state_status(&s), "running") && !streq(state_status(&s), "created"))
                return fail("cannot exec in a stopped container");
        have_config = oci_config_load(s.dir, &c, &err) >= 0;
        if (process_file) {
                if (oci_process_load(process_file, &proc, &owner, &err) < 0)
                        return fail_err(&err);
        } else {
                if (i >= argc)
                        return fail("exec: no command given");
                if (!have_config)
                        return fail_err(&err);
                proc = c.process;
                proc.args = argv + i;
                proc.terminal = tty;
                proc.cwd = (char *) (cwd ? cwd : c.process.cwd);
                if (n_env) {
                        size_t n = 0;
                        char **env;
                        for (char **e = c.process.env; e && *e; e++)
                                n++;
                        env = calloc(n + n_env + 1, sizeof(char *));
                        if (!env)
                                return fail("out of memory");
                        memcpy(env, c.process.env, n * sizeof(char *));
                        memcpy(env + n, extra_env, n_env * sizeof(char *));
                        proc.env = env;
                }
                if (user) {
                        unsigned u = 0, g = 0;
                        int k = sscanf(user, "%u:%u", &u, &g);
                        if (k < 1)
                                return fail("exec: --user %s must be UID[:GID]", user);
                        proc.user.uid = u;
                        proc.user.gid = k == 2 ? g : 0;
                        proc.user.n_gids = 0;
                }
        }
        if (proc.terminal && !console)
                return fail("exec: a terminal needs --console-socket");
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return fail("socketpair: %s", strerror(errno));
        {
                /* The PID namespace is entered here, so that the forked
                 * process is in it (and our child, to be waited for). */
                static const char *const ns[] = { "user", "pid", "ipc", "uts", "net", "cgroup", "mnt" };
                static const int types[] = { CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWIPC, CLONE_NEWUTS,
                                             CLONE_NEWNET,  CLONE_NEWCGROUP, CLONE_NEWNS };
                int fds[7], rootfd, console_fd = -1;
                char path[700];
                struct stat a, b;

                for (size_t k = 0; k < 7; k++) {
                        snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int) s.pid, ns[k]);
                        fds[k] = open(path, O_RDONLY | O_CLOEXEC);
                        snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[k]);
                        /* Joining our own namespace (EINVAL for a user namespace) is skipped. */
                        if (fds[k] >= 0 && fstat(fds[k], &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino) {
                                close(fds[k]);
                                fds[k] = -1;
                        }
                }
                snprintf(path, sizeof(path), "/proc/%d/root", (int) s.pid);
                rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (rootfd < 0)
                        return fail("open %s: %s", path, strerror(errno));
                if (console && (console_fd = connect_console(console, &err)) < 0)
                        return fail_err(&err);
                if (fds[1] >= 0 && setns(fds[1], CLONE_NEWPID) < 0)
                        return fail("join the pid namespace of %d: %s", (int) s.pid, strerror(errno));
                fflush(NULL);
                pid = fork();
                if (pid < 0)
                        return fail("fork: %s", strerror(errno));
                if (pid == 0) {
                        struct oci_msg m = { .type = OCI_MSG_DONE };
                        char exe[4096], g;

                        close(sv[0]);
                        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
                        if (read(sv[1], &g, 1) != 1)
                                _exit(EXIT_NIXBOX_ERROR);
                        for (size_t k = 0; k < 7; k++)
                                if (k != 1 && fds[k] >= 0 && setns(fds[k], types[k]) < 0) {
                                        nb_error_set(&m.err, errno, "join the %s namespace of %d", ns[k], (int) s.pid);
                                        goto child_fail;
                                }
                        if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) {
                                nb_error_set(&m.err, errno, "enter the root of %d", (int) s.pid);
                                goto child_fail;
                        }
                        if (fds[0] >= 0 && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
                                nb_error_set(&m.err, errno, "become root in the user namespace");
                                goto child_fail;
                        }
                        if (proc.terminal && oci_terminal_setup(console_fd, proc.user.uid, &m.err) < 0)
                                goto child_fail;
                        if (oci_find_executable(&proc, exe, sizeof(exe), &m.err) < 0) {
                                m.err.exit_code = EXIT_NOT_FOUND;
                                goto child_fail;
                        }
                        if (oci_process_apply(&proc, have_config ? c.seccomp : NULL, &m.err) < 0)
                                goto child_fail;
                        for (int fd = 3; fd < 3 + preserve; fd++)
                                (void) fcntl(fd, F_SETFD, 0);
                        /* exec -d outlives us: it is reparented to the engine's subreaper. */
                        prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
                        environ = proc.env;
                        execv(exe, proc.args);
                        nb_error_set(&m.err, errno, "exec %s", exe);
                        m.err.exit_code = errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE;
                child_fail:
                        (void) !write(sv[1], &m, sizeof(m));
                        _exit(m.err.exit_code ? m.err.exit_code : EXIT_NIXBOX_ERROR);
                }
                close(sv[1]);
                if (console_fd >= 0)
                        close(console_fd);
                for (size_t k = 0; k < 7; k++)
                        if (fds[k] >= 0)
                                close(fds[k]);
                close(rootfd);
        }
        {
                char path[700], text[32];
                struct oci_msg m;
                ssize_t n;

                /* Into the container's cgroup before it runs anything. */
                snprintf(path, sizeof(path), "%s/cgroup.procs", s.cgroup);
                snprintf(text, sizeof(text), "%d", (int) pid);
                if (write_string_file(path, text) < 0)
                        oci_log("warning", "cannot move %d into %s", (int) pid, path);
                (void) !write(sv[0], "g", 1);
                /* An error arrives as a message; a successful exec closes the socket. */
                n = recv(sv[0], &m, sizeof(m), 0);
                if (n == (ssize_t) sizeof(m) && (m.err.errnum || m.err.msg[0])) {
                        (void) waitpid(pid, NULL, 0);
                        return fail_err(&m.err);
                }
                if (pid_file) {
                        snprintf(text, sizeof(text), "%d", (int) pid);
                        if (write_file_atomic(pid_file, text, &err) < 0)
                                return fail_err(&err);
                }
        }
        state_free(&s);
        if (detach)
                return 0;
        if (waitpid(pid, &status, 0) < 0)
                return fail("wait for %d: %s", (int) pid, strerror(errno));
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* ---- features, spec --------------------------------------------------- */

static int verb_features(void) {
        puts("{\n"
             "  \"ociVersionMin\": \"1.0.0\",\n"
             "  \"ociVersionMax\": \"" OCI_VERSION "\",\n"
             "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\", \"poststart\", "
             "\"poststop\"],\n"
             "  \"mountOptions\": [\"async\", \"atime\", \"bind\", \"defaults\", \"dev\", \"diratime\", \"dirsync\", \"exec\", "
             "\"mand\", "
             "\"noatime\", \"nodev\", \"nodiratime\", \"noexec\", \"nomand\", \"nosuid\", \"private\", \"rbind\", \"relatime\", "
             "\"rprivate\", \"rshared\", \"rslave\", \"runbindable\", \"ro\", \"rw\", \"shared\", \"slave\", \"strictatime\", "
             "\"suid\", \"sync\", \"unbindable\"],\n"
             "  \"linux\": {\n"
             "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"user\", \"uts\"],\n"
             "    \"capabilities\": [\"CAP_CHOWN\", \"CAP_DAC_OVERRIDE\", \"CAP_DAC_READ_SEARCH\", \"CAP_FOWNER\", "
             "\"CAP_FSETID\", "
             "\"CAP_KILL\", \"CAP_SETGID\", \"CAP_SETUID\", \"CAP_SETPCAP\", \"CAP_LINUX_IMMUTABLE\", \"CAP_NET_BIND_SERVICE\", "
             "\"CAP_NET_BROADCAST\", \"CAP_NET_ADMIN\", \"CAP_NET_RAW\", \"CAP_IPC_LOCK\", \"CAP_IPC_OWNER\", "
             "\"CAP_SYS_MODULE\", "
             "\"CAP_SYS_RAWIO\", \"CAP_SYS_CHROOT\", \"CAP_SYS_PTRACE\", \"CAP_SYS_PACCT\", \"CAP_SYS_ADMIN\", \"CAP_SYS_BOOT\", "
             "\"CAP_SYS_NICE\", \"CAP_SYS_RESOURCE\", \"CAP_SYS_TIME\", \"CAP_SYS_TTY_CONFIG\", \"CAP_MKNOD\", \"CAP_LEASE\", "
             "\"CAP_AUDIT_WRITE\", \"CAP_AUDIT_CONTROL\", \"CAP_SETFCAP\", \"CAP_MAC_OVERRIDE\", \"CAP_MAC_ADMIN\", "
             "\"CAP_SYSLOG\", "
             "\"CAP_WAKE_ALARM\", \"CAP_BLOCK_SUSPEND\", \"CAP_AUDIT_READ\", \"CAP_PERFMON\", \"CAP_BPF\", "
             "\"CAP_CHECKPOINT_RESTORE\"],\n"
             "    \"cgroup\": { \"v1\": false, \"v2\": true, \"systemd\": false, \"systemdUser\": false },\n"
             "    \"seccomp\": {\n"
             "      \"enabled\": true,\n"
             "      \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\", "
             "\"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRACE\", \"SCMP_ACT_TRAP\"],\n"
             "      \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\", "
             "\"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"],\n"
             "      \"archs\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_AARCH64\", "
             "\"SCMP_ARCH_ARM\"]\n"
             "    },\n"
             "    \"apparmor\": { \"enabled\": false },\n"
             "    \"selinux\": { \"enabled\": false }\n"
             "  },\n"
             "  \"annotations\": { \"org.nixbox.oci.version\": \"" NIXBOX_VERSION "\" }\n"
             "}");
        return 0;
}

static int verb_spec(int argc, char **argv) {
        const char *bundle = ".";
        bool rootless = false;
        char path[4200];
        FILE *f;

        for (int i = 0; i < argc; i++) {
                if (opt_value(argc, argv, &i, "--bundle", "-b", &bundle))
                        continue;
                if (opt_flag(argv[i], "--rootless", NULL))
                        rootless = true;
                else
                        return fail("spec: unknown argument %s", argv[i]);
        }
        snprintf(path, sizeof(path), "%s/config.json", bundle);
        if (access(path, F_OK) == 0)
                return fail("File %s exists. Remove it first", path);
        f = fopen(path, "we");
        if (!f)
                return fail("create %s: %s", path, strerror(errno));
        oci_spec_print(f, rootless);
        if (fclose(f) != 0)
                return fail("write %s: %s", path, strerror(errno));
        return 0;
}

static void usage(FILE *f) {
        fputs("Usage: nixbox-oci [GLOBAL OPTIONS] COMMAND [ARGS]\n"
              "An OCI runtime (runc's command line) built on nixbox; see docs/oci.md.\n\n"
              "Commands: create, start, run, state, kill, delete, exec, ps, list, pause, resume,\n"
              "          update, features, spec, help\n\n"
              "Global options:\n"
              "  --root DIR            state directory (default " OCI_DEFAULT_ROOT ")\n"
              "  --log FILE            log file (errors are also printed on stderr)\n"
              "  --log-format text|json\n"
              "  --debug               debug messages\n"
              "  --systemd-cgroup      refused: nixbox-oci has no systemd cgroup driver\n"
              "  --version, --help\n",
              f);
}

int main(int argc, char **argv) {
        const char *v, *verb;
        int i;

        for (i = 1; i < argc && argv[i][0] == '-'; i++) {
                if (opt_value(argc, argv, &i, "--root", NULL, &state_root) || opt_value(argc, argv, &i, "--log", NULL, &log_path))
                        continue;
                if (opt_value(argc, argv, &i, "--log-format", NULL, &v)) {
                        if (!streq(v, "json") && !streq(v, "text"))
                                return fail("--log-format %s: must be text or json", v);
                        log_json = streq(v, "json");
                        continue;
                }
                if (opt_flag(argv[i], "--debug", NULL)) {
                        log_debug_level = 1;
                        continue;
                }
                if (opt_flag(argv[i], "--systemd-cgroup", NULL))
                        return fail("--systemd-cgroup is not supported: nixbox-oci manages cgroup v2 itself (use the cgroupfs "
                                    "manager)");
                if (opt_value(argc, argv, &i, "--rootless", NULL, &v) || opt_value(argc, argv, &i, "--criu", NULL, &v))
                        continue; /* rootless is decided by the bundle; checkpoint is not offered */
                if (streq(argv[i], "--version") || streq(argv[i], "-v")) {
                        printf("nixbox-oci version %s\nspec: %s\n", NIXBOX_VERSION, OCI_VERSION);
                        return 0;
                }
                if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                }
                return fail("unknown global option %s", argv[i]);
        }
        if (log_path) {
                log_file = fopen(log_path, "ae");
                if (!log_file)
                        return fail("open the log %s: %s", log_path, strerror(errno));
        }
        if (i >= argc) {
                usage(stderr);
                return 1;
        }
        verb = argv[i++];
        argc -= i;
        argv += i;
        if (streq(verb, "create"))
                return verb_create(argc, argv);
        if (streq(verb, "start"))
                return verb_start(argc, argv);
        if (streq(verb, "run"))
                return verb_run(argc, argv);
        if (streq(verb, "state"))
                return verb_state(argc, argv);
        if (streq(verb, "kill"))
                return verb_kill(argc, argv);
        if (streq(verb, "delete"))
                return verb_delete(argc, argv);
        if (streq(verb, "exec")) {
                /* exec entered the container's PID namespace for its
                 * children: exit handlers that fork (LeakSanitizer's
                 * tracer) would land there and never see us. */
                int r = verb_exec(argc, argv);
                fflush(NULL);
                _exit(r);
        }
        if (streq(verb, "ps"))
                return verb_ps(argc, argv);
        if (streq(verb, "list"))
                return verb_list(argc, argv);
        if (streq(verb, "pause"))
                return freeze(argc, argv, true);
        if (streq(verb, "resume"))
                return freeze(argc, argv, false);
        if (streq(verb, "update"))
                return verb_update(argc, argv);
        if (streq(verb, "features"))
                return verb_features();
        if (streq(verb, "spec"))
                return verb_spec(argc, argv);
        if (streq(verb, "help")) {
                usage(stdout);
                return 0;
        }
        if (streq(verb, "checkpoint") || streq(verb, "restore") || streq(verb, "events"))
                return fail("%s is not supported by nixbox-oci", verb);
        return fail("unknown command %s", verb);
}
