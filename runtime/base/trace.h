/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --trace: monotonic timestamps per set-up step on stderr, so nixbox's own
 * share of a start can be told apart from the payload's. */
#pragma once

#include <stdbool.h>

extern bool trace_enabled;

void trace_start(void);
void trace_step(const char *step);
