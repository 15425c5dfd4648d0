/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One .nspawn settings file parsed into a typed struct that remembers, for
 * every key, the line that set it. Parsing is all-or-nothing: the first
 * invalid line makes the whole file an error (nothing is applied), unknown
 * sections and keys are warnings. The syntax is systemd's (systemd.syntax(7));
 * see docs/settings-file.md for why this is a small own parser, not inih. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "options.h"

#include "settings-keys.h"

struct nb_error;

struct settings {
        char *path;
        /* line[k] != 0: key k is set, by that line (the last one for lists).
         * An empty assignment unsets a key (and empties its list). */
        unsigned line[_SK_MAX];

        /* Warnings found while parsing, "PATH:LINE: text", for the caller to print. */
        char **warnings;
        size_t n_warnings;

        /* The values, where the command line puts them (the key table's
         * offsets); only keys with line[k] != 0 mean anything. Mounts carry
         * their own line; start_mode is START_UNSET until Boot= or
         * ProcessTwo= says otherwise. */
        struct options o;
};

/* Largest file accepted; a real .nspawn file is a few KiB. */
#define SETTINGS_FILE_MAX (4U * 1024U * 1024U)

/* Parses text (size bytes, NUL bytes end lines as in systemd) named path in
 * messages. On success *ret gets a new struct (free with settings_free); on
 * error *ret is untouched and err names PATH:LINE, the key and what was
 * expected. */
int settings_parse_string(const char *text, size_t size, const char *path, struct settings **ret, struct nb_error *err);
/* Reads an open file (at most SETTINGS_FILE_MAX bytes) and parses it. */
int settings_parse_fd(int fd, const char *path, struct settings **ret, struct nb_error *err);
void settings_free(struct settings *s);
static inline void settings_freep(struct settings **s) { settings_free(*s); }
