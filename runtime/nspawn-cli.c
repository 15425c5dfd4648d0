/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-nspawn 252's options (its parse_argv() and --help, hidden
 * compatibility spellings included) and what `nixbox run` does with each.
 * tests/integration/13-nspawn-compat.sh walks this table: a NATIVE option
 * parses, an ACCEPTED one parses with nothing to do, a REFUSED one fails
 * with its name and reason. */
#include <errno.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/utsname.h>

#include "error.h"
#include "log.h"
#include "macro.h"
#include "nspawn-cli.h"
#include "options.h"
#include "parse-util.h"

#define IMAGES "nixbox runs directory trees, not disk images (unpack a tarball with `nixbox import-tar`)"
#define NOT_YET "not implemented in this build of nixbox"

const struct nspawn_option nspawn_options[] = {
        /* General */
        { "help", 'h', false, NSPAWN_NATIVE, NULL },
        { "version", 0, false, NSPAWN_NATIVE, NULL },
        { "quiet", 'q', false, NSPAWN_NATIVE, NULL },
        { "no-pager", 0, false, NSPAWN_ACCEPTED, "nixbox shows no output through a pager" },
        { "settings", 0, true, NSPAWN_NATIVE, NULL },
        /* Image */
        { "directory", 'D', true, NSPAWN_NATIVE, NULL },
        { "template", 0, true, NSPAWN_REFUSED,
          "nixbox does not make trees from templates: copy the template first "
          "(cp -a --reflink=auto), or run it with --ephemeral" },
        { "ephemeral", 'x', false, NSPAWN_NATIVE, NULL },
        { "image", 'i', true, NSPAWN_REFUSED, IMAGES },
        { "oci-bundle", 0, true, NSPAWN_REFUSED, "OCI bundles are " NOT_YET },
        { "read-only", 0, false, NSPAWN_NATIVE, NULL },
        { "volatile", 0, true, NSPAWN_NATIVE, NULL },
        { "root-hash", 0, true, NSPAWN_REFUSED, "dm-verity protects disk images; " IMAGES },
        { "root-hash-sig", 0, true, NSPAWN_REFUSED, "dm-verity protects disk images; " IMAGES },
        { "verity-data", 0, true, NSPAWN_REFUSED, "dm-verity protects disk images; " IMAGES },
        { "pivot-root", 0, true, NSPAWN_REFUSED, NOT_YET " (boot the tree's own init, or bind the directory)" },
        /* Execution */
        { "as-pid2", 'a', false, NSPAWN_NATIVE, NULL },
        { "boot", 'b', false, NSPAWN_NATIVE, NULL },
        { "chdir", 0, true, NSPAWN_NATIVE, NULL },
        { "setenv", 'E', true, NSPAWN_NATIVE, NULL },
        { "user", 'u', true, NSPAWN_NATIVE, NULL },
        { "uid", 0, true, NSPAWN_NATIVE, NULL }, /* nspawn's old spelling of --user */
        { "kill-signal", 0, true, NSPAWN_NATIVE, NULL },
        { "notify-ready", 0, true, NSPAWN_NATIVE, NULL },
        { "suppress-sync", 0, true, NSPAWN_REFUSED, NOT_YET " (sync() and fsync() keep working)" },
        /* System identity */
        { "machine", 'M', true, NSPAWN_NATIVE, NULL },
        { "hostname", 0, true, NSPAWN_NATIVE, NULL },
        { "uuid", 0, true, NSPAWN_NATIVE, NULL },
        /* Properties */
        { "slice", 'S', true, NSPAWN_ACCEPTED,
          "no systemd here: no slice to put the container in; its cgroup is "
          "nixbox/NAME (below nixbox's own with --keep-unit)" },
        { "property", 0, true, NSPAWN_NATIVE, NULL },
        { "register", 0, true, NSPAWN_ACCEPTED,
          "no systemd-machined here: nixbox keeps its own machine list "
          "(`nixbox list`)" },
        { "keep-unit", 0, false, NSPAWN_NATIVE, NULL },
        /* User namespacing */
        { "private-users", 0, true, NSPAWN_NATIVE, NULL },
        { "private-users-ownership", 0, true, NSPAWN_NATIVE, NULL },
        { "private-users-chown", 0, false, NSPAWN_NATIVE, NULL }, /* old --private-users-ownership=chown */
        { NULL, 'U', false, NSPAWN_NATIVE, NULL },
        /* Networking */
        { "private-network", 0, false, NSPAWN_NATIVE, NULL },
        { "network-interface", 0, true, NSPAWN_NATIVE, NULL },
        { "network-macvlan", 0, true, NSPAWN_NATIVE, NULL },
        { "network-ipvlan", 0, true, NSPAWN_NATIVE, NULL },
        { "network-veth", 'n', false, NSPAWN_NATIVE, NULL },
        { "network-veth-extra", 0, true, NSPAWN_NATIVE, NULL },
        { "network-bridge", 0, true, NSPAWN_NATIVE, NULL },
        { "network-zone", 0, true, NSPAWN_NATIVE, NULL },
        { "network-namespace-path", 0, true, NSPAWN_NATIVE, NULL },
        { "port", 'p', true, NSPAWN_NATIVE, NULL },
        /* Security */
        { "capability", 0, true, NSPAWN_NATIVE, NULL },
        { "drop-capability", 0, true, NSPAWN_NATIVE, NULL },
        { "ambient-capability", 0, true, NSPAWN_REFUSED, NOT_YET " (the payload gets no ambient capabilities)" },
        { "no-new-privileges", 0, true, NSPAWN_NATIVE, NULL },
        { "system-call-filter", 0, true, NSPAWN_NATIVE, NULL },
        { "selinux-context", 'Z', true, NSPAWN_REFUSED, "nixbox has no SELinux support" },
        { "selinux-apifs-context", 'L', true, NSPAWN_REFUSED, "nixbox has no SELinux support" },
        { "share-system", 0, false, NSPAWN_REFUSED,
          "systemd-nspawn dropped it too: a container always has its own "
          "PID, IPC and UTS namespaces" },
        /* Resources */
        { "rlimit", 0, true, NSPAWN_NATIVE, NULL },
        { "oom-score-adjust", 0, true, NSPAWN_NATIVE, NULL },
        { "cpu-affinity", 0, true, NSPAWN_NATIVE, NULL },
        { "personality", 0, true, NSPAWN_NATIVE, NULL },
        /* Integration */
        { "resolv-conf", 0, true, NSPAWN_NATIVE, NULL },
        { "timezone", 0, true, NSPAWN_NATIVE, NULL },
        /* Parsed (LinkJournal= row); the bind is the journal feature's. */
        { "link-journal", 0, true, NSPAWN_NATIVE, NULL },
        { NULL, 'j', false, NSPAWN_NATIVE, NULL },
        /* Mounts */
        { "bind", 0, true, NSPAWN_NATIVE, NULL },
        { "bind-ro", 0, true, NSPAWN_NATIVE, NULL },
        { "inaccessible", 0, true, NSPAWN_NATIVE, NULL },
        { "tmpfs", 0, true, NSPAWN_NATIVE, NULL },
        { "overlay", 0, true, NSPAWN_NATIVE, NULL },
        { "overlay-ro", 0, true, NSPAWN_NATIVE, NULL },
        { "bind-user", 0, true, NSPAWN_REFUSED,
          "it needs the user's own UID mapped into the container's range and userdb records for "
          "nss-systemd; use --bind= of the home directory instead" },
        /* Input/Output */
        { "console", 0, true, NSPAWN_NATIVE, NULL },
        { "pipe", 'P', false, NSPAWN_NATIVE, NULL },
        /* Credentials */
        { "set-credential", 0, true, NSPAWN_NATIVE, NULL },
        { "load-credential", 0, true, NSPAWN_NATIVE, NULL },
};
const unsigned n_nspawn_options = ELEMENTSOF(nspawn_options);

bool nspawn_invoked(const char *argv0) {
        const char *b = argv0 ? strrchr(argv0, '/') : NULL;

        return argv0 && streq(b ? b + 1 : argv0, "systemd-nspawn");
}

void nspawn_mode_init(struct options *o) {
        o->nspawn_mode = true;
        o->private_users = PRIVATE_USERS_NO; /* nspawn: no user namespace unless -U/--private-users */
        o->private_network = false;          /* the host's network unless asked */
        o->command_mode = START_PID1;        /* the command is PID 1 unless -a */
        o->restart = RESTART_EXIT;           /* reboot: exit 133, for the unit to restart it */
}

static const struct nspawn_option *find_long(const char *name, size_t len) {
        for (unsigned i = 0; i < n_nspawn_options; i++)
                if (nspawn_options[i].long_name && strlen(nspawn_options[i].long_name) == len &&
                    strncmp(nspawn_options[i].long_name, name, len) == 0)
                        return &nspawn_options[i];
        return NULL;
}

static const struct nspawn_option *find_short(int c) {
        for (unsigned i = 0; i < n_nspawn_options; i++)
                if (c && nspawn_options[i].short_name == c)
                        return &nspawn_options[i];
        return NULL;
}

int nspawn_option_refuse(const char *token, int short_opt, bool missing_arg, struct nb_error *err) {
        const struct nspawn_option *opt;
        char shown[80];

        if (short_opt && short_opt != '?') {
                snprintf(shown, sizeof(shown), "-%c", short_opt);
                opt = find_short(short_opt);
        } else {
                const char *name = token ? token : "";
                size_t len;
                while (*name == '-')
                        name++;
                len = strcspn(name, "=");
                snprintf(shown, sizeof(shown), "--%.*s", (int) (len < 60 ? len : 60), name);
                opt = find_long(name, len);
        }
        if (missing_arg)
                return nb_error_set(err, 0, "option %s needs an argument; see 'nixbox run --help'", shown);
        if (!opt)
                return nb_error_set(err, 0,
                                    "unknown option %s: neither nixbox nor systemd-nspawn 252 has it; see "
                                    "'nixbox run --help'",
                                    shown);
        if (opt->status == NSPAWN_REFUSED)
                return nb_error_set(err, 0, "systemd-nspawn's option %s is not supported: %s", shown, opt->why);
        /* The table says run takes it, but getopt did not: a wrong table
         * or an argument where none is allowed. */
        return nb_error_set(err, 0, "option %s %s", shown,
                            opt->has_arg ? "was given in a form nixbox does not take; see 'nixbox run --help'"
                                         : "takes no argument");
}

int parse_personality(const char *s, unsigned long *ret) {
        struct utsname u;
        bool host64;

        if (uname(&u) < 0)
                return -errno;
        host64 = streq(u.machine, "x86_64");
        if (streq(s, "x86") || streq(s, "i386") || streq(s, "i486") || streq(s, "i586") || streq(s, "i686")) {
                if (!host64 && !(u.machine[0] == 'i' && streq(u.machine + 2, "86")))
                        return -EOPNOTSUPP;
                *ret = host64 ? PER_LINUX32 : PER_LINUX;
                return 0;
        }
        if (streq(s, "x86-64") || streq(s, "x86_64")) {
                if (!host64)
                        return -EOPNOTSUPP;
                *ret = PER_LINUX;
                return 0;
        }
        return -EINVAL;
}

int nspawn_register(const char *value, struct nb_error *err) {
        static bool warned;
        int r = parse_boolean(value);

        if (r < 0)
                return nb_error_set(err, 0, "invalid --register '%s': expected a boolean", value);
        if (r && !warned)
                log_warn("--register=%s: there is no systemd-machined here; the container is in nixbox's own "
                         "machine list (nixbox list)",
                         value);
        warned = true;
        return 0;
}
