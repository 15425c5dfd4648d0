/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's first process under nixbox-oci: it sets up the mount
 * tree the bundle describes (and nothing else: runc's defaults, not
 * nspawn's), pivots into the root, reports to `create` and then waits on
 * exec.fifo until `start` opens it; finally it takes the process's
 * credentials, capabilities, rlimits and seccomp filter and execs. */
#include <fcntl.h>
#include <grp.h>
#include <json-c/json.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "error.h"
#include "fileio.h"
#include "mount-util.h"
#include "oci.h"
#include "path-in-root.h"

static void send_msg(int fd, const struct oci_msg *m) {
        (void) !write(fd, m, sizeof(*m));
}

/* Sends the error to the parent, which prints it. */
_Noreturn static void child_fail(struct oci_child *ch, struct oci_msg *m) {
        m->type = OCI_MSG_DONE;
        if (!m->err.errnum && !m->err.msg[0])
                nb_error_set(&m->err, EIO, "container set-up");
        send_msg(ch->sync_fd, m);
        _exit(EXIT_NIXBOX_ERROR);
}

static int wait_parent(int fd) {
        char b;

        return read(fd, &b, 1) == 1 ? 0 : -EPIPE;
}

/* tmpcopyup: the tmpfs just mounted on the directory at `target` gets a
 * copy of what the image has there, read through an fd that still sees the
 * directory under the mount. cp -a copies symlinks as symlinks and never
 * follows one out of the source; the source is resolved inside the root. */
static int copy_up(int rootfd, int target, const char *dest, struct nb_error *err) {
        _cleanup_close_ int fresh = -1;
        char src[64], dst[64];
        int status;
        pid_t pid;

        /* `target` was opened before the mount: it still names the covered
         * directory; a new lookup gives the tmpfs. */
        fresh = root_open(rootfd, dest, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (fresh < 0)
                return nb_error_set(err, fresh, "tmpcopyup: open %s", dest);
        snprintf(src, sizeof(src), "/proc/self/fd/%d/.", target);
        snprintf(dst, sizeof(dst), "/proc/self/fd/%d", fresh);
        pid = fork();
        if (pid < 0)
                return nb_error_set(err, errno, "tmpcopyup: fork");
        if (pid == 0) {
                (void) fcntl(target, F_SETFD, 0);
                (void) fcntl(fresh, F_SETFD, 0);
                execl("/bin/cp", "cp", "-a", "--", src, dst, (char *) NULL);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return nb_error_set(err, EIO, "tmpcopyup: copy the content of %s into its tmpfs (cp status 0x%x)", dest, status);
        return 0;
}

/* Mounts one entry of config.json's mounts below the new root (rootfd). */
static int do_mount(int rootfd, const struct oci_config *c, const struct oci_mount *m, struct nb_error *err) {
        _cleanup_close_ int target = -1;
        char src[4200], p[32];
        const char *type = m->type;
        unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
        struct stat st;
        int r;

        if (m->bind) {
                if (m->source[0] == '/')
                        snprintf(src, sizeof(src), "%s", m->source);
                else
                        snprintf(src, sizeof(src), "%s/%s", c->bundle, m->source);
                if (stat(src, &st) < 0)
                        return nb_error_set(err, errno, "bind mount source %s", src);
                target = root_mount_point(rootfd, m->destination, S_ISDIR(st.st_mode), 0, 0);
                if (target < 0)
                        return nb_error_set(err, target, "mount point %s (in %s)", m->destination, c->root_path);
                r = bind_on_fd(AT_FDCWD, src, target, m->flags & MS_REC, false, -1);
                if (r < 0)
                        return nb_error_set(err, r, "bind mount %s on %s", src, m->destination);
                close(target);
                target = root_open(rootfd, m->destination, O_PATH | O_CLOEXEC, 0);
                if (target < 0)
                        return nb_error_set(err, target, "open %s after mounting", m->destination);
                /* Bind mounts take their flags on a remount. */
                if (flags && mount(NULL, fd_path(target, p), NULL, MS_REMOUNT | MS_BIND | flags, NULL) < 0) {
                        /* In a user namespace the source's nosuid/nodev/noexec/ro
                         * are locked: they must be kept on the remount. */
                        struct statvfs sv;

                        if (errno != EPERM || fstatvfs(target, &sv) < 0 ||
                            mount(NULL, fd_path(target, p), NULL,
                                  MS_REMOUNT | MS_BIND | flags | (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_RDONLY)),
                                  NULL) < 0)
                                return nb_error_set(err, errno, "remount %s with its options", m->destination);
                }
        } else {
                if (streq(type, "cgroup"))
                        type = "cgroup2"; /* nixbox speaks cgroup v2 only */
                target = root_mount_point(rootfd, m->destination, true, 0, 0);
                if (target < 0)
                        return nb_error_set(err, target, "mount point %s (in %s)", m->destination, c->root_path);
                r = mount_on_fd(m->source ? m->source : type, target, type, flags, *m->data ? m->data : NULL);
                if (r >= 0 && m->tmpcopyup && streq(type, "tmpfs"))
                        r = copy_up(rootfd, target, m->destination, err);
                if (r == -EPERM && streq(type, "sysfs")) {
                        /* A user namespace without its own network namespace may not
                         * mount sysfs: the host's, read-only, as runc does. */
                        r = bind_on_fd(AT_FDCWD, "/sys", target, true, true, -1);
                } else if (r == -EPERM && streq(type, "cgroup2")) {
                        r = 0; /* no cgroup namespace in a user namespace: none visible, as crun */
                }
                if (r < 0)
                        return nb_error_set(err, r, "mount %s on %s", type, m->destination);
        }
        if (m->propagation) {
                close(target);
                target = root_open(rootfd, m->destination, O_PATH | O_CLOEXEC, 0);
                if (target < 0 || mount(NULL, fd_path(target, p), NULL, m->propagation, NULL) < 0)
                        return nb_error_set(err, errno, "set the propagation of %s", m->destination);
        }
        return 0;
}

static const struct {
        const char *name;
        unsigned major, minor;
} default_devices[] = {
        { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

/* A device node: mknod, or (in a user namespace, where mknod is refused) a
 * bind mount of the host's node. */
static int make_device(int rootfd, const char *path, char type, unsigned major, unsigned minor, mode_t mode, uid_t uid, gid_t gid,
                       bool userns, struct nb_error *err) {
        _cleanup_close_ int dir = -1, target = -1;
        _cleanup_free_ char *parent = strdup(path);
        const char *base = strrchr(path, '/') + 1;
        char host[64];
        int r;

        if (!parent)
                return -ENOMEM;
        parent[base - path] = 0;
        dir = root_mkdir_p(rootfd, parent, 0755, 0, 0);
        if (dir < 0)
                return nb_error_set(err, dir, "create %s", parent);
        if (!userns) {
                close(dir);
                dir = root_open(rootfd, parent, O_DIRECTORY | O_CLOEXEC, 0);
                if (dir < 0)
                        return nb_error_set(err, dir, "open %s", parent);
                (void) unlinkat(dir, base, 0);
                if (mknodat(dir, base, (type == 'b' ? S_IFBLK : S_IFCHR) | mode, makedev(major, minor)) < 0)
                        return nb_error_set(err, errno, "mknod %s", path);
                if (fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fchmodat(dir, base, mode, 0) < 0)
                        return nb_error_set(err, errno, "set the owner and mode of %s", path);
                return 0;
        }
        snprintf(host, sizeof(host), "/dev/%s", base);
        if (type != 'c' || major > 10)
                snprintf(host, sizeof(host), "/dev/%s/%u:%u", type == 'b' ? "block" : "char", major, minor);
        target = root_mount_point(rootfd, path, false, 0, 0);
        if (target < 0)
                return nb_error_set(err, target, "mount point %s", path);
        r = bind_on_fd(AT_FDCWD, host, target, false, false, -1);
        if (r < 0)
                return nb_error_set(err, r, "bind mount %s on %s", host, path);
        return 0;
}

/* runc's default /dev content when the bundle mounts a /dev of its own. */
static int setup_dev(int rootfd, const struct oci_config *c, struct nb_error *err) {
        bool userns = oci_has_namespace(c, CLONE_NEWUSER, NULL);
        _cleanup_close_ int dev = -1;
        bool have_dev = false;
        int r;

        for (size_t i = 0; i < c->n_mounts; i++)
                have_dev = have_dev || streq(c->mounts[i].destination, "/dev");
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                r = make_device(rootfd, d->path, d->type, (unsigned) d->major, (unsigned) d->minor, d->mode, d->uid, d->gid,
                                userns, err);
                if (r < 0)
                        return r;
        }
        if (!have_dev)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                char path[32];
                snprintf(path, sizeof(path), "/dev/%s", default_devices[i].name);
                r = make_device(rootfd, path, 'c', default_devices[i].major, default_devices[i].minor, 0666, 0, 0, userns, err);
                if (r < 0)
                        return r;
        }
        dev = root_open(rootfd, "/dev", O_DIRECTORY | O_CLOEXEC, 0);
        if (dev < 0)
                return nb_error_set(err, dev, "open /dev");
        (void) !symlinkat("/proc/self/fd", dev, "fd");
        (void) !symlinkat("/proc/self/fd/0", dev, "stdin");
        (void) !symlinkat("/proc/self/fd/1", dev, "stdout");
        (void) !symlinkat("/proc/self/fd/2", dev, "stderr");
        (void) !symlinkat("/proc/kcore", dev, "core");
        if (faccessat(dev, "pts/ptmx", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                (void) unlinkat(dev, "ptmx", 0);
                (void) !symlinkat("pts/ptmx", dev, "ptmx");
        }
        return 0;
}

/* maskedPaths: /dev/null over a file, an empty read-only tmpfs over a
 * directory; a path that does not exist needs no mask. */
static int mask_path(int rootfd, const char *path, struct nb_error *err) {
        _cleanup_close_ int fd = root_open(rootfd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
        struct stat st;
        int r;

        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0 || fstat(fd, &st) < 0)
                return nb_error_set(err, fd < 0 ? fd : -errno, "maskedPaths: %s", path);
        if (S_ISDIR(st.st_mode))
                r = mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0");
        else
                r = bind_on_fd(AT_FDCWD, "/dev/null", fd, false, true, -1);
        return r < 0 ? nb_error_set(err, r, "maskedPaths: mask %s", path) : 0;
}

static int readonly_path(int rootfd, const char *path, struct nb_error *err) {
        _cleanup_close_ int fd = root_open(rootfd, path, O_PATH | O_CLOEXEC, 0);
        char p[32];
        int r;

        if (fd == -ENOENT || fd == -ENOTDIR)
                return 0;
        if (fd < 0)
                return nb_error_set(err, fd, "readonlyPaths: %s", path);
        r = bind_on_fd(AT_FDCWD, fd_path(fd, p), fd, true, true, -1);
        return r < 0 ? nb_error_set(err, r, "readonlyPaths: make %s read-only", path) : 0;
}

static int write_sysctls(const struct oci_config *c, struct nb_error *err);

static int setup_rootfs(struct oci_child *ch, struct nb_error *err) {
        const struct oci_config *c = ch->c;
        _cleanup_close_ int rootfd = -1;
        int r;

        /* Nothing we mount may reach the host; then the root as its own mount. */
        if (mount(NULL, "/", NULL, c->rootfs_propagation ? c->rootfs_propagation : MS_SLAVE | MS_REC, NULL) < 0)
                return nb_error_set(err, errno, "set the propagation of /");
        if (mount(c->root_path, c->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
                return nb_error_set(err, errno, "bind mount the root %s", c->root_path);
        rootfd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return nb_error_set(err, errno, "open the root %s", c->root_path);
        for (size_t i = 0; i < c->n_mounts; i++) {
                r = do_mount(rootfd, c, &c->mounts[i], err);
                if (r < 0)
                        return r;
        }
        r = setup_dev(rootfd, c, err);
        if (r < 0)
                return r;
        if (chdir(c->root_path) < 0)
                return nb_error_set(err, errno, "chdir %s", c->root_path);
        if (ch->no_pivot) {
                if (mount(c->root_path, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
                        return nb_error_set(err, errno, "move the root %s to /", c->root_path);
        } else {
                /* pivot_root(".", ".") stacks the old root under the new one;
                 * detaching it leaves only the container's tree. */
                if (syscall(SYS_pivot_root, ".", ".") < 0)
                        return nb_error_set(err, errno, "pivot_root into %s", c->root_path);
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
                        return nb_error_set(err, errno, "detach the old root");
        }
        if (chdir("/") < 0)
                return nb_error_set(err, errno, "chdir /");
        close(rootfd);
        rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return nb_error_set(err, errno, "open /");
        /* The container's /proc/sys, before readonlyPaths covers it. */
        r = write_sysctls(c, err);
        if (r < 0)
                return r;
        for (size_t i = 0; c->masked && c->masked[i]; i++)
                if ((r = mask_path(rootfd, c->masked[i], err)) < 0)
                        return r;
        for (size_t i = 0; c->readonly && c->readonly[i]; i++)
                if ((r = readonly_path(rootfd, c->readonly[i], err)) < 0)
                        return r;
        if (c->root_readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
                return nb_error_set(err, errno, "make the root read-only");
        return 0;
}

static int write_sysctls(const struct oci_config *c, struct nb_error *err) {
        for (size_t i = 0; c->sysctl && c->sysctl[i]; i += 2) {
                char path[512];
                int r;

                snprintf(path, sizeof(path), "/proc/sys/%s", c->sysctl[i]);
                for (char *q = path + 10; *q; q++)
                        if (*q == '.')
                                *q = '/';
                r = write_string_file(path, c->sysctl[i + 1]);
                if (r < 0)
                        return nb_error_set(err, r, "linux.sysctl: write %s to %s", c->sysctl[i + 1], path);
        }
        return 0;
}

int oci_terminal_setup(int console_fd, uid_t uid, struct nb_error *err) {
        _cleanup_close_ int master = -1, slave = -1;
        char name[64];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u = { 0 };
        struct iovec iov = { .iov_base = name, .iov_len = 0 };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
        struct cmsghdr *cm;

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                return nb_error_set(err, errno, "open /dev/ptmx for process.terminal");
        if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
                return nb_error_set(err, errno, "unlock the terminal");
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return nb_error_set(err, errno, "open %s", name);
        if (fchown(slave, uid, (gid_t) -1) < 0 && errno != EINVAL && errno != EPERM)
                return nb_error_set(err, errno, "chown %s", name);
        iov.iov_len = strlen(name);
        cm = CMSG_FIRSTHDR(&msg);
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(console_fd, &msg, MSG_NOSIGNAL) < 0)
                return nb_error_set(err, errno, "send the terminal to the console socket");
        if (setsid() < 0 && errno != EPERM)
                return nb_error_set(err, errno, "setsid");
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return nb_error_set(err, errno, "make %s the controlling terminal", name);
        for (int i = 0; i < 3; i++)
                if (dup2(slave, i) < 0)
                        return nb_error_set(err, errno, "dup the terminal");
        return 0;
}

int oci_find_executable(const struct oci_process *p, char *out, size_t size, struct nb_error *err) {
        const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", *arg0 = p->args[0];
        struct stat st;

        if (strchr(arg0, '/')) {
                if (stat(arg0, &st) < 0)
                        return nb_error_set(err, errno, "exec: %s", arg0);
                snprintf(out, size, "%s", arg0);
                return 0;
        }
        for (char **e = p->env; e && *e; e++)
                if (startswith(*e, "PATH="))
                        path = *e + 5;
        while (*path) {
                size_t n = strcspn(path, ":");

                snprintf(out, size, "%.*s/%s", (int) n, path, arg0);
                if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
                        return 0;
                path += n + (path[n] == ':');
        }
        return nb_error_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
}

static int arch_token(const char *name, uint32_t *out) {
        static const struct {
                const char *oci, *scmp;
        } arch[] = {
                { "SCMP_ARCH_X86", "x86" },       { "SCMP_ARCH_X86_64", "x86_64" },   { "SCMP_ARCH_X32", "x32" },
                { "SCMP_ARCH_ARM", "arm" },       { "SCMP_ARCH_AARCH64", "aarch64" }, { "SCMP_ARCH_MIPS", "mips" },
                { "SCMP_ARCH_MIPS64", "mips64" }, { "SCMP_ARCH_MIPSEL", "mipsel" },   { "SCMP_ARCH_MIPSEL64", "mipsel64" },
                { "SCMP_ARCH_PPC", "ppc" },       { "SCMP_ARCH_PPC64", "ppc64" },     { "SCMP_ARCH_PPC64LE", "ppc64le" },
                { "SCMP_ARCH_S390", "s390" },     { "SCMP_ARCH_S390X", "s390x" },     { "SCMP_ARCH_RISCV64", "riscv64" },
        };
        for (size_t i = 0; i < ELEMENTSOF(arch); i++)
                if (streq(arch[i].oci, name)) {
                        *out = seccomp_arch_resolve_name(arch[i].scmp);
                        return *out ? 0 : -EINVAL;
                }
        return -EINVAL;
}

static int seccomp_action(json_object *o, const char *key, const char *where, uint32_t *out, bool *is_set, struct nb_error *err) {
        json_object *v, *ret;
        const char *a;
        int errnoret = EPERM;

        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        a = json_object_get_string(v);
        if (json_object_object_get_ex(o, key[0] == 'd' ? "defaultErrnoRet" : "errnoRet", &ret) &&
            json_object_is_type(ret, json_type_int))
                errnoret = json_object_get_int(ret);
        if (is_set)
                *is_set = true;
        if (streq(a, "SCMP_ACT_ALLOW"))
                *out = SCMP_ACT_ALLOW;
        else if (streq(a, "SCMP_ACT_KILL") || streq(a, "SCMP_ACT_KILL_THREAD"))
                *out = SCMP_ACT_KILL;
        else if (streq(a, "SCMP_ACT_KILL_PROCESS"))
                *out = SCMP_ACT_KILL_PROCESS;
        else if (streq(a, "SCMP_ACT_ERRNO"))
                *out = SCMP_ACT_ERRNO((uint16_t) errnoret);
        else if (streq(a, "SCMP_ACT_TRAP"))
                *out = SCMP_ACT_TRAP;
        else if (streq(a, "SCMP_ACT_LOG"))
                *out = SCMP_ACT_LOG;
        else if (streq(a, "SCMP_ACT_TRACE"))
                *out = SCMP_ACT_TRACE((uint16_t) errnoret);
        else
                return nb_error_set(err, EOPNOTSUPP, "config.json: %s.%s %s is not supported by nixbox-oci", where, key, a);
        return 0;
}

static int seccomp_op(const char *s, enum scmp_compare *op) {
        static const struct {
                const char *n;
                enum scmp_compare op;
        } ops[] = {
                { "SCMP_CMP_NE", SCMP_CMP_NE },
                { "SCMP_CMP_LT", SCMP_CMP_LT },
                { "SCMP_CMP_LE", SCMP_CMP_LE },
                { "SCMP_CMP_EQ", SCMP_CMP_EQ },
                { "SCMP_CMP_GE", SCMP_CMP_GE },
                { "SCMP_CMP_GT", SCMP_CMP_GT },
                { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
        };
        for (size_t i = 0; s && i < ELEMENTSOF(ops); i++)
                if (streq(ops[i].n, s)) {
                        *op = ops[i].op;
                        return 0;
                }
        return -EINVAL;
}

static int seccomp_rule(scmp_filter_ctx ctx, json_object *rule, size_t idx, uint32_t def, struct nb_error *err) {
        static const char *const keys[] = { "names", "name", "action", "errnoRet", "args", "comment", "includes", "excludes", NULL };
        struct scmp_arg_cmp cmp[6];
        json_object *names, *args, *v;
        unsigned n_cmp = 0;
        uint32_t action = SCMP_ACT_ALLOW;
        char where[48];
        int r;

        snprintf(where, sizeof(where), "linux.seccomp.syscalls[%zu]", idx);
        json_object_object_foreach(rule, key, val) {
                bool ok = false;
                (void) val;
                for (const char *const *k = keys; *k; k++)
                        ok = ok || streq(*k, key);
                if (!ok)
                        return nb_error_set(err, EOPNOTSUPP, "config.json: %s.%s is not supported by nixbox-oci", where, key);
        }
        if ((r = seccomp_action(rule, "action", where, &action, NULL, err)) < 0)
                return r;
        if (action == def)
                return 0; /* libseccomp refuses rules that repeat the default */
        if (json_object_object_get_ex(rule, "args", &args) && json_object_is_type(args, json_type_array)) {
                size_t n = json_object_array_length(args);
                if (n > 6)
                        return nb_error_set(err, EINVAL, "config.json: %s.args has more than 6 conditions", where);
                for (size_t i = 0; i < n; i++) {
                        json_object *a = json_object_array_get_idx(args, i);
                        enum scmp_compare op;
                        json_object *x;

                        if (!json_object_object_get_ex(a, "op", &x) || seccomp_op(json_object_get_string(x), &op) < 0)
                                return nb_error_set(err, EINVAL, "config.json: %s.args[%zu].op is not a SCMP_CMP_* operator",
                                                    where, i);
                        cmp[n_cmp].op = op;
                        cmp[n_cmp].arg = json_object_object_get_ex(a, "index", &x) ? (unsigned) json_object_get_int(x) : 0;
                        cmp[n_cmp].datum_a =
                                json_object_object_get_ex(a, "value", &x) ? (scmp_datum_t) json_object_get_uint64(x) : 0;
                        cmp[n_cmp].datum_b =
                                json_object_object_get_ex(a, "valueTwo", &x) ? (scmp_datum_t) json_object_get_uint64(x) : 0;
                        n_cmp++;
                }
        }
        if (json_object_object_get_ex(rule, "names", &names)) {
                for (size_t i = 0; i < json_object_array_length(names); i++) {
                        const char *name = json_object_get_string(json_object_array_get_idx(names, i));
                        int nr = seccomp_syscall_resolve_name(name);

                        if (nr == __NR_SCMP_ERROR)
                                continue; /* unknown on this architecture: runc and crun skip it too */
                        r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp);
                        if (r < 0 && r != -EEXIST)
                                return nb_error_set(err, r, "config.json: %s: add the rule for %s", where, name);
                }
        } else if (json_object_object_get_ex(rule, "name", &v)) {
                int nr = seccomp_syscall_resolve_name(json_object_get_string(v));
                if (nr != __NR_SCMP_ERROR && (r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp)) < 0 && r != -EEXIST)
                        return nb_error_set(err, r, "config.json: %s: add the rule", where);
        }
        return 0;
}

int oci_seccomp_load(const struct json_object *seccomp, struct nb_error *err) {
        static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",    "flags",
                                            "syscalls",      "listenerPath",    "listenerMetadata", NULL };
        json_object *s = (json_object *) seccomp, *v;
        scmp_filter_ctx ctx = NULL;
        uint32_t def = SCMP_ACT_ALLOW;
        int r;

        if (!s)
                return 0;
        json_object_object_foreach(s, key, val) {
                bool ok = false;
                (void) val;
                for (const char *const *k = keys; *k; k++)
                        ok = ok || streq(*k, key);
                if (!ok)
                        return nb_error_set(err, EOPNOTSUPP, "config.json: linux.seccomp.%s is not supported by nixbox-oci", key);
        }
        if (json_object_object_get_ex(s, "listenerPath", &v) && *json_object_get_string(v))
                return nb_error_set(err, EOPNOTSUPP,
                                    "config.json: linux.seccomp.listenerPath (SCMP_ACT_NOTIFY) is not supported by nixbox-oci");
        if (json_object_object_get_ex(s, "flags", &v) && json_object_array_length(v) > 0)
                return nb_error_set(err, EOPNOTSUPP, "config.json: linux.seccomp.flags is not supported by nixbox-oci");
        if ((r = seccomp_action(s, "defaultAction", "linux.seccomp", &def, NULL, err)) < 0)
                return r;
        ctx = seccomp_init(def);
        if (!ctx)
                return nb_error_set(err, ENOMEM, "seccomp_init");
        /* The bundle's filter is the only one: no_new_privs is not implied. */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (json_object_object_get_ex(s, "architectures", &v) && json_object_is_type(v, json_type_array))
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        const char *a = json_object_get_string(json_object_array_get_idx(v, i));
                        uint32_t token;

                        if (arch_token(a, &token) < 0) {
                                seccomp_release(ctx);
                                return nb_error_set(err, EINVAL, "config.json: linux.seccomp.architectures: unknown %s", a);
                        }
                        r = seccomp_arch_add(ctx, token);
                        if (r < 0 && r != -EEXIST) {
                                seccomp_release(ctx);
                                return nb_error_set(err, r, "linux.seccomp: add architecture %s", a);
                        }
                }
        if (json_object_object_get_ex(s, "syscalls", &v) && json_object_is_type(v, json_type_array))
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        if ((r = seccomp_rule(ctx, json_object_array_get_idx(v, i), i, def, err)) < 0) {
                                seccomp_release(ctx);
                                return r;
                        }
        r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r < 0 ? nb_error_set(err, r, "load the seccomp filter") : 0;
}

/* Dropping from the bounding set needs CAP_SETPCAP, which the uid change
 * takes away: done before it. */
static int drop_bounding(const struct oci_process *p, struct nb_error *err) {
        if (!p->has_caps)
                return 0;
        for (int c = 0; c <= 63; c++) {
                if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
                        break;
                if (!(p->caps[OCI_CAP_BOUNDING] & (UINT64_C(1) << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                        return nb_error_set(err, errno, "process.capabilities.bounding: drop capability %d", c);
        }
        return 0;
}

/* The other sets, after the uid change (PR_SET_KEEPCAPS kept permitted). */
static int apply_caps(const struct oci_process *p, struct nb_error *err) {
        _cleanup_(cap_free) cap_t caps = NULL;
        int last = 0;

        if (!p->has_caps)
                return 0;
        while (last < 63 && prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
                last++;
        caps = cap_init();
        if (!caps)
                return -ENOMEM;
        for (int c = 0; c <= last; c++) {
                cap_value_t v[1] = { c };
                if (p->caps[OCI_CAP_EFFECTIVE] & (UINT64_C(1) << c))
                        cap_set_flag(caps, CAP_EFFECTIVE, 1, v, CAP_SET);
                if (p->caps[OCI_CAP_PERMITTED] & (UINT64_C(1) << c))
                        cap_set_flag(caps, CAP_PERMITTED, 1, v, CAP_SET);
                if (p->caps[OCI_CAP_INHERITABLE] & (UINT64_C(1) << c))
                        cap_set_flag(caps, CAP_INHERITABLE, 1, v, CAP_SET);
        }
        if (cap_set_proc(caps) < 0)
                return nb_error_set(err, errno, "set process.capabilities");
        (void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
        for (int c = 0; c <= last; c++)
                /* Only one that is also inheritable can be raised; runc skips the others too. */
                if ((p->caps[OCI_CAP_AMBIENT] & (UINT64_C(1) << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 &&
                    errno != EPERM)
                        return nb_error_set(err, errno, "raise ambient capability %d", c);
        return 0;
}

int oci_process_apply(const struct oci_process *p, const struct json_object *seccomp, struct nb_error *err) {
        int r;

        for (size_t i = 0; i < p->n_rlimits; i++) {
                struct rlimit rl = { p->rlimits[i].soft, p->rlimits[i].hard };
                if (setrlimit(p->rlimits[i].resource, &rl) < 0)
                        return nb_error_set(err, errno, "process.rlimits: set rlimit %d to %llu/%llu", p->rlimits[i].resource,
                                            (unsigned long long) rl.rlim_cur, (unsigned long long) rl.rlim_max);
        }
        if (p->has_oom_score_adj) {
                char v[16];
                snprintf(v, sizeof(v), "%d", p->oom_score_adj);
                r = write_string_file("/proc/self/oom_score_adj", v);
                if (r < 0)
                        return nb_error_set(err, r, "process.oomScoreAdj: write %s", v);
        }
        /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN, which
         * the process's capabilities may lack: then it is loaded first, as
         * runc does (the filter then also sees the calls below). */
        if (!p->no_new_privs && (r = oci_seccomp_load(seccomp, err)) < 0)
                return r;
        if ((r = drop_bounding(p, err)) < 0)
                return r;
        /* Keep the capabilities across the uid change; the sets are set after it. */
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return nb_error_set(err, errno, "PR_SET_KEEPCAPS");
        if (setgroups(p->user.n_gids, p->user.gids) < 0 && !(errno == EPERM && p->user.n_gids == 0))
                return nb_error_set(err, errno, "process.user.additionalGids: setgroups");
        if (setresgid(p->user.gid, p->user.gid, p->user.gid) < 0)
                return nb_error_set(err, errno, "process.user.gid: setgid %u", (unsigned) p->user.gid);
        if (setresuid(p->user.uid, p->user.uid, p->user.uid) < 0)
                return nb_error_set(err, errno, "process.user.uid: setuid %u", (unsigned) p->user.uid);
        if ((r = apply_caps(p, err)) < 0)
                return r;
        if (p->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return nb_error_set(err, errno, "process.noNewPrivileges");
        if (chdir(p->cwd) < 0)
                return nb_error_set(err, errno, "process.cwd: chdir %s", p->cwd);
        return p->no_new_privs ? oci_seccomp_load(seccomp, err) : 0;
}

/* Runs the hooks of one kind inside the container (createContainer,
 * startContainer): the path is resolved in the container's mount namespace. */
static int run_hooks_here(const struct oci_config *c, int kind, struct nb_error *err) {
        for (size_t i = 0; i < c->n_hooks[kind]; i++) {
                const struct oci_hook *h = &c->hooks[kind][i];
                char *dflt[] = { h->path, NULL };
                int status;
                pid_t pid = fork();

                if (pid < 0)
                        return nb_error_set(err, errno, "fork for hook %s", h->path);
                if (pid == 0) {
                        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
                        if (nul >= 0)
                                dup2(nul, 0);
                        if (h->timeout)
                                alarm((unsigned) h->timeout);
                        execve(h->path, h->args ? h->args : dflt, h->env ? h->env : (char *[]){ NULL });
                        _exit(127);
                }
                if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                        return nb_error_set(err, ECANCELED, "hook %s failed (status 0x%x)", h->path, status);
        }
        return 0;
}

/* The container's process (B): mount tree, terminal, report, then exec.fifo. */
_Noreturn static void container_main(struct oci_child *ch) {
        const struct oci_config *c = ch->c;
        struct oci_msg msg = { .type = OCI_MSG_DONE };
        char exe[4096], p[32], b = '0';
        int r, fifo;

        if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
                nb_error_set(&msg.err, errno, "set the hostname %s", c->hostname), child_fail(ch, &msg);
        if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
                nb_error_set(&msg.err, errno, "set the domainname %s", c->domainname), child_fail(ch, &msg);
        if (setup_rootfs(ch, &msg.err) < 0)
                child_fail(ch, &msg);
        if (c->process.terminal) {
                if (ch->console_fd < 0)
                        nb_error_set(&msg.err, EINVAL, "process.terminal needs --console-socket"), child_fail(ch, &msg);
                if (oci_terminal_setup(ch->console_fd, c->process.user.uid, &msg.err) < 0)
                        child_fail(ch, &msg);
                close(ch->console_fd);
        }
        if (run_hooks_here(c, HOOK_CREATE_CONTAINER, &msg.err) < 0)
                child_fail(ch, &msg);
        if (oci_find_executable(&c->process, exe, sizeof(exe), &msg.err) < 0) {
                msg.err.exit_code = EXIT_NOT_FOUND;
                child_fail(ch, &msg);
        }
        send_msg(ch->sync_fd, &msg);
        /* Once `create` has recorded the state, `start` decides; a create
         * that died before that leaves nothing waiting. */
        if (wait_parent(ch->sync_fd) < 0)
                _exit(EXIT_NIXBOX_ERROR);
        close(ch->sync_fd);
        snprintf(p, sizeof(p), "self/fd/%d", ch->fifo_fd);
        fifo = openat(ch->proc_fd, p, O_WRONLY | O_CLOEXEC);
        if (fifo < 0 || write(fifo, &b, 1) != 1)
                _exit(EXIT_NIXBOX_ERROR);
        close(fifo);
        close(ch->fifo_fd);
        close(ch->proc_fd);
        r = run_hooks_here(c, HOOK_START_CONTAINER, &msg.err);
        if (r >= 0)
                r = oci_process_apply(&c->process, c->seccomp, &msg.err);
        if (r < 0) {
                fprintf(stderr, "nixbox-oci: %s: %s\n", msg.err.msg, strerror(msg.err.errnum));
                _exit(EXIT_NIXBOX_ERROR);
        }
        environ = c->process.env;
        execv(exe, c->process.args);
        r = errno;
        fprintf(stderr, "nixbox-oci: exec %s: %s\n", exe, strerror(r));
        _exit(r == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXECUTE);
}

/* The first child (A): joins the namespaces given by path (as host root,
 * which may), makes the user namespace and has the parent map it, then
 * the other namespaces, and forks the container's process B so that a new
 * PID namespace is owned by the new user namespace (else proc could not
 * be mounted in it). */
_Noreturn void oci_child_main(struct oci_child *ch) {
        const struct oci_config *c = ch->c;
        struct oci_msg msg = { 0 };
        int flags = 0;
        pid_t pid;

        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (wait_parent(ch->sync_fd) < 0)
                _exit(EXIT_NIXBOX_ERROR);
        for (size_t i = 0; i < c->n_namespaces; i++)
                if (ch->ns_fds[i] >= 0 && c->namespaces[i].type == CLONE_NEWUSER && setns(ch->ns_fds[i], CLONE_NEWUSER) < 0)
                        nb_error_set(&msg.err, errno, "join the user namespace %s", c->namespaces[i].path), child_fail(ch, &msg);
        for (size_t i = 0; i < c->n_namespaces; i++)
                if (ch->ns_fds[i] >= 0 && c->namespaces[i].type != CLONE_NEWUSER && setns(ch->ns_fds[i], c->namespaces[i].type) < 0)
                        nb_error_set(&msg.err, errno, "join the namespace %s", c->namespaces[i].path), child_fail(ch, &msg);
        for (size_t i = 0; i < c->n_namespaces; i++)
                if (ch->ns_fds[i] < 0)
                        flags |= c->namespaces[i].type;
        if (flags & CLONE_NEWUSER) {
                if (unshare(CLONE_NEWUSER) < 0)
                        nb_error_set(&msg.err, errno, "create the user namespace"), child_fail(ch, &msg);
                msg.type = OCI_MSG_MAPS;
                send_msg(ch->sync_fd, &msg);
                if (wait_parent(ch->sync_fd) < 0)
                        _exit(EXIT_NIXBOX_ERROR);
        }
        if (oci_has_namespace(c, CLONE_NEWUSER, NULL) && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
                nb_error_set(&msg.err, errno, "become root in the user namespace (is uid 0 mapped?)"), child_fail(ch, &msg);
        if (unshare(flags & ~CLONE_NEWUSER) < 0)
                nb_error_set(&msg.err, errno, "create the namespaces (flags 0x%x)", flags & ~CLONE_NEWUSER), child_fail(ch, &msg);
        pid = fork();
        if (pid < 0)
                nb_error_set(&msg.err, errno, "fork the container's process"), child_fail(ch, &msg);
        if (pid == 0)
                container_main(ch);
        msg.type = OCI_MSG_PID;
        msg.pid = pid;
        send_msg(ch->sync_fd, &msg);
        _exit(0);
}
