/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The caller's terminal never reaches a process in a container: each of
 * the caller's fds 0-2 that is a terminal is replaced, for the payload (or
 * a command run by `nixbox exec -T`), by a pipe that nixbox relays; files,
 * pipes and sockets are passed as they are. A detached container gets
 * /dev/null (nixbox's own stdin by then) and one pipe for stdout and
 * stderr that nixbox drains into the capped console log. Once nixbox
 * closes its ends, whatever the container still holds leads nowhere. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

struct console_log;
struct nb_error;

struct stdio_relay {
        int child[3];             /* what the payload gets as fd i; -1: nixbox's own fd i */
        int ours[3];              /* nixbox's end of that pipe (non-blocking), or -1 */
        struct console_log *log;  /* output goes here instead of our fds 1 and 2 */
        char in[4096];            /* read from our stdin, not yet written */
        size_t in_len, in_off;
};

#define STDIO_RELAY_INIT { .child = { -1, -1, -1 }, .ours = { -1, -1, -1 } }

/* Creates the pipes: for every terminal among fds 0-2, or with log set,
 * one pipe for stdout and stderr into it. */
int stdio_relay_prepare(struct stdio_relay *r, struct console_log *log, struct nb_error *err);

/* In the child, before exec: puts the payload's ends on fds 0-2. */
int stdio_relay_apply(const struct stdio_relay *r);

/* In nixbox once the child is forked: drops the payload's ends. */
void stdio_relay_close_child(struct stdio_relay *r);

/* What to poll: pfd[i] for fd i's pipe. */
void stdio_relay_pollfds(const struct stdio_relay *r, struct pollfd pfd[3]);

/* Moves what is ready, after poll(). */
void stdio_relay_handle(struct stdio_relay *r, const struct pollfd pfd[3]);

/* Copies the output that is already there, without waiting for a writer
 * (a background process may hold the pipe forever), and closes it all. */
void stdio_relay_stop(struct stdio_relay *r);
