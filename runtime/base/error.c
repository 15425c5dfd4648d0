/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "error.h"
#include "log.h"

bool log_quiet = false;
int log_debug_level = 0;

int nb_error_set(struct nb_error *e, int errnum, const char *fmt, ...) {
        /* Either sign: errno, or a function's -errno return value. */
        if (errnum == INT_MIN)
                errnum = EINVAL;
        else if (errnum < 0)
                errnum = -errnum;
        if (e) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
                va_end(ap);
                e->errnum = errnum;
        }
        return errnum > 0 ? -errnum : -EINVAL;
}

void nb_error_prefix(struct nb_error *e, const char *fmt, ...) {
        char prefix[512], old[sizeof(e->msg)];
        va_list ap;

        if (!e)
                return;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, e->msg, sizeof(old));
        /* A message cut short says so. */
        if ((size_t) snprintf(e->msg, sizeof(e->msg), "%s: %s", prefix, old) >= sizeof(e->msg))
                memcpy(e->msg + sizeof(e->msg) - 4, "...", 4);
}

void nb_error_print(const struct nb_error *e) {
        if (e->errnum > 0)
                fprintf(stderr, "nixbox: %s: %s\n", e->msg, strerror(e->errnum));
        else
                fprintf(stderr, "nixbox: %s\n", e->msg);
}

void log_msg(const char *level, const char *fmt, ...) {
        char buf[2048];
        va_list ap;
        int saved = errno;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        fprintf(stderr, "nixbox: %s%s\n", level, buf);
        errno = saved;
}
