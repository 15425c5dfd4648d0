/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one parser of machine IDs (machine-id(5)): the image's and the
 * host's /etc/machine-id, --uuid, MachineID=, nixbox-netsetup's argument. */
#pragma once

#include <stdint.h>

/* 32 hexadecimal digits, either case, optionally followed by one newline
 * (as the file holds them), into 32 lowercase digits. All zero (an ID
 * that was never set) is -ENOMEDIUM; anything else, "uninitialized"
 * included, is -EINVAL. */
int machine_id_parse(const char *s, char ret[static 33]);

/* The same, also in the dashed UUID form (8-4-4-4-12), without a newline:
 * what --uuid= and MachineID= accept. */
int machine_id_parse_uuid(const char *s, char ret[static 33]);

/* The 16 bytes of a parsed ID (32 lowercase hexadecimal digits). */
void machine_id_to_bytes(const char hex[static 33], uint8_t ret[static 16]);
