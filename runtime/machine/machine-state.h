/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a running container tells other nixbox commands (list, status,
 * stop, exec, logs): /run/nixbox/NAME/state, key=value lines, written by
 * its supervisor and removed when it ends. The supervisor holds the machine
 * lock (/run/nixbox/NAME.lock) for its whole life, so an entry whose lock is
 * free is stale and is removed, never trusted. PIDs come with their start
 * time (field 22 of /proc/PID/stat), so a recycled pid is never taken for
 * the container. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct container;

struct machine_info {
        char name[256];
        char root[4096];
        char cgroup[512];
        char state[16];               /* starting, running, stopping */
        char status[256];             /* last STATUS= from the notify socket */
        char addresses[512];
        pid_t leader;                 /* PID 1, host pid */
        unsigned long long leader_start;
        pid_t supervisor;
        unsigned long long supervisor_start;
        uid_t uid_shift, uid_range;   /* uid_range 0: no user namespace */
        uint64_t start_usec;          /* CLOCK_REALTIME */
        uint64_t end_usec;            /* an ended machine's (outcome.h), else 0 */
        uint64_t caps;                /* bounding set */
        bool no_new_privs;
        bool boot;
        int kill_signal;
        char log[4096];               /* console log (--detach), or empty */
};

/* Start time of a pid (clock ticks since boot), 0 when it is gone. */
unsigned long long pid_start_time(pid_t pid);

/* Writes /run/nixbox/NAME/state atomically. */
int machine_state_write(const struct machine_info *m);

/* The KEY=VALUE lines of the state file, and the parser of one of them
 * (false for a key it does not know); the outcome record reuses them. */
void machine_info_fprint(FILE *f, const struct machine_info *m);
bool machine_info_parse(struct machine_info *m, const char *key, const char *value);

/* What asked a machine to end (stop, poweroff, reboot, terminate, kill,
 * timeout): /run/nixbox/NAME/stop-request, written by the asking command
 * before it signals, read by whoever records the outcome (outcome.h). */
#define STOP_REQUEST_FILE "stop-request"
int machine_state_note_stop_request(const char *name, const char *what);
/* The recorded request into buf ("" when none). */
void machine_state_read_stop_request(const char *name, char *buf, size_t size);
/* Forgets it (a reboot that was restarted). */
void machine_state_clear_stop_request(const char *name);

/* Reads a machine's state; -ENOENT when there is none, -ESTALE when the
 * entry was stale (it is removed then). */
int machine_state_read(const char *name, struct machine_info *m);

/* The system-call filter entries (NAME, @group, ~NAME) of a machine, one a
 * line in /run/nixbox/NAME/syscall-filter, so exec confines its command
 * exactly like PID 1 whatever the length of the list. Read: a
 * NULL-terminated vector (free with strv_free); -errno, -ENOENT when none
 * was recorded. */
#define FILTER_FILE "syscall-filter"
int machine_state_write_filter(const char *name, char *const *entries, size_t n);
int machine_state_read_filter(const char *name, char ***entries, size_t *n);

/* Removes /run/nixbox/NAME/ (state and log). */
void machine_state_remove(const char *name);

/* --keep-unit: records the cgroup subtree in /run/nixbox/NAME/cgroup as soon
 * as it exists: it is not below MOUNT/nixbox/, where the stale sweep looks. */
int machine_state_note_cgroup(const char *name, const char *path);

/* Removes the entry of a machine whose nixbox is gone (the caller holds its
 * lock), with the cgroup subtree a --keep-unit run recorded. */
void machine_state_remove_stale(const char *name);

/* Removes the state of machines whose nixbox is gone, then machine and
 * UID-range lock files left by a killed nixbox (state.c keeps the locks
 * themselves; the sweep needs both). uid_dir false leaves nixbox's own
 * UID-range lock directory to the pick, which sweeps it anyway, under its
 * lock, before it trusts any file there (userns.c). */
void state_sweep_stale_locks(bool uid_dir);

/* Calls fn for every running machine (stale entries are cleaned on the way). */
int machine_state_foreach(int (*fn)(const struct machine_info *m, void *userdata), void *userdata);

/* The state directory of a machine: /run/nixbox/NAME. */
void machine_state_dir(const char *name, char *out, size_t size);
