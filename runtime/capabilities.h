/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's capability sets (libcap): nspawn's default bounding set,
 * adjusted by --capability / --drop-capability, applied in the payload
 * right before exec. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct nb_error;

#define CAPS_ALL UINT64_MAX

/* nspawn's default retained set, plus CAP_NET_ADMIN with a private network,
 * minus CAP_NET_BIND_SERVICE for a shifted user namespace on the host network. */
uint64_t caps_default_bounding(bool private_network, bool userns_shifted);

/* Parses "CAP_A CAP_B,cap_c" or "all" (names with or without the CAP_
 * prefix, any case) into a mask OR-ed into *mask. Returns 0 or -EINVAL with
 * a message naming the bad word. */
int caps_parse(const char *spec, uint64_t *mask, struct nb_error *err);

/* Formats a mask as "cap_chown cap_kill ..." into buf. */
void caps_format(uint64_t mask, char *buf, size_t size);

/* Drops every capability outside `bounding` from the bounding set, clears
 * the ambient and inheritable sets, and sets permitted = effective =
 * bounding for uid 0 (a later change to another uid empties them).
 * With no_new_privs, sets PR_SET_NO_NEW_PRIVS. Called in the payload
 * after the seccomp filter is loaded (loading it needs CAP_SYS_ADMIN
 * without no_new_privs) and before the uid change. */
int caps_apply(uint64_t bounding, bool no_new_privs, struct nb_error *err);
