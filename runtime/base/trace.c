/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

bool trace_enabled = false;
static struct timespec t0;

void trace_start(void) {
        clock_gettime(CLOCK_MONOTONIC, &t0);
}

void trace_step(const char *step) {
        struct timespec t;
        char buf[160];
        int n;

        if (!trace_enabled)
                return;
        clock_gettime(CLOCK_MONOTONIC, &t);
        n = snprintf(buf, sizeof(buf), "nixbox-trace: %9.3f ms pid %d %s\n",
                     (double) (t.tv_sec - t0.tv_sec) * 1e3 + (double) (t.tv_nsec - t0.tv_nsec) / 1e6, getpid(), step);
        /* One write, so that lines of parent and children do not mix. */
        if (n > 0)
                (void) !write(STDERR_FILENO, buf, (size_t) n);
}
