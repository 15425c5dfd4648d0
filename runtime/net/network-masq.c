/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --masquerade (see network-masq.h for the objects and their lifetimes).
 *
 * Why forwarding is touched at all: IPv4 forwards a packet only when the
 * interface it came in on has forwarding on (net.ipv4.conf.IF.forwarding).
 * The container's packets come in on its link, and the replies, once
 * de-masqueraded, come in on the uplink: both need it. nixbox turns it on
 * for exactly those interfaces, never globally, and where it turned it on
 * for an uplink, the shared forward chain lets only replies through. */
#include <fcntl.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "macro.h"
#include "network-lock.h"
#include "network-masq.h"

#define SHARED_TABLE  "nixbox"
#define MACHINE_TABLE "nixbox-"
#define SET_GUARDED   "guarded"
#define SET_RESTORE   "restore"
#define CT_DIR_REPLY  1         /* IP_CT_DIR_REPLY */
#define PRIO_SRCNAT   100       /* NF_IP_PRI_NAT_SRC: nft's "srcnat" */
#define PRIO_FILTER   0         /* NF_IP_PRI_FILTER: nft's "filter" */

static int forwarding_path(const char *ifname, char *buf, size_t size) {
        if (!ifname[0] || strchr(ifname, '/') || streq(ifname, ".") || streq(ifname, ".."))
                return -EINVAL;
        snprintf(buf, size, "/proc/sys/net/ipv4/conf/%s/forwarding", ifname);
        return 0;
}

/* 0 or 1, or -errno. */
static int read_forwarding(const char *ifname) {
        char path[128], c = 0;
        _cleanup_close_ int fd = -1;

        if (forwarding_path(ifname, path, sizeof(path)) < 0)
                return -EINVAL;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, &c, 1) != 1)
                return -errno;
        return c != '0';
}

static int write_forwarding(const char *ifname, bool on) {
        char path[128];
        _cleanup_close_ int fd = -1;

        if (forwarding_path(ifname, path, sizeof(path)) < 0)
                return -EINVAL;
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, on ? "1" : "0", 1) != 1)
                return -errno;
        return 0;
}

/* The interfaces of the IPv4 default routes of the main table: "the host's
 * route to the outside". /proc/net/route lists exactly that table. */
static size_t default_route_links(char (*ret)[IFNAMSIZ], size_t max) {
        FILE *f = fopen("/proc/net/route", "re");
        char line[256];
        size_t n = 0;

        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f)) {
                char iface[IFNAMSIZ + 1];
                unsigned long dst, gw, mask;
                unsigned flags;
                bool dup = false;

                if (sscanf(line, "%16s %lx %lx %x %*d %*d %*d %lx", iface, &dst, &gw, &flags, &mask) != 5)
                        continue;       /* the header line */
                if (dst != 0 || mask != 0 || strlen(iface) >= IFNAMSIZ)
                        continue;
                for (size_t i = 0; i < n; i++)
                        dup = dup || streq(ret[i], iface);
                if (!dup && n < max)
                        snprintf(ret[n++], IFNAMSIZ, "%s", iface);
        }
        fclose(f);
        return n;
}

static int add_machine_table(struct nft_sock *s, const char *table, const struct address *prefixes, size_t n,
                             uint32_t flags, struct nb_error *err) {
        struct nft_batch *b = nft_batch_new(s);
        char what[320];
        int r;

        if (!b)
                return nb_error_set(err, ENOMEM, "masquerade");
        nft_add_table(b, NFPROTO_IPV4, table, flags);
        nft_add_base_chain(b, NFPROTO_IPV4, table, "postrouting", "nat", NF_INET_POST_ROUTING, PRIO_SRCNAT);
        for (size_t i = 0; i < n; i++) {
                struct nft_rule rule;

                /* ip saddr NET ip daddr != NET masquerade: traffic within the
                 * container's own network is never NATed. */
                nft_rule_begin(b, &rule, NFPROTO_IPV4, table, "postrouting");
                nft_expr_ip_prefix(&rule, offsetof(struct iphdr, saddr), prefixes[i].addr, prefixes[i].prefixlen, false);
                nft_expr_ip_prefix(&rule, offsetof(struct iphdr, daddr), prefixes[i].addr, prefixes[i].prefixlen, true);
                nft_expr_masq(&rule);
                nft_rule_end(&rule);
        }
        snprintf(what, sizeof(what), "create nftables table ip %s", table);
        r = nft_batch_commit(b, false, what, err);
        nft_batch_free(b);
        return r;
}

static int delete_table(struct nft_sock *s, const char *table, struct nb_error *err) {
        struct nft_batch *b = nft_batch_new(s);
        char what[320];
        int r;

        if (!b)
                return -ENOMEM;
        nft_del_table(b, NFPROTO_IPV4, table);
        snprintf(what, sizeof(what), "delete nftables table ip %s", table);
        r = nft_batch_commit(b, true, what, err);
        nft_batch_free(b);
        return r;
}

/* The shared table, made on first use with everything in it. */
static int shared_table_ensure(struct nft_sock *s, struct nb_error *err) {
        struct nft_batch *b;
        struct nft_rule rule;
        int r = nft_table_exists(s, NFPROTO_IPV4, SHARED_TABLE, err);

        if (r != 0)
                return r < 0 ? r : 0;
        b = nft_batch_new(s);
        if (!b)
                return nb_error_set(err, ENOMEM, "masquerade");
        nft_add_table(b, NFPROTO_IPV4, SHARED_TABLE, 0);
        nft_add_ifname_set(b, NFPROTO_IPV4, SHARED_TABLE, SET_GUARDED, 1);
        nft_add_ifname_set(b, NFPROTO_IPV4, SHARED_TABLE, SET_RESTORE, 2);
        nft_add_base_chain(b, NFPROTO_IPV4, SHARED_TABLE, "forward", "filter", NF_INET_FORWARD, PRIO_FILTER);
        /* iifname @guarded ct direction reply accept */
        nft_rule_begin(b, &rule, NFPROTO_IPV4, SHARED_TABLE, "forward");
        nft_expr_meta(&rule, NFT_META_IIFNAME);
        nft_expr_lookup(&rule, SET_GUARDED, 1);
        nft_expr_ct(&rule, NFT_CT_DIRECTION);
        nft_expr_cmp_eq_u8(&rule, CT_DIR_REPLY);
        nft_expr_verdict(&rule, NF_ACCEPT);
        nft_rule_end(&rule);
        /* iifname @guarded drop */
        nft_rule_begin(b, &rule, NFPROTO_IPV4, SHARED_TABLE, "forward");
        nft_expr_meta(&rule, NFT_META_IIFNAME);
        nft_expr_lookup(&rule, SET_GUARDED, 1);
        nft_expr_verdict(&rule, NF_DROP);
        nft_rule_end(&rule);
        r = nft_batch_commit(b, false, "create nftables table ip " SHARED_TABLE, err);
        nft_batch_free(b);
        return r;
}

/* Turns forwarding on for ifname unless it is on already; what nixbox
 * turns on is written down first (so a crash in between errs on the side of
 * restoring), and fenced when guard is set. */
static int enable_forwarding(struct nft_sock *s, const char *ifname, bool guard, struct nb_error *err) {
        struct nft_batch *b;
        int r = read_forwarding(ifname);

        if (r < 0)
                return nb_error_set(err, r, "masquerade: read net.ipv4.conf.%s.forwarding", ifname);
        if (r == 1)
                return 0;
        r = shared_table_ensure(s, err);
        if (r < 0)
                return r;
        b = nft_batch_new(s);
        if (!b)
                return nb_error_set(err, ENOMEM, "masquerade");
        nft_set_ifname(b, true, NFPROTO_IPV4, SHARED_TABLE, SET_RESTORE, ifname);
        if (guard)
                nft_set_ifname(b, true, NFPROTO_IPV4, SHARED_TABLE, SET_GUARDED, ifname);
        r = nft_batch_commit(b, false, "record forwarding in nftables table ip " SHARED_TABLE, err);
        nft_batch_free(b);
        if (r < 0)
                return r;
        r = write_forwarding(ifname, true);
        if (r < 0)
                return nb_error_set(err, r, "masquerade: turn on net.ipv4.conf.%s.forwarding", ifname);
        return 0;
}

/* When no machine table is left: forwarding back off where nixbox turned
 * it on, and the shared table away. Called under the network lock. */
static void last_one_out(struct nft_sock *s) {
        struct nb_error err = {0};
        char **names = NULL;
        size_t n = 0;
        bool others = false;

        if (nft_list_tables(s, NFPROTO_IPV4, &names, &n, &err) < 0)
                return;
        for (size_t i = 0; i < n; i++)
                others = others || startswith(names[i], MACHINE_TABLE);
        nft_strv_free(names, n);
        if (others || nft_table_exists(s, NFPROTO_IPV4, SHARED_TABLE, &err) <= 0)
                return;
        names = NULL;
        n = 0;
        if (nft_list_ifname_set(s, NFPROTO_IPV4, SHARED_TABLE, SET_RESTORE, &names, &n, &err) >= 0) {
                for (size_t i = 0; i < n; i++) {
                        int r = write_forwarding(names[i], false);
                        if (r < 0 && r != -ENOENT)
                                log_warn("turn off net.ipv4.conf.%s.forwarding: %s", names[i], strerror(-r));
                }
                nft_strv_free(names, n);
        }
        if (delete_table(s, SHARED_TABLE, &err) < 0)
                nb_error_print(&err);
}

int masq_setup(const char *machine, const char *link, bool link_is_ours, const struct address *prefixes, size_t n,
               struct nft_sock **ret, struct nb_error *err) {
        struct nft_sock *s = NULL;
        char table[320], uplinks[8][IFNAMSIZ];
        size_t n_up;
        int lock, r;

        r = nft_open(&s, err);
        if (r < 0)
                return r;
        snprintf(table, sizeof(table), MACHINE_TABLE "%s", machine);
        lock = network_lock();
        /* Owned by our socket: the kernel drops it when nixbox dies. */
        r = add_machine_table(s, table, prefixes, n, NFT_TABLE_F_OWNER, err);
        if (r == -EOPNOTSUPP || r == -EINVAL)
                r = add_machine_table(s, table, prefixes, n, 0, err);   /* kernel < 5.12: swept by the next run */
        if (r < 0)
                goto fail;

        if (link_is_ours) {
                r = write_forwarding(link, true);
                if (r < 0) {
                        nb_error_set(err, r, "masquerade: turn on net.ipv4.conf.%s.forwarding", link);
                        goto fail;
                }
        } else if ((r = enable_forwarding(s, link, false, err)) < 0)
                goto fail;

        n_up = default_route_links(uplinks, ELEMENTSOF(uplinks));
        if (n_up == 0)
                log_warn("masquerade: the host has no IPv4 default route; the container's traffic is NATed "
                         "but not forwarded anywhere yet");
        for (size_t i = 0; i < n_up; i++)
                if (!streq(uplinks[i], link) && (r = enable_forwarding(s, uplinks[i], true, err)) < 0)
                        goto fail;
        network_unlock(lock);
        *ret = s;
        return 0;

fail:
        {
                struct nb_error ignored = {0};
                (void) delete_table(s, table, &ignored);
                last_one_out(s);
        }
        network_unlock(lock);
        nft_close(s);
        return r;
}

void masq_cleanup(const char *machine, struct nft_sock *s) {
        struct nb_error err = {0};
        char table[320];
        int lock;

        if (!s)
                return;
        snprintf(table, sizeof(table), MACHINE_TABLE "%s", machine);
        lock = network_lock();
        if (delete_table(s, table, &err) < 0)
                nb_error_print(&err);
        last_one_out(s);
        network_unlock(lock);
        nft_close(s);
}

void masq_sweep(const char *machine) {
        struct nb_error err = {0};
        struct nft_sock *s = NULL;
        char table[320];
        int lock;

        if (nft_open(&s, &err) < 0)
                return;
        snprintf(table, sizeof(table), MACHINE_TABLE "%s", machine);
        lock = network_lock();
        /* Only a table without an owner can be here: the machine lock says
         * that no nixbox of this machine is alive. */
        if (nft_table_exists(s, NFPROTO_IPV4, table, &err) > 0)
                (void) delete_table(s, table, &err);
        last_one_out(s);
        network_unlock(lock);
        nft_close(s);
}
