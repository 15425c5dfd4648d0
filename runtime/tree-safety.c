/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "macro.h"
#include "tree-safety.h"
#include "userns.h"

static int ofd_lock(int fd, short type) {
        struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

        return fcntl(fd, F_OFD_SETLK, &fl) < 0 ? -errno : 0;
}

static int mkdir_lock_dir(void) {
        static const char *const dirs[] = { "/run/systemd", "/run/systemd/nspawn", TREE_LOCK_DIR };

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++)
                if (mkdir(dirs[i], i + 1 == ELEMENTSOF(dirs) ? 0700 : 0755) < 0 && errno != EEXIST)
                        return -errno;
        return 0;
}

/* The holder's name from a lock file, printable characters only. */
static void read_holder(int fd, char *buf, size_t size) {
        ssize_t n = pread(fd, buf, size - 1, 0);
        size_t j = 0;

        for (ssize_t i = 0; i < n; i++)
                if (buf[i] > 0x20 && buf[i] < 0x7f)
                        buf[j++] = buf[i];
                else if (buf[i] == '\n')
                        break;
        buf[j] = 0;
}

int tree_lock_acquire(int root_fd, const char *root_name, bool shared, const char *holder, struct tree_lock *l,
                      struct nb_error *err) {
        struct stat st;
        int r;

        l->fd = -1;
        if (fstat(root_fd, &st) < 0)
                return nb_error_set(err, errno, "stat %s", root_name);
        r = mkdir_lock_dir();
        if (r < 0)
                return nb_error_set(err, r, "create %s", TREE_LOCK_DIR);
        snprintf(l->path, sizeof(l->path), TREE_LOCK_DIR "/inode-%lu:%lu", (unsigned long) st.st_dev,
                 (unsigned long) st.st_ino);
        for (;;) {
                _cleanup_close_ int fd = open(l->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                struct stat a, b;

                if (fd < 0)
                        return nb_error_set(err, errno, "open lock file %s", l->path);
                r = ofd_lock(fd, shared ? F_RDLCK : F_WRLCK);
                if (r == -EAGAIN || r == -EACCES) {
                        char name[128];
                        read_holder(fd, name, sizeof(name));
                        if (name[0])
                                nb_error_set(err, 0, "%s is in use by the running machine '%s'%s: stop it first",
                                             root_name, name, shared ? "" : " (a tree has one writer at a time)");
                        else
                                nb_error_set(err, 0, "%s is in use by another container (lock %s held, by "
                                             "systemd-nspawn?): stop it first", root_name, l->path);
                        return -EBUSY;
                }
                if (r < 0)
                        return nb_error_set(err, r, "lock %s", l->path);
                /* A releasing holder may have unlinked it between open and
                 * lock: only the file still at the path counts. */
                if (fstat(fd, &a) < 0 || stat(l->path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
                        continue;
                if (!shared || a.st_size == 0) {
                        char line[160];
                        int n = snprintf(line, sizeof(line), "%s\n", holder);
                        if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t) n, 0) != n)
                                return nb_error_set(err, errno, "write %s", l->path);
                }
                l->fd = TAKE_FD(fd);
                return 0;
        }
}

void tree_lock_release(struct tree_lock *l) {
        if (l->fd < 0)
                return;
        /* Last one out (the lock upgrades): remove the file, as nspawn does. */
        if (ofd_lock(l->fd, F_WRLCK) == 0)
                (void) unlink(l->path);
        close(l->fd);
        l->fd = -1;
}

void tree_lock_sweep(void) {
        DIR *d = opendir(TREE_LOCK_DIR);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                if (de->d_type != DT_REG || !startswith(de->d_name, "inode-"))
                        continue;
                _cleanup_close_ int fd = openat(dirfd(d), de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
                /* Free: its holder was killed. One who opened it meanwhile
                 * sees it unlinked after locking and starts over. */
                if (fd >= 0 && ofd_lock(fd, F_WRLCK) == 0)
                        (void) unlinkat(dirfd(d), de->d_name, 0);
        }
        closedir(d);
}

/* Nested (nixbox is root of a user namespace that does not map the whole ID
 * space), directories of the outer host appear owned by the overflow UID:
 * their owner is outside our namespace, beyond the reach of anyone inside
 * it, so they count as root's. */
static bool owned_by_outer_root(uid_t uid) {
        unsigned long overflow = 65534;
        char buf[32];

        if (read_string_file("/proc/sys/kernel/overflowuid", buf, sizeof(buf)) > 0)
                overflow = strtoul(buf, NULL, 10);
        return uid == overflow && !userns_maps_everything();
}

int tree_path_private(const char *path, char *why, size_t whysize) {
        _cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        char shown[4096] = "/";
        const char *p = path;

        if (fd < 0)
                return -errno;
        if (path[0] != '/')
                return -EINVAL;
        for (;;) {
                struct stat st;
                const char *next;
                char name[256];
                size_t len;

                if (fstat(fd, &st) < 0)
                        return -errno;
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                if (st.st_uid != 0 && !owned_by_outer_root(st.st_uid)) {
                        snprintf(why, whysize, "%s is owned by uid %u, not root", shown, (unsigned) st.st_uid);
                        return 0;
                }
                if ((st.st_mode & 0022) && !(st.st_mode & S_ISVTX)) {
                        snprintf(why, whysize, "%s (mode %04o) is writable by group or others", shown,
                                 (unsigned) (st.st_mode & 07777));
                        return 0;
                }
                if ((st.st_mode & 0011) == 0)
                        return 1;
                /* Next component; the last one is the tree itself, which does not count. */
                while (*p == '/')
                        p++;
                next = strchr(p, '/');
                len = next ? (size_t) (next - p) : strlen(p);
                while (next && *next == '/')
                        next++;
                if (len == 0 || !next || !*next) {
                        snprintf(why, whysize, "every directory above it lets others through, down to %s (mode %04o)",
                                 shown, (unsigned) (st.st_mode & 07777));
                        return 0;
                }
                if (len >= sizeof(name))
                        return -ENAMETOOLONG;
                memcpy(name, p, len);
                name[len] = 0;
                int sub = openat(fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        return -errno;
                close(fd);
                fd = sub;
                snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), "%s%s", shown[1] ? "/" : "", name);
                p = next;
        }
}
