/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's system-call filter (libseccomp): nspawn's default policy
 * (allow-list of groups and calls, capability-gated groups, EPERM for every
 * other known call, ENOSYS for unknown ones, EAFNOSUPPORT for audit netlink
 * sockets; beyond nspawn, EPERM for the TIOCSTI and TIOCLINUX ioctls) on the
 * native and compatible architectures, adjusted by --system-call-filter
 * entries. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct nb_error;

/* Checks that every entry is a known call or @group (optionally with a ~
 * prefix). Used when parsing options and settings so that errors are early. */
int seccomp_validate_entry(const char *entry, struct nb_error *err);

/* Builds and loads the filters. `caps` is the container's bounding set (it
 * gates @clock, @module, @raw-io, @memlock, ptrace, ...); entries are
 * "NAME", "@group" (allow) or "~NAME", "~@group" (deny wins). */
int seccomp_install(uint64_t caps, char *const *entries, size_t n_entries, struct nb_error *err);
