/* nixbox: a small container runtime that boots NixOS (or any systemd tree)
 * or runs a command in its own namespaces, without systemd on the host. */
#include <stdio.h>

#include "cli.h"
#include "container.h"
#include "log.h"
#include "options.h"
#include "settings-merge.h"
#include "trace.h"

static void usage(void) {
        printf("Usage: nixbox COMMAND ...\n"
               "\n"
               "Commands:\n"
               "  run [OPTIONS] ROOTFS [--] [COMMAND...]   run a command in, or boot, a root file system\n"
               "  help                                     show this help\n"
               "  version                                  show the version\n"
               "\n"
               "'nixbox run --help' lists the options; see nixbox(1).\n");
}

int main(int argc, char **argv) {
        struct options o;
        struct nb_error err = {0};
        struct settings_provenance prov = {0};
        int r;

        trace_start();
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
        if (!streq(argv[1], "run")) {
                log_error("unknown command '%s'; see 'nixbox help'", argv[1]);
                return EXIT_NIXBOX_ERROR;
        }

        options_init(&o);
        r = cli_parse_run(argc - 1, argv + 1, &o, &err);
        if (r == 0)
                r = cli_finish(&o, &prov, &err);
        if (r == 0 && o.print_settings) {
                settings_print(stdout, &o, &prov);
                settings_provenance_done(&prov);
                options_free(&o);
                return 0;
        }
        settings_provenance_done(&prov);
        if (r > 0) {
                options_free(&o);
                return 0;
        }
        if (r < 0) {
                nb_error_print(&err);
                options_free(&o);
                return EXIT_NIXBOX_ERROR;
        }
        r = container_run(&o);
        options_free(&o);
        return r;
}
