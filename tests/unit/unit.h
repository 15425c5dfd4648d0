/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny unit-test harness: each test-*.c is its own binary; every check
 * prints "ok - NAME" or "not ok - NAME: why" and tests/run.sh counts them.
 * The binary exits non-zero when any check failed. */
#pragma once

#include <stdio.h>
#include <string.h>

static int unit_failed, unit_passed;

#define CHECK(name, cond) do {                                                  \
        if (cond) { unit_passed++; printf("ok - %s\n", (name)); }               \
        else { unit_failed++; printf("not ok - %s: %s (%s:%d)\n", (name), #cond, __FILE__, __LINE__); } \
} while (0)

#define CHECK_STREQ(name, a, b) do {                                            \
        const char *_a = (a), *_b = (b);                                        \
        if (_a && _b && strcmp(_a, _b) == 0) { unit_passed++; printf("ok - %s\n", (name)); } \
        else { unit_failed++; printf("not ok - %s: \"%s\" != \"%s\" (%s:%d)\n", (name), _a ? _a : "(null)", _b ? _b : "(null)", __FILE__, __LINE__); } \
} while (0)

#define UNIT_END() do { printf("# %d passed, %d failed\n", unit_passed, unit_failed); return unit_failed ? 1 : 0; } while (0)
