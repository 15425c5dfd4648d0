#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>

#include "capabilities.h"
#include "cli.h"
#include "error.h"
#include "log.h"
#include "options.h"
#include "parse-util.h"
#include "seccomp-policy.h"
#include "trace.h"

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
               "      --private-network[=BOOL]  private network namespace with only lo (default yes)\n"
               "      --share-network           use the host's network (= --private-network=no)\n"
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
        ARG_TMPFS, ARG_INACCESSIBLE, ARG_READ_ONLY, ARG_PRIVATE_USERS, ARG_OWNERSHIP, ARG_PRIVATE_NETWORK,
        ARG_SHARE_NETWORK, ARG_CAPABILITY, ARG_DROP_CAPABILITY, ARG_NNP, ARG_SYSCALL_FILTER,
        ARG_KILL_SIGNAL, ARG_UUID, ARG_TRACE, ARG_VERSION,
};

static const struct option run_options[] = {
        { "machine", required_argument, NULL, 'M' },
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
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, ARG_VERSION },
        {}
};

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

/* One getopt pass; stops at the first non-option (ROOTFS or COMMAND). */
static int parse_pass(int argc, char **argv, struct options *o, struct nb_error *err) {
        int c, r;

        while ((c = getopt_long(argc, argv, "+M:bE:u:Uqh", run_options, NULL)) >= 0) {
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
                        o->boot = o->boot_explicit = true;
                        o->set_mask |= SET_BOOT;
                        break;
                case ARG_INIT:
                        if (optarg[0] != '/')
                                return nb_error_set(err, 0, "invalid --init '%s': expected an absolute path inside the root", optarg);
                        set_str(&o->init_path, optarg);
                        o->set_mask |= SET_INIT;
                        break;
                case ARG_AS_PID1:
                        o->as_pid1 = true;
                        o->set_mask |= SET_PROCESS_TWO;
                        break;
                case ARG_AS_PID2:
                        o->as_pid1 = false;
                        o->set_mask |= SET_PROCESS_TWO;
                        break;
                case 'E':
                        if (!parse_env_assignment(optarg))
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
                        char **words = NULL;
                        size_t n = 0;
                        if (split_whitespace(optarg, &words, &n) < 0)
                                return nb_error_set(err, ENOMEM, "--system-call-filter");
                        for (size_t i = 0; i < n; i++) {
                                const char *w = words[i];
                                /* nspawn: a leading ~ on the list negates every entry. */
                                if ((r = seccomp_validate_entry(w, err)) < 0) {
                                        strv_free(words);
                                        return r;
                                }
                                strv_push(&o->syscall_filter, &o->n_syscall_filter, w);
                        }
                        strv_free(words);
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
                        if (parse_machine_id(optarg, id) < 0)
                                return nb_error_set(err, 0, "invalid --uuid '%s': expected 32 hexadecimal digits", optarg);
                        set_str(&o->uuid, id);
                        o->set_mask |= SET_MACHINE_ID;
                        break;
                }
                case ARG_TRACE:
                        o->trace = true;
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

int cli_finish(struct options *o, struct nb_error *err) {
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
        if (!o->hostname)
                o->hostname = strdup(o->machine);
        if (o->argc == 0 && !o->boot)
                o->boot = true;        /* no command: boot, as nspawn -b */
        if (o->boot && o->as_pid1)
                return nb_error_set(err, 0, "--as-pid1 makes no sense with --boot: the init is PID 1");
        if (o->private_users == PRIVATE_USERS_NO || o->private_users == PRIVATE_USERS_IDENTITY)
                if (!(o->set_mask & SET_OWNERSHIP))
                        o->ownership = OWNERSHIP_OFF;
        log_quiet = o->quiet;
        trace_enabled = o->trace;
        return 0;
}
