/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pty-run: runs a command on a fresh pseudo-terminal, as a session leader
 * whose controlling terminal that pty is, the way a login shell runs, and
 * copies what it writes to our stdout. When the command has exited, it
 * reports what is waiting in the terminal's input queue: bytes there were
 * pushed into the caller's terminal from inside (TIOCSTI), because nobody
 * types on this one. The terminal is in raw mode, so every pushed byte
 * counts (in canonical mode an unfinished line would not).
 *
 * Usage: pty-run COMMAND [ARGS...]
 * Prints, after the command's output, a last line
 *   pty-run: pending-input N [BYTES]
 * and exits with the command's status (128+N for a death by signal N). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void copy_out(int master) {
        char buf[4096];
        ssize_t n;

        while ((n = read(master, buf, sizeof(buf))) > 0)
                (void) !write(STDOUT_FILENO, buf, (size_t) n);
}

int main(int argc, char **argv) {
        char name[64];
        struct termios t;
        int master, slave, status = 0, pending = 0;
        pid_t pid;

        if (argc < 2) {
                fprintf(stderr, "usage: pty-run COMMAND [ARGS...]\n");
                return 2;
        }
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0) {
                perror("pty-run: open a pty");
                return 125;
        }
        slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0 || tcgetattr(slave, &t) < 0) {
                perror("pty-run: open the pty's slave");
                return 125;
        }
        cfmakeraw(&t);
        tcsetattr(slave, TCSANOW, &t);
        fcntl(master, F_SETFL, O_NONBLOCK);

        pid = fork();
        if (pid < 0) {
                perror("pty-run: fork");
                return 125;
        }
        if (pid == 0) {
                if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
                        perror("pty-run: make the pty the controlling terminal");
                        _exit(125);
                }
                dup2(slave, 0);
                dup2(slave, 1);
                dup2(slave, 2);
                execvp(argv[1], argv + 1);
                perror("pty-run: exec");
                _exit(127);
        }

        for (;;) {
                struct pollfd p = { .fd = master, .events = POLLIN };
                pid_t w;

                poll(&p, 1, 50);
                copy_out(master);
                w = waitpid(pid, &status, WNOHANG);
                if (w == pid)
                        break;
                if (w < 0 && errno != EINTR) {
                        perror("pty-run: waitpid");
                        return 125;
                }
        }
        usleep(20000);
        copy_out(master);

        /* We keep the slave open: what was pushed into it is still queued. */
        ioctl(slave, FIONREAD, &pending);
        printf("\npty-run: pending-input %d", pending);
        if (pending > 0) {
                char buf[64] = "";
                fcntl(slave, F_SETFL, O_NONBLOCK);
                ssize_t n = read(slave, buf, sizeof(buf) - 1);
                buf[n > 0 ? n : 0] = 0;
                printf(" %s", buf);
        }
        printf("\n");
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 125;
}
