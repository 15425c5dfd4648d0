#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "machine-id.h"
#include "capabilities.h"
#include "cli.h"
#include "console-log.h"
#include "error.h"
#include "host-config.h"
#include "log.h"
#include "network.h"
#include "options.h"
#include "parse-util.h"
#include "seccomp-policy.h"
#include "settings-merge.h"
#include "trace.h"
#include "verbs.h"

void cli_usage(void) {
        printf("Usage: nixbox run [OPTIONS] ROOTFS [--] [COMMAND [ARGS...]]\n"
               "       nixbox run [OPTIONS] --boot ROOTFS [--] [INIT ARGS...]\n"
               "       nixbox --help | --version\n"
               "\n"
               "Runs COMMAND (under a small init as PID 1) in ROOTFS, or boots its init\n"
               "when no COMMAND is given, in new user, mount, pid, uts, ipc, network and\n"
               "cgroup namespaces.\n"
               "\n"
               "Options:\n"
               "  -M, --machine=NAME            machine name (default: ROOTFS's directory name)\n"
               "      --hostname=NAME           hostname (default: the machine name)\n"
               "  -b, --boot                    boot the root's init (the default without COMMAND)\n"
               "      --init=PATH               init to boot, inside the root\n"
               "      --console=MODE            interactive, read-only, passive, pipe, autopipe\n"
               "  -P, --pipe                    same as --console=pipe\n"
               "      --notify-ready[=BOOL]     report readiness when the init sends READY=1\n"
               "                                (default for a boot with --detach)\n"
               "      --on-reboot=ACTION        restart (default) or exit (with status 133)\n"
               "      --keep-unit               put the container's cgroup below nixbox's own (a service's),\n"
               "                                not at the root of the cgroup hierarchy\n"
               "      --check-os-release=BOOL   refuse to boot a tree without os-release (default yes)\n"
               "      --resolv-conf=MODE        auto (default), off, copy-host, bind-host, delete\n"
               "      --property=NAME=VALUE     cgroup limit: MemoryMax, MemoryHigh, TasksMax, CPUQuota,\n"
               "                                CPUWeight, IOWeight (systemd's names and syntax)\n"
               "      --rlimit=NAME=SOFT[:HARD] resource limit (e.g. RLIMIT_NOFILE=4096, or infinity)\n"
               "      --oom-score-adjust=N      OOM score adjustment of the payload (-1000..1000)\n"
               "      --cpu-affinity=LIST       CPUs the payload may run on (e.g. 0,2-3)\n"
               "  -d, --detach                  return once the container is ready; its console\n"
               "                                goes to /run/nixbox/MACHINE/console.log\n"
               "      --timeout=SEC             how long --detach waits for readiness (default 90)\n"
               "      --console-log-size=BYTES  cap of the --detach console log (default 8M; one\n"
               "                                rotation to console.log.1 is kept)\n"
               "      --ready-fd=N              write a newline to fd N when the container is ready\n"
               "      --json-status-fd=N        write JSON lines (started, ready, exited) to fd N\n"
               "      --die-with-parent         end the container when nixbox's parent dies\n"
               "  -x, --ephemeral               run on a throwaway overlay of ROOTFS (tmpfs upper)\n"
               "      --settings=MODE           read MACHINE.nspawn: yes (default), no, override, trusted\n"
               "      --print-settings          print the effective settings and where each came from\n"
               "      --as-pid1                 run COMMAND as PID 1 instead of under nixbox-init\n"
               "      --as-pid2                 run COMMAND as PID 2 under nixbox-init (default)\n"
               "  -E, --setenv=NAME=VALUE       set an environment variable\n"
               "      --chdir=PATH              working directory inside the container\n"
               "  -u, --user=NAME               run COMMAND as this user of the container\n"
               "      --bind=SRC[:DST[:OPTS]]   bind-mount a host path (OPTS: rbind, norbind)\n"
               "      --bind-ro=SRC[:DST[:OPTS]]  same, read-only\n"
               "      --tmpfs=PATH[:OPTS]       mount a tmpfs\n"
               "      --inaccessible=PATH       hide a path\n"
               "      --read-only               mount the root read-only\n"
               "  -U                            same as --private-users=pick\n"
               "      --private-users=MODE      no, pick (default), identity, yes, BASE[:RANGE]\n"
               "      --private-users-ownership=MODE  auto (default), map, chown, off\n"
               "      --trust-tree              run an idmapped tree (or idmap bind) that other host\n"
               "                                users can reach: only for trusted trees\n"
               "      --private-network[=BOOL]  private network namespace with only lo (default yes)\n"
               "      --share-network           use the host's network (= --private-network=no)\n"
               "  -n, --network-veth            a veth pair: ve-MACHINE on the host, host0 inside\n"
               "      --network-bridge=BRIDGE   veth vb-MACHINE enslaved to an existing bridge\n"
               "      --network-zone=NAME       veth enslaved to bridge vz-NAME (made on demand)\n"
               "      --network-interface=IF[:NAME]  move a host interface into the container\n"
               "      --network-veth-extra=HOST[:CONTAINER]  an extra veth pair\n"
               "      --network-macvlan=IF[:NAME]  a macvlan on a host interface\n"
               "      --network-ipvlan=IF[:NAME]   an ipvlan on a host interface\n"
               "      --network-namespace-path=PATH  join this network namespace\n"
               "      --host-address=ADDR[/PFX] address of the host side of the veth (repeatable)\n"
               "      --local-address=ADDR[/PFX] address of host0 inside (repeatable)\n"
               "      --masquerade[=BOOL]       NAT the container's addresses to the outside\n"
               "  -p, --port=[PROTO:]HOST[:CONTAINER]  forward a host port into the container\n"
               "      --capability=CAPS         keep these capabilities too (or 'all')\n"
               "      --drop-capability=CAPS    drop these capabilities (or 'all')\n"
               "      --no-new-privileges[=BOOL]  set no_new_privs for the payload\n"
               "      --system-call-filter=LIST allow (NAME, @group) or deny (~NAME) system calls\n"
               "      --kill-signal=SIGNAL      signal that asks the payload to stop\n"
               "      --uuid=ID                 container id (32 hex digits)\n"
               "      --trace                   print timestamps of the set-up steps\n"
               "  -q, --quiet                   say less\n"
               "  -h, --help                    show this help\n"
               "      --version                 show the version\n"
               "\n"
               "Exit status: COMMAND's status (128+N when killed by signal N); 125 when\n"
               "nixbox itself failed; 126 when COMMAND could not be executed; 127 when it\n"
               "was not found. See nixbox(1).\n");
}

enum {
        ARG_HOSTNAME = 0x100, ARG_INIT, ARG_AS_PID1, ARG_AS_PID2, ARG_CHDIR, ARG_BIND, ARG_BIND_RO,
        ARG_TMPFS, ARG_INACCESSIBLE, ARG_READ_ONLY, ARG_TRUST_TREE, ARG_PRIVATE_USERS, ARG_OWNERSHIP, ARG_PRIVATE_NETWORK,
        ARG_SHARE_NETWORK, ARG_CAPABILITY, ARG_DROP_CAPABILITY, ARG_NNP, ARG_SYSCALL_FILTER,
        ARG_KILL_SIGNAL, ARG_UUID, ARG_TRACE, ARG_VERSION,
        ARG_NETWORK_VETH, ARG_NETWORK_BRIDGE, ARG_NETWORK_ZONE, ARG_NETWORK_NAMESPACE_PATH, ARG_NETWORK_INTERFACE,
        ARG_NETWORK_VETH_EXTRA, ARG_NETWORK_MACVLAN, ARG_NETWORK_IPVLAN, ARG_PORT, ARG_HOST_ADDRESS,
        ARG_LOCAL_ADDRESS, ARG_MASQUERADE, ARG_CONSOLE, ARG_NOTIFY_READY, ARG_CHECK_OS_RELEASE, ARG_ON_REBOOT, ARG_KEEP_UNIT,
        ARG_RESOLV_CONF, ARG_SETTINGS, ARG_PRINT_SETTINGS, ARG_PROPERTY, ARG_DETACH, ARG_TIMEOUT, ARG_CONSOLE_LOG_SIZE,
        ARG_RLIMIT, ARG_OOM_SCORE_ADJUST, ARG_CPU_AFFINITY,
};
/* Apart, so that adding them leaves the list above as it is. */
enum { ARG_READY_FD = ARG_CPU_AFFINITY + 1, ARG_JSON_STATUS_FD, ARG_DIE_WITH_PARENT };

static const struct option run_options[] = { { "machine", required_argument, NULL, 'M' },
                                             { "hostname", required_argument, NULL, ARG_HOSTNAME },
                                             { "boot", no_argument, NULL, 'b' },
                                             { "init", required_argument, NULL, ARG_INIT },
                                             { "as-pid1", no_argument, NULL, ARG_AS_PID1 },
                                             { "as-pid2", no_argument, NULL, ARG_AS_PID2 },
                                             { "setenv", required_argument, NULL, 'E' },
                                             { "chdir", required_argument, NULL, ARG_CHDIR },
                                             { "user", required_argument, NULL, 'u' },
                                             { "bind", required_argument, NULL, ARG_BIND },
                                             { "bind-ro", required_argument, NULL, ARG_BIND_RO },
                                             { "tmpfs", required_argument, NULL, ARG_TMPFS },
                                             { "inaccessible", required_argument, NULL, ARG_INACCESSIBLE },
                                             { "read-only", no_argument, NULL, ARG_READ_ONLY },
                                             { "trust-tree", no_argument, NULL, ARG_TRUST_TREE },
                                             { "private-users", required_argument, NULL, ARG_PRIVATE_USERS },
                                             { "private-users-ownership", required_argument, NULL, ARG_OWNERSHIP },
                                             { "private-network", optional_argument, NULL, ARG_PRIVATE_NETWORK },
                                             { "share-network", no_argument, NULL, ARG_SHARE_NETWORK },
                                             { "capability", required_argument, NULL, ARG_CAPABILITY },
                                             { "drop-capability", required_argument, NULL, ARG_DROP_CAPABILITY },
                                             { "no-new-privileges", optional_argument, NULL, ARG_NNP },
                                             { "system-call-filter", required_argument, NULL, ARG_SYSCALL_FILTER },
                                             { "kill-signal", required_argument, NULL, ARG_KILL_SIGNAL },
                                             { "uuid", required_argument, NULL, ARG_UUID },
                                             { "trace", no_argument, NULL, ARG_TRACE },
                                             { "console", required_argument, NULL, ARG_CONSOLE },
                                             { "pipe", no_argument, NULL, 'P' },
                                             { "notify-ready", optional_argument, NULL, ARG_NOTIFY_READY },
                                             { "check-os-release", required_argument, NULL, ARG_CHECK_OS_RELEASE },
                                             { "on-reboot", required_argument, NULL, ARG_ON_REBOOT },
                                             { "keep-unit", no_argument, NULL, ARG_KEEP_UNIT },
                                             { "resolv-conf", required_argument, NULL, ARG_RESOLV_CONF },
                                             { "settings", required_argument, NULL, ARG_SETTINGS },
                                             { "print-settings", no_argument, NULL, ARG_PRINT_SETTINGS },
                                             { "property", required_argument, NULL, ARG_PROPERTY },
                                             { "detach", no_argument, NULL, 'd' },
                                             { "rlimit", required_argument, NULL, ARG_RLIMIT },
                                             { "oom-score-adjust", required_argument, NULL, ARG_OOM_SCORE_ADJUST },
                                             { "cpu-affinity", required_argument, NULL, ARG_CPU_AFFINITY },
                                             { "timeout", required_argument, NULL, ARG_TIMEOUT },
                                             { "console-log-size", required_argument, NULL, ARG_CONSOLE_LOG_SIZE },
                                             { "ready-fd", required_argument, NULL, ARG_READY_FD },
                                             { "json-status-fd", required_argument, NULL, ARG_JSON_STATUS_FD },
                                             { "die-with-parent", no_argument, NULL, ARG_DIE_WITH_PARENT },
                                             { "ephemeral", no_argument, NULL, 'x' },
                                             { "network-veth", no_argument, NULL, 'n' },
                                             { "network-bridge", required_argument, NULL, ARG_NETWORK_BRIDGE },
                                             { "network-zone", required_argument, NULL, ARG_NETWORK_ZONE },
                                             { "network-namespace-path", required_argument, NULL, ARG_NETWORK_NAMESPACE_PATH },
                                             { "network-interface", required_argument, NULL, ARG_NETWORK_INTERFACE },
                                             { "network-veth-extra", required_argument, NULL, ARG_NETWORK_VETH_EXTRA },
                                             { "network-macvlan", required_argument, NULL, ARG_NETWORK_MACVLAN },
                                             { "network-ipvlan", required_argument, NULL, ARG_NETWORK_IPVLAN },
                                             { "port", required_argument, NULL, 'p' },
                                             { "host-address", required_argument, NULL, ARG_HOST_ADDRESS },
                                             { "local-address", required_argument, NULL, ARG_LOCAL_ADDRESS },
                                             { "masquerade", optional_argument, NULL, ARG_MASQUERADE },
                                             { "quiet", no_argument, NULL, 'q' },
                                             { "help", no_argument, NULL, 'h' },
                                             { "version", no_argument, NULL, ARG_VERSION },
                                             {} };

static int set_str(char **dst, const char *s) {
        free(*dst);
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

static int add_mount(struct options *o, enum custom_mount_type t, const char *spec, struct nb_error *err) {
        struct custom_mount m;
        void *p;
        int r = parse_custom_mount(t, spec, &m, err);

        if (r < 0)
                return r;
        p = realloc(o->mounts, (o->n_mounts + 1) * sizeof(*o->mounts));
        if (!p) {
                custom_mount_free(&m);
                return nb_error_set(err, ENOMEM, "add mount %s", spec);
        }
        o->mounts = p;
        o->mounts[o->n_mounts++] = m;
        o->set_mask |= SET_CUSTOM_MOUNTS;
        return 0;
}

/* --property=NAME=VALUE: the [Resources] keys (systemd's resource-control
 * names), as nspawn's --property= sets them on its scope. */
static int parse_property(const char *spec, struct resources *res, struct nb_error *err) {
        const char *eq = strchr(spec, '=');
        char name[32];
        int r;

        if (!eq || (size_t) (eq - spec) >= sizeof(name))
                return nb_error_set(err, 0, "invalid --property '%s': expected NAME=VALUE", spec);
        memcpy(name, spec, (size_t) (eq - spec));
        name[eq - spec] = 0;
        eq++;
        if (streq(name, "MemoryMax")) {
                if ((r = parse_memory_limit(eq, &res->memory_max, err)) < 0)
                        return r;
                res->memory_max_set = true;
        } else if (streq(name, "MemoryHigh")) {
                if ((r = parse_memory_limit(eq, &res->memory_high, err)) < 0)
                        return r;
                res->memory_high_set = true;
        } else if (streq(name, "TasksMax")) {
                if ((r = parse_tasks_max(eq, &res->tasks_max, err)) < 0)
                        return r;
                res->tasks_max_set = true;
        } else if (streq(name, "CPUQuota")) {
                if ((r = parse_cpu_quota(eq, &res->cpu_quota_usec, err)) < 0)
                        return r;
                res->cpu_quota_set = true;
        } else if (streq(name, "CPUWeight")) {
                if ((r = parse_weight(eq, &res->cpu_weight, err)) < 0)
                        return r;
                res->cpu_weight_set = true;
        } else if (streq(name, "IOWeight")) {
                if ((r = parse_weight(eq, &res->io_weight, err)) < 0)
                        return r;
                res->io_weight_set = true;
        } else
                return nb_error_set(err, 0, "invalid --property '%s': unknown property %s (expected MemoryMax, MemoryHigh, "
                                    "TasksMax, CPUQuota, CPUWeight or IOWeight)", spec, name);
        return 0;
}

/* One getopt pass; stops at the first non-option (ROOTFS or COMMAND). */
static int parse_pass(int argc, char **argv, struct options *o, struct nb_error *err) {
        int c, r;

        while ((c = getopt_long(argc, argv, "+M:bE:u:UqhnPp:dx", run_options, NULL)) >= 0) {
                switch (c) {
                case 'M':
                        if (!hostname_valid(optarg))
                                return nb_error_set(err, 0, "invalid machine name '%s': expected a valid host name", optarg);
                        set_str(&o->machine, optarg);
                        break;
                case ARG_HOSTNAME:
                        if (!hostname_valid(optarg))
                                return nb_error_set(err, 0, "invalid --hostname '%s': expected a valid host name", optarg);
                        set_str(&o->hostname, optarg);
                        o->set_mask |= SET_HOSTNAME;
                        break;
                case 'b':
                        o->start_mode = START_BOOT;
                        o->boot_explicit = true;
                        o->set_mask |= SET_BOOT;
                        break;
                case ARG_INIT:
                        if (optarg[0] != '/')
                                return nb_error_set(err, 0, "invalid --init '%s': expected an absolute path inside the root", optarg);
                        set_str(&o->init_path, optarg);
                        o->set_mask |= SET_INIT;
                        break;
                case ARG_AS_PID1:
                        o->command_mode = START_PID1;
                        o->set_mask |= SET_PROCESS_TWO;
                        break;
                case ARG_AS_PID2:
                        o->command_mode = START_PID2;
                        o->set_mask |= SET_PROCESS_TWO;
                        break;
                case 'E':
                        if (parse_env_assignment(optarg) < 0)
                                return nb_error_set(err, 0, "invalid --setenv '%s': expected NAME=VALUE", optarg);
                        if (strv_push(&o->setenv, &o->n_setenv, optarg) < 0)
                                return nb_error_set(err, ENOMEM, "--setenv");
                        o->set_mask |= SET_ENVIRONMENT;
                        break;
                case ARG_CHDIR:
                        if (optarg[0] != '/')
                                return nb_error_set(err, 0, "invalid --chdir '%s': expected an absolute path", optarg);
                        set_str(&o->working_dir, optarg);
                        o->set_mask |= SET_WORKING_DIR;
                        break;
                case 'u':
                        set_str(&o->user, optarg);
                        o->set_mask |= SET_USER;
                        break;
                case ARG_BIND:
                        if ((r = add_mount(o, MOUNT_BIND, optarg, err)) < 0)
                                return r;
                        break;
                case ARG_BIND_RO:
                        if ((r = add_mount(o, MOUNT_BIND_RO, optarg, err)) < 0)
                                return r;
                        break;
                case ARG_TMPFS:
                        if ((r = add_mount(o, MOUNT_TMPFS, optarg, err)) < 0)
                                return r;
                        break;
                case ARG_INACCESSIBLE:
                        if ((r = add_mount(o, MOUNT_INACCESSIBLE, optarg, err)) < 0)
                                return r;
                        break;
                case ARG_READ_ONLY:
                        o->read_only = true;
                        o->set_mask |= SET_READ_ONLY;
                        break;
                case ARG_TRUST_TREE:
                        /* Command line only: a tree's own .nspawn file must not vouch for it. */
                        o->trust_tree = true;
                        break;
                case 'U':
                        o->private_users = PRIVATE_USERS_PICK;
                        o->set_mask |= SET_PRIVATE_USERS;
                        break;
                case ARG_PRIVATE_USERS:
                        if ((r = parse_private_users(optarg, o, err)) < 0)
                                return r;
                        o->set_mask |= SET_PRIVATE_USERS;
                        break;
                case ARG_OWNERSHIP:
                        r = parse_ownership_mode(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --private-users-ownership '%s': expected auto, map, chown or off", optarg);
                        o->ownership = r;
                        o->set_mask |= SET_OWNERSHIP;
                        break;
                case ARG_PRIVATE_NETWORK:
                        r = optarg ? parse_boolean(optarg) : 1;
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --private-network '%s': expected a boolean", optarg);
                        o->private_network = r;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_SHARE_NETWORK:
                        o->private_network = false;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_CAPABILITY:
                        if ((r = caps_parse(optarg, &o->caps_add, err)) < 0)
                                return r;
                        o->set_mask |= SET_CAPABILITY;
                        break;
                case ARG_DROP_CAPABILITY:
                        if ((r = caps_parse(optarg, &o->caps_drop, err)) < 0)
                                return r;
                        o->set_mask |= SET_CAPABILITY;
                        break;
                case ARG_NNP:
                        r = optarg ? parse_boolean(optarg) : 1;
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --no-new-privileges '%s': expected a boolean", optarg);
                        o->no_new_privileges = r;
                        o->set_mask |= SET_NO_NEW_PRIVS;
                        break;
                case ARG_SYSCALL_FILTER: {
                        _cleanup_strv_free_ char **words = NULL;
                        size_t n = 0;
                        if (split_whitespace(optarg, &words, &n) < 0)
                                return nb_error_set(err, ENOMEM, "--system-call-filter");
                        /* nspawn: a leading ~ negates the whole list. */
                        bool deny = n > 0 && words[0][0] == '~';
                        for (size_t i = 0; i < n; i++) {
                                const char *w = words[i] + (i == 0 && deny);
                                char buf[256];
                                if (!*w)
                                        continue;
                                snprintf(buf, sizeof(buf), "%s%s", deny && w[0] != '~' ? "~" : "", w);
                                if ((r = seccomp_validate_entry(buf, err)) < 0)
                                        return r;
                                strv_push(&o->syscall_filter, &o->n_syscall_filter, buf);
                        }
                        o->set_mask |= SET_SYSCALL_FILTER;
                        break;
                }
                case ARG_KILL_SIGNAL:
                        r = parse_signal(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --kill-signal '%s': expected a signal name or number", optarg);
                        o->kill_signal = r;
                        o->set_mask |= SET_KILL_SIGNAL;
                        break;
                case ARG_UUID: {
                        char id[33];
                        if (machine_id_parse_uuid(optarg, id) < 0)
                                return nb_error_set(err, 0, "invalid --uuid '%s': expected 32 hexadecimal digits", optarg);
                        set_str(&o->uuid, id);
                        o->set_mask |= SET_MACHINE_ID;
                        break;
                }
                case ARG_TRACE:
                        o->trace = true;
                        break;
                case ARG_CONSOLE:
                        r = parse_console_mode(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --console '%s': expected interactive, read-only, passive, pipe or autopipe", optarg);
                        o->console = r;
                        o->set_mask |= SET_CONSOLE;
                        break;
                case 'P':
                        o->console = CONSOLE_PIPE;
                        o->set_mask |= SET_CONSOLE;
                        break;
                case ARG_NOTIFY_READY:
                        r = optarg ? parse_boolean(optarg) : 1;
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --notify-ready '%s': expected a boolean", optarg);
                        o->notify_ready = r;
                        o->set_mask |= SET_NOTIFY_READY;
                        break;
                case ARG_CHECK_OS_RELEASE:
                        r = parse_boolean(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --check-os-release '%s': expected a boolean", optarg);
                        o->check_os_release = r;
                        break;
                case ARG_KEEP_UNIT:
                        o->keep_unit = true;
                        break;
                case ARG_ON_REBOOT:
                        if (streq(optarg, "restart"))
                                o->restart = RESTART_LOOP;
                        else if (streq(optarg, "exit"))
                                o->restart = RESTART_EXIT;
                        else
                                return nb_error_set(err, 0, "invalid --on-reboot '%s': expected restart or exit", optarg);
                        break;
                case ARG_SETTINGS:
                        r = parse_settings_mode(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --settings '%s': expected yes, no, override or trusted", optarg);
                        o->settings = r;
                        break;
                case ARG_PROPERTY:
                        if ((r = parse_property(optarg, &o->resources, err)) < 0)
                                return r;
                        o->set_mask |= SET_RESOURCES;
                        break;
                case 'd':
                        o->detach = true;
                        break;
                case ARG_RLIMIT: {
                        int res;
                        struct rlimit rl;
                        if ((r = parse_rlimit(optarg, &res, &rl, err)) < 0)
                                return r;
                        if (!o->rlimits[res] && !(o->rlimits[res] = malloc(sizeof(struct rlimit))))
                                return nb_error_set(err, ENOMEM, "--rlimit");
                        *o->rlimits[res] = rl;
                        o->set_mask |= SET_RLIMIT;
                        break;
                }
                case ARG_OOM_SCORE_ADJUST:
                        if (parse_oom_score_adjust(optarg, &o->oom_score_adjust) < 0)
                                return nb_error_set(err, 0, "invalid --oom-score-adjust '%s': expected -1000..1000", optarg);
                        o->oom_score_adjust_set = true;
                        o->set_mask |= SET_OOM_SCORE;
                        break;
                case ARG_CPU_AFFINITY:
                        if ((r = parse_cpu_set(optarg, o->cpu_affinity, err)) < 0)
                                return r;
                        o->cpu_affinity_set = true;
                        o->set_mask |= SET_CPU_AFFINITY;
                        break;
                case ARG_TIMEOUT: {
                        char *end;
                        unsigned long v = strtoul(optarg, &end, 10);
                        if (!*optarg || *end || v == 0 || v > 86400)
                                return nb_error_set(err, 0, "invalid --timeout '%s': expected seconds (1-86400)", optarg);
                        o->timeout_sec = (unsigned) v;
                        break;
                }
                case ARG_READY_FD:
                case ARG_JSON_STATUS_FD: {
                        const char *name = c == ARG_READY_FD ? "--ready-fd" : "--json-status-fd";
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        /* Not stdio: that may be the payload's, which must keep it across the exec. */
                        if (!*optarg || *end || v < 3 || v > INT_MAX)
                                return nb_error_set(err, 0, "invalid %s '%s': expected a file descriptor number of 3 or more",
                                                    name, optarg);
                        /* Close-on-exec: no payload (nor anything it runs) holds it. */
                        if (fcntl((int) v, F_SETFD, FD_CLOEXEC) < 0)
                                return nb_error_set(err, errno, "use %s %ld", name, v);
                        *(c == ARG_READY_FD ? &o->ready_notify_fd : &o->json_status_fd) = (int) v;
                        break;
                }
                case ARG_DIE_WITH_PARENT:
                        o->die_with_parent = true;
                        break;
                case ARG_CONSOLE_LOG_SIZE: {
                        uint64_t v;
                        if (parse_size(optarg, &v) < 0 || v < CONSOLE_LOG_SIZE_MIN)
                                return nb_error_set(err, 0, "invalid --console-log-size '%s': expected bytes (K, M, G suffixes), at least 4K", optarg);
                        o->console_log_size = v;
                        break;
                }
                case 'x':
                        o->ephemeral = true;
                        o->set_mask |= SET_EPHEMERAL;
                        break;
                case ARG_PRINT_SETTINGS:
                        o->print_settings = true;
                        break;
                case ARG_RESOLV_CONF:
                        r = parse_resolv_conf_mode(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --resolv-conf '%s': expected auto, off, copy-host, bind-host or delete", optarg);
                        o->resolv_conf = r;
                        o->set_mask |= SET_RESOLV_CONF;
                        break;
                case 'n':
                        o->network_veth = o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_BRIDGE:
                        if (!ifname_valid(optarg))
                                return nb_error_set(err, 0, "invalid --network-bridge '%s': expected an interface name", optarg);
                        set_str(&o->network_bridge, optarg);
                        o->network_veth = o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_ZONE:
                        if (!zone_name_valid(optarg))
                                return nb_error_set(err, 0, "invalid --network-zone '%s': expected a short name", optarg);
                        set_str(&o->network_zone, optarg);
                        o->network_veth = o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_NAMESPACE_PATH:
                        set_str(&o->network_namespace_path, optarg);
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_INTERFACE:
                        if ((r = parse_iface_pair_list(optarg, NULL, &o->interfaces, &o->n_interfaces, err)) < 0)
                                return r;
                        o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_VETH_EXTRA:
                        if ((r = parse_iface_pair_list(optarg, NULL, &o->veth_extra, &o->n_veth_extra, err)) < 0)
                                return r;
                        o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_MACVLAN:
                        if ((r = parse_iface_pair_list(optarg, "mv-", &o->macvlan, &o->n_macvlan, err)) < 0)
                                return r;
                        o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case ARG_NETWORK_IPVLAN:
                        if ((r = parse_iface_pair_list(optarg, "iv-", &o->ipvlan, &o->n_ipvlan, err)) < 0)
                                return r;
                        o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                case 'p': {
                        struct port_forward pf;
                        void *p;
                        if ((r = parse_port_forward(optarg, &pf, err)) < 0)
                                return r;
                        if (port_forward_find(o->ports, o->n_ports, &pf) >= 0)
                                return nb_error_set(err, 0, "invalid --port '%s': the host port is forwarded twice", optarg);
                        p = realloc(o->ports, (o->n_ports + 1) * sizeof(*o->ports));
                        if (!p)
                                return nb_error_set(err, ENOMEM, "--port");
                        o->ports = p;
                        o->ports[o->n_ports++] = pf;
                        o->set_mask |= SET_PORTS;
                        break;
                }
                case ARG_HOST_ADDRESS:
                case ARG_LOCAL_ADDRESS: {
                        struct address a, **list = c == ARG_HOST_ADDRESS ? &o->host_addresses : &o->local_addresses;
                        size_t *n = c == ARG_HOST_ADDRESS ? &o->n_host_addresses : &o->n_local_addresses;
                        void *p;
                        if (parse_address(optarg, &a) < 0)
                                return nb_error_set(err, 0, "invalid --%s '%s': expected an IPv4 or IPv6 address with an optional /PREFIX",
                                                    c == ARG_HOST_ADDRESS ? "host-address" : "local-address", optarg);
                        p = realloc(*list, (*n + 1) * sizeof(**list));
                        if (!p)
                                return nb_error_set(err, ENOMEM, "address");
                        *list = p;
                        (*list)[(*n)++] = a;
                        o->network_veth = o->private_network = true;
                        o->set_mask |= SET_NETWORK;
                        break;
                }
                case ARG_MASQUERADE:
                        r = optarg ? parse_boolean(optarg) : 1;
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --masquerade '%s': expected a boolean", optarg);
                        o->masquerade = r;
                        o->set_mask |= SET_NETWORK;
                        break;
                case 'q':
                        o->quiet = true;
                        break;
                case 'h':
                        cli_usage();
                        return 1;
                case ARG_VERSION:
                        printf("nixbox %s\n", NIXBOX_VERSION);
                        return 1;
                default:
                        return nb_error_set(err, 0, "unknown or incomplete option; see 'nixbox run --help'");
                }
        }
        return 0;
}

int cli_parse_run(int argc, char **argv, struct options *o, struct nb_error *err) {
        int r;

        opterr = 1;
        optind = 1;
        r = parse_pass(argc, argv, o, err);
        if (r != 0)
                return r;
        if (optind >= argc)
                return nb_error_set(err, 0, "no ROOTFS given; see 'nixbox run --help'");
        set_str(&o->root, argv[optind]);

        /* Options may also follow ROOTFS, up to the command or "--". */
        if (optind + 1 < argc && !streq(argv[optind + 1], "--") && argv[optind + 1][0] == '-') {
                int base = optind;
                argv[base] = argv[0];
                optind = 1;
                r = parse_pass(argc - base, argv + base, o, err);
                if (r != 0)
                        return r;
                optind += base;
        } else {
                optind++;
                if (optind < argc && streq(argv[optind], "--"))
                        optind++;
        }

        o->argc = (size_t) (argc - optind);
        o->argv = calloc(o->argc + 1, sizeof(char *));
        if (!o->argv)
                return nb_error_set(err, ENOMEM, "parse the command line");
        for (size_t i = 0; i < o->argc; i++)
                o->argv[i] = strdup(argv[optind + (int) i]);
        if (o->argc > 0)
                o->set_mask |= SET_PARAMETERS;
        return 0;
}

/* nixbox.conf's [network] DefaultZone=: used only when neither the command
 * line nor the settings file chose a network mode (Port= alone is none). */
static int apply_default_zone(struct options *o, const struct settings_provenance *prov, struct nb_error *err) {
        const char *zone = host_config()->default_zone;

        if (!*zone || (o->set_mask & SET_NETWORK))
                return 0;
        for (enum settings_key k = SK_PRIVATE; k <= SK_IP_MASQUERADE; k++)
                if (k != SK_PORT && prov->line[k])
                        return 0;
        if (set_str(&o->network_zone, zone) < 0)
                return nb_error_set(err, ENOMEM, "parse the command line");
        o->network_veth = o->private_network = true;
        return 0;
}

int cli_finish(struct options *o, struct settings_provenance *prov, struct nb_error *err) {
        struct stat st;
        bool named = o->machine != NULL; /* -M given: used as is, even with -x */
        int r;

        /* A bare NAME that is not a directory here is an image in the
         * machines directory (like /var/lib/machines for nspawn). */
        if (!strchr(o->root, '/') && stat(o->root, &st) < 0) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", MACHINES_DIR, o->root);
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                        if (!o->machine)
                                o->machine = strdup(o->root);
                        set_str(&o->root, path);
                }
        }

        if (!o->machine) {
                char *copy = strdup(o->root), *base;
                size_t l = strlen(copy);

                while (l > 1 && copy[l - 1] == '/')
                        copy[--l] = 0;
                base = basename(copy);
                if (!hostname_valid(base)) {
                        free(copy);
                        return nb_error_set(err, 0, "cannot derive a machine name from '%s': use --machine=NAME", o->root);
                }
                o->machine = strdup(base);
                free(copy);
        }
        /* The settings file fills what the command line left unset, before
         * the defaults below are derived from the result. */
        r = settings_load(o, o->machine, prov, err);
        if (r < 0)
                return r;
        r = apply_default_zone(o, prov, err);
        if (r < 0)
                return r;
        /* Ephemeral machines without a chosen name get a random suffix
         * (after the settings lookup, which uses the plain name), as
         * nspawn's do; a name given with -M is kept so that a harness can
         * predict it (a second one fails as taken). */
        if (o->ephemeral && !named) {
                uint64_t v;
                char *name;
                if (getrandom(&v, sizeof(v), 0) != sizeof(v) ||
                    asprintf(&name, "%.*s-%016llx", 40, o->machine, (unsigned long long) v) < 0)
                        return nb_error_set(err, errno, "make an ephemeral machine name");
                free(o->machine);
                o->machine = name;
        }
        if (!o->hostname)
                o->hostname = strdup(o->machine);
        if (o->argc == 0)
                o->start_mode = START_BOOT;        /* no command: boot, as nspawn -b */
        if (o->start_mode == START_BOOT && o->command_mode == START_PID1)
                return nb_error_set(err, 0, "--as-pid1 makes no sense with --boot: the init is PID 1");
        if (o->start_mode != START_BOOT)
                o->start_mode = o->command_mode;
        /* A detached boot returns when the init is ready (READY=1), not when
         * it was started: what a caller of `run -d` goes on to use. */
        if (o->detach && o->start_mode == START_BOOT && !(o->set_mask & SET_NOTIFY_READY) && !prov->line[SK_NOTIFY_READY])
                o->notify_ready = true;
        if (o->die_with_parent && o->detach)
                return nb_error_set(err,
                                    0, "--die-with-parent and --detach exclude each other: a detached container outlives its caller");
        /* Under the init-shim nobody's READY=1 could count (architecture §8). */
        if (o->notify_ready && o->start_mode == START_PID2)
                log_warn("--notify-ready has no effect on a command (it is ready once it runs); "
                         "use --as-pid1 for a command that sends READY=1");
        if (o->private_users == PRIVATE_USERS_NO || o->private_users == PRIVATE_USERS_IDENTITY)
                if (!(o->set_mask & SET_OWNERSHIP))
                        o->ownership = OWNERSHIP_OFF;
        r = network_validate(o, err);
        if (r < 0)
                return r;
        log_quiet = o->quiet;
        trace_enabled = o->trace;
        return 0;
}
