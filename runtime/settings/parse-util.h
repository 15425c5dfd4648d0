/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers shared by the command line (cli.c) and the .nspawn settings
 * file (settings-file.c), so that both accept exactly the same grammar,
 * which is systemd-nspawn's.
 *
 * Conventions: functions taking a `struct nb_error *` return 0 or -errno and
 * describe the problem in *err (the caller prefixes the option or key name);
 * the small ones without it return the parsed value (>= 0) or -EINVAL
 * (-EOPNOTSUPP for a value nspawn knows but nixbox does not implement, and
 * -ERANGE for a number out of range). Outputs are written only on success. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "options.h"
#include "sd-signals.h"

/* The other subjects; this header declares the basics. */
#include "parse-exec.h"
#include "parse-mount.h"
#include "parse-network.h"
#include "parse-size.h"

struct nb_error;

#define WHITESPACE " \t\n\r"

static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* An unsigned decimal number made of digits only (no sign, no spaces), as
 * systemd's safe_atou does minus its leniency: 0, -EINVAL or -ERANGE. */
int parse_u64(const char *s, uint64_t *ret);
/* An optionally signed decimal number within min..max: 0, -EINVAL or -ERANGE. */
int parse_int_range(const char *s, long min, long max, long *ret);

/* systemd booleans: 1 yes y true t on, 0 no n false f off (any case).
 * Returns 1, 0 or -EINVAL. */
int parse_boolean(const char *s);

/* A signal: a number (1..64), a name with or without "SIG" ("TERM",
 * "SIGTERM", any case), or SIGRTMIN+N / SIGRTMAX-N / RTMIN+N, numbered as
 * systemd numbers them (SIGRTMIN = 34, see compat.h), whatever our libc.
 * Returns the signal number or -EINVAL. */
int parse_signal(const char *s);
/* "SIGTERM", "SIGRTMIN+3", or the number; buf needs 16 bytes. */
const char *signal_to_string(int sig, char *buf, size_t size);

/* NAME=VALUE with a valid environment variable name (no '=' in NAME, not
 * empty, no NUL): 0 or -EINVAL. */
int parse_env_assignment(const char *s);

/* systemd's extract_first_word(): extracts the next word from *p into a
 * malloc'ed *ret and advances *p (NULL at the end). Returns 1 (a word), 0
 * (no more words), -EINVAL (unterminated quote, trailing backslash), -ENOMEM.
 * separators NULL = whitespace. Without WORD_RETAIN_ESCAPE a backslash makes
 * the next character literal (also a separator or a quote); with
 * WORD_UNQUOTE '...' and "..." quote; with WORD_DONT_COALESCE every
 * separator ends a word, so "a::b" is "a", "", "b" and "" is one empty word. */
enum {
        WORD_UNQUOTE       = 1 << 0,
        WORD_RETAIN_ESCAPE = 1 << 1,
        WORD_DONT_COALESCE = 1 << 2,
};
int extract_word(const char **p, char **ret, const char *separators, unsigned flags);

/* Splits Parameters=/Environment= text into words exactly as nspawn's
 * config_parse_strv() does (extract_first_word with EXTRACT_UNQUOTE|
 * EXTRACT_RETAIN_ESCAPE): whitespace separates, '...' and "..." quote and
 * adjacent parts join (a"b c"d is one word "ab cd"), a backslash is an
 * ordinary character (kept, escapes nothing). An unterminated quote is an
 * error. The result is a NULL-terminated array (free with strv_free); *n
 * gets the count. */
int parse_words(const char *s, char ***words, size_t *n, struct nb_error *err);

/* Splits a whitespace-separated list without quoting (SystemCallFilter=,
 * Interface=, ...). */
int split_whitespace(const char *s, char ***words, size_t *n);


/* Appends a copy of s to a NULL-terminated-or-NULL array with count *n;
 * 0 or -ENOMEM. */
int strv_push(char ***v, size_t *n, const char *s);
/* The same, taking ownership of s (freed on failure; NULL = -ENOMEM). */
int strv_consume(char ***v, size_t *n, char *s);

/* Enum parsers: return the enum value or -EINVAL (-EOPNOTSUPP for an nspawn
 * value nixbox does not implement, so the caller can say so). */
int parse_console_mode(const char *s);          /* interactive read-only passive pipe autopipe */
int parse_ownership_mode(const char *s);        /* off chown map auto (foreign: -EOPNOTSUPP) */
int parse_resolv_conf_mode(const char *s);      /* off copy-host bind-host delete auto */
int parse_timezone_mode(const char *s);         /* off copy bind symlink delete auto */
int parse_link_journal_mode(const char *s);     /* no host try-host guest try-guest auto */
int parse_volatile_mode(const char *s);         /* booleans, state, overlay */
int parse_settings_mode(const char *s);         /* booleans, override, trusted */

const char *console_mode_to_string(enum console_mode m);
const char *ownership_mode_to_string(enum ownership_mode m);
const char *resolv_conf_mode_to_string(enum resolv_conf_mode m);
const char *timezone_mode_to_string(enum timezone_mode m);
const char *link_journal_mode_to_string(enum link_journal_mode m);
const char *volatile_mode_to_string(enum volatile_mode m);
const char *settings_mode_to_string(enum settings_mode m);
const char *private_users_mode_to_string(enum private_users_mode m);
const char *idmap_mode_to_string(enum idmap_mode m);
