/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --timezone= / Timezone=: the container's /etc/localtime, as nspawn 252
 * sets it (setup_timezone()). */
#pragma once

#include <sys/types.h>

struct container;
struct nb_error;

/* Outer child, after the custom mounts: copies, binds, symlinks or deletes
 * the tree's /etc/localtime (resolved inside root_fd) after the host's.
 * Files it makes belong to owner. Never writes into a --read-only tree;
 * problems with the tree's /etc are warnings, as in nspawn. */
int timezone_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err);
