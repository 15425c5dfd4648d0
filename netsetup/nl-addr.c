/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* IPv4/IPv6 addresses and routes on links. */
#include <arpa/inet.h>
#include <assert.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>

#include "nl-internal.h"

#define WHAT_SIZE 512

static size_t family_size(int family) {
        return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static const char *addr_to_string(int family, const void *addr, char *buf, size_t size) {
        if (!inet_ntop(family, addr, buf, size))
                snprintf(buf, size, "(bad address)");
        return buf;
}

static int addr_change(struct nl_sock *s, uint16_t type, const char *dev, int family, const void *addr,
                       unsigned prefixlen, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE], a[INET6_ADDRSTRLEN];
        size_t size = family_size(family);
        struct nlmsghdr *nlh;
        struct ifaddrmsg *ifa;
        uint16_t flags = 0;
        int ifindex;

        assert(dev && addr);
        snprintf(what, sizeof(what), "%s address %s/%u %s %s", type == RTM_NEWADDR ? "add" : "delete",
                 size ? addr_to_string(family, addr, a, sizeof(a)) : "?", prefixlen,
                 type == RTM_NEWADDR ? "to" : "from", dev);
        if (size == 0)
                return nb_error_set(err, EAFNOSUPPORT, "%s", what);
        if (prefixlen > size * 8)
                return nb_error_set(err, EINVAL, "%s: prefix length out of range", what);

        ifindex = nl_resolve(s, dev, false, err, what);
        if (ifindex < 0)
                return ifindex;

        if (type == RTM_NEWADDR)
                flags = NLM_F_CREATE | NLM_F_EXCL;
        nlh = nl_msg_new(buf, type, flags, (void **) &ifa, sizeof(*ifa));
        ifa->ifa_family = (uint8_t) family;
        ifa->ifa_prefixlen = (uint8_t) prefixlen;
        ifa->ifa_scope = RT_SCOPE_UNIVERSE;
        ifa->ifa_index = (uint32_t) ifindex;
        /* IFA_LOCAL is the address itself; IFA_ADDRESS is the same for
         * anything but point-to-point links (iproute2 sends both too). */
        mnl_attr_put(nlh, IFA_LOCAL, size, addr);
        mnl_attr_put(nlh, IFA_ADDRESS, size, addr);
        if (family == AF_INET6 && type == RTM_NEWADDR) {
                /* No duplicate address detection: the address is usable at
                 * once instead of "tentative" for a second or more. */
                ifa->ifa_flags = IFA_F_NODAD;
                mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
        }
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_addr_add(struct nl_sock *s, const char *dev, int family, const void *addr, unsigned prefixlen,
                struct nb_error *err) {
        return addr_change(s, RTM_NEWADDR, dev, family, addr, prefixlen, err);
}

int nl_addr_del(struct nl_sock *s, const char *dev, int family, const void *addr, unsigned prefixlen,
                struct nb_error *err) {
        return addr_change(s, RTM_DELADDR, dev, family, addr, prefixlen, err);
}

static int route_change(struct nl_sock *s, uint16_t type, int family, const void *dst, unsigned dst_len,
                        const void *gateway, const char *dev, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE], d[INET6_ADDRSTRLEN + 16], g[INET6_ADDRSTRLEN + 16] = "";
        char a[INET6_ADDRSTRLEN], on[ALTIFNAMSIZ + 8] = "";
        size_t size = family_size(family);
        struct nlmsghdr *nlh;
        struct rtmsg *rtm;
        int ifindex = 0;

        if (!dst)
                dst_len = 0;
        if (dst_len == 0 || !size)
                snprintf(d, sizeof(d), "default");
        else
                snprintf(d, sizeof(d), "%s/%u", addr_to_string(family, dst, a, sizeof(a)), dst_len);
        if (gateway && size)
                snprintf(g, sizeof(g), " via %s", addr_to_string(family, gateway, a, sizeof(a)));
        if (dev)
                snprintf(on, sizeof(on), " dev %s", dev);
        snprintf(what, sizeof(what), "%s route %s%s%s", type == RTM_NEWROUTE ? "add" : "delete", d, g, on);

        if (size == 0)
                return nb_error_set(err, EAFNOSUPPORT, "%s", what);
        if (dst_len > size * 8)
                return nb_error_set(err, EINVAL, "%s: prefix length out of range", what);
        if (type == RTM_NEWROUTE && !gateway && !dev)
                return nb_error_set(err, EINVAL, "%s: needs a gateway or a device", what);
        if (dev) {
                ifindex = nl_resolve(s, dev, false, err, what);
                if (ifindex < 0)
                        return ifindex;
        }

        nlh = nl_msg_new(buf, type, type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0, (void **) &rtm,
                         sizeof(*rtm));
        rtm->rtm_family = (uint8_t) family;
        rtm->rtm_dst_len = (uint8_t) dst_len;
        rtm->rtm_table = RT_TABLE_MAIN;
        if (type == RTM_NEWROUTE) {
                rtm->rtm_protocol = RTPROT_BOOT;
                rtm->rtm_type = RTN_UNICAST;
                /* Without a gateway an IPv4 destination is on the link
                 * itself; IPv6 has no route scopes (as in iproute2). */
                rtm->rtm_scope = gateway || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
        } else
                rtm->rtm_scope = RT_SCOPE_NOWHERE;   /* "any scope" for deletion */
        if (dst_len > 0)
                mnl_attr_put(nlh, RTA_DST, size, dst);
        if (gateway)
                mnl_attr_put(nlh, RTA_GATEWAY, size, gateway);
        if (ifindex > 0)
                mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t) ifindex);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_route_add(struct nl_sock *s, int family, const void *dst, unsigned dst_len, const void *gateway,
                 const char *dev, struct nb_error *err) {
        return route_change(s, RTM_NEWROUTE, family, dst, dst_len, gateway, dev, err);
}

int nl_route_del(struct nl_sock *s, int family, const void *dst, unsigned dst_len, const void *gateway,
                 const char *dev, struct nb_error *err) {
        return route_change(s, RTM_DELROUTE, family, dst, dst_len, gateway, dev, err);
}
