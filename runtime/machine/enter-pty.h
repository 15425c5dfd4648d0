/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Relaying the caller's terminal (or stdio) to the pty of a command run
 * by `nixbox exec -t` / `nixbox shell`. Unlike the container console
 * (console.c), there is no escape key and input that cannot be written yet
 * is kept, so a command that does not read never blocks nixbox. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

struct pty_forward {
        int master;              /* non-blocking; -1 once the pty hung up */
        bool stdin_open;
        bool raw;                /* the caller's terminal is in raw mode */
        struct termios saved;
        char in[4096];           /* read from stdin, not yet written */
        size_t in_len, in_off;
        bool send_eof;           /* stdin ended: pass an end-of-file on */
};

/* Takes the master, makes the caller's terminal raw (when stdin is one). */
void pty_forward_start(struct pty_forward *f, int master);

/* What to poll: pfd[0] the master, pfd[1] stdin. */
void pty_forward_pollfds(const struct pty_forward *f, struct pollfd pfd[2]);

/* Moves what is ready, after poll(). */
void pty_forward_handle(struct pty_forward *f, const struct pollfd pfd[2]);

/* The caller's window size changed (SIGWINCH). */
void pty_forward_winch(struct pty_forward *f);

/* Copies what output is left, restores the terminal, closes the master. */
void pty_forward_stop(struct pty_forward *f);
