/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --link-journal= / LinkJournal=: the guest's journal directory
 * /var/log/journal/MACHINE_ID shared with the host's (nspawn 252's
 * setup_journal()). */
#pragma once

#include <sys/types.h>

struct container;
struct nb_error;

/* Outer child, before the custom mounts. guest: the directory is the
 * tree's, the host gets a symlink to it; host: the host's directory is
 * bound into the tree; auto: that bind when the host's exists; try-*: as
 * guest/host, skipped when it cannot be done. MACHINE_ID is the
 * container's (c->uuid: the tree's /etc/machine-id, read inside the
 * root). Directories made in the tree belong to owner; nothing is made in
 * a --read-only tree. */
int journal_link_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err);
