/* One .nspawn settings file parsed into a typed struct that remembers, for
 * every key, the line that set it. Parsing is all-or-nothing: the first
 * invalid line makes the whole file an error (nothing is applied), unknown
 * sections and keys are warnings. The syntax is systemd's (systemd.syntax(7));
 * see docs/settings-file.md for why this is a small own parser, not inih. */
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
        SK_LIMIT_FIRST,                          /* LimitCPU= ... one per RLIMIT_*, in resource order */
        SK_LIMIT_LAST = SK_LIMIT_FIRST + RLIM_NLIMITS - 1,
        SK_OOM_SCORE_ADJUST,
        SK_CPU_AFFINITY,
        SK_HOSTNAME,
        SK_RESOLV_CONF,
        SK_TIMEZONE,
        SK_LINK_JOURNAL,
        SK_EPHEMERAL,
        SK_AMBIENT_CAPABILITY,                   /* nspawn keys nixbox does not support: */
        SK_PERSONALITY,                          /* parsed as text, warned about at merge */
        SK_PIVOT_ROOT,
        SK_SUPPRESS_SYNC,
        /* [Files] */
        SK_READ_ONLY,
        SK_VOLATILE,
        SK_BIND,
        SK_BIND_READ_ONLY,
        SK_TEMPORARY_FILE_SYSTEM,
        SK_INACCESSIBLE,
        SK_OVERLAY,
        SK_OVERLAY_READ_ONLY,
        SK_PRIVATE_USERS_OWNERSHIP,
        SK_PRIVATE_USERS_CHOWN,                  /* nspawn's compat spelling: bool = chown/off */
        SK_BIND_USER,                            /* unsupported */
        /* [Network] */
        SK_PRIVATE,
        SK_VIRTUAL_ETHERNET,
        SK_VIRTUAL_ETHERNET_EXTRA,
        SK_INTERFACE,
        SK_MACVLAN,
        SK_IPVLAN,
        SK_BRIDGE,
        SK_ZONE,
        SK_PORT,
        SK_HOST_ADDRESS,                         /* nixbox's own */
        SK_LOCAL_ADDRESS,
        SK_IP_MASQUERADE,
        /* [Resources] (nixbox's own, systemd resource-control names) */
        SK_MEMORY_MAX,
        SK_MEMORY_HIGH,
        SK_TASKS_MAX,
        SK_CPU_QUOTA,
        SK_CPU_WEIGHT,
        SK_IO_WEIGHT,
        _SK_MAX,
};

struct settings_key_info {
        enum settings_key key;
        enum settings_section section;
        const char *name;                /* "Boot", "LimitNOFILE", ... */
        const char *cli;                 /* the command line equivalent, for docs and messages */
        uint64_t set_bit;                /* SET_* bit the command line sets for it (0: none) */
        bool privileged;                 /* ignored (with a warning) in an untrusted file */
        bool supported;                  /* false: an nspawn key nixbox does not implement */
};

/* The key table, indexed by enum settings_key. */
const struct settings_key_info *settings_key_info(enum settings_key k);
const char *settings_section_name(enum settings_section s);
/* A key by section and name, or NULL. */
const struct settings_key_info *settings_key_lookup(enum settings_section s, const char *name);

struct settings {
        char *path;
        /* line[k] != 0: key k is set, by that line (the last one for lists).
         * An empty assignment unsets a key (and empties its list). */
        unsigned line[_SK_MAX];

        /* Warnings found while parsing, "PATH:LINE: text", for the caller to print. */
        char **warnings;
        size_t n_warnings;

        /* [Exec] */
        enum start_mode start_mode;
        char **parameters;
        size_t n_parameters;
        char **environment;
        size_t n_environment;
        char *user;
        char *working_dir;
        uint64_t caps_add;
        uint64_t caps_drop;
        bool no_new_privileges;
        int kill_signal;
        char machine_id[33];
        enum private_users_mode private_users;
        uid_t uid_shift;
        uid_t uid_range;
        bool notify_ready;
        char **syscall_filter;           /* NAME / @group allow entries, ~NAME deny entries */
        size_t n_syscall_filter;
        struct rlimit rlimits[RLIM_NLIMITS];
        int oom_score_adjust;
        uint64_t cpu_affinity[16];
        char *hostname;
        enum resolv_conf_mode resolv_conf;
        enum timezone_mode timezone;
        enum link_journal_mode link_journal;
        bool ephemeral;
        char *unsupported[_SK_MAX];      /* raw values of the unsupported keys */

        /* [Files] */
        bool read_only;
        enum volatile_mode volatile_mode;
        struct custom_mount *mounts;     /* all mount keys, in file order */
        unsigned *mount_lines;
        size_t n_mounts;
        enum ownership_mode ownership;

        /* [Network] */
        bool private_network;
        bool network_veth;
        struct iface_pair *veth_extra;
        size_t n_veth_extra;
        struct iface_pair *interfaces;
        size_t n_interfaces;
        struct iface_pair *macvlan;
        size_t n_macvlan;
        struct iface_pair *ipvlan;
        size_t n_ipvlan;
        char *bridge;
        char *zone;                      /* the zone name, without "vz-" */
        struct port_forward *ports;
        size_t n_ports;
        struct address *host_addresses;
        size_t n_host_addresses;
        struct address *local_addresses;
        size_t n_local_addresses;
        bool masquerade;

        /* [Resources]: the *_set flags mirror line[] */
        struct resources resources;
};

/* Largest file accepted; a real .nspawn file is a few KiB. */
#define SETTINGS_FILE_MAX (4U * 1024U * 1024U)

/* Parses text (size bytes, NUL bytes end lines as in systemd) named path in
 * messages. On success *ret gets a new struct (free with settings_free); on
 * error *ret is untouched and err names PATH:LINE, the key and what was
 * expected. */
int settings_parse_string(const char *text, size_t size, const char *path, struct settings **ret, struct nb_error *err);
/* Reads an open file (at most SETTINGS_FILE_MAX bytes) and parses it. */
int settings_parse_fd(int fd, const char *path, struct settings **ret, struct nb_error *err);
void settings_free(struct settings *s);
static inline void settings_freep(struct settings **s) { settings_free(*s); }
