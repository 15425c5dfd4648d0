/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last steps in the container's PID 1: environment, session,
 * capabilities, system-call filter, user, descriptors, exec. */
#pragma once

#include <stdint.h>

struct container;
struct nb_error;
struct options;
struct uid_range;

/* Where a boot looks for the init (without --init), in this order; the
 * pre-start check (container.c) and the exec use the same list. */
#define INIT_SEARCH_LIST_N 4
#define INIT_SEARCH_LIST_TEXT \
        "/sbin/init, /nix/var/nix/profiles/system/init, /usr/lib/systemd/systemd, /lib/systemd/systemd"
extern const char *const init_search_list[INIT_SEARCH_LIST_N];

/* The container's capability bounding set (nspawn's default, adjusted). */
uint64_t container_bounding_caps(const struct options *o, const struct uid_range *u);

/* Only returns on failure (err filled, err->exit_code set to 126/127 when
 * the payload could not be executed). */
int exec_payload(struct container *c, struct nb_error *err);
