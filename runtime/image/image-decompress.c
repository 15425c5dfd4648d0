/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "error.h"
#include "image-decompress.h"

static const struct {
        const char *program;
        uint8_t magic[6];
        size_t len;
} formats[] = {
        { "xz",    { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6 },
        { "gzip",  { 0x1f, 0x8b }, 2 },
        { "zstd",  { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
        { "bzip2", { 'B', 'Z', 'h' }, 3 },
};

const char *decompressor_detect_buf(const void *head, size_t n) {
        for (size_t i = 0; i < ELEMENTSOF(formats); i++)
                if (n >= formats[i].len && memcmp(head, formats[i].magic, formats[i].len) == 0)
                        return formats[i].program;
        return NULL;
}

const char *decompressor_detect(int file_fd) {
        uint8_t head[6];
        ssize_t n = pread(file_fd, head, sizeof(head), 0);

        return n > 0 ? decompressor_detect_buf(head, (size_t) n) : NULL;
}

/* In the child: becomes nobody (the input is already open), so a flaw in
 * the decompressor cannot be turned against the host as root. */
static int drop_privileges(void) {
        if (geteuid() != 0)
                return 0;
        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                return -errno;
        return 0;
}

static _noreturn_ void child(const char *program, int file_fd, int out_fd, int status_fd, pid_t parent) {
        sigset_t all;
        int e;

        sigemptyset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        signal(SIGPIPE, SIG_DFL);
        /* The death signal after the uid change, which would clear it. */
        if (dup2(file_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || drop_privileges() < 0 ||
            prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                e = errno;
                (void) !write(status_fd, &e, sizeof(e));
                _exit(127);
        }
        if (getppid() != parent)
                _exit(127);     /* nixbox died before the death signal was set */
        execlp(program, program, "-dc", (char *) NULL);
        e = errno;
        (void) !write(status_fd, &e, sizeof(e));
        _exit(127);
}

int decompressor_start(struct decompressor *d, const char *program, int file_fd, struct nb_error *err) {
        int data[2], status[2], e = 0;
        pid_t parent = getpid();
        ssize_t n;

        *d = (struct decompressor) { .pid = 0, .fd = -1, .program = program };
        if (pipe2(data, O_CLOEXEC) < 0)
                return nb_error_set(err, errno, "create a pipe for %s", program);
        /* Closed on exec: EOF on it means the exec worked. */
        if (pipe2(status, O_CLOEXEC) < 0) {
                e = errno;
                close(data[0]);
                close(data[1]);
                return nb_error_set(err, e, "create a pipe for %s", program);
        }
        d->pid = fork();
        if (d->pid < 0) {
                e = errno;
                d->pid = 0;
                close(data[0]);
                close(data[1]);
                close(status[0]);
                close(status[1]);
                return nb_error_set(err, e, "fork %s", program);
        }
        if (d->pid == 0)
                child(program, file_fd, data[1], status[1], parent);
        close(data[1]);
        close(status[1]);
        d->fd = data[0];
        do
                n = read(status[0], &e, sizeof(e));
        while (n < 0 && errno == EINTR);
        close(status[0]);
        if (n == sizeof(e)) {
                decompressor_finish(d, false, NULL);
                return nb_error_set(err, e, "run %s (the archive is %s-compressed; is the %s package installed?)",
                                    program, program, streq(program, "xz") ? "xz-utils" : program);
        }
        return 0;
}

int decompressor_finish(struct decompressor *d, bool kill_it, struct nb_error *err) {
        int status = 0;
        pid_t r;

        if (d->fd >= 0)
                close(d->fd);
        d->fd = -1;
        if (d->pid <= 0)
                return 0;
        if (kill_it)
                kill(d->pid, SIGKILL);
        do
                r = waitpid(d->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        d->pid = 0;
        if (r < 0)
                return nb_error_set(err, errno, "wait for %s", d->program);
        if (kill_it || (WIFEXITED(status) && WEXITSTATUS(status) == 0))
                return 0;
        if (WIFEXITED(status))
                return nb_error_set(err, 0, "%s -dc failed with status %d: the archive is corrupt",
                                    d->program, WEXITSTATUS(status));
        /* SIGPIPE: nixbox stopped reading (a refused member): not its fault. */
        if (WTERMSIG(status) == SIGPIPE)
                return -EPIPE;
        return nb_error_set(err, 0, "%s -dc was killed by signal %d", d->program, WTERMSIG(status));
}
