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

/* When MACHINES_DIR/NAME is a directory (or a symlink to one), writes that
 * path to path and returns 0; -EINVAL for an invalid name, -ENOENT or
 * -ENOTDIR when there is no such image, -ENAMETOOLONG when size is short. */
int image_find(const char *name, char *path, size_t size);
