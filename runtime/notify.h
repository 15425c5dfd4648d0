/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sd_notify socket of the Container Interface: /run/host/notify inside
 * the container, read by nixbox (only messages from the container's PID 1
 * count), and nixbox's own readiness report to its $NOTIFY_SOCKET. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct nb_error;

struct notify_state {
        bool ready;
        char status[256];
        char shutdown[32];       /* X_SYSTEMD_SHUTDOWN= (reboot, poweroff, halt, kexec, exit) */
        bool exit_status_set;
        int exit_status;         /* EXIT_STATUS= */
};

/* In the outer child: binds the socket at /run/host/notify of the tree at
 * root_fd (nixbox's own tmpfs), owned by the container's root. */
int notify_socket_create(int root_fd, uid_t owner, struct nb_error *err);

/* Reads one datagram; ignores it unless it comes from init_pid. Returns 1
 * when READY=1 arrived with it, 0 otherwise. */
int notify_receive(int fd, pid_t init_pid, struct notify_state *st);

/* Sends "READY=1" (and a STATUS=) to $NOTIFY_SOCKET of nixbox itself, if set. */
void notify_supervisor_ready(const char *status);
