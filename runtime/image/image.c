/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `nixbox import-tar` and `nixbox remove`: images in MACHINES_DIR.
 *
 * import-tar unpacks into MACHINES_DIR/.NAME.partial-XXXXXX (locked with
 * flock for as long as the import runs) and renames it to NAME at the end,
 * so an image is either complete or absent; a partial directory whose lock
 * is free was left by a killed import and is swept by the next one. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "compat.h"
#include "error.h"
#include "image-decompress.h"
#include "image-remove.h"
#include "image-tar.h"
#include "image-unpack.h"
#include "image.h"
#include "tree-safety.h"
#include "log.h"
#include "machine-state.h"
#include "parse-util.h"
#include "path-in-root.h"
#include "state.h"
#include "verbs.h"

bool image_name_valid(const char *name) {
        return name && hostname_valid(name);
}

const char *image_dir(size_t i) {
        /* nixbox's own, then systemd's: images that nspawn and machinectl
         * use are found by name too. */
        static const char *const nspawn_dir = "/var/lib/machines";

        if (i == 0)
                return MACHINES_DIR;
        if (i == 1 && !streq(MACHINES_DIR, nspawn_dir))
                return nspawn_dir;
        return NULL;
}

int image_find(const char *name, char *path, size_t size) {
        int r = -ENOENT;

        if (!image_name_valid(name))
                return -EINVAL;
        for (size_t i = 0; image_dir(i); i++) {
                struct stat st;
                int n = snprintf(path, size, "%s/%s", image_dir(i), name);
                if (n < 0 || (size_t) n >= size)
                        return -ENAMETOOLONG;
                if (stat(path, &st) < 0)
                        continue;
                if (S_ISDIR(st.st_mode))
                        return 0;
                r = -ENOTDIR;
        }
        return r;
}

/* ---- import-tar ---------------------------------------------------------- */

static volatile sig_atomic_t cancelled;

static void on_signal(int sig) {
        cancelled = sig;
}

/* No SA_RESTART: a read waiting for the decompressor returns at once. */
static void catch_signals(void) {
        struct sigaction sa = { .sa_handler = on_signal };

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
}

struct progress {
        int file_fd;          /* the archive: its offset is how far it was read */
        uint64_t total;
        const char *label;
        bool enabled;         /* stderr is a terminal */
        bool shown;
        uint64_t last_usec;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static const char *format_bytes(uint64_t n, char buf[static 32]) {
        static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
        double v = (double) n;
        size_t u = 0;

        while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024;
                u++;
        }
        snprintf(buf, 32, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
        return buf;
}

static void progress_show(struct progress *p) {
        char a[32], b[32];
        off_t off = lseek(p->file_fd, 0, SEEK_CUR);
        uint64_t done = off < 0 ? 0 : (uint64_t) off;

        if (done > p->total)
                done = p->total;
        fprintf(stderr, "\r%s: %s / %s (%u%%)\033[K", p->label, format_bytes(done, a), format_bytes(p->total, b),
                p->total ? (unsigned) (done * 100 / p->total) : 100);
        p->shown = true;
}

/* Called by the tar reader after each read: redraws at most 5 times a
 * second, and turns a caught signal into the end of the import. */
static int progress_update(void *userdata) {
        struct progress *p = userdata;
        uint64_t now;

        if (cancelled)
                return -EINTR;
        if (!p->enabled)
                return 0;
        now = now_usec();
        if (p->shown && now - p->last_usec < 200000)
                return 0;
        p->last_usec = now;
        progress_show(p);
        return 0;
}

static void progress_end(struct progress *p) {
        if (p->shown)
                fputs("\r\033[K", stderr);
}

/* The image name a file suggests: its name without the archive and
 * compression extensions. */
static int name_from_file(const char *file, char *out, size_t size) {
        static const char *const suffixes[] = {
                ".tar.xz", ".tar.gz", ".tar.zst", ".tar.zstd", ".tar.bz2", ".txz", ".tgz", ".tzst", ".tbz2",
                ".tar", ".xz", ".gz", ".zst", ".bz2",
        };
        const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
        size_t n = strlen(base);

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t l = strlen(suffixes[i]);
                if (n > l && strcmp(base + n - l, suffixes[i]) == 0) {
                        n -= l;
                        break;
                }
        }
        if (n >= size)
                return -ENAMETOOLONG;
        memcpy(out, base, n);
        out[n] = 0;
        return image_name_valid(out) ? 0 : -EINVAL;
}

/* Removes the .NAME.partial-* directories of imports that were killed
 * (their lock is free). The caller holds the machines directory's lock. */
static void sweep_stale_partials(int machines_fd) {
        int fd = fcntl(machines_fd, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

        if (!d) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        while ((de = readdir(d))) {
                _cleanup_close_ int pfd = -1;
                char path[PATH_MAX];
                struct nb_error err = {0};

                if (de->d_name[0] != '.' || !strstr(de->d_name, ".partial-"))
                        continue;
                pfd = openat(machines_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (pfd < 0 || flock(pfd, LOCK_EX | LOCK_NB) < 0)
                        continue;
                snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, de->d_name);
                log_info("removing %s, left by an interrupted import", path);
                if (tree_remove_at(machines_fd, de->d_name, path, &err) < 0)
                        nb_error_print(&err);
        }
        closedir(d);
}

/* LXD's "unified" image tarball: metadata.yaml and templates/ beside the
 * tree, which is under rootfs/. */
static bool is_lxd_unified(int dir_fd) {
        struct stat a, b, c;

        return fstatat(dir_fd, "metadata.yaml", &a, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(a.st_mode) &&
               fstatat(dir_fd, "rootfs", &b, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(b.st_mode) &&
               fstatat(dir_fd, "etc", &c, AT_SYMLINK_NOFOLLOW) < 0;
}

static bool has_os_release(int root_fd) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_close_ int fd = root_open(root_fd, paths[i], O_PATH, 0);  /* opens nothing */
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                        return true;
        }
        return false;
}

/* Unpacks the archive (decompressing it when needed) into dir_fd. */
static int unpack_archive(int file_fd, const char *program, struct progress *p, int dir_fd, struct unpack_stats *stats,
                          struct nb_error *err) {
        struct decompressor dc = { .pid = 0, .fd = -1 };
        struct tar_reader *tr;
        int r;

        if (program) {
                r = decompressor_start(&dc, program, file_fd, err);
                if (r < 0)
                        return r;
        }
        tr = tar_reader_new(program ? dc.fd : file_fd, progress_update, p);
        if (!tr) {
                decompressor_finish(&dc, true, NULL);
                return nb_error_set(err, ENOMEM, "allocate a tar reader");
        }
        r = tar_unpack(tr, dir_fd, stats, err);
        /* The rest of the stream, so that the decompressor can check it. */
        if (r == 0 && program)
                r = tar_drain(tr, err);
        tar_reader_free(tr);
        if (r < 0) {
                /* A corrupt stream makes the decompressor fail first: its
                 * message explains better than "truncated archive". */
                struct nb_error dc_err = {0};
                if (program && !cancelled && decompressor_finish(&dc, false, &dc_err) < 0 && dc_err.msg[0])
                        *err = dc_err;
                decompressor_finish(&dc, true, NULL);
                if (cancelled)
                        return nb_error_set(err, 0, "interrupted by signal %d", (int) cancelled);
                return r;
        }
        return decompressor_finish(&dc, false, err);
}

/* Moves the unpacked tree (or its rootfs/ for an LXD image) to NAME. */
static int install_image(int machines_fd, const char *tmp_name, int tmp_fd, const char *name, struct nb_error *err) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, name);
        if (syncfs(tmp_fd) < 0)
                return nb_error_set(err, errno, "sync %s", MACHINES_DIR);
        if (is_lxd_unified(tmp_fd)) {
                log_info("LXD image: taking the tree under rootfs/");
                if (nb_renameat2(tmp_fd, "rootfs", machines_fd, name, RENAME_NOREPLACE) < 0)
                        return nb_error_set(err, errno, "rename the unpacked rootfs/ to %s", path);
                return 0;  /* the caller removes the rest (metadata.yaml, templates/) */
        }
        if (nb_renameat2(machines_fd, tmp_name, machines_fd, name, RENAME_NOREPLACE) < 0)
                return nb_error_set(err, errno, "rename the unpacked tree to %s", path);
        return 1;
}

static int import_unpack(const char *file, int file_fd, uint64_t file_size, const char *program, bool is_stream, const char *name,
                         const char *path, struct nb_error *err);

/* A copy of stdin that starts at its first byte again: the first bytes were
 * read to tell the compression, so a child writes them and then the rest
 * of stdin into a pipe, which is what the decompressor (or the tar reader)
 * reads. */
static int stdin_stream(pid_t *feeder, const char **program, struct nb_error *err) {
        uint8_t head[6];
        size_t n = 0;
        int fds[2];
        pid_t parent = getpid();

        while (n < sizeof(head)) {
                ssize_t k = read(STDIN_FILENO, head + n, sizeof(head) - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return nb_error_set(err, errno, "read standard input");
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        *program = decompressor_detect_buf(head, n);
        if (pipe2(fds, O_CLOEXEC) < 0)
                return nb_error_set(err, errno, "create a pipe for standard input");
        *feeder = fork();
        if (*feeder < 0) {
                int e = errno;
                close(fds[0]);
                close(fds[1]);
                return nb_error_set(err, e, "fork a reader of standard input");
        }
        if (*feeder == 0) {
                char buf[65536];
                signal(SIGPIPE, SIG_DFL);
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                        _exit(1);
                close(fds[0]);
                if (n > 0 && write(fds[1], head, n) != (ssize_t) n)
                        _exit(1);
                for (;;) {
                        ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                _exit(k < 0);
                        for (ssize_t off = 0; off < k;) {
                                ssize_t w = write(fds[1], buf + off, (size_t) (k - off));
                                if (w < 0 && errno != EINTR)
                                        _exit(1);
                                off += w > 0 ? w : 0;
                        }
                }
        }
        close(fds[1]);
        return fds[0];
}

static int import_tar(const char *file, const char *name, struct nb_error *err) {
        _cleanup_close_ int file_fd = -1;
        char path[PATH_MAX];
        uint64_t file_size;
        const char *program = NULL;
        pid_t feeder = 0;
        struct stat st;
        int r;

        snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, name);
        if (streq(file, "-")) {
                file = "standard input";
                if (fstat(STDIN_FILENO, &st) < 0)
                        return nb_error_set(err, errno, "stat standard input");
                if (S_ISREG(st.st_mode))
                        file_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
                else if (!S_ISDIR(st.st_mode))
                        file_fd = stdin_stream(&feeder, &program, err);
                else
                        return nb_error_set(err, 0, "standard input is a directory");
                if (file_fd < 0)
                        return S_ISREG(st.st_mode) ? nb_error_set(err, errno, "duplicate standard input") : file_fd;
                file_size = S_ISREG(st.st_mode) ? (uint64_t) st.st_size : 0;
        } else {
                file_fd = open(file, O_RDONLY | O_NOCTTY | O_CLOEXEC);
                if (file_fd < 0)
                        return nb_error_set(err, errno, "open %s", file);
                if (fstat(file_fd, &st) < 0)
                        return nb_error_set(err, errno, "stat %s", file);
                if (!S_ISREG(st.st_mode))
                        return nb_error_set(err, 0, "%s is not a regular file", file);
                file_size = (uint64_t) st.st_size;
        }
        if (feeder == 0)
                program = decompressor_detect(file_fd);
        r = import_unpack(file, file_fd, file_size, program, feeder != 0, name, path, err);
        if (feeder > 0) {
                /* Done reading it (or failed): the feeder may wait on a full pipe. */
                kill(feeder, SIGKILL);
                (void) waitpid(feeder, NULL, 0);
        }
        return r;
}

static int import_unpack(const char *file, int file_fd, uint64_t file_size, const char *program, bool is_stream, const char *name,
                         const char *path, struct nb_error *err) {
        _cleanup_close_ int machines_fd = -1, tmp_fd = -1, image_fd = -1;
        char tmp_path[PATH_MAX];
        const char *tmp_name;
        struct unpack_stats stats;
        struct progress p;
        struct stat st;
        int r;

        /* 0700 like /var/lib/machines: host users must not reach the
         * images' setuid programs. */
        if (mkdir(MACHINES_DIR, 0700) < 0 && errno != EEXIST)
                return nb_error_set(err, errno, "create %s", MACHINES_DIR);
        machines_fd = open(MACHINES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (machines_fd < 0)
                return nb_error_set(err, errno, "open %s", MACHINES_DIR);
        if (fstat(machines_fd, &st) == 0 && (st.st_mode & 0077))
                log_warn("%s has mode %04o: other users can run the setuid programs of its images "
                         "(chmod 0700 %s)", MACHINES_DIR, st.st_mode & 07777, MACHINES_DIR);
        /* Held while sweeping and until our partial directory is locked, so
         * that no other import takes it for a stale one. */
        if (flock(machines_fd, LOCK_EX) < 0)
                return nb_error_set(err, errno, "lock %s", MACHINES_DIR);
        if (fstatat(machines_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return nb_error_set(err, 0, "image '%s' exists already in %s (nixbox remove %s deletes it)",
                                    name, MACHINES_DIR, name);
        sweep_stale_partials(machines_fd);
        snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.partial-XXXXXX", MACHINES_DIR, name);
        if (!mkdtemp(tmp_path))
                return nb_error_set(err, errno, "create a directory in %s", MACHINES_DIR);
        tmp_name = strrchr(tmp_path, '/') + 1;
        tmp_fd = open(tmp_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tmp_fd < 0 || flock(tmp_fd, LOCK_EX) < 0) {
                r = nb_error_set(err, errno, "open %s", tmp_path);
                (void) unlinkat(machines_fd, tmp_name, AT_REMOVEDIR);
                return r;
        }
        (void) flock(machines_fd, LOCK_UN);
        /* What a tree's top usually is; a "./" member may say otherwise. */
        (void) fchmod(tmp_fd, 0755);

        /* No progress for a pipe: its size is unknown and it has no offset. */
        p = (struct progress){
                .file_fd = file_fd, .total = file_size, .label = file, .enabled = !log_quiet && !is_stream && isatty(STDERR_FILENO)
        };
        r = unpack_archive(file_fd, program, &p, tmp_fd, &stats, err);
        if (r == 0 && p.enabled)
                progress_show(&p);
        progress_end(&p);
        if (r == 0)
                r = install_image(machines_fd, tmp_name, tmp_fd, name, err);
        if (r <= 0) {
                /* Failed, or an LXD image whose rootfs/ was moved out: the rest goes. */
                struct nb_error rm_err = {0};
                if (r < 0)
                        nb_error_prefix(err, "import %s", file);
                if (tree_remove_at(machines_fd, tmp_name, tmp_path, &rm_err) < 0) {
                        nb_error_prefix(&rm_err, "remove the partial image");
                        nb_error_print(&rm_err);
                }
                if (r < 0)
                        return r;
        }

        log_info("imported %s as image %s (%s, %llu members, %s of file data)", file, name, path,
                 stats.members, format_bytes(stats.bytes, (char[32]) {0}));
        if (stats.devices_skipped > 0)
                log_warn("skipped %lu device node%s (the first: '%s'): a container gets its own /dev when it runs",
                         stats.devices_skipped, stats.devices_skipped == 1 ? "" : "s", stats.first_device);
        if (stats.xattrs_failed > 0)
                log_warn("%lu extended attributes could not be set", stats.xattrs_failed);
        image_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (image_fd >= 0 && !has_os_release(image_fd))
                log_warn("%s has no /etc/os-release or /usr/lib/os-release: booting it needs --check-os-release=no",
                         path);
        return 0;
}

static void import_usage(void) {
        printf("Usage: nixbox import-tar [-q] FILE [NAME]\n"
               "       nixbox import-tar [-q] - NAME\n"
               "\n"
               "Unpacks a root file system tarball (.tar, .tar.xz, .tar.gz, .tar.zst, .tar.bz2: a NixOS\n"
               "system tarball, an LXC or LXD rootfs tarball) into %s/NAME, where\n"
               "'nixbox run NAME' finds it. NAME defaults to the file name without its extensions;\n"
               "FILE '-' reads standard input. Device nodes in the archive are skipped (a container\n"
               "gets its own /dev).\n"
               "\n"
               "  -q, --quiet   no progress and no summary\n"
               "  -h, --help    show this help\n",
               MACHINES_DIR);
}

int verb_import_tar(int argc, char **argv) {
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        struct nb_error err = {0};
        char name[256];
        const char *file;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+hq", longopts, NULL)) != -1) {
                switch (c) {
                case 'h':
                        import_usage();
                        return 0;
                case 'q':
                        log_quiet = true;
                        break;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        }
        if (argc - optind < 1 || argc - optind > 2) {
                log_error("usage: nixbox import-tar [-q] FILE [NAME]");
                return EXIT_NIXBOX_ERROR;
        }
        file = argv[optind];
        if (argc - optind == 2) {
                if (!image_name_valid(argv[optind + 1])) {
                        log_error("invalid image name '%s': use letters, digits, '-', '_' and dots between (at most 64)",
                                  argv[optind + 1]);
                        return EXIT_NIXBOX_ERROR;
                }
                snprintf(name, sizeof(name), "%s", argv[optind + 1]);
        } else if (streq(file, "-")) {
                log_error("cannot make an image name from '-' (standard input): give one (nixbox import-tar - NAME)");
                return EXIT_NIXBOX_ERROR;
        } else if (name_from_file(file, name, sizeof(name)) < 0) {
                log_error("cannot make an image name from '%s': give one (nixbox import-tar FILE NAME)", file);
                return EXIT_NIXBOX_ERROR;
        }
        if (geteuid() != 0) {
                log_error("import-tar needs root: it sets owners and writes to %s", MACHINES_DIR);
                return EXIT_NIXBOX_ERROR;
        }
        umask(022);
        catch_signals();
        if (import_tar(file, name, &err) < 0) {
                nb_error_print(&err);
                return EXIT_NIXBOX_ERROR;
        }
        return 0;
}

/* ---- remove -------------------------------------------------------------- */

struct running_check {
        const char *name;
        const char *path;
        char real[PATH_MAX];
        struct machine_info found;
        bool is_running;
};

/* A machine of that name, or one whose root is in the image. */
static int check_machine(const struct machine_info *m, void *userdata) {
        struct running_check *c = userdata;
        size_t l = strlen(c->real);

        if (streq(m->name, c->name) || streq(m->root, c->path) ||
            (l > 0 && strncmp(m->root, c->real, l) == 0 && (m->root[l] == 0 || m->root[l] == '/'))) {
                c->found = *m;
                c->is_running = true;
                return -EBUSY;
        }
        return 0;
}

static int remove_image(const char *name, struct nb_error *err) {
        _cleanup_close_ int machines_fd = -1;
        struct running_check c = { .name = name };
        char path[PATH_MAX];
        struct stat st;
        int lock, r;

        if (!image_name_valid(name))
                return nb_error_set(err, 0, "invalid image name '%s'", name);
        snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, name);
        machines_fd = open(MACHINES_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (machines_fd < 0 && errno == ENOENT)
                return nb_error_set(err, 0, "no image '%s' in %s", name, MACHINES_DIR);
        if (machines_fd < 0)
                return nb_error_set(err, errno, "open %s", MACHINES_DIR);
        if (fstatat(machines_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? nb_error_set(err, 0, "no image '%s' in %s", name, MACHINES_DIR)
                                       : nb_error_set(err, errno, "stat %s", path);

        c.path = path;
        if (!realpath(path, c.real))
                c.real[0] = 0;
        (void) machine_state_foreach(check_machine, &c);
        if (c.is_running)
                return nb_error_set(err, 0, "image '%s' is in use by running machine '%s' (root %s, pid %d): "
                                    "stop it first", name, c.found.name, c.found.root, (int) c.found.leader);
        /* Holding the machine's lock keeps `nixbox run NAME` from starting
         * on a half-removed tree. */
        lock = state_try_lock_machine(name);
        if (lock == -EBUSY)
                return nb_error_set(err, 0, "machine '%s' is starting or running: stop it first", name);
        if (lock < 0)
                return nb_error_set(err, lock, "lock machine '%s'", name);
        /* And the tree's own lock (by dev+ino, as nspawn's): no container of
         * any name, nixbox's or nspawn's, is using it, nor starts to. */
        struct tree_lock tl = TREE_LOCK_INIT;
        _cleanup_close_ int tree_fd = openat(machines_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tree_fd >= 0 && tree_lock_acquire(tree_fd, path, false, "nixbox remove", &tl, err) < 0) {
                state_unlock_machine(name, lock);
                return -EBUSY;
        }
        r = tree_remove_at(machines_fd, name, path, err);
        tree_lock_release(&tl);
        state_unlock_machine(name, lock);
        return r;
}

int verb_remove(int argc, char **argv) {
        struct nb_error err = {0};
        int ret = 0;

        if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                printf("Usage: nixbox remove NAME...\n\nDeletes images from %s.\n", MACHINES_DIR);
                return argc < 2 ? EXIT_NIXBOX_ERROR : 0;
        }
        if (geteuid() != 0) {
                log_error("remove needs root");
                return EXIT_NIXBOX_ERROR;
        }
        for (int i = 1; i < argc; i++) {
                if (remove_image(argv[i], &err) < 0) {
                        nb_error_print(&err);
                        ret = EXIT_NIXBOX_ERROR;
                        err = (struct nb_error) {0};
                }
        }
        return ret;
}
