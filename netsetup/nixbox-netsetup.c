/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nixbox-netsetup: the netsetup library's operations on the command line,
 * for scripts, tests and debugging. Syntax in docs/netsetup.md and --help. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

#include "netsetup.h"

#define EXIT_USAGE 2

static const char *program = "nixbox-netsetup";

static void help(void) {
        printf("Usage: %s [--netns PID|PATH] COMMAND [ARGS...]\n"
               "\n"
               "Runs one rtnetlink operation, in the caller's network namespace or in the\n"
               "one of process PID / of the namespace file PATH (--netns, -n).\n"
               "\n"
               "Links:\n"
               "  link show [DEV]                    list links (or one link)\n"
               "  link set DEV ACTION...             apply ACTIONs in the order given:\n"
               "       up | down | mtu N | address MAC | name NEW | master BRIDGE | nomaster\n"
               "       | netns PID|PATH\n"
               "  link del DEV                       delete a link (both ends of a veth)\n"
               "  veth NAME PEER [address MAC] [peer-address MAC] [peer-netns PID|PATH]\n"
               "                                     create a veth pair, PEER directly in PID's netns\n"
               "  macvlan NAME PARENT [address MAC] [netns PID|PATH]\n"
               "                                     macvlan (bridge mode) on PARENT, made in PID's netns\n"
               "  ipvlan NAME PARENT [netns PID|PATH]  ipvlan (L2 mode) on PARENT, made in PID's netns\n"
               "  bridge add NAME                    create a bridge\n"
               "  altname add|del DEV ALTNAME        add/remove an alternative name\n"
               "\n"
               "Addresses and routes:\n"
               "  addr add|del DEV ADDR[/PREFIX]     IPv4 or IPv6 (IPv6 without DAD)\n"
               "  route add|del default|DST[/PREFIX] [via GW] [dev DEV]\n"
               "\n"
               "systemd-nspawn naming (no netlink):\n"
               "  mac MACHINE host|container|veth-extra-host|veth-extra-container|macvlan\n"
               "      [index N] [machine-id HEX]     the MAC nspawn derives (default: /etc/machine-id)\n"
               "  shorten NAME                       the interface name nspawn makes of NAME\n"
               "  veth-name MACHINE [bridge]         host-side veth name, and the altname if shortened\n"
               "\n"
               "Exit status: 0 success, 1 the operation failed, 2 usage error.\n",
               program);
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s --help'.\n", program);
        return EXIT_USAGE;
}

static int fail(const struct nb_error *e) {
        if (e->errnum > 0)
                fprintf(stderr, "%s: %s: %s\n", program, e->msg, strerror(e->errnum));
        else
                fprintf(stderr, "%s: %s\n", program, e->msg);
        return 1;
}

static bool is_number(const char *s) {
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

static int parse_unsigned(const char *s, unsigned *ret) {
        char *end;
        unsigned long v;

        if (!is_number(s))
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || *end || v > UINT32_MAX)
                return -ERANGE;
        *ret = (unsigned) v;
        return 0;
}

/* "PID" -> /proc/PID/ns/net, anything else is a namespace file. */
static int open_netns(const char *arg, struct nb_error *err) {
        char path[64];
        int fd;

        if (is_number(arg)) {
                snprintf(path, sizeof(path), "/proc/%s/ns/net", arg);
                arg = path;
        }
        fd = open(arg, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return nb_error_set(err, errno, "open network namespace %s", arg);
        return fd;
}

/* For links moved or created elsewhere: a PID is passed as such (like
 * nspawn does), a path as an fd, which the caller closes. */
static int parse_netns_target(const char *arg, struct nl_netns *ret, struct nb_error *err) {
        unsigned pid;

        if (parse_unsigned(arg, &pid) >= 0 && pid > 0) {
                *ret = (struct nl_netns) { .pid = (pid_t) pid, .fd = -1 };
                return 0;
        }
        ret->pid = 0;
        ret->fd = open_netns(arg, err);
        return ret->fd < 0 ? ret->fd : 0;
}

static int parse_mac_arg(const char *s, struct ether_addr *ret) {
        if (net_parse_mac(s, ret) < 0)
                return usage_error("invalid MAC address \"%s\"", s);
        return 0;
}

struct ipaddr {
        int family;
        unsigned char addr[16];
        unsigned prefixlen;
};

static int parse_ipaddr(const char *s, bool prefix_allowed, struct ipaddr *ret) {
        char buf[INET6_ADDRSTRLEN + 8];
        char *slash;

        if (strlen(s) >= sizeof(buf))
                return -EINVAL;
        strcpy(buf, s);
        slash = strchr(buf, '/');
        if (slash) {
                if (!prefix_allowed)
                        return -EINVAL;
                *slash = 0;
        }
        if (inet_pton(AF_INET, buf, ret->addr) == 1)
                ret->family = AF_INET;
        else if (inet_pton(AF_INET6, buf, ret->addr) == 1)
                ret->family = AF_INET6;
        else
                return -EINVAL;
        ret->prefixlen = ret->family == AF_INET ? 32 : 128;
        if (slash) {
                unsigned p;
                if (parse_unsigned(slash + 1, &p) < 0 || p > ret->prefixlen)
                        return -EINVAL;
                ret->prefixlen = p;
        }
        return 0;
}

static void print_link(const struct nl_link *l, const struct nl_link *all, size_t n) {
        char mac[18];

        printf("%d %s", l->ifindex, l->name);
        if (l->kind[0])
                printf(" kind=%s", l->kind);
        printf(" mtu=%u", l->mtu);
        if (l->has_mac)
                printf(" address=%s", net_mac_to_string(&l->mac, mac));
        printf(" state=%s", l->flags & IFF_UP ? "up" : "down");
        if (l->master > 0) {
                const char *m = NULL;
                for (size_t i = 0; i < n; i++)
                        if (all[i].ifindex == l->master)
                                m = all[i].name;
                if (m)
                        printf(" master=%s", m);
                else
                        printf(" master=%d", l->master);
        }
        printf("\n");
}

static int cmd_link_show(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        struct nl_link *links = NULL;
        size_t n = 0;
        int r;

        if (argc > 1)
                return usage_error("link show: too many arguments");
        r = nl_link_list(s, &links, &n, err);
        if (r < 0)
                return fail(err);
        if (argc == 1) {
                struct nl_link one;
                r = nl_link_get(s, argv[0], &one, err);
                if (r >= 0)
                        print_link(&one, links, n);
        } else
                for (size_t i = 0; i < n; i++)
                        print_link(&links[i], links, n);
        free(links);
        return r < 0 ? fail(err) : 0;
}

static int cmd_link_set(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        char name[ALTIFNAMSIZ];
        int r = 0;

        if (argc < 2)
                return usage_error("link set: expected DEV and at least one action");
        snprintf(name, sizeof(name), "%s", argv[0]);
        /* Check the whole line before changing anything. */
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (streq(a, "up") || streq(a, "down") || streq(a, "nomaster"))
                        continue;
                if (!streq(a, "mtu") && !streq(a, "address") && !streq(a, "name") && !streq(a, "master") &&
                    !streq(a, "netns"))
                        return usage_error("link set: unknown action \"%s\"", a);
                if (++i >= argc)
                        return usage_error("link set: %s needs a value", a);
        }
        for (int i = 1; i < argc && r >= 0; i++) {
                const char *a = argv[i];
                if (streq(a, "up") || streq(a, "down"))
                        r = nl_link_set_up(s, name, streq(a, "up"), err);
                else if (streq(a, "nomaster"))
                        r = nl_link_set_master(s, name, NULL, err);
                else if (streq(a, "master"))
                        r = nl_link_set_master(s, name, argv[++i], err);
                else if (streq(a, "mtu")) {
                        unsigned mtu;
                        if (parse_unsigned(argv[++i], &mtu) < 0)
                                return usage_error("link set: invalid mtu \"%s\"", argv[i]);
                        r = nl_link_set_mtu(s, name, mtu, err);
                } else if (streq(a, "address")) {
                        struct ether_addr mac;
                        if (parse_mac_arg(argv[++i], &mac) != 0)
                                return EXIT_USAGE;
                        r = nl_link_set_mac(s, name, &mac, err);
                } else if (streq(a, "name")) {
                        r = nl_link_rename(s, name, argv[++i], err);
                        if (r >= 0)
                                snprintf(name, sizeof(name), "%s", argv[i]);
                } else if (streq(a, "netns")) {
                        struct nl_netns ns;
                        r = parse_netns_target(argv[++i], &ns, err);
                        if (r >= 0) {
                                r = nl_link_set_netns(s, name, &ns, err);
                                if (ns.fd >= 0)
                                        close(ns.fd);
                        }
                }
        }
        return r < 0 ? fail(err) : 0;
}

static int cmd_link(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        if (argc < 1)
                return usage_error("link: expected show, set or del");
        if (streq(argv[0], "show") || streq(argv[0], "list"))
                return cmd_link_show(s, argc - 1, argv + 1, err);
        if (streq(argv[0], "set"))
                return cmd_link_set(s, argc - 1, argv + 1, err);
        if (streq(argv[0], "del") || streq(argv[0], "delete")) {
                if (argc != 2)
                        return usage_error("link del: expected DEV");
                return nl_link_del(s, argv[1], err) < 0 ? fail(err) : 0;
        }
        return usage_error("link: unknown subcommand \"%s\"", argv[0]);
}

static int cmd_veth(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        struct ether_addr mac, peer_mac;
        struct nl_netns ns = { .fd = -1 };
        struct nl_veth v = { .name = NULL };
        int r;

        if (argc < 2)
                return usage_error("veth: expected NAME and PEER");
        v.name = argv[0];
        v.peer = argv[1];
        for (int i = 2; i < argc; i += 2) {
                const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
                if (!val)
                        return usage_error("veth: %s needs a value", k);
                if (streq(k, "address")) {
                        if (parse_mac_arg(val, &mac) != 0)
                                return EXIT_USAGE;
                        v.mac = &mac;
                } else if (streq(k, "peer-address")) {
                        if (parse_mac_arg(val, &peer_mac) != 0)
                                return EXIT_USAGE;
                        v.peer_mac = &peer_mac;
                } else if (streq(k, "peer-netns")) {
                        if (v.peer_netns)
                                return usage_error("veth: %s given twice", k);
                        if (parse_netns_target(val, &ns, err) < 0)
                                return fail(err);
                        v.peer_netns = &ns;
                } else
                        return usage_error("veth: unknown argument \"%s\"", k);
        }
        r = nl_veth_add(s, &v, err);
        if (ns.fd >= 0)
                close(ns.fd);
        return r < 0 ? fail(err) : 0;
}

static int cmd_stacked(struct nl_sock *s, bool macvlan, int argc, char **argv, struct nb_error *err) {
        const char *cmd = macvlan ? "macvlan" : "ipvlan";
        struct nl_netns ns = { .fd = -1 };
        bool have_ns = false;
        struct ether_addr mac;
        bool have_mac = false;
        int r;

        if (argc < 2)
                return usage_error("%s: expected NAME and PARENT", cmd);
        for (int i = 2; i < argc; i += 2) {
                const char *k = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
                if (!val)
                        return usage_error("%s: %s needs a value", cmd, k);
                if (macvlan && streq(k, "address")) {
                        if (parse_mac_arg(val, &mac) != 0)
                                return EXIT_USAGE;
                        have_mac = true;
                } else if (streq(k, "netns") && !have_ns) {
                        if (parse_netns_target(val, &ns, err) < 0)
                                return fail(err);
                        have_ns = true;
                } else
                        return usage_error("%s: unexpected argument \"%s\"", cmd, k);
        }
        if (macvlan)
                r = nl_macvlan_add(s, argv[0], argv[1], have_mac ? &mac : NULL, have_ns ? &ns : NULL, err);
        else
                r = nl_ipvlan_add(s, argv[0], argv[1], have_ns ? &ns : NULL, err);
        if (ns.fd >= 0)
                close(ns.fd);
        return r < 0 ? fail(err) : 0;
}

static int cmd_bridge(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        if (argc != 2 || !streq(argv[0], "add"))
                return usage_error("bridge: expected add NAME");
        return nl_bridge_add(s, argv[1], err) < 0 ? fail(err) : 0;
}

static int cmd_altname(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        int r;

        if (argc != 3 || (!streq(argv[0], "add") && !streq(argv[0], "del")))
                return usage_error("altname: expected add|del DEV ALTNAME");
        if (streq(argv[0], "add"))
                r = nl_link_add_altname(s, argv[1], argv[2], err);
        else
                r = nl_link_del_altname(s, argv[1], argv[2], err);
        return r < 0 ? fail(err) : 0;
}

static int cmd_addr(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        struct ipaddr a;
        int r;

        if (argc != 3 || (!streq(argv[0], "add") && !streq(argv[0], "del")))
                return usage_error("addr: expected add|del DEV ADDR[/PREFIX]");
        if (parse_ipaddr(argv[2], true, &a) < 0)
                return usage_error("addr: invalid address \"%s\"", argv[2]);
        if (streq(argv[0], "add"))
                r = nl_addr_add(s, argv[1], a.family, a.addr, a.prefixlen, err);
        else
                r = nl_addr_del(s, argv[1], a.family, a.addr, a.prefixlen, err);
        return r < 0 ? fail(err) : 0;
}

static int cmd_route(struct nl_sock *s, int argc, char **argv, struct nb_error *err) {
        struct ipaddr dst = { .family = AF_UNSPEC }, gw = { .family = AF_UNSPEC };
        const char *dev = NULL;
        bool is_default = false;
        int family, r;

        if (argc < 2 || (!streq(argv[0], "add") && !streq(argv[0], "del")))
                return usage_error("route: expected add|del default|DST[/PREFIX] [via GW] [dev DEV]");
        if (streq(argv[1], "default"))
                is_default = true;
        else if (parse_ipaddr(argv[1], true, &dst) < 0)
                return usage_error("route: invalid destination \"%s\"", argv[1]);
        for (int i = 2; i < argc; i += 2) {
                if (i + 1 >= argc)
                        return usage_error("route: %s needs a value", argv[i]);
                if (streq(argv[i], "via")) {
                        if (parse_ipaddr(argv[i + 1], false, &gw) < 0)
                                return usage_error("route: invalid gateway \"%s\"", argv[i + 1]);
                } else if (streq(argv[i], "dev"))
                        dev = argv[i + 1];
                else
                        return usage_error("route: unknown argument \"%s\"", argv[i]);
        }
        if (streq(argv[0], "add") && gw.family == AF_UNSPEC && !dev)
                return usage_error("route: needs via GW or dev DEV");
        family = !is_default ? dst.family : gw.family != AF_UNSPEC ? gw.family : AF_INET;
        if (gw.family != AF_UNSPEC && gw.family != family)
                return usage_error("route: destination and gateway differ in address family");

        if (streq(argv[0], "add"))
                r = nl_route_add(s, family, is_default ? NULL : dst.addr, is_default ? 0 : dst.prefixlen,
                                 gw.family != AF_UNSPEC ? gw.addr : NULL, dev, err);
        else
                r = nl_route_del(s, family, is_default ? NULL : dst.addr, is_default ? 0 : dst.prefixlen,
                                 gw.family != AF_UNSPEC ? gw.addr : NULL, dev, err);
        return r < 0 ? fail(err) : 0;
}

static int cmd_mac(int argc, char **argv, struct nb_error *err) {
        static const char *const kinds[] = {
                [NET_MAC_HOST] = "host",
                [NET_MAC_CONTAINER] = "container",
                [NET_MAC_VETH_EXTRA_HOST] = "veth-extra-host",
                [NET_MAC_VETH_EXTRA_CONTAINER] = "veth-extra-container",
                [NET_MAC_MACVLAN] = "macvlan",
        };
        uint8_t id[16];
        bool have_id = false;
        struct ether_addr mac;
        unsigned long long idx = 0;
        char buf[18];
        int kind = -1;

        if (argc < 2)
                return usage_error("mac: expected MACHINE and a kind");
        if (strlen(argv[0]) == 0 || strlen(argv[0]) > 64)
                return usage_error("mac: invalid machine name \"%s\"", argv[0]);
        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                if (streq(argv[1], kinds[k]))
                        kind = (int) k;
        if (kind < 0)
                return usage_error("mac: unknown kind \"%s\"", argv[1]);
        for (int i = 2; i < argc; i += 2) {
                if (i + 1 >= argc)
                        return usage_error("mac: %s needs a value", argv[i]);
                if (streq(argv[i], "index")) {
                        char *end;
                        errno = 0;
                        idx = strtoull(argv[i + 1], &end, 10);
                        if (errno || *end || !is_number(argv[i + 1]))
                                return usage_error("mac: invalid index \"%s\"", argv[i + 1]);
                } else if (streq(argv[i], "machine-id")) {
                        if (net_parse_machine_id(argv[i + 1], id) < 0)
                                return usage_error("mac: invalid machine ID \"%s\"", argv[i + 1]);
                        have_id = true;
                } else
                        return usage_error("mac: unknown argument \"%s\"", argv[i]);
        }
        if (!have_id && net_read_machine_id(id, err) < 0)
                return fail(err);
        net_generate_mac(id, argv[0], (enum net_mac_key) kind, idx, &mac);
        printf("%s\n", net_mac_to_string(&mac, buf));
        return 0;
}

static int cmd_shorten(int argc, char **argv) {
        char name[IFNAMSIZ];

        if (argc != 1)
                return usage_error("shorten: expected NAME");
        net_shorten_ifname(argv[0], name);
        printf("%s\n", name);
        return 0;
}

static int cmd_veth_name(int argc, char **argv) {
        char name[IFNAMSIZ], alt[ALTIFNAMSIZ];

        if (argc < 1 || argc > 2 || (argc == 2 && !streq(argv[1], "bridge")))
                return usage_error("veth-name: expected MACHINE [bridge]");
        net_veth_host_ifname(argv[0], argc == 2, name, alt);
        printf("%s%s%s\n", name, alt[0] ? " " : "", alt);
        return 0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "help",    no_argument,       NULL, 'h' },
                { "netns",   required_argument, NULL, 'n' },
                { "version", no_argument,       NULL, 'V' },
                {}
        };
        _cleanup_nl_sock_ struct nl_sock *s = NULL;
        struct nb_error err = { .errnum = 0 };
        const char *netns = NULL, *cmd;
        int c, r;

        /* '+': options stop at the command, so "route add ... dev x" and
         * negative-looking values are left alone. */
        while ((c = getopt_long(argc, argv, "+hn:V", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case 'n':
                        netns = optarg;
                        break;
                case 'V':
                        printf("%s %s\n", program, NIXBOX_VERSION);
                        return 0;
                default:
                        return usage_error("invalid option");
                }
        if (optind >= argc)
                return usage_error("missing command");
        cmd = argv[optind];
        argc -= optind + 1;
        argv += optind + 1;

        /* Commands that need no socket. */
        if (streq(cmd, "mac"))
                return cmd_mac(argc, argv, &err);
        if (streq(cmd, "shorten"))
                return cmd_shorten(argc, argv);
        if (streq(cmd, "veth-name"))
                return cmd_veth_name(argc, argv);
        if (streq(cmd, "help"))
                return help(), 0;

        if (!streq(cmd, "link") && !streq(cmd, "veth") && !streq(cmd, "macvlan") && !streq(cmd, "ipvlan") &&
            !streq(cmd, "bridge") && !streq(cmd, "altname") && !streq(cmd, "addr") && !streq(cmd, "route"))
                return usage_error("unknown command \"%s\"", cmd);

        if (netns) {
                _cleanup_close_ int fd = open_netns(netns, &err);
                if (fd < 0)
                        return fail(&err);
                r = nl_open_netns(&s, fd, &err);
        } else
                r = nl_open(&s, &err);
        if (r < 0)
                return fail(&err);

        if (streq(cmd, "link"))
                return cmd_link(s, argc, argv, &err);
        if (streq(cmd, "veth"))
                return cmd_veth(s, argc, argv, &err);
        if (streq(cmd, "macvlan") || streq(cmd, "ipvlan"))
                return cmd_stacked(s, streq(cmd, "macvlan"), argc, argv, &err);
        if (streq(cmd, "bridge"))
                return cmd_bridge(s, argc, argv, &err);
        if (streq(cmd, "altname"))
                return cmd_altname(s, argc, argv, &err);
        if (streq(cmd, "route"))
                return cmd_route(s, argc, argv, &err);
        return cmd_addr(s, argc, argv, &err);
}
