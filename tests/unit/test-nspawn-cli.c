/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-nspawn's command line under nixbox: every row of the nspawn
 * option table goes through `nixbox run`'s parser (a NATIVE or ACCEPTED
 * option parses, a REFUSED one fails naming itself and the reason, never
 * "unknown option"); every --property= name of the property table parses
 * or is refused with its reason; the device policy's rules. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup-device.h"
#include "cli.h"
#include "error.h"
#include "nspawn-cli.h"
#include "options.h"
#include "scope-property.h"
#include "unit.h"

/* A value each option with an argument accepts. */
static const char *example(const char *name) {
        static const struct {
                const char *name, *value;
        } v[] = {
                { "settings", "no" },
                { "directory", "/tmp" },
                { "chdir", "/" },
                { "setenv", "A=b" },
                { "user", "root" },
                { "uid", "root" },
                { "kill-signal", "SIGTERM" },
                { "notify-ready", "yes" },
                { "machine", "nc-unit" },
                { "hostname", "nc-unit" },
                { "uuid", "0123456789abcdef0123456789abcdef" },
                { "slice", "machine.slice" },
                { "property", "MemoryMax=1G" },
                { "register", "no" },
                { "private-users", "pick" },
                { "private-users-ownership", "chown" },
                { "network-interface", "dummy0" },
                { "network-macvlan", "eth0" },
                { "network-ipvlan", "eth0" },
                { "network-veth-extra", "ve-x" },
                { "network-bridge", "br0" },
                { "network-zone", "z" },
                { "network-namespace-path", "/proc/self/ns/net" },
                { "port", "8080" },
                { "capability", "CAP_NET_ADMIN" },
                { "drop-capability", "CAP_CHOWN" },
                { "no-new-privileges", "yes" },
                { "system-call-filter", "~@mount" },
                { "rlimit", "NOFILE=1024" },
                { "oom-score-adjust", "10" },
                { "cpu-affinity", "0" },
                { "personality", "x86-64" },
                { "resolv-conf", "off" },
                { "link-journal", "try-guest" },
                { "volatile", "state" },
                { "timezone", "off" },
                { "overlay", "/tmp:/var/tmp:/mnt" },
                { "overlay-ro", "/tmp:/var/tmp:/mnt" },
                { "set-credential", "nbtest:value" },
                { "load-credential", "nbtest:/etc/hostname" },
                { "bind", "/tmp:/mnt" },
                { "bind-ro", "/tmp:/mnt" },
                { "inaccessible", "/etc" },
                { "tmpfs", "/mnt" },
                { "console", "pipe" },
        };
        for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
                if (name && strcmp(v[i].name, name) == 0)
                        return v[i].value;
        return "x";
}

/* Parses `run OPT [ARG] /tmp` (as nixbox) and returns cli_parse_run's result. */
static int parse_one(const struct nspawn_option *opt, char *msg, size_t size) {
        char flag[80], *argv[6];
        int argc = 0, r;
        struct options o;
        struct nb_error err = { 0 };

        if (opt->long_name && opt->has_arg)
                snprintf(flag, sizeof(flag), "--%s=%s", opt->long_name, example(opt->long_name));
        else if (opt->long_name)
                snprintf(flag, sizeof(flag), "--%s", opt->long_name);
        else
                snprintf(flag, sizeof(flag), "-%c", opt->short_name);
        argv[argc++] = (char *) "run";
        argv[argc++] = flag;
        if (!opt->long_name && opt->has_arg)
                argv[argc++] = (char *) example(NULL);
        argv[argc++] = (char *) "/tmp";
        argv[argc] = NULL;
        options_init(&o);
        r = cli_parse_run(argc, argv, &o, &err);
        snprintf(msg, size, "%s", err.msg);
        options_free(&o);
        return r;
}

static void test_option_table(void) {
        char name[1400], msg[sizeof(((struct nb_error *) 0)->msg)];

        for (unsigned i = 0; i < n_nspawn_options; i++) {
                const struct nspawn_option *opt = &nspawn_options[i];
                char shown[80];
                int r;

                if (opt->long_name && (strcmp(opt->long_name, "help") == 0 || strcmp(opt->long_name, "version") == 0))
                        continue; /* they print and exit (r > 0) */
                if (opt->long_name)
                        snprintf(shown, sizeof(shown), "--%s", opt->long_name);
                else
                        snprintf(shown, sizeof(shown), "-%c", opt->short_name);
                r = parse_one(opt, msg, sizeof(msg));
                snprintf(name, sizeof(name), "%s: a reason unless native", shown);
                CHECK(name, opt->status == NSPAWN_NATIVE || (opt->why && *opt->why));
                switch (opt->status) {
                case NSPAWN_NATIVE:
                case NSPAWN_ACCEPTED:
                        snprintf(name, sizeof(name), "%s parses (%s)", shown, msg);
                        CHECK(name, r == 0);
                        break;
                case NSPAWN_REFUSED:
                        snprintf(name, sizeof(name), "%s is refused", shown);
                        CHECK(name, r < 0);
                        snprintf(name, sizeof(name), "%s: the refusal names it and says why (%s)", shown, msg);
                        CHECK(name, strstr(msg, "systemd-nspawn's option") && strstr(msg, shown) && strstr(msg, opt->why));
                        break;
                }
        }
        /* Not nspawn's either: still named. */
        struct nspawn_option bogus = { "no-such-option", 0, false, NSPAWN_NATIVE, NULL };
        CHECK("an unknown option fails", parse_one(&bogus, msg, sizeof(msg)) < 0);
        CHECK("an unknown option is named", strstr(msg, "--no-such-option") && strstr(msg, "neither nixbox nor systemd-nspawn"));
}

static void test_nspawn_mode(void) {
        struct options o;
        struct nb_error err = { 0 };
        char *argv[] = { (char *) "systemd-nspawn", (char *) "-D", (char *) "/tmp", (char *) "-a", (char *) "true", NULL };
        char *argv2[] = { (char *) "systemd-nspawn", (char *) "--directory=/tmp", (char *) "sh", (char *) "-c", (char *) "x", NULL };

        CHECK("invoked as systemd-nspawn", nspawn_invoked("/usr/bin/systemd-nspawn") && nspawn_invoked("systemd-nspawn"));
        CHECK("invoked as nixbox", !nspawn_invoked("/usr/bin/nixbox") && !nspawn_invoked("systemd-nspawn.sh"));
        options_init(&o);
        nspawn_mode_init(&o);
        CHECK("nspawn mode: no user namespace", o.private_users == PRIVATE_USERS_NO);
        CHECK("nspawn mode: the host's network", !o.private_network);
        CHECK("nspawn mode: the command as PID 1", o.command_mode == START_PID1);
        CHECK("nspawn mode: reboot exits 133", o.restart == RESTART_EXIT);
        CHECK("-D ROOT -a COMMAND parses", cli_parse_run(5, argv, &o, &err) == 0);
        CHECK_STREQ("-D gives the root", o.root, "/tmp");
        CHECK("-a: the command as PID 2", o.command_mode == START_PID2);
        CHECK("the first argument is the command", o.argc == 1 && strcmp(o.argv[0], "true") == 0);
        options_free(&o);
        options_init(&o);
        CHECK("--directory= and a command with options", cli_parse_run(5, argv2, &o, &err) == 0);
        CHECK("the command keeps its options", o.argc == 3 && strcmp(o.argv[1], "-c") == 0);
        options_free(&o);
}

static void test_personality(void) {
        unsigned long p;

        CHECK("x86 is PER_LINUX32 on x86-64", parse_personality("x86", &p) == 0 && p == PER_LINUX32);
        CHECK("x86-64 is PER_LINUX", parse_personality("x86-64", &p) == 0 && p == PER_LINUX);
        CHECK("arm64 is refused here", parse_personality("arm64", &p) < 0);
        CHECK("nonsense is refused", parse_personality("nonsense", &p) == -EINVAL);
}

static void test_properties(void) {
        struct resources res = { 0 };
        struct nb_error err = { 0 };

        for (unsigned i = 0; i < n_scope_properties; i++) {
                const struct scope_property *p = &scope_properties[i];
                char spec[128], name[300];
                if (p->kind != PROP_REFUSED)
                        continue;
                snprintf(spec, sizeof(spec), "%s=1", p->name);
                err = (struct nb_error){ 0 };
                snprintf(name, sizeof(name), "--property=%s is refused with its reason", spec);
                CHECK(name, scope_property_parse(spec, &res, &err) < 0 && strstr(err.msg, p->name) && strstr(err.msg, p->why));
        }
        CHECK("MemoryMin",
              scope_property_parse("MemoryMin=64M", &res, &err) == 0 && res.memory_min_set && res.memory_min == 64ULL << 20);
        CHECK("MemorySwapMax", scope_property_parse("MemorySwapMax=1G", &res, &err) == 0 && res.memory_swap_max == 1ULL << 30);
        CHECK("AllowedCPUs", scope_property_parse("AllowedCPUs=0-1 3", &res, &err) == 0);
        CHECK_STREQ("AllowedCPUs as cpuset.cpus wants it", res.allowed_cpus, "0-1,3");
        CHECK("IOReadBandwidthMax",
              scope_property_parse("IOReadBandwidthMax=/dev/sda 5M", &res, &err) == 0 && res.n_io_limits == 1 &&
                      res.io_limits[0].value == 5000000 && res.io_limits[0].kind == IO_RBPS);
        CHECK("IOWriteIOPSMax", scope_property_parse("IOWriteIOPSMax=/ 100", &res, &err) == 0 && res.n_io_limits == 2);
        CHECK("IOReadBandwidthMax= resets", scope_property_parse("IOReadBandwidthMax=", &res, &err) == 0 && res.n_io_limits == 1);
        CHECK("IOReadBandwidthMax without a path", scope_property_parse("IOReadBandwidthMax=5M", &res, &err) < 0);
        CHECK("DeviceAllow path rw",
              scope_property_parse("DeviceAllow=/dev/fuse rw", &res, &err) == 0 && res.n_device_allow == 1 &&
                      res.device_allow[0].access == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE));
        CHECK("DeviceAllow class, no access = rwm",
              scope_property_parse("DeviceAllow=char-pts", &res, &err) == 0 &&
                      res.device_allow[1].access == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD));
        CHECK("DeviceAllow bad access", scope_property_parse("DeviceAllow=/dev/fuse rx", &res, &err) < 0);
        CHECK("DeviceAllow not a device", scope_property_parse("DeviceAllow=fuse", &res, &err) < 0);
        CHECK("DeviceAllow= resets", scope_property_parse("DeviceAllow=", &res, &err) == 0 && res.n_device_allow == 0);
        CHECK("DevicePolicy=strict",
              scope_property_parse("DevicePolicy=strict", &res, &err) == 0 && res.device_policy == DEVICE_POLICY_STRICT);
        CHECK("DevicePolicy=bogus", scope_property_parse("DevicePolicy=bogus", &res, &err) < 0);
        CHECK("an unknown property is named",
              scope_property_parse("Frobnicate=1", &res, &err) < 0 && strstr(err.msg, "Frobnicate"));
        CHECK("CPUAccounting has no effect", scope_property_parse("CPUAccounting=yes", &res, &err) == 0);
}

/* Whether rules allow access (BPF_DEVCG_ACC_*) to a device, as the BPF
 * program decides. */
static bool allows(const struct device_rule *rules, size_t n, unsigned type, unsigned maj, unsigned min, unsigned access) {
        for (size_t i = 0; i < n; i++)
                if (rules[i].type == type && (rules[i].major == UINT32_MAX || rules[i].major == maj) &&
                    (rules[i].minor == UINT32_MAX || rules[i].minor == min) && (access & ~rules[i].access) == 0)
                        return true;
        return false;
}

static void test_device_rules(void) {
        struct device_rule rules[DEVICE_RULES_MAX];
        struct nb_error err = { 0 };
        struct options o;
        char dir[] = "/tmp/nixbox-test-nspawn-cli.XXXXXX", node[64];
        size_t n;
        const unsigned R = BPF_DEVCG_ACC_READ, RW = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE, C = BPF_DEVCG_DEV_CHAR;

        CHECK("defaults", cg_device_rules(NULL, rules, DEVICE_RULES_MAX, &n, &err) == 0);
        CHECK("defaults: /dev/null rw", allows(rules, n, C, 1, 3, RW));
        CHECK("defaults: /dev/net/tun", allows(rules, n, C, 10, 200, RW));
        CHECK("defaults: no /dev/fuse", !allows(rules, n, C, 10, 229, R));
        CHECK("defaults: no /dev/kmsg", !allows(rules, n, C, 1, 11, R));

        options_init(&o);
        o.resources.device_policy = DEVICE_POLICY_STRICT;
        CHECK("strict", cg_device_rules(&o, rules, DEVICE_RULES_MAX, &n, &err) == 0);
        CHECK("strict: no /dev/null", !allows(rules, n, C, 1, 3, R));
        CHECK("strict: ptys still (nspawn's own DeviceAllow=)", allows(rules, n, C, 136, 5, RW));
        o.resources.device_policy = DEVICE_POLICY_AUTO;

        CHECK("scratch dir", mkdtemp(dir) != NULL);
        snprintf(node, sizeof(node), "%s/fuse", dir);
        if (mknod(node, S_IFCHR | 0600, makedev(10, 229)) == 0) {
                CHECK("DeviceAllow=NODE rw", scope_property_parse("DeviceAllow=/dev/kmsg r", &o.resources, &err) == 0);
                CHECK("rules with DeviceAllow=", cg_device_rules(&o, rules, DEVICE_RULES_MAX, &n, &err) == 0);
                CHECK("DeviceAllow=/dev/kmsg r: read", allows(rules, n, C, 1, 11, R));
                CHECK("DeviceAllow=/dev/kmsg r: not write", !allows(rules, n, C, 1, 11, RW));
                o.mounts = calloc(1, sizeof(*o.mounts));
                o.mounts[0] = (struct custom_mount){ .type = MOUNT_BIND_RO, .source = strdup(node), .dest = strdup("/dev/fuse") };
                o.n_mounts = 1;
                CHECK("rules with a bound node", cg_device_rules(&o, rules, DEVICE_RULES_MAX, &n, &err) == 0);
                CHECK("--bind-ro=NODE: read", allows(rules, n, C, 10, 229, R));
                CHECK("--bind-ro=NODE: not write", !allows(rules, n, C, 10, 229, RW));
                o.mounts[0].type = MOUNT_BIND;
                CHECK("rules with a bound node rw", cg_device_rules(&o, rules, DEVICE_RULES_MAX, &n, &err) == 0);
                CHECK("--bind=NODE: read-write", allows(rules, n, C, 10, 229, RW));
                CHECK("--bind=NODE: no mknod", !allows(rules, n, C, 10, 229, BPF_DEVCG_ACC_MKNOD));
                unlink(node);
        } else
                printf("# skip: mknod %s: %s (not root?)\n", node, strerror(errno));
        rmdir(dir);
        options_free(&o);
}

int main(void) {
        test_option_table();
        test_nspawn_mode();
        test_personality();
        test_properties();
        test_device_rules();
        UNIT_END();
}
