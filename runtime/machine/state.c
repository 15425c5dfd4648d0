/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "macro.h"
#include "state.h"

int lock_file_nb(const char *path) {
        for (;;) {
                struct stat a, b;
                int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

                if (fd < 0)
                        return -errno;
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        int r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                        close(fd);
                        return r;
                }
                /* Someone may have unlinked the file between open and flock:
                 * only a lock on the file still linked at the path counts. */
                if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
                        return fd;
                close(fd);
        }
}

int state_try_lock_machine(const char *machine) {
        char path[512];

        if (mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        snprintf(path, sizeof(path), "%s/%s.lock", STATE_DIR, machine);
        return lock_file_nb(path);
}

void state_unlock_machine(const char *machine, int fd) {
        char path[512];

        if (fd < 0)
                return;
        snprintf(path, sizeof(path), "%s/%s.lock", STATE_DIR, machine);
        unlink(path);
        close(fd);
}

void state_remove_stale_lock_at(int dir_fd, const char *name) {
        int fd = openat(dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);

        if (fd < 0)
                return;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                unlinkat(dir_fd, name, 0);
        close(fd);
}

/* Removes lock files in dir whose holder is gone (a nixbox killed with
 * SIGKILL cannot remove its own). A held lock is left alone. */
void state_sweep_lock_dir(const char *dir, const char *suffix) {
        DIR *d = opendir(dir);
        struct dirent *de;

        if (!d)
                return;
        /* The UID-range lock directories are scanned and filled under a
         * lock on the directory itself (userns.c): wait for it, so that a
         * lock file is never taken away between its creation and flock. */
        if (!*suffix)
                flock(dirfd(d), LOCK_EX);
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name), sl = strlen(suffix);

                if (de->d_type != DT_REG || l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
                        continue;
                state_remove_stale_lock_at(dirfd(d), de->d_name);
        }
        closedir(d);
}
