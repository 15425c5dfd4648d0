/* --port: a userspace forwarder. nixbox binds the host's sockets itself
 * (0.0.0.0 and [::], so 127.0.0.1 and ::1 included), then forks a small
 * helper that joins the container's network namespace and relays each TCP
 * connection and each UDP client to 127.0.0.1:CONTAINERPORT there. The
 * helper dies with nixbox (PR_SET_PDEATHSIG) and with the container's PID 1
 * (it polls a pidfd of it). See docs/networking.md for why. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "options.h"

struct port_forwarder {
        pid_t pid;
        int pidfd;
};

/* Binds the ports (a taken port fails here, with its number), starts the
 * helper and waits until it is in place. On failure nothing is left. */
int port_forwarder_start(const struct port_forward *ports, size_t n, int netns_fd, pid_t init_pid,
                         struct port_forwarder *ret, struct nb_error *err);

/* Kills and reaps the helper; fine to call when it has already gone (even
 * when the supervisor reaped it). */
void port_forwarder_stop(struct port_forwarder *f);
