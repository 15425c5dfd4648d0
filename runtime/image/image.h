/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Images: root file system trees in the machines directory MACHINES_DIR
 * (/var/lib/nixbox, nixbox's /var/lib/machines), made by `nixbox
 * import-tar` and deleted by `nixbox remove` (verbs.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Whether NAME may name an image: a valid host name (labels of
 * [a-zA-Z0-9-_] with dots between, at most 64 bytes), so never "..", a
 * hidden name or a path. */
bool image_name_valid(const char *name);

/* The directories images are looked up in, in order: i = 0 is
 * MACHINES_DIR, i = 1 systemd's /var/lib/machines; NULL past the last. */
const char *image_dir(size_t i);

/* When DIR/NAME is a directory (or a symlink to one) for the first
 * image_dir() that has it, writes that path to path and returns 0; -EINVAL
 * for an invalid name, -ENOENT or -ENOTDIR when there is no such image,
 * -ENAMETOOLONG when size is short. */
int image_find(const char *name, char *path, size_t size);
