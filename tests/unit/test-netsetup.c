/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netsetup's pure helpers: nspawn's MAC derivation and interface-name
 * shortening, machine-id and MAC parsing. The expected values were computed
 * once with an independent SipHash-2-4 in Python (checked against the
 * SipHash paper's vector) following systemd's generate_mac() and
 * net_shorten_ifname(), and are hard-coded here. They agree with what
 * systemd-nspawn 252 did on a test machine (ve-/host0/veth-extra MACs, the
 * shortened name and its altname).
 *
 * The socket checks only read (the "lo" link exists in every namespace), so
 * they are safe wherever the test runs; writes are in
 * tests/integration/50-netsetup.sh. */
#include <fcntl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <sys/socket.h>

#include "netsetup.h"
#include "siphash24.h"
#include "unit.h"

static const char *mac_of(const uint8_t id[16], const char *machine, enum net_mac_key key, uint64_t idx) {
        static char buf[18];
        struct ether_addr mac;

        net_generate_mac(id, machine, key, idx, &mac);
        return net_mac_to_string(&mac, buf);
}

static const char *shortened(const char *name) {
        static char buf[IFNAMSIZ];

        net_shorten_ifname(name, buf);
        return buf;
}

static void check_sockets(void) {
        struct nl_sock *s = NULL;
        struct nb_error err = { .errnum = 0 };
        struct nl_link lo, *links = NULL;
        size_t n = 0;
        int fd;

        CHECK("nl_open", nl_open(&s, &err) == 0 && s);
        if (!s)
                return;
        CHECK("get lo", nl_link_get(s, "lo", &lo, &err) == 0);
        CHECK("lo is ifindex 1", lo.ifindex == 1 && lo.mtu > 0 && lo.has_mac);
        CHECK_STREQ("lo name", lo.name, "lo");
        CHECK("missing link", nl_link_get(s, "nb-no-such-link", NULL, &err) == -ENODEV);
        CHECK_STREQ("missing link message", err.msg, "look up link nb-no-such-link");
        CHECK("empty name", nl_link_index(s, "", &err) == -ENODEV);
        CHECK("list", nl_link_list(s, &links, &n, &err) == 0 && n >= 1 && links[0].ifindex == 1);
        free(links);
        /* Several requests on one socket: sequence numbers keep replies apart. */
        for (int i = 0; i < 3; i++)
                CHECK("index again", nl_link_index(s, "lo", &err) == 1);
        s = nl_close(s);

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        CHECK("adopt socket", fd >= 0 && nl_open_fd(&s, fd, &err) == 0);
        if (s)
                CHECK("adopted socket works", nl_link_index(s, "lo", &err) == 1);
        s = nl_close(s);

        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        CHECK("refuse non-netlink fd", nl_open_fd(&s, fd, &err) == -ENOTSOCK && !s);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        CHECK("refuse other netlink family", nl_open_fd(&s, fd, &err) == -EPROTOTYPE && !s);

        /* Joining a namespace needs CAP_SYS_ADMIN; our own is enough to
         * exercise the thread. */
        if (geteuid() == 0) {
                fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
                CHECK("open in netns", fd >= 0 && nl_open_netns(&s, fd, &err) == 0);
                if (s)
                        CHECK("netns socket works", nl_link_index(s, "lo", &err) == 1);
                s = nl_close(s);
                if (fd >= 0)
                        close(fd);
        }
        CHECK("join bad fd", nl_open_netns(&s, 0 + 1000, &err) == -EBADF && !s);
}

int main(void) {
        uint8_t id[16], id2[16], k[16], msg[15];
        char name[IFNAMSIZ], alt[ALTIFNAMSIZ], buf[18];
        struct ether_addr mac;

        /* SipHash paper, appendix A: key 00..0f, message 00..0e. */
        for (int i = 0; i < 16; i++)
                k[i] = (uint8_t) i;
        for (int i = 0; i < 15; i++)
                msg[i] = (uint8_t) i;
        CHECK("siphash24 paper vector", siphash24(msg, sizeof(msg), k) == 0xa129ca6149be45e5ULL);

        CHECK("parse machine id", net_parse_machine_id("0123456789abcdef0123456789abcdef\n", id) == 0);
        CHECK("machine id bytes", id[0] == 0x01 && id[1] == 0x23 && id[15] == 0xef);
        CHECK("machine id upper case", net_parse_machine_id("3D1219C7C4C5404AAA1F6D2A48ADFDA4", id2) == 0);
        CHECK("machine id too short", net_parse_machine_id("0123", id2) == -EINVAL);
        CHECK("machine id not hex", net_parse_machine_id("0123456789abcdef0123456789abcdeg", id2) == -EINVAL);
        CHECK("machine id zero",
              net_parse_machine_id("00000000000000000000000000000000", id2) == -ENOMEDIUM);
        CHECK("machine id uninitialized", net_parse_machine_id("uninitialized\n", id2) == -EINVAL);

        /* Every key, machine "foo", machine-id 0123...cdef. */
        CHECK_STREQ("mac host", mac_of(id, "foo", NET_MAC_HOST, 0), "8a:68:08:2a:1a:13");
        CHECK_STREQ("mac container", mac_of(id, "foo", NET_MAC_CONTAINER, 0), "b2:6d:7c:0e:dc:94");
        CHECK_STREQ("mac veth-extra host", mac_of(id, "foo", NET_MAC_VETH_EXTRA_HOST, 0), "5e:61:46:eb:04:c1");
        CHECK_STREQ("mac veth-extra container", mac_of(id, "foo", NET_MAC_VETH_EXTRA_CONTAINER, 0),
                    "ee:db:2c:a1:c5:8c");
        CHECK_STREQ("mac macvlan", mac_of(id, "foo", NET_MAC_MACVLAN, 0), "ce:4f:81:5c:e1:91");
        /* idx > 0 appends le64(idx); idx 0 appends nothing. */
        CHECK_STREQ("mac veth-extra host idx 1", mac_of(id, "foo", NET_MAC_VETH_EXTRA_HOST, 1), "7e:93:1c:b3:2b:25");
        CHECK_STREQ("mac veth-extra container idx 1", mac_of(id, "foo", NET_MAC_VETH_EXTRA_CONTAINER, 1),
                    "32:0f:9c:2f:73:c6");
        CHECK_STREQ("mac veth-extra host idx 2", mac_of(id, "foo", NET_MAC_VETH_EXTRA_HOST, 2), "b2:ef:fa:4e:06:9d");
        CHECK_STREQ("mac host other id", mac_of(id2, "nixos", NET_MAC_HOST, 0), "3e:4c:e4:26:54:86");
        CHECK_STREQ("mac container other id", mac_of(id2, "nixos", NET_MAC_CONTAINER, 0), "62:1b:c1:0b:19:92");
        net_generate_mac(id2, "x", NET_MAC_HOST, 0, &mac);
        CHECK("mac is unicast and local", (mac.ether_addr_octet[0] & 3) == 2);

        CHECK_STREQ("short name unchanged", shortened("ve-foo"), "ve-foo");
        CHECK_STREQ("15 bytes unchanged", shortened("ve-123456789012"), "ve-123456789012");
        CHECK_STREQ("16 bytes shortened", shortened("ve-1234567890123"), "ve-123456782shn");
        CHECK_STREQ("long ve- name", shortened("ve-averyveryverylongmachinename"), "ve-averyvermBQ8");
        CHECK_STREQ("long vb- name", shortened("vb-averyveryverylongmachinename"), "vb-averyverZZ6y");
        CHECK_STREQ("16 bytes plain", shortened("0123456789abcdef"), "0123456789al4K4");
        CHECK("shorten reports change", net_shorten_ifname("ve-1234567890123", name));
        CHECK("shorten reports no change", !net_shorten_ifname("ve-foo", name));

        net_veth_host_ifname("foo", false, name, alt);
        CHECK_STREQ("veth name", name, "ve-foo");
        CHECK_STREQ("veth name no altname", alt, "");
        net_veth_host_ifname("averyveryverylongmachinename", true, name, alt);
        CHECK_STREQ("bridge veth name", name, "vb-averyverZZ6y");
        CHECK_STREQ("bridge veth altname", alt, "vb-averyveryverylongmachinename");

        CHECK("parse mac", net_parse_mac("02:AA:bb:0c:dd:ee", &mac) == 0);
        CHECK_STREQ("format mac", net_mac_to_string(&mac, buf), "02:aa:bb:0c:dd:ee");
        CHECK("mac too short", net_parse_mac("02:aa:bb:0c:dd:e", &mac) == -EINVAL);
        CHECK("mac wrong separator", net_parse_mac("02-aa-bb-0c-dd-ee", &mac) == -EINVAL);
        CHECK("mac not hex", net_parse_mac("02:aa:bb:0c:dd:eg", &mac) == -EINVAL);

        check_sockets();
        UNIT_END();
}
