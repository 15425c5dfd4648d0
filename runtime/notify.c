/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "error.h"
#include "log.h"
#include "notify.h"
#include "path-in-root.h"

int notify_socket_create(int root_fd, uid_t owner, struct nb_error *err) {
        _cleanup_close_ int fd = -1, dir = -1;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char p[32];
        int one = 1;

        dir = root_open(root_fd, "/run/host", O_PATH | O_DIRECTORY, 0);
        if (dir < 0)
                return nb_error_set(err, dir, "open /run/host for the notify socket");
        /* bind() takes a path: go through the fd of /run/host (our tmpfs). */
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", fd_path(dir, p));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return nb_error_set(err, errno, "create the notify socket");
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return nb_error_set(err, errno, "bind the notify socket to /run/host/notify");
        if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return nb_error_set(err, errno, "enable credentials on the notify socket");
        if (fchownat(dir, "notify", owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
                return nb_error_set(err, errno, "change owner of /run/host/notify");
        return TAKE_FD(fd);
}

static void copy_value(char *dst, size_t size, const char *line, const char *key) {
        size_t l = strlen(key);
        size_t n = strcspn(line + l, "\n");

        if (n >= size)
                n = size - 1;
        memcpy(dst, line + l, n);
        dst[n] = 0;
}

int notify_receive(int fd, pid_t init_pid, struct notify_state *st) {
        char buf[4096], ctl[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 8)];
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
        struct ucred *cred = NULL;
        bool ready = false;
        ssize_t n;

        n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return 0;
        buf[n] = 0;
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level != SOL_SOCKET)
                        continue;
                if (cm->cmsg_type == SCM_CREDENTIALS)
                        cred = (struct ucred *) CMSG_DATA(cm);
                else if (cm->cmsg_type == SCM_RIGHTS) {
                        /* Nobody asked for descriptors: close them. */
                        int *fds = (int *) CMSG_DATA(cm);
                        size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < k; i++)
                                close(fds[i]);
                }
        }
        if (!cred || cred->pid != init_pid) {
                log_debug("ignoring a notify message from pid %d", cred ? cred->pid : -1);
                return 0;
        }
        for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (startswith(line, "READY=1"))
                        ready = st->ready = true;
                else if (startswith(line, "STATUS="))
                        copy_value(st->status, sizeof(st->status), line, "STATUS=");
                else if (startswith(line, "X_SYSTEMD_SHUTDOWN="))
                        copy_value(st->shutdown, sizeof(st->shutdown), line, "X_SYSTEMD_SHUTDOWN=");
                else if (startswith(line, "EXIT_STATUS=")) {
                        st->exit_status = atoi(line + strlen("EXIT_STATUS="));
                        st->exit_status_set = true;
                }
        }
        return ready;
}

void notify_supervisor_ready(const char *status) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char msg[512];
        socklen_t len;
        int fd;

        if (!path || !*path || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sa.sun_path))
                return;
        strcpy(sa.sun_path, path);
        if (path[0] == '@')
                sa.sun_path[0] = 0;      /* abstract namespace */
        len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        snprintf(msg, sizeof(msg), "READY=1\n%s%s\n", status ? "STATUS=" : "", status ? status : "");
        if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *) &sa, len) < 0)
                log_debug("notify %s: %s", path, strerror(errno));
        close(fd);
}
