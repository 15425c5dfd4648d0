/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* copy-to and copy-from: files and directories into and out of a running
 * container, as machinectl copy-to/copy-from do. The container side is
 * reached through /proc/LEADER/root (pinned by the leader's pidfd), so
 * paths are walked in the container's own mount namespace (its binds and
 * tmpfs included), and resolved inside its root (openat2 RESOLVE_IN_ROOT):
 * no symlink or ".." leads out. Below the named path everything is fd-based
 * (openat from the parent's fd, O_NOFOLLOW): a container that swaps a
 * component for a symlink mid-copy gets an error, never a write elsewhere.
 * Nothing is overwritten (renameat2 RENAME_NOREPLACE) unless --force, and
 * then a symlink is replaced, never followed. Symlinks are copied as
 * symlinks; FIFOs, sockets and devices are skipped. Owners go through the
 * UID shift (host uid N <-> container uid N); copy-from drops setuid and
 * setgid bits (a container's root must not make setuid-root programs on the
 * host). Bounded: COPY_MAX_DEPTH levels, COPY_MAX_ENTRIES entries. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "error.h"
#include "fileio.h"
#include "log.h"
#include "machine-target.h"
#include "macro.h"
#include "path-in-root.h"
#include "verbs.h"

#define COPY_MAX_DEPTH 128
#define COPY_MAX_ENTRIES 1000000UL
#define NOBODY 65534

struct copy {
        bool into; /* copy-to */
        bool force;
        uid_t shift, range; /* range 0: no user namespace */
        unsigned long entries;
        unsigned tmp_counter;
};

/* A host id into the container (into) or back. */
static uid_t map_id(const struct copy *c, uid_t id) {
        if (c->range == 0)
                return id;
        if (c->into)
                return c->shift + (id < c->range ? id : (NOBODY < c->range ? NOBODY : 0));
        return id >= c->shift && id - c->shift < c->range ? id - c->shift : NOBODY;
}

static int copy_entry(struct copy *c, int sdir, const char *sname, int ddir, const char *dname, const char *shown, int depth);

/* Puts the finished temporary entry in place: never over an existing one
 * unless --force, and then over the entry itself (renameat2 does not
 * follow a symlink there). */
static int put_in_place(struct copy *c, int ddir, const char *tmp, const char *dname, const char *shown) {
        if (syscall(SYS_renameat2, ddir, tmp, ddir, dname, c->force ? 0 : RENAME_NOREPLACE) == 0)
                return 0;
        int r = -errno;
        (void) unlinkat(ddir, tmp, 0);
        if (r == -EEXIST)
                return log_error("copy %s: the destination exists (--force replaces it)", shown), r;
        return log_error("copy %s: put it in place: %s", shown, strerror(-r)), r;
}

static void tmp_name(struct copy *c, char *buf, size_t size) {
        snprintf(buf, size, ".#nixbox-copy.%d.%u", (int) getpid(), c->tmp_counter++);
}

static int set_attrs(const struct copy *c, int fd, const struct stat *st, const char *shown) {
        mode_t mode = st->st_mode & 07777;
        struct timespec times[2] = { st->st_atim, st->st_mtim };

        if (!c->into)
                mode &= ~(mode_t) (S_ISUID | S_ISGID);
        /* chown first: it clears setuid bits that chmod then sets. */
        if (fchown(fd, map_id(c, st->st_uid), map_id(c, st->st_gid)) < 0)
                return log_error("copy %s: chown to %u:%u: %s", shown, map_id(c, st->st_uid), map_id(c, st->st_gid),
                                 strerror(errno)),
                       -errno;
        if (fchmod(fd, mode) < 0)
                return log_error("copy %s: chmod %04o: %s", shown, mode, strerror(errno)), -errno;
        (void) futimens(fd, times);
        return 0;
}

static int copy_file(struct copy *c, int sdir, const char *sname, int ddir, const char *dname, const char *shown) {
        static char buf[128 * 1024];
        _cleanup_close_ int in = -1, out = -1;
        char tmp[64];
        struct stat st;
        mode_t type = 0;
        ssize_t n;
        int r;

        /* Opens nothing but a regular file (a FIFO or a device swapped in
         * meanwhile is not opened). */
        in = open_regular_at(sdir, sname, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS, O_RDONLY | O_NOFOLLOW, &type);
        if (in == -EBADFD) {
                log_warn("copy %s: skipped, it became a %s", shown, file_type_name(type));
                return 0;
        }
        if (in < 0)
                return log_error("copy %s: open: %s", shown, strerror(-in)), in;
        if (fstat(in, &st) < 0)
                return log_error("copy %s: stat: %s", shown, strerror(errno)), -errno;
        tmp_name(c, tmp, sizeof(tmp));
        out = openat(ddir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return log_error("copy %s: create: %s", shown, strerror(errno)), -errno;
        (void) fcntl(in, F_SETFL, fcntl(in, F_GETFL) & ~O_NONBLOCK);
        while ((n = read(in, buf, sizeof(buf))) > 0) {
                for (ssize_t done = 0; done < n;) {
                        ssize_t w = write(out, buf + done, (size_t) (n - done));
                        if (w < 0) {
                                r = -errno;
                                (void) unlinkat(ddir, tmp, 0);
                                return log_error("copy %s: write: %s", shown, strerror(-r)), r;
                        }
                        done += w;
                }
        }
        r = n < 0 ? -errno : set_attrs(c, out, &st, shown);
        if (n < 0)
                log_error("copy %s: read: %s", shown, strerror(-r));
        if (r < 0) {
                (void) unlinkat(ddir, tmp, 0);
                return r;
        }
        return put_in_place(c, ddir, tmp, dname, shown);
}

static int copy_symlink(struct copy *c, int sdir, const char *sname, int ddir, const char *dname, const char *shown) {
        char target[PATH_MAX], tmp[64];
        struct stat st;
        ssize_t n;

        if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error("copy %s: stat: %s", shown, strerror(errno)), -errno;
        n = readlinkat(sdir, sname, target, sizeof(target));
        if (n < 0)
                return log_error("copy %s: readlink: %s", shown, strerror(errno)), -errno;
        if ((size_t) n >= sizeof(target))
                return log_error("copy %s: symlink target too long", shown), -ENAMETOOLONG;
        target[n] = 0;
        tmp_name(c, tmp, sizeof(tmp));
        /* Copied as it is, never followed. */
        if (symlinkat(target, ddir, tmp) < 0)
                return log_error("copy %s: symlink: %s", shown, strerror(errno)), -errno;
        if (fchownat(ddir, tmp, map_id(c, st.st_uid), map_id(c, st.st_gid), AT_SYMLINK_NOFOLLOW) < 0) {
                int r = -errno;
                (void) unlinkat(ddir, tmp, 0);
                return log_error("copy %s: chown: %s", shown, strerror(-r)), r;
        }
        return put_in_place(c, ddir, tmp, dname, shown);
}

static int copy_dir(struct copy *c, int sdir, const char *sname, int ddir, const char *dname, const char *shown, int depth) {
        _cleanup_close_ int in = -1, out = -1;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        struct stat st;
        int r = 0;

        if (depth >= COPY_MAX_DEPTH)
                return log_error("copy %s: deeper than %d levels", shown, COPY_MAX_DEPTH), -ELOOP;
        in = openat(sdir, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (in < 0)
                return log_error("copy %s: open the directory: %s", shown, strerror(errno)), -errno;
        if (fstat(in, &st) < 0)
                return log_error("copy %s: stat: %s", shown, strerror(errno)), -errno;
        if (mkdirat(ddir, dname, 0700) < 0 && !(errno == EEXIST && c->force))
                return log_error("copy %s: mkdir: %s%s", shown, strerror(errno),
                                 errno == EEXIST ? " (--force merges into it)" : ""),
                       -errno;
        /* Never through a symlink, even with --force. */
        out = openat(ddir, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (out < 0)
                return log_error("copy %s: open the destination directory (not following a symlink): %s", shown, strerror(errno)),
                       -errno;
        d = fdopendir(in);
        if (!d)
                return log_error("copy %s: read the directory: %s", shown, strerror(errno)), -errno;
        in = -1; /* owned by d now */
        while ((de = readdir(d))) {
                _cleanup_free_ char *child = NULL;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (asprintf(&child, "%s/%s", shown, de->d_name) < 0)
                        return log_error("copy %s: out of memory", shown), -ENOMEM;
                r = copy_entry(c, dirfd(d), de->d_name, out, de->d_name, child, depth + 1);
                if (r < 0)
                        return r;
        }
        return set_attrs(c, out, &st, shown);
}

static int copy_entry(struct copy *c, int sdir, const char *sname, int ddir, const char *dname, const char *shown, int depth) {
        struct stat st;

        if (++c->entries > COPY_MAX_ENTRIES)
                return log_error("copy: more than %lu entries; stopping at %s", COPY_MAX_ENTRIES, shown), -E2BIG;
        if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return log_error("copy %s: stat: %s", shown, strerror(errno)), -errno;
        if (S_ISREG(st.st_mode))
                return copy_file(c, sdir, sname, ddir, dname, shown);
        if (S_ISDIR(st.st_mode))
                return copy_dir(c, sdir, sname, ddir, dname, shown, depth);
        if (S_ISLNK(st.st_mode))
                return copy_symlink(c, sdir, sname, ddir, dname, shown);
        if (depth == 0)
                return log_error("copy %s: a %s is not copied (only files, directories and symlinks)", shown,
                                 file_type_name(st.st_mode)),
                       -EBADFD;
        log_warn("copy %s: skipped, a %s", shown, file_type_name(st.st_mode));
        return 0;
}

/* PATH into its parent and last component; the last must be a name. */
static int split_path(const char *path, char **parent, char **base) {
        _cleanup_free_ char *p = strdup(path);
        char *slash;
        size_t l;

        if (!p)
                return -ENOMEM;
        l = strlen(p);
        while (l > 1 && p[l - 1] == '/')
                p[--l] = 0;
        slash = strrchr(p, '/');
        *base = strdup(slash ? slash + 1 : p);
        *parent = slash ? strndup(p, slash == p ? 1 : (size_t) (slash - p)) : strdup(".");
        if (!*base || !*parent)
                return -ENOMEM;
        if (!**base || streq(*base, ".") || streq(*base, ".."))
                return -EINVAL;
        return 0;
}

/* Effective again what setfsuid() to a non-zero uid took away (the
 * file-system capabilities): host root keeps writing anywhere. */
static int raise_caps(void) {
        cap_t caps = cap_get_proc();
        cap_value_t v[] = { CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID };
        int r = 0;

        if (!caps)
                return -errno;
        if (cap_set_flag(caps, CAP_EFFECTIVE, (int) ELEMENTSOF(v), v, CAP_SET) < 0 || cap_set_proc(caps) < 0)
                r = -errno;
        cap_free(caps);
        return r;
}

static int verb_copy(int argc, char **argv, bool into) {
        static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' }, {} };
        const char *verb = into ? "copy-to" : "copy-from";
        struct copy c = { .into = into };
        struct machine_target t;
        struct nb_error err = { 0 };
        _cleanup_free_ char *sparent = NULL, *sbase = NULL, *dparent = NULL, *dbase = NULL;
        _cleanup_close_ int croot = -1, sdir = -1, ddir = -1;
        const char *name, *src, *dst;
        int o, r;

        optind = 0;
        while ((o = getopt_long(argc, argv, "fh", opts, NULL)) >= 0)
                switch (o) {
                case 'f':
                        c.force = true;
                        break;
                case 'h':
                        printf(into ? "Usage: nixbox copy-to NAME HOST-PATH [CONTAINER-PATH] [--force]\n"
                                    : "Usage: nixbox copy-from NAME CONTAINER-PATH [HOST-PATH] [--force]\n");
                        return 0;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        if (argc - optind < 2 || argc - optind > 3) {
                log_error("%s: expected NAME SOURCE [DESTINATION]; see 'nixbox %s --help'", verb, verb);
                return EXIT_NIXBOX_ERROR;
        }
        name = argv[optind];
        src = argv[optind + 1];
        dst = argc - optind == 3 ? argv[optind + 2] : src;
        if (into ? dst[0] != '/' : src[0] != '/') {
                log_error("%s: the container's path must be absolute: %s", verb, into ? dst : src);
                return EXIT_NIXBOX_ERROR;
        }
        if (split_path(src, &sparent, &sbase) < 0 || split_path(dst, &dparent, &dbase) < 0) {
                log_error("%s: %s and %s must each name a file or directory (not /, . or ..)", verb, src, dst);
                return EXIT_NIXBOX_ERROR;
        }
        machines_sweep_stale();
        r = machine_target_open(name, &t, &err);
        if (r < 0) {
                nb_error_print(&err);
                return r == -ENOENT ? EXIT_NO_MACHINE : EXIT_NIXBOX_ERROR;
        }
        c.shift = t.m.uid_shift;
        c.range = t.m.uid_range;
        /* The container's root in its mount namespace, opened while its
         * PID 1 was pinned and alive. */
        croot = openat(t.proc_fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (croot < 0 || pidfd_alive(t.leader_pidfd) < 0) {
                log_error("%s: open the root of container %s: %s", verb, name, croot < 0 ? strerror(errno) : "its init ended");
                machine_target_close(&t);
                return EXIT_NIXBOX_ERROR;
        }
        machine_target_close(&t);
        /* The container side resolved inside its root; the host side is
         * the caller's own path. */
        if (into) {
                sdir = open(sparent, O_PATH | O_DIRECTORY | O_CLOEXEC);
                ddir = root_open(croot, dparent, O_PATH | O_DIRECTORY, 0);
        } else {
                sdir = root_open(croot, sparent, O_PATH | O_DIRECTORY, 0);
                ddir = open(dparent, O_PATH | O_DIRECTORY | O_CLOEXEC);
        }
        if (sdir < 0 || ddir < 0) {
                r = sdir < 0 ? (into ? -errno : sdir) : (into ? ddir : -errno);
                log_error("%s: open the directory %s%s: %s", verb, sdir < 0 ? sparent : dparent,
                          (sdir < 0) != into ? " in the container" : "", strerror(-r));
                return EXIT_NIXBOX_ERROR;
        }
        /* Created in the container as its root: an idmapped root mount
         * refuses creations by an unmapped host uid 0. */
        if (into && c.range > 0) {
                (void) setfsgid(c.shift);
                (void) setfsuid(c.shift);
                r = raise_caps();
                if ((uid_t) setfsuid((uid_t) -1) != c.shift || r < 0) {
                        log_error("%s: act as the container's root (uid %u): %s", verb, c.shift, strerror(r < 0 ? -r : EPERM));
                        return EXIT_NIXBOX_ERROR;
                }
        }
        r = copy_entry(&c, sdir, sbase, ddir, dbase, src, 0);
        return r < 0 ? EXIT_NIXBOX_ERROR : 0;
}

int verb_copy_to(int argc, char **argv) {
        return verb_copy(argc, argv, true);
}

int verb_copy_from(int argc, char **argv) {
        return verb_copy(argc, argv, false);
}
