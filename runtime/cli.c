/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "cli.h"
#include "console-log.h"
#include "credentials.h"
#include "error.h"
#include "host-config.h"
#include "image.h"
#include "log.h"
#include "network.h"
#include "options.h"
#include "parse-util.h"
#include "nspawn-cli.h"
#include "path-in-root.h"
#include "scope-property.h"
#include "settings-keys.h"
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
               "  -D, --directory=PATH          ROOTFS as an option (then every argument is COMMAND)\n"
               "  -a                            same as --as-pid2\n"
               "      --personality=ARCH        x86 (for i686 trees on x86-64) or x86-64\n"
               "  -S, --slice=, --register=, --no-pager  systemd-nspawn's: accepted, nothing to do here\n"
               "      --check-os-release=BOOL   refuse to boot a tree without os-release (default yes)\n"
               "      --resolv-conf=MODE        auto (default), off, delete, copy-*, replace-*, bind-*\n"
               "                                (* = host, static, uplink, stub)\n"
               "      --timezone=MODE           /etc/localtime after the host's: auto (default), copy,\n"
               "                                bind, symlink, delete, off\n"
               "      --link-journal=MODE       share /var/log/journal/MACHINE_ID with the host: auto\n"
               "                                (default), no, host, try-host, guest, try-guest\n"
               "      --volatile[=MODE]         no, yes (tmpfs root with the tree's /usr read-only),\n"
               "                                state (tree read-only, tmpfs /var), overlay (tmpfs upper)\n"
               "      --set-credential=ID:VALUE credential ID in /run/host/credentials (C escapes)\n"
               "      --load-credential=ID:PATH credential ID read from a host file\n"
               "      --property=NAME=VALUE     cgroup limit or device policy, systemd's names and syntax:\n"
               "                                Memory{Max,High,Min,Low,SwapMax}, TasksMax, CPUQuota,\n"
               "                                CPUWeight, IOWeight, IODeviceWeight, AllowedCPUs,\n"
               "                                AllowedMemoryNodes, IO{Read,Write}{Bandwidth,IOPS}Max,\n"
               "                                DeviceAllow, DevicePolicy (see nixbox(1), PROPERTIES)\n"
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
               "      --overlay=LOWER[:LOWER...]:UPPER[:DST]  overlayfs on DST (default UPPER); the\n"
               "                                last LOWER is on top; +PATH is in the tree\n"
               "      --overlay-ro=LOWER[:LOWER...]:UPPER[:DST]  same, read-only\n"
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

/* The options that are not a settings key; those are in the key table
 * (settings-keys.c), which the getopt table below is completed from. */
enum {
        ARG_INIT = 0x100,
        ARG_AS_PID1,
        ARG_AS_PID2,
        ARG_TRUST_TREE,
        ARG_TRACE,
        ARG_VERSION,
        ARG_NETWORK_NAMESPACE_PATH,
        ARG_CONSOLE,
        ARG_CHECK_OS_RELEASE,
        ARG_ON_REBOOT,
        ARG_KEEP_UNIT,
        ARG_SETTINGS,
        ARG_PRINT_SETTINGS,
        ARG_PROPERTY,
        ARG_TIMEOUT,
        ARG_CONSOLE_LOG_SIZE,
        ARG_RLIMIT,
        ARG_READY_FD,
        ARG_JSON_STATUS_FD,
        ARG_SLICE = 0x400, /* systemd-nspawn's (nspawn-cli.h) */
        ARG_REGISTER,
        ARG_NO_PAGER,
        ARG_DIE_WITH_PARENT,
        ARG_SET_CREDENTIAL, /* nspawn has no .nspawn key for credentials */
        ARG_LOAD_CREDENTIAL,
        ARG_KEY = 0x1000, /* + index into key_opts[] */
};

static const struct option fixed_options[] = { { "machine", required_argument, NULL, 'M' },
                                               { "boot", no_argument, NULL, 'b' },
                                               { "init", required_argument, NULL, ARG_INIT },
                                               { "as-pid1", no_argument, NULL, ARG_AS_PID1 },
                                               { "as-pid2", no_argument, NULL, ARG_AS_PID2 },
                                               { "trust-tree", no_argument, NULL, ARG_TRUST_TREE },
                                               { "trace", no_argument, NULL, ARG_TRACE },
                                               { "console", required_argument, NULL, ARG_CONSOLE },
                                               { "pipe", no_argument, NULL, 'P' },
                                               { "check-os-release", required_argument, NULL, ARG_CHECK_OS_RELEASE },
                                               { "on-reboot", required_argument, NULL, ARG_ON_REBOOT },
                                               { "keep-unit", no_argument, NULL, ARG_KEEP_UNIT },
                                               { "settings", required_argument, NULL, ARG_SETTINGS },
                                               { "print-settings", no_argument, NULL, ARG_PRINT_SETTINGS },
                                               { "property", required_argument, NULL, ARG_PROPERTY },
                                               { "detach", no_argument, NULL, 'd' },
                                               { "rlimit", required_argument, NULL, ARG_RLIMIT },
                                               { "timeout", required_argument, NULL, ARG_TIMEOUT },
                                               { "console-log-size", required_argument, NULL, ARG_CONSOLE_LOG_SIZE },
                                               { "ready-fd", required_argument, NULL, ARG_READY_FD },
                                               { "json-status-fd", required_argument, NULL, ARG_JSON_STATUS_FD },
                                               { "die-with-parent", no_argument, NULL, ARG_DIE_WITH_PARENT },
                                               { "network-namespace-path", required_argument, NULL, ARG_NETWORK_NAMESPACE_PATH },
                                               { "set-credential", required_argument, NULL, ARG_SET_CREDENTIAL },
                                               { "load-credential", required_argument, NULL, ARG_LOAD_CREDENTIAL },
                                               { "quiet", no_argument, NULL, 'q' },
                                               { "help", no_argument, NULL, 'h' },
                                               { "version", no_argument, NULL, ARG_VERSION },
                                               { "directory", required_argument, NULL, 'D' },
                                               { "slice", required_argument, NULL, 'S' },
                                               { "register", required_argument, NULL, ARG_REGISTER },
                                               { "no-pager", no_argument, NULL, ARG_NO_PAGER } };
/* ':' first: a missing argument is told apart (nspawn_option_refuse). */
#define FIXED_SHORT "+:M:bqhPdD:aS:"

/* Every command-line spelling of the key table, in table order. */
struct key_opt {
        const struct settings_key_info *key;
        const struct settings_cli *opt;
};

static struct key_opt key_opts[_SK_MAX * 2];
static size_t n_key_opts;
static struct option run_options[ELEMENTSOF(fixed_options) + ELEMENTSOF(key_opts) + 1];
static char short_options[sizeof(FIXED_SHORT) + ELEMENTSOF(key_opts) * 2];

static void build_options(void) {
        size_t n = ELEMENTSOF(fixed_options), len = strlen(FIXED_SHORT);

        if (n_key_opts)
                return;
        memcpy(run_options, fixed_options, sizeof(fixed_options));
        memcpy(short_options, FIXED_SHORT, len + 1);
        for (enum settings_key k = 0; k < _SK_MAX; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                for (size_t i = 0; i < ELEMENTSOF(info->opts); i++) {
                        const struct settings_cli *c = &info->opts[i];
                        if (!c->name && !c->short_name)
                                continue;
                        key_opts[n_key_opts] = (struct key_opt){ info, c };
                        int has_arg = c->value ? no_argument : c->optional ? optional_argument : required_argument;
                        int val = c->short_name ? c->short_name : ARG_KEY + (int) n_key_opts;
                        if (c->name)
                                run_options[n++] = (struct option){ c->name, has_arg, NULL, val };
                        if (c->short_name) {
                                short_options[len++] = c->short_name;
                                if (!c->value)
                                        short_options[len++] = ':';
                        }
                        n_key_opts++;
                }
        }
        short_options[len] = 0;
        run_options[n] = (struct option){};
}

/* The table's option for a getopt result, or NULL. */
static const struct key_opt *key_opt_of(int c) {
        if (c >= ARG_KEY && c < ARG_KEY + (int) n_key_opts)
                return &key_opts[c - ARG_KEY];
        for (size_t i = 0; i < n_key_opts; i++)
                if (c > 0 && key_opts[i].opt->short_name == c)
                        return &key_opts[i];
        return NULL;
}

static int set_str(char **dst, const char *s) {
        free(*dst);
        *dst = strdup(s);
        return *dst ? 0 : -ENOMEM;
}

/* --rlimit=NAME=VALUE and --property=NAME=VALUE: options that name the key
 * (Limit<NAME>= in [Exec], NAME= in [Resources]) and give its value. */
static int parse_named_key(const char *option, enum settings_section section, const char *prefix, const char *spec,
                           struct options *o, struct nb_error *err) {
        const char *eq = strchr(spec, '=');
        const struct settings_key_info *k = NULL;
        char name[64];

        if (!eq || (size_t) (eq - spec) >= sizeof(name) - strlen(prefix))
                return nb_error_set(err, 0, "invalid %s '%s': expected NAME=VALUE", option, spec);
        if (section == SECTION_EXEC) {
                /* RLIMIT_NOFILE, nofile, NOFILE */
                _cleanup_free_ char *n = strndup(spec, (size_t) (eq - spec));
                int res = n ? rlimit_from_name(n) : -ENOMEM;
                if (res >= 0)
                        k = settings_key_info(SK_LIMIT_FIRST + res);
        } else {
                snprintf(name, sizeof(name), "%s%.*s", prefix, (int) (eq - spec), spec);
                k = settings_key_lookup(section, name);
        }
        if (!k) {
                /* The names the table knows, e.g. "MemoryMax MemoryHigh ...". */
                char known[512] = "";
                for (enum settings_key i = 0; i < _SK_MAX; i++) {
                        const struct settings_key_info *info = settings_key_info(i);
                        if (info->section == section && startswith(info->name, prefix) &&
                            strlen(known) + strlen(info->name) + 2 < sizeof(known))
                                strcat(strcat(known, *known ? " " : ""), info->name + strlen(prefix));
                }
                return nb_error_set(err, 0, "invalid %s '%s': unknown %s %.*s (expected one of %s)", option, spec,
                                    section == SECTION_EXEC ? "resource limit" : "property", (int) (eq - spec), spec, known);
        }
        /* Messages name "--rlimit=NOFILE". */
        snprintf(name, sizeof(name), "%s=%.*s", option + 2, (int) (eq - spec), spec);
        return settings_key_parse_cli(k, &(struct settings_cli){ .name = name }, eq + 1, o, err);
}

/* One getopt pass; stops at the first non-option (ROOTFS or COMMAND). */
static int parse_pass(int argc, char **argv, struct options *o, struct nb_error *err) {
        int c, r;

        build_options();
        while ((c = getopt_long(argc, argv, short_options, run_options, NULL)) >= 0) {
                const struct key_opt *ko = key_opt_of(c);

                if (ko) {
                        if ((r = settings_key_parse_cli(ko->key, ko->opt, optarg, o, err)) < 0)
                                return r;
                        if (!ko->key->implemented)
                                log_warn("--%s: not implemented by nixbox yet, the setting has no effect",
                                         ko->opt->name ? ko->opt->name : ko->key->cli + 2);
                        /* Remembered: later options turn private_network on again. */
                        if (ko->key->key == SK_PRIVATE)
                                o->share_network_explicit = !o->private_network;
                        continue;
                }
                switch (c) {
                case 'M':
                        if (!hostname_valid(optarg))
                                return nb_error_set(err, 0, "invalid machine name '%s': expected a valid host name", optarg);
                        set_str(&o->machine, optarg);
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
                case 'a':
                case ARG_AS_PID2:
                        o->command_mode = START_PID2;
                        o->set_mask |= SET_PROCESS_TWO;
                        break;
                case ARG_SET_CREDENTIAL:
                case ARG_LOAD_CREDENTIAL:
                        r = c == ARG_SET_CREDENTIAL ? credential_add_set(o, optarg, "--set-credential", err)
                                                    : credential_add_load(o, optarg, "--load-credential", err);
                        if (r < 0)
                                return r;
                        o->set_mask |= SET_CREDENTIALS;
                        break;
                case ARG_TRUST_TREE:
                        /* Command line only: a tree's own .nspawn file must not vouch for it. */
                        o->trust_tree = true;
                        break;
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
                case ARG_CHECK_OS_RELEASE:
                        r = parse_boolean(optarg);
                        if (r < 0)
                                return nb_error_set(err, 0, "invalid --check-os-release '%s': expected a boolean", optarg);
                        o->check_os_release = r;
                        break;
                case ARG_KEEP_UNIT:
                        o->keep_unit = true;
                        break;
                case 'D':
                        set_str(&o->root, optarg);
                        break;
                case 'S':
                        if (!*optarg)
                                return nb_error_set(err, 0, "invalid --slice '': expected a slice name");
                        log_warn("--slice=%s: no systemd here, so no slice; the container's cgroup is nixbox/%s", optarg,
                                 o->machine ? o->machine : "NAME");
                        break;
                case ARG_REGISTER:
                        if ((r = nspawn_register(optarg, err)) < 0)
                                return r;
                        break;
                case ARG_NO_PAGER:
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
                case ARG_PROPERTY: {
                        /* A [Resources] key through its row; the scope properties no
                         * .nspawn key has (devices, io.max, cpuset, ...) apart. */
                        size_t len = strcspn(optarg, "=");
                        _cleanup_free_ char *name = strndup(optarg, len);
                        if (!name)
                                return nb_error_set(err, ENOMEM, "parse --property");
                        r = settings_key_lookup(SECTION_RESOURCES, name)
                                ? parse_named_key("--property", SECTION_RESOURCES, "", optarg, o, err)
                                : scope_property_parse(optarg, &o->resources, err);
                        if (r < 0)
                                return r;
                        break;
                }
                case 'd':
                        o->detach = true;
                        break;
                case ARG_RLIMIT:
                        if ((r = parse_named_key("--rlimit", SECTION_EXEC, "Limit", optarg, o, err)) < 0)
                                return r;
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
                case ARG_PRINT_SETTINGS:
                        o->print_settings = true;
                        break;
                case ARG_NETWORK_NAMESPACE_PATH:
                        set_str(&o->network_namespace_path, optarg);
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
                        /* Name the option and, for one of nspawn's, why not. */
                        return nspawn_option_refuse(argv[optind - 1],
                                                    optopt > 0 && optopt < 128 && strncmp(argv[optind - 1], "--", 2) != 0 ? optopt
                                                                                                                          : 0,
                                                    c == ':', err);
                }
        }
        return 0;
}

int cli_parse_run(int argc, char **argv, struct options *o, struct nb_error *err) {
        int r;

        opterr = 0; /* the errors name the option (nspawn_option_refuse) */
        optind = 0; /* 0: glibc forgets a previous parse (its place inside "-abc") */
        r = parse_pass(argc, argv, o, err);
        if (r != 0)
                return r;
        /* No ROOTFS argument with -D, as systemd-nspawn (which finds the tree
         * in cli_finish()), or with -M NAME and no argument but a command
         * after "--": every argument is the command then. */
        bool dashdash = optind > 1 && streq(argv[optind - 1], "--"); /* getopt ate it */
        if (o->root || o->nspawn_mode || (o->machine && (optind >= argc || dashdash))) {
                if (!dashdash && optind < argc && streq(argv[optind], "--"))
                        optind++;
        } else if (optind >= argc)
                return nb_error_set(err, 0, "no ROOTFS given; see 'nixbox run --help'");
        else if (set_str(&o->root, argv[optind]) < 0)
                return nb_error_set(err, ENOMEM, "parse the command line");
        /* Options may also follow ROOTFS, up to the command or "--". */
        else if (optind + 1 < argc && !streq(argv[optind + 1], "--") && argv[optind + 1][0] == '-') {
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

/* No ROOTFS argument: the image named by -M (nixbox's machines directory,
 * then nspawn's /var/lib/machines), else, as systemd-nspawn, the current
 * directory. */
static int find_root(struct options *o, struct nb_error *err) {
        char path[4096];

        if (o->root)
                return 0;
        if (o->machine) {
                /* image_find() looks in MACHINES_DIR, then /var/lib/machines. */
                if (image_find(o->machine, path, sizeof(path)) < 0)
                        return nb_error_set(err, 0,
                                            "no image named %s in %s or /var/lib/machines (give its "
                                            "directory with -D PATH)",
                                            o->machine, MACHINES_DIR);
        } else if (!getcwd(path, sizeof(path)))
                return nb_error_set(err, errno, "get the current directory (the container's root without -D)");
        else if (streq(path, "/") && !o->ephemeral)
                return nb_error_set(err, 0,
                                    "refusing to run the host's / as a container (as systemd-nspawn does); "
                                    "give its root with -D PATH");
        if (set_str(&o->root, path) < 0)
                return nb_error_set(err, ENOMEM, "parse the command line");
        return 0;
}

/* nspawn mode without a command or --boot: a login shell, as nspawn
 * starts it (bash, else sh, as "-bash"/"-sh": -l here). */
static int nspawn_shell(struct options *o, struct nb_error *err) {
        _cleanup_close_ int root = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int bash = root < 0 ? -1 : root_open(root, "/bin/bash", O_PATH, 0);
        const char *shell = bash >= 0 ? "/bin/bash" : "/bin/sh";

        o->argv = calloc(3, sizeof(char *));
        if (!o->argv || !(o->argv[0] = strdup(shell)) || !(o->argv[1] = strdup("-l")))
                return nb_error_set(err, ENOMEM, "parse the command line");
        o->argc = 2;
        if (!o->working_dir && set_str(&o->working_dir, "/root") < 0)
                return nb_error_set(err, ENOMEM, "parse the command line");
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

        r = find_root(o, err);
        if (r < 0)
                return r;

        /* A bare NAME that is not a directory here is an image in the
         * machines directory (or in nspawn's /var/lib/machines). */
        if (!strchr(o->root, '/') && stat(o->root, &st) < 0) {
                char path[4096];
                if (image_find(o->root, path, sizeof(path)) < 0) {
                        char where[1024] = "";
                        for (size_t i = 0; image_dir(i); i++)
                                snprintf(where + strlen(where), sizeof(where) - strlen(where), ", %s/%s", image_dir(i), o->root);
                        return nb_error_set(err, 0,
                                            "no directory or image '%s' (looked in ./%s%s); "
                                            "'nixbox import-tar FILE %s' makes an image of a tarball",
                                            o->root, o->root, where, o->root);
                }
                if (!o->machine)
                        o->machine = strdup(o->root);
                set_str(&o->root, path);
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
        if (o->argc == 0 && o->nspawn_mode && o->start_mode != START_BOOT) {
                r = nspawn_shell(o, err);
                if (r < 0)
                        return r;
        }
        if (o->argc == 0)
                o->start_mode = START_BOOT;        /* no command: boot, as nspawn -b */
        /* nspawn mode's PID 1 for a command is a default, not --as-pid1. */
        if (o->start_mode == START_BOOT && o->command_mode == START_PID1 && !(o->nspawn_mode && !(o->set_mask & SET_PROCESS_TWO)))
                return nb_error_set(err, 0, "--as-pid1 makes no sense with --boot: the init is PID 1");
        if (o->start_mode != START_BOOT)
                o->start_mode = o->command_mode;
        /* A detached boot returns when the init is ready (READY=1), not when
         * it was started: what a caller of `run -d` goes on to use. */
        if (o->detach && o->start_mode == START_BOOT && !(o->set_mask & SET_NOTIFY_READY) && !prov->line[SK_NOTIFY_READY])
                o->notify_ready = true;
        if (o->die_with_parent && o->detach)
                return nb_error_set(err, 0, "--die-with-parent and --detach exclude each other");
        /* Under the init-shim nobody's READY=1 could count (architecture §8). */
        if (o->notify_ready && o->start_mode == START_PID2)
                log_warn("--notify-ready has no effect on a command (it is ready once it runs); "
                         "use --as-pid1 for a command that sends READY=1");
        if (o->private_users == PRIVATE_USERS_NO || o->private_users == PRIVATE_USERS_IDENTITY)
                if (!(o->set_mask & SET_OWNERSHIP))
                        o->ownership = OWNERSHIP_OFF;
        /* nspawn refuses these too: an ephemeral journal would vanish. */
        if (o->ephemeral && o->link_journal != LINK_JOURNAL_NO && o->link_journal != LINK_JOURNAL_AUTO)
                return nb_error_set(err, 0, "--ephemeral and --link-journal=%s may not be combined",
                                    link_journal_mode_to_string(o->link_journal));
        /* As nspawn: what is read-only (/usr) or an overlay cannot be shifted. */
        if (o->volatile_mode != VOLATILE_NO && o->ownership == OWNERSHIP_CHOWN)
                return nb_error_set(err, 0, "--volatile=%s and --private-users-ownership=chown may not be combined",
                                    volatile_mode_to_string(o->volatile_mode));
        if (o->volatile_mode != VOLATILE_NO && o->ephemeral)
                return nb_error_set(err, 0, "--volatile=%s and --ephemeral may not be combined",
                                    volatile_mode_to_string(o->volatile_mode));
        r = network_validate(o, err);
        if (r < 0)
                return r;
        log_quiet = o->quiet;
        trace_enabled = o->trace;
        return 0;
}
