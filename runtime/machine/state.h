/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host-side state under /run/nixbox: the per-machine lock that a running
 * nixbox holds for its whole life (so that two containers never share a
 * name, and stale leftovers can be told from live ones). */
#pragma once

#include "host-config.h"

/* [paths] StateDir= of nixbox.conf(5), /run/nixbox by default. */
#define STATE_DIR (host_config()->state_dir)

/* Takes an exclusive flock on PATH (created if missing) without waiting:
 * the fd, or -EBUSY when another process holds it. A lock file that a dead
 * process left behind is simply reused. */
int lock_file_nb(const char *path);

/* Takes /run/nixbox/NAME.lock without waiting: fd, or -EBUSY when held. */
int state_try_lock_machine(const char *machine);

/* Unlinks the lock file (while still holding it) and closes it. */
void state_unlock_machine(const char *machine, int fd);

/* Removes the lock files in dir whose name ends in suffix and whose holder
 * is gone (a held lock is left alone). */
void state_sweep_lock_dir(const char *dir, const char *suffix);
/* Removes the lock file dir_fd/name when nobody holds it. */
void state_remove_stale_lock_at(int dir_fd, const char *name);
