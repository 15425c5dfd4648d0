/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-nspawn's naming rules, so that a container gets the same MACs and
 * interface names under nixbox as under nspawn (systemd's generate_mac() and
 * net_shorten_ifname(); keys from src/nspawn/nspawn-network.c). */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>

#include "machine-id.h"
#include "netsetup.h"
#include "siphash24.h"

static const uint8_t mac_keys[][16] = {
        [NET_MAC_HOST] =                 { 0x1a, 0x37, 0x6f, 0xc7, 0x46, 0xec, 0x45, 0x0b,
                                           0xad, 0xa3, 0xd5, 0x31, 0x06, 0x60, 0x5d, 0xb1 },
        [NET_MAC_CONTAINER] =            { 0xc3, 0xc4, 0xf9, 0x19, 0xb5, 0x57, 0xb2, 0x1c,
                                           0xe6, 0xcf, 0x14, 0x27, 0x03, 0x9c, 0xee, 0xa2 },
        [NET_MAC_VETH_EXTRA_HOST] =      { 0x48, 0xc7, 0xf6, 0xb7, 0xea, 0x9d, 0x4c, 0x9e,
                                           0xb7, 0x28, 0xd4, 0xde, 0x91, 0xd5, 0xbf, 0x66 },
        [NET_MAC_VETH_EXTRA_CONTAINER] = { 0xaf, 0x50, 0x17, 0x61, 0xce, 0xf9, 0x4d, 0x35,
                                           0x84, 0x0d, 0x2b, 0x20, 0x54, 0xbe, 0xce, 0x59 },
        [NET_MAC_MACVLAN] =              { 0x00, 0x13, 0x6d, 0xbc, 0x66, 0x83, 0x44, 0x81,
                                           0xbb, 0x0c, 0xf9, 0x51, 0x1f, 0x24, 0xa6, 0x6f },
};

static const uint8_t shorten_key[16] = { 0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51,
                                         0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc, 0xa2 };

/* Longest machine name we hash; nspawn's are host names (<= 64 bytes). */
#define MACHINE_MAX 256

void net_generate_mac(const uint8_t machine_id[16], const char *machine, enum net_mac_key key, uint64_t idx,
                      struct ether_addr *ret) {
        uint8_t v[16 + MACHINE_MAX + 8];
        size_t l = strlen(machine), n = 0;
        uint64_t h;

        assert((size_t) key < ELEMENTSOF(mac_keys));
        assert(l <= MACHINE_MAX);

        memcpy(v, machine_id, 16);
        n += 16;
        memcpy(v + n, machine, l);
        n += l;
        /* The index is only appended for the second and later links, so
         * index 0 hashes like nspawn's single --network-veth link. */
        if (idx > 0)
                for (int i = 0; i < 8; i++)
                        v[n++] = (uint8_t) (idx >> (8 * i));

        /* nspawn stores the hash little-endian and takes its first 6 bytes:
         * the low 48 bits, lowest byte first. */
        h = siphash24(v, n, mac_keys[key]);
        for (int i = 0; i < ETH_ALEN; i++)
                ret->ether_addr_octet[i] = (uint8_t) (h >> (8 * i));
        ret->ether_addr_octet[0] &= 0xfe;   /* unicast */
        ret->ether_addr_octet[0] |= 0x02;   /* locally administered */
}

static char urlsafe_base64char(uint64_t x) {
        static const char table[64] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        return table[x & 63];
}

bool net_shorten_ifname(const char *name, char ret[IFNAMSIZ]) {
        size_t l = strlen(name);
        uint64_t h;

        if (l < IFNAMSIZ) {
                memcpy(ret, name, l + 1);
                return false;
        }
        /* Keep the first 11 bytes, then the low 24 bits of the hash as four
         * base64 characters, most significant first. */
        h = siphash24(name, l, shorten_key);
        memcpy(ret, name, IFNAMSIZ - 5);
        ret[IFNAMSIZ - 5] = urlsafe_base64char(h >> 18);
        ret[IFNAMSIZ - 4] = urlsafe_base64char(h >> 12);
        ret[IFNAMSIZ - 3] = urlsafe_base64char(h >> 6);
        ret[IFNAMSIZ - 2] = urlsafe_base64char(h);
        ret[IFNAMSIZ - 1] = 0;
        return true;
}

void net_veth_host_ifname(const char *machine, bool bridge, char ret[IFNAMSIZ], char altname[ALTIFNAMSIZ]) {
        char full[ALTIFNAMSIZ];

        snprintf(full, sizeof(full), "%s%s", bridge ? "vb-" : "ve-", machine);
        if (net_shorten_ifname(full, ret))
                memcpy(altname, full, strlen(full) + 1);
        else
                altname[0] = 0;
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int net_parse_machine_id(const char *s, uint8_t ret[16]) {
        char hex[33];
        int r = machine_id_parse(s, hex);

        if (r < 0)
                return r;
        machine_id_to_bytes(hex, ret);
        return 0;
}

int net_read_machine_id(uint8_t ret[16], struct nb_error *err) {
        _cleanup_close_ int fd = -1;
        char buf[64];
        ssize_t n;
        int r;

        fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return nb_error_set(err, errno, "open /etc/machine-id");
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return nb_error_set(err, errno, "read /etc/machine-id");
        buf[n] = 0;
        r = net_parse_machine_id(buf, ret);
        if (r == -ENOMEDIUM || n == 0 || startswith(buf, "uninitialized"))
                return nb_error_set(err, ENOMEDIUM, "/etc/machine-id is not initialized");
        if (r < 0)
                return nb_error_set(err, r, "parse /etc/machine-id");
        return 0;
}

const char *net_mac_to_string(const struct ether_addr *mac, char buf[18]) {
        const uint8_t *a = mac->ether_addr_octet;

        snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5]);
        return buf;
}

int net_parse_mac(const char *s, struct ether_addr *ret) {
        struct ether_addr m;

        if (strlen(s) != 17)
                return -EINVAL;
        for (int i = 0; i < ETH_ALEN; i++) {
                int hi = unhex(s[3 * i]), lo = unhex(s[3 * i + 1]);
                if (hi < 0 || lo < 0 || (i < ETH_ALEN - 1 && s[3 * i + 2] != ':'))
                        return -EINVAL;
                m.ether_addr_octet[i] = (uint8_t) (hi << 4 | lo);
        }
        *ret = m;
        return 0;
}
