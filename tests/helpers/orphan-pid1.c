/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* orphan-pid1: a hostile PID 1 for tests (run with --as-pid1). Clears its
 * parent-death signal, ignores every catchable signal, forks a child (in
 * its own session) that does the same, and both sleep forever. Its
 * arguments are only a marker for the test to find the processes. */
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void) {
        prctl(PR_SET_PDEATHSIG, 0);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_IGN);
        if (fork() == 0) {
                setsid();
                prctl(PR_SET_PDEATHSIG, 0);
        }
        for (;;)
                pause();
}
