/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: custom mount specs (--bind=, Bind=, TemporaryFileSystem=,
 * Overlay=, ...) (see parse-util.h for the conventions). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "options.h"

struct nb_error;

/* A custom mount spec, as for --bind=, --bind-ro=, --tmpfs=, --inaccessible=,
 * --overlay=, --overlay-ro= (type chooses the grammar):
 *   MOUNT_BIND, MOUNT_BIND_RO: SRC[:DST[:OPTS]]; "\:" is a literal colon
 *       (a backslash escapes any character); SRC "" = a temporary directory
 *       (DST then required); "+SRC" is kept as given (relative to the image
 *       root; the mount code resolves it); another relative SRC is made
 *       absolute against the current directory; DST defaults to SRC (without
 *       "+") and must be absolute; OPTS: rbind (default), norbind, idmap,
 *       noidmap (default), rootidmap, owneridmap, comma separated.
 *   MOUNT_TMPFS: PATH[:OPTS]; options default to "mode=0755".
 *   MOUNT_INACCESSIBLE: PATH.
 *   MOUNT_OVERLAY(_RO): LOWER[:LOWER...]:UPPER:DST, or LOWER:UPPER (DST =
 *       UPPER); source becomes "lower1:lower2:...:upper" with each element
 *       "\:"-escaped again, "" upper = a temporary directory.
 * Every path is normalised (duplicate and trailing slashes removed, "." and
 * ".." components refused in DST). out is filled with malloc'ed strings; free
 * with custom_mount_free(). */
int parse_custom_mount(enum custom_mount_type t, const char *spec, struct custom_mount *out, struct nb_error *err);
void custom_mount_free(struct custom_mount *m);
/* Deep copy (for merging lists); 0 or -ENOMEM. */
int custom_mount_copy(const struct custom_mount *src, struct custom_mount *dst);
/* A spec that parse_custom_mount() reads back to the same mount. */
char *custom_mount_to_string(const struct custom_mount *m);
/* Splits an overlay mount's source back into its lower directories (in the
 * order given, NULL-terminated, free with strv_free) and its upper directory
 * ("" = a temporary directory). 0, -EINVAL or -ENOMEM. */
int custom_mount_overlay_layers(const struct custom_mount *m, char ***lower, size_t *n_lower, char **upper);
/* "--bind", "--tmpfs", ...: the option name for a type (for messages). */
const char *custom_mount_type_to_option(enum custom_mount_type t);
