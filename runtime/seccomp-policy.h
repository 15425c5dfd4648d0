/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's system-call filter (libseccomp names the calls): nspawn's
 * default policy (allow-list of groups and calls, capability-gated groups,
 * EPERM for every other known call, ENOSYS for unknown ones, EAFNOSUPPORT
 * for audit netlink sockets; beyond nspawn, EPERM for the TIOCSTI and
 * TIOCLINUX ioctls) on the native and compatible architectures, adjusted by
 * --system-call-filter entries, as one BPF program. */
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>

struct nb_error;

/* Checks that every entry is a known call or @group (optionally with a ~
 * prefix). Used when parsing options and settings so that errors are early. */
int seccomp_validate_entry(const char *entry, struct nb_error *err);

/* The filter as one classic BPF program, ready for seccomp(2). */
struct seccomp_program {
        uint32_t len; /* instructions */
        struct sock_filter insns[BPF_MAXINSNS];
};

/* Builds the filter. `caps` is the container's bounding set (it gates
 * @clock, @module, @raw-io, @memlock, ptrace, ...); entries are "NAME",
 * "@group" (allow) or "~NAME", "~@group" (deny wins). */
int seccomp_policy_build(uint64_t caps, char *const *entries, size_t n_entries, struct seccomp_program *p, struct nb_error *err);

/* Loads a built filter into the calling thread (without TSYNC). Without
 * no_new_privs this needs CAP_SYS_ADMIN in the caller's user namespace. */
int seccomp_policy_load(const struct seccomp_program *p, struct nb_error *err);

/* seccomp_policy_build(), then seccomp_policy_load(). */
int seccomp_install(uint64_t caps, char *const *entries, size_t n_entries, struct nb_error *err);

/* The built program in a sealed memfd (to hand to another process), and
 * read back from one (at most BPF_MAXINSNS instructions). */
int seccomp_program_memfd(const struct seccomp_program *p, struct nb_error *err);
int seccomp_program_read(int fd, struct seccomp_program *p, struct nb_error *err);
