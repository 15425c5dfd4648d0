/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd's named system-call groups (@default, @file-system, ... @known),
 * pinned to one systemd version (see syscall-groups.c), and a bitmap set of
 * calls indexed by the sorted name table, for building filters quickly. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct syscall_group {
        const char *name;            /* with the '@': "@default" */
        const char *help;
        const char *const *members;  /* NULL-terminated call names and nested "@group"s */
};

extern const struct syscall_group syscall_groups[];
extern const size_t syscall_groups_count;

/* Every call some group names, sorted; the index space of struct syscall_set. */
#define SYSCALL_NAMES_COUNT 539
extern const char *const syscall_names[SYSCALL_NAMES_COUNT];

struct syscall_set {
        uint64_t bits[(SYSCALL_NAMES_COUNT + 63) / 64];
};

/* Looks a group up by its name ("@mount"); NULL when unknown. */
const struct syscall_group *syscall_group_find(const char *name);

/* Index of a call name in syscall_names[], or -1 when no group names it. */
int syscall_name_index(const char *name);

/* Adds every call of the group (nested groups expanded). Returns 0 or
 * -ENOENT for an unknown group. */
int syscall_set_add_group(struct syscall_set *set, const char *group);

static inline void syscall_set_add(struct syscall_set *set, int index) {
        set->bits[index / 64] |= UINT64_C(1) << (index % 64);
}

static inline bool syscall_set_contains(const struct syscall_set *set, int index) {
        return set->bits[index / 64] & (UINT64_C(1) << (index % 64));
}
