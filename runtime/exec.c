/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <sys/personality.h>
#include <stdio.h>

#include "capabilities.h"
#include "confine.h"
#include "console.h"
#include "stdio-relay.h"
#include "container.h"
#include "exec-env.h"
#include "exec.h"
#include "log.h"
#include "options.h"
#include "path-in-root.h"
#include "seccomp-policy.h"
#include "trace.h"
#include "user-lookup.h"

struct env {
        char *v[256];
        size_t n;
};

static void env_set(struct env *e, const char *name, const char *value) {
        size_t l = strlen(name);

        if (!value)
                return;
        for (size_t i = 0; i < e->n; i++)
                if (strncmp(e->v[i], name, l) == 0 && e->v[i][l] == '=') {
                        if (asprintf(&e->v[i], "%s=%s", name, value) < 0)
                                e->v[i] = NULL;
                        return;
                }
        if (e->n + 1 < ELEMENTSOF(e->v) && asprintf(&e->v[e->n], "%s=%s", name, value) >= 0)
                e->n++;
}

static void env_put(struct env *e, const char *assignment) {
        char name[256];
        const char *eq = strchr(assignment, '=');

        if (!eq || (size_t) (eq - assignment) >= sizeof(name))
                return;
        memcpy(name, assignment, (size_t) (eq - assignment));
        name[eq - assignment] = 0;
        env_set(e, name, eq + 1);
}

/* container_host_{id,version_id,build_id,variant_id} from the host's
 * os-release, which the outer child copied to /run/host/os-release. */
static void env_host_os_release(struct env *e) {
        static const char *const keys[] = { "ID", "VERSION_ID", "BUILD_ID", "VARIANT_ID" };
        char line[512];
        FILE *f = fopen("/run/host/os-release", "re");

        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                        size_t l = strlen(keys[i]);
                        char name[64], *v;

                        if (strncmp(line, keys[i], l) != 0 || line[l] != '=')
                                continue;
                        v = line + l + 1;
                        if (*v == '"' || *v == '\'') {
                                size_t vl = strlen(v);
                                if (vl >= 2 && v[vl - 1] == *v)
                                        v[vl - 1] = 0;
                                v++;
                        }
                        snprintf(name, sizeof(name), "container_host_%s", keys[i]);
                        for (char *p = name; *p; p++)
                                *p = (char) (*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                        env_set(e, name, v);
                }
        }
        fclose(f);
}

const char *const init_search_list[INIT_SEARCH_LIST_N] = {
        "/sbin/init",
        "/nix/var/nix/profiles/system/init",
        "/usr/lib/systemd/systemd",
        "/lib/systemd/systemd",
};

uint64_t container_bounding_caps(const struct options *o, const struct uid_range *u) {
        uint64_t b = caps_default_bounding(o->private_network, u->enabled && u->shift != 0);
        return (b | o->caps_add) & ~o->caps_drop;
}

int exec_payload(struct container *c, struct nb_error *err) {
        struct options *o = c->o;
        struct env env = {0};
        struct user_info user = { .uid = 0, .gid = 0, .home = "/root" };
        int r;

        if (o->user && !streq(o->user, "root") && !streq(o->user, "0")) {
                r = user_lookup(o->user, &user, err);
                if (r < 0)
                        return r;
        }

        env_set(&env, "PATH", DEFAULT_PATH);
        env_set(&env, "container", "nixbox");
        env_set(&env, "container_uuid", c->uuid);
        env_set(&env, "HOME", user.home);
        if (user.uid == 0) {
                env_set(&env, "USER", "root");
                env_set(&env, "LOGNAME", "root");
        } else if (o->user) {
                env_set(&env, "USER", o->user);
                env_set(&env, "LOGNAME", o->user);
        }
        /* The console is a fresh pty: a vt220-like terminal unless the
         * caller's own terminal is relayed to it. */
        env_set(&env, "TERM", c->console_mode == CONSOLE_INTERACTIVE || c->console_mode == CONSOLE_PIPE ?
                              (getenv("TERM") ? getenv("TERM") : "vt220") : "vt220");
        /* Only PID 1's messages count: under the init-shim nobody could send. */
        if (o->start_mode != START_PID2)
                env_set(&env, "NOTIFY_SOCKET", "/run/host/notify");
        env_host_os_release(&env);
        /* Where systemd (and any payload) looks for them, as nspawn sets it. */
        if (o->n_credentials > 0)
                env_set(&env, "CREDENTIALS_DIRECTORY", "/run/host/credentials");
        for (size_t i = 0; i < o->n_setenv; i++)
                env_put(&env, o->setenv[i]);
        env.v[env.n] = NULL;

        const char *dir = o->working_dir ? o->working_dir : (user.uid == 0 || o->start_mode == START_BOOT ? "/" : user.home);
        if (chdir(dir) < 0) {
                if (o->working_dir)
                        return nb_error_set(err, errno, "change directory to %s", dir);
                (void) !chdir("/");
        }

        /* A session of its own: the payload can never reach the caller's
         * terminal (no TIOCSTI, no job control signals into our session). */
        if (setsid() < 0)
                return nb_error_set(err, errno, "create a new session");
        if (c->console_mode != CONSOLE_PIPE) {
                r = console_attach(err);
                if (r < 0)
                        return r;
        } else if ((r = stdio_relay_apply(&c->relay)) < 0)
                return nb_error_set(err, r, "connect stdio to nixbox's pipes");

        /* --personality=x86: uname -m says i686 (before the system-call
         * filter, which may not allow personality(2) to the payload). */
        if (o->personality_set && personality(o->personality) < 0)
                return nb_error_set(err, errno, "set the personality 0x%lx (--personality)", o->personality);

        /* The supervisor built the system-call filter (SYNC_GO brought it). */
        _cleanup_free_ struct seccomp_program *filter = malloc(sizeof(*filter));
        if (!filter)
                return nb_error_set(err, ENOMEM, "allocate the seccomp filter");
        r = seccomp_program_read(c->seccomp_fd, filter, err);
        if (r < 0)
                return r;
        close(c->seccomp_fd);
        c->seccomp_fd = -1;

        struct confinement cf = {
                .bounding = container_bounding_caps(o, &c->uids),
                .no_new_privs = o->no_new_privileges,
                .syscall_filter = o->syscall_filter,
                .n_syscall_filter = o->n_syscall_filter,
                .syscall_program = filter,
                .user = &user,
                .user_label = o->user,
                .keep_fd = -1,
        };
        struct exec_target x = { .fd = -1, .envp = env.v };
        _cleanup_free_ char **argv = calloc(o->argc + 5, sizeof(char *));
        char fdnum[16], what[PATH_MAX + 64];

        if (!argv)
                return nb_error_set(err, ENOMEM, "allocate the payload's arguments");
        if (o->start_mode == START_BOOT) {
                /* argv[0] is each candidate in turn. */
                for (size_t k = 0; k < o->argc; k++)
                        argv[k + 1] = o->argv[k];
                x.argv = argv;
                x.argv0_is_path = true;
                if (o->init_path) {
                        x.paths = (const char *const *) &o->init_path;
                        x.n_paths = 1;
                        snprintf(what, sizeof(what), "init (%s)", o->init_path);
                } else {
                        x.paths = init_search_list;
                        x.n_paths = INIT_SEARCH_LIST_N;
                        snprintf(what, sizeof(what), "init (tried %s)", INIT_SEARCH_LIST_TEXT);
                }
                x.what = what;
                return confine_and_exec(&cf, &x, err);
        }
        if (o->start_mode == START_PID1) {
                x.argv = o->argv;
                x.what = o->argv[0];
                return confine_and_exec(&cf, &x, err);
        }

        /* Under the init-shim: it gets the sync fd to report a failed exec. */
        snprintf(fdnum, sizeof(fdnum), "%d", c->sync_child);
        argv[0] = (char *) "nixbox-init";
        argv[1] = (char *) "--sync-fd";
        argv[2] = fdnum;
        argv[3] = (char *) "--";
        for (size_t k = 0; k < o->argc; k++)
                argv[k + 4] = o->argv[k];
        cf.keep_fd = c->sync_child;
        x.fd = c->shim_fd;
        x.argv = argv;
        x.what = "the init-shim";
        r = confine_and_exec(&cf, &x, err);
        err->exit_code = EXIT_NIXBOX_ERROR;
        return r;
}
