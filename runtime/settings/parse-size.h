/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: sizes, percentages, cgroup limits ([Resources]) and rlimits
 * (Limit*=) (see parse-util.h for the conventions). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "options.h"

struct nb_error;

/* LIMIT=SOFT[:HARD] with LIMIT one of CPU FSIZE DATA STACK CORE RSS NOFILE
 * AS NPROC MEMLOCK LOCKS SIGPENDING MSGQUEUE NICE RTPRIO RTTIME (any case,
 * optional "RLIMIT_" prefix) and each value a number or "infinity"; one
 * value sets both. (--rlimit=) */
int parse_rlimit(const char *name_eq_value, int *resource, struct rlimit *rl, struct nb_error *err);
/* Just the SOFT[:HARD] part for a known resource (LimitNOFILE= etc.). Byte
 * limits (FSIZE DATA STACK CORE RSS AS MEMLOCK MSGQUEUE) take size
 * suffixes, CPU (seconds) and RTTIME (microseconds) take time suffixes
 * (us ms s min h d), NICE takes -20..19 (stored as 20 - nice) or raw 0..40. */
int parse_rlimit_value(int resource, const char *s, struct rlimit *rl, struct nb_error *err);
/* RLIMIT_NOFILE for "NOFILE", "nofile" or "RLIMIT_NOFILE"; -EINVAL otherwise. */
int rlimit_from_name(const char *name);
/* "NOFILE" for RLIMIT_NOFILE, NULL if unknown. */
const char *rlimit_to_name(int resource);

/* Bytes: a number with an optional K, M, G, T, P, E suffix (base 1024, an
 * optional trailing "B" allowed) and an optional fraction ("1.5G").
 * Returns 0, -EINVAL or -ERANGE. */
int parse_size(const char *s, uint64_t *bytes);
/* "N%" (0..100, fractional percent like "12.5%" too); returns the value in
 * permyriad (1/10000) or -EINVAL. */
int parse_permyriad(const char *s);
/* MemoryMax=/MemoryHigh=: a size, "N%" of physical RAM, or "infinity"
 * (UINT64_MAX). */
int parse_memory_limit(const char *s, uint64_t *bytes, struct nb_error *err);
/* TasksMax=: a number >= 1, "N%" of the kernel's pid/thread limit, or
 * "infinity" (UINT64_MAX). */
int parse_tasks_max(const char *s, uint64_t *tasks, struct nb_error *err);
/* CPUQuota=N% (> 0; may exceed 100%): microseconds of CPU time per 100 ms
 * period; "" or "infinity" is not accepted (an empty assignment resets). */
int parse_cpu_quota(const char *s, uint64_t *usec_per_period, struct nb_error *err);
/* CPUWeight=/IOWeight=: 1..10000. */
int parse_weight(const char *s, uint64_t *weight, struct nb_error *err);
