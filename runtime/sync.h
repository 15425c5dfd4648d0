/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The sync socket between the parent and its children (the outer child,
 * the container's PID 1, the init-shim, the enter child) and between the
 * supervisor and its guard: one message per SOCK_SEQPACKET datagram, with
 * at most one fd attached. The messages are in sync-protocol.h (and
 * guard.c); docs/architecture.md lists who sends which. */
#pragma once

#include "error.h"
#include "macro.h"
#include "sync-protocol.h"

int sync_send(int fd, int type, int value, const struct nb_error *err);
int sync_recv(int fd, struct sync_msg *m);
/* The same, with one fd attached (passfd -1: none). */
int sync_send_fd(int fd, int type, int value, const struct nb_error *err, int passfd);
int sync_recv_fd(int fd, struct sync_msg *m, int *passfd);

/* Child side: report err to the parent and _exit(). */
_noreturn_ void child_fail(int sync_fd, const struct nb_error *err);
