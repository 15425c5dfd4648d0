/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Looking a user up in a container's own /etc/passwd and /etc/group,
 * parsed by hand: the host's NSS modules (or the container's) never run
 * in a nixbox process. Paths are relative to the caller's root, so call it
 * after entering the container's root. */
#pragma once

#include <sys/types.h>

struct nb_error;

struct user_info {
        char name[256];
        uid_t uid;
        gid_t gid;
        char home[256];
        char shell[256];
        gid_t groups[64];     /* supplementary groups from /etc/group */
        int n_groups;
};

/* USER is a name or a number. A name not in /etc/passwd is -ESRCH (message
 * in err); a number not there is that uid with gid = uid, home "/", no
 * shell. Groups are those of /etc/group that list the user's name. */
int user_lookup(const char *user, struct user_info *u, struct nb_error *err);
