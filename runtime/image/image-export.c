/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `nixbox export-tar NAME FILE`: an image as a tarball (machinectl
 * export-tar), compressed by FILE's extension; what import-tar reads back.
 *
 * The archive is written by GNU tar (Debian's essential package), which
 * stores symlinks as symlinks and never follows them, run in the image's
 * root; the compressor is a filter after it. The image is locked shared for
 * the duration, like a read-only run: a container writing to it refuses to
 * start, and a running one makes the export fail naming it. */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "image.h"
#include "log.h"
#include "macro.h"
#include "tree-safety.h"
#include "verbs.h"

static const char *compressor_for(const char *file) {
        static const struct {
                const char *suffix, *program;
        } map[] = {
                { ".xz", "xz" },     { ".txz", "xz" },    { ".gz", "gzip" },   { ".tgz", "gzip" },   { ".zst", "zstd" },
                { ".zstd", "zstd" }, { ".tzst", "zstd" }, { ".bz2", "bzip2" }, { ".tbz2", "bzip2" },
        };
        size_t n = strlen(file);

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                size_t l = strlen(map[i].suffix);
                if (n > l && streq(file + n - l, map[i].suffix))
                        return map[i].program;
        }
        return NULL;
}

/* Runs argv with stdin in_fd, stdout out_fd and the working directory
 * cwd_fd (-1: unchanged); every other fd is closed on exec. */
static pid_t spawn(char *const argv[], int in_fd, int out_fd, int cwd_fd) {
        pid_t parent = getpid(), pid = fork();

        if (pid != 0)
                return pid;
        signal(SIGPIPE, SIG_DFL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
        if ((in_fd >= 0 && dup2(in_fd, STDIN_FILENO) < 0) || dup2(out_fd, STDOUT_FILENO) < 0 || (cwd_fd >= 0 && fchdir(cwd_fd) < 0))
                _exit(127);
        execvp(argv[0], argv);
        fprintf(stderr, "nixbox: run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
}

static int reap(pid_t pid, const char *what, struct nb_error *err) {
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return nb_error_set(err, errno, "wait for %s", what);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status))
                return nb_error_set(err, 0, "%s failed with status %d", what, WEXITSTATUS(status));
        return nb_error_set(err, 0, "%s was killed by signal %d", what, WTERMSIG(status));
}

static int export_tar(const char *name, const char *file, struct nb_error *err) {
        _cleanup_close_ int root_fd = -1, out_fd = -1;
        struct tree_lock lock = TREE_LOCK_INIT;
        const char *program = compressor_for(file);
        bool to_stdout = streq(file, "-");
        char path[4096];
        int pipefd[2] = { -1, -1 }, r;
        pid_t tar_pid, z_pid = 0;

        r = image_find(name, path, sizeof(path));
        if (r == -EINVAL)
                return nb_error_set(err, 0, "invalid image name '%s'", name);
        if (r < 0)
                return nb_error_set(err, 0, "no image '%s' (see 'nixbox images')", name);
        root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return nb_error_set(err, errno, "open image %s", path);
        r = tree_lock_acquire(root_fd, path, true, "nixbox export-tar", &lock, err);
        if (r < 0)
                return r;

        if (to_stdout) {
                if (isatty(STDOUT_FILENO)) {
                        tree_lock_release(&lock);
                        return nb_error_set(err, 0, "refusing to write a tarball to a terminal");
                }
                out_fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        } else
                out_fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out_fd < 0) {
                r = errno == EEXIST ? nb_error_set(err, 0, "%s exists already: remove it or choose another name", file)
                                    : nb_error_set(err, errno, "create %s", file);
                tree_lock_release(&lock);
                return r;
        }

        if (program && pipe2(pipefd, O_CLOEXEC) < 0) {
                r = nb_error_set(err, errno, "create a pipe for %s", program);
                goto fail;
        }
        /* Numeric owners: an image's users are not the host's. */
        char *tar_argv[] = { (char *) "tar",
                             (char *) "--numeric-owner",
                             (char *) "--xattrs",
                             (char *) "--xattrs-include=*",
                             (char *) "--one-file-system",
                             (char *) "-cf",
                             (char *) "-",
                             (char *) ".",
                             NULL };
        tar_pid = spawn(tar_argv, -1, program ? pipefd[1] : out_fd, root_fd);
        if (tar_pid < 0) {
                r = nb_error_set(err, errno, "fork tar");
                goto fail;
        }
        if (program) {
                char *z_argv[] = { (char *) program, (char *) "-c", NULL };
                close(pipefd[1]);
                pipefd[1] = -1;
                z_pid = spawn(z_argv, pipefd[0], out_fd, -1);
                close(pipefd[0]);
                pipefd[0] = -1;
                if (z_pid < 0) {
                        r = nb_error_set(err, errno, "fork %s", program);
                        kill(tar_pid, SIGKILL);
                        (void) reap(tar_pid, "tar", NULL);
                        goto fail;
                }
        }
        r = reap(tar_pid, "tar", err);
        if (z_pid > 0) {
                struct nb_error z_err = { 0 };
                if (reap(z_pid, program, &z_err) < 0 && r == 0) {
                        *err = z_err;
                        r = -EIO;
                }
        }
        if (r == 0 && !to_stdout && fsync(out_fd) < 0)
                r = nb_error_set(err, errno, "write %s", file);
        if (r == 0) {
                tree_lock_release(&lock);
                return 0;
        }
fail:
        if (pipefd[0] >= 0)
                close(pipefd[0]);
        if (pipefd[1] >= 0)
                close(pipefd[1]);
        /* No half-written tarball is left behind. */
        if (!to_stdout)
                (void) unlink(file);
        tree_lock_release(&lock);
        return r;
}

int verb_export_tar(int argc, char **argv) {
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                { "quiet", no_argument, NULL, 'q' },
                {},
        };
        struct nb_error err = { 0 };
        int c;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+hq", opts, NULL)) >= 0)
                switch (c) {
                case 'h':
                        printf("Usage: nixbox export-tar [-q] NAME FILE\n\n"
                               "Writes the image NAME as a tarball to FILE ('-': standard output), compressed\n"
                               "by FILE's extension (.xz, .gz, .zst, .bz2); 'nixbox import-tar' reads it back.\n");
                        return 0;
                case 'q':
                        log_quiet = true;
                        break;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        if (argc - optind != 2) {
                log_error("usage: nixbox export-tar [-q] NAME FILE");
                return EXIT_NIXBOX_ERROR;
        }
        if (export_tar(argv[optind], argv[optind + 1], &err) < 0) {
                nb_error_prefix(&err, "export image %s", argv[optind]);
                nb_error_print(&err);
                return EXIT_NIXBOX_ERROR;
        }
        log_info("exported image %s to %s", argv[optind], streq(argv[optind + 1], "-") ? "standard output" : argv[optind + 1]);
        return 0;
}
