/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netsetup: the rtnetlink operations nixbox needs to wire up container
 * networking (veth pairs, bridges, addresses, routes), spoken directly over
 * libmnl, plus systemd-nspawn's naming rules (MACs, interface names).
 *
 * One `struct nl_sock` talks to one network namespace: the one it was opened
 * in. Links are named by their name (or altname) in that namespace. Every
 * operation returns 0 (or a positive value where documented) or -errno and
 * then fills *err with a message naming the operation and the object, e.g.
 * "create veth ve-foo/host0", plus the kernel's extended-ack text when it
 * gives one: "create veth ve-foo/host0 (kernel: ...)". See docs/netsetup.md. */
#pragma once

#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#ifndef ALTIFNAMSIZ
#define ALTIFNAMSIZ 128
#endif

struct nl_sock;

/* Opens a NETLINK_ROUTE socket in the caller's network namespace. */
int nl_open(struct nl_sock **ret, struct nb_error *err);

/* Opens it inside the network namespace netns_fd (an fd of /proc/PID/ns/net
 * or of a bind-mounted netns file): a short-lived thread joins the namespace
 * with setns() and creates the socket there, so the caller's own namespace
 * never changes. Needs CAP_SYS_ADMIN over that namespace. */
int nl_open_netns(struct nl_sock **ret, int netns_fd, struct nb_error *err);

/* Adopts a NETLINK_ROUTE socket created by someone else (e.g. by the
 * container's child inside its namespace, passed over SCM_RIGHTS). The
 * socket then belongs to the nl_sock and is closed by nl_close(). */
int nl_open_fd(struct nl_sock **ret, int fd, struct nb_error *err);

/* Returns NULL, so that `s = nl_close(s);` works. NULL is fine. */
struct nl_sock *nl_close(struct nl_sock *s);
static inline void nl_closep(struct nl_sock **s) { *s = nl_close(*s); }
#define _cleanup_nl_sock_ _cleanup_(nl_closep)

/* A network namespace to put a link into: a process's (IFLA_NET_NS_PID) or
 * the one an fd refers to (IFLA_NET_NS_FD). Exactly one is set. */
struct nl_netns {
        pid_t pid;   /* > 0, or 0 */
        int fd;      /* >= 0, or -1 */
};
#define NL_NETNS_PID(p) (&(const struct nl_netns) { .pid = (p), .fd = -1 })
#define NL_NETNS_FD(f)  (&(const struct nl_netns) { .pid = 0, .fd = (f) })

/* What RTM_GETLINK says about one link. */
struct nl_link {
        int ifindex;
        char name[IFNAMSIZ];
        char kind[16];           /* IFLA_INFO_KIND: "veth", "bridge", ... or "" */
        unsigned flags;          /* IFF_UP, IFF_LOWER_UP, ... */
        unsigned mtu;
        int master;              /* ifindex of the bridge it is enslaved to, 0 = none */
        bool has_mac;
        struct ether_addr mac;
};

/* Looks a link up by name or altname. */
int nl_link_get(struct nl_sock *s, const char *name, struct nl_link *ret, struct nb_error *err);
/* The ifindex (> 0) of a link, or -errno (-ENODEV when there is none). */
int nl_link_index(struct nl_sock *s, const char *name, struct nb_error *err);
/* All links of the namespace, in ifindex order; *ret is malloc'ed. */
int nl_link_list(struct nl_sock *s, struct nl_link **ret, size_t *ret_n, struct nb_error *err);

/* A veth pair: `name` in the socket's namespace, `peer` created directly in
 * peer_netns (NULL: the socket's namespace too), so that it never appears on
 * the host side. A NULL MAC lets the kernel pick a random one. */
struct nl_veth {
        const char *name;
        const struct ether_addr *mac;
        const char *peer;
        const struct ether_addr *peer_mac;
        const struct nl_netns *peer_netns;
};
int nl_veth_add(struct nl_sock *s, const struct nl_veth *v, struct nb_error *err);

/* nspawn's --network-macvlan (bridge mode) and --network-ipvlan (L2 mode):
 * a link on top of `parent` (in the socket's namespace), created directly in
 * netns (NULL: the socket's namespace). A NULL MAC lets the kernel pick. */
int nl_macvlan_add(struct nl_sock *s, const char *name, const char *parent, const struct ether_addr *mac,
                   const struct nl_netns *netns, struct nb_error *err);
int nl_ipvlan_add(struct nl_sock *s, const char *name, const char *parent, const struct nl_netns *netns,
                  struct nb_error *err);

/* An empty bridge, down. */
int nl_bridge_add(struct nl_sock *s, const char *name, struct nb_error *err);

int nl_link_set_up(struct nl_sock *s, const char *name, bool up, struct nb_error *err);
int nl_link_set_mtu(struct nl_sock *s, const char *name, unsigned mtu, struct nb_error *err);
int nl_link_set_mac(struct nl_sock *s, const char *name, const struct ether_addr *mac, struct nb_error *err);
/* Older kernels refuse to rename a link that is up (-EBUSY): bring it down
 * first to be portable. */
int nl_link_rename(struct nl_sock *s, const char *name, const char *new_name, struct nb_error *err);
/* Enslaves the link to bridge `master`; NULL releases it. */
int nl_link_set_master(struct nl_sock *s, const char *name, const char *master, struct nb_error *err);
/* Moves the link to another namespace (it goes down and keeps its name;
 * -EEXIST if the name is taken there). */
int nl_link_set_netns(struct nl_sock *s, const char *name, const struct nl_netns *ns, struct nb_error *err);
/* Deleting one end of a veth pair deletes both. */
int nl_link_del(struct nl_sock *s, const char *name, struct nb_error *err);
/* Alternative names (up to ALTIFNAMSIZ-1 bytes; kernel >= 5.5). */
int nl_link_add_altname(struct nl_sock *s, const char *name, const char *altname, struct nb_error *err);
int nl_link_del_altname(struct nl_sock *s, const char *name, const char *altname, struct nb_error *err);

/* addr: 4 bytes for AF_INET, 16 for AF_INET6. IPv6 addresses are added with
 * IFA_F_NODAD, so they are usable at once. */
int nl_addr_add(struct nl_sock *s, const char *dev, int family, const void *addr, unsigned prefixlen,
                struct nb_error *err);
int nl_addr_del(struct nl_sock *s, const char *dev, int family, const void *addr, unsigned prefixlen,
                struct nb_error *err);

/* A route in the main table. dst NULL (or dst_len 0) = the default route;
 * gateway NULL = a device route (scope link), which needs dev; dev NULL with
 * a gateway lets the kernel pick the device. Deletion matches on what is
 * given: gateway and dev may both be NULL there. */
int nl_route_add(struct nl_sock *s, int family, const void *dst, unsigned dst_len, const void *gateway,
                 const char *dev, struct nb_error *err);
int nl_route_del(struct nl_sock *s, int family, const void *dst, unsigned dst_len, const void *gateway,
                 const char *dev, struct nb_error *err);

/* --- systemd-nspawn's naming rules (naming.c) --- */

/* The hash keys nspawn uses for each kind of generated MAC. */
enum net_mac_key {
        NET_MAC_HOST,                  /* host side of --network-veth */
        NET_MAC_CONTAINER,             /* host0 */
        NET_MAC_VETH_EXTRA_HOST,       /* --network-veth-extra, host side */
        NET_MAC_VETH_EXTRA_CONTAINER,  /* --network-veth-extra, container side */
        NET_MAC_MACVLAN,               /* --network-macvlan */
};

/* nspawn's generate_mac(): siphash24(machine_id ‖ machine ‖ le64(idx) if
 * idx > 0, key); the first 6 bytes of the little-endian 64-bit result, with
 * the multicast bit cleared and the locally-administered bit set. */
void net_generate_mac(const uint8_t machine_id[16], const char *machine, enum net_mac_key key, uint64_t idx,
                      struct ether_addr *ret);

/* systemd's interface-name shortening: a name of IFNAMSIZ (16) bytes or more
 * becomes its first 11 bytes plus 4 url-safe base64 characters of
 * siphash24(name, e190a404a8ef4b518cccc33a9f11fca2). Returns true when ret
 * differs from name; ret is always a valid, NUL-terminated copy. */
bool net_shorten_ifname(const char *name, char ret[IFNAMSIZ]);

/* The host-side veth name nspawn uses: "ve-MACHINE" ("vb-MACHINE" when the
 * link goes to a bridge or zone), shortened; altname gets the full name when
 * it was shortened (set it with nl_link_add_altname()), "" otherwise. */
void net_veth_host_ifname(const char *machine, bool bridge, char ret[IFNAMSIZ], char altname[ALTIFNAMSIZ]);

/* 32 hex digits (a trailing newline is fine) -> 16 bytes; -EINVAL for
 * anything else, -ENOMEDIUM for the all-zero ID. */
int net_parse_machine_id(const char *s, uint8_t ret[16]);
/* The host's /etc/machine-id, as nspawn reads it for MACs. */
int net_read_machine_id(uint8_t ret[16], struct nb_error *err);

/* "aa:bb:cc:dd:ee:ff" (lower case); buf needs 18 bytes. */
const char *net_mac_to_string(const struct ether_addr *mac, char buf[18]);
/* Accepts exactly six ':'-separated hex bytes; 0 or -EINVAL. */
int net_parse_mac(const char *s, struct ether_addr *ret);
