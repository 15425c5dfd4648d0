/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Removing a directory tree the way an image needs it: no symlink is ever
 * followed, no other mount is entered (what lies on one is left in place
 * and reported), and files or directories marked immutable or append-only
 * (chattr +i/+a: NixOS makes /var/empty immutable) lose that flag first. */
#pragma once

struct nb_error;

/* Removes parent_fd/name (a directory and everything below it, or a single
 * entry). `display` is its path for messages. Goes on after a failure and
 * returns the first one (0 when everything went). */
int tree_remove_at(int parent_fd, const char *name, const char *display, struct nb_error *err);
