/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nixbox: a small container runtime that boots NixOS (or any systemd tree)
 * or runs a command in its own namespaces, without systemd on the host. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "host-config.h"
#include "log.h"
#include "nspawn-cli.h"
#include "options.h"
#include "settings-merge.h"
#include "trace.h"
#include "verbs.h"

static void usage(void) {
        printf("Usage: nixbox COMMAND ...\n"
               "\n"
               "Commands:\n"
               "  run [OPTIONS] ROOTFS|NAME [--] [COMMAND...]  run a command in, or boot, a root file system\n"
               "  list [--all] [--json] [--no-legend] [-q]  list running (--all: and ended) containers\n"
               "  status NAME [--json]                     show one container, or how it ended\n"
               "  wait NAME [--timeout=SEC] [--json]       wait for its end; exit with its status\n"
               "  remove-state NAME... | --all-ended       forget how ended containers ended\n"
               "  stop NAME... [-t|--timeout=SEC]          halt containers and wait for their end\n"
               "  poweroff NAME... | reboot NAME...        ask the containers' init to power off / reboot\n"
               "  terminate NAME...                        kill containers at once\n"
               "  kill NAME... [--signal=SIGNAL]           send a signal to the containers' init\n"
               "  exec NAME [OPTIONS] [--] COMMAND...      run a command inside a running container\n"
               "  shell NAME [OPTIONS]                     open a login shell inside a running container\n"
               "  logs NAME [-f] [--raw]                   show the console log of a detached container\n"
               "  copy-to NAME HOST-PATH [CONTAINER-PATH]  copy a file or directory into a running container\n"
               "  copy-from NAME CONTAINER-PATH [HOST-PATH]  copy one out of it\n"
               "  import-tar [-q] FILE|- [NAME]            unpack a root file system tarball into %s\n"
               "  remove NAME...                           delete images from %s\n"
               "  images [--json] [--no-legend] [-q]       list the images run finds by name\n"
               "  export-tar NAME FILE                     write an image as a tarball ('-': stdout)\n"
               "  settings ROOTFS|NAME                     print the effective settings (run --print-settings)\n"
               "  help, version\n"
               "\n"
               "'nixbox run --help' lists the options of run, 'nixbox VERB --help' those of a verb;\n"
               "see nixbox(1).\n",
               MACHINES_DIR, MACHINES_DIR);
}

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
} verbs[] = {
        { "list", verb_list },
        { "status", verb_status },
        { "stop", verb_stop },
        { "poweroff", verb_stop },
        { "reboot", verb_stop },
        { "terminate", verb_stop },
        { "kill", verb_stop },
        { "logs", verb_logs },
        { "wait", verb_wait },
        { "remove-state", verb_remove_state },
        { "copy-to", verb_copy_to },
        { "copy-from", verb_copy_from },
        { "exec", verb_exec },
        { "shell", verb_shell },
        { "import-tar", verb_import_tar },
        { "remove", verb_remove },
        { "images", verb_images },
        { "export-tar", verb_export_tar },
};

/* Whether the arguments ask only for help, which needs no privilege. */
static bool wants_help(int argc, char **argv) {
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (streq(argv[i], "-h") || streq(argv[i], "--help") || streq(argv[i], "--version"))
                        return true;
        return false;
}

/* Every verb but help, version and settings works on namespaces, cgroups,
 * /run/nixbox or the machines directory, which only root may: say so before
 * the first permission error would say it less clearly. nixbox is never
 * setuid: the answer is to run it as root. */
static int require_root(const char *verb, int argc, char **argv) {
        if (geteuid() == 0 || streq(verb, "settings") || wants_help(argc, argv))
                return 0;
        log_error("'nixbox %s' needs root (it %s); run it as root, e.g. with sudo", verb,
                  streq(verb, "run") ? "creates namespaces, cgroups and mounts"
                                     : "works on containers and images that only root can see");
        return -EPERM;
}

/* After parsing (r: 0, 1 for --help/--version, or -errno): print the
 * settings, or run the container. */
static int run_parsed(struct options *o, struct settings_provenance *prov, struct nb_error *err, int r) {
        if (r == 0 && o->print_settings) {
                settings_print(stdout, o, prov);
                settings_provenance_done(prov);
                options_free(o);
                return 0;
        }
        settings_provenance_done(prov);
        if (r > 0) {
                options_free(o);
                return 0;
        }
        if (r < 0) {
                nb_error_print(err);
                /* systemd-nspawn fails with 1 whatever the reason. */
                r = o->nspawn_mode ? EXIT_FAILURE : EXIT_NIXBOX_ERROR;
                options_free(o);
                return r;
        }
        r = container_run(o);
        options_free(o);
        return r;
}

int main(int argc, char **argv) {
        struct options o;
        struct nb_error err = {0};
        struct settings_provenance prov = {0};
        int r;

        trace_start();
        /* Host-wide paths and defaults; a bad file stops every verb but help. */
        if (host_config_load(&err) < 0) {
                nb_error_print(&err);
                if (argc < 2 || !(streq(argv[1], "help") || streq(argv[1], "--help") || streq(argv[1], "-h") ||
                                  streq(argv[1], "version") || streq(argv[1], "--version")))
                        return EXIT_NIXBOX_ERROR;
                err = (struct nb_error) {0};
        }
        /* Invoked as systemd-nspawn (a symlink): its command line, its
         * defaults and exit codes (nspawn-cli.h). */
        if (nspawn_invoked(argv[0])) {
                if (require_root("run", argc, argv) < 0)
                        return EXIT_FAILURE;
                options_init(&o);
                nspawn_mode_init(&o);
                r = cli_parse_run(argc, argv, &o, &err);
                if (r == 0)
                        r = cli_finish(&o, &prov, &err);
                return run_parsed(&o, &prov, &err, r);
        }
        if (argc < 2) {
                usage();
                return EXIT_NIXBOX_ERROR;
        }
        if (streq(argv[1], "help") || streq(argv[1], "--help") || streq(argv[1], "-h")) {
                usage();
                return 0;
        }
        if (streq(argv[1], "version") || streq(argv[1], "--version")) {
                printf("nixbox %s\n", NIXBOX_VERSION);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[1], verbs[i].name))
                        return require_root(argv[1], argc - 1, argv + 1) < 0 ? EXIT_NIXBOX_ERROR : verbs[i].fn(argc - 1, argv + 1);
        /* `nixbox settings X` is `nixbox run --print-settings X`. */
        _cleanup_free_ char **settings_argv = NULL;
        if (streq(argv[1], "settings")) {
                settings_argv = calloc((size_t) argc + 2, sizeof(char *));
                if (!settings_argv) {
                        log_error("out of memory");
                        return EXIT_NIXBOX_ERROR;
                }
                settings_argv[0] = argv[0];
                settings_argv[1] = (char *) "run";
                settings_argv[2] = (char *) "--print-settings";
                for (int i = 2; i < argc; i++)
                        settings_argv[i + 1] = argv[i];
                settings_argv[argc + 1] = NULL;
                argv = settings_argv;
                argc++;
        }
        if (!streq(argv[1], "run")) {
                log_error("unknown command '%s'; see 'nixbox help'", argv[1]);
                return EXIT_NIXBOX_ERROR;
        }

        if (!settings_argv && require_root(argv[1], argc - 1, argv + 1) < 0)
                return EXIT_NIXBOX_ERROR;
        options_init(&o);
        r = cli_parse_run(argc - 1, argv + 1, &o, &err);
        if (r == 0)
                r = cli_finish(&o, &prov, &err);
        return run_parsed(&o, &prov, &err, r);
}
