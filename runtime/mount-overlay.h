/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --overlay= / --overlay-ro= and Overlay= / OverlayReadOnly=: overlayfs
 * custom mounts as nspawn 252 makes them (mount_overlay()). */
#pragma once

struct container;
struct custom_mount;
struct nb_error;

/* Outer child: mounts the overlay m on its destination inside the tree.
 * The lower directories are in increasing precedence (the last one is on
 * top); the upper one (created if missing) takes the writes, with a work
 * directory made next to it; with --overlay-ro it is only the topmost
 * layer. Paths starting with "+" are in the tree, resolved inside its root;
 * the layers go to the kernel as fds, so no symlink swapped in later can
 * redirect them. */
int overlay_mount(struct container *c, int root_fd, const struct custom_mount *m, struct nb_error *err);

/* Parent, after the container stopped: removes the work directories
 * overlay_mount() made (empty ones only; a leftover is a warning). */
void overlay_cleanup(const struct container *c);
