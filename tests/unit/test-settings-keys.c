/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Walks the key table (runtime/settings/settings-keys.c) with sample values
 * for every key:
 *   - round trip: a file setting the key, merged and printed by
 *     --print-settings, parses back to the same options;
 *   - one grammar: each command-line option of a key accepts and refuses the
 *     same values as the key in a file, with the same result and message.
 * A key added to the table without samples here fails the walk. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "error.h"
#include "options.h"
#include "parse-util.h"
#include "settings-file.h"
#include "settings-merge.h"
#include "unit.h"

#define MAX_SAMPLES 8

struct samples {
        enum settings_key key;
        const char *valid[MAX_SAMPLES];
        const char *invalid[MAX_SAMPLES];
        const char *unsupported[MAX_SAMPLES]; /* nspawn values nixbox lacks: the file warns, the command line refuses */
};

/* Rows list what they need: the unsupported samples are rare. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define BOOLS                         \
        { "yes", "no", "on", "0" }, { \
                "maybe", "2"          \
        }

static const struct samples samples[] = {
        { SK_BOOT, BOOLS },
        { SK_PROCESS_TWO, BOOLS },
        { SK_PARAMETERS,
          { "/bin/sh -c 'echo a b'", "one \"two three\" back\\slash", "trailing\\ x", "x \"end\\\"" },
          { "'unterminated" } },
        { SK_ENVIRONMENT, { "A=b", "A=b C=\"d e\"", "HASH=x#y", "E=\"x\\\"" }, { "1A=b", "noequals" } },
        { SK_PERSONALITY, { "x86", "x86-64" }, { "arm64", "sparc" } },
        { SK_USER, { "root", "1000", "nobody" }, { "a:b", "-x", "a/b" } },
        { SK_WORKING_DIRECTORY, { "/root", "/a//b/" }, { "relative", "/a/../b" } },
        { SK_CAPABILITY, { "CAP_NET_ADMIN", "CAP_SYS_TIME CAP_MKNOD", "all" }, { "CAP_BOGUS" } },
        { SK_DROP_CAPABILITY, { "CAP_NET_RAW", "cap_mknod,cap_chown", "all" }, { "CAP_BOGUS" } },
        { SK_NO_NEW_PRIVILEGES, BOOLS },
        { SK_KILL_SIGNAL, { "SIGTERM", "SIGRTMIN+3", "15", "INT" }, { "SIGFOO", "0", "SIGRTMIN+99" } },
        { SK_MACHINE_ID,
          { "0123456789abcdef0123456789abcdef", "0123456789ABCDEF0123456789ABCDEF" },
          { "1234", "00000000000000000000000000000000" } },
        { SK_PRIVATE_USERS, { "pick", "no", "identity", "1000000:65536", "yes", "1966080" }, { "maybe" }, { "managed" } },
        { SK_NOTIFY_READY, BOOLS },
        { SK_SYSCALL_FILTER,
          { "@mount", "~@mount", "~ptrace ~kexec_load", "read write", "~@obsolete reboot" },
          { "not_a_syscall", "read ~ptrace", "~@nogroup", "~ ~" } },
        /* SK_LIMIT_FIRST..SK_LIMIT_LAST: limit_samples below. */
        { SK_OOM_SCORE_ADJUST, { "-500", "0", "1000" }, { "1001", "x" } },
        { SK_CPU_AFFINITY, { "0-3", "0,2 5", "7" }, { "x", "1024" } },
        { SK_HOSTNAME, { "foo", "a.b-c", "x_y" }, { "a/b", "a b", "foo..bar" } },
        { SK_RESOLV_CONF, { "off", "bind-host", "auto", "copy-static", "replace-stub", "bind-uplink" }, { "sometimes", "copy" } },
        { SK_TIMEZONE, { "off", "copy", "bind", "symlink", "delete", "auto" }, { "sometimes" } },
        { SK_LINK_JOURNAL, { "no", "host", "try-host", "guest", "try-guest", "auto" }, { "sometimes" } },
        { SK_EPHEMERAL, BOOLS },
        { SK_READ_ONLY, BOOLS },
        { SK_VOLATILE, { "yes", "no", "state", "overlay" }, { "sometimes" } },
        { SK_BIND, { "/srv:/srv", "/srv:/mnt:norbind,idmap", "/opt", "/a\\:b:/c" }, { "/srv:relative", "/srv:/srv:bogus" } },
        { SK_BIND_READ_ONLY, { "/nix/store:/nix/store:idmap", "/etc:/mnt/etc:rootidmap" }, { "+relative:/x", "/x:/a/../b" } },
        { SK_TEMPORARY_FILE_SYSTEM, { "/run/x:mode=0700", "/tmp" }, { "tmp" } },
        { SK_INACCESSIBLE, { "/secret", "/a//b" }, { "rel" } },
        { SK_OVERLAY, { "/lower:/upper:/merged", "/l1:/l2:/upper:/dst", "/lower:/upper" }, { "/only" } },
        { SK_OVERLAY_READ_ONLY, { "/lower:/upper:/merged" }, { "/only" } },
        { SK_PRIVATE_USERS_OWNERSHIP, { "off", "chown", "map", "auto" }, { "sometimes" }, { "foreign" } },
        { SK_PRIVATE_USERS_CHOWN, BOOLS },
        { SK_PRIVATE, BOOLS },
        { SK_VIRTUAL_ETHERNET, BOOLS },
        { SK_VIRTUAL_ETHERNET_EXTRA, { "vx1", "vx1:inner0" }, { "a:b:c", "bad/name" } },
        { SK_INTERFACE, { "eth9", "eth9:cif eth10" }, { "a:b:c" } },
        { SK_MACVLAN, { "eth11", "eth11:mv0", "abcdefghijklmn" }, { "a/b" } },
        { SK_IPVLAN, { "eth12", "eth12:iv0 eth13" }, { "a/b" } },
        { SK_BRIDGE, { "br0" }, { "br/0" } },
        { SK_ZONE, { "dmz" }, { "muchtoolongzone" } },
        { SK_PORT, { "8080", "tcp:8080:80", "udp:53" }, { "icmp:80", "0", "8080:" } },
        { SK_HOST_ADDRESS, { "10.0.0.1/24", "fd00::1 10.0.0.2" }, { "10.0.0.1/33", "x" } },
        { SK_LOCAL_ADDRESS, { "10.0.0.2/28" }, { "300.1.1.1" } },
        { SK_IP_MASQUERADE, BOOLS },
        { SK_MEMORY_MAX, { "1G", "512M", "infinity", "1000000" }, { "lots", "0" } },
        { SK_MEMORY_HIGH, { "768M" }, { "lots" } },
        { SK_TASKS_MAX, { "512", "infinity" }, { "0", "x" } },
        { SK_CPU_QUOTA, { "150%", "50%" }, { "150", "0%" } },
        { SK_CPU_WEIGHT, { "1", "10000", "200" }, { "0", "10001" } },
        { SK_IO_WEIGHT, { "50" }, { "0" } },
};

static const struct samples limit_samples = { 0, { "100", "infinity", "5:infinity" }, { "lots", "20:10" } };
static const struct samples nice_samples = { 0, { "5", "0:-5" }, { "lots", "-20:19" } };

static const struct samples *samples_of(enum settings_key k) {
        if (k == SK_LIMIT_FIRST + RLIMIT_NICE)
                return &nice_samples;
        if (k >= SK_LIMIT_FIRST && k <= SK_LIMIT_LAST)
                return &limit_samples;
        for (size_t i = 0; i < ELEMENTSOF(samples); i++)
                if (samples[i].key == k)
                        return &samples[i];
        return NULL;
}

static struct settings *parse_key(const struct settings_key_info *k, const char *value, struct nb_error *err) {
        char *text = NULL;
        struct settings *s = NULL;

        if (asprintf(&text, "[%s]\n%s=%s\n", settings_section_name(k->section), k->name, value) < 0)
                return NULL;
        if (settings_parse_string(text, strlen(text), "t.nspawn", &s, err) < 0)
                s = NULL;
        free(text);
        return s;
}

/* The file merged onto fresh options, trusted. */
static int merge_fresh(const struct settings *s, struct options *o) {
        struct settings_provenance p = {};
        struct nb_error err = {};
        int r;

        options_init(o);
        o->settings = SETTINGS_TRUSTED;
        r = settings_merge(o, s, true, &p, &err);
        settings_provenance_done(&p);
        return r;
}

/* --print-settings' text without its provenance comments: a loadable file. */
static char *print_plain(const struct options *o) {
        char *text = NULL, *out;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        settings_print(f, o, NULL);
        fclose(f);
        out = calloc(1, size + 1);
        if (!out) {
                free(text);
                return NULL;
        }
        for (char *line = text, *nl; line && *line; line = nl) {
                nl = strchr(line, '\n');
                if (nl)
                        *nl++ = 0;
                if (line[0] == '#')
                        continue;
                /* "%-48s # ORIGIN": the last " # " starts the comment. */
                char *c = NULL;
                for (char *p = line; (p = strstr(p, " # ")); p++)
                        c = p;
                if (c) {
                        while (c > line && c[-1] == ' ')
                                c--;
                        *c = 0;
                }
                strcat(out, line);
                strcat(out, "\n");
        }
        free(text);
        return out;
}

/* One row printed alone. */
static char *print_key(const struct settings_key_info *k, const struct options *o) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        if (!settings_key_print(k, f, o))
                fputs("(nothing)", f);
        fclose(f);
        /* A mount's own line (after a tab) is provenance, not value. */
        for (char *t; (t = strchr(text, '\t'));)
                memmove(t, t + strcspn(t, "\n"), strlen(t + strcspn(t, "\n")) + 1);
        return text;
}

static void test_every_row_has_samples(void) {
        for (enum settings_key k = 0; k < _SK_MAX; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                char name[128];

                if (!info->supported)
                        continue;
                snprintf(name, sizeof(name), "%s= has sample values in test-settings-keys.c", info->name);
                CHECK(name, samples_of(k) != NULL && samples_of(k)->valid[0] && samples_of(k)->invalid[0]);
                snprintf(name, sizeof(name), "%s= has a type, an expected text or its own messages", info->name);
                CHECK(name,
                      info->type && info->type->parse && info->type->reset && info->type->copy && info->type->print &&
                              (!(info->flags & KEY_PER_VALUE) || info->type->is_set));
        }
}

static void test_round_trip(void) {
        for (enum settings_key k = 0; k < _SK_MAX; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                const struct samples *sm = samples_of(k);

                if (!info->supported || !sm)
                        continue;
                for (size_t i = 0; i < MAX_SAMPLES && sm->valid[i]; i++) {
                        struct nb_error err = {};
                        struct options o1, o2;
                        char name[512];
                        _cleanup_(settings_freep) struct settings *s1 = parse_key(info, sm->valid[i], &err), *s2 = NULL;

                        snprintf(name, sizeof(name), "%s=%s parses", info->name, sm->valid[i]);
                        CHECK(name, s1 && s1->n_warnings == 0);
                        if (!s1) {
                                printf("#   %s\n", err.msg);
                                continue;
                        }
                        snprintf(name, sizeof(name), "%s=%s is set by its line", info->name, sm->valid[i]);
                        CHECK(name, s1->line[k == SK_PRIVATE_USERS_CHOWN ? SK_PRIVATE_USERS_OWNERSHIP : k] == 2);
                        CHECK(name, merge_fresh(s1, &o1) == 0);
                        _cleanup_free_ char *text1 = print_plain(&o1);
                        if (text1 && settings_parse_string(text1, strlen(text1), "printed.nspawn", &s2, &err) < 0)
                                s2 = NULL;
                        snprintf(name, sizeof(name), "round trip %s=%s: the printed file loads", info->name, sm->valid[i]);
                        CHECK(name, s2 && s2->n_warnings == 0);
                        if (!s2) {
                                printf("#   %s\n#   printed:\n%s", err.msg, text1 ? text1 : "(null)");
                                options_free(&o1);
                                continue;
                        }
                        merge_fresh(s2, &o2);
                        _cleanup_free_ char *text2 = print_plain(&o2);
                        _cleanup_free_ char *v1 = print_key(info, &o1);
                        _cleanup_free_ char *v2 = print_key(info, &o2);
                        snprintf(name, sizeof(name), "round trip %s=%s: the same value", info->name, sm->valid[i]);
                        CHECK_STREQ(name, v2, v1);
                        snprintf(name, sizeof(name), "round trip %s=%s: the same options", info->name, sm->valid[i]);
                        CHECK_STREQ(name, text2, text1);
                        options_free(&o1);
                        options_free(&o2);
                }
        }
}

/* All keys in one file (the first sample of each), as --print-settings
 * prints them together. */
static void test_round_trip_all(void) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        struct nb_error err = {};
        struct options o1, o2;
        _cleanup_(settings_freep) struct settings *s1 = NULL, *s2 = NULL;

        if (!f)
                return;
        for (int sec = 0; sec < _SECTION_MAX; sec++) {
                fprintf(f, "[%s]\n", settings_section_name(sec));
                for (enum settings_key k = 0; k < _SK_MAX; k++) {
                        const struct settings_key_info *info = settings_key_info(k);
                        /* Boot=yes excludes ProcessTwo=yes; the Chown spelling would override the ownership. */
                        if ((int) info->section == sec && info->supported && k != SK_PROCESS_TWO && k != SK_PRIVATE_USERS_CHOWN)
                                fprintf(f, "%s=%s\n", info->name, samples_of(k)->valid[0]);
                }
        }
        fclose(f);
        CHECK("every key in one file parses", settings_parse_string(text, size, "all.nspawn", &s1, &err) == 0);
        if (!s1) {
                printf("#   %s\n", err.msg);
                free(text);
                return;
        }
        CHECK("every key in one file merges", merge_fresh(s1, &o1) == 0);
        _cleanup_free_ char *text1 = print_plain(&o1);
        CHECK("every key: the printed file loads",
              text1 && settings_parse_string(text1, strlen(text1), "printed.nspawn", &s2, &err) == 0 && s2->n_warnings == 0);
        if (s2) {
                merge_fresh(s2, &o2);
                _cleanup_free_ char *text2 = print_plain(&o2);
                CHECK_STREQ("every key: printed, loaded and printed again, the same", text2, text1);
                options_free(&o2);
        }
        options_free(&o1);
        free(text);
}

/* The message after "t.nspawn:2: Key: " or "--option: ". */
static const char *message_body(const char *msg, bool file) {
        const char *p = msg;

        if (file) {
                p = strstr(msg, ": ");              /* after t.nspawn:2 */
                p = p ? strstr(p + 2, ": ") : NULL; /* after the key */
        } else
                p = strstr(msg, ": ");
        return p ? p + 2 : msg;
}

enum verdict { VALID, INVALID, UNSUPPORTED };

static const char *verdict_name(enum verdict v) {
        return v == VALID ? "valid" : v == INVALID ? "invalid" : "unsupported";
}

/* The command line: nixbox run OPTION[=VALUE] /r. A flag stands for its value only. */
static int parse_cli(const struct settings_key_info *k, const struct settings_cli *opt, const char *value, struct options *o,
                     struct nb_error *err) {
        char arg[512];
        char *argv[] = { (char *) "run", arg, (char *) "/r", NULL };

        if (k->key >= SK_LIMIT_FIRST && k->key <= SK_LIMIT_LAST)
                snprintf(arg, sizeof(arg), "--rlimit=%s=%s", k->name + strlen("Limit"), value);
        else if (k->section == SECTION_RESOURCES)
                snprintf(arg, sizeof(arg), "--property=%s=%s", k->name, value);
        else if (opt->name && !opt->value)
                snprintf(arg, sizeof(arg), "--%s=%s", opt->name, value);
        else if (opt->name)
                snprintf(arg, sizeof(arg), "--%s", opt->name);
        else
                snprintf(arg, sizeof(arg), "-%c", opt->short_name);
        options_init(o);
        return cli_parse_run(3, argv, o, err);
}

static void compare(const struct settings_key_info *k, const struct settings_cli *opt, const char *value, enum verdict want) {
        struct nb_error ferr = {}, cerr = {};
        struct options of, oc;
        enum verdict vf, vc;
        char name[600], label[128];
        _cleanup_(settings_freep) struct settings *s = parse_key(k, value, &ferr);
        int rc = parse_cli(k, opt, opt->value ? NULL : value, &oc, &cerr);

        if (k->key >= SK_LIMIT_FIRST && k->key <= SK_LIMIT_LAST)
                snprintf(label, sizeof(label), "--rlimit=%s=", k->name + strlen("Limit"));
        else if (k->section == SECTION_RESOURCES)
                snprintf(label, sizeof(label), "--property=%s=", k->name);
        else if (opt->name)
                snprintf(label, sizeof(label), "--%s%s", opt->name, opt->value ? "" : "=");
        else
                snprintf(label, sizeof(label), "-%c", opt->short_name);

        vf = !s ? INVALID : s->n_warnings > 0 && strstr(s->warnings[0], "not supported") ? UNSUPPORTED : VALID;
        vc = rc == 0 ? VALID : strstr(cerr.msg, "not supported") ? UNSUPPORTED : INVALID;
        snprintf(name, sizeof(name), "%s%s and %s=%s: both %s", label, opt->value ? "" : value, k->name, value, verdict_name(want));
        CHECK(name, vf == want && vc == want);
        if (vf != want || vc != want)
                printf("#   file: %s, command line: %s (%s)\n", verdict_name(vf), verdict_name(vc), cerr.msg);

        if (vf == INVALID && vc == INVALID) {
                snprintf(name, sizeof(name), "%s%s and %s=%s: the same message", label, value, k->name, value);
                CHECK_STREQ(name, message_body(cerr.msg, false), message_body(ferr.msg, true));
        }
        if (vf == VALID && vc == VALID && merge_fresh(s, &of) == 0) {
                _cleanup_free_ char *vfile = print_key(k, &of);
                _cleanup_free_ char *vcli = print_key(k, &oc);
                snprintf(name, sizeof(name), "%s%s and %s=%s: the same value", label, opt->value ? "" : value, k->name, value);
                CHECK_STREQ(name, vcli, vfile);
                snprintf(name, sizeof(name), "%s%s sets the command line's bit", label, opt->value ? "" : value);
                CHECK(name, settings_key_from_command_line(k, &oc));
                options_free(&of);
        }
        options_free(&oc); /* also what a refused command line left */
}

static void test_one_grammar(void) {
        for (enum settings_key k = 0; k < _SK_MAX; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                const struct samples *sm = samples_of(k);
                /* --rlimit= and --property= name the key in their value. */
                static const struct settings_cli named = { .name = "(named)" };
                bool is_named = (k >= SK_LIMIT_FIRST && k <= SK_LIMIT_LAST) || info->section == SECTION_RESOURCES;

                if (!info->supported || !sm)
                        continue;
                for (size_t j = 0; j < (is_named ? 1 : ELEMENTSOF(info->opts)); j++) {
                        const struct settings_cli *opt = is_named ? &named : &info->opts[j];

                        if (!opt->name && !opt->short_name)
                                continue;
                        if (opt->value) {
                                /* A flag is the same as the key set to its value. */
                                compare(info, opt, opt->value, VALID);
                                continue;
                        }
                        for (size_t i = 0; i < MAX_SAMPLES; i++) {
                                /* An option that takes one item of the key's list
                                 * (--setenv) is compared on one-item values
                                 * (no quoting: the shell did that). */
                                if (sm->valid[i] && !((info->flags & KEY_CLI_ONE_ITEM) && strpbrk(sm->valid[i], " \t'\"")))
                                        compare(info, opt, sm->valid[i], VALID);
                                if (sm->invalid[i])
                                        compare(info, opt, sm->invalid[i], INVALID);
                                if (sm->unsupported[i])
                                        compare(info, opt, sm->unsupported[i], UNSUPPORTED);
                        }
                        if (opt->optional) {
                                /* --name without a value means yes. */
                                compare(info, &(struct settings_cli){ .name = opt->name, .value = "yes" }, "yes", VALID);
                        }
                }
        }
}

/* The two bugs the table fixed, as a user sees them. */
static void test_fixed_bugs(void) {
        struct nb_error err = {};
        struct options o;
        _cleanup_(settings_freep) struct settings *s = NULL;

        options_init(&o);
        o.syscall_filter = NULL;
        strv_push(&o.syscall_filter, &o.n_syscall_filter, "~@mount");
        _cleanup_free_ char *text = print_plain(&o);
        CHECK("a deny-only filter prints as SystemCallFilter=~@mount", text && strstr(text, "\nSystemCallFilter=~@mount\n"));
        CHECK("... and nothing like SystemCallFilter==", text && !strstr(text, "=="));
        options_free(&o);

        s = NULL;
        const char *file = "[Exec]\nSystemCallFilter=~ptrace ~kexec_load\n";
        CHECK("SystemCallFilter=~ptrace ~kexec_load loads from a file",
              settings_parse_string(file, strlen(file), "t.nspawn", &s, &err) == 0 && s->o.n_syscall_filter == 2 &&
                      streq(s->o.syscall_filter[0], "~ptrace") && streq(s->o.syscall_filter[1], "~kexec_load"));
}

/* --property=NAME= and --rlimit=NAME= name their row; an unknown name lists the table's. */
static void test_named_options(void) {
        struct nb_error err = {};
        struct options o;
        char *argv[] = { (char *) "run", (char *) "--property=Foo=1", (char *) "/r", NULL };

        options_init(&o);
        CHECK("--property=Foo=1 is refused", cli_parse_run(3, argv, &o, &err) < 0);
        CHECK("... naming the properties of the table",
              strstr(err.msg, "Foo is not a resource-control property") && strstr(err.msg, "MemoryMax") &&
                      strstr(err.msg, "IOWeight"));
        options_free(&o);
        argv[1] = (char *) "--rlimit=RLIMIT_BOGUS=1";
        options_init(&o);
        CHECK("--rlimit=RLIMIT_BOGUS=1 is refused, naming the limits",
              cli_parse_run(3, argv, &o, &err) < 0 && strstr(err.msg, "NOFILE") && strstr(err.msg, "RTTIME"));
        options_free(&o);
        argv[1] = (char *) "--rlimit=rlimit_nofile=7";
        options_init(&o);
        CHECK("--rlimit=rlimit_nofile=7 sets LimitNOFILE=",
              cli_parse_run(3, argv, &o, &err) == 0 && o.rlimits[RLIMIT_NOFILE] && o.rlimits[RLIMIT_NOFILE]->rlim_cur == 7);
        options_free(&o);
}

int main(void) {
        test_every_row_has_samples();
        test_round_trip();
        test_round_trip_all();
        test_one_grammar();
        test_fixed_bugs();
        test_named_options();
        UNIT_END();
}
