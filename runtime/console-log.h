/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The console log of a detached container, /run/nixbox/NAME/console.log:
 * written only by the supervisor (the payload writes into a pty or pipe
 * that nixbox owns), and capped: when the next write would take the file
 * past the cap, it becomes console.log.1 (replacing the older one) and a
 * fresh console.log starts. At most twice the cap is ever on disk. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nb_error;

#define CONSOLE_LOG_SIZE_DEFAULT (8ULL << 20)
#define CONSOLE_LOG_SIZE_MIN 4096ULL

struct console_log {
        int fd;                 /* the current console.log, also our stdout; -1: none */
        char path[4096];
        uint64_t max;           /* bytes per file */
        uint64_t size;          /* of the current file */
        uint64_t dropped;       /* bytes lost to a failed write (disk full) */
        bool stderr_too;        /* our stderr follows the log (after readiness) */
};

/* Creates PATH (truncated) and makes it our stdout. */
int console_log_open(struct console_log *l, const char *path, uint64_t max, struct nb_error *err);

/* Appends, rotating first when the cap would be passed. Never blocks on
 * anything but the write itself; a failed write is dropped and counted. */
void console_log_write(struct console_log *l, const char *p, size_t n);

/* From now on our stderr goes to the log too (and follows rotations). */
void console_log_take_stderr(struct console_log *l);
