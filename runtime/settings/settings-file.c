/* Parses one .nspawn settings file: systemd's INI syntax (systemd.syntax(7),
 * conf-parser.c) into struct settings. Own parser rather than inih: see
 * docs/settings-file.md. */
#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>

#include "machine-id.h"
#include "capabilities.h"
#include "error.h"
#include "parse-util.h"
#include "seccomp-policy.h"
#include "settings-file.h"

/* ---- the key table ---- */

#define EXEC(k, n, c, bit, priv) [k] = { k, SECTION_EXEC, n, c, bit, priv, true }
#define FILES(k, n, c, bit, priv) [k] = { k, SECTION_FILES, n, c, bit, priv, true }
#define NET(k, n, c) [k] = { k, SECTION_NETWORK, n, c, SET_NETWORK, true, true }
#define RES(k, n, c) [k] = { k, SECTION_RESOURCES, n, c, SET_RESOURCES, true, true }
#define UNSUPPORTED(k, s, n, c) [k] = { k, s, n, c, 0, true, false }
#define LIMIT(r, n) [SK_LIMIT_FIRST + r] = { SK_LIMIT_FIRST + r, SECTION_EXEC, "Limit" n, "--rlimit=" n "=", SET_RLIMIT, true, true }

static const struct settings_key_info keys[_SK_MAX] = {
        EXEC(SK_BOOT,              "Boot",             "--boot",              SET_BOOT,           false),
        EXEC(SK_PROCESS_TWO,       "ProcessTwo",       "--as-pid2",           SET_BOOT,           false),
        EXEC(SK_PARAMETERS,        "Parameters",       "COMMAND [ARGS...]",   SET_PARAMETERS,     false),
        EXEC(SK_ENVIRONMENT,       "Environment",      "--setenv",            SET_ENVIRONMENT,    false),
        EXEC(SK_USER,              "User",             "--user",              SET_USER,           false),
        EXEC(SK_WORKING_DIRECTORY, "WorkingDirectory", "--chdir",             SET_WORKING_DIR,    false),
        EXEC(SK_CAPABILITY,        "Capability",       "--capability",        SET_CAPABILITY,     true),
        EXEC(SK_DROP_CAPABILITY,   "DropCapability",   "--drop-capability",   SET_CAPABILITY,     false),
        EXEC(SK_NO_NEW_PRIVILEGES, "NoNewPrivileges",  "--no-new-privileges", SET_NO_NEW_PRIVS,   false),
        EXEC(SK_KILL_SIGNAL,       "KillSignal",       "--kill-signal",       SET_KILL_SIGNAL,    false),
        EXEC(SK_MACHINE_ID,        "MachineID",        "--uuid",              SET_MACHINE_ID,     true),
        EXEC(SK_PRIVATE_USERS,     "PrivateUsers",     "--private-users",     SET_PRIVATE_USERS,  true),
        EXEC(SK_NOTIFY_READY,      "NotifyReady",      "--notify-ready",      SET_NOTIFY_READY,   false),
        /* Allow entries are privileged, deny entries (~) are not: settings-merge.c. */
        EXEC(SK_SYSCALL_FILTER,    "SystemCallFilter", "--system-call-filter", SET_SYSCALL_FILTER, true),
        LIMIT(RLIMIT_CPU, "CPU"),           LIMIT(RLIMIT_FSIZE, "FSIZE"),     LIMIT(RLIMIT_DATA, "DATA"),
        LIMIT(RLIMIT_STACK, "STACK"),       LIMIT(RLIMIT_CORE, "CORE"),       LIMIT(RLIMIT_RSS, "RSS"),
        LIMIT(RLIMIT_NOFILE, "NOFILE"),     LIMIT(RLIMIT_AS, "AS"),           LIMIT(RLIMIT_NPROC, "NPROC"),
        LIMIT(RLIMIT_MEMLOCK, "MEMLOCK"),   LIMIT(RLIMIT_LOCKS, "LOCKS"),     LIMIT(RLIMIT_SIGPENDING, "SIGPENDING"),
        LIMIT(RLIMIT_MSGQUEUE, "MSGQUEUE"), LIMIT(RLIMIT_NICE, "NICE"),       LIMIT(RLIMIT_RTPRIO, "RTPRIO"),
        LIMIT(RLIMIT_RTTIME, "RTTIME"),
        EXEC(SK_OOM_SCORE_ADJUST,  "OOMScoreAdjust",   "--oom-score-adjust",  SET_OOM_SCORE,      true),
        EXEC(SK_CPU_AFFINITY,      "CPUAffinity",      "--cpu-affinity",      SET_CPU_AFFINITY,   true),
        EXEC(SK_HOSTNAME,          "Hostname",         "--hostname",          SET_HOSTNAME,       false),
        EXEC(SK_RESOLV_CONF,       "ResolvConf",       "--resolv-conf",       SET_RESOLV_CONF,    false),
        EXEC(SK_TIMEZONE,          "Timezone",         "--timezone",          SET_TIMEZONE,       false),
        EXEC(SK_LINK_JOURNAL,      "LinkJournal",      "--link-journal",      SET_LINK_JOURNAL,   true),
        EXEC(SK_EPHEMERAL,         "Ephemeral",        "--ephemeral",         SET_EPHEMERAL,      false),
        UNSUPPORTED(SK_AMBIENT_CAPABILITY, SECTION_EXEC, "AmbientCapability", "--ambient-capability"),
        UNSUPPORTED(SK_PERSONALITY,  SECTION_EXEC,  "Personality",  "--personality"),
        UNSUPPORTED(SK_PIVOT_ROOT,   SECTION_EXEC,  "PivotRoot",    "--pivot-root"),
        UNSUPPORTED(SK_SUPPRESS_SYNC, SECTION_EXEC, "SuppressSync", "--suppress-sync"),
        FILES(SK_READ_ONLY,        "ReadOnly",         "--read-only",         SET_READ_ONLY,      false),
        FILES(SK_VOLATILE,         "Volatile",         "--volatile",          SET_VOLATILE,       false),
        FILES(SK_BIND,             "Bind",             "--bind",              SET_CUSTOM_MOUNTS,  true),
        FILES(SK_BIND_READ_ONLY,   "BindReadOnly",     "--bind-ro",           SET_CUSTOM_MOUNTS,  true),
        FILES(SK_TEMPORARY_FILE_SYSTEM, "TemporaryFileSystem", "--tmpfs",     SET_CUSTOM_MOUNTS,  true),
        FILES(SK_INACCESSIBLE,     "Inaccessible",     "--inaccessible",      SET_CUSTOM_MOUNTS,  true),
        FILES(SK_OVERLAY,          "Overlay",          "--overlay",           SET_CUSTOM_MOUNTS,  true),
        FILES(SK_OVERLAY_READ_ONLY, "OverlayReadOnly", "--overlay-ro",        SET_CUSTOM_MOUNTS,  true),
        FILES(SK_PRIVATE_USERS_OWNERSHIP, "PrivateUsersOwnership", "--private-users-ownership", SET_OWNERSHIP, true),
        FILES(SK_PRIVATE_USERS_CHOWN, "PrivateUsersChown", "--private-users-ownership=chown", SET_OWNERSHIP, true),
        UNSUPPORTED(SK_BIND_USER,    SECTION_FILES, "BindUser",     "--bind-user"),
        NET(SK_PRIVATE,            "Private",          "--private-network"),
        NET(SK_VIRTUAL_ETHERNET,   "VirtualEthernet",  "--network-veth"),
        NET(SK_VIRTUAL_ETHERNET_EXTRA, "VirtualEthernetExtra", "--network-veth-extra"),
        NET(SK_INTERFACE,          "Interface",        "--network-interface"),
        NET(SK_MACVLAN,            "MACVLAN",          "--network-macvlan"),
        NET(SK_IPVLAN,             "IPVLAN",           "--network-ipvlan"),
        NET(SK_BRIDGE,             "Bridge",           "--network-bridge"),
        NET(SK_ZONE,               "Zone",             "--network-zone"),
        [SK_PORT] = { SK_PORT, SECTION_NETWORK, "Port", "--port", SET_PORTS, true, true },
        NET(SK_HOST_ADDRESS,       "HostAddress",      "--host-address"),
        NET(SK_LOCAL_ADDRESS,      "LocalAddress",     "--local-address"),
        NET(SK_IP_MASQUERADE,      "IPMasquerade",     "--masquerade"),
        RES(SK_MEMORY_MAX,         "MemoryMax",        "--memory-max"),
        RES(SK_MEMORY_HIGH,        "MemoryHigh",       "--memory-high"),
        RES(SK_TASKS_MAX,          "TasksMax",         "--tasks-max"),
        RES(SK_CPU_QUOTA,          "CPUQuota",         "--cpu-quota"),
        RES(SK_CPU_WEIGHT,         "CPUWeight",        "--cpu-weight"),
        RES(SK_IO_WEIGHT,          "IOWeight",         "--io-weight"),
};

static const char *const section_names[_SECTION_MAX] = {
        [SECTION_EXEC] = "Exec",
        [SECTION_FILES] = "Files",
        [SECTION_NETWORK] = "Network",
        [SECTION_RESOURCES] = "Resources",
};

const struct settings_key_info *settings_key_info(enum settings_key k) {
        assert(k >= 0 && k < _SK_MAX);
        return &keys[k];
}

const char *settings_section_name(enum settings_section s) {
        assert(s >= 0 && s < _SECTION_MAX);
        return section_names[s];
}

const struct settings_key_info *settings_key_lookup(enum settings_section s, const char *name) {
        for (size_t i = 0; i < _SK_MAX; i++)
                if (keys[i].section == s && streq(keys[i].name, name))
                        return &keys[i];
        return NULL;
}

/* ---- the struct ---- */

static struct settings *settings_new(const char *path) {
        struct settings *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->path = strdup(path);
        if (!s->path) {
                free(s);
                return NULL;
        }
        s->start_mode = START_UNSET;
        s->uid_range = 0x10000;
        return s;
}

static void mounts_free(struct custom_mount *m, size_t n) {
        for (size_t i = 0; i < n; i++)
                custom_mount_free(&m[i]);
        free(m);
}

void settings_free(struct settings *s) {
        if (!s)
                return;
        free(s->path);
        strv_free(s->warnings);
        strv_free(s->parameters);
        strv_free(s->environment);
        free(s->user);
        free(s->working_dir);
        strv_free(s->syscall_filter);
        free(s->hostname);
        for (size_t i = 0; i < _SK_MAX; i++)
                free(s->unsupported[i]);
        mounts_free(s->mounts, s->n_mounts);
        free(s->mount_lines);
        iface_pair_list_free(&s->veth_extra, &s->n_veth_extra);
        iface_pair_list_free(&s->interfaces, &s->n_interfaces);
        iface_pair_list_free(&s->macvlan, &s->n_macvlan);
        iface_pair_list_free(&s->ipvlan, &s->n_ipvlan);
        free(s->bridge);
        free(s->zone);
        free(s->ports);
        free(s->host_addresses);
        free(s->local_addresses);
        free(s);
}

static void warn(struct settings *s, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void warn(struct settings *s, unsigned line, const char *fmt, ...) {
        char msg[1024], *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (asprintf(&full, "%s:%u: %s", s->path, line, msg) < 0)
                return;   /* a lost warning under memory pressure is acceptable */
        (void) strv_consume(&s->warnings, &s->n_warnings, full);
}

/* ---- one assignment ---- */

static int invalid(struct nb_error *err, const char *value, const char *expected) {
        return nb_error_set(err, 0, "invalid value \"%s\": expected %s", value, expected);
}

static int set_bool(bool *b, const char *v, struct nb_error *err) {
        int r = parse_boolean(v);
        if (r < 0)
                return invalid(err, v, "a boolean (yes/no, true/false, on/off, 1/0)");
        *b = r;
        return 0;
}

static int set_string(char **dst, const char *v) {
        char *c = strdup(v);
        if (!c)
                return -ENOMEM;
        free(*dst);
        *dst = c;
        return 0;
}

/* Checks an enum parser's result: the value (>= 0), an error, or
 * -EAGAIN after warning about an nspawn value nixbox lacks (-EOPNOTSUPP). */
static int check_enum(struct settings *s, unsigned line, const struct settings_key_info *k, int r, const char *v,
                      const char *expected, struct nb_error *err) {
        if (r == -EOPNOTSUPP) {
                warn(s, line, "%s=%s is not supported by nixbox, ignoring", k->name, v);
                s->line[k->key] = 0;
                return -EAGAIN;
        }
        if (r < 0)
                return invalid(err, v, expected);
        return r;
}

#define SET_ENUM(field, parser, expected) do {                                             \
                r = check_enum(s, line, k, parser(v), v, expected, err);                   \
                if (r >= 0)                                                                \
                        s->field = r;                                                      \
                return r == -EAGAIN ? 0 : r < 0 ? r : 0;                                   \
        } while (0)

static int append(void *array, size_t *n, size_t elem, const void *value) {
        void **a = array;
        char *t = realloc(*a, (*n + 1) * elem);

        if (!t)
                return -ENOMEM;
        memcpy(t + *n * elem, value, elem);
        (*n)++;
        *a = t;
        return 0;
}

static bool user_name_valid(const char *u) {
        if (!*u || strlen(u) > 256 || u[0] == '-')
                return false;
        for (const char *p = u; *p; p++)
                if ((unsigned char) *p <= 32 || *p == 127 || *p == ':' || *p == '/' || *p == ',')
                        return false;
        return true;
}

static enum custom_mount_type mount_type_of(enum settings_key k) {
        switch (k) {
        case SK_BIND:                   return MOUNT_BIND;
        case SK_BIND_READ_ONLY:         return MOUNT_BIND_RO;
        case SK_TEMPORARY_FILE_SYSTEM:  return MOUNT_TMPFS;
        case SK_INACCESSIBLE:           return MOUNT_INACCESSIBLE;
        case SK_OVERLAY:                return MOUNT_OVERLAY;
        default:                        return MOUNT_OVERLAY_RO;
        }
}

/* Empties the list (or unsets the value) behind key k: an empty assignment. */
static void reset_key(struct settings *s, enum settings_key k) {
        size_t j = 0;

        s->line[k] = 0;
        switch (k) {
        case SK_PARAMETERS:
                strv_free(s->parameters);
                s->parameters = NULL;
                s->n_parameters = 0;
                break;
        case SK_ENVIRONMENT:
                strv_free(s->environment);
                s->environment = NULL;
                s->n_environment = 0;
                break;
        case SK_SYSCALL_FILTER:
                strv_free(s->syscall_filter);
                s->syscall_filter = NULL;
                s->n_syscall_filter = 0;
                break;
        case SK_CAPABILITY:             s->caps_add = 0; break;
        case SK_DROP_CAPABILITY:        s->caps_drop = 0; break;
        case SK_CPU_AFFINITY:           memset(s->cpu_affinity, 0, sizeof(s->cpu_affinity)); break;
        case SK_PRIVATE_USERS_CHOWN:    s->line[SK_PRIVATE_USERS_OWNERSHIP] = 0; break;
        case SK_BOOT:
        case SK_PROCESS_TWO:
                s->start_mode = START_UNSET;
                s->line[SK_BOOT] = s->line[SK_PROCESS_TWO] = 0;
                break;
        case SK_USER:                   free(s->user); s->user = NULL; break;
        case SK_WORKING_DIRECTORY:      free(s->working_dir); s->working_dir = NULL; break;
        case SK_HOSTNAME:               free(s->hostname); s->hostname = NULL; break;
        case SK_BRIDGE:                 free(s->bridge); s->bridge = NULL; break;
        case SK_ZONE:                   free(s->zone); s->zone = NULL; break;
        case SK_BIND: case SK_BIND_READ_ONLY: case SK_TEMPORARY_FILE_SYSTEM:
        case SK_INACCESSIBLE: case SK_OVERLAY: case SK_OVERLAY_READ_ONLY:
                /* Only this key's mounts go; the others keep their order. */
                for (size_t i = 0; i < s->n_mounts; i++) {
                        if (s->mounts[i].type == mount_type_of(k)) {
                                custom_mount_free(&s->mounts[i]);
                                continue;
                        }
                        s->mounts[j] = s->mounts[i];
                        s->mount_lines[j++] = s->mount_lines[i];
                }
                s->n_mounts = j;
                break;
        case SK_VIRTUAL_ETHERNET_EXTRA: iface_pair_list_free(&s->veth_extra, &s->n_veth_extra); break;
        case SK_INTERFACE:              iface_pair_list_free(&s->interfaces, &s->n_interfaces); break;
        case SK_MACVLAN:                iface_pair_list_free(&s->macvlan, &s->n_macvlan); break;
        case SK_IPVLAN:                 iface_pair_list_free(&s->ipvlan, &s->n_ipvlan); break;
        case SK_PORT:                   free(s->ports); s->ports = NULL; s->n_ports = 0; break;
        case SK_HOST_ADDRESS:
                free(s->host_addresses);
                s->host_addresses = NULL;
                s->n_host_addresses = 0;
                break;
        case SK_LOCAL_ADDRESS:
                free(s->local_addresses);
                s->local_addresses = NULL;
                s->n_local_addresses = 0;
                break;
        case SK_MEMORY_MAX:             s->resources.memory_max_set = false; break;
        case SK_MEMORY_HIGH:            s->resources.memory_high_set = false; break;
        case SK_TASKS_MAX:              s->resources.tasks_max_set = false; break;
        case SK_CPU_QUOTA:              s->resources.cpu_quota_set = false; break;
        case SK_CPU_WEIGHT:             s->resources.cpu_weight_set = false; break;
        case SK_IO_WEIGHT:              s->resources.io_weight_set = false; break;
        default:
                if (!keys[k].supported) {
                        free(s->unsupported[k]);
                        s->unsupported[k] = NULL;
                }
                break;
        }
}

static int env_replace(struct settings *s, char *assignment) {
        size_t name_len = strcspn(assignment, "=") + 1;

        for (size_t i = 0; i < s->n_environment; i++)
                if (strncmp(s->environment[i], assignment, name_len) == 0) {
                        free(s->environment[i]);
                        s->environment[i] = assignment;
                        return 0;
                }
        return strv_consume(&s->environment, &s->n_environment, assignment);
}

static int set_start_mode(struct settings *s, enum settings_key k, const char *v, struct nb_error *err) {
        enum start_mode yes = k == SK_BOOT ? START_BOOT : START_PID2;
        enum start_mode other = k == SK_BOOT ? START_PID2 : START_BOOT;
        bool b = false;
        int r = set_bool(&b, v, err);

        if (r < 0)
                return r;
        /* nspawn: Boot=yes and ProcessTwo=yes exclude each other; "no"
         * only means "the command is PID 1" unless the other said yes. */
        if (b && s->start_mode == other)
                return nb_error_set(err, 0, "Boot=yes and ProcessTwo=yes exclude each other");
        if (b)
                s->start_mode = yes;
        else if (s->start_mode == yes || s->start_mode == START_UNSET)
                s->start_mode = START_PID1;
        return 0;
}

static int assign(struct settings *s, const struct settings_key_info *k, const char *v, unsigned line,
                  struct nb_error *err) {
        enum settings_key key = k->key;
        int r = 0;

        if (!*v) {
                reset_key(s, key);
                return 0;
        }
        s->line[key] = line;

        if (key >= SK_LIMIT_FIRST && key <= SK_LIMIT_LAST)
                return parse_rlimit_value(key - SK_LIMIT_FIRST, v, &s->rlimits[key - SK_LIMIT_FIRST], err);

        switch (key) {
        case SK_BOOT:
        case SK_PROCESS_TWO:
                return set_start_mode(s, key, v, err);

        case SK_PARAMETERS:
        case SK_ENVIRONMENT: {
                char **words = NULL;
                size_t n = 0;

                r = parse_words(v, &words, &n, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++) {
                        if (key == SK_ENVIRONMENT && parse_env_assignment(words[i]) < 0) {
                                r = nb_error_set(err, 0, "invalid environment assignment \"%s\": expected NAME=VALUE", words[i]);
                                break;
                        }
                        char *w = TAKE_PTR(words[i]);
                        r = key == SK_ENVIRONMENT ? env_replace(s, w) : strv_consume(&s->parameters, &s->n_parameters, w);
                        if (r < 0)
                                break;
                }
                /* Taken words left NULL holes: free by count. */
                for (size_t i = 0; i < n; i++)
                        free(words[i]);
                free(words);
                return r;
        }

        case SK_USER:
                if (!user_name_valid(v))
                        return invalid(err, v, "a user name or numeric UID");
                return set_string(&s->user, v);

        case SK_WORKING_DIRECTORY: {
                struct custom_mount m;   /* borrow the path check of --inaccessible */
                r = parse_custom_mount(MOUNT_INACCESSIBLE, v, &m, NULL);
                if (r < 0)
                        return invalid(err, v, "an absolute path");
                free(s->working_dir);
                s->working_dir = TAKE_PTR(m.dest);
                custom_mount_free(&m);
                return 0;
        }

        case SK_CAPABILITY:
                return caps_parse(v, &s->caps_add, err);
        case SK_DROP_CAPABILITY:
                return caps_parse(v, &s->caps_drop, err);
        case SK_NO_NEW_PRIVILEGES:
                return set_bool(&s->no_new_privileges, v, err);
        case SK_NOTIFY_READY:
                return set_bool(&s->notify_ready, v, err);
        case SK_EPHEMERAL:
                return set_bool(&s->ephemeral, v, err);
        case SK_READ_ONLY:
                return set_bool(&s->read_only, v, err);
        case SK_PRIVATE:
                return set_bool(&s->private_network, v, err);
        case SK_VIRTUAL_ETHERNET:
                return set_bool(&s->network_veth, v, err);
        case SK_IP_MASQUERADE:
                return set_bool(&s->masquerade, v, err);

        case SK_KILL_SIGNAL:
                r = parse_signal(v);
                if (r < 0)
                        return invalid(err, v, "a signal name or number, like SIGTERM or SIGRTMIN+3");
                s->kill_signal = r;
                return 0;

        case SK_MACHINE_ID:
                if (machine_id_parse_uuid(v, s->machine_id) < 0)
                        return invalid(err, v, "a 128-bit ID of 32 hexadecimal digits, not all zero");
                return 0;

        case SK_PRIVATE_USERS: {
                struct options tmp = { .uid_range = 0x10000 };
                r = parse_private_users(v, &tmp, err);
                if (r == -EOPNOTSUPP) {
                        warn(s, line, "%s=%s is not supported by nixbox, ignoring", k->name, v);
                        s->line[key] = 0;
                        return 0;
                }
                if (r < 0)
                        return r;
                s->private_users = tmp.private_users;
                s->uid_shift = tmp.uid_shift;
                s->uid_range = tmp.uid_range;
                return 0;
        }

        case SK_SYSCALL_FILTER: {
                bool deny = v[0] == '~';
                char **words = NULL;
                size_t n = 0;

                r = split_whitespace(v + deny, &words, &n);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n && r >= 0; i++) {
                        if (words[i][0] == '~' || (r = seccomp_validate_entry(words[i], err)) < 0) {
                                if (words[i][0] == '~')
                                        r = invalid(err, words[i], "system call names or @groups, the whole list optionally prefixed by ~");
                                break;
                        }
                        char *e = NULL;
                        if (asprintf(&e, "%s%s", deny ? "~" : "", words[i]) < 0)
                                r = -ENOMEM;
                        else
                                r = strv_consume(&s->syscall_filter, &s->n_syscall_filter, e);
                }
                strv_free(words);
                return r;
        }

        case SK_OOM_SCORE_ADJUST:
                if (parse_oom_score_adjust(v, &s->oom_score_adjust) < 0)
                        return invalid(err, v, "an integer from -1000 to 1000");
                return 0;

        case SK_CPU_AFFINITY: {
                uint64_t set[16];
                r = parse_cpu_set(v, set, err);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < 16; i++)   /* repeated assignments add up, as in nspawn */
                        s->cpu_affinity[i] |= set[i];
                return 0;
        }

        case SK_HOSTNAME:
                if (!hostname_valid(v))
                        return invalid(err, v, "a host name (letters, digits, '-', '_', dot-separated, at most 64 bytes)");
                return set_string(&s->hostname, v);

        case SK_RESOLV_CONF:
                SET_ENUM(resolv_conf, parse_resolv_conf_mode,
                         "off, copy-host, copy-static, copy-uplink, copy-stub, "
                         "replace-host, replace-static, replace-uplink, replace-stub, bind-host, bind-static, "
                         "bind-uplink, bind-stub, delete, auto or a boolean");
        case SK_TIMEZONE:
                SET_ENUM(timezone, parse_timezone_mode, "off, copy, bind, symlink, delete, auto or a boolean");
        case SK_LINK_JOURNAL:
                SET_ENUM(link_journal, parse_link_journal_mode, "no, host, try-host, guest, try-guest, auto or a boolean");
        case SK_VOLATILE:
                SET_ENUM(volatile_mode, parse_volatile_mode, "a boolean, state or overlay");
        case SK_PRIVATE_USERS_OWNERSHIP:
                SET_ENUM(ownership, parse_ownership_mode, "off, chown, map or auto");
        case SK_PRIVATE_USERS_CHOWN: {
                bool b = false;
                r = set_bool(&b, v, err);
                if (r < 0)
                        return r;
                /* Both spellings describe one setting: the last one wins. */
                s->ownership = b ? OWNERSHIP_CHOWN : OWNERSHIP_OFF;
                s->line[SK_PRIVATE_USERS_OWNERSHIP] = line;
                s->line[SK_PRIVATE_USERS_CHOWN] = 0;
                return 0;
        }

        case SK_BIND: case SK_BIND_READ_ONLY: case SK_TEMPORARY_FILE_SYSTEM:
        case SK_INACCESSIBLE: case SK_OVERLAY: case SK_OVERLAY_READ_ONLY: {
                struct custom_mount m;
                size_t n = s->n_mounts;

                r = parse_custom_mount(mount_type_of(key), v, &m, err);
                if (r < 0)
                        return r;
                r = append(&s->mount_lines, &n, sizeof(unsigned), &line);
                if (r >= 0)
                        r = append(&s->mounts, &s->n_mounts, sizeof(m), &m);
                if (r < 0)
                        custom_mount_free(&m);
                return r;
        }

        case SK_VIRTUAL_ETHERNET_EXTRA: {
                struct iface_pair p;
                r = parse_iface_pair(v, NULL, &p, err);
                if (r < 0)
                        return r;
                r = append(&s->veth_extra, &s->n_veth_extra, sizeof(p), &p);
                if (r < 0)
                        iface_pair_free(&p);
                return r;
        }
        case SK_INTERFACE:
                return parse_iface_pair_list(v, NULL, &s->interfaces, &s->n_interfaces, err);
        case SK_MACVLAN:
                return parse_iface_pair_list(v, "mv-", &s->macvlan, &s->n_macvlan, err);
        case SK_IPVLAN:
                return parse_iface_pair_list(v, "iv-", &s->ipvlan, &s->n_ipvlan, err);
        case SK_BRIDGE:
                if (!ifname_valid(v))
                        return invalid(err, v, "a network interface name");
                return set_string(&s->bridge, v);
        case SK_ZONE:
                if (!zone_name_valid(v))
                        return invalid(err, v, "a zone name of at most 12 characters (the bridge is vz-NAME)");
                return set_string(&s->zone, v);

        case SK_PORT: {
                struct port_forward p;
                char buf[32];
                r = parse_port_forward(v, &p, err);
                if (r < 0)
                        return r;
                if (port_forward_find(s->ports, s->n_ports, &p) >= 0)
                        return nb_error_set(err, 0, "duplicate forwarding of host port %s",
                                            port_forward_to_string(&p, buf, sizeof(buf)));
                return append(&s->ports, &s->n_ports, sizeof(p), &p);
        }

        case SK_HOST_ADDRESS:
        case SK_LOCAL_ADDRESS: {
                char **words = NULL;
                size_t n = 0;

                r = split_whitespace(v, &words, &n);
                for (size_t i = 0; i < n && r >= 0; i++) {
                        struct address a;
                        if (parse_address(words[i], &a) < 0) {
                                r = invalid(err, words[i], "an IPv4 or IPv6 address with an optional /PREFIXLENGTH");
                                break;
                        }
                        r = key == SK_HOST_ADDRESS ? append(&s->host_addresses, &s->n_host_addresses, sizeof(a), &a)
                                                   : append(&s->local_addresses, &s->n_local_addresses, sizeof(a), &a);
                }
                strv_free(words);
                return r;
        }

        case SK_MEMORY_MAX:
                s->resources.memory_max_set = true;
                return parse_memory_limit(v, &s->resources.memory_max, err);
        case SK_MEMORY_HIGH:
                s->resources.memory_high_set = true;
                return parse_memory_limit(v, &s->resources.memory_high, err);
        case SK_TASKS_MAX:
                s->resources.tasks_max_set = true;
                return parse_tasks_max(v, &s->resources.tasks_max, err);
        case SK_CPU_QUOTA:
                s->resources.cpu_quota_set = true;
                return parse_cpu_quota(v, &s->resources.cpu_quota_usec, err);
        case SK_CPU_WEIGHT:
                s->resources.cpu_weight_set = true;
                return parse_weight(v, &s->resources.cpu_weight, err);
        case SK_IO_WEIGHT:
                s->resources.io_weight_set = true;
                return parse_weight(v, &s->resources.io_weight, err);

        default:
                /* An nspawn key nixbox does not support: keep the text for
                 * the warning at merge time. */
                assert(!k->supported);
                return set_string(&s->unsupported[key], v);
        }
}

/* ---- lines ---- */

#define WHITESPACE " \t\n\r"

static char *strip(char *s) {
        size_t n;

        s += strspn(s, WHITESPACE);
        n = strlen(s);
        while (n > 0 && strchr(WHITESPACE, s[n - 1]))
                s[--n] = 0;
        return s;
}

static bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned n, c = *p;
                uint32_t cp;

                if (c < 0x80) {
                        p++;
                        continue;
                }
                if (c >= 0xc2 && c <= 0xdf)
                        n = 1, cp = c & 0x1f;
                else if (c >= 0xe0 && c <= 0xef)
                        n = 2, cp = c & 0x0f;
                else if (c >= 0xf0 && c <= 0xf4)
                        n = 3, cp = c & 0x07;
                else
                        return false;
                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }
                /* Overlong forms, surrogates, beyond U+10FFFF. */
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                p += n + 1;
        }
        return true;
}

/* systemd's string_is_safe(), for section names. */
static bool name_is_safe(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 127 || strchr("\\\"'", *s))
                        return false;
        return true;
}

enum { SECTION_NONE = -1, SECTION_IGNORED = -2 };

struct parser {
        struct settings *s;
        int section;                     /* enum settings_section, or SECTION_NONE/IGNORED */
        struct nb_error *err;
};

static int parse_line(struct parser *p, char *l, unsigned line) {
        struct settings *s = p->s;
        const struct settings_key_info *k;
        char *eq, *key, *value;
        int r;

        l = strip(l);
        if (!*l)
                return 0;
        if (!utf8_valid(l))
                return nb_error_set(p->err, 0, "%s:%u: invalid UTF-8", s->path, line);

        if (*l == '[') {
                size_t n = strlen(l);
                if (n < 2 || l[n - 1] != ']')
                        return nb_error_set(p->err, 0, "%s:%u: invalid section header \"%s\": expected [NAME]", s->path, line, l);
                l[n - 1] = 0;
                l++;
                if (!name_is_safe(l))
                        return nb_error_set(p->err, 0, "%s:%u: bad characters in section header [%s]", s->path, line, l);
                p->section = SECTION_IGNORED;
                for (int i = 0; i < _SECTION_MAX; i++)
                        if (streq(l, section_names[i]))
                                p->section = i;
                if (p->section == SECTION_IGNORED && !startswith(l, "X-"))
                        warn(s, line, "unknown section [%s], ignoring its keys", l);
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq)
                return nb_error_set(p->err, 0, "%s:%u: invalid line \"%s\": expected KEY=VALUE", s->path, line, l);
        *eq = 0;
        key = strip(l);
        value = strip(eq + 1);
        if (!*key)
                return nb_error_set(p->err, 0, "%s:%u: missing key name before '='", s->path, line);

        if (p->section == SECTION_NONE) {
                warn(s, line, "%s= outside of a section, ignoring", key);
                return 0;
        }
        if (p->section == SECTION_IGNORED)
                return 0;

        k = settings_key_lookup(p->section, key);
        if (!k) {
                if (!startswith(key, "X-"))
                        warn(s, line, "unknown key %s= in section [%s], ignoring", key, section_names[p->section]);
                return 0;
        }

        p->err->msg[0] = 0;
        r = assign(s, k, value, line, p->err);
        if (r < 0) {
                if (!p->err->msg[0])   /* a bare -ENOMEM from an allocation */
                        nb_error_set(p->err, r, "parse %s=", k->name);
                nb_error_prefix(p->err, "%s:%u: %s", s->path, line, k->name);
                return r;
        }
        return 0;
}

/* Splits text into physical lines the way systemd's read_line() does
 * (\n, \r, \r\n and NUL end a line), skips comment lines (even inside a
 * continuation), joins lines ending in an odd number of backslashes with
 * the backslash turned into a space, and hands each logical line, with the
 * number of its first physical line, to parse_line(). */
static int parse_text(struct parser *p, const char *text, size_t size) {
        _cleanup_free_ char *cont = NULL;
        size_t cont_len = 0;
        unsigned line = 0, cont_line = 0;
        size_t pos = 0;
        int r;

        if (size >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
                pos = 3;

        while (pos < size) {
                size_t len = 0;
                const char *start = text + pos;

                while (pos + len < size && !strchr("\n\r", start[len]) && start[len] != 0)
                        len++;
                pos += len;
                if (pos < size) {
                        if (text[pos] == '\r' && pos + 1 < size && text[pos + 1] == '\n')
                                pos++;
                        pos++;
                }
                line++;

                /* A comment line: '#' or ';' after optional whitespace. */
                size_t ws = 0;
                while (ws < len && strchr(WHITESPACE, start[ws]))
                        ws++;
                if (ws < len && (start[ws] == '#' || start[ws] == ';'))
                        continue;

                char *t = realloc(cont, cont_len + len + 1);
                if (!t)
                        return nb_error_set(p->err, ENOMEM, "read %s", p->s->path);
                cont = t;
                if (cont_len == 0)
                        cont_line = line;
                memcpy(cont + cont_len, start, len);
                cont_len += len;
                cont[cont_len] = 0;

                /* Odd number of trailing backslashes: continued. */
                size_t bs = 0;
                while (bs < len && start[len - 1 - bs] == '\\')
                        bs++;
                if (bs % 2 == 1) {
                        cont[cont_len - 1] = ' ';
                        continue;
                }

                r = parse_line(p, cont, cont_line);
                if (r < 0)
                        return r;
                cont_len = 0;
        }
        if (cont_len > 0)
                return parse_line(p, cont, cont_line);
        return 0;
}

int settings_parse_string(const char *text, size_t size, const char *path, struct settings **ret, struct nb_error *err) {
        _cleanup_(settings_freep) struct settings *s = NULL;
        struct nb_error local = {};
        struct parser p = { .section = SECTION_NONE, .err = err ? err : &local };
        int r;

        assert(text || size == 0);
        assert(ret);

        s = settings_new(path ? path : "(settings)");
        if (!s)
                return nb_error_set(err, ENOMEM, "parse %s", path);
        p.s = s;
        r = parse_text(&p, text, size);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

int settings_parse_fd(int fd, const char *path, struct settings **ret, struct nb_error *err) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, cap = 0;

        for (;;) {
                if (size == cap) {
                        if (cap >= SETTINGS_FILE_MAX + 1)
                                return nb_error_set(err, 0, "%s: file larger than %u bytes, refusing", path, SETTINGS_FILE_MAX);
                        cap = cap ? cap * 2 : 16384;
                        if (cap > SETTINGS_FILE_MAX + 1)
                                cap = SETTINGS_FILE_MAX + 1;
                        char *t = realloc(buf, cap);
                        if (!t)
                                return nb_error_set(err, ENOMEM, "read %s", path);
                        buf = t;
                }
                ssize_t n = read(fd, buf + size, cap - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nb_error_set(err, errno, "read %s", path);
                }
                if (n == 0)
                        break;
                size += (size_t) n;
        }
        if (size > SETTINGS_FILE_MAX)
                return nb_error_set(err, 0, "%s: file larger than %u bytes, refusing", path, SETTINGS_FILE_MAX);
        return settings_parse_string(buf, size, path, ret, err);
}
