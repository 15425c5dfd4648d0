/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: PrivateUsers=, CPUAffinity=, OOMScoreAdjust= (see parse-
 * util.h for the conventions). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "options.h"

struct nb_error;

/* --private-users= / PrivateUsers=: yes no (booleans, but a bare number is a
 * UID base), pick, identity, BASE[:RANGE]. Sets o->private_users and, for
 * FIXED/IDENTITY, o->uid_shift / o->uid_range (identity = 0:65536; YES and
 * PICK reset uid_range to 65536). Does not touch o->ownership: nspawn's
 * "pick implies ownership auto" is the caller's decision. "managed" is
 * refused with -EOPNOTSUPP. */
int parse_private_users(const char *s, struct options *o, struct nb_error *err);

/* --cpu-affinity=/CPUAffinity=: a list of CPU numbers and ranges
 * ("0-3,7 9"), comma or space separated, CPUs 0..1023. */
int parse_cpu_set(const char *s, uint64_t set[static 16], struct nb_error *err);
/* "0-3 7" */
void cpu_set_to_string(const uint64_t set[static 16], char *buf, size_t size);

/* --oom-score-adjust=/OOMScoreAdjust=: -1000..1000. */
int parse_oom_score_adjust(const char *s, int *out);
