/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --resolv-conf= / ResolvConf=: the container's /etc/resolv.conf, in
 * nspawn 252's modes (setup_resolv_conf()). */
#pragma once

#include <sys/types.h>

struct container;
struct nb_error;

/* Outer child, after the custom mounts: copies (copy-*: into the tree's
 * file, followed inside the root), replaces (replace-*: a new file renamed
 * over it), binds (bind-*, read-only) or deletes the tree's
 * /etc/resolv.conf, from the host's /etc/resolv.conf (host), systemd's
 * static file (static) or resolved's files (uplink, stub). A source the
 * host lacks (no resolved) is a warning and leaves the tree alone, as in
 * nspawn. auto: nothing with a private network; else copy (bind with
 * --read-only) of the stub when the host has one, of the host's file
 * otherwise. Never writes into a --read-only tree. */
int resolv_conf_setup(struct container *c, int root_fd, uid_t owner, struct nb_error *err);
