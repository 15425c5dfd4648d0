/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd-notify: a tiny static sd_notify(3) client for test payloads that have
 * no systemd: sends its arguments, one per line, to $NOTIFY_SOCKET.
 * Usage: sd-notify READY=1 STATUS=hello [--exec PROGRAM ARGS...]
 * With --exec it then becomes PROGRAM (same pid: a PID 1 can notify). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char msg[4096] = "";
        int fd;

        if (!path || strlen(path) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "sd-notify: NOTIFY_SOCKET is not set\n");
                return 1;
        }
        strcpy(sa.sun_path, path);
        if (sa.sun_path[0] == '@')
                sa.sun_path[0] = 0;
        int i;
        for (i = 1; i < argc && strcmp(argv[i], "--exec") != 0; i++) {
                strncat(msg, argv[i], sizeof(msg) - strlen(msg) - 2);
                strcat(msg, "\n");
        }
        fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0 || sendto(fd, msg, strlen(msg), 0, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                perror("sd-notify");
                return 1;
        }
        close(fd);
        if (i + 1 < argc) {
                execvp(argv[i + 1], argv + i + 1);
                perror("sd-notify: exec");
                return 127;
        }
        return 0;
}
