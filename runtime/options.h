/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration of one container run: filled from the command line
 * (cli.c) and from a .nspawn settings file (settings-*.c), then read by the
 * set-up code. Every field has a neutral default set by options_init(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "macro.h"

enum private_users_mode {
        PRIVATE_USERS_NO,        /* no user namespace */
        PRIVATE_USERS_PICK,      /* nspawn's pick: hash of the machine name, locked */
        PRIVATE_USERS_IDENTITY,  /* 0:65536 mapped onto itself */
        PRIVATE_USERS_FIXED,     /* BASE[:RANGE] given */
        PRIVATE_USERS_YES,       /* range from the root directory's owner */
};

enum ownership_mode {
        OWNERSHIP_AUTO,          /* idmapped mount where supported, else chown */
        OWNERSHIP_MAP,           /* idmapped mount of the root, or fail */
        OWNERSHIP_CHOWN,         /* one-time recursive shift of the tree */
        OWNERSHIP_OFF,           /* leave the tree alone */
};

enum console_mode {
        CONSOLE_DEFAULT,         /* interactive on a terminal, else read-only (boot) / pipe (command) */
        CONSOLE_INTERACTIVE,
        CONSOLE_READ_ONLY,
        CONSOLE_PASSIVE,
        CONSOLE_PIPE,
        CONSOLE_AUTOPIPE,
};

enum settings_mode {
        SETTINGS_YES,            /* read files; command line wins; trust by location */
        SETTINGS_OVERRIDE,       /* read files; file wins */
        SETTINGS_TRUSTED,        /* read files; trust all; command line wins */
        SETTINGS_NO,             /* ignore files */
};

enum idmap_mode {
        IDMAP_NONE,
        IDMAP_IDMAP,             /* whole container range */
        IDMAP_ROOT,              /* host root -> container root only */
        IDMAP_OWNER,             /* owner of the source -> container root */
};

enum custom_mount_type {
        MOUNT_BIND,
        MOUNT_BIND_RO,
        MOUNT_TMPFS,
        MOUNT_INACCESSIBLE,
        MOUNT_OVERLAY,
        MOUNT_OVERLAY_RO,
};

struct custom_mount {
        enum custom_mount_type type;
        char *source;            /* bind: host path ("" = temporary dir); overlay: "lower:...:upper" */
        char *dest;              /* absolute path inside the container */
        char *options;           /* tmpfs options, or NULL */
        bool recursive;          /* rbind (default) vs norbind */
        enum idmap_mode idmap;
        unsigned line; /* the line of the settings file that added it; 0: the command line */
};

enum restart_mode {
        RESTART_LOOP,            /* reboot restarts the container in the same nixbox process */
        RESTART_EXIT,            /* reboot makes nixbox exit 133 (service mode) */
};

enum resolv_conf_mode {
        RESOLV_CONF_AUTO,
        RESOLV_CONF_OFF,
        RESOLV_CONF_COPY_HOST,
        RESOLV_CONF_BIND_HOST,
        RESOLV_CONF_DELETE,
        RESOLV_CONF_COPY_STATIC,  /* static: systemd's /usr/lib/systemd/resolv.conf */
        RESOLV_CONF_COPY_UPLINK,  /* uplink: resolved's /run/systemd/resolve/resolv.conf */
        RESOLV_CONF_COPY_STUB,    /* stub: resolved's /run/systemd/resolve/stub-resolv.conf */
        RESOLV_CONF_REPLACE_HOST, /* replace-*: a new file renamed over the tree's */
        RESOLV_CONF_REPLACE_STATIC,
        RESOLV_CONF_REPLACE_UPLINK,
        RESOLV_CONF_REPLACE_STUB,
        RESOLV_CONF_BIND_STATIC,
        RESOLV_CONF_BIND_UPLINK,
        RESOLV_CONF_BIND_STUB,
};

enum timezone_mode {
        TIMEZONE_AUTO,
        TIMEZONE_OFF,
        TIMEZONE_COPY,
        TIMEZONE_BIND,
        TIMEZONE_SYMLINK,
        TIMEZONE_DELETE,
};

enum link_journal_mode {
        LINK_JOURNAL_AUTO,
        LINK_JOURNAL_NO,
        LINK_JOURNAL_HOST,
        LINK_JOURNAL_TRY_HOST,
        LINK_JOURNAL_GUEST,
        LINK_JOURNAL_TRY_GUEST,
};

enum volatile_mode {
        VOLATILE_NO,
        VOLATILE_YES,
        VOLATILE_STATE,
        VOLATILE_OVERLAY,
};

/* One credential for /run/host/credentials (--set-credential, --load-credential). */
struct credential {
        char *id;   /* a file name */
        char *data; /* size bytes, may hold NULs */
        size_t size;
};

struct port_forward {
        int protocol;            /* IPPROTO_TCP or IPPROTO_UDP */
        uint16_t host_port;
        uint16_t container_port;
};

struct iface_pair {              /* HOST[:CONTAINER] names */
        char *host;
        char *container;
};

struct address {                 /* an IPv4 or IPv6 address with prefix length */
        int family;
        unsigned char addr[16];
        unsigned prefixlen;
};

/* DevicePolicy= (systemd.resource-control(5)): auto and closed allow the
 * API pseudo devices, strict only what DeviceAllow= and nspawn list. */
enum device_policy {
        DEVICE_POLICY_AUTO,
        DEVICE_POLICY_CLOSED,
        DEVICE_POLICY_STRICT,
};

/* DeviceAllow=SPEC [rwm]: SPEC a /dev path, or char-NAME / block-NAME of
 * /proc/devices (a glob); access BPF_DEVCG_ACC_* bits. */
#define DEVICE_ALLOW_MAX 32
struct device_allow {
        char spec[128];
        unsigned access;
};

/* IO{Read,Write}{Bandwidth,IOPS}Max=PATH VALUE: one io.max key of PATH's
 * block device. */
#define IO_LIMIT_MAX 16
enum io_limit_kind { IO_RBPS, IO_WBPS, IO_RIOPS, IO_WIOPS, IO_WEIGHT };
struct io_limit {
        char path[128];
        enum io_limit_kind kind;
        uint64_t value; /* UINT64_MAX = "max" */
};

/* Resource limits for the container's cgroup ([Resources]); UINT64_MAX = unset/max. */
struct resources {
        bool memory_max_set, memory_high_set, tasks_max_set, cpu_quota_set, cpu_weight_set, io_weight_set;
        uint64_t memory_max;     /* bytes, UINT64_MAX = "max" */
        uint64_t memory_high;
        uint64_t tasks_max;
        uint64_t cpu_quota_usec; /* per 100000 us period; UINT64_MAX = "max" */
        uint64_t cpu_weight;     /* 1..10000 */
        uint64_t io_weight;      /* 1..10000 */

        /* nspawn's scope properties that no .nspawn key has: only
         * --property= sets them (docs/nixbox.1, PROPERTIES). */
        enum device_policy device_policy;
        struct device_allow device_allow[DEVICE_ALLOW_MAX];
        size_t n_device_allow;
        bool memory_min_set, memory_low_set, memory_swap_max_set;
        uint64_t memory_min, memory_low, memory_swap_max;
        char allowed_cpus[128]; /* cpuset.cpus, "" = unset */
        char allowed_mems[128]; /* cpuset.mems, "" = unset */
        struct io_limit io_limits[IO_LIMIT_MAX];
        size_t n_io_limits;
};

/* Bits recording which settings the command line set, so that a settings
 * file fills only the rest (nspawn's settings mask). */
enum {
        SET_BOOT = 1ULL << 0,
        SET_PARAMETERS = 1ULL << 1,
        SET_ENVIRONMENT = 1ULL << 2,
        SET_USER = 1ULL << 3,
        SET_WORKING_DIR = 1ULL << 4,
        SET_CAPABILITY = 1ULL << 5,
        SET_NO_NEW_PRIVS = 1ULL << 6,
        SET_KILL_SIGNAL = 1ULL << 7,
        SET_MACHINE_ID = 1ULL << 8,
        SET_PRIVATE_USERS = 1ULL << 9,
        SET_NOTIFY_READY = 1ULL << 10,
        SET_SYSCALL_FILTER = 1ULL << 11,
        SET_RLIMIT = 1ULL << 12,
        SET_OOM_SCORE = 1ULL << 13,
        SET_CPU_AFFINITY = 1ULL << 14,
        SET_HOSTNAME = 1ULL << 15,
        SET_RESOLV_CONF = 1ULL << 16,
        SET_TIMEZONE = 1ULL << 17,
        SET_LINK_JOURNAL = 1ULL << 18,
        SET_PROCESS_TWO = 1ULL << 19,
        SET_EPHEMERAL = 1ULL << 20,
        SET_READ_ONLY = 1ULL << 21,
        SET_VOLATILE = 1ULL << 22,
        SET_CUSTOM_MOUNTS = 1ULL << 23,
        SET_OWNERSHIP = 1ULL << 24,
        SET_NETWORK = 1ULL << 25,
        SET_PORTS = 1ULL << 26,
        SET_RESOURCES = 1ULL << 27,
        SET_INIT = 1ULL << 28,
        SET_CONSOLE = 1ULL << 29,
        SET_CREDENTIALS = 1ULL << 30,
        SET_PERSONALITY = 1ULL << 40, /* apart from the other branches' new bits */
};

/* What PID 1 is (nspawn's start modes). */
enum start_mode {
        START_UNSET = -1,                /* settings files only: not set */
        START_PID2 = 0,                  /* the init-shim is PID 1, the command PID 2 (default) */
        START_PID1,                      /* the command is PID 1 (--as-pid1, Boot=no / ProcessTwo=no) */
        START_BOOT,                      /* an init is PID 1 (--boot, Boot=yes, no command) */
};

struct options {
        /* What to run. */
        char *root;                  /* ROOTFS as given on the command line */
        char *machine;               /* -M; default: basename of the root */
        char *hostname;              /* default: machine name */
        enum start_mode start_mode;  /* START_BOOT from -b/Boot=yes until cli_finish() decides */
        bool boot_explicit;          /* --boot given (vs. implied by no command) */
        char *init_path;             /* --init=PATH (inside the root) */
        char **argv;                 /* COMMAND + ARGS, or init's arguments when booting */
        size_t argc;
        enum start_mode command_mode; /* --as-pid1/--as-pid2: START_PID1 or START_PID2, for a command */
        bool check_os_release;       /* refuse a boot without os-release (default on) */
        bool keep_unit;              /* --keep-unit: cgroup below nixbox's own, not at the root */
        bool nspawn_mode;            /* invoked as systemd-nspawn: nspawn's defaults (nspawn-cli.h) */
        bool personality_set;        /* --personality= */
        unsigned long personality;   /* personality(2) of the payload */

        /* Process. */
        char **setenv;               /* NAME=VALUE list */
        size_t n_setenv;
        char *working_dir;           /* --chdir */
        char *user;                  /* --user */
        uint64_t caps_add;           /* --capability */
        uint64_t caps_drop;          /* --drop-capability */
        bool no_new_privileges;
        char **syscall_filter;       /* NAME, @group, ~NAME entries */
        size_t n_syscall_filter;
        int kill_signal;             /* 0 = default (SIGRTMIN+3 when booting, else forward) */
        bool notify_ready;
        enum console_mode console;
        struct rlimit *rlimits[RLIM_NLIMITS];
        bool oom_score_adjust_set;
        int oom_score_adjust;
        bool cpu_affinity_set;
        uint64_t cpu_affinity[16];   /* bitmap of 1024 CPUs */
        char *uuid;                  /* --uuid / MachineID= (32 hex digits) */
        enum restart_mode restart;

        /* Users. */
        enum private_users_mode private_users;
        uid_t uid_shift;             /* for FIXED */
        uid_t uid_range;             /* for FIXED (default 65536) */
        enum ownership_mode ownership;

        /* File systems. */
        bool read_only;
        bool trust_tree;             /* --trust-tree: skip the "other host users can reach it" refusal */
        enum volatile_mode volatile_mode;
        bool ephemeral;
        struct custom_mount *mounts;
        size_t n_mounts;
        enum resolv_conf_mode resolv_conf;
        enum timezone_mode timezone;
        enum link_journal_mode link_journal;
        struct credential *credentials;
        size_t n_credentials;

        /* Network. */
        bool private_network;        /* default on; --network=host / --share-net turns it off */
        bool network_veth;
        char *network_bridge;
        char *network_zone;
        char *network_namespace_path;
        bool share_network_explicit; /* --share-network / --private-network=no on the command line */
        struct iface_pair *veth_extra;
        size_t n_veth_extra;
        struct iface_pair *interfaces;
        size_t n_interfaces;
        struct iface_pair *macvlan;
        size_t n_macvlan;
        struct iface_pair *ipvlan;
        size_t n_ipvlan;
        struct port_forward *ports;
        size_t n_ports;
        struct address *host_addresses;
        size_t n_host_addresses;
        struct address *local_addresses;
        size_t n_local_addresses;
        bool masquerade;

        /* cgroup. */
        struct resources resources;

        /* Settings files. */
        enum settings_mode settings;
        uint64_t set_mask;           /* SET_* bits set on the command line */

        /* Output. */
        bool quiet;
        bool trace;                  /* --trace: timestamps per set-up step */
        bool print_settings;         /* --print-settings: print, do not run */
        bool detach;                 /* --detach: return once the container is ready */
        unsigned timeout_sec;        /* --timeout for --detach (0: default) */
        uint64_t console_log_size;   /* --console-log-size for --detach (0: default) */
        int ready_notify_fd;         /* --ready-fd: a newline when ready (-1: none) */
        int json_status_fd;          /* --json-status-fd: JSON events (-1: none) */
        bool die_with_parent;        /* --die-with-parent: SIGKILL when the caller dies */
};

void options_init(struct options *o);
/* Whether the tree itself is mounted read-only and must not be written:
 * --read-only without a volatile mode (nspawn ignores it with one), or
 * --volatile=state. */
bool options_tree_read_only(const struct options *o);
void options_free(struct options *o);
