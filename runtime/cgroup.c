#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "options.h"
#include "state.h"

int cg_find_mount(char *out, size_t size) {
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
                char root[1024], mnt[1024];
                const char *sep = strstr(line, " - ");

                if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
                        continue;
                if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2)
                        continue;
                if (!streq(root, "/"))
                        continue;       /* a bind of a sub-tree: not usable as a root */
                snprintf(out, size, "%s", mnt);
                r = 0;
                break;
        }
        fclose(f);
        return r;
}

/* Whether a space-separated list contains word. */
static bool has_word(const char *list, const char *word) {
        size_t l = strlen(word);

        for (const char *p = list; (p = strstr(p, word)); p += l)
                if ((p == list || p[-1] == ' ') && (p[l] == ' ' || p[l] == '\n' || p[l] == 0))
                        return true;
        return false;
}

/* Walks below a container-made cgroup stay bounded however the container
 * shaped its tree: one directory fd open at a time, no recursion, no path
 * buffers (names only, on the heap), and at most this many directories. */
#define CG_WALK_MAX_DIRS (1 << 20)

struct cg_frame {
        char *name;       /* the child we descended into */
        off_t next;       /* where to go on reading its parent */
};

/* Calls visit(fd) on the cgroup dir_fd and on every cgroup below it (parents
 * first); with remove, also removes every cgroup below dir_fd, deepest
 * first (dir_fd itself stays). Goes up with "..": a cgroup cannot be moved
 * to another parent. Returns 0 or the first -errno. */
static int cg_walk(int dir_fd, void (*visit)(int fd), bool remove) {
        _cleanup_free_ struct cg_frame *stack = NULL;
        size_t depth = 0, allocated = 0, dirs = 0;
        off_t pos = 0;
        int fd, r = 0;

        fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return -errno;
        if (visit)
                visit(fd);
        for (;;) {
                struct dirent *de;
                DIR *d;
                int child = -1;

                if (lseek(fd, pos, SEEK_SET) < 0 || !(d = fdopendir(fd))) {
                        r = r ?: -errno;
                        close(fd);
                        break;
                }
                while ((de = readdir(d))) {
                        if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        if (++dirs > CG_WALK_MAX_DIRS) {
                                r = r ?: -E2BIG;
                                break;
                        }
                        child = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (child < 0) {
                                if (errno != ENOENT)
                                        r = r ?: -errno;
                                continue;
                        }
                        if (depth == allocated) {
                                struct cg_frame *s = realloc(stack, (allocated * 2 + 16) * sizeof(*stack));
                                if (!s) {
                                        r = r ?: -ENOMEM;
                                        close(child);
                                        child = -1;
                                        break;
                                }
                                stack = s;
                                allocated = allocated * 2 + 16;
                        }
                        stack[depth].name = strdup(de->d_name);
                        if (!stack[depth].name) {
                                r = r ?: -ENOMEM;
                                close(child);
                                child = -1;
                                break;
                        }
                        stack[depth++].next = de->d_off;
                        break;
                }
                if (child >= 0) {
                        /* Down one level. */
                        closedir(d);
                        fd = child;
                        pos = 0;
                        if (visit)
                                visit(fd);
                        continue;
                }
                if (depth == 0 || (r == -E2BIG || r == -ENOMEM)) {
                        closedir(d);
                        break;
                }
                /* This level is done: up one, remove it, go on in the parent. */
                fd = openat(dirfd(d), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                closedir(d);
                if (fd < 0) {
                        r = r ?: -errno;
                        break;
                }
                depth--;
                if (remove && unlinkat(fd, stack[depth].name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                        r = r ?: -errno;
                pos = stack[depth].next;
                free(stack[depth].name);
        }
        while (depth > 0)
                free(stack[--depth].name);
        return r;
}

/* Fallback for kernels without cgroup.kill: SIGKILL each pid listed. */
static void kill_listed_procs(int fd) {
        _cleanup_close_ int procs = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        FILE *f;
        int pid;

        if (procs < 0 || !(f = fdopen(procs, "re")))
                return;
        procs = -1;
        while (fscanf(f, "%d", &pid) == 1)
                if (pid > 0)
                        kill(pid, SIGKILL);
        fclose(f);
}

static void kill_cgroup_procs(int fd) {
        /* cgroup.kill (5.14+) kills the whole subtree atomically. */
        if (write_string_file_at(fd, "cgroup.kill", "1") == 0)
                return;
        /* Else freeze the subtree (no forking away meanwhile; a fatal
         * signal still ends a frozen task) and kill pid by pid. */
        (void) write_string_file_at(fd, "cgroup.freeze", "1");
        (void) cg_walk(fd, kill_listed_procs, false);
}

static bool cgroup_populated(int fd) {
        char buf[256];

        if (read_string_file_at(fd, "cgroup.events", buf, sizeof(buf)) < 0)
                return false;
        return strstr(buf, "populated 1") != NULL;
}

/* Kills what is in the cgroup dir_fd and below and waits (up to ~2 s) until
 * it is gone. */
static void kill_and_wait(int fd) {
        struct timespec ts = { 0, 2 * 1000 * 1000 };

        if (!cgroup_populated(fd))
                return;
        kill_cgroup_procs(fd);
        /* Killed processes leave the cgroup asynchronously. */
        for (int i = 0; i < 1000 && cgroup_populated(fd); i++) {
                if (i % 50 == 49)
                        kill_cgroup_procs(fd);
                nanosleep(&ts, NULL);
        }
}

int cg_remove_tree_at(int parent_fd, const char *name) {
        _cleanup_close_ int fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        kill_and_wait(fd);
        r = cg_walk(fd, NULL, true);
        if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return r ?: -errno;
        return 0;
}

int cg_remove_tree(const char *path) {
        _cleanup_free_ char *parent = strdup(path);
        _cleanup_close_ int parent_fd = -1;
        char *slash;

        if (!parent)
                return -ENOMEM;
        slash = strrchr(parent, '/');
        if (!slash || !slash[1])
                return -EINVAL;
        *slash = 0;
        parent_fd = open(*parent ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (parent_fd < 0)
                return errno == ENOENT ? 0 : -errno;
        return cg_remove_tree_at(parent_fd, slash + 1);
}

void cg_sweep_stale(const char *mount) {
        _cleanup_close_ int mount_fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int fd;

        if (mount_fd < 0)
                return;
        fd = openat(mount_fd, "nixbox", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || !(d = fdopendir(fd))) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d))) {
                int lock, r;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                /* A running nixbox holds its machine lock for its whole life. */
                lock = state_try_lock_machine(de->d_name);
                if (lock < 0)
                        continue;
                log_debug("removing stale cgroup %s/nixbox/%s", mount, de->d_name);
                /* One machine's leftovers never stop another's run, list or status. */
                r = cg_remove_tree_at(dirfd(d), de->d_name);
                if (r < 0)
                        log_warn("remove stale cgroup %s/nixbox/%s: %s (left in place)", mount, de->d_name, strerror(-r));
                state_unlock_machine(de->d_name, lock);
        }
        closedir(d);
}

/* Enables in dir/cgroup.subtree_control every controller listed in
 * dir/cgroup.controllers (those the parent hands down). */
static void enable_controllers(const char *dir) {
        char path[1024], buf[512], req[600] = "";

        snprintf(path, sizeof(path), "%s/cgroup.controllers", dir);
        if (read_string_file(path, buf, sizeof(buf)) <= 0)
                return;
        for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n")) {
                strcat(req, "+");
                strcat(req, p);
                strcat(req, " ");
        }
        if (!*req)
                return;
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", dir);
        if (write_string_file(path, req) < 0)
                log_debug("enable controllers \"%s\" in %s: %s", req, dir, strerror(errno));
}

/* On a host where nobody enabled controllers for the root's children (a
 * bare pure-v2 host without systemd or OpenRC), limits would have nothing to
 * act on: enable memory, pids, cpu and io there, one at a time and add-only.
 * Only at the real root (it has no cgroup.type; a cgroup namespace's root
 * has), which is exempt from the no-internal-processes rule. */
static void enable_root_controllers(const char *mount) {
        static const char *const wanted[] = { "memory", "pids", "cpu", "io" };
        char path[1024], avail[512], enabled[512];

        snprintf(path, sizeof(path), "%s/cgroup.type", mount);
        if (access(path, F_OK) == 0)
                return;
        snprintf(path, sizeof(path), "%s/cgroup.controllers", mount);
        if (read_string_file(path, avail, sizeof(avail)) <= 0)
                return;
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", mount);
        if (read_string_file(path, enabled, sizeof(enabled)) < 0)
                return;
        for (size_t i = 0; i < ELEMENTSOF(wanted); i++) {
                char req[32];
                if (!has_word(avail, wanted[i]) || has_word(enabled, wanted[i]))
                        continue;
                snprintf(req, sizeof(req), "+%s", wanted[i]);
                if (write_string_file(path, req) == 0)
                        log_info("enabled the %s controller for the children of the root cgroup", wanted[i]);
                else
                        log_debug("enable %s in %s: %s", wanted[i], path, strerror(errno));
        }
}

static int own_cgroup(char *out, size_t size) {
        char buf[4096];
        FILE *f = fopen("/proc/self/cgroup", "re");
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (fgets(buf, sizeof(buf), f))
                if (startswith(buf, "0::")) {
                        buf[strcspn(buf, "\n")] = 0;
                        snprintf(out, size, "%s", buf + 3);
                        r = 0;
                }
        fclose(f);
        return r;
}

int cg_create(struct cgroup *cg, const char *machine, uid_t uid, gid_t gid, struct nb_error *err) {
        static const char *const delegated[] = {
                "", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads",
                "/memory.oom.group", "/memory.reclaim",
        };
        char path[1024], self[512];
        int r;

        r = own_cgroup(self, sizeof(self));
        if (r < 0)
                return nb_error_set(err, -r, "find nixbox's own cgroup in /proc/self/cgroup");
        snprintf(cg->original, sizeof(cg->original), "%s%s", cg->mount, streq(self, "/") ? "" : self);

        enable_root_controllers(cg->mount);
        snprintf(cg->dir, sizeof(cg->dir), "%s/nixbox/%s", cg->mount, machine);
        cg_remove_tree(cg->dir);   /* a stale one of this machine: we hold its lock */
        snprintf(path, sizeof(path), "%s/nixbox", cg->mount);
        /* Another nixbox that just stopped may remove nixbox/ between our
         * two mkdirs; then simply try again. */
        for (int tries = 0;; tries++) {
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return nb_error_set(err, errno, "create cgroup %s", path);
                enable_controllers(path);
                if (mkdir(cg->dir, 0755) == 0)
                        break;
                if (errno != ENOENT || tries >= 10)
                        return nb_error_set(err, errno, "create cgroup %s", cg->dir);
        }
        cg->created = true;
        enable_controllers(cg->dir);

        snprintf(path, sizeof(path), "%s/supervisor", cg->dir);
        if (mkdir(path, 0755) < 0)
                return nb_error_set(err, errno, "create cgroup %s", path);
        snprintf(path, sizeof(path), "%s/payload", cg->dir);
        if (mkdir(path, 0755) < 0)
                return nb_error_set(err, errno, "create cgroup %s", path);

        /* Bound the tree the container may build in payload/ (depth and
         * count): the files stay the host's, only their values are inherited
         * as limits by everything below. */
        snprintf(path, sizeof(path), "%s/payload/cgroup.max.depth", cg->dir);
        r = write_string_file(path, STRINGIFY(CG_PAYLOAD_MAX_DEPTH));
        if (r < 0)
                return nb_error_set(err, -r, "write %d to %s", CG_PAYLOAD_MAX_DEPTH, path);
        snprintf(path, sizeof(path), "%s/payload/cgroup.max.descendants", cg->dir);
        r = write_string_file(path, STRINGIFY(CG_PAYLOAD_MAX_DESCENDANTS));
        if (r < 0)
                return nb_error_set(err, -r, "write %d to %s", CG_PAYLOAD_MAX_DESCENDANTS, path);

        /* Delegate payload/ to the container's root, as systemd's Delegate=yes does. */
        for (size_t i = 0; i < ELEMENTSOF(delegated); i++) {
                snprintf(path, sizeof(path), "%s/payload%s", cg->dir, delegated[i]);
                if (chown(path, uid, gid) < 0 && (i == 0 || errno != ENOENT))
                        return nb_error_set(err, errno, "delegate cgroup file %s", path);
        }

        snprintf(path, sizeof(path), "%s/supervisor/cgroup.procs", cg->dir);
        r = write_string_file(path, "0");
        if (r < 0)
                return nb_error_set(err, -r, "move nixbox into cgroup %s", path);
        return 0;
}

void cg_payload_procs(const struct cgroup *cg, char *out, size_t size) {
        snprintf(out, size, "%s/payload/cgroup.procs", cg->dir);
}

static int write_limit(const struct cgroup *cg, const char *controller, const char *file, const char *value,
                       struct nb_error *err) {
        char path[1024], avail[512];
        int r;

        snprintf(path, sizeof(path), "%s/payload/cgroup.controllers", cg->dir);
        if (read_string_file(path, avail, sizeof(avail)) < 0 || !has_word(avail, controller)) {
                log_warn("cgroup controller '%s' is not available on this host: %s=%s not applied", controller, file, value);
                return 0;
        }
        snprintf(path, sizeof(path), "%s/payload/%s", cg->dir, file);
        r = write_string_file(path, value);
        if (r < 0)
                return nb_error_set(err, -r, "write %s to %s", value, path);
        return 0;
}

int cg_apply_resources(struct cgroup *cg, const struct resources *res, struct nb_error *err) {
        char v[64];
        int r = 0;

#define U64_OR_MAX(x) ((x) == UINT64_MAX ? snprintf(v, sizeof(v), "max") : snprintf(v, sizeof(v), "%llu", (unsigned long long) (x)))
        if (res->memory_max_set) {
                U64_OR_MAX(res->memory_max);
                if ((r = write_limit(cg, "memory", "memory.max", v, err)) < 0)
                        return r;
        }
        if (res->memory_high_set) {
                U64_OR_MAX(res->memory_high);
                if ((r = write_limit(cg, "memory", "memory.high", v, err)) < 0)
                        return r;
        }
        if (res->tasks_max_set) {
                U64_OR_MAX(res->tasks_max);
                if ((r = write_limit(cg, "pids", "pids.max", v, err)) < 0)
                        return r;
        }
        if (res->cpu_quota_set) {
                if (res->cpu_quota_usec == UINT64_MAX)
                        snprintf(v, sizeof(v), "max 100000");
                else
                        snprintf(v, sizeof(v), "%llu 100000", (unsigned long long) res->cpu_quota_usec);
                if ((r = write_limit(cg, "cpu", "cpu.max", v, err)) < 0)
                        return r;
        }
        if (res->cpu_weight_set) {
                snprintf(v, sizeof(v), "%llu", (unsigned long long) res->cpu_weight);
                if ((r = write_limit(cg, "cpu", "cpu.weight", v, err)) < 0)
                        return r;
        }
        if (res->io_weight_set) {
                snprintf(v, sizeof(v), "default %llu", (unsigned long long) res->io_weight);
                if ((r = write_limit(cg, "io", "io.weight", v, err)) < 0)
                        return r;
        }
#undef U64_OR_MAX
        return 0;
}

/* An OOM kill inside is easy to miss: say it, before the counters go. */
static void report_oom(const struct cgroup *cg) {
        char path[1024], buf[1024];
        const char *p;

        snprintf(path, sizeof(path), "%s/payload/memory.events", cg->dir);
        if (read_string_file(path, buf, sizeof(buf)) <= 0)
                return;
        p = strstr(buf, "oom_kill ");
        if (p && atol(p + strlen("oom_kill ")) > 0)
                log_warn("processes of the container were killed for lack of memory %ld time(s) (its memory limit)",
                         atol(p + strlen("oom_kill ")));
}

void cg_destroy(struct cgroup *cg) {
        char path[1024];

        if (!cg->created)
                return;
        report_oom(cg);
        snprintf(path, sizeof(path), "%s/cgroup.procs", cg->original);
        if (write_string_file(path, "0") < 0)
                log_warn("move nixbox back to cgroup %s: %s", cg->original, strerror(errno));
        if (cg_remove_tree(cg->dir) < 0)
                log_warn("remove cgroup %s: %s", cg->dir, strerror(errno));
        snprintf(path, sizeof(path), "%s/nixbox", cg->mount);
        rmdir(path);   /* only succeeds when no other container runs */
        cg->created = false;
}
