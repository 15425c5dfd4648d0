/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The --port forwarder (see network-ports.h). The helper is one
 * single-threaded poll() loop: TCP connections are relayed through a buffer
 * per direction with half-closes passed on; UDP datagrams are relayed
 * through one connected socket per client address, dropped after a while
 * without traffic. Replies to UDP clients leave from the address the client
 * sent to (IP_PKTINFO), as a server bound to that address would answer.
 *
 * Every relay goes to the container's own address on one of its
 * interfaces, looked up for each new connection (nspawn's DNAT reaches the
 * same address): a server bound to 127.0.0.1 only is never reached, and no
 * client ever appears to the container as loopback. Connections and UDP
 * clients are capped, and a side is read only once its buffer has been
 * passed on, so the memory is bounded; it is charged to the machine's
 * cgroup (nixbox/NAME/ports). */
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "compat.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "network-ports.h"
#include "parse-util.h"

#define TCP_BUF_SIZE    (32 * 1024)     /* per direction and connection */
#define TCP_MAX_CONNS   PORTS_MAX_CONNECTIONS
#define UDP_MAX_PAYLOAD 65535
#define UDP_IDLE_SEC    120     /* like conntrack's timeout for a UDP stream */
#define UDP_MAX_ASSOC   PORTS_MAX_UDP_CLIENTS
#define FD_RESERVE      16      /* descriptors kept free for accept() and friends */

struct listener {
        int fd;
        int protocol;           /* IPPROTO_TCP, IPPROTO_UDP */
        int family;
        uint16_t host_port, container_port;
};

struct tcp_conn {
        int fd[2];              /* 0: the client on the host, 1: the server in the container */
        struct {
                char *data;
                size_t off, len;
                bool eof;
        } in[2];                /* in[s]: read from fd[s], to be written to fd[!s] */
        bool shut_wr[2];        /* fd[s] had shutdown(SHUT_WR) */
        bool connecting;
        int family;             /* of the container-side attempt under way */
        uint16_t port;
        struct tcp_conn *next;
};

struct udp_assoc {
        int fd;                 /* connected to the server in the container */
        const struct listener *l;
        struct sockaddr_storage peer;
        socklen_t peer_len;
        union {
                struct in_pktinfo v4;
                struct in6_pktinfo v6;
        } local;                /* the address the client sent to */
        bool have_local;
        time_t last;
        struct udp_assoc *next;
};

struct forwarder {
        struct listener *l;
        size_t n_l;
        int init_pidfd;
        struct tcp_conn *conns;
        struct udp_assoc *assocs;
        size_t n_conns, n_assocs;
        size_t n_fds, max_fds;  /* descriptors used by conns and assocs */
        char *udp_buf;
        bool warned_no_address, warned_full;
};

/* --- the parent's side: listening sockets --- */

/* 0, or 1 when IPv6 is missing on this host (skip it), or -errno. */
static int bind_listener(const struct port_forward *p, int family, struct listener *ret, struct nb_error *err) {
        const char *proto = p->protocol == IPPROTO_UDP ? "udp" : "tcp";
        const char *any = family == AF_INET6 ? "[::]" : "0.0.0.0";
        int type = (p->protocol == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
        struct sockaddr_in in4 = { .sin_family = AF_INET, .sin_port = htons(p->host_port) };
        struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(p->host_port) };
        _cleanup_close_ int fd = socket(family, type, 0);
        int one = 1, r;

        if (fd < 0) {
                if (family == AF_INET6 && errno == EAFNOSUPPORT)
                        return 1;
                return nb_error_set(err, errno, "forward %s port %u: create a socket", proto, p->host_port);
        }
        if (p->protocol == IPPROTO_TCP)
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (family == AF_INET6) {
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
                if (p->protocol == IPPROTO_UDP)
                        (void) setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
                r = bind(fd, (struct sockaddr *) &in6, sizeof(in6));
        } else {
                if (p->protocol == IPPROTO_UDP)
                        (void) setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
                r = bind(fd, (struct sockaddr *) &in4, sizeof(in4));
        }
        if (r < 0) {
                if (family == AF_INET6 && errno == EADDRNOTAVAIL)
                        return 1;       /* IPv6 disabled on this host */
                return nb_error_set(err, errno, "forward %s port %u: listen on %s", proto, p->host_port, any);
        }
        if (p->protocol == IPPROTO_TCP && listen(fd, SOMAXCONN) < 0)
                return nb_error_set(err, errno, "forward %s port %u: listen on %s", proto, p->host_port, any);
        *ret = (struct listener) { .fd = TAKE_FD(fd), .protocol = p->protocol, .family = family,
                                   .host_port = p->host_port, .container_port = p->container_port };
        return 0;
}

static void close_listeners(struct listener *l, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (l[i].fd >= 0)
                        close(l[i].fd);
        free(l);
}

static int bind_all(const struct port_forward *ports, size_t n, struct listener **ret, size_t *ret_n,
                    struct nb_error *err) {
        struct listener *l = calloc(2 * n, sizeof(*l));
        size_t k = 0;

        if (!l)
                return nb_error_set(err, ENOMEM, "forward ports");
        for (size_t i = 0; i < n; i++) {
                static const int families[] = { AF_INET, AF_INET6 };
                for (size_t j = 0; j < ELEMENTSOF(families); j++) {
                        int r = bind_listener(&ports[i], families[j], &l[k], err);
                        if (r < 0) {
                                close_listeners(l, k);
                                return r;
                        }
                        if (r == 0)
                                k++;
                }
        }
        *ret = l;
        *ret_n = k;
        return 0;
}

/* --- the helper --- */

/* The container's own address of this family, as nspawn's DNAT would
 * reach it: an IPv4 address, or a global IPv6 one, on an interface that is
 * up and not loopback. Never 127.0.0.0/8, ::1 or a link-local address. */
static bool own_address(int family, uint16_t port, struct sockaddr_storage *ret, socklen_t *ret_len) {
        struct ifaddrs *ifa = NULL;
        bool found = false;

        if (getifaddrs(&ifa) < 0)
                return false;
        for (struct ifaddrs *i = ifa; i && !found; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != family || (i->ifa_flags & IFF_LOOPBACK) ||
                    !(i->ifa_flags & IFF_UP))
                        continue;
                if (family == AF_INET) {
                        struct sockaddr_in a = *(struct sockaddr_in *) i->ifa_addr;
                        uint32_t h = ntohl(a.sin_addr.s_addr);
                        if ((h >> 24) == 127 || h == 0 || IN_MULTICAST(h))
                                continue;
                        a.sin_port = htons(port);
                        memcpy(ret, &a, sizeof(a));
                        *ret_len = sizeof(a);
                } else {
                        struct sockaddr_in6 a = *(struct sockaddr_in6 *) i->ifa_addr;
                        const struct in6_addr *x = &a.sin6_addr;
                        if (IN6_IS_ADDR_LOOPBACK(x) || IN6_IS_ADDR_UNSPECIFIED(x) || IN6_IS_ADDR_LINKLOCAL(x) ||
                            IN6_IS_ADDR_V4MAPPED(x) || IN6_IS_ADDR_MULTICAST(x))
                                continue;
                        a.sin6_port = htons(port);
                        a.sin6_scope_id = 0;
                        memcpy(ret, &a, sizeof(a));
                        *ret_len = sizeof(a);
                }
                found = true;
        }
        freeifaddrs(ifa);
        return found;
}

/* A socket connecting to the container's own address of *family (IPv4
 * falls back to IPv6, and *family says which was taken); -EADDRNOTAVAIL when it has none of that family. The
 * kernel picks that same address as the source: the server sees the
 * container's own address as its peer, never loopback. */
static bool has_own_address(int family) {
        struct sockaddr_storage ss;
        socklen_t len;

        return own_address(family, 0, &ss, &len);
}

static int container_socket(struct forwarder *f, int *family, int type, uint16_t port) {
        struct sockaddr_storage ss;
        socklen_t len;
        int fd, r;

        if (!own_address(*family, port, &ss, &len)) {
                if (*family == AF_INET && own_address(AF_INET6, port, &ss, &len))
                        *family = AF_INET6;
                else {
                        if (!f->warned_no_address)
                                log_warn("port forwarder: the container has no address outside loopback: "
                                         "refusing connections to its port %u", port);
                        f->warned_no_address = true;
                        return -EADDRNOTAVAIL;
                }
        }
        fd = socket(*family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        r = connect(fd, (struct sockaddr *) &ss, len);
        if (r < 0 && errno != EINPROGRESS) {
                r = -errno;
                close(fd);
                return r;
        }
        f->warned_no_address = false;   /* say it again if it goes */
        return fd;
}

/* TCP */

static void tcp_free(struct forwarder *f, struct tcp_conn *c) {
        for (struct tcp_conn **p = &f->conns; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        f->n_conns--;
                        break;
                }
        for (int s = 0; s < 2; s++) {
                if (c->fd[s] >= 0) {
                        close(c->fd[s]);
                        f->n_fds--;
                }
                free(c->in[s].data);
        }
        free(c);
}

/* The container's IPv4 address first (it reaches servers on 0.0.0.0, that
 * address and dual-stack [::]), then its IPv6 one for servers that listen
 * on IPv6 only. */
static int tcp_connect(struct forwarder *f, struct tcp_conn *c) {
        int fd;

        if (c->fd[1] >= 0) {
                close(c->fd[1]);
                c->fd[1] = -1;
                f->n_fds--;
        }
        fd = container_socket(f, &c->family, SOCK_STREAM, c->port);
        if (fd < 0)
                return fd;
        c->fd[1] = fd;
        f->n_fds++;
        c->connecting = true;
        return 0;
}

static void tcp_accept(struct forwarder *f, const struct listener *l) {
        for (;;) {
                int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                struct tcp_conn *c;

                if (fd < 0)
                        return;
                if (f->n_conns >= TCP_MAX_CONNS || f->n_fds + 2 > f->max_fds || !(c = calloc(1, sizeof(*c)))) {
                        /* Refused with a reset, not an orderly close. */
                        (void) setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger) { 1, 0 }, sizeof(struct linger));
                        close(fd);
                        if (!f->warned_full)
                                log_warn("port forwarder: %d connections open, refusing more", TCP_MAX_CONNS);
                        f->warned_full = true;
                        continue;
                }
                c->fd[0] = fd;
                c->fd[1] = -1;
                f->n_fds++;
                c->family = AF_INET;
                c->port = l->container_port;
                c->in[0].data = malloc(TCP_BUF_SIZE);
                c->in[1].data = malloc(TCP_BUF_SIZE);
                c->next = f->conns;
                f->conns = c;
                f->n_conns++;
                if (!c->in[0].data || !c->in[1].data || tcp_connect(f, c) < 0)
                        tcp_free(f, c);
        }
}

static short tcp_events(const struct tcp_conn *c, int s) {
        short ev = 0;

        if (s == 1 && c->connecting)
                return POLLOUT;
        if (!c->in[s].eof && c->in[s].len == 0)
                ev |= POLLIN;
        if (c->in[!s].len > 0)
                ev |= POLLOUT;
        return ev;
}

/* Moves what was read from fd[s] on to fd[!s]; false when the connection is dead. */
static bool tcp_flush(struct tcp_conn *c, int s) {
        while (c->in[s].len > 0) {
                ssize_t n = send(c->fd[!s], c->in[s].data + c->in[s].off, c->in[s].len, MSG_NOSIGNAL);
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR;
                c->in[s].off += (size_t) n;
                c->in[s].len -= (size_t) n;
        }
        if (c->in[s].eof && !c->shut_wr[!s]) {
                shutdown(c->fd[!s], SHUT_WR);
                c->shut_wr[!s] = true;
        }
        return true;
}

static void tcp_event(struct forwarder *f, struct tcp_conn *c, int s, short revents) {
        if (s == 1 && c->connecting) {
                int e = 0;
                socklen_t len = sizeof(e);

                if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len) < 0)
                        e = errno;
                if (e == 0) {
                        c->connecting = false;
                        return;
                }
                if (c->family == AF_INET && e == ECONNREFUSED && has_own_address(AF_INET6)) {
                        c->family = AF_INET6;
                        if (tcp_connect(f, c) == 0)
                                return;
                }
                tcp_free(f, c);
                return;
        }
        /* A reset, or a hang-up with bytes still owed to this side: nothing
         * more can be delivered (and the event would come back at once). */
        if ((revents & POLLERR) || ((revents & POLLHUP) && c->in[!s].len > 0)) {
                tcp_free(f, c);
                return;
        }
        if (revents & (POLLIN | POLLHUP)) {
                if (c->in[s].len == 0 && !c->in[s].eof) {
                        ssize_t n = recv(c->fd[s], c->in[s].data, TCP_BUF_SIZE, 0);
                        if (n > 0) {
                                c->in[s].off = 0;
                                c->in[s].len = (size_t) n;
                        } else if (n == 0)
                                c->in[s].eof = true;
                        else if (errno != EAGAIN && errno != EINTR) {
                                tcp_free(f, c);
                                return;
                        }
                }
                if (!tcp_flush(c, s)) {
                        tcp_free(f, c);
                        return;
                }
        }
        if (revents & POLLOUT && !tcp_flush(c, !s)) {
                tcp_free(f, c);
                return;
        }
        if (c->shut_wr[0] && c->shut_wr[1])
                tcp_free(f, c);
}

/* UDP */

static void udp_free(struct forwarder *f, struct udp_assoc *a) {
        for (struct udp_assoc **p = &f->assocs; *p; p = &(*p)->next)
                if (*p == a) {
                        *p = a->next;
                        f->n_assocs--;
                        break;
                }
        close(a->fd);
        f->n_fds--;
        free(a);
}

static struct udp_assoc *udp_find(struct forwarder *f, const struct listener *l, const struct sockaddr_storage *peer,
                                  socklen_t len) {
        for (struct udp_assoc *a = f->assocs; a; a = a->next)
                if (a->l == l && a->peer_len == len && memcmp(&a->peer, peer, len) == 0)
                        return a;
        return NULL;
}

static void udp_expire(struct forwarder *f, time_t now, bool make_room) {
        struct udp_assoc *oldest = NULL;

        for (struct udp_assoc *a = f->assocs, *next; a; a = next) {
                next = a->next;
                if (now - a->last > UDP_IDLE_SEC)
                        udp_free(f, a);
                else if (!oldest || a->last < oldest->last)
                        oldest = a;
        }
        if (make_room && (f->n_fds + 1 > f->max_fds || f->n_assocs >= UDP_MAX_ASSOC) && oldest)
                udp_free(f, oldest);
}

static void udp_receive(struct forwarder *f, const struct listener *l, time_t now) {
        for (int i = 0; i < 64; i++) {
                struct sockaddr_storage peer;
                char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
                struct iovec iov = { .iov_base = f->udp_buf, .iov_len = UDP_MAX_PAYLOAD };
                struct msghdr mh = { .msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov,
                                     .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
                struct udp_assoc *a;
                ssize_t n = recvmsg(l->fd, &mh, 0);

                if (n < 0)
                        return;
                a = udp_find(f, l, &peer, mh.msg_namelen);
                if (!a) {
                        int fd, family = AF_INET;

                        udp_expire(f, now, true);
                        if (f->n_fds + 1 > f->max_fds || f->n_assocs >= UDP_MAX_ASSOC)
                                continue;
                        fd = container_socket(f, &family, SOCK_DGRAM, l->container_port);
                        if (fd < 0)
                                continue;
                        a = calloc(1, sizeof(*a));
                        if (!a) {
                                close(fd);
                                continue;
                        }
                        a->fd = fd;
                        f->n_fds++;
                        a->l = l;
                        memcpy(&a->peer, &peer, mh.msg_namelen);
                        a->peer_len = mh.msg_namelen;
                        for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
                                if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
                                        memcpy(&a->local.v4, CMSG_DATA(cm), sizeof(a->local.v4));
                                        a->local.v4.ipi_spec_dst = a->local.v4.ipi_addr;
                                        a->local.v4.ipi_ifindex = 0;
                                        a->have_local = true;
                                } else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
                                        memcpy(&a->local.v6, CMSG_DATA(cm), sizeof(a->local.v6));
                                        a->have_local = true;
                                }
                        }
                        a->next = f->assocs;
                        f->assocs = a;
                        f->n_assocs++;
                }
                a->last = now;
                (void) send(a->fd, f->udp_buf, (size_t) n, MSG_NOSIGNAL);
        }
}

static void udp_reply(struct forwarder *f, struct udp_assoc *a, time_t now) {
        for (int i = 0; i < 64; i++) {
                char ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))] = {0};
                struct iovec iov = { .iov_base = f->udp_buf };
                struct msghdr mh = { .msg_name = &a->peer, .msg_namelen = a->peer_len, .msg_iov = &iov, .msg_iovlen = 1 };
                ssize_t n = recv(a->fd, f->udp_buf, UDP_MAX_PAYLOAD, 0);

                if (n < 0)
                        return;         /* EAGAIN, or ECONNREFUSED: nobody listens (yet) */
                iov.iov_len = (size_t) n;
                if (a->have_local) {
                        struct cmsghdr *cm;
                        mh.msg_control = ctl;
                        if (a->l->family == AF_INET) {
                                mh.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
                                cm = CMSG_FIRSTHDR(&mh);
                                cm->cmsg_level = IPPROTO_IP;
                                cm->cmsg_type = IP_PKTINFO;
                                cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
                                memcpy(CMSG_DATA(cm), &a->local.v4, sizeof(a->local.v4));
                        } else {
                                mh.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
                                cm = CMSG_FIRSTHDR(&mh);
                                cm->cmsg_level = IPPROTO_IPV6;
                                cm->cmsg_type = IPV6_PKTINFO;
                                cm->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
                                memcpy(CMSG_DATA(cm), &a->local.v6, sizeof(a->local.v6));
                        }
                }
                a->last = now;
                (void) sendmsg(a->l->fd, &mh, MSG_NOSIGNAL);
        }
}

/* The poll set is rebuilt each round: what each entry stands for. */
enum slot_kind { SLOT_PID1, SLOT_LISTENER, SLOT_TCP, SLOT_UDP };
struct slot {
        enum slot_kind kind;
        void *obj;
        int side;
};

_noreturn_ static void forwarder_loop(struct forwarder *f) {
        struct pollfd *pfd = NULL;
        struct slot *slot = NULL;
        size_t cap = 0;

        for (;;) {
                size_t n = 0, want = 1 + f->n_l + f->n_fds;
                time_t now;

                if (want > cap) {
                        struct pollfd *p = realloc(pfd, want * sizeof(*pfd));
                        struct slot *s = p ? realloc(slot, want * sizeof(*slot)) : NULL;
                        if (p)
                                pfd = p;
                        if (!s)
                                _exit(EXIT_FAILURE);
                        slot = s;
                        cap = want;
                }
                pfd[n] = (struct pollfd) { .fd = f->init_pidfd, .events = POLLIN };
                slot[n++] = (struct slot) { SLOT_PID1, NULL, 0 };
                for (size_t i = 0; i < f->n_l; i++) {
                        pfd[n] = (struct pollfd) { .fd = f->l[i].fd, .events = POLLIN };
                        slot[n++] = (struct slot) { SLOT_LISTENER, &f->l[i], 0 };
                }
                for (struct tcp_conn *c = f->conns; c; c = c->next)
                        for (int s = 0; s < 2; s++) {
                                short ev = tcp_events(c, s);
                                /* Nothing wanted: leave it out, so that a hang-up
                                 * cannot wake the loop again and again. */
                                if (!ev || c->fd[s] < 0)
                                        continue;
                                pfd[n] = (struct pollfd) { .fd = c->fd[s], .events = ev };
                                slot[n++] = (struct slot) { SLOT_TCP, c, s };
                        }
                for (struct udp_assoc *a = f->assocs; a; a = a->next) {
                        pfd[n] = (struct pollfd) { .fd = a->fd, .events = POLLIN };
                        slot[n++] = (struct slot) { SLOT_UDP, a, 0 };
                }

                if (poll(pfd, n, f->assocs ? 10000 : -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        _exit(EXIT_FAILURE);
                }
                now = time(NULL);
                if (pfd[0].revents)
                        _exit(EXIT_SUCCESS);    /* the container's PID 1 has ended */
                /* Handlers free only their own object, and nothing is
                 * allocated before the listeners' turn: a slot's object is
                 * looked up again by pointer, so a freed one is skipped. */
                for (size_t i = 1; i < n; i++) {
                        if (!pfd[i].revents)
                                continue;
                        if (slot[i].kind == SLOT_TCP) {
                                struct tcp_conn *c;
                                for (c = f->conns; c && c != slot[i].obj; c = c->next)
                                        ;
                                if (c)
                                        tcp_event(f, c, slot[i].side, pfd[i].revents);
                        } else if (slot[i].kind == SLOT_UDP) {
                                struct udp_assoc *a;
                                for (a = f->assocs; a && a != slot[i].obj; a = a->next)
                                        ;
                                if (a)
                                        udp_reply(f, a, now);
                        }
                }
                for (size_t i = 1; i < n; i++) {
                        const struct listener *l = slot[i].obj;
                        if (!pfd[i].revents || slot[i].kind != SLOT_LISTENER)
                                continue;
                        if (l->protocol == IPPROTO_TCP)
                                tcp_accept(f, l);
                        else
                                udp_receive(f, l, now);
                }
                udp_expire(f, now, false);
        }
}

/* In the helper: everything before the loop. Reports to the parent through
 * status_fd (one struct nb_error; an empty one means ready). */
_noreturn_ static void forwarder_main(struct forwarder *f, int netns_fd, int status_fd, pid_t parent,
                                      const char *cgroup_procs) {
        struct nb_error err = {0};
        struct rlimit rl;
        sigset_t none;
        int *keep = malloc((4 + f->n_l) * sizeof(int));
        size_t k = 0;
        cap_t caps;

        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent || !keep)
                _exit(EXIT_FAILURE);
        prctl(PR_SET_NAME, "nixbox-ports");
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_IGN);

        /* Hold nothing of the parent's but what the relay needs: no lock,
         * no sync socket, no netfilter socket owning nixbox's table. */
        keep[k++] = STDERR_FILENO;
        keep[k++] = netns_fd;
        keep[k++] = status_fd;
        keep[k++] = f->init_pidfd;
        for (size_t i = 0; i < f->n_l; i++)
                keep[k++] = f->l[i].fd;
        close_all_fds_but(keep, k);
        free(keep);
        /* stdin and stdout on /dev/null: no socket may land on fd 0 or 1. */
        {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);
                if (null >= 0 && null != STDIN_FILENO)
                        dup2(null, STDIN_FILENO);
                if (null >= 0)
                        dup2(null, STDOUT_FILENO);
                if (null > STDOUT_FILENO)
                        close(null);
        }

        /* Charged to the machine: its memory is the container's business. */
        if (cgroup_procs) {
                int r = write_string_file(cgroup_procs, "0");
                if (r < 0) {
                        nb_error_set(&err, r, "port forwarder: join cgroup %s", cgroup_procs);
                        goto fail;
                }
        }
        if (setns(netns_fd, CLONE_NEWNET) < 0) {
                nb_error_set(&err, errno, "port forwarder: join the container's network namespace");
                goto fail;
        }
        close(netns_fd);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        f->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > f->n_l + FD_RESERVE + 2
                     ? (size_t) (rl.rlim_cur - f->n_l - FD_RESERVE) : 2;
        f->udp_buf = malloc(UDP_MAX_PAYLOAD);
        if (!f->udp_buf) {
                nb_error_set(&err, ENOMEM, "port forwarder");
                goto fail;
        }
        /* It only relays bytes: no privileges from here on. */
        caps = cap_init();
        if (!caps || cap_set_proc(caps) < 0) {
                nb_error_set(&err, errno, "port forwarder: drop capabilities");
                goto fail;
        }
        cap_free(caps);
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

        (void) !write(status_fd, &err, sizeof(err));
        close(status_fd);
        forwarder_loop(f);
fail:
        (void) !write(status_fd, &err, sizeof(err));
        _exit(EXIT_FAILURE);
}

/* nixbox/NAME/ports: a sibling of payload/ (which must hold only the
 * container's own processes for its systemd) under the machine's node. */
static int make_cgroup(const char *cgroup_dir, char *procs, size_t size, struct nb_error *err) {
        char path[1024], v[32];
        int r;

        snprintf(path, sizeof(path), "%s/ports", cgroup_dir);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                return nb_error_set(err, errno, "forward ports: create cgroup %s", path);
        snprintf(path, sizeof(path), "%s/ports/memory.max", cgroup_dir);
        snprintf(v, sizeof(v), "%llu", PORTS_MEMORY_MAX);
        r = write_string_file(path, v);
        if (r < 0 && r != -ENOENT)
                return nb_error_set(err, r, "forward ports: write %s to %s", v, path);
        snprintf(procs, size, "%s/ports/cgroup.procs", cgroup_dir);
        return 0;
}

int port_forwarder_start(const struct port_forward *ports, size_t n, int netns_fd, pid_t init_pid,
                         const char *cgroup_dir, struct port_forwarder *ret, struct nb_error *err) {
        struct forwarder f = { .init_pidfd = -1 };
        char procs[1024];
        _cleanup_close_ int status_r = -1, status_w = -1;
        struct nb_error child = {0};
        int p[2], r;
        ssize_t got;
        pid_t parent = getpid(), pid;

        if (cgroup_dir && (r = make_cgroup(cgroup_dir, procs, sizeof(procs), err)) < 0)
                return r;
        r = bind_all(ports, n, &f.l, &f.n_l, err);
        if (r < 0)
                return r;
        f.init_pidfd = nb_pidfd_open(init_pid, 0);
        if (f.init_pidfd < 0) {
                r = nb_error_set(err, errno, "forward ports: watch the container's PID 1");
                goto out;
        }
        if (pipe2(p, O_CLOEXEC) < 0) {
                r = nb_error_set(err, errno, "forward ports: create a pipe");
                goto out;
        }
        status_r = p[0];
        status_w = p[1];

        pid = fork();
        if (pid < 0) {
                r = nb_error_set(err, errno, "forward ports: fork");
                goto out;
        }
        if (pid == 0) {
                close(status_r);
                forwarder_main(&f, netns_fd, status_w, parent, cgroup_dir ? procs : NULL);
        }
        close(TAKE_FD(status_w));
        do
                got = read(status_r, &child, sizeof(child));
        while (got < 0 && errno == EINTR);
        ret->pid = pid;
        ret->pidfd = nb_pidfd_open(pid, 0);
        if (got != sizeof(child) || child.msg[0]) {
                if (got != sizeof(child))
                        nb_error_set(&child, 0, "forward ports: the forwarder process died");
                *err = child;
                port_forwarder_stop(ret);
                r = -EIO;
                goto out;
        }
        r = 0;
out:
        close_listeners(f.l, f.n_l);
        if (f.init_pidfd >= 0)
                close(f.init_pidfd);
        return r;
}

void port_forwarder_stop(struct port_forwarder *f) {
        siginfo_t si;

        if (f->pid <= 0)
                return;
        if (f->pidfd >= 0) {
                (void) nb_pidfd_send_signal(f->pidfd, SIGKILL, NULL, 0);
                /* ECHILD: the supervisor's waitpid(-1) reaped it already. */
                while (waitid(P_PIDFD, (id_t) f->pidfd, &si, WEXITED) < 0 && errno == EINTR)
                        ;
                close(f->pidfd);
        } else if (kill(f->pid, SIGKILL) == 0)
                (void) waitpid(f->pid, NULL, 0);
        f->pid = 0;
        f->pidfd = -1;
}
