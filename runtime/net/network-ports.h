/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --port: a userspace forwarder. nixbox binds the host's sockets itself
 * (0.0.0.0 and [::], so 127.0.0.1 and ::1 included), then forks a small
 * helper that joins the container's network namespace and relays each TCP
 * connection and each UDP client to the container's own (non-loopback)
 * address, CONTAINERPORT. The helper lives in the cgroup
 * nixbox/NAME/ports/, dies with nixbox (PR_SET_PDEATHSIG) and with the
 * container's PID 1 (it polls a pidfd of it). See docs/networking.md. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "options.h"

/* Limits of one forwarder (documented in docs/networking.md). */
#define PORTS_MAX_CONNECTIONS 256                   /* TCP connections at once; more are reset */
#define PORTS_MAX_UDP_CLIENTS 256                   /* UDP client addresses; the oldest goes */
#define PORTS_MEMORY_MAX      (64ULL * 1024 * 1024)  /* memory.max of nixbox/NAME/ports */

struct port_forwarder {
        pid_t pid;
        int pidfd;
};

/* Binds the ports (a taken port fails here, with its number), starts the
 * helper and waits until it is in place. With cgroup_dir (the machine's
 * nixbox/NAME), the helper moves itself into cgroup_dir/ports, which gets
 * memory.max = PORTS_MEMORY_MAX where the memory controller is enabled.
 * On failure nothing is left (the cgroup goes with the machine's). */
int port_forwarder_start(const struct port_forward *ports, size_t n, int netns_fd, pid_t init_pid,
                         const char *cgroup_dir, struct port_forwarder *ret, struct nb_error *err);

/* Kills and reaps the helper; fine to call when it has already gone (even
 * when the supervisor reaped it). */
void port_forwarder_stop(struct port_forwarder *f);
