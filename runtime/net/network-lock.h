/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lock that serialises changes to host-wide network objects between
 * nixbox processes (zone bridges, forwarding), shared by network.c and
 * network-masq.c. */
#pragma once

/* A blocking flock on STATE_DIR/network-lock: an fd, or -1 when it cannot
 * be had (then the caller goes on unserialised: better than failing). */
int network_lock(void);
void network_unlock(int fd);
