/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Link operations: look-up and listing, veth pairs, bridges, and changes to
 * one link (state, MTU, MAC, name, master, namespace, altnames, deletion). */
#include <arpa/inet.h>
#include <assert.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>

#include "nl-internal.h"

/* Long enough for any operation description with two altnames in it. */
#define WHAT_SIZE 384

/* The kernel's dev_valid_name(): refuse early with a clear message instead
 * of the kernel's generic "Attribute failed policy validation". */
static bool ifname_valid(const char *name) {
        size_t n = strlen(name);

        if (n == 0 || n >= IFNAMSIZ || streq(name, ".") || streq(name, ".."))
                return false;
        for (const char *p = name; *p; p++)
                if (*p == '/' || *p == ':' || *p == ' ' || (*p >= '\t' && *p <= '\r'))
                        return false;
        return true;
}

static int check_ifname(const char *name, struct nb_error *err, const char *what) {
        if (!ifname_valid(name))
                return nb_error_set(err, EINVAL, "%s: invalid interface name \"%s\"", what, name);
        return 0;
}

static void put_netns(struct nlmsghdr *nlh, const struct nl_netns *ns) {
        assert((ns->pid > 0) != (ns->fd >= 0));
        if (ns->fd >= 0)
                mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t) ns->fd);
        else
                mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t) ns->pid);
}

static const char *netns_to_string(const struct nl_netns *ns, char *buf, size_t size) {
        if (ns->fd >= 0)
                snprintf(buf, size, "netns fd %d", ns->fd);
        else
                snprintf(buf, size, "netns of pid %d", (int) ns->pid);
        return buf;
}

/* --- reading links --- */

static int linkinfo_attr(const struct nlattr *attr, void *data) {
        struct nl_link *l = data;

        if (mnl_attr_get_type(attr) == IFLA_INFO_KIND && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
                snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(attr));
        return MNL_CB_OK;
}

static int link_attr(const struct nlattr *attr, void *data) {
        struct nl_link *l = data;

        switch (mnl_attr_get_type(attr)) {
        case IFLA_IFNAME:
                if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
                        snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(attr));
                break;
        case IFLA_MTU:
                if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
                        l->mtu = mnl_attr_get_u32(attr);
                break;
        case IFLA_MASTER:
                if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
                        l->master = (int) mnl_attr_get_u32(attr);
                break;
        case IFLA_ADDRESS:
                if (mnl_attr_get_payload_len(attr) == ETH_ALEN) {
                        memcpy(&l->mac, mnl_attr_get_payload(attr), ETH_ALEN);
                        l->has_mac = true;
                }
                break;
        case IFLA_LINKINFO:
                if (mnl_attr_validate(attr, MNL_TYPE_NESTED) >= 0)
                        (void) mnl_attr_parse_nested(attr, linkinfo_attr, l);
                break;
        }
        return MNL_CB_OK;
}

static int link_parse(const struct nlmsghdr *nlh, struct nl_link *ret) {
        const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

        if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*ifi))
                return -EBADMSG;
        memset(ret, 0, sizeof(*ret));
        ret->ifindex = ifi->ifi_index;
        ret->flags = ifi->ifi_flags;
        if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr, ret) < 0)
                return -EBADMSG;
        return 0;
}

static int link_get_reply(const struct nlmsghdr *nlh, void *userdata) {
        return link_parse(nlh, userdata);
}

int nl_link_get(struct nl_sock *s, const char *name, struct nl_link *ret, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        struct nl_link l = { .ifindex = 0 };
        size_t n = strlen(name);
        int r;

        snprintf(what, sizeof(what), "look up link %s", name);
        if (n == 0 || n >= ALTIFNAMSIZ)
                return nb_error_set(err, ENODEV, "%s", what);

        nlh = nl_msg_new(buf, RTM_GETLINK, 0, (void **) &ifi, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        /* Short names may be main names or altnames, which the kernel
         * looks up in the same table; longer ones can only be altnames. */
        mnl_attr_put_strz(nlh, n < IFNAMSIZ ? IFLA_IFNAME : IFLA_ALT_IFNAME, name);
        r = nl_call(s, nlh, link_get_reply, &l, err, what);
        if (r < 0)
                return r;
        if (l.ifindex <= 0)
                return nb_error_set(err, EBADMSG, "%s: no link in the reply", what);
        if (ret)
                *ret = l;
        return 0;
}

int nl_resolve(struct nl_sock *s, const char *name, bool name_it, struct nb_error *err, const char *what) {
        struct nl_link link;
        int r;

        r = nl_link_get(s, name, &link, NULL);
        if (r < 0 && name_it)
                return nb_error_set(err, r, "%s: no link %s", what, name);
        if (r < 0)
                return nb_error_set(err, r, "%s", what);
        return link.ifindex;
}

int nl_link_index(struct nl_sock *s, const char *name, struct nb_error *err) {
        struct nl_link l;
        int r;

        r = nl_link_get(s, name, &l, err);
        return r < 0 ? r : l.ifindex;
}

struct link_list {
        struct nl_link *links;
        size_t n, allocated;
};

static int link_list_reply(const struct nlmsghdr *nlh, void *userdata) {
        struct link_list *list = userdata;
        int r;

        if (list->n == list->allocated) {
                size_t a = list->allocated ? list->allocated * 2 : 16;
                struct nl_link *p = reallocarray(list->links, a, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                list->links = p;
                list->allocated = a;
        }
        r = link_parse(nlh, &list->links[list->n]);
        if (r < 0)
                return r;
        list->n++;
        return 0;
}

static int link_compare(const void *a, const void *b) {
        const struct nl_link *x = a, *y = b;
        return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int nl_link_list(struct nl_sock *s, struct nl_link **ret, size_t *ret_n, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE];
        struct link_list list = { .links = NULL };
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        int r;

        assert(ret);
        assert(ret_n);
        nlh = nl_msg_new(buf, RTM_GETLINK, NLM_F_DUMP, (void **) &ifi, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        r = nl_call(s, nlh, link_list_reply, &list, err, "list links");
        if (r < 0) {
                free(list.links);
                return r;
        }
        if (list.n > 0)
                qsort(list.links, list.n, sizeof(*list.links), link_compare);
        *ret = list.links;
        *ret_n = list.n;
        return 0;
}

/* --- creating links --- */

int nl_veth_add(struct nl_sock *s, const struct nl_veth *v, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlattr *linkinfo, *data, *peer;
        struct ifinfomsg *ifi, *peer_ifi;
        struct nlmsghdr *nlh;
        int r;

        assert(v && v->name && v->peer);
        snprintf(what, sizeof(what), "create veth %s/%s", v->name, v->peer);
        r = check_ifname(v->name, err, what);
        if (r < 0)
                return r;
        r = check_ifname(v->peer, err, what);
        if (r < 0)
                return r;

        nlh = nl_msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **) &ifi, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, v->name);
        if (v->mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, v->mac);

        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        /* The peer is described like a whole RTM_NEWLINK request: its own
         * ifinfomsg, then its attributes, including its namespace. */
        peer_ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*peer_ifi));
        peer_ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, v->peer);
        if (v->peer_mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, v->peer_mac);
        if (v->peer_netns)
                put_netns(nlh, v->peer_netns);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);

        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_bridge_add(struct nl_sock *s, const char *name, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        struct nlattr *linkinfo;
        int r;

        snprintf(what, sizeof(what), "create bridge %s", name);
        r = check_ifname(name, err, what);
        if (r < 0)
                return r;
        nlh = nl_msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **) &ifi, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, linkinfo);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

/* A link of `kind` stacked on `parent` (IFLA_LINK), created directly in
 * netns. The parent is resolved here: it lives in the socket's namespace. */
static int stacked_add(struct nl_sock *s, const char *kind, const char *name, const char *parent,
                       const struct ether_addr *mac, uint32_t mode, const struct nl_netns *netns,
                       struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlattr *linkinfo, *data;
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        int parent_index, r;

        snprintf(what, sizeof(what), "create %s %s on %s", kind, name, parent);
        r = check_ifname(name, err, what);
        if (r < 0)
                return r;
        parent_index = nl_resolve(s, parent, true, err, what);
        if (parent_index < 0)
                return parent_index;

        nlh = nl_msg_new(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, (void **) &ifi, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
        mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t) parent_index);
        if (mac)
                mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
        if (netns)
                put_netns(nlh, netns);
        linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
        data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        /* Both kinds call their mode attribute 1, with different sizes. */
        if (streq(kind, "ipvlan"))
                mnl_attr_put_u16(nlh, IFLA_IPVLAN_MODE, (uint16_t) mode);
        else
                mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, mode);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, linkinfo);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_macvlan_add(struct nl_sock *s, const char *name, const char *parent, const struct ether_addr *mac,
                   const struct nl_netns *netns, struct nb_error *err) {
        return stacked_add(s, "macvlan", name, parent, mac, MACVLAN_MODE_BRIDGE, netns, err);
}

int nl_ipvlan_add(struct nl_sock *s, const char *name, const char *parent, const struct nl_netns *netns,
                  struct nb_error *err) {
        return stacked_add(s, "ipvlan", name, parent, NULL, IPVLAN_MODE_L2, netns, err);
}

/* --- changing one link --- */

/* Starts an RTM_SETLINK for `name`, resolved first so that altnames work
 * and a missing link is reported as such. */
static int setlink_new(struct nl_sock *s, const char *name, bool name_it, char buf[static NL_REQUEST_SIZE],
                       uint16_t type, struct nlmsghdr **ret, struct ifinfomsg **ret_ifi, struct nb_error *err,
                       const char *what) {
        struct ifinfomsg *ifi;
        int ifindex;

        ifindex = nl_resolve(s, name, name_it, err, what);
        if (ifindex < 0)
                return ifindex;
        *ret = nl_msg_new(buf, type, 0, (void **) &ifi, sizeof(*ifi));
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = ifindex;
        if (ret_ifi)
                *ret_ifi = ifi;
        return 0;
}

int nl_link_set_up(struct nl_sock *s, const char *name, bool up, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        struct ifinfomsg *ifi;
        int r;

        snprintf(what, sizeof(what), "set link %s %s", name, up ? "up" : "down");
        r = setlink_new(s, name, false, buf, RTM_SETLINK, &nlh, &ifi, err, what);
        if (r < 0)
                return r;
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = up ? IFF_UP : 0;
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_set_mtu(struct nl_sock *s, const char *name, unsigned mtu, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        int r;

        snprintf(what, sizeof(what), "set mtu %u on %s", mtu, name);
        r = setlink_new(s, name, false, buf, RTM_SETLINK, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_set_mac(struct nl_sock *s, const char *name, const struct ether_addr *mac, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE], m[18];
        struct nlmsghdr *nlh;
        int r;

        assert(mac);
        snprintf(what, sizeof(what), "set address %s on %s", net_mac_to_string(mac, m), name);
        r = setlink_new(s, name, false, buf, RTM_SETLINK, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        mnl_attr_put(nlh, IFLA_ADDRESS, ETH_ALEN, mac);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_rename(struct nl_sock *s, const char *name, const char *new_name, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        int r;

        snprintf(what, sizeof(what), "rename link %s to %s", name, new_name);
        r = check_ifname(new_name, err, what);
        if (r < 0)
                return r;
        r = setlink_new(s, name, false, buf, RTM_SETLINK, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        mnl_attr_put_strz(nlh, IFLA_IFNAME, new_name);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_set_master(struct nl_sock *s, const char *name, const char *master, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        int master_index = 0, r;

        if (master)
                snprintf(what, sizeof(what), "enslave %s to %s", name, master);
        else
                snprintf(what, sizeof(what), "release %s from its master", name);
        if (master) {
                master_index = nl_resolve(s, master, true, err, what);
                if (master_index < 0)
                        return master_index;
        }
        r = setlink_new(s, name, master != NULL, buf, RTM_SETLINK, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t) master_index);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_set_netns(struct nl_sock *s, const char *name, const struct nl_netns *ns, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE], nsbuf[48];
        struct nlmsghdr *nlh;
        int r;

        assert(ns);
        snprintf(what, sizeof(what), "move link %s to %s", name, netns_to_string(ns, nsbuf, sizeof(nsbuf)));
        r = setlink_new(s, name, false, buf, RTM_SETLINK, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        put_netns(nlh, ns);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_del(struct nl_sock *s, const char *name, struct nb_error *err) {
        char buf[NL_REQUEST_SIZE], what[WHAT_SIZE];
        struct nlmsghdr *nlh;
        int r;

        snprintf(what, sizeof(what), "delete link %s", name);
        r = setlink_new(s, name, false, buf, RTM_DELLINK, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        return nl_call(s, nlh, NULL, NULL, err, what);
}

static int altname_change(struct nl_sock *s, uint16_t type, const char *name, const char *altname,
                          struct nb_error *err, const char *what) {
        char buf[NL_REQUEST_SIZE];
        struct nlmsghdr *nlh;
        struct nlattr *list;
        size_t n = strlen(altname);
        int r;

        if (n == 0 || n >= ALTIFNAMSIZ || strchr(altname, '/') || strchr(altname, ':'))
                return nb_error_set(err, EINVAL, "%s: invalid alternative name \"%s\"", what, altname);
        r = setlink_new(s, name, false, buf, type, &nlh, NULL, err, what);
        if (r < 0)
                return r;
        list = mnl_attr_nest_start(nlh, IFLA_PROP_LIST);
        mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, altname);
        mnl_attr_nest_end(nlh, list);
        return nl_call(s, nlh, NULL, NULL, err, what);
}

int nl_link_add_altname(struct nl_sock *s, const char *name, const char *altname, struct nb_error *err) {
        char what[WHAT_SIZE];

        snprintf(what, sizeof(what), "add altname %s to %s", altname, name);
        return altname_change(s, RTM_NEWLINKPROP, name, altname, err, what);
}

int nl_link_del_altname(struct nl_sock *s, const char *name, const char *altname, struct nb_error *err) {
        char what[WHAT_SIZE];

        snprintf(what, sizeof(what), "delete altname %s from %s", altname, name);
        return altname_change(s, RTM_DELLINKPROP, name, altname, err, what);
}
