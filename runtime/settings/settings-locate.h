/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Finding the settings file NAME.nspawn of a machine: the trusted
 * directories first, then next to the root directory (untrusted). */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct nb_error;

/* /etc/nixbox, the state directory (/run/nixbox), /etc/systemd/nspawn,
 * /run/systemd/nspawn; NULL-terminated. */
const char *const *settings_trusted_dirs(void);

struct settings_found {
        int fd;                  /* open for reading, -1 when nothing was found */
        char *path;
        bool trusted;            /* found in a trusted directory */
};

/* Looks for NAME.nspawn in each trusted directory, then for
 * dirname(ROOT)/NAME.nspawn (root may be NULL: no untrusted candidate).
 * The first that exists wins. A trusted candidate must be a regular file
 * (not a symlink: opened O_NOFOLLOW) owned by root and not writable by group
 * or others; one that is not is refused with an error (not skipped), as is
 * an untrusted candidate that is not a regular file. Returns 1 with *found
 * filled, 0 when there is no file, or a negative errno with err set. */
int settings_locate(const char *name, const char *root, struct settings_found *found, struct nb_error *err);
/* The same with another list of trusted directories and required owner (tests). */
int settings_locate_in(const char *const *trusted_dirs, uid_t owner, const char *name, const char *root,
                       struct settings_found *found, struct nb_error *err);
void settings_found_done(struct settings_found *found);
