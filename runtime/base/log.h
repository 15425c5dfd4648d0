/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages to stderr, prefixed "nixbox: ". log_info is silenced by -q. */
#pragma once

#include "macro.h"

extern bool log_quiet;
extern int log_debug_level;

void log_msg(const char *level, const char *fmt, ...) _printf_(2, 3);

#define log_error(...) log_msg("", __VA_ARGS__)
#define log_warn(...) log_msg("warning: ", __VA_ARGS__)
#define log_info(...) do { if (!log_quiet) log_msg("", __VA_ARGS__); } while (0)
#define log_debug(...) do { if (log_debug_level > 0) log_msg("debug: ", __VA_ARGS__); } while (0)
