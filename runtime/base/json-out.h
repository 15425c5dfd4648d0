/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing JSON by hand: strings escaped per RFC 8259 (control characters
 * as \uXXXX, invalid UTF-8 bytes as U+FFFD so the output always parses). */
#pragma once

#include <stdio.h>

/* Writes s as a JSON string, quotes included; NULL writes null. */
void json_string(FILE *f, const char *s);

/* Writes a whitespace-separated list as a JSON array of strings. */
void json_string_list(FILE *f, const char *words);
