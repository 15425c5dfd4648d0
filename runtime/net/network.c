/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's network as seen from the host (network.h): veth pairs,
 * bridges and zones, extra links, moved-in interfaces, addresses and
 * routes, then masquerading (network-masq.c) and port forwards
 * (network-ports.c). Everything runs in the parent, with one rtnetlink
 * socket on the host and one inside the container's namespace. The
 * state (struct net_state, c->net) records what was made, so that cleanup
 * removes exactly that, also after a partial set-up. See docs/networking.md. */
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "container.h"
#include "log.h"
#include "netsetup.h"
#include "network-lock.h"
#include "network-masq.h"
#include "network-ports.h"
#include "network.h"
#include "options.h"
#include "parse-util.h"

struct net_state {
        int netns_fd;                 /* the container's netns: keeps it (and moved-in links) until cleanup */
        struct nl_sock *host, *cont;  /* rtnetlink on the host, and inside the container */
        char veth[IFNAMSIZ];          /* host side of --network-veth, once made */
        char hostdev[IFNAMSIZ];       /* where host addresses and routes to the container went */
        char zone[IFNAMSIZ];          /* vz-ZONE, once joined */
        bool zone_routes;             /* routes to the local addresses were added on the zone bridge */
        size_t n_extra;               /* o->veth_extra[0..n_extra) made */
        int *moved;                   /* per o->interfaces[i]: its ifindex inside, 0 = not moved */
        struct nft_sock *masq;        /* owner of table ip nixbox-MACHINE */
        struct port_forwarder ports;
};

/* --- validation --- */

static bool veth_like(const struct options *o) {
        return o->network_veth || o->network_bridge || o->network_zone;
}

static bool has_ipv4(const struct address *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (a[i].family == AF_INET)
                        return true;
        return false;
}

int network_validate(const struct options *o, struct nb_error *err) {
        bool addresses = o->n_host_addresses || o->n_local_addresses;
        bool any = veth_like(o) || o->n_interfaces || o->n_veth_extra || o->n_macvlan || o->n_ipvlan || o->n_ports ||
                   addresses || o->masquerade;

        /* An explicit --share-network conflicts with every option that
         * needs a network namespace, whatever their order (each of them
         * turns the private network on again, so the final private_network
         * cannot tell). */
        if (o->share_network_explicit) {
                const char *what = o->network_namespace_path ? "--network-namespace-path="
                        : o->network_zone                    ? "--network-zone="
                        : o->network_bridge                  ? "--network-bridge="
                        : o->n_host_addresses                ? "--host-address="
                        : o->n_local_addresses               ? "--local-address="
                        : o->network_veth                    ? "--network-veth"
                        : o->n_veth_extra                    ? "--network-veth-extra="
                        : o->n_interfaces                    ? "--network-interface="
                        : o->n_macvlan                       ? "--network-macvlan="
                        : o->n_ipvlan                        ? "--network-ipvlan="
                        : o->n_ports                         ? "--port="
                        : o->masquerade                      ? "--masquerade"
                                                             : NULL;
                if (what)
                        return nb_error_set(err, 0,
                                            "--share-network (or --private-network=no) cannot be combined with %s: "
                                            "with it the container does not use the host's network",
                                            what);
        }
        if (o->network_namespace_path && any)
                return nb_error_set(err, 0, "--network-namespace-path= cannot be combined with other network options");
        if (!o->private_network && any)
                return nb_error_set(err, 0, "network options other than --network-namespace-path= need a private "
                                            "network: they cannot be combined with --share-network");
        if (o->network_bridge && o->network_zone)
                return nb_error_set(err, 0, "--network-bridge= and --network-zone= are mutually exclusive");
        if (addresses && !veth_like(o))
                return nb_error_set(err, 0, "--host-address= and --local-address= need --network-veth");
        for (size_t i = 0; i < o->n_host_addresses + o->n_local_addresses; i++) {
                const struct address *a = i < o->n_host_addresses ? &o->host_addresses[i]
                                                                   : &o->local_addresses[i - o->n_host_addresses];
                char buf[64];
                if (a->prefixlen == 0)
                        return nb_error_set(err, 0, "invalid address %s: the prefix length must not be 0",
                                            address_to_string(a, buf, sizeof(buf)));
        }
        for (size_t i = 0; i < o->n_ports; i++)
                if (port_forward_find(o->ports, i, &o->ports[i]) >= 0)
                        return nb_error_set(err, 0, "%s port %u is forwarded twice",
                                            o->ports[i].protocol == IPPROTO_UDP ? "udp" : "tcp", o->ports[i].host_port);
        if (o->masquerade) {
                if (!veth_like(o))
                        return nb_error_set(err, 0, "--masquerade needs --network-veth, --network-bridge= or --network-zone=");
                if (!has_ipv4(o->local_addresses, o->n_local_addresses) && !has_ipv4(o->host_addresses, o->n_host_addresses))
                        return nb_error_set(err, 0, "--masquerade needs an IPv4 --local-address= (or --host-address=): "
                                                    "it NATs the container's IPv4 addresses");
        }
        return 0;
}

/* --- zones --- */

static void zone_ifname(const char *zone, char ret[IFNAMSIZ]) {
        snprintf(ret, IFNAMSIZ, "vz-%s", zone);
}

static int zone_ensure(struct nl_sock *h, const char *name, struct nb_error *err) {
        struct nl_link l;
        int r = nl_link_get(h, name, &l, err);

        if (r == 0) {
                if (!streq(l.kind, "bridge"))
                        return nb_error_set(err, 0, "zone %s: %s exists and is not a bridge", name + 3, name);
                return (l.flags & IFF_UP) ? 0 : nl_link_set_up(h, name, true, err);
        }
        if (r != -ENODEV)
                return r;
        r = nl_bridge_add(h, name, err);
        if (r < 0)
                return r;
        return nl_link_set_up(h, name, true, err);
}

/* nspawn's rule: a zone's bridge goes when its last member has gone. */
static void zone_remove_if_empty(struct nl_sock *h, const char *name) {
        struct nb_error err = {0};
        _cleanup_free_ struct nl_link *links = NULL;
        struct nl_link z;
        size_t n = 0;

        if (nl_link_get(h, name, &z, &err) < 0 || !streq(z.kind, "bridge"))
                return;
        if (nl_link_list(h, &links, &n, &err) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                if (links[i].master == z.ifindex)
                        return;
        if (nl_link_del(h, name, &err) < 0 && err.errnum != ENODEV)
                nb_error_print(&err);
}

/* --- addresses and routes --- */

static unsigned host_prefix(int family) {
        return family == AF_INET6 ? 128 : 32;
}

/* The host side: host addresses on dev (a zone's bridge may have them
 * from another member already), routes to the local addresses. */
static int configure_host_side(struct net_state *st, const struct options *o, const char *dev, bool shared,
                               struct nb_error *err) {
        int r;

        for (size_t i = 0; i < o->n_host_addresses; i++) {
                const struct address *a = &o->host_addresses[i];
                r = nl_addr_add(st->host, dev, a->family, a->addr, a->prefixlen, err);
                if (r == -EEXIST && shared)
                        continue;
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < o->n_local_addresses; i++) {
                const struct address *a = &o->local_addresses[i];
                r = nl_route_add(st->host, a->family, a->addr, host_prefix(a->family), NULL, dev, err);
                if (r < 0)
                        return r;
                if (shared)
                        st->zone_routes = true;
        }
        return 0;
}

/* Inside: what nixos-container's init wrapper does with `ip`, before init
 * runs: host0 up, the local addresses, a route to each host address and a
 * default route via the first host address of each family. */
static int configure_container_side(struct net_state *st, const struct options *o, struct nb_error *err) {
        bool default_done[2] = { false, false };
        int r;

        if (o->n_local_addresses == 0 && o->n_host_addresses == 0)
                return 0;       /* as nspawn: host0 is left to the container */
        r = nl_link_set_up(st->cont, "host0", true, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < o->n_local_addresses; i++) {
                const struct address *a = &o->local_addresses[i];
                r = nl_addr_add(st->cont, "host0", a->family, a->addr, a->prefixlen, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < o->n_host_addresses; i++) {
                const struct address *a = &o->host_addresses[i];
                bool *done = &default_done[a->family == AF_INET6];
                r = nl_route_add(st->cont, a->family, a->addr, host_prefix(a->family), NULL, "host0", err);
                if (r < 0 && r != -EEXIST)
                        return r;
                if (*done)
                        continue;
                r = nl_route_add(st->cont, a->family, NULL, 0, a->addr, "host0", err);
                if (r < 0)
                        return r;
                *done = true;
        }
        return 0;
}

/* --- links --- */

static int setup_veth(struct container *c, struct net_state *st, struct nb_error *err) {
        const struct options *o = c->o;
        char host[IFNAMSIZ], alt[ALTIFNAMSIZ], zone[IFNAMSIZ] = "";
        const char *master = o->network_bridge;
        struct ether_addr hmac, cmac;
        uint8_t id[16];
        int lock = -1, r;

        r = net_read_machine_id(id, err);
        if (r < 0)
                return r;
        net_veth_host_ifname(o->machine, o->network_bridge || o->network_zone, host, alt);
        net_generate_mac(id, o->machine, NET_MAC_HOST, 0, &hmac);
        net_generate_mac(id, o->machine, NET_MAC_CONTAINER, 0, &cmac);

        if (o->network_zone) {
                /* Held until our link is in: the bridge cannot vanish meanwhile. */
                zone_ifname(o->network_zone, zone);
                master = zone;
                lock = network_lock();
                r = zone_ensure(st->host, zone, err);
                if (r < 0)
                        goto out;
                snprintf(st->zone, sizeof(st->zone), "%s", zone);
        }
        r = nl_veth_add(st->host, &(struct nl_veth) { .name = host, .mac = &hmac, .peer = "host0", .peer_mac = &cmac,
                                                      .peer_netns = NL_NETNS_PID(c->init_pid) }, err);
        if (r < 0)
                goto out;
        snprintf(st->veth, sizeof(st->veth), "%s", host);
        if (alt[0]) {
                struct nb_error e = {0};
                if (nl_link_add_altname(st->host, host, alt, &e) < 0)
                        log_warn("could not give %s its full name %s as altname: %s", host, alt, strerror(e.errnum));
        }
        if (master) {
                r = nl_link_set_master(st->host, host, master, err);
                if (r < 0)
                        goto out;
        }
        r = nl_link_set_up(st->host, host, true, err);
        if (r < 0)
                goto out;
        network_unlock(TAKE_FD(lock));

        /* A user's bridge keeps its own addresses: the host address is then
         * only the container's gateway. */
        if (!o->network_bridge) {
                snprintf(st->hostdev, sizeof(st->hostdev), "%s", zone[0] ? zone : host);
                r = configure_host_side(st, o, st->hostdev, zone[0] != 0, err);
                if (r < 0)
                        goto out;
        }
        r = configure_container_side(st, o, err);
out:
        network_unlock(lock);
        return r;
}

static int setup_veth_extra(struct container *c, struct net_state *st, struct nb_error *err) {
        const struct options *o = c->o;
        uint8_t id[16];
        int r;

        r = net_read_machine_id(id, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < o->n_veth_extra; i++) {
                struct ether_addr hmac, cmac;
                net_generate_mac(id, o->machine, NET_MAC_VETH_EXTRA_HOST, i, &hmac);
                net_generate_mac(id, o->machine, NET_MAC_VETH_EXTRA_CONTAINER, i, &cmac);
                r = nl_veth_add(st->host, &(struct nl_veth) { .name = o->veth_extra[i].host, .mac = &hmac,
                                                              .peer = o->veth_extra[i].container, .peer_mac = &cmac,
                                                              .peer_netns = NL_NETNS_PID(c->init_pid) }, err);
                if (r < 0)
                        return r;
                st->n_extra = i + 1;
        }
        return 0;
}

/* --network-macvlan= / --network-ipvlan=: made on the host interface,
 * directly inside; a long name is shortened and kept as altname. */
static int setup_stacked(struct container *c, struct net_state *st, bool macvlan, struct nb_error *err) {
        const struct options *o = c->o;
        const struct iface_pair *pairs = macvlan ? o->macvlan : o->ipvlan;
        size_t n = macvlan ? o->n_macvlan : o->n_ipvlan;
        uint8_t id[16];
        int r;

        if (macvlan && (r = net_read_machine_id(id, err)) < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                char name[IFNAMSIZ];
                bool shortened = net_shorten_ifname(pairs[i].container, name);

                if (macvlan) {
                        struct ether_addr mac;
                        net_generate_mac(id, o->machine, NET_MAC_MACVLAN, i, &mac);
                        r = nl_macvlan_add(st->host, name, pairs[i].host, &mac, NL_NETNS_PID(c->init_pid), err);
                } else
                        r = nl_ipvlan_add(st->host, name, pairs[i].host, NL_NETNS_PID(c->init_pid), err);
                if (r < 0)
                        return r;
                if (shortened) {
                        struct nb_error e = {0};
                        if (nl_link_add_altname(st->cont, name, pairs[i].container, &e) < 0)
                                log_warn("could not give %s its full name %s as altname: %s", name, pairs[i].container,
                                         strerror(e.errnum));
                }
        }
        return 0;
}

static int setup_interfaces(struct container *c, struct net_state *st, struct nb_error *err) {
        const struct options *o = c->o;
        int r;

        st->moved = calloc(o->n_interfaces, sizeof(int));
        if (!st->moved)
                return nb_error_set(err, ENOMEM, "move interfaces");
        for (size_t i = 0; i < o->n_interfaces; i++) {
                const struct iface_pair *p = &o->interfaces[i];

                r = nl_link_set_netns(st->host, p->host, NL_NETNS_PID(c->init_pid), err);
                if (r < 0)
                        return r;
                /* Found again by index at exit, whatever the container called it. */
                r = nl_link_index(st->cont, p->host, err);
                if (r < 0)
                        return r;
                st->moved[i] = r;
                if (!streq(p->host, p->container)) {
                        r = nl_link_rename(st->cont, p->host, p->container, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static void move_interfaces_back(struct container *c, struct net_state *st) {
        const struct options *o = c->o;
        _cleanup_free_ struct nl_link *links = NULL;
        struct nb_error err = {0};
        size_t n = 0;

        if (!st->moved || nl_link_list(st->cont, &links, &n, &err) < 0)
                return;
        for (size_t i = 0; i < o->n_interfaces; i++) {
                const char *want = o->interfaces[i].host, *cur = NULL;

                for (size_t j = 0; j < n && st->moved[i]; j++)
                        if (links[j].ifindex == st->moved[i])
                                cur = links[j].name;
                if (!cur)
                        continue;
                err = (struct nb_error) {0};
                if (!streq(cur, want)) {
                        (void) nl_link_set_up(st->cont, cur, false, &err);
                        if (nl_link_rename(st->cont, cur, want, &err) == 0)
                                cur = want;
                }
                if (nl_link_set_netns(st->cont, cur, NL_NETNS_PID(getpid()), &err) < 0)
                        nb_error_print(&err);
                else if (!streq(cur, want) && nl_link_rename(st->host, cur, want, &err) < 0)
                        nb_error_print(&err);
        }
}

static int setup_masquerade(struct container *c, struct net_state *st, struct nb_error *err) {
        const struct options *o = c->o;
        const struct address *src = o->local_addresses;
        size_t n_src = o->n_local_addresses, n = 0;
        _cleanup_free_ struct address *prefixes = NULL;
        const char *link = st->zone[0] ? st->zone : o->network_bridge ? o->network_bridge : st->veth;

        /* The container's own addresses; else, as networkd does it, the
         * network of the host side's addresses. */
        if (!has_ipv4(src, n_src)) {
                src = o->host_addresses;
                n_src = o->n_host_addresses;
        }
        prefixes = calloc(n_src, sizeof(*prefixes));
        if (!prefixes)
                return nb_error_set(err, ENOMEM, "masquerade");
        for (size_t i = 0; i < n_src; i++)
                if (src[i].family == AF_INET)
                        prefixes[n++] = src[i];
        return masq_setup(o->machine, link, !o->network_bridge, prefixes, n, &st->masq, err);
}

/* --- the API --- */

static bool wants_links(const struct options *o) {
        return veth_like(o) || o->n_veth_extra || o->n_macvlan || o->n_ipvlan || o->n_interfaces;
}

static void remove_stale_veth(struct nl_sock *h, const char *name) {
        struct nb_error err = {0};
        struct nl_link l;

        if (nl_link_get(h, name, &l, &err) < 0 || !streq(l.kind, "veth"))
                return;
        if (nl_link_del(h, name, &err) < 0)
                nb_error_print(&err);
        else
                log_debug("removed %s, left by an earlier run", name);
}

void network_sweep_stale(struct container *c) {
        const struct options *o = c->o;
        _cleanup_nl_sock_ struct nl_sock *h = NULL;
        struct nb_error err = {0};

        if (!o->private_network || o->network_namespace_path)
                return;
        if ((veth_like(o) || o->n_veth_extra) && nl_open(&h, &err) == 0) {
                /* The machine lock is ours: whatever carries this machine's
                 * names is a leftover (a netns pinned by someone keeps a veth
                 * alive after its nixbox was killed). */
                if (veth_like(o)) {
                        char name[IFNAMSIZ], alt[ALTIFNAMSIZ];
                        net_veth_host_ifname(o->machine, false, name, alt);
                        remove_stale_veth(h, name);
                        net_veth_host_ifname(o->machine, true, name, alt);
                        remove_stale_veth(h, name);
                }
                for (size_t i = 0; i < o->n_veth_extra; i++)
                        remove_stale_veth(h, o->veth_extra[i].host);
                if (o->network_zone) {
                        char zone[IFNAMSIZ];
                        int lock = network_lock();
                        zone_ifname(o->network_zone, zone);
                        zone_remove_if_empty(h, zone);
                        network_unlock(lock);
                }
        }
        /* Without nf_tables in use there is nothing of ours to find, and
         * asking would load it. */
        if (o->masquerade || access("/sys/module/nf_tables", F_OK) == 0)
                masq_sweep(o->machine);
}

int network_setup(struct container *c, struct nb_error *err) {
        const struct options *o = c->o;
        struct net_state *st;
        char path[64];
        int r;

        if (!o->private_network || o->network_namespace_path || (!wants_links(o) && !o->n_ports))
                return 0;
        st = calloc(1, sizeof(*st));
        if (!st)
                return nb_error_set(err, ENOMEM, "set up the network");
        st->netns_fd = -1;
        st->ports.pidfd = -1;
        c->net = st;

        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) c->init_pid);
        st->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (st->netns_fd < 0)
                return nb_error_set(err, errno, "open the container's network namespace %s", path);
        if (wants_links(o)) {
                if ((r = nl_open(&st->host, err)) < 0 || (r = nl_open_netns(&st->cont, st->netns_fd, err)) < 0)
                        return r;
                if (veth_like(o) && (r = setup_veth(c, st, err)) < 0)
                        return r;
                if (o->n_veth_extra && (r = setup_veth_extra(c, st, err)) < 0)
                        return r;
                if (o->n_macvlan && (r = setup_stacked(c, st, true, err)) < 0)
                        return r;
                if (o->n_ipvlan && (r = setup_stacked(c, st, false, err)) < 0)
                        return r;
                if (o->n_interfaces && (r = setup_interfaces(c, st, err)) < 0)
                        return r;
                if (o->masquerade && (r = setup_masquerade(c, st, err)) < 0)
                        return r;
        }
        if (o->n_ports && (r = port_forwarder_start(o->ports, o->n_ports, st->netns_fd, c->init_pid,
                                                        c->use_cgroup ? c->cg.dir : NULL, &st->ports, err)) < 0)
                return r;
        return 0;
}

void network_cleanup(struct container *c) {
        struct net_state *st = c->net;
        const struct options *o = c->o;
        struct nb_error err = {0};

        if (!st)
                return;
        port_forwarder_stop(&st->ports);
        if (st->masq)
                masq_cleanup(o->machine, st->masq);
        if (st->cont)
                move_interfaces_back(c, st);
        if (st->host) {
                for (size_t i = 0; i < st->n_extra; i++)
                        if (nl_link_del(st->host, o->veth_extra[i].host, &err) < 0 && err.errnum != ENODEV)
                                nb_error_print(&err);
                /* Explicitly: someone may pin the container's netns, and with
                 * it the veth. */
                if (st->veth[0] && nl_link_del(st->host, st->veth, &err) < 0 && err.errnum != ENODEV)
                        nb_error_print(&err);
                if (st->zone[0]) {
                        int lock = network_lock();
                        for (size_t i = 0; st->zone_routes && i < o->n_local_addresses; i++) {
                                const struct address *a = &o->local_addresses[i];
                                (void) nl_route_del(st->host, a->family, a->addr, host_prefix(a->family), NULL,
                                                    st->zone, &err);
                        }
                        zone_remove_if_empty(st->host, st->zone);
                        network_unlock(lock);
                }
        }
        nl_close(st->cont);
        nl_close(st->host);
        if (st->netns_fd >= 0)
                close(st->netns_fd);
        free(st->moved);
        free(st);
        c->net = NULL;
}
