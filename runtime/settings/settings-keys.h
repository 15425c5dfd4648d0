/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The key table: one row per .nspawn key says where it lives (section,
 * name), which command-line options set the same thing, how its value is
 * parsed, where the value lands in struct options, how it is merged and
 * printed, and whether it is privileged or implemented. The settings file
 * (settings-file.c), the command line (cli.c), the merge and the print
 * (settings-merge.c) all go through it, so that one value grammar serves
 * both places (nspawn's nspawn-gperf.gperf, LXC's config jump table).
 * docs/architecture.md "How to add a key" says how to extend it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>

#include "options.h"

struct nb_error;

enum settings_section {
        SECTION_EXEC,
        SECTION_FILES,
        SECTION_NETWORK,
        SECTION_RESOURCES,
        _SECTION_MAX,
};

enum settings_key {
        /* [Exec] */
        SK_BOOT,
        SK_PROCESS_TWO,
        SK_PARAMETERS,
        SK_ENVIRONMENT,
        SK_USER,
        SK_WORKING_DIRECTORY,
        SK_CAPABILITY,
        SK_DROP_CAPABILITY,
        SK_NO_NEW_PRIVILEGES,
        SK_KILL_SIGNAL,
        SK_MACHINE_ID,
        SK_PRIVATE_USERS,
        SK_NOTIFY_READY,
        SK_SYSCALL_FILTER,
        SK_LIMIT_FIRST, /* LimitCPU= ... one per RLIMIT_*, in resource order */
        SK_LIMIT_LAST = SK_LIMIT_FIRST + RLIM_NLIMITS - 1,
        SK_OOM_SCORE_ADJUST,
        SK_CPU_AFFINITY,
        SK_HOSTNAME,
        SK_RESOLV_CONF,
        SK_TIMEZONE,
        SK_LINK_JOURNAL,
        SK_EPHEMERAL,
        SK_AMBIENT_CAPABILITY, /* nspawn keys nixbox does not support: */
        SK_PERSONALITY,        /* accepted, warned about at merge */
        SK_PIVOT_ROOT,
        SK_SUPPRESS_SYNC,
        /* [Files] */
        SK_READ_ONLY,
        SK_VOLATILE,
        SK_BIND, /* the mount keys, in enum custom_mount_type order */
        SK_BIND_READ_ONLY,
        SK_TEMPORARY_FILE_SYSTEM,
        SK_INACCESSIBLE,
        SK_OVERLAY,
        SK_OVERLAY_READ_ONLY,
        SK_PRIVATE_USERS_OWNERSHIP,
        SK_PRIVATE_USERS_CHOWN, /* nspawn's compat spelling: bool = chown/off */
        SK_BIND_USER,           /* unsupported */
        /* [Network]: applied as one group, SK_PRIVATE..SK_IP_MASQUERADE minus SK_PORT */
        SK_PRIVATE,
        SK_VIRTUAL_ETHERNET,
        SK_VIRTUAL_ETHERNET_EXTRA,
        SK_INTERFACE,
        SK_MACVLAN,
        SK_IPVLAN,
        SK_BRIDGE,
        SK_ZONE,
        SK_PORT,
        SK_HOST_ADDRESS, /* nixbox's own */
        SK_LOCAL_ADDRESS,
        SK_IP_MASQUERADE,
        /* [Resources] (nixbox's own, systemd resource-control names; also --property=NAME=) */
        SK_MEMORY_MAX,
        SK_MEMORY_HIGH,
        SK_TASKS_MAX,
        SK_CPU_QUOTA,
        SK_CPU_WEIGHT,
        SK_IO_WEIGHT,
        _SK_MAX,
};

struct settings_key_info;

/* How one kind of value is parsed, unset, merged and printed. o is the
 * command line's options, or a settings file's own (struct settings.o). */
struct settings_key_type {
        /* v is never empty (an empty assignment resets). 0, or -errno with
         * err saying what was expected (the caller prefixes file:line and
         * key, or the option); -EOPNOTSUPP: a value nspawn has but nixbox
         * lacks (the file warns and ignores it, the command line refuses). */
        int (*parse)(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err);
        /* An empty assignment: back to options_init()'s value. */
        void (*reset)(const struct settings_key_info *k, struct options *o);
        /* Merge: the file's value (src) onto the effective options (dst). */
        int (*copy)(const struct settings_key_info *k, struct options *dst, const struct options *src);
        /* "Key=value" (one line per item for repeatable keys, none after the
         * last); false when there is nothing worth printing. A mount line may
         * end in "\tLINE", its own line in the file. */
        bool (*print)(const struct settings_key_info *k, FILE *f, const struct options *o);
        /* Per-value keys (KEY_PER_VALUE): whether o holds a value for k. */
        bool (*is_set)(const struct settings_key_info *k, const struct options *o);
};

/* A command-line spelling of a key. */
struct settings_cli {
        const char *name;  /* long option without "--"; NULL: only the short one */
        char short_name;   /* 0: none */
        const char *value; /* a flag: the value it stands for ("yes", "pick"); NULL: takes one */
        bool optional;     /* --name[=VALUE]: without a value it means "yes" */
};

enum {
        KEY_PER_VALUE = 1 << 0,       /* the command line wins only for the values it set (Limit*=, [Resources]) */
        KEY_MERGE_SPECIAL = 1 << 1,   /* merged by its own code in settings-merge.c, not the generic loop */
        KEY_CLI_ONE_ITEM = 1 << 2,    /* an option's value is one item of the key's list (--setenv) */
        KEY_CLI_REPLACES = 1 << 3,    /* a repeated option replaces (the key adds up) */
        KEY_IMPLIES_PRIVATE = 1 << 4, /* the option turns on the private network */
        KEY_IMPLIES_VETH = 1 << 5,    /* ... and the veth */
};

struct settings_key_info {
        enum settings_key key;
        enum settings_section section;
        const char *name;            /* "Boot", "LimitNOFILE", ... */
        const char *cli;             /* the command line equivalent, for docs and messages */
        struct settings_cli opts[2]; /* the options the command line parses through this row */
        uint64_t set_bit;            /* SET_* bit the command line sets for it (0: none) */
        bool privileged;             /* ignored (with a warning) in an untrusted file */
        bool supported;              /* false: an nspawn key nixbox does not implement */
        bool implemented;            /* false: parsed and merged, but the runtime ignores it (warned) */
        unsigned flags;              /* KEY_* */
        const struct settings_key_type *type;
        size_t offset;        /* offsetof(struct options, the field) */
        int arg;              /* type-specific: mount type, resource, offset of a *_set flag */
        const void *data;     /* type-specific: enum names, name prefix, validator */
        const char *expected; /* "a boolean", for messages */
};

/* The key table, indexed by enum settings_key. */
const struct settings_key_info *settings_key_info(enum settings_key k);
const char *settings_section_name(enum settings_section s);
/* A key by section and name, or NULL. */
const struct settings_key_info *settings_key_lookup(enum settings_section s, const char *name);
/* Whether the runtime acts on a key yet (the row's implemented). */
bool settings_key_implemented(enum settings_key k);

/* The row's parser, without prefixing err. */
int settings_key_parse(const struct settings_key_info *k, const char *v, struct options *o, struct nb_error *err);
/* The command line's path for one option of a row: its value (or the
 * flag's), the same parser, set_mask and the implications; err says
 * "--option: ...". */
int settings_key_parse_cli(const struct settings_key_info *k, const struct settings_cli *opt, const char *v, struct options *o,
                           struct nb_error *err);
void settings_key_reset(const struct settings_key_info *k, struct options *o);
int settings_key_copy(const struct settings_key_info *k, struct options *dst, const struct options *src);
bool settings_key_print(const struct settings_key_info *k, FILE *f, const struct options *o);
/* Whether the command line set k (its set_bit; per value for KEY_PER_VALUE). */
bool settings_key_from_command_line(const struct settings_key_info *k, const struct options *o);
