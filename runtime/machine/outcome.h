/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How a container ended, kept after its end for `status`, `logs`, `list
 * --all` and `wait` (docs/harness.md): /run/nixbox/.ended/NAME/ holds
 * `outcome` (the machine's last state plus OUTCOME_* lines) and its console
 * log. Written by the process that saw the end: the supervisor, or the
 * guard when the supervisor was killed. A record appears whole (built in a
 * temporary directory, then renamed), goes at the next run of that name or
 * with `remove-state`, and at most OUTCOME_KEEP of them, with at most
 * OUTCOME_KEEP_BYTES of logs, are kept (the oldest ends are pruned whenever
 * one is written; the newest record is always kept). */
#pragma once

#include <stdint.h>

#include "machine-state.h"

#define OUTCOME_KEEP 64
#define OUTCOME_KEEP_BYTES (64ULL << 20) /* of console logs, all records together */
#define ENDED_DIR_NAME ".ended"

struct machine_outcome {
        char result[16];       /* exited, signal, reboot, failed, abandoned */
        int exit_code;         /* what `run` exits (or would have exited) with */
        int exit_status;       /* the payload's exit status, -1: none */
        int signal;            /* the signal that ended it, 0: none */
        char stop_request[16]; /* stop, poweroff, ..., timeout, interrupt; "" none */
        uint64_t end_usec;     /* CLOCK_REALTIME */
        unsigned restarts;
        char recorded_by[16]; /* supervisor, guard */
        char error[512];
};

/* Records m's end (m->log, when set, is moved into the record and m->log
 * then names it there), replacing an earlier record of that name. */
int outcome_record(struct machine_info *m, const struct machine_outcome *oc);

/* Reads NAME's record: -ENOENT when there is none. */
int outcome_read(const char *name, struct machine_info *m, struct machine_outcome *oc);

/* Removes NAME's record: -ENOENT when there is none. */
int outcome_remove(const char *name);

/* Calls fn for every record (in no order). */
int outcome_foreach(int (*fn)(const struct machine_info *m, const struct machine_outcome *oc, void *userdata), void *userdata);

/* Keeps the newest `keep` records (by end time). */
void outcome_prune(size_t keep);
