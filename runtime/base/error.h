/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error object: carries an errno and a message naming the operation and
 * the object, across function calls and across the parent/child boundary (a
 * child writes it to the sync socket, the parent prints it). */
#pragma once

#include "macro.h"

struct nb_error {
        int errnum;      /* positive errno, 0 when there is no system error */
        int exit_code;   /* nixbox exit code to use, 0 = default (125) */
        char msg[1024];
};

/* Fills *e (when not NULL) and returns -errnum (-EINVAL when errnum is 0),
 * so that callers can `return nb_error_set(err, errno, "mount %s", p);`.
 * errnum may have either sign: `return nb_error_set(err, r, ...)` with r a
 * -errno return value is the same as with errno. */
int nb_error_set(struct nb_error *e, int errnum, const char *fmt, ...) _printf_(3, 4);

/* Prefixes the existing message with more context: "CONTEXT: old message". */
void nb_error_prefix(struct nb_error *e, const char *fmt, ...) _printf_(2, 3);

/* Prints "nixbox: MSG: STRERROR" (or just "nixbox: MSG") on stderr. */
void nb_error_print(const struct nb_error *e);

/* Exit codes (documented in docs/nixbox.1). */
enum {
        EXIT_NIXBOX_ERROR   = 125, /* nixbox itself failed: usage, set-up */
        EXIT_CANNOT_EXECUTE = 126, /* command found but could not be executed */
        EXIT_NOT_FOUND      = 127, /* command not found inside the root */
        EXIT_FORCE_RESTART  = 133, /* container asked for a reboot (--restart=exit) */
};
