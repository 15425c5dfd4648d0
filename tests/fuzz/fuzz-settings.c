/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the .nspawn settings file: parses the input; when it
 * parses, merges it onto fresh options (mode and trust from the first byte),
 * prints the result, and checks that every custom mount and port survives a
 * round trip through its string form. Build and run: build-and-run.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "options.h"
#include "parse-util.h"
#include "settings-file.h"
#include "settings-merge.h"

static bool same_mount(const struct custom_mount *a, const struct custom_mount *b) {
        return a->type == b->type && streq(a->source ? a->source : "", b->source ? b->source : "") &&
               streq(a->dest, b->dest) && streq(a->options ? a->options : "", b->options ? b->options : "") &&
               (a->type > MOUNT_BIND_RO || (a->recursive == b->recursive && a->idmap == b->idmap));
}

static void check_round_trips(const struct settings *s) {
        for (size_t i = 0; i < s->o.n_mounts; i++) {
                struct custom_mount again;
                char *spec = custom_mount_to_string(&s->o.mounts[i]);

                if (!spec)
                        abort();
                if (parse_custom_mount(s->o.mounts[i].type, spec, &again, NULL) < 0 || !same_mount(&s->o.mounts[i], &again)) {
                        fprintf(stderr, "mount does not survive a round trip: %s\n", spec);
                        abort();
                }
                custom_mount_free(&again);
                free(spec);
        }
        for (size_t i = 0; i < s->o.n_ports; i++) {
                struct port_forward again;
                char buf[64];

                port_forward_to_string(&s->o.ports[i], buf, sizeof(buf));
                if (parse_port_forward(buf, &again, NULL) < 0 || again.protocol != s->o.ports[i].protocol ||
                    again.host_port != s->o.ports[i].host_port || again.container_port != s->o.ports[i].container_port)
                        abort();
        }
}

/* settings_print() without its "# ..." comments. */
static char *print_plain(const struct options *o) {
        char *text = NULL, *out;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                abort();
        settings_print(f, o, NULL);
        fclose(f);
        out = calloc(1, size + 1);
        if (!out)
                abort();
        for (char *line = text, *nl; line && *line; line = nl) {
                char *c = NULL;
                nl = strchr(line, '\n');
                if (nl)
                        *nl++ = 0;
                if (line[0] == '#')
                        continue;
                for (char *p = line; (p = strstr(p, " # ")); p++)
                        c = p;
                if (c)
                        *c = 0;
                strcat(strcat(out, line), "\n");
        }
        free(text);
        return out;
}

static bool both_quotes(char *const *v, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strchr(v[i], '\'') && strchr(v[i], '"'))
                        return true;
        return false;
}

/* The printed settings, loaded as a file (trusted) and printed again, are the
 * same: --print-settings output is a valid .nspawn file. Words with both
 * quote kinds cannot be written (parse_words() has no escapes). */
static void check_print_loads_back(const struct options *o) {
        struct settings *s = NULL;
        struct nb_error err = {};
        struct settings_provenance prov = {};
        struct options again;

        if (both_quotes(o->argv, o->argc) || both_quotes(o->setenv, o->n_setenv))
                return;
        char *text = print_plain(o);
        if (settings_parse_string(text, strlen(text), "printed.nspawn", &s, &err) < 0) {
                fprintf(stderr, "printed settings do not load: %s\n%s", err.msg, text);
                abort();
        }
        options_init(&again);
        again.settings = SETTINGS_TRUSTED;
        if (settings_merge(&again, s, true, &prov, &err) < 0)
                abort();
        char *text2 = print_plain(&again);
        if (strcmp(text, text2) != 0) {
                fprintf(stderr, "printed settings change when loaded:\n%s---\n%s", text, text2);
                abort();
        }
        free(text2);
        free(text);
        settings_provenance_done(&prov);
        options_free(&again);
        settings_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct settings *s = NULL;
        struct nb_error err = {};
        struct settings_provenance prov = {};
        struct options o;
        uint8_t flags = size > 0 ? data[0] : 0;

        if (size > 1 << 20)   /* the parser takes 4 MiB; the fuzzer needs no more than this */
                return 0;
        if (settings_parse_string((const char *) data, size, "fuzz.nspawn", &s, &err) < 0) {
                /* An error must say where. */
                if (strncmp(err.msg, "fuzz.nspawn", 11) != 0 && err.errnum != ENOMEM)
                        abort();
                return 0;
        }
        check_round_trips(s);

        options_init(&o);
        o.settings = (enum settings_mode) ((flags >> 1) % 3);   /* yes, override, trusted */
        if (flags & 8)
                o.set_mask = SET_BOOT | SET_ENVIRONMENT | SET_CUSTOM_MOUNTS | SET_NETWORK | SET_RLIMIT;
        if (settings_merge(&o, s, flags & 1, &prov, &err) < 0)
                abort();

        FILE *f = fopen("/dev/null", "we");
        if (f) {
                settings_print(f, &o, &prov);
                fclose(f);
        }
        check_print_loads_back(&o);
        settings_provenance_done(&prov);
        options_free(&o);
        settings_free(s);
        return 0;
}
