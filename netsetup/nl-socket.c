/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The netlink socket: opening it in a given network namespace, and the
 * request -> acknowledgement round trip shared by every operation. */
#include <assert.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>

#include "nl-internal.h"

/* Dump replies can be up to 32 KiB per recvmsg(); more than enough. */
#define NL_RECV_SIZE (64 * 1024)

static int sock_setup(struct mnl_socket *mnl, struct nl_sock **ret, struct nb_error *err) {
        struct nl_sock *s;
        int one = 1;

        /* Extended acks give the kernel's reason in words; capped acks keep
         * our request out of the error reply. Older kernels lack both,
         * which only costs the extra text. */
        (void) mnl_socket_setsockopt(mnl, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) mnl_socket_setsockopt(mnl, NETLINK_CAP_ACK, &one, sizeof(one));

        if (mnl_socket_get_portid(mnl) == 0 && mnl_socket_bind(mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int r = nb_error_set(err, errno, "bind netlink socket");
                mnl_socket_close(mnl);
                return r;
        }

        s = calloc(1, sizeof(*s));
        if (s)
                s->rbuf = malloc(NL_RECV_SIZE);
        if (!s || !s->rbuf) {
                if (s)
                        free(s);
                mnl_socket_close(mnl);
                return nb_error_set(err, ENOMEM, "allocate netlink socket");
        }
        s->mnl = mnl;
        s->portid = mnl_socket_get_portid(mnl);
        s->rbuf_size = NL_RECV_SIZE;
        *ret = s;
        return 0;
}

int nl_open(struct nl_sock **ret, struct nb_error *err) {
        struct mnl_socket *mnl;

        assert(ret);
        mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!mnl)
                return nb_error_set(err, errno, "open netlink socket");
        return sock_setup(mnl, ret, err);
}

struct open_in_netns {
        int netns_fd;
        struct mnl_socket *mnl;
        int errnum;
        const char *step;
};

/* Runs in its own thread: the network namespace is per thread, so joining
 * it here leaves the caller's threads where they are. The thread (and its
 * namespace reference) ends right after; the socket stays in the netns it
 * was created in. */
static void *open_in_netns_thread(void *userdata) {
        struct open_in_netns *a = userdata;

        if (setns(a->netns_fd, CLONE_NEWNET) < 0) {
                a->errnum = errno;
                a->step = "join network namespace";
                return NULL;
        }
        a->mnl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
        if (!a->mnl) {
                a->errnum = errno;
                a->step = "open netlink socket in network namespace";
        }
        return NULL;
}

int nl_open_netns(struct nl_sock **ret, int netns_fd, struct nb_error *err) {
        struct open_in_netns a = { .netns_fd = netns_fd };
        pthread_t t;
        int r;

        assert(ret);
        assert(netns_fd >= 0);
        r = pthread_create(&t, NULL, open_in_netns_thread, &a);
        if (r != 0)
                return nb_error_set(err, r, "start thread to open netlink socket");
        r = pthread_join(t, NULL);
        assert(r == 0);
        if (!a.mnl)
                return nb_error_set(err, a.errnum, "%s", a.step);
        return sock_setup(a.mnl, ret, err);
}

int nl_open_fd(struct nl_sock **ret, int fd, struct nb_error *err) {
        _cleanup_close_ int owned = fd;
        int domain = 0, protocol = -1;
        socklen_t len = sizeof(int);
        struct mnl_socket *mnl;

        assert(ret);
        if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
                return nb_error_set(err, errno, "check netlink socket fd %d", fd);
        len = sizeof(int);
        if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) < 0)
                return nb_error_set(err, errno, "check netlink socket fd %d", fd);
        if (domain != AF_NETLINK || protocol != NETLINK_ROUTE)
                return nb_error_set(err, EPROTOTYPE, "fd %d is not a NETLINK_ROUTE socket", fd);

        mnl = mnl_socket_fdopen(fd);
        if (!mnl)
                return nb_error_set(err, errno, "adopt netlink socket fd %d", fd);
        TAKE_FD(owned);
        return sock_setup(mnl, ret, err);
}

struct nl_sock *nl_close(struct nl_sock *s) {
        if (s) {
                mnl_socket_close(s->mnl);
                free(s->rbuf);
                free(s);
        }
        return NULL;
}

struct nlmsghdr *nl_msg_new(char buf[static NL_REQUEST_SIZE], uint16_t type, uint16_t flags, void **ret_hdr,
                            size_t hdr_size) {
        struct nlmsghdr *nlh;

        memset(buf, 0, NL_REQUEST_SIZE);
        nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
        *ret_hdr = mnl_nlmsg_put_extra_header(nlh, hdr_size);
        return nlh;
}

static int extack_attr(const struct nlattr *attr, void *data) {
        const char **msg = data;

        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
                *msg = mnl_attr_get_str(attr);
        return MNL_CB_OK;
}

/* The kernel's explanation, if the reply carries one: extended-ack TLVs
 * follow the error code (and, unless capped, the echoed request). */
static const char *extack_message(const struct nlmsghdr *nlh, size_t fixed) {
        const char *msg = NULL;
        size_t payload = nlh->nlmsg_len - MNL_NLMSG_HDRLEN;

        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
                return NULL;
        fixed = MNL_ALIGN(fixed);
        if (fixed >= payload)
                return NULL;
        (void) mnl_attr_parse_payload((const char *) mnl_nlmsg_get_payload(nlh) + fixed, payload - fixed,
                                      extack_attr, &msg);
        return msg;
}

static int kernel_error(int errnum, const char *extack, struct nb_error *err, const char *what) {
        if (extack && extack[0])
                return nb_error_set(err, errnum, "%s (kernel: %s)", what, extack);
        return nb_error_set(err, errnum, "%s", what);
}

/* Handles one message addressed to our request. Returns 1 when the request
 * is complete, 0 to keep reading, -errno on error. */
static int handle_reply(const struct nlmsghdr *nlh, nl_reply_fn fn, void *userdata, int *fn_error,
                        struct nb_error *err, const char *what) {
        if (nlh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
                size_t fixed = sizeof(*e);

                if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*e))
                        return nb_error_set(err, EBADMSG, "%s: short netlink error reply", what);
                if (e->error == 0)
                        return 1;
                if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len >= MNL_NLMSG_HDRLEN)
                        fixed += e->msg.nlmsg_len - MNL_NLMSG_HDRLEN;
                return kernel_error(-e->error, extack_message(nlh, fixed), err, what);
        }
        if (nlh->nlmsg_type == NLMSG_DONE) {
                /* A dump that failed half-way says so in NLMSG_DONE. */
                if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + sizeof(int)) {
                        int e = *(const int *) mnl_nlmsg_get_payload(nlh);
                        if (e < 0)
                                return kernel_error(-e, extack_message(nlh, sizeof(int)), err, what);
                }
                return 1;
        }
        if (nlh->nlmsg_type == NLMSG_NOOP || nlh->nlmsg_type == NLMSG_OVERRUN)
                return 0;
        if (fn && *fn_error == 0) {
                int r = fn(nlh, userdata);
                if (r < 0)
                        *fn_error = r;
        }
        return 0;
}

int nl_call(struct nl_sock *s, struct nlmsghdr *nlh, nl_reply_fn fn, void *userdata, struct nb_error *err,
            const char *what) {
        int fn_error = 0, r;

        assert(s);
        assert(nlh);
        assert(what);

        nlh->nlmsg_seq = ++s->seq;
        nlh->nlmsg_pid = 0;   /* addressed to the kernel */
        nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;

        for (;;) {
                if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) >= 0)
                        break;
                if (errno != EINTR)
                        return nb_error_set(err, errno, "%s: send netlink request", what);
        }

        for (;;) {
                ssize_t n = mnl_socket_recvfrom(s->mnl, s->rbuf, s->rbuf_size);
                int len;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nb_error_set(err, errno, "%s: receive netlink reply", what);
                }
                len = (int) n;
                for (const struct nlmsghdr *m = (const struct nlmsghdr *) s->rbuf; mnl_nlmsg_ok(m, len);
                     m = mnl_nlmsg_next(m, &len)) {
                        /* Replies to an earlier request that gave up early
                         * (or anything not ours) are dropped here. */
                        if (m->nlmsg_seq != s->seq || m->nlmsg_pid != s->portid)
                                continue;
                        r = handle_reply(m, fn, userdata, &fn_error, err, what);
                        if (r < 0)
                                return r;
                        if (r > 0) {
                                if (fn_error < 0)
                                        return nb_error_set(err, fn_error, "%s: read reply", what);
                                return 0;
                        }
                }
        }
}
