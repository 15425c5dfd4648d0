/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host-wide network lock (network-lock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network-lock.h"
#include "state.h"

int network_lock(void) {
        char path[HOST_CONFIG_PATH_MAX + 16];
        int fd;

        if (mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
                return -1;
        snprintf(path, sizeof(path), "%s/network-lock", STATE_DIR);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -1;
        while (flock(fd, LOCK_EX) < 0)
                if (errno != EINTR) {
                        close(fd);
                        return -1;
                }
        return fd;
}

void network_unlock(int fd) {
        if (fd >= 0)
                close(fd);
}
