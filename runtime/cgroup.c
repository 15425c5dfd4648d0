/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"
#include "fileio.h"
#include "log.h"
#include "options.h"
#include "state.h"

/* Whether mount point a is b or a directory above it. */
static bool covers_path(const char *a, const char *b) {
        size_t l = strlen(a);

        if (streq(a, "/"))
                return true;
        return strncmp(a, b, l) == 0 && (b[l] == 0 || b[l] == '/');
}

int cg_find_mount_root(char *out, size_t size, char *root_out, size_t root_size) {
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096], best[1024] = "", best_root[1024] = "";

        if (!f)
                return -errno;
        /* The visible cgroup2 is the last one mounted at its mount point
         * with nothing mounted later on top of it or of a directory above
         * it: a second cgroup2 over-mounted on the first (a cgroup
         * namespace's own, a container manager's) hides the first. Another
         * cgroup2 elsewhere (a bind of some subtree) does not replace the
         * first one found. */
        while (fgets(line, sizeof(line), f)) {
                /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS */
                char root[1024], mnt[1024];
                const char *sep = strstr(line, " - ");

                if (!sep || sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2)
                        continue;
                if (strncmp(sep + 3, "cgroup2 ", 8) == 0 && (!*best || covers_path(mnt, best))) {
                        snprintf(best, sizeof(best), "%s", mnt);
                        snprintf(best_root, sizeof(best_root), "%s", root);
                } else if (*best && covers_path(mnt, best) && strncmp(sep + 3, "cgroup2 ", 8) != 0)
                        *best = 0;
        }
        fclose(f);
        if (!*best)
                return -ENOENT;
        snprintf(out, size, "%s", best);
        if (root_out)
                snprintf(root_out, root_size, "%s", best_root);
        return 0;
}

int cg_find_mount(char *out, size_t size) {
        return cg_find_mount_root(out, size, NULL, 0);
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
                /* A live supervisor: a nixbox whose locks are elsewhere (another
                 * StateDir= of nixbox.conf(5)) must not be taken for stale. */
                {
                        /* One open and read (cgroupfs has no symlinks). */
                        char events[300], buf[256];
                        snprintf(events, sizeof(events), "%s/supervisor/cgroup.events", de->d_name);
                        if (read_string_file_at(dirfd(d), events, buf, sizeof(buf)) > 0 && strstr(buf, "populated 1"))
                                continue;
                }
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
 * act on: enable memory, pids, cpu, io and cpuset there, one at a time and add-only.
 * Only at the real root (it has no cgroup.type; a cgroup namespace's root
 * has), which is exempt from the no-internal-processes rule. */
static void enable_root_controllers(const char *mount) {
        static const char *const wanted[] = { "memory", "pids", "cpu", "io", "cpuset" };
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
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        int r = -ENOENT, k;

        if (!f)
                return -errno;
        while ((k = read_line(f, buf, sizeof(buf))) != 0) {
                if (k < 0)
                        return k;
                if (startswith(buf, "0::"))
                        r = snprintf_ok(out, size, "%s", buf + 3);
        }
        return r;
}

/* Our own cgroup as a directory under the mount: /proc/self/cgroup and the
 * mount's root field are both relative to our cgroup namespace's root. A
 * mount showing a cgroup above that root ("/..") cannot place us. */
static int own_cgroup_dir(struct cgroup *cg, struct nb_error *err) {
        char self[512];
        const char *rel = self;
        size_t l = strlen(cg->root);
        int r;

        r = own_cgroup(self, sizeof(self));
        if (r < 0)
                return nb_error_set(err, r, "find nixbox's own cgroup in /proc/self/cgroup");
        if (!streq(cg->root, "/") && !(*cg->root == '/' && strncmp(self, cg->root, l) == 0 && (self[l] == 0 || self[l] == '/')))
                return nb_error_set(err, 0, "the cgroup2 mount %s shows cgroup %s, which does not contain nixbox's own cgroup %s",
                                    cg->mount, cg->root, self);
        if (!streq(cg->root, "/"))
                rel = self + l;
        r = snprintf_ok(cg->original, sizeof(cg->original), "%s%s", cg->mount, streq(rel, "/") ? "" : rel);
        if (r < 0)
                return nb_error_set(err, r, "nixbox's own cgroup %s under %s", rel, cg->mount);
        return 0;
}

/* Creates BASE/nixbox/NAME; -errno with err set (nothing made) on failure. */
static int make_machine_dir(struct cgroup *cg, const char *machine, struct nb_error *err) {
        char path[1024];

        if (snprintf_ok(cg->dir, sizeof(cg->dir), "%s/nixbox/%s", cg->base, machine) < 0 ||
            snprintf_ok(path, sizeof(path), "%s/nixbox", cg->base) < 0)
                return nb_error_set(err, ENAMETOOLONG, "the cgroup of machine %s under %s", machine, cg->base);
        cg_remove_tree(cg->dir);   /* a stale one of this machine: we hold its lock */
        /* Another nixbox that just stopped may remove nixbox/ between our
         * two mkdirs; then simply try again. */
        for (int tries = 0;; tries++) {
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return nb_error_set(err, errno, "create cgroup %s", path);
                enable_controllers(path);
                if (mkdir(cg->dir, 0755) == 0)
                        return 0;
                if (errno != ENOENT || tries >= 10)
                        return nb_error_set(err, errno, "create cgroup %s", cg->dir);
        }
}

int cg_create(struct cgroup *cg, const char *machine, uid_t uid, gid_t gid, struct nb_error *err) {
        static const char *const delegated[] = {
                "", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads",
                "/memory.oom.group", "/memory.reclaim",
        };
        char path[1024];
        int r;

        if (!*cg->root)
                snprintf(cg->root, sizeof(cg->root), "/");
        r = own_cgroup_dir(cg, err);
        if (r < 0)
                return r;

        /* --keep-unit: below our own cgroup, which holds processes (us at
         * least), so its controllers are never enabled here (we could not
         * move back into it); the service manager's own limits apply. */
        if (!cg->keep_unit)
                enable_root_controllers(cg->mount);
        snprintf(cg->base, sizeof(cg->base), "%s", cg->keep_unit ? cg->original : cg->mount);
        r = make_machine_dir(cg, machine, err);
        if ((r == -EACCES || r == -EPERM || r == -EROFS) && !cg->keep_unit && !streq(cg->original, cg->mount)) {
                /* Nested: only our own cgroup may be delegated to us. */
                log_debug("%s; trying nixbox's own cgroup %s", err->msg, cg->original);
                snprintf(cg->base, sizeof(cg->base), "%s", cg->original);
                r = make_machine_dir(cg, machine, err);
        }
        if (r < 0)
                return r;
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
                return nb_error_set(err, r, "write %d to %s", CG_PAYLOAD_MAX_DEPTH, path);
        snprintf(path, sizeof(path), "%s/payload/cgroup.max.descendants", cg->dir);
        r = write_string_file(path, STRINGIFY(CG_PAYLOAD_MAX_DESCENDANTS));
        if (r < 0)
                return nb_error_set(err, r, "write %d to %s", CG_PAYLOAD_MAX_DESCENDANTS, path);

        /* Delegate payload/ to the container's root, as systemd's Delegate=yes does. */
        for (size_t i = 0; i < ELEMENTSOF(delegated); i++) {
                snprintf(path, sizeof(path), "%s/payload%s", cg->dir, delegated[i]);
                if (chown(path, uid, gid) < 0 && (i == 0 || errno != ENOENT))
                        return nb_error_set(err, errno, "delegate cgroup file %s", path);
        }

        snprintf(path, sizeof(path), "%s/supervisor/cgroup.procs", cg->dir);
        r = write_string_file(path, "0");
        if (r < 0) {
                /* Nested, the common ancestor's cgroup.procs may not be ours:
                 * then the subtree is no use; undo it. */
                nb_error_set(err, r, "move nixbox into cgroup %s", path);
                cg_remove_tree(cg->dir);
                snprintf(path, sizeof(path), "%s/nixbox", cg->base);
                rmdir(path);
                cg->created = false;
                return r;
        }
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
                return nb_error_set(err, r, "write %s to %s", value, path);
        return 0;
}

/* "MAJ:MIN" of the whole disk that holds path (a block device node, or
 * the file system of any other file), as systemd's IO*Max= take it. */
static int io_block_device(const char *path, char *out, size_t size) {
        char p[128], buf[32];
        struct stat st;
        dev_t d;

        if (stat(path, &st) < 0)
                return -errno;
        d = S_ISBLK(st.st_mode) ? st.st_rdev : st.st_dev;
        if (major(d) == 0)
                return -ENODEV; /* tmpfs, overlayfs, ...: no block device */
        snprintf(out, size, "%u:%u", major(d), minor(d));
        /* A partition: io.max takes only the whole disk, its parent in sysfs. */
        snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/partition", major(d), minor(d));
        if (access(p, F_OK) == 0) {
                snprintf(p, sizeof(p), "/sys/dev/block/%u:%u/../dev", major(d), minor(d));
                if (read_string_file(p, buf, sizeof(buf)) > 0) {
                        buf[strcspn(buf, "\n")] = 0;
                        snprintf(out, size, "%s", buf);
                }
        }
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
        if (res->memory_min_set) {
                U64_OR_MAX(res->memory_min);
                if ((r = write_limit(cg, "memory", "memory.min", v, err)) < 0)
                        return r;
        }
        if (res->memory_low_set) {
                U64_OR_MAX(res->memory_low);
                if ((r = write_limit(cg, "memory", "memory.low", v, err)) < 0)
                        return r;
        }
        if (res->memory_swap_max_set) {
                U64_OR_MAX(res->memory_swap_max);
                if ((r = write_limit(cg, "memory", "memory.swap.max", v, err)) < 0)
                        return r;
        }
#undef U64_OR_MAX
        if (res->allowed_cpus[0] && (r = write_limit(cg, "cpuset", "cpuset.cpus", res->allowed_cpus, err)) < 0)
                return r;
        if (res->allowed_mems[0] && (r = write_limit(cg, "cpuset", "cpuset.mems", res->allowed_mems, err)) < 0)
                return r;
        for (size_t i = 0; i < res->n_io_limits; i++) {
                static const char *const keys[] = {
                        [IO_RBPS] = "rbps", [IO_WBPS] = "wbps", [IO_RIOPS] = "riops", [IO_WIOPS] = "wiops"
                };
                const struct io_limit *l = &res->io_limits[i];
                char dev[32], line[96];
                if (io_block_device(l->path, dev, sizeof(dev)) < 0) {
                        /* As systemd: a path without a block device is skipped. */
                        log_warn("no block device found for %s: its I/O limit is not applied", l->path);
                        continue;
                }
                if (l->kind == IO_WEIGHT)
                        snprintf(line, sizeof(line), "%s %llu", dev, (unsigned long long) l->value);
                else if (l->value == UINT64_MAX)
                        snprintf(line, sizeof(line), "%s %s=max", dev, keys[l->kind]);
                else
                        snprintf(line, sizeof(line), "%s %s=%llu", dev, keys[l->kind], (unsigned long long) l->value);
                if ((r = write_limit(cg, "io", l->kind == IO_WEIGHT ? "io.weight" : "io.max", line, err)) < 0)
                        return r;
        }
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

/* The usual end: payload/ and supervisor/ are empty leaves (nothing left
 * in them, no cgroups made below them) and nothing else is in dir: three
 * rmdirs instead of the walk. The kernel refuses to remove a cgroup that
 * still has processes or children (EBUSY), and then the walk kills and
 * removes whatever is there. */
static bool remove_empty_leaves(const char *dir) {
        static const char *const leaves[] = { "payload", "supervisor" };
        char path[1024];

        for (size_t i = 0; i < ELEMENTSOF(leaves); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, leaves[i]);
                if (rmdir(path) < 0 && errno != ENOENT)
                        return false;
        }
        return rmdir(dir) == 0;
}

void cg_destroy(struct cgroup *cg) {
        char path[1024];

        if (!cg->created)
                return;
        report_oom(cg);
        snprintf(path, sizeof(path), "%s/cgroup.procs", cg->original);
        if (write_string_file(path, "0") < 0)
                log_warn("move nixbox back to cgroup %s: %s", cg->original, strerror(errno));
        if (!remove_empty_leaves(cg->dir) && cg_remove_tree(cg->dir) < 0)
                log_warn("remove cgroup %s: %s", cg->dir, strerror(errno));
        snprintf(path, sizeof(path), "%s/nixbox", cg->base);
        rmdir(path);   /* only succeeds when no other container runs */
        cg->created = false;
}

void cg_remove_stale_keep_unit(const char *path, const char *machine) {
        char mount[256], tail[300], parent[512];
        size_t ml, pl = strlen(path), tl;

        if (cg_find_mount(mount, sizeof(mount)) < 0)
                return;
        ml = strlen(mount);
        tl = (size_t) snprintf(tail, sizeof(tail), "/nixbox/%s", machine);
        /* Only a nixbox/NAME directory inside the cgroup2 mount. */
        if (strncmp(path, mount, ml) != 0 || path[ml] != '/' || pl <= tl || pl >= sizeof(parent) ||
            !streq(path + pl - tl, tail) || strstr(path, "/../") || strstr(path, "/./"))
                return;
        log_debug("removing stale cgroup %s", path);
        cg_remove_tree(path);
        snprintf(parent, sizeof(parent), "%.*s", (int) (pl - strlen(machine) - 1), path);
        rmdir(parent);
}
