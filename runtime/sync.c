/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sending and receiving struct sync_msg, with an fd attached or not. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sync.h"

int sync_send_fd(int fd, int type, int value, const struct nb_error *err, int passfd) {
        struct sync_msg m = { .type = type, .value = value };
        char ctl[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

        if (err)
                m.err = *err;
        if (passfd >= 0) {
                struct cmsghdr *cm;
                mh.msg_control = ctl;
                mh.msg_controllen = sizeof(ctl);
                cm = CMSG_FIRSTHDR(&mh);
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
        }
        return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int sync_send(int fd, int type, int value, const struct nb_error *err) {
        return sync_send_fd(fd, type, value, err, -1);
}

int sync_recv_fd(int fd, struct sync_msg *m, int *passfd) {
        char ctl[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
        ssize_t n;

        if (passfd)
                *passfd = -1;
        do
                n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if (n == 0)
                return 0;       /* EOF: every child end is closed */
        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                        int got;
                        memcpy(&got, CMSG_DATA(cm), sizeof(int));
                        if (passfd)
                                *passfd = got;
                        else
                                close(got);
                }
        if ((size_t) n != sizeof(*m))
                return -EBADMSG;
        return 1;
}

int sync_recv(int fd, struct sync_msg *m) {
        return sync_recv_fd(fd, m, NULL);
}

void child_fail(int sync_fd, const struct nb_error *err) {
        sync_send(sync_fd, SYNC_ERROR, 0, err);
        _exit(EXIT_NIXBOX_ERROR);
}
