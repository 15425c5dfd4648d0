/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's file systems, in the order they are set up:
 *
 * outer child (host user namespace, private mount namespace):
 *   all mounts become slaves of the host's; API mount points checked in the
 *   image; the root bound onto itself; tmpfs /dev with fresh device nodes,
 *   /dev/shm, /run with /run/host, /tmp; custom mounts; then the root's top
 *   mount is idmapped (or the tree shifted by chown) and made read-only if asked.
 * inner child (container's user namespace, its own mount namespace):
 *   /proc with read-only /proc/sys and masked entries, read-only /sys,
 *   cgroup2 at /sys/fs/cgroup, devpts, mqueue; then pivot_root.
 *
 * API file systems are mounted by the inner child because proc, sysfs,
 * devpts, mqueue and cgroup2 must belong to the container's namespaces;
 * /dev is mounted by the outer child because device nodes can be created
 * and opened only on a tmpfs of the host's user namespace. */
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sched.h>
#include <signal.h>
#include <sys/sysmacros.h>

#include "container.h"
#include "credentials.h"
#include "mounts.h"
#include "parse-util.h"
#include "log.h"
#include "mount-overlay.h"
#include "mount-util.h"
#include "mount-volatile.h"
#include "options.h"
#include "path-in-root.h"
#include "console.h"
#include "fileio.h"
#include "journal-link.h"
#include "notify.h"
#include "resolv-conf.h"
#include "timezone.h"
#include "tree-safety.h"
#include "verbs.h"

#define MNT_API (MS_NOSUID | MS_NOEXEC | MS_NODEV)

static const char *const api_dirs[] = { "dev", "proc", "sys", "run", "tmp" };

/* The API mount points must be real directories of the image: a symlink
 * there (say /dev -> /host/dev) is refused rather than followed. */
static int check_api_dirs(struct container *c, int raw_fd, uid_t owner, struct nb_error *err) {
        for (size_t i = 0; i < ELEMENTSOF(api_dirs); i++) {
                struct stat st;

                if (fstatat(raw_fd, api_dirs[i], &st, AT_SYMLINK_NOFOLLOW) == 0) {
                        if (!S_ISDIR(st.st_mode))
                                return nb_error_set(err, ENOTDIR, "check mount point /%s (in %s): not a directory%s",
                                                    api_dirs[i], c->o->root,
                                                    S_ISLNK(st.st_mode) ? " but a symlink; refusing" : "");
                        continue;
                }
                if (errno != ENOENT)
                        return nb_error_set(err, errno, "stat /%s (in %s)", api_dirs[i], c->o->root);
                if (mkdirat(raw_fd, api_dirs[i], 0755) < 0 && errno != EEXIST)
                        return nb_error_set(err, errno, "create mount point /%s (in %s)", api_dirs[i], c->o->root);
                if (fchownat(raw_fd, api_dirs[i], owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
                        return nb_error_set(err, errno, "change owner of /%s (in %s)", api_dirs[i], c->o->root);
        }
        return 0;
}

static int mount_tmpfs_at(struct container *c, int root_fd, const char *path, unsigned long flags,
                          const char *opts, struct nb_error *err) {
        _cleanup_close_ int fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
        char data[512];
        int r;

        if (fd < 0)
                return nb_error_set(err, fd, "open mount point %s (in %s)", path, c->o->root);
        /* Options cut short could end in another uid= than ours. */
        if (c->uids.enabled)
                r = snprintf_ok(data, sizeof(data), "%s%suid=%u,gid=%u", opts, *opts ? "," : "", c->root_uid, c->root_uid);
        else
                r = snprintf_ok(data, sizeof(data), "%s", opts);
        if (r < 0)
                return nb_error_set(err, r, "mount tmpfs on %s (in %s): options longer than %zu bytes", path, c->o->root,
                                    sizeof(data) - 1);
        r = mount_on_fd("tmpfs", fd, "tmpfs", flags, data);
        if (r < 0)
                return nb_error_set(err, r, "mount tmpfs on %s (in %s)", path, c->o->root);
        return 0;
}

static int dir_fd_of(int root_fd, const char *path) {
        _cleanup_close_ int p = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
        char buf[32];
        int fd;

        if (p < 0)
                return p;
        fd = open(fd_path(p, buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

static const struct {
        const char *name;
        unsigned major, minor;
} dev_nodes[] = {
        { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
        { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
        { "net/tun", 10, 200 },
};

static const struct {
        const char *name, *target;
} dev_links[] = {
        { "ptmx", "pts/ptmx" },
        { "fd", "/proc/self/fd" },
        { "stdin", "/proc/self/fd/0" },
        { "stdout", "/proc/self/fd/1" },
        { "stderr", "/proc/self/fd/2" },
};

/* Nested in a user namespace, mknod of a device is refused (EPERM): bind
 * the same node from nixbox's own /dev instead, as nspawn and LXC do. The
 * node is opened without following symlinks and must be the expected
 * character device; the mount point is a fresh empty file in our tmpfs. */
static int bind_dev_node(struct container *c, int dev, const char *name, dev_t d, struct nb_error *err) {
        _cleanup_close_ int host = -1, target = -1;
        char path[64];
        struct stat st;
        int r;

        snprintf(path, sizeof(path), "/dev/%s", name);
        host = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (host < 0)
                return nb_error_set(err, errno, "open %s to bind it (mknod refused)", path);
        if (fstat(host, &st) < 0)
                return nb_error_set(err, errno, "stat %s", path);
        if (!S_ISCHR(st.st_mode) || st.st_rdev != d)
                return nb_error_set(err, 0, "%s is not the character device %u:%u; not binding it", path, major(d), minor(d));
        target = openat(dev, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (target < 0)
                return nb_error_set(err, errno, "create the mount point /dev/%s (in %s)", name, c->o->root);
        r = bind_on_fd(host, "", target, false, false, -1);
        if (r < 0)
                return nb_error_set(err, r, "bind %s on /dev/%s (in %s)", path, name, c->o->root);
        return 0;
}

/* A private tmpfs /dev with fresh device nodes: never the image's own. */
static int setup_dev(struct container *c, int root_fd, struct nb_error *err) {
        _cleanup_close_ int dev = -1;
        uid_t u = c->root_uid;
        int r;

        r = mount_tmpfs_at(c, root_fd, "/dev", MS_NOSUID | MS_STRICTATIME, "mode=0755,size=4m,nr_inodes=64k", err);
        if (r < 0)
                return r;
        dev = dir_fd_of(root_fd, "/dev");
        if (dev < 0)
                return nb_error_set(err, dev, "open /dev (in %s)", c->o->root);

        static const char *const dirs[] = { "pts", "shm", "mqueue", "net" };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdirat(dev, dirs[i], 0755) < 0 || fchownat(dev, dirs[i], u, u, AT_SYMLINK_NOFOLLOW) < 0)
                        return nb_error_set(err, errno, "create /dev/%s (in %s)", dirs[i], c->o->root);

        for (size_t i = 0; i < ELEMENTSOF(dev_nodes); i++) {
                dev_t d = makedev(dev_nodes[i].major, dev_nodes[i].minor);
                char host[64];
                struct stat st;

                /* Only nodes the host has: /dev/net/tun is optional. */
                snprintf(host, sizeof(host), "/dev/%s", dev_nodes[i].name);
                if (stat(host, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != d)
                        continue;
                if (mknodat(dev, dev_nodes[i].name, S_IFCHR | 0666, d) < 0) {
                        if (errno != EPERM)
                                return nb_error_set(err, errno, "create device node /dev/%s (in %s)", dev_nodes[i].name, c->o->root);
                        if (bind_dev_node(c, dev, dev_nodes[i].name, d, err) < 0)
                                return -EPERM;
                        continue;       /* the bound node keeps its own owner and mode */
                }
                if (fchownat(dev, dev_nodes[i].name, u, u, 0) < 0 || fchmodat(dev, dev_nodes[i].name, 0666, 0) < 0)
                        return nb_error_set(err, errno, "set owner and mode of /dev/%s (in %s)", dev_nodes[i].name, c->o->root);
        }
        for (size_t i = 0; i < ELEMENTSOF(dev_links); i++)
                if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0 ||
                    fchownat(dev, dev_links[i].name, u, u, AT_SYMLINK_NOFOLLOW) < 0)
                        return nb_error_set(err, errno, "create symlink /dev/%s (in %s)", dev_links[i].name, c->o->root);

        /* The console pty's slave gets bound on this file by PID 1. */
        if (c->console_mode != CONSOLE_PIPE) {
                int fd = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0 || fchown(fd, u, u) < 0)
                        return nb_error_set(err, errno, "create /dev/console (in %s)", c->o->root);
                close(fd);
        }
        return mount_tmpfs_at(c, root_fd, "/dev/shm", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=01777", err);
}

/* /run (tmpfs) with /run/host: what the Container Interface asks for. */
static int setup_run(struct container *c, int root_fd, struct nb_error *err) {
        _cleanup_close_ int host = -1;
        uid_t u = c->root_uid;
        char buf[4096];
        int r, fd;

        r = mount_tmpfs_at(c, root_fd, "/run", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=0755,size=20%,nr_inodes=800k", err);
        if (r < 0)
                return r;
        host = root_mkdir_p(root_fd, "/run/host", 0755, u, u);
        if (host < 0)
                return nb_error_set(err, host, "create /run/host (in %s)", c->o->root);
        r = root_write_file(root_fd, "/run/host/container-manager", "nixbox\n", 0444, u, u);
        if (r < 0)
                return nb_error_set(err, r, "write /run/host/container-manager (in %s)", c->o->root);
        snprintf(buf, sizeof(buf), "%s\n", c->uuid);
        r = root_write_file(root_fd, "/run/host/container-uuid", buf, 0444, u, u);
        if (r < 0)
                return nb_error_set(err, r, "write /run/host/container-uuid (in %s)", c->o->root);

        /* The host's os-release, as nspawn provides it (not fatal if absent). */
        fd = open_regular_at(AT_FDCWD, "/etc/os-release", 0, O_RDONLY, NULL);
        if (fd < 0)
                fd = open_regular_at(AT_FDCWD, "/usr/lib/os-release", 0, O_RDONLY, NULL);
        if (fd >= 0) {
                ssize_t n = read_bounded(fd, buf, sizeof(buf));
                close(fd);
                buf[n > 0 ? n : 0] = 0;
                r = root_write_file(root_fd, "/run/host/os-release", buf, 0444, u, u);
                if (r < 0)
                        return nb_error_set(err, r, "write /run/host/os-release (in %s)", c->o->root);
        }

        /* Mount point for a second, fully visible proc (see setup_proc). */
        if (c->uids.enabled) {
                _cleanup_close_ int pin = root_mkdir_p(root_fd, "/run/host/proc", 0555, u, u);
                if (pin < 0)
                        return nb_error_set(err, pin, "create /run/host/proc (in %s)", c->o->root);
        }

        /* The mount point of the credentials' ramfs (credentials_setup()). */
        if (c->o->n_credentials > 0) {
                _cleanup_close_ int cred = root_mkdir_p(root_fd, CREDENTIALS_DIR, 0700, u, u);
                if (cred < 0)
                        return nb_error_set(err, cred, "create %s (in %s)", CREDENTIALS_DIR, c->o->root);
        }

        /* Inaccessible nodes for masking: owned by the host's root, which is
         * unmapped in a user namespace, so even the container's root cannot
         * read through them. */
        _cleanup_close_ int inacc = root_mkdir_p(root_fd, "/run/host/inaccessible", 0755, u, u);
        if (inacc < 0)
                return nb_error_set(err, inacc, "create /run/host/inaccessible (in %s)", c->o->root);
        r = root_write_file(root_fd, "/run/host/inaccessible/reg", "", 0000, 0, 0);
        if (r < 0)
                return nb_error_set(err, r, "create /run/host/inaccessible/reg (in %s)", c->o->root);
        _cleanup_close_ int dir = root_mkdir_p(root_fd, "/run/host/inaccessible/dir", 0000, 0, 0);
        if (dir < 0)
                return nb_error_set(err, dir, "create /run/host/inaccessible/dir (in %s)", c->o->root);
        return 0;
}

/* A user namespace whose only mapping is NS_ID -> HOST_ID (COUNT ids), for
 * the idmapped binds that map a single owner: made by a short-lived child. */
static int userns_with_map(uid_t ns_id, uid_t host_id, uid_t count, struct nb_error *err) {
        char path[64], map[64];
        int p[2], fd = -1;
        char b;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return nb_error_set(err, errno, "create a pipe");
        pid = fork();
        if (pid < 0)
                return nb_error_set(err, errno, "fork");
        if (pid == 0) {
                close(p[0]);
                if (unshare(CLONE_NEWUSER) < 0)
                        _exit(1);
                (void) !write(p[1], "u", 1);
                for (;;)
                        pause();
        }
        close(p[1]);
        if (read(p[0], &b, 1) != 1) {
                nb_error_set(err, ECHILD, "create a user namespace for an idmapped mount");
                goto out;
        }
        snprintf(map, sizeof(map), "%u %u %u\n", ns_id, host_id, count);
        static const char *const files[] = { "uid_map", "gid_map" };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                int r;
                snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
                r = write_string_file(path, map);
                if (r < 0) {
                        nb_error_set(err, r, "write \"%s\" to %s", map, path);
                        goto out;
                }
        }
        snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                nb_error_set(err, errno, "open %s", path);
out:
        close(p[0]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return fd;
}

/* With an idmapped mount, what container root writes is host root's on
 * disk (or the bind source owner's): a setuid program made inside would run
 * as root for any host user who can reach the files. Refuse a path such
 * users can reach, as nspawn keeps its images in a 0700 directory. */
static int refuse_reachable(const struct container *c, const char *path, const char *what, const char *ways,
                            struct nb_error *err) {
        char real[PATH_MAX], why[512];
        int r;

        if (c->o->trust_tree)
                return 0;
        if (!realpath(path, real))
                return nb_error_set(err, errno, "resolve %s", path);
        r = tree_path_private(real, why, sizeof(why));
        if (r < 0)
                return nb_error_set(err, r, "check which host users can reach %s", real);
        if (r > 0)
                return 0;
        return nb_error_set(err, 0, "refusing %s %s with an idmapped mount: files container root makes there "
                            "belong to host root on disk and other host users can reach them (%s), so a setuid "
                            "program made inside would give them root. Move it below a root-owned 0700 directory "
                            "such as %s, %s, or pass --trust-tree for a trusted tree",
                            what, real, why, MACHINES_DIR, ways);
}

/* The user namespace to idmap a custom bind with: *ret = fd, or -1 for a
 * plain bind. Returns 0 or -errno. */
static int bind_userns_fd(struct container *c, const struct custom_mount *m, int userns_fd, const struct stat *src,
                          int *ret, struct nb_error *err) {
        int fd = -1;

        *ret = -1;
        if (m->idmap == IDMAP_NONE || !c->uids.enabled || c->uids.shift == 0)
                return 0;
        switch (m->idmap) {
        case IDMAP_IDMAP:
                fd = fcntl(userns_fd, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return nb_error_set(err, errno, "duplicate the user namespace fd");
                break;
        case IDMAP_ROOT:
                fd = userns_with_map(0, c->uids.shift, 1, err);
                break;
        case IDMAP_OWNER:
                fd = userns_with_map(src->st_uid, c->uids.shift, 1, err);
                break;
        default:
                return 0;
        }
        if (fd < 0)
                return fd;
        *ret = fd;
        return 0;
}

static int setup_custom_mounts(struct container *c, int root_fd, int userns_fd, struct nb_error *err) {
        for (size_t i = 0; i < c->o->n_mounts; i++) {
                const struct custom_mount *m = &c->o->mounts[i];
                _cleanup_close_ int target = -1;
                struct stat st;
                int r;

                switch (m->type) {
                case MOUNT_BIND:
                case MOUNT_BIND_RO: {
                        /* "+PATH": a path of the image itself, resolved inside the root. */
                        _cleanup_close_ int src = m->source[0] == '+' ? root_open(root_fd, m->source + 1, O_PATH, 0)
                                                                      : open(m->source, O_PATH | O_CLOEXEC);
                        if (src < 0 || fstat(src, &st) < 0)
                                return nb_error_set(err, src < 0 && m->source[0] == '+' ? -src : errno,
                                                    "bind %s on %s: source", m->source, m->dest);
                        target = root_mount_point(root_fd, m->dest, S_ISDIR(st.st_mode), c->root_uid, c->root_uid);
                        if (target < 0)
                                return nb_error_set(err, target, "bind %s on %s (in %s): mount point", m->source, m->dest, c->o->root);
                        {
                                _cleanup_close_ int ns = -1;
                                r = bind_userns_fd(c, m, userns_fd, &st, &ns, err);
                                if (r < 0)
                                        return r;
                                /* "+PATH" is the tree's own, which the tree's check covers. */
                                if (ns >= 0 && m->type == MOUNT_BIND && m->source[0] != '+') {
                                        r = refuse_reachable(c, m->source, "to bind", "use --bind-ro= or a bind "
                                                             "without idmap", err);
                                        if (r < 0)
                                                return r;
                                }
                                r = bind_on_fd(src, "", target, m->recursive, m->type == MOUNT_BIND_RO, ns);
                                if (r < 0)
                                        return nb_error_set(err, r, "bind %s on %s (in %s)%s", m->source, m->dest, c->o->root,
                                                            ns >= 0 ? " with an idmapped mount" : "");
                        }
                        break;
                }
                case MOUNT_TMPFS: {
                        target = root_mount_point(root_fd, m->dest, true, c->root_uid, c->root_uid);
                        if (target < 0)
                                return nb_error_set(err, target, "mount tmpfs on %s (in %s): mount point", m->dest, c->o->root);
                        char data[512];
                        /* Options cut short could end in another uid= than ours. */
                        r = snprintf_ok(data, sizeof(data), "%s", m->options && *m->options ? m->options : "mode=0755");
                        if (r == 0 && c->uids.enabled && !strstr(data, "uid="))
                                r = snprintf_ok(data + strlen(data), sizeof(data) - strlen(data), ",uid=%u", c->root_uid);
                        if (r == 0 && c->uids.enabled && !strstr(data, "gid="))
                                r = snprintf_ok(data + strlen(data), sizeof(data) - strlen(data), ",gid=%u", c->root_uid);
                        if (r < 0)
                                return nb_error_set(err, r, "mount tmpfs on %s (in %s): options longer than %zu bytes",
                                                    m->dest, c->o->root, sizeof(data) - 1);
                        r = mount_on_fd("tmpfs", target, "tmpfs", MS_NODEV | MS_STRICTATIME, data);
                        if (r < 0)
                                return nb_error_set(err, r, "mount tmpfs on %s (in %s) with options \"%s\"", m->dest, c->o->root, data);
                        break;
                }
                case MOUNT_INACCESSIBLE: {
                        target = root_open(root_fd, m->dest, O_PATH, 0);
                        if (target < 0)
                                return nb_error_set(err, target, "make %s inaccessible (in %s)", m->dest, c->o->root);
                        if (fstat(target, &st) < 0)
                                return nb_error_set(err, errno, "stat %s (in %s)", m->dest, c->o->root);
                        const char *node = S_ISDIR(st.st_mode) ? "/run/host/inaccessible/dir" : "/run/host/inaccessible/reg";
                        _cleanup_close_ int src = root_open(root_fd, node, O_PATH, 0);
                        if (src < 0)
                                return nb_error_set(err, src, "open %s (in %s)", node, c->o->root);
                        r = bind_on_fd(src, "", target, false, true, -1);
                        if (r < 0)
                                return nb_error_set(err, r, "make %s inaccessible (in %s)", m->dest, c->o->root);
                        break;
                }
                case MOUNT_OVERLAY:
                case MOUNT_OVERLAY_RO:
                        r = overlay_mount(c, root_fd, m, err);
                        if (r < 0)
                                return r;
                        break;
                }
        }
        return 0;
}

/* --ephemeral: an overlay whose upper layer lives on a tmpfs private to
 * this mount namespace, over the image; every write vanishes at exit. */
static int mount_ephemeral_overlay(struct container *c, int userns_fd, struct nb_error *err) {
        char data[13000], lower[4200], upper[4200], work[4200];
        bool map = userns_fd >= 0;
        struct stat st;
        int r;

        if (strpbrk(c->root, ",:\\"))
                return nb_error_set(err, EINVAL, "run %s ephemeral: its path contains ',', ':' or '\\', which overlayfs cannot take", c->o->root);
        if (stat(c->root, &st) < 0)
                return nb_error_set(err, errno, "stat root directory %s", c->o->root);
        if (mount("tmpfs", c->ephemeral_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
                return nb_error_set(err, errno, "mount tmpfs on %s for the ephemeral overlay", c->ephemeral_dir);
        if (snprintf_ok(lower, sizeof(lower), "%s/lower", c->ephemeral_dir) < 0 ||
            snprintf_ok(upper, sizeof(upper), "%s/upper", c->ephemeral_dir) < 0 ||
            snprintf_ok(work, sizeof(work), "%s/work", c->ephemeral_dir) < 0)
                return nb_error_set(err, ENAMETOOLONG, "the ephemeral overlay's directories in %s", c->ephemeral_dir);
        /* The overlay's root takes the upper directory's owner and mode:
         * the image root's, as the container sees it. */
        uid_t uid = map ? c->uids.shift + (st.st_uid & 0xFFFF) : st.st_uid;
        gid_t gid = map ? c->uids.shift + (st.st_gid & 0xFFFF) : st.st_gid;
        if (mkdir(upper, 0755) < 0 || chown(upper, uid, gid) < 0 || chmod(upper, st.st_mode & 07777) < 0 ||
            mkdir(work, 0700) < 0)
                return nb_error_set(err, errno, "create the ephemeral overlay's directories in %s", c->ephemeral_dir);
        if (map) {
                /* overlayfs cannot be idmapped itself, but takes idmapped
                 * layers: the image goes in through an idmapped bind. */
                _cleanup_close_ int target = -1;
                if (mkdir(lower, 0700) < 0 || (target = open(lower, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
                        return nb_error_set(err, errno, "create %s", lower);
                r = bind_on_fd(AT_FDCWD, c->root, target, true, false, userns_fd);
                if (r < 0)
                        return nb_error_set(err, r, "create idmapped mount of %s for the ephemeral overlay", c->o->root);
                c->idmapped = true;
        }
        if (snprintf_ok(data, sizeof(data), "lowerdir=%s,upperdir=%s,workdir=%s", map ? lower : c->root, upper, work) < 0)
                return nb_error_set(err, ENAMETOOLONG, "the ephemeral overlay's options for %s", c->o->root);
        if (mount("overlay", c->root, "overlay", 0, data) < 0)
                return nb_error_set(err, errno, "mount the ephemeral overlay on %s", c->o->root);
        return 0;
}

int mounts_outer(struct container *c, int userns_fd, struct nb_error *err) {
        struct options *o = c->o;
        _cleanup_close_ int raw_fd = -1, root_fd = -1, host = -1;
        bool chown_tree = false;
        uid_t disk_owner = 0;
        struct stat st;
        /* --volatile=overlay is --ephemeral's overlay; the tree itself stays
         * read-only under --volatile=state (and --read-only without volatile). */
        bool overlay_root = o->ephemeral || o->volatile_mode == VOLATILE_OVERLAY;
        bool tree_ro = options_tree_read_only(o);
        int r;

        /* Nothing mounted from here on may propagate back to the host. */
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return nb_error_set(err, errno, "make / a recursive slave mount");

        raw_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (raw_fd < 0)
                return nb_error_set(err, errno, "open root directory %s", o->root);
        if (fstat(raw_fd, &st) < 0)
                return nb_error_set(err, errno, "stat root directory %s", o->root);
        if (overlay_root) {
                /* Idmapped lower layer for a user namespace unless the image
                 * is already shifted (or ownership is off). */
                bool map = c->uids.enabled && c->uids.shift != 0 && o->ownership != OWNERSHIP_OFF &&
                           o->ownership != OWNERSHIP_CHOWN && (st.st_uid & 0xFFFF0000U) == 0;
                r = mount_ephemeral_overlay(c, map ? userns_fd : -1, err);
                if (r < 0)
                        return r;
                /* From here on the overlay is "the image". */
                close(raw_fd);
                raw_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (raw_fd < 0 || fstat(raw_fd, &st) < 0)
                        return nb_error_set(err, errno, "open the ephemeral overlay of %s", o->root);
                if (c->idmapped)
                        st.st_uid = st.st_gid = 0;   /* seen through the idmapping, it is root's */
        }

        if (c->uids.enabled && c->uids.shift != 0) {
                bool shifted = st.st_uid == c->uids.shift;
                switch (o->ownership) {
                case OWNERSHIP_OFF:
                        break;
                case OWNERSHIP_CHOWN:
                        chown_tree = !shifted;
                        disk_owner = c->uids.shift;
                        break;
                case OWNERSHIP_MAP:
                        break;
                case OWNERSHIP_AUTO:
                        if (shifted || (st.st_uid & 0xFFFF0000U) != 0) {
                                /* Already shifted (to this or another range): keep shifting. */
                                chown_tree = !shifted;
                                disk_owner = c->uids.shift;
                        }
                        break;
                }
        }
        bool want_map = c->uids.enabled && c->uids.shift != 0 && !chown_tree && disk_owner == 0 && !overlay_root &&
                (o->ownership == OWNERSHIP_MAP || o->ownership == OWNERSHIP_AUTO);

        if ((overlay_root || o->volatile_mode != VOLATILE_NO) && chown_tree)
                return nb_error_set(err, EOPNOTSUPP,
                                    "run %s ephemeral or volatile: its tree is shifted to another UID range and "
                                    "shifting it again would copy it whole; use --private-users-ownership=map",
                                    o->root);
        /* Before anything is written into the tree. */
        /* A volatile root is a tmpfs: only its /usr is the tree's, idmapped
         * as the ephemeral overlay's lower layer is. */
        bool map_usr = want_map && o->volatile_mode == VOLATILE_YES;
        if (o->volatile_mode == VOLATILE_YES)
                want_map = false;
        if (want_map && !tree_ro) {
                /* Read-only (or --ephemeral, never here) cannot plant files. */
                r = refuse_reachable(c, c->root, "to run", "use --private-users-ownership=chown", err);
                if (r < 0)
                        return r;
        }
        if (o->volatile_mode == VOLATILE_YES) {
                r = volatile_yes_setup(c, raw_fd, map_usr ? userns_fd : -1, err);
                if (r < 0)
                        return r;
                c->idmapped = map_usr;
        } else {
                r = check_api_dirs(c, raw_fd, disk_owner, err);
                if (r < 0)
                        return r;
                if (!overlay_root && mount(c->root, c->root, NULL, MS_BIND | MS_REC, NULL) < 0)
                        return nb_error_set(err, errno, "bind root directory %s onto itself", o->root);
        }
        root_fd = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return nb_error_set(err, errno, "open root directory %s", o->root);
        if (o->volatile_mode == VOLATILE_STATE) {
                r = volatile_state_setup(c, root_fd, disk_owner, err);
                if (r < 0)
                        return r;
        }

        r = setup_dev(c, root_fd, err);
        if (r < 0)
                return r;
        r = setup_run(c, root_fd, err);
        if (r < 0)
                return r;
        c->notify_fd = notify_socket_create(root_fd, c->root_uid, err);
        if (c->notify_fd < 0)
                return c->notify_fd;
        r = mount_tmpfs_at(c, root_fd, "/tmp", MS_NOSUID | MS_NODEV | MS_STRICTATIME, "mode=01777", err);
        if (r < 0)
                return r;
        r = setup_custom_mounts(c, root_fd, userns_fd, err);
        if (r < 0)
                return r;
        /* After the custom mounts, in nspawn's order. */
        r = timezone_setup(c, root_fd, disk_owner, err);
        if (r < 0)
                return r;
        r = resolv_conf_setup(c, root_fd, disk_owner, err);
        if (r < 0)
                return r;
        r = journal_link_setup(c, root_fd, disk_owner, err);
        if (r < 0)
                return r;

        /* /run/host is read-only for the payload. */
        host = root_open(root_fd, "/run/host", O_PATH | O_DIRECTORY, 0);
        if (host < 0)
                return nb_error_set(err, host, "open /run/host (in %s)", o->root);
        r = bind_on_fd(host, "", host, false, true, -1);
        if (r < 0)
                return nb_error_set(err, r, "make /run/host read-only (in %s)", o->root);
        /* The bind above sits on top of the dentry the old fd pointed to. */
        r = credentials_setup(c, root_fd, err);
        if (r < 0)
                return r;

        if (want_map) {
                r = remount_idmapped(c->root, userns_fd, tree_ro);
                if (r >= 0)
                        c->idmapped = true;
                else if (o->ownership == OWNERSHIP_MAP || (r != -EINVAL && r != -EOPNOTSUPP && r != -ENOSYS && r != -EPERM))
                        return nb_error_set(err, r, "create idmapped mount of %s for UIDs %u-%u", o->root,
                                            c->uids.shift, c->uids.shift + c->uids.size - 1);
                else if (overlay_root)
                        return nb_error_set(err, r, "create idmapped mount of the ephemeral overlay of %s (needed for "
                                            "--ephemeral with a user namespace)", o->root);
                else {
                        log_warn("idmapped mounts are not available for %s (%s): shifting the ownership of its "
                                 "files to UIDs %u-%u instead (once; --private-users-ownership= chooses)",
                                 o->root, strerror(-r), c->uids.shift, c->uids.shift + c->uids.size - 1);
                        chown_tree = true;
                }
        }
        if (chown_tree && c->tree_lock_shared)
                return nb_error_set(err, EBUSY, "shifting the owners of %s needs it to itself, but it was locked "
                                    "shared (--read-only): run it once without --read-only", o->root);
        if (chown_tree) {
                r = userns_chown_tree(raw_fd, o->root, c->uids.shift, err);
                if (r < 0)
                        return r;
        }
        if (!c->idmapped && tree_ro) {
                _cleanup_close_ int top = open(c->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (top < 0)
                        return nb_error_set(err, errno, "open root directory %s", o->root);
                r = mount_setattr_fd(top, false, MOUNT_ATTR_RDONLY, 0);
                if (r < 0)
                        return nb_error_set(err, r, "make %s read-only", o->root);
        }
        return 0;
}

static int mount_api(struct container *c, int root_fd, const char *what, const char *path,
                     const char *fstype, unsigned long flags, const char *data, struct nb_error *err) {
        _cleanup_close_ int fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
        int r;

        if (fd < 0)
                return nb_error_set(err, fd, "mount %s on %s (in %s): mount point", what, path, c->o->root);
        r = mount_on_fd(what, fd, fstype, flags, data);
        if (r < 0)
                return nb_error_set(err, r, "mount %s on %s (in %s)", what, path, c->o->root);
        return 0;
}

/* Binds a path onto itself and remounts it read-only. */
static int bind_self_ro(struct container *c, int root_fd, const char *path, bool recursive, struct nb_error *err) {
        _cleanup_close_ int fd = root_open(root_fd, path, O_PATH, 0);
        int r;

        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return nb_error_set(err, fd, "open %s (in %s)", path, c->o->root);
        r = bind_on_fd(fd, "", fd, recursive, true, -1);
        if (r < 0)
                return nb_error_set(err, r, "make %s read-only (in %s)", path, c->o->root);
        return 0;
}

/* proc on path, showing the pid namespace pidns_fd refers to, or (-1)
 * our own. */
static int mount_proc(struct container *c, int root_fd, const char *path, int pidns_fd, struct nb_error *err) {
        _cleanup_close_ int fd = -1, mnt = -1;
        int r;

        if (pidns_fd < 0)
                return mount_api(c, root_fd, "proc", path, "proc", MNT_API, NULL, err);
        fd = root_open(root_fd, path, O_PATH | O_DIRECTORY, 0);
        if (fd < 0)
                return nb_error_set(err, fd, "mount proc on %s (in %s): mount point", path, c->o->root);
        mnt = proc_mount_for_pidns(pidns_fd);
        r = mnt < 0 ? mnt : attach_tree_fd(mnt, fd, "");
        if (r < 0)
                return nb_error_set(err, r, "mount proc on %s (in %s)", path, c->o->root);
        return 0;
}

static int setup_proc(struct container *c, int root_fd, int pidns_fd, struct nb_error *err) {
        static const char *const masked[] = { "kallsyms", "kcore", "keys", "sysrq-trigger", "timer_list" };
        static const char *const ro_dirs[] = { "acpi", "apm", "asound", "bus", "fs", "irq", "scsi" };
        _cleanup_close_ int inacc = -1;
        int r;

        r = mount_proc(c, root_fd, "/proc", pidns_fd, err);
        if (r < 0)
                return r;

        /* The kernel lets a nested user namespace mount a new proc only
         * while a fully visible one (no locked mounts on top) exists in its
         * mount namespace; the masks below hide parts of /proc. A second
         * instance at /run/host/proc is that visible one, so that
         * `unshare -Urpf --mount-proc` and the Nix sandbox work inside. It must
         * be writable (a read-only one only allows read-only new mounts). It
         * is the container's own pid namespace, only done with a user
         * namespace, where what the masks and the read-only /proc/sys guard
         * is guarded by capabilities of the host's user namespace anyway. */
        if (c->uids.enabled) {
                r = mount_proc(c, root_fd, "/run/host/proc", pidns_fd, err);
                if (r < 0)
                        return r;
        }

        /* /proc/sys read-only, but /proc/sys/net writable with a private
         * network (its sysctls then belong to the container's namespace). */
        r = bind_self_ro(c, root_fd, "/proc/sys", false, err);
        if (r < 0)
                return r;
        if (c->o->private_network) {
                _cleanup_close_ int net = root_open(root_fd, "/proc/sys/net", O_PATH, 0);
                if (net >= 0 && (r = bind_on_fd(net, "", net, false, false, -1)) < 0)
                        return nb_error_set(err, r, "bind /proc/sys/net (in %s)", c->o->root);
                _cleanup_close_ int top = root_open(root_fd, "/proc/sys/net", O_PATH, 0);
                if (top >= 0 && (r = mount_setattr_fd(top, false, 0, MOUNT_ATTR_RDONLY)) < 0)
                        return nb_error_set(err, r, "make /proc/sys/net writable (in %s)", c->o->root);
        }

        inacc = root_open(root_fd, "/run/host/inaccessible/reg", O_PATH, 0);
        if (inacc < 0)
                return nb_error_set(err, inacc, "open /run/host/inaccessible/reg (in %s)", c->o->root);
        for (size_t i = 0; i < ELEMENTSOF(masked); i++) {
                char path[64];
                _cleanup_close_ int fd = -1;

                snprintf(path, sizeof(path), "/proc/%s", masked[i]);
                fd = root_open(root_fd, path, O_PATH, 0);
                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return nb_error_set(err, fd, "open %s (in %s)", path, c->o->root);
                r = bind_on_fd(inacc, "", fd, false, true, -1);
                if (r < 0)
                        return nb_error_set(err, r, "mask %s (in %s)", path, c->o->root);
        }
        for (size_t i = 0; i < ELEMENTSOF(ro_dirs); i++) {
                char path[64];
                snprintf(path, sizeof(path), "/proc/%s", ro_dirs[i]);
                r = bind_self_ro(c, root_fd, path, true, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mounts_proc_outer(struct container *c, int top_fd, pid_t init_pid, struct nb_error *err) {
        _cleanup_close_ int pidns = -1;
        char path[64];
        int pipefd[2], status;
        pid_t helper;
        ssize_t n;

        /* We mount proc for PID 1's pid namespace, and the masks, onto the
         * tree, with our (the host's) user and mount namespaces. PID 1's
         * unshare(CLONE_NEWNS) then copies them into a less privileged
         * mount namespace, where the kernel locks them (MNT_LOCKED and the
         * read-only flag): the container's root can neither unmount a mask
         * nor make /proc/sys writable. */
        snprintf(path, sizeof(path), "/proc/%d/ns/pid", init_pid);
        pidns = open(path, O_RDONLY | O_CLOEXEC);
        if (pidns < 0)
                return nb_error_set(err, errno, "open %s", path);
        /* Linux 6.18 takes the pid namespace as proc's "pidns" option:
         * no process of ours has to be in there. */
        if (proc_pidns_supported(pidns))
                return setup_proc(c, top_fd, pidns, err);
        /* Older kernels: proc shows the pid namespace of the process that
         * mounts it, so a helper forked into PID 1's mounts it. */
        if (setns(pidns, CLONE_NEWPID) < 0)
                return nb_error_set(err, errno, "join the pid namespace of the container (%s)", path);
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return nb_error_set(err, errno, "create a pipe");
        helper = fork();
        if (helper < 0) {
                close(pipefd[0]);
                close(pipefd[1]);
                return nb_error_set(err, errno, "fork the /proc helper into the container's pid namespace");
        }
        if (helper == 0) {
                struct nb_error e = {0};
                close(pipefd[0]);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (setup_proc(c, top_fd, -1, &e) < 0) {
                        (void) !write(pipefd[1], &e, sizeof(e));
                        _exit(EXIT_NIXBOX_ERROR);
                }
                /* We hold pid 2 in there: let the next process (a command's,
                 * under the init-shim) have it once we are gone. The sysctl
                 * acts on the writer's pid namespace, whatever proc it is in. */
                int r = write_string_file("/proc/sys/kernel/ns_last_pid", "1");
                if (r < 0)
                        log_debug("reset ns_last_pid of the container: %s", strerror(-r));
                _exit(0);
        }
        close(pipefd[1]);
        n = read(pipefd[0], err, sizeof(*err));
        close(pipefd[0]);
        if (waitpid(helper, &status, 0) < 0)
                return nb_error_set(err, errno, "wait for the /proc helper");
        if (n == (ssize_t) sizeof(*err))
                return -(err->errnum ? err->errnum : EIO);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return nb_error_set(err, EIO, "mount /proc in %s: the helper failed", c->o->root);
        return 0;
}

static int setup_sys(struct container *c, int root_fd, struct nb_error *err) {
        _cleanup_close_ int fd = root_open(root_fd, "/sys", O_PATH | O_DIRECTORY, 0);
        int r;

        if (fd < 0)
                return nb_error_set(err, fd, "mount sysfs on /sys (in %s): mount point", c->o->root);
        r = mount_on_fd("sysfs", fd, "sysfs", MNT_API | MS_RDONLY, NULL);
        bool host_sys = false;
        if (r == -EPERM && c->uids.enabled && (!c->o->private_network || c->o->network_namespace_path)) {
                /* A user namespace may mount sysfs only for a network namespace
                 * it owns; in one it joined (or the host's), show the host's
                 * /sys, read-only. */
                r = bind_on_fd(AT_FDCWD, "/sys", fd, true, true, -1);
                host_sys = true;
        }
        if (r < 0)
                return nb_error_set(err, r, "mount sysfs on /sys (in %s)", c->o->root);
        if (host_sys) {
                /* The host's cgroup2 came along (locked) at /sys/fs/cgroup, and
                 * the kernel refuses the same file system's root on top of
                 * itself (EBUSY): put a tiny tmpfs in between. */
                r = mount_api(c, root_fd, "tmpfs", "/sys/fs/cgroup", "tmpfs", MNT_API, "mode=0755,size=4k", err);
                if (r < 0)
                        return r;
        }

        /* cgroup2 in the container's cgroup namespace, rooted at payload/:
         * a systemd payload that found nothing here would mount v1 itself.
         * Without a cgroup of its own (nested, cgroup2 not writable) the
         * namespace is rooted at nixbox's cgroup, which is not the
         * container's to change: read-only. */
        return mount_api(c, root_fd, "cgroup2", "/sys/fs/cgroup", "cgroup2", MNT_API | (c->use_cgroup ? 0 : MS_RDONLY), NULL, err);
}

int mounts_inner(struct container *c, int *ret_root_fd, struct nb_error *err) {
        _cleanup_close_ int root_fd = -1;
        char data[128];
        int r;

        /* Our working directory is the container's root, in our own mount
         * namespace (the outer child passed us an fd; the path itself may
         * not be traversable for a user namespace's root). Mounts inherited
         * from the outer child are locked here, and pivot_root refuses a
         * locked new root: a recursive clone attached on top has an unlocked
         * top mount, while everything below it stays locked. */
        root_fd = clone_tree_fd(AT_FDCWD, ".", true);
        if (root_fd < 0)
                return nb_error_set(err, root_fd, "clone the mount tree of %s", c->o->root);
        r = attach_tree_fd(root_fd, AT_FDCWD, ".");
        if (r < 0)
                return nb_error_set(err, r, "attach the mount tree of %s", c->o->root);
        if (fchdir(root_fd) < 0)
                return nb_error_set(err, errno, "change directory to %s", c->o->root);

        /* With a user namespace, /proc came locked from the outer child
         * (mounts_proc_outer); without one nothing can lock it. */
        if (!c->uids.enabled) {
                r = setup_proc(c, root_fd, -1, err);
                if (r < 0)
                        return r;
        }
        r = setup_sys(c, root_fd, err);
        if (r < 0)
                return r;
        snprintf(data, sizeof(data), "newinstance,ptmxmode=0666,mode=0620,gid=5");
        r = mount_api(c, root_fd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, data, err);
        if (r < 0)
                return r;
        r = mount_api(c, root_fd, "mqueue", "/dev/mqueue", "mqueue", MNT_API, NULL, err);
        if (r < 0)
                return r;
        *ret_root_fd = TAKE_FD(root_fd);
        return 0;
}

int mounts_pivot(struct container *c, int root_fd, struct nb_error *err) {
        if (fchdir(root_fd) < 0)
                return nb_error_set(err, errno, "change directory to %s", c->o->root);
        /* pivot_root(".", ".") stacks the old root on top of the new one;
         * detaching "." then drops the host's tree from this namespace. */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return nb_error_set(err, errno, "pivot_root into %s", c->o->root);
        if (umount2(".", MNT_DETACH) < 0)
                return nb_error_set(err, errno, "detach the old root");
        if (chdir("/") < 0)
                return nb_error_set(err, errno, "change directory to /");
        return 0;
}
