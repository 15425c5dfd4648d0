/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's console: a fresh pty whose slave is bound on the
 * container's /dev/console, relayed by nixbox in nspawn's modes
 * (interactive, read-only, passive), or the caller's stdio passed through
 * (pipe). */
#pragma once

#include <stdbool.h>
#include <termios.h>

#include "options.h"

struct nb_error;
struct console_log;

struct console {
        enum console_mode mode;   /* resolved: never CONSOLE_DEFAULT or AUTOPIPE */
        int master;               /* -1 in pipe mode */
        int ep;                   /* epoll fd watching the master edge-triggered, or -1 */
        struct console_log *log;  /* --detach: output goes here, not to stdout */
        bool stdin_open;
        bool raw;
        struct termios saved;
        int escapes;              /* ^] seen within the last second */
        long long first_escape_ms;
};

/* Resolves the default and autopipe against the caller's stdio. */
enum console_mode console_resolve_mode(enum console_mode m, bool boot);

/* In PID 1, after pivot_root: opens a pty in the container's devpts and
 * binds its slave on /dev/console. Returns the master fd. */
int console_allocate(struct nb_error *err);

/* In PID 1, in its new session: makes /dev/console stdin, stdout, stderr
 * and the controlling terminal. */
int console_attach(struct nb_error *err);

/* In nixbox: takes the master, sets the caller's terminal raw (interactive)
 * and passes the window size on. */
void console_start(struct console *con, int master);

/* The fd for the supervisor's poll() set: readable when the master has
 * output, without spinning while no slave is open (-1 in pipe mode). */
int console_poll_fd(const struct console *con);

/* Whether the master itself is polled (console_poll_fd() is the master): it
 * then polls as hung up, at once, for as long as no slave is open. */
bool console_polls_master(const struct console *con);

/* Relays what is ready. Returns 1 when the user typed ^] three times
 * within a second (the container is to be killed), 0 otherwise. */
int console_relay(struct console *con, bool master_ready, bool stdin_ready);

/* Copies the caller's window size to the pty (on SIGWINCH). */
void console_winch(struct console *con);

/* Drains pending output and puts the caller's terminal back. */
void console_stop(struct console *con);
