/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --masquerade: IPv4 NAT of the container's addresses through the host's
 * route to the outside, plus the forwarding it needs, enabled only on the
 * interfaces involved and fenced so that nothing else gets forwarded.
 *
 * nf_tables objects (family ip):
 *   table nixbox-MACHINE   owned by nixbox's netlink socket (gone when nixbox
 *                          is): chain postrouting, type nat, masquerade rules.
 *   table nixbox           shared by all machines, made when nixbox first turns
 *                          on forwarding of an interface: sets "guarded" (uplinks
 *                          nixbox turned forwarding on for: only replies may be
 *                          forwarded from there) and "restore" (interfaces to
 *                          turn forwarding off again for), and chain forward.
 * When the last nixbox-* table goes, the "restore" interfaces get forwarding
 * off again and the shared table is deleted. */
#pragma once

#include <stddef.h>

#include "error.h"
#include "network-nft.h"
#include "options.h"

/* link: the host-side interface the container's traffic comes in on;
 * link_is_ours: nixbox made it (ve-/vz-), so its forwarding needs no
 * restoring. prefixes: the IPv4 networks to masquerade. */
int masq_setup(const char *machine, const char *link, bool link_is_ours, const struct address *prefixes, size_t n,
               struct nft_sock **ret, struct nb_error *err);

/* Removes the machine's table (via s, its owner) and, when it was the last,
 * the forwarding nixbox turned on. s is closed. */
void masq_cleanup(const char *machine, struct nft_sock *s);

/* Before a run: a stale table of this machine (from a kernel without owner
 * tables) and stale forwarding from a killed nixbox. */
void masq_sweep(const char *machine);
