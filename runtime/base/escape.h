/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Printing strings a container controls (its STATUS= text, process names,
 * cgroup names, console output) on the host's terminal: control characters
 * must never reach it raw, or a container could move the cursor, retitle
 * the window or answer back through the terminal. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s, 0 when it is not one. */
size_t utf8_char_len(const unsigned char *s);

/* systemd's cescape() style: \a \b \f \n \r \t \v \\ by name, other C0
 * controls, DEL, C1 controls (U+0080..U+009F) and bytes that are not valid
 * UTF-8 as \xNN; valid printable UTF-8 is kept. Returns a malloc'ed
 * string, NULL only when out of memory. */
char *cescape(const char *s);

/* The same for console output, whose lines are the content: \n, \r and
 * \t are written as they are. Writes the n bytes of s to f; with more
 * (another block follows), a UTF-8 character cut at the end is left out.
 * Returns the number of bytes written out of s. */
size_t write_escaped_controls(FILE *f, const char *s, size_t n, bool more);
