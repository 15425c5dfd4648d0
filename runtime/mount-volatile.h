/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --volatile= / Volatile=: nspawn 252's volatile modes. overlay shares
 * --ephemeral's overlay (mounts.c); yes and state are here. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct container;
struct nb_error;

/* yes: a tmpfs becomes the root, with the tree's /usr bound read-only
 * (idmapped with userns_fd >= 0) and the base skeleton (/etc, /var, /run,
 * bin -> usr/bin, ...). tree_fd is the tree's root directory; the tmpfs is
 * built in c->ephemeral_dir and moved onto c->root. Nothing is written
 * into the tree, whose /usr must be a directory (not a symlink). */
int volatile_yes_setup(struct container *c, int tree_fd, int userns_fd, struct nb_error *err);

/* state: a tmpfs on the tree's /var (created if missing); the caller makes
 * the rest read-only. */
int volatile_state_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err);
