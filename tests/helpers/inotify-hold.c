/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* inotify-hold N FILE: creates N inotify instances and holds them until
 * killed; writes "held N" to FILE when all were made, or "held K: ERROR"
 * when instance K+1 failed. A test's stand-in for N systemd's worth of
 * per-user inotify charge (fs.inotify.max_user_instances). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

int main(int argc, char **argv) {
        int n, i, e = 0;
        FILE *f;

        if (argc != 3)
                return 2;
        n = atoi(argv[1]);
        for (i = 0; i < n; i++)
                if (inotify_init1(IN_CLOEXEC) < 0) {
                        e = errno;
                        break;
                }
        f = fopen(argv[2], "we");
        if (!f)
                return 1;
        if (i == n)
                fprintf(f, "held %d\n", i);
        else
                fprintf(f, "held %d: %s\n", i, strerror(e));
        fclose(f);
        for (;;)
                pause();
}
