/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: ports, addresses, interface names and pairs, host names (see
 * parse-util.h for the conventions). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "options.h"

struct nb_error;

/* [tcp:|udp:]HOST[:CONTAINER], ports 1..65535, container port = host port
 * when omitted (nspawn's expose_port_parse). Rejects "", "-1", ":",
 * "icmp:80", "tcp::8080", "8080:". Duplicates are the caller's business:
 * see port_forward_find(). */
int parse_port_forward(const char *s, struct port_forward *out, struct nb_error *err);
/* Index of an entry with the same protocol and host port, or -1. */
int port_forward_find(const struct port_forward *list, size_t n, const struct port_forward *p);
/* "tcp:8080:80" */
const char *port_forward_to_string(const struct port_forward *p, char *buf, size_t size);

/* IPv4 or IPv6 address with optional /PREFIX (default 32 or 128). Returns 0
 * or -EINVAL. */
int parse_address(const char *s, struct address *out);
/* "10.0.0.1/24" */
const char *address_to_string(const struct address *a, char *buf, size_t size);

/* HOST[:CONTAINER] interface names. CONTAINER defaults to prefix + HOST
 * (prefix "mv-" for MACVLAN, "iv-" for IPVLAN, NULL = the same name); a
 * default name longer than 15 bytes is left for the network code to shorten
 * as nspawn does. Names given are validated with ifname_valid().
 * parse_iface_pair: one pair (--network-veth-extra=, VirtualEthernetExtra=,
 * and one word of the lists below);
 * parse_iface_pair_list: a whitespace-separated list appended to *list
 * (--network-interface=, --network-macvlan=, --network-ipvlan=, Interface=,
 * MACVLAN=, IPVLAN=). */
int parse_iface_pair(const char *s, const char *prefix, struct iface_pair *out, struct nb_error *err);
int parse_iface_pair_list(const char *s, const char *prefix, struct iface_pair **list, size_t *n, struct nb_error *err);
void iface_pair_free(struct iface_pair *p);
void iface_pair_list_free(struct iface_pair **list, size_t *n);
/* Like the kernel plus systemd: 1..15 bytes of printable ASCII other than
 * ':', '/', '%', not "." or "..", not all digits. */
bool ifname_valid(const char *s);
/* Zone=/--network-zone=: NAME such that "vz-NAME" is a valid interface name. */
bool zone_name_valid(const char *s);

/* --machine=/--hostname=/Hostname=: a DNS host name, labels of [a-zA-Z0-9-_],
 * dots between, at most 64 bytes. */
bool hostname_valid(const char *s);
