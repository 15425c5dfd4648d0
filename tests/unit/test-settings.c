/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the .nspawn settings file: value parsers (parse-util.c),
 * the parser (settings-file.c) over tests/unit/settings-corpus/, locating
 * and trust (settings-locate.c), and merging onto options with each
 * --settings mode (settings-merge.c). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "fileio.h"
#include "machine-id.h"
#include "capabilities.h"
#include "error.h"
#include "options.h"
#include "parse-util.h"
#include "settings-file.h"
#include "settings-locate.h"
#include "settings-merge.h"
#include "unit.h"

#define CAP(n) (UINT64_C(1) << (n))

static char corpus[PATH_MAX];

/* The corpus lives in the source tree: walk up from the test binary
 * (build/tests/test-settings or build/san/tests/test-settings) or use $TOP. */
static void find_corpus(void) {
        char exe[PATH_MAX];
        const char *top = getenv("TOP");
        ssize_t n;

        if (top) {
                snprintf(corpus, sizeof(corpus), "%s/tests/unit/settings-corpus", top);
                if (access(corpus, F_OK) == 0)
                        return;
        }
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = 0;
                for (char *slash; (slash = strrchr(exe, '/')) && slash != exe;) {
                        *slash = 0;
                        if (snprintf_ok(corpus, sizeof(corpus), "%s/tests/unit/settings-corpus", exe) == 0 &&
                            access(corpus, F_OK) == 0)
                                return;
                }
        }
        snprintf(corpus, sizeof(corpus), "tests/unit/settings-corpus");
}

static char *read_all(const char *path, size_t *size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t cap = 0;

        *size = 0;
        if (!f)
                return NULL;
        for (;;) {
                buf = realloc(buf, cap += 65536);
                size_t k = fread(buf + *size, 1, cap - *size, f);
                *size += k;
                if (k == 0)
                        break;
        }
        fclose(f);
        return buf;
}

/* Parses a corpus file; err gets the message on failure. */
static struct settings *parse_corpus(const char *rel, struct nb_error *err) {
        char path[PATH_MAX * 2];
        struct settings *s = NULL;
        size_t size;

        if (snprintf_ok(path, sizeof(path), "%s/%s", corpus, rel) < 0) {
                nb_error_set(err, ENAMETOOLONG, "%s/%s", corpus, rel);
                return NULL;
        }
        char *text = read_all(path, &size);
        if (!text) {
                nb_error_set(err, 0, "cannot read %s", path);
                return NULL;
        }
        if (settings_parse_string(text, size, rel, &s, err) < 0)
                s = NULL;
        free(text);
        return s;
}

static struct settings *parse_text(const char *text, struct nb_error *err) {
        struct settings *s = NULL;
        if (settings_parse_string(text, strlen(text), "t.nspawn", &s, err) < 0)
                return NULL;
        return s;
}

static bool prov_has_warning(const struct settings_provenance *p, const char *needle) {
        for (size_t i = 0; i < p->n_warnings; i++)
                if (strstr(p->warnings[i], needle))
                        return true;
        return false;
}

/* ---- parse-util ---- */

static void test_booleans(void) {
        CHECK("boolean yes", parse_boolean("yes") == 1);
        CHECK("boolean On", parse_boolean("On") == 1);
        CHECK("boolean 1", parse_boolean("1") == 1);
        CHECK("boolean t", parse_boolean("t") == 1);
        CHECK("boolean off", parse_boolean("off") == 0);
        CHECK("boolean FALSE", parse_boolean("FALSE") == 0);
        CHECK("boolean n", parse_boolean("n") == 0);
        CHECK("boolean invalid yess", parse_boolean("yes ") == -EINVAL && parse_boolean("yess") == -EINVAL);
        CHECK("boolean invalid 2 and empty", parse_boolean("2") == -EINVAL && parse_boolean("") == -EINVAL);
}

static void test_signals(void) {
        char buf[32];

        CHECK("signal SIGTERM", parse_signal("SIGTERM") == SIGTERM);
        CHECK("signal TERM", parse_signal("TERM") == SIGTERM);
        CHECK("signal sigkill any case", parse_signal("sigkill") == SIGKILL);
        CHECK("signal number", parse_signal("15") == 15);
        CHECK("signal SIGRTMIN+3", parse_signal("SIGRTMIN+3") == 37);
        CHECK("signal RTMIN+3 is 37 with any libc", parse_signal("RTMIN+3") == 37);
        CHECK("signal SIGRTMIN", parse_signal("SIGRTMIN") == 34);
        CHECK("signal SIGRTMAX-1", parse_signal("SIGRTMAX-1") == 63);
        CHECK("signal invalid SIGFOO", parse_signal("SIGFOO") == -EINVAL);
        CHECK("signal invalid 0", parse_signal("0") == -EINVAL);
        CHECK("signal invalid 65", parse_signal("65") == -EINVAL);
        CHECK("signal invalid SIGRTMIN+99", parse_signal("SIGRTMIN+99") == -EINVAL);
        CHECK("signal invalid SIGRTMIN+-1", parse_signal("SIGRTMIN+-1") == -EINVAL);
        CHECK("signal invalid SIGRTMIN-1", parse_signal("SIGRTMIN-1") == -EINVAL);
        CHECK("signal invalid empty", parse_signal("") == -EINVAL);
        CHECK_STREQ("signal to string RTMIN+3", signal_to_string(37, buf, sizeof(buf)), "SIGRTMIN+3");
        CHECK_STREQ("signal to string TERM", signal_to_string(SIGTERM, buf, sizeof(buf)), "SIGTERM");
}

static void test_ports(void) {
        static const char *const bad[] = {
                "", "-1", ":", "icmp:80", "tcp::8080", "8080:", "0", "65536", "tcp:", "udp:", "80:0", "8o",
                " 80", "80 ", "+80", "tcp:80:80:80", "TCP:80",
        };
        struct port_forward p, list[2];
        struct nb_error err = {};
        char buf[64];

        CHECK("port 8080", parse_port_forward("8080", &p, &err) == 0 && p.protocol == IPPROTO_TCP &&
              p.host_port == 8080 && p.container_port == 8080);
        CHECK("port tcp:8080:80", parse_port_forward("tcp:8080:80", &p, &err) == 0 && p.protocol == IPPROTO_TCP &&
              p.host_port == 8080 && p.container_port == 80);
        CHECK("port udp:53", parse_port_forward("udp:53", &p, &err) == 0 && p.protocol == IPPROTO_UDP &&
              p.host_port == 53 && p.container_port == 53);
        CHECK("port 65535:1", parse_port_forward("65535:1", &p, &err) == 0 && p.host_port == 65535 && p.container_port == 1);
        CHECK_STREQ("port to string", port_forward_to_string(&p, buf, sizeof(buf)), "tcp:65535:1");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char name[64];
                snprintf(name, sizeof(name), "port invalid \"%s\"", bad[i]);
                err.msg[0] = 0;
                CHECK(name, parse_port_forward(bad[i], &p, &err) == -EINVAL && strstr(err.msg, "expected"));
        }
        parse_port_forward("8080:80", &list[0], NULL);
        parse_port_forward("udp:8080:80", &list[1], NULL);
        parse_port_forward("tcp:8080:81", &p, NULL);
        CHECK("port duplicate found", port_forward_find(list, 2, &p) == 0);
        parse_port_forward("tcp:8081", &p, NULL);
        CHECK("port no duplicate", port_forward_find(list, 2, &p) == -1);
}

static void test_mounts(void) {
        struct custom_mount m;
        struct nb_error err = {};
        char cwd[PATH_MAX], expect[PATH_MAX + 16];

        CHECK("bind SRC", parse_custom_mount(MOUNT_BIND, "/srv", &m, &err) == 0 && streq(m.source, "/srv") &&
              streq(m.dest, "/srv") && m.recursive && m.idmap == IDMAP_NONE && !m.options);
        custom_mount_free(&m);
        CHECK("bind SRC:DST:OPTS", parse_custom_mount(MOUNT_BIND_RO, "/a//b/:/c/./d:norbind,idmap", &m, &err) == 0 &&
              m.type == MOUNT_BIND_RO && streq(m.source, "/a/b") && streq(m.dest, "/c/d") && !m.recursive &&
              m.idmap == IDMAP_IDMAP);
        custom_mount_free(&m);
        CHECK("bind rootidmap", parse_custom_mount(MOUNT_BIND, "/a:/b:rootidmap", &m, &err) == 0 && m.idmap == IDMAP_ROOT && m.recursive);
        custom_mount_free(&m);
        CHECK("bind owneridmap,noidmap: last wins", parse_custom_mount(MOUNT_BIND, "/a:/b:owneridmap,noidmap,rbind", &m, &err) == 0 &&
              m.idmap == IDMAP_NONE);
        custom_mount_free(&m);
        CHECK("bind escaped colon", parse_custom_mount(MOUNT_BIND, "/with\\:colon:/x\\:y", &m, &err) == 0 &&
              streq(m.source, "/with:colon") && streq(m.dest, "/x:y"));
        _cleanup_free_ char *spec = custom_mount_to_string(&m);
        CHECK_STREQ("bind to string escapes", spec, "/with\\:colon:/x\\:y");
        custom_mount_free(&m);
        CHECK("bind +SRC relative to image", parse_custom_mount(MOUNT_BIND, "+/var/x", &m, &err) == 0 &&
              streq(m.source, "+/var/x") && streq(m.dest, "/var/x"));
        custom_mount_free(&m);
        CHECK("bind empty SRC = temporary", parse_custom_mount(MOUNT_BIND, ":/scratch", &m, &err) == 0 &&
              streq(m.source, "") && streq(m.dest, "/scratch"));
        custom_mount_free(&m);
        CHECK("bind relative SRC made absolute", getcwd(cwd, sizeof(cwd)) &&
              parse_custom_mount(MOUNT_BIND, "rel/dir:/x", &m, &err) == 0);
        snprintf(expect, sizeof(expect), "%s/rel/dir", streq(cwd, "/") ? "" : cwd);
        CHECK_STREQ("bind relative SRC value", m.source, expect);
        custom_mount_free(&m);

        static const char *const bad_binds[] = {
                "", "/a:", "/a:rel", "/a:/b:bogus", "/srv\\", "+rel:/x", ":", "/a:/../x", "/a:/b/..",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad_binds); i++) {
                char name[64];
                snprintf(name, sizeof(name), "bind invalid \"%s\"", bad_binds[i]);
                err.msg[0] = 0;
                CHECK(name, parse_custom_mount(MOUNT_BIND, bad_binds[i], &m, &err) < 0 && strstr(err.msg, "invalid bind mount"));
        }

        CHECK("tmpfs PATH default mode", parse_custom_mount(MOUNT_TMPFS, "/tmp/x", &m, &err) == 0 &&
              streq(m.dest, "/tmp/x") && streq(m.options, "mode=0755"));
        custom_mount_free(&m);
        CHECK("tmpfs PATH:OPTS keeps colons", parse_custom_mount(MOUNT_TMPFS, "/t:mode=0700,size=10M:x", &m, &err) == 0 &&
              streq(m.options, "mode=0700,size=10M:x"));
        custom_mount_free(&m);
        CHECK("tmpfs relative refused", parse_custom_mount(MOUNT_TMPFS, "t", &m, &err) < 0);
        CHECK("inaccessible", parse_custom_mount(MOUNT_INACCESSIBLE, "/proc/kcore", &m, &err) == 0 && streq(m.dest, "/proc/kcore"));
        custom_mount_free(&m);

        char **lower = NULL, *upper = NULL;
        size_t n = 0;
        CHECK("overlay LOWER:UPPER", parse_custom_mount(MOUNT_OVERLAY, "/l:/u", &m, &err) == 0 && streq(m.dest, "/u") &&
              custom_mount_overlay_layers(&m, &lower, &n, &upper) == 0 && n == 1 && streq(lower[0], "/l") && streq(upper, "/u"));
        strv_free(lower);
        free(upper);
        custom_mount_free(&m);
        CHECK("overlay L1:L2:UPPER:DST", parse_custom_mount(MOUNT_OVERLAY_RO, "/l1:/l\\:2:/u:/d", &m, &err) == 0 &&
              streq(m.dest, "/d") && custom_mount_overlay_layers(&m, &lower, &n, &upper) == 0 && n == 2 &&
              streq(lower[0], "/l1") && streq(lower[1], "/l:2") && streq(upper, "/u"));
        strv_free(lower);
        free(upper);
        custom_mount_free(&m);
        CHECK("overlay empty upper = temporary", parse_custom_mount(MOUNT_OVERLAY, "/l::/d", &m, &err) == 0 &&
              custom_mount_overlay_layers(&m, &lower, &n, &upper) == 0 && streq(upper, ""));
        strv_free(lower);
        free(upper);
        custom_mount_free(&m);
        CHECK("overlay +UPPER: destination without +", parse_custom_mount(MOUNT_OVERLAY, "/l:+/u", &m, &err) == 0 &&
              streq(m.dest, "/u"));
        custom_mount_free(&m);
        CHECK("overlay single path refused", parse_custom_mount(MOUNT_OVERLAY, "/only", &m, &err) < 0);
        CHECK("overlay empty lower refused", parse_custom_mount(MOUNT_OVERLAY, ":/u:/d", &m, &err) < 0);
        CHECK("overlay relative destination refused", parse_custom_mount(MOUNT_OVERLAY, "/l:/u:d", &m, &err) < 0);
}

static void test_rlimits(void) {
        struct nb_error err = {};
        struct rlimit rl;
        int res;

        CHECK("rlimit NOFILE=1024:4096", parse_rlimit("NOFILE=1024:4096", &res, &rl, &err) == 0 && res == RLIMIT_NOFILE &&
              rl.rlim_cur == 1024 && rl.rlim_max == 4096);
        CHECK("rlimit RLIMIT_CORE=infinity", parse_rlimit("RLIMIT_CORE=infinity", &res, &rl, &err) == 0 &&
              res == RLIMIT_CORE && rl.rlim_cur == RLIM_INFINITY && rl.rlim_max == RLIM_INFINITY);
        CHECK("rlimit nproc=10 (any case)", parse_rlimit("nproc=10", &res, &rl, &err) == 0 && res == RLIMIT_NPROC &&
              rl.rlim_cur == 10 && rl.rlim_max == 10);
        CHECK("rlimit STACK=8M:infinity", parse_rlimit("STACK=8M:infinity", &res, &rl, &err) == 0 &&
              rl.rlim_cur == 8 << 20 && rl.rlim_max == RLIM_INFINITY);
        CHECK("rlimit NICE=-5 is 25", parse_rlimit_value(RLIMIT_NICE, "-5", &rl, &err) == 0 && rl.rlim_cur == 25);
        CHECK("rlimit CPU=2min", parse_rlimit_value(RLIMIT_CPU, "2min", &rl, &err) == 0 && rl.rlim_cur == 120);
        CHECK("rlimit RTTIME=1s", parse_rlimit_value(RLIMIT_RTTIME, "1s", &rl, &err) == 0 && rl.rlim_cur == 1000000);
        CHECK("rlimit soft above hard", parse_rlimit("NOFILE=10:5", &res, &rl, &err) < 0 && strstr(err.msg, "soft"));
        CHECK("rlimit unknown name", parse_rlimit("FILES=10", &res, &rl, &err) < 0 && strstr(err.msg, "FILES"));
        CHECK("rlimit missing =", parse_rlimit("NOFILE", &res, &rl, &err) < 0);
        CHECK("rlimit garbage", parse_rlimit("NOFILE=x", &res, &rl, &err) < 0);
        CHECK("rlimit negative", parse_rlimit("NOFILE=-1", &res, &rl, &err) < 0);
        CHECK("rlimit name table", rlimit_from_name("msgqueue") == RLIMIT_MSGQUEUE && streq(rlimit_to_name(RLIMIT_AS), "AS"));
}

static void test_sizes(void) {
        struct nb_error err = {};
        uint64_t v;

        CHECK("size 1024", parse_size("1024", &v) == 0 && v == 1024);
        CHECK("size 1K", parse_size("1K", &v) == 0 && v == 1024);
        CHECK("size 10M", parse_size("10M", &v) == 0 && v == 10 << 20);
        CHECK("size 1.5G", parse_size("1.5G", &v) == 0 && v == 3ULL << 29);
        CHECK("size 2T", parse_size("2T", &v) == 0 && v == 2ULL << 40);
        CHECK("size 4KB", parse_size("4KB", &v) == 0 && v == 4096);
        CHECK("size invalid", parse_size("1X", &v) < 0 && parse_size("-1", &v) < 0 && parse_size("", &v) < 0 &&
              parse_size("1.5", &v) < 0 && parse_size(".5K", &v) < 0);
        CHECK("size overflow", parse_size("16E", &v) == -ERANGE && parse_size("99999999999999999999", &v) == -ERANGE);
        CHECK("percent 50%", parse_permyriad("50%") == 5000);
        CHECK("percent 12.5%", parse_permyriad("12.5%") == 1250);
        CHECK("percent 0.01%", parse_permyriad("0.01%") == 1);
        CHECK("percent invalid", parse_permyriad("50") < 0 && parse_permyriad("1.234%") < 0 && parse_permyriad("%") < 0);
        CHECK("memory 1G", parse_memory_limit("1G", &v, &err) == 0 && v == 1ULL << 30);
        CHECK("memory infinity", parse_memory_limit("infinity", &v, &err) == 0 && v == UINT64_MAX);
        CHECK("memory 50% of RAM", parse_memory_limit("50%", &v, &err) == 0 && v > 0 && v < UINT64_MAX);
        CHECK("memory 0 refused", parse_memory_limit("0", &v, &err) < 0);
        CHECK("memory 101% refused", parse_memory_limit("101%", &v, &err) < 0);
        CHECK("tasks 512", parse_tasks_max("512", &v, &err) == 0 && v == 512);
        CHECK("tasks 10%", parse_tasks_max("10%", &v, &err) == 0 && v > 0);
        CHECK("tasks invalid", parse_tasks_max("0", &v, &err) < 0 && parse_tasks_max("x", &v, &err) < 0);
        CHECK("cpu quota 150%", parse_cpu_quota("150%", &v, &err) == 0 && v == 150000);
        CHECK("cpu quota 0.5%", parse_cpu_quota("0.5%", &v, &err) == 0 && v == 500);
        CHECK("cpu quota invalid", parse_cpu_quota("0%", &v, &err) < 0 && parse_cpu_quota("50", &v, &err) < 0);
        CHECK("weight 1..10000", parse_weight("1", &v, &err) == 0 && parse_weight("10000", &v, &err) == 0 && v == 10000);
        CHECK("weight out of range", parse_weight("0", &v, &err) < 0 && parse_weight("10001", &v, &err) < 0);
}

static void test_misc_values(void) {
        struct nb_error err = {};
        struct address a;
        char buf[128], id[33];
        uint64_t set[16];
        int oom;

        CHECK("address 10.0.0.1/24", parse_address("10.0.0.1/24", &a) == 0 && a.family == AF_INET && a.prefixlen == 24);
        CHECK_STREQ("address to string", address_to_string(&a, buf, sizeof(buf)), "10.0.0.1/24");
        CHECK("address IPv6 default prefix", parse_address("fd00::1", &a) == 0 && a.family == AF_INET6 && a.prefixlen == 128);
        CHECK("address invalid", parse_address("10.0.0.1/33", &a) < 0 && parse_address("x", &a) < 0 &&
              parse_address("10.0.0.1/", &a) < 0 && parse_address("", &a) < 0);

        struct options o;
        options_init(&o);
        CHECK("private users pick", parse_private_users("pick", &o, &err) == 0 && o.private_users == PRIVATE_USERS_PICK);
        CHECK("private users no", parse_private_users("no", &o, &err) == 0 && o.private_users == PRIVATE_USERS_NO);
        CHECK("private users yes", parse_private_users("yes", &o, &err) == 0 && o.private_users == PRIVATE_USERS_YES);
        CHECK("private users identity", parse_private_users("identity", &o, &err) == 0 &&
              o.private_users == PRIVATE_USERS_IDENTITY && o.uid_shift == 0 && o.uid_range == 65536);
        CHECK("private users 1 is a base", parse_private_users("1", &o, &err) == 0 && o.private_users == PRIVATE_USERS_FIXED &&
              o.uid_shift == 1 && o.uid_range == 65536);
        CHECK("private users BASE:RANGE", parse_private_users("524288:1000", &o, &err) == 0 &&
              o.uid_shift == 524288 && o.uid_range == 1000);
        CHECK("private users invalid", parse_private_users("x", &o, &err) < 0 && parse_private_users("5:0", &o, &err) < 0 &&
              parse_private_users("4294967295", &o, &err) < 0);
        CHECK("private users managed unsupported", parse_private_users("managed", &o, &err) == -EOPNOTSUPP);
        options_free(&o);

        CHECK("machine id", machine_id_parse_uuid("0123456789ABCDEF0123456789abcdef", id) == 0 &&
              streq(id, "0123456789abcdef0123456789abcdef"));
        CHECK("machine id dashed", machine_id_parse_uuid("01234567-89ab-cdef-0123-456789abcdef", id) == 0 &&
              streq(id, "0123456789abcdef0123456789abcdef"));
        CHECK("machine id invalid", machine_id_parse_uuid("0123", id) < 0 && machine_id_parse_uuid("00000000000000000000000000000000", id) < 0 &&
              machine_id_parse_uuid("0123456789abcdef0123456789abcdeg", id) < 0);

        CHECK("cpu set", parse_cpu_set("0-2,5 7", set, &err) == 0 && set[0] == 0xa7);
        cpu_set_to_string(set, buf, sizeof(buf));
        CHECK_STREQ("cpu set to string", buf, "0-2 5 7");
        CHECK("cpu set invalid", parse_cpu_set("3-1", set, &err) < 0 && parse_cpu_set("1024", set, &err) < 0 &&
              parse_cpu_set("a", set, &err) < 0);
        CHECK("oom", parse_oom_score_adjust("-1000", &oom) == 0 && oom == -1000 && parse_oom_score_adjust("1001", &oom) < 0);

        CHECK("hostname valid", hostname_valid("a-b.c_d") && !hostname_valid("a..b") && !hostname_valid(".a") &&
              !hostname_valid("a.") && !hostname_valid("a b") && !hostname_valid(""));
        CHECK("ifname valid", ifname_valid("eth0") && !ifname_valid("123") && !ifname_valid("a:b") &&
              !ifname_valid("0123456789abcdef") && !ifname_valid("."));
        CHECK("zone name valid", zone_name_valid("foo") && zone_name_valid("twelve-chars") && !zone_name_valid("thirteen-char"));

        struct iface_pair p;
        CHECK("iface pair default prefix", parse_iface_pair("eth0", "mv-", &p, &err) == 0 && streq(p.host, "eth0") &&
              streq(p.container, "mv-eth0"));
        iface_pair_free(&p);
        CHECK("iface pair given", parse_iface_pair("eth0:in", "mv-", &p, &err) == 0 && streq(p.container, "in"));
        iface_pair_free(&p);
        CHECK("iface pair invalid", parse_iface_pair("eth0:a:b", NULL, &p, &err) < 0 && parse_iface_pair(":x", NULL, &p, &err) < 0);

        CHECK("env assignment", parse_env_assignment("A_1=x y") == 0 && parse_env_assignment("=x") < 0 &&
              parse_env_assignment("A") < 0 && parse_env_assignment("1A=x") < 0 && parse_env_assignment("A-B=x") < 0);

        CHECK("enum console", parse_console_mode("read-only") == CONSOLE_READ_ONLY && parse_console_mode("default") < 0);
        CHECK("enum ownership", parse_ownership_mode("chown") == OWNERSHIP_CHOWN && parse_ownership_mode("yes") == OWNERSHIP_AUTO &&
              parse_ownership_mode("foreign") == -EOPNOTSUPP);
        CHECK("enum resolv-conf",
              parse_resolv_conf_mode("bind-host") == RESOLV_CONF_BIND_HOST && parse_resolv_conf_mode("no") == RESOLV_CONF_OFF &&
                      parse_resolv_conf_mode("replace-stub") == RESOLV_CONF_REPLACE_STUB &&
                      parse_resolv_conf_mode("copy-uplink") == RESOLV_CONF_COPY_UPLINK && parse_resolv_conf_mode("x") == -EINVAL);
        CHECK("enum timezone", parse_timezone_mode("symlink") == TIMEZONE_SYMLINK && parse_timezone_mode("x") < 0);
        CHECK("enum link-journal", parse_link_journal_mode("try-guest") == LINK_JOURNAL_TRY_GUEST &&
              parse_link_journal_mode("yes") == LINK_JOURNAL_AUTO && parse_link_journal_mode("no") == LINK_JOURNAL_NO);
        CHECK("enum volatile", parse_volatile_mode("overlay") == VOLATILE_OVERLAY && parse_volatile_mode("yes") == VOLATILE_YES);
        CHECK("enum settings", parse_settings_mode("override") == SETTINGS_OVERRIDE && parse_settings_mode("0") == SETTINGS_NO &&
              parse_settings_mode("trusted") == SETTINGS_TRUSTED && parse_settings_mode("x") < 0);
}

static void test_words(void) {
        struct nb_error err = {};
        char **w = NULL;
        size_t n = 0;

        CHECK("words quoting", parse_words("a 'b c' \"d 'e'\" f\"g h\"i", &w, &n, &err) == 0 && n == 4 &&
              streq(w[0], "a") && streq(w[1], "b c") && streq(w[2], "d 'e'") && streq(w[3], "fg hi"));
        strv_free(w);
        CHECK("words backslash is literal", parse_words("a\\ b \"c\\\"", &w, &n, &err) == 0 && n == 3 &&
              streq(w[0], "a\\") && streq(w[1], "b") && streq(w[2], "c\\"));
        strv_free(w);
        CHECK("words empty quotes make a word", parse_words("'' x", &w, &n, &err) == 0 && n == 2 && streq(w[0], ""));
        strv_free(w);
        CHECK("words unbalanced", parse_words("a \"b", &w, &n, &err) < 0 && strstr(err.msg, "unbalanced"));
        CHECK("words empty", parse_words("   ", &w, &n, &err) == 0 && n == 0 && w && !w[0]);
        strv_free(w);
}

/* ---- the parser, over the corpus ---- */

static void test_key_table(void) {
        bool ok = true;

        for (int k = 0; k < _SK_MAX; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                ok &= info->key == (enum settings_key) k && info->name && info->cli &&
                      settings_key_lookup(info->section, info->name) == info;
        }
        CHECK("key table complete and consistent", ok);
        CHECK("key table: LimitNOFILE", settings_key_lookup(SECTION_EXEC, "LimitNOFILE") ==
              settings_key_info(SK_LIMIT_FIRST + RLIMIT_NOFILE));
        CHECK("key table: keys belong to their section", !settings_key_lookup(SECTION_FILES, "Boot") &&
              settings_key_lookup(SECTION_NETWORK, "Port") && settings_key_lookup(SECTION_RESOURCES, "CPUQuota"));
        CHECK("key table: case-sensitive", !settings_key_lookup(SECTION_EXEC, "boot"));
}

static void test_every_key(void) {
        struct nb_error err = {};
        _cleanup_(settings_freep) struct settings *s = parse_corpus("valid/every-key.nspawn", &err);

        CHECK("every-key parses", s != NULL);
        if (!s) {
                printf("# %s\n", err.msg);
                return;
        }
        CHECK("every-key no warnings", s->n_warnings == 0);
        for (int k = 0; k < _SK_MAX; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                char name[80];
                snprintf(name, sizeof(name), "every-key sets %s=", info->name);
                if (info->supported && k != SK_PROCESS_TWO && k != SK_PRIVATE_USERS_CHOWN)
                        CHECK(name, s->line[k] > 0);
        }
        CHECK("Boot=yes", s->o.start_mode == START_BOOT && s->line[SK_BOOT] == 3);
        CHECK("Parameters=", s->o.argc == 2 && streq(s->o.argv[1], "systemd.unit=multi-user.target"));
        CHECK("Environment=", s->o.n_setenv == 2 && streq(s->o.setenv[1], "GREETING=hello world"));
        CHECK("User=", streq(s->o.user, "root"));
        CHECK("WorkingDirectory=", streq(s->o.working_dir, "/root"));
        CHECK("Capability=", s->o.caps_add == (CAP(12) | CAP(25)));
        CHECK("DropCapability=", s->o.caps_drop == CAP(16));
        CHECK("NoNewPrivileges=", s->o.no_new_privileges);
        CHECK("KillSignal=", s->o.kill_signal == 38);
        CHECK("MachineID=", streq(s->o.uuid, "0123456789abcdef0123456789abcdef"));
        CHECK("PrivateUsers=", s->o.private_users == PRIVATE_USERS_FIXED && s->o.uid_shift == 524288 && s->o.uid_range == 65536);
        CHECK("NotifyReady=", s->o.notify_ready);
        CHECK("SystemCallFilter=",
              s->o.n_syscall_filter == 2 && streq(s->o.syscall_filter[0], "@system-service") &&
                      streq(s->o.syscall_filter[1], "~@obsolete"));
        CHECK("LimitCPU=", s->o.rlimits[RLIMIT_CPU]->rlim_cur == 60);
        CHECK("LimitFSIZE=", s->o.rlimits[RLIMIT_FSIZE]->rlim_max == 1 << 30);
        CHECK("LimitSTACK=",
              s->o.rlimits[RLIMIT_STACK]->rlim_cur == 8 << 20 && s->o.rlimits[RLIMIT_STACK]->rlim_max == RLIM_INFINITY);
        CHECK("LimitNOFILE=", s->o.rlimits[RLIMIT_NOFILE]->rlim_cur == 1024 && s->o.rlimits[RLIMIT_NOFILE]->rlim_max == 524288);
        CHECK("LimitMEMLOCK=", s->o.rlimits[RLIMIT_MEMLOCK]->rlim_cur == 65536);
        CHECK("LimitNICE=", s->o.rlimits[RLIMIT_NICE]->rlim_cur == 25);
        CHECK("LimitRTTIME=", s->o.rlimits[RLIMIT_RTTIME]->rlim_cur == 1000000);
        CHECK("OOMScoreAdjust=", s->o.oom_score_adjust == -500);
        CHECK("CPUAffinity=", s->o.cpu_affinity[0] == 0xb);
        CHECK("Hostname=", streq(s->o.hostname, "every-key"));
        CHECK("ResolvConf=", s->o.resolv_conf == RESOLV_CONF_COPY_HOST);
        CHECK("Timezone=", s->o.timezone == TIMEZONE_BIND);
        CHECK("LinkJournal=", s->o.link_journal == LINK_JOURNAL_TRY_GUEST);
        CHECK("Ephemeral=", s->o.ephemeral);
        CHECK("ReadOnly=", s->o.read_only);
        CHECK("Volatile=", s->o.volatile_mode == VOLATILE_STATE);
        CHECK("mounts in file order",
              s->o.n_mounts == 6 && s->o.mounts[0].type == MOUNT_BIND && s->o.mounts[5].type == MOUNT_OVERLAY_RO);
        CHECK("Bind=",
              s->o.n_mounts > 0 && streq(s->o.mounts[0].source, "/srv/data") && streq(s->o.mounts[0].dest, "/data") &&
                      !s->o.mounts[0].recursive);
        CHECK("BindReadOnly=", s->o.n_mounts > 1 && s->o.mounts[1].idmap == IDMAP_IDMAP && s->o.mounts[1].line == 46);
        CHECK("TemporaryFileSystem=", s->o.n_mounts > 2 && streq(s->o.mounts[2].options, "mode=0700"));
        CHECK("Inaccessible=", s->o.n_mounts > 3 && streq(s->o.mounts[3].dest, "/secret"));
        CHECK("Overlay=",
              s->o.n_mounts > 4 && streq(s->o.mounts[4].source, "/lower1:/lower2:/upper") && streq(s->o.mounts[4].dest, "/merged"));
        CHECK("PrivateUsersOwnership=", s->o.ownership == OWNERSHIP_MAP);
        CHECK("Private=", s->o.private_network);
        CHECK("VirtualEthernet=", s->o.network_veth);
        CHECK("VirtualEthernetExtra=", s->o.n_veth_extra == 1 && streq(s->o.veth_extra[0].container, "inner0"));
        CHECK("Interface=",
              s->o.n_interfaces == 2 && streq(s->o.interfaces[0].container, "eth9") && streq(s->o.interfaces[1].container, "cif"));
        CHECK("MACVLAN=", s->o.n_macvlan == 1 && streq(s->o.macvlan[0].container, "mv-eth11"));
        CHECK("IPVLAN=", s->o.n_ipvlan == 1 && streq(s->o.ipvlan[0].container, "ipv"));
        CHECK("Bridge=", streq(s->o.network_bridge, "br0"));
        CHECK("Zone=", streq(s->o.network_zone, "dmz"));
        CHECK("Port=", s->o.n_ports == 2 && s->o.ports[1].protocol == IPPROTO_UDP && s->o.ports[1].container_port == 5353);
        CHECK("HostAddress=", s->o.n_host_addresses == 2 && s->o.host_addresses[1].family == AF_INET6);
        CHECK("LocalAddress=", s->o.n_local_addresses == 1 && s->o.local_addresses[0].prefixlen == 28);
        CHECK("IPMasquerade=", s->o.masquerade);
        CHECK("MemoryMax=", s->o.resources.memory_max_set && s->o.resources.memory_max == 1ULL << 30);
        CHECK("MemoryHigh=", s->o.resources.memory_high_set && s->o.resources.memory_high == 768ULL << 20);
        CHECK("TasksMax=", s->o.resources.tasks_max == 512);
        CHECK("CPUQuota=", s->o.resources.cpu_quota_usec == 150000);
        CHECK("CPUWeight=", s->o.resources.cpu_weight == 200);
        CHECK("IOWeight=", s->o.resources.io_weight == 50);
}

static void test_syntax(void) {
        static const char *const params[] = {
                "one", "two three", "four 'five'", "sixseven eightnine", "back\\slash", "con", "tinued", "end",
        };
        struct nb_error err = {};
        _cleanup_(settings_freep) struct settings *s = parse_corpus("valid/syntax.nspawn", &err);

        CHECK("syntax parses", s != NULL);
        if (!s) {
                printf("# %s\n", err.msg);
                return;
        }
        CHECK("syntax: comment lines are not warnings", s->n_warnings == 0);
        CHECK("syntax: Parameters= count", s->o.argc == ELEMENTSOF(params));
        for (size_t i = 0; i < ELEMENTSOF(params) && i < s->o.argc; i++)
                CHECK_STREQ("syntax: Parameters= word", s->o.argv[i], params[i]);
        CHECK("syntax: ';' inside a value is kept", s->o.n_setenv > 0 && streq(s->o.setenv[0], "A=b;c"));
        CHECK("syntax: '#' inside a value is kept", s->o.n_setenv > 1 && streq(s->o.setenv[1], "HASH=x#y"));
        CHECK("syntax: ' ;' inside quotes is kept", s->o.n_setenv > 2 && streq(s->o.setenv[2], "SPACED=v ;w"));
        CHECK("syntax: even backslashes do not continue", s->o.n_setenv > 3 && streq(s->o.setenv[3], "TRAIL=\\\\"));
        CHECK("syntax: value whitespace stripped", s->o.hostname && streq(s->o.hostname, "spaced"));
        CHECK("syntax: continued User=", s->o.user && streq(s->o.user, "nobody"));
        CHECK("syntax: line numbers count physical lines", s->line[SK_KILL_SIGNAL] == 16 && s->line[SK_USER] == 13);
        CHECK("syntax: signal by short name", s->o.kill_signal == SIGTERM);

        settings_free(s);
        s = NULL;
        s = parse_corpus("valid/crlf.nspawn", &err);
        CHECK("syntax: CRLF line ends",
              s && s->o.start_mode == START_BOOT && s->o.kill_signal == 15 && s->line[SK_KILL_SIGNAL] == 3);
        settings_free(s);
        s = NULL;
        s = parse_corpus("valid/bom.nspawn", &err);
        CHECK("syntax: UTF-8 BOM", s && s->o.hostname && streq(s->o.hostname, "bom"));
        settings_free(s);
        s = NULL;

        /* A 4 KiB BindReadOnly= line, and a 200 KiB Parameters= line. */
        char *big = malloc(300000);
        int n = sprintf(big, "[Files]\nBindReadOnly=/nix/store/");
        memset(big + n, 'a', 4096);
        n += 4096;
        n += sprintf(big + n, ":/nix/store/x:idmap\n[Exec]\nParameters=");
        for (int i = 0; i < 20000; i++)
                n += sprintf(big + n, "arg%04d ", i % 10000);
        sprintf(big + n, "\nBoot=no\n");
        s = parse_text(big, &err);
        CHECK("syntax: 4 KiB BindReadOnly= line",
              s && s->o.n_mounts == 1 && strlen(s->o.mounts[0].source) == 4096 + 11 && streq(s->o.mounts[0].dest, "/nix/store/x"));
        CHECK("syntax: 20000-word Parameters= line", s && s->o.argc == 20000 && s->line[SK_BOOT] == 5);
        free(big);
        settings_free(s);
        s = NULL;

        /* NUL bytes end lines, as in systemd's read_line(). */
        static const char nul[] = "[Exec]\0Hostname=nul\0Boot=yes";
        s = NULL;
        CHECK("syntax: NUL ends a line",
              settings_parse_string(nul, sizeof(nul) - 1, "nul", &s, &err) == 0 && streq(s->o.hostname, "nul") &&
                      s->line[SK_BOOT] == 3);
        settings_free(s);
        s = NULL;

        s = parse_text("[Exec]\nParameters=a \\\n", &err);
        CHECK("syntax: continuation at end of file", s && s->o.argc == 1);
        settings_free(s);
        s = NULL;
        s = parse_text("", &err);
        CHECK("syntax: empty file", s && s->n_warnings == 0);
        settings_free(s);
        s = NULL;
}

static void test_resets(void) {
        struct nb_error err = {};
        _cleanup_(settings_freep) struct settings *s = parse_corpus("valid/resets.nspawn", &err);

        CHECK("resets parse", s != NULL);
        if (!s)
                return;
        CHECK("reset: Parameters= restarts the list", s->o.argc == 1 && streq(s->o.argv[0], "c"));
        CHECK("reset: Environment= empties and unsets", s->o.n_setenv == 0 && s->line[SK_ENVIRONMENT] == 0);
        CHECK("reset: Capability=", s->o.caps_add == 0 && s->line[SK_CAPABILITY] == 0);
        CHECK("reset: SystemCallFilter=", s->o.n_syscall_filter == 0);
        CHECK("reset: User=", !s->o.user && !s->line[SK_USER]);
        CHECK("reset: CPUAffinity=", s->o.cpu_affinity[0] == 0 && !s->line[SK_CPU_AFFINITY]);
        CHECK("reset: Bind= only resets Bind= mounts",
              s->o.n_mounts == 2 && s->o.mounts[0].type == MOUNT_BIND_RO && streq(s->o.mounts[1].dest, "/c") &&
                      s->o.mounts[1].line == 20);
        CHECK("reset: Port=", s->o.n_ports == 1 && s->o.ports[0].host_port == 81);
        CHECK("reset: Interface=", s->o.n_interfaces == 0);
        CHECK("reset: MemoryMax=", !s->o.resources.memory_max_set);
}

/* Runs every file of a corpus directory with its "# KIND: LINE TEXT" lines. */
static void test_corpus_dir(const char *dir, bool expect_error) {
        char path[PATH_MAX * 2];
        DIR *d;
        struct dirent *de;

        snprintf(path, sizeof(path), "%s/%s", corpus, dir);
        d = opendir(path);
        CHECK(expect_error ? "invalid corpus found" : "warn corpus found", d != NULL);
        if (!d)
                return;
        while ((de = readdir(d))) {
                char rel[512], name[2048];
                size_t size;
                struct nb_error err = {};
                struct settings *s = NULL;
                unsigned expected = 0, found = 0;

                if (!strstr(de->d_name, ".nspawn"))
                        continue;
                snprintf(rel, sizeof(rel), "%s/%s", dir, de->d_name);
                snprintf(path, sizeof(path), "%s/%s", corpus, rel);
                _cleanup_free_ char *text = read_all(path, &size);
                int r = settings_parse_string(text, size, rel, &s, &err);

                snprintf(name, sizeof(name), "%s %s", rel, expect_error ? "is refused" : "parses");
                CHECK(name, expect_error ? r < 0 : r == 0);
                if (expect_error && r < 0)
                        printf("#   %s\n", err.msg);

                /* Each "# error: LINE TEXT" / "# warning: LINE TEXT" line. */
                const char *tag = expect_error ? "# error: " : "# warning: ";
                for (char *l = text; l && l < text + size; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                        unsigned line;
                        int off = 0;
                        char needle[600], want[700];
                        char *nl = strchr(l, '\n');
                        size_t len = nl ? (size_t) (nl - l) : strlen(l);

                        if (strncmp(l, tag, strlen(tag)) != 0)
                                continue;
                        if (sscanf(l + strlen(tag), "%u %n", &line, &off) != 1 || off == 0)
                                continue;
                        snprintf(needle, sizeof(needle), "%.*s", (int) (len - strlen(tag) - (size_t) off), l + strlen(tag) + off);
                        snprintf(want, sizeof(want), "%s:%u: ", rel, line);
                        expected++;
                        if (expect_error) {
                                snprintf(name, sizeof(name), "%s: error names %s and says \"%s\"", rel, want, needle);
                                CHECK(name, r < 0 && strstr(err.msg, want) == err.msg && strstr(err.msg, needle));
                        } else if (s) {
                                bool ok = false;
                                for (size_t i = 0; i < s->n_warnings; i++)
                                        ok |= strstr(s->warnings[i], want) == s->warnings[i] && strstr(s->warnings[i], needle);
                                found += ok;
                                snprintf(name, sizeof(name), "%s: warning %s\"%s\"", rel, want, needle);
                                CHECK(name, ok);
                        }
                }
                snprintf(name, sizeof(name), "%s has expectations", rel);
                CHECK(name, expected > 0);
                if (!expect_error && s) {
                        snprintf(name, sizeof(name), "%s: no other warnings", rel);
                        CHECK(name, s->n_warnings == expected);
                        for (size_t i = 0; i < s->n_warnings; i++)
                                printf("#   %s\n", s->warnings[i]);
                }
                settings_free(s);
        }
        closedir(d);
}

/* ---- locating and trust ---- */

static char tmp[] = "/tmp/test-settings-XXXXXX";

static void write_file(const char *rel, const char *text, mode_t mode) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", tmp, rel);
        FILE *f = fopen(path, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
        chmod(path, mode);
}

static void mk(const char *rel) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", tmp, rel);
        mkdir(path, 0755);
}

static void rm(const char *rel) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", tmp, rel);
        unlink(path);
}

static void test_locate(void) {
        char d1[PATH_MAX], d2[PATH_MAX], root[PATH_MAX], target[PATH_MAX], link[PATH_MAX];
        const char *dirs[] = { d1, d2, NULL };
        struct settings_found found;
        struct nb_error err = {};
        uid_t me = geteuid();
        int r;

        if (!mkdtemp(tmp)) {
                CHECK("mkdtemp", false);
                return;
        }
        snprintf(d1, sizeof(d1), "%s/etc-nixbox", tmp);
        snprintf(d2, sizeof(d2), "%s/run-nixbox", tmp);
        snprintf(root, sizeof(root), "%s/machines/foo/", tmp);
        mk("etc-nixbox");
        mk("run-nixbox");
        mk("machines");
        mk("machines/foo");

        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: nothing found", r == 0 && found.fd < 0);

        write_file("machines/foo.nspawn", "[Exec]\nBoot=yes\n", 0666);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: next to the root, untrusted", r == 1 && !found.trusted && found.fd >= 0 &&
              strstr(found.path, "/machines/foo.nspawn"));
        settings_found_done(&found);

        write_file("run-nixbox/foo.nspawn", "[Exec]\nBoot=no\n", 0644);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: trusted directory wins", r == 1 && found.trusted && strstr(found.path, "run-nixbox"));
        settings_found_done(&found);

        write_file("etc-nixbox/foo.nspawn", "[Exec]\n", 0600);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: first trusted directory wins", r == 1 && found.trusted && strstr(found.path, "etc-nixbox"));
        settings_found_done(&found);

        r = settings_locate_in(dirs, me + 1, "foo", root, &found, &err);
        CHECK("locate: trusted file of another owner refused", r < 0 && strstr(err.msg, "owned by") && found.fd < 0);

        write_file("etc-nixbox/foo.nspawn", "[Exec]\n", 0664);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: group-writable trusted file refused", r < 0 && strstr(err.msg, "writable by group"));
        write_file("etc-nixbox/foo.nspawn", "[Exec]\n", 0646);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: world-writable trusted file refused", r < 0 && strstr(err.msg, "writable by group or others"));
        rm("etc-nixbox/foo.nspawn");

        snprintf(target, sizeof(target), "%s/run-nixbox/foo.nspawn", tmp);
        snprintf(link, sizeof(link), "%s/etc-nixbox/foo.nspawn", tmp);
        CHECK("locate: make symlink", symlink(target, link) == 0);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: symlinked trusted file refused", r < 0 && strstr(err.msg, "symbolic link"));
        rm("etc-nixbox/foo.nspawn");

        mk("etc-nixbox/foo.nspawn");
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: directory refused", r < 0 && strstr(err.msg, "not a regular file"));
        snprintf(link, sizeof(link), "%s/etc-nixbox/foo.nspawn", tmp);
        rmdir(link);

        CHECK("locate: bad machine name refused", settings_locate_in(dirs, me, "../foo", root, &found, &err) < 0 &&
              settings_locate_in(dirs, me, "", root, &found, &err) < 0);

        /* A FIFO next to the image must not hang and is refused. */
        rm("run-nixbox/foo.nspawn");
        rm("machines/foo.nspawn");
        snprintf(link, sizeof(link), "%s/machines/foo.nspawn", tmp);
        CHECK("locate: make fifo", mkfifo(link, 0644) == 0);
        r = settings_locate_in(dirs, me, "foo", root, &found, &err);
        CHECK("locate: FIFO next to the image refused", r < 0 && strstr(err.msg, "not a regular file"));
        rm("machines/foo.nspawn");

        CHECK("locate: default directories", streq(settings_trusted_dirs()[0], "/etc/nixbox") &&
              streq(settings_trusted_dirs()[1], "/run/nixbox") &&
              streq(settings_trusted_dirs()[3], "/run/systemd/nspawn") && !settings_trusted_dirs()[4]);
}

/* ---- merging ---- */

static struct settings *must_parse(const char *text) {
        struct nb_error err = {};
        struct settings *s = parse_text(text, &err);
        if (!s)
                printf("# parse failed: %s\n", err.msg);
        return s;
}

static void test_merge_modes(void) {
        static const char file[] =
                "[Exec]\n"
                "Hostname=from-file\n"                         /* 2 */
                "KillSignal=SIGUSR1\n"                         /* 3 */
                "Environment=FROM=file\n"                      /* 4 */
                "Capability=CAP_SYS_TIME\n"                    /* 5 */
                "DropCapability=CAP_MKNOD\n"                   /* 6 */
                "PrivateUsers=no\n"                            /* 7 */
                "[Files]\n"
                "Bind=/srv:/srv\n"                             /* 9 */
                "[Network]\n"
                "Zone=zz\n"                                    /* 11 */
                "Port=8080\n";                                 /* 12 */
        _cleanup_(settings_freep) struct settings *s = must_parse(file);
        struct nb_error err = {};
        struct options o;

        if (!s)
                return;

        /* yes: command line wins for what it set, the file fills the rest. */
        for (int mode = SETTINGS_YES; mode <= SETTINGS_NO; mode++) {
                struct settings_provenance p = {};
                char name[128];
                const char *m = settings_mode_to_string(mode);

                options_init(&o);
                o.settings = mode;
                o.hostname = strdup("from-cli");
                o.set_mask |= SET_HOSTNAME;
                strv_push(&o.setenv, &o.n_setenv, "FROM=cli");
                o.set_mask |= SET_ENVIRONMENT;

                CHECK("merge succeeds", settings_merge(&o, s, true, &p, &err) == 0);
                bool file_wins = mode == SETTINGS_OVERRIDE;
                bool none = mode == SETTINGS_NO;

                snprintf(name, sizeof(name), "mode %s: Hostname= from %s", m, file_wins ? "file" : "command line");
                CHECK_STREQ(name, o.hostname, file_wins ? "from-file" : "from-cli");
                snprintf(name, sizeof(name), "mode %s: Environment= from %s", m, file_wins ? "file" : "command line");
                CHECK(name, o.n_setenv == 1 && streq(o.setenv[0], file_wins ? "FROM=file" : "FROM=cli"));
                snprintf(name, sizeof(name), "mode %s: KillSignal= %s", m, none ? "untouched" : "from the file");
                CHECK(name, o.kill_signal == (none ? 0 : SIGUSR1));
                snprintf(name, sizeof(name), "mode %s: provenance", m);
                CHECK(name, none ? p.path == NULL : (p.line[SK_KILL_SIGNAL] == 3 &&
                                                   (file_wins ? p.line[SK_HOSTNAME] == 2
                                                              : p.ignored[SK_HOSTNAME] == IGNORED_COMMAND_LINE)));
                settings_provenance_done(&p);
                options_free(&o);
        }

        /* Untrusted: privileged keys ignored with a warning naming key, file
         * and line; DropCapability= and plain keys apply. */
        options_init(&o);
        struct settings_provenance p = {};
        CHECK("untrusted merge succeeds", settings_merge(&o, s, false, &p, &err) == 0);
        CHECK("untrusted: Capability= ignored", o.caps_add == 0 && p.ignored[SK_CAPABILITY] == IGNORED_UNTRUSTED);
        CHECK("untrusted: warning names file, line, key", prov_has_warning(&p, "t.nspawn:5: ignoring Capability=: the file is not trusted"));
        CHECK("untrusted: DropCapability= applies", o.caps_drop == CAP(27));
        CHECK("untrusted: PrivateUsers= ignored", o.private_users == PRIVATE_USERS_PICK && prov_has_warning(&p, ":7: ignoring PrivateUsers="));
        CHECK("untrusted: Bind= ignored", o.n_mounts == 0 && prov_has_warning(&p, ":9: ignoring Bind="));
        CHECK("untrusted: Zone= ignored", !o.network_zone && prov_has_warning(&p, ":11: ignoring Zone="));
        CHECK("untrusted: Port= ignored", o.n_ports == 0 && prov_has_warning(&p, ":12: ignoring Port="));
        CHECK("untrusted: Hostname= applies", o.hostname && streq(o.hostname, "from-file"));
        CHECK("untrusted: KillSignal= applies", o.kill_signal == SIGUSR1);
        settings_provenance_done(&p);
        options_free(&o);

        /* --settings=trusted trusts a file found anywhere. */
        options_init(&o);
        o.settings = SETTINGS_TRUSTED;
        CHECK("trusted mode merge", settings_merge(&o, s, false, &p, &err) == 0);
        CHECK("trusted mode: privileged keys apply", o.caps_add == CAP(25) && o.n_mounts == 1 &&
              o.private_users == PRIVATE_USERS_NO && o.ownership == OWNERSHIP_OFF && streq(o.network_zone, "zz") &&
              o.network_veth && o.private_network && o.n_ports == 1);
        CHECK("trusted mode: no trust warnings", !prov_has_warning(&p, "not trusted"));
        CHECK("trusted mode: warned about Zone= iff unimplemented", prov_has_warning(&p, "t.nspawn:11: Zone= is not implemented") ==
              !settings_key_implemented(SK_ZONE));
        CHECK("trusted mode: no warning about implemented Hostname=", settings_key_implemented(SK_HOSTNAME) &&
              !prov_has_warning(&p, "Hostname="));
        settings_provenance_done(&p);
        options_free(&o);

        /* Lists from the file replace the command line's in override mode. */
        options_init(&o);
        o.settings = SETTINGS_OVERRIDE;
        struct custom_mount cm;
        parse_custom_mount(MOUNT_TMPFS, "/cli", &cm, NULL);
        o.mounts = calloc(1, sizeof(cm));
        o.mounts[0] = cm;
        o.n_mounts = 1;
        o.set_mask |= SET_CUSTOM_MOUNTS;
        CHECK("override mounts merge", settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("override: the file's mounts replace the command line's", o.n_mounts == 1 && streq(o.mounts[0].dest, "/srv"));
        settings_provenance_done(&p);
        options_free(&o);
}

static void test_merge_details(void) {
        struct nb_error err = {};
        struct settings_provenance p = {};
        struct options o;

        /* SystemCallFilter=: allow entries need trust, deny entries do not. */
        _cleanup_(settings_freep) struct settings *s = must_parse(
                "[Exec]\nSystemCallFilter=@clock\nSystemCallFilter=~@obsolete\nLimitNOFILE=100\n"
                "[Resources]\nMemoryMax=1G\nCPUWeight=50\n");
        if (!s)
                return;
        options_init(&o);
        CHECK("syscall merge", settings_merge(&o, s, false, &p, &err) == 0);
        CHECK("untrusted: deny entries kept, allow entries dropped", o.n_syscall_filter == 1 && streq(o.syscall_filter[0], "~@obsolete"));
        CHECK("untrusted: syscall warning", prov_has_warning(&p, "t.nspawn:3: ignoring the allow entries of SystemCallFilter="));
        CHECK("untrusted: Limit* ignored", !o.rlimits[RLIMIT_NOFILE] && prov_has_warning(&p, ":4: ignoring LimitNOFILE="));
        CHECK("untrusted: [Resources] ignored", !o.resources.memory_max_set && prov_has_warning(&p, ":6: ignoring MemoryMax="));
        settings_provenance_done(&p);
        options_free(&o);

        /* Trusted: rlimits and resources per value; the command line's own wins. */
        options_init(&o);
        o.rlimits[RLIMIT_NOFILE] = malloc(sizeof(struct rlimit));
        *o.rlimits[RLIMIT_NOFILE] = (struct rlimit) { 7, 7 };
        o.set_mask |= SET_RLIMIT | SET_RESOURCES;
        o.resources.cpu_weight_set = true;
        o.resources.cpu_weight = 9;
        CHECK("trusted per-value merge", settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("rlimit from the command line wins", o.rlimits[RLIMIT_NOFILE]->rlim_cur == 7);
        CHECK("resources: file fills MemoryMax=", o.resources.memory_max_set && o.resources.memory_max == 1ULL << 30);
        CHECK("resources: command line keeps CPUWeight=", o.resources.cpu_weight == 9);
        CHECK("trusted: allow and deny entries", o.n_syscall_filter == 2);
        CHECK("no warning for a limit the command line set", !prov_has_warning(&p, "LimitNOFILE="));
        settings_provenance_done(&p);
        options_free(&o);

        /* Unsupported nspawn keys are warned about, never silently dropped. */
        settings_free(s);
        s = NULL;
        s = must_parse("[Exec]\nPivotRoot=/x\n[Files]\nBindUser=alice\n");
        options_init(&o);
        CHECK("unsupported keys merge", s && settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("unsupported: PivotRoot= warned", prov_has_warning(&p, "t.nspawn:2: PivotRoot= is not supported"));
        CHECK("unsupported: BindUser= warned", prov_has_warning(&p, "t.nspawn:4: BindUser= is not supported"));
        settings_provenance_done(&p);
        options_free(&o);

        /* A command on the command line masks Boot= and Parameters=. */
        settings_free(s);
        s = NULL;
        s = must_parse("[Exec]\nBoot=yes\nParameters=--from-file\n");
        options_init(&o);
        strv_push(&o.argv, &o.argc, "/bin/true");
        o.set_mask |= SET_PARAMETERS;
        CHECK("start mode merge", s && settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("command line command masks Boot= and Parameters=", o.start_mode != START_BOOT && o.argc == 1 && streq(o.argv[0], "/bin/true"));
        settings_provenance_done(&p);
        options_free(&o);

        /* Network: [Network] is one group; a command-line network option masks it all. */
        settings_free(s);
        s = NULL;
        s = must_parse("[Network]\nPrivate=no\nVirtualEthernet=no\n");
        options_init(&o);
        CHECK("network merge", s && settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("Private=no turns the private network off", !o.private_network && !o.network_veth);
        settings_provenance_done(&p);
        options_free(&o);
        options_init(&o);
        o.set_mask |= SET_NETWORK;
        CHECK("network merge masked", settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("command-line network option masks [Network]", o.private_network && p.ignored[SK_PRIVATE] == IGNORED_COMMAND_LINE);
        settings_provenance_done(&p);
        options_free(&o);
}

static void test_nixos(void) {
        struct nb_error err = {};
        struct settings_provenance p = {};
        struct options o;
        _cleanup_(settings_freep) struct settings *s = parse_corpus("valid/nixos.nspawn", &err);

        CHECK("nixos file parses", s != NULL);
        if (!s) {
                printf("# %s\n", err.msg);
                return;
        }
        options_init(&o);
        o.settings = SETTINGS_OVERRIDE;   /* what systemd-nspawn@.service uses */
        o.start_mode = START_BOOT;  /* and its --boot */
        o.boot_explicit = true;
        o.set_mask |= SET_BOOT;
        o.private_users = PRIVATE_USERS_NO;
        CHECK("nixos file merges", settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("nixos: Boot=no runs the init as the command", o.start_mode != START_BOOT && o.command_mode == START_PID1);
        CHECK("nixos: Parameters= is the toplevel init", o.argc == 1 &&
              streq(o.argv[0], "/nix/store/3kq8jbk2ig2ylx7ifkbn1m3sz5a9vxmm-nixos-system-x-24.05/init"));
        CHECK("nixos: NotifyReady=yes", o.notify_ready);
        CHECK("nixos: KillSignal=SIGRTMIN+3", o.kill_signal == 37);
        CHECK("nixos: PrivateUsers=pick implies ownership auto", o.private_users == PRIVATE_USERS_PICK &&
              o.ownership == OWNERSHIP_AUTO && o.uid_range == 65536);
        CHECK("nixos: LinkJournal=guest", o.link_journal == LINK_JOURNAL_GUEST);
        CHECK("nixos: Ephemeral=no", !o.ephemeral);
        CHECK("nixos: store bound read-only with idmap", o.n_mounts == 3 && o.mounts[0].type == MOUNT_BIND_RO &&
              streq(o.mounts[0].source, "/nix/store") && streq(o.mounts[0].dest, "/nix/store") &&
              o.mounts[0].idmap == IDMAP_IDMAP && o.mounts[0].recursive);
        CHECK("nixos: profiles with rootidmap", o.n_mounts == 3 && o.mounts[1].idmap == IDMAP_ROOT);
        CHECK("nixos: data bind", o.n_mounts == 3 && o.mounts[2].type == MOUNT_BIND && streq(o.mounts[2].dest, "/data"));
        CHECK("nixos: Zone=foo", o.network_zone && streq(o.network_zone, "foo") && o.network_veth && o.private_network);
        CHECK("nixos: Port=tcp:8080:80", o.n_ports == 1 && o.ports[0].protocol == IPPROTO_TCP &&
              o.ports[0].host_port == 8080 && o.ports[0].container_port == 80);

        /* The effective settings, printed with provenance. */
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        settings_print(f, &o, &p);
        fclose(f);
        CHECK("print: KillSignal with file and line", strstr(text, "KillSignal=SIGRTMIN+3") &&
              strstr(text, "# valid/nixos.nspawn:6"));
        CHECK("print: BindReadOnly with idmap", strstr(text, "BindReadOnly=/nix/store:/nix/store:rbind,idmap"));
        CHECK("print: each mount with its own line", strstr(text, "rbind,idmap   # valid/nixos.nspawn:11\n") &&
              strstr(text, "rbind,rootidmap # valid/nixos.nspawn:12\n"));
        CHECK("print: derived values name their line", strstr(text, "ProcessTwo=no                                    # valid/nixos.nspawn:3") &&
              strstr(text, "PrivateUsersOwnership=auto                       # valid/nixos.nspawn:7") &&
              strstr(text, "VirtualEthernet=yes                              # valid/nixos.nspawn:16"));
        CHECK("print: Port", strstr(text, "Port=tcp:8080:80"));
        CHECK("print: defaults marked", strstr(text, "# default"));
        CHECK("print: sections", strstr(text, "[Exec]") && strstr(text, "[Resources]"));
        if (getenv("SHOW"))
                fputs(text, stdout);
        free(text);

        /* With --settings=yes the command line's --boot masks Boot= and Parameters=. */
        settings_provenance_done(&p);
        options_free(&o);
        options_init(&o);
        o.start_mode = START_BOOT;
        o.boot_explicit = true;
        o.set_mask |= SET_BOOT;
        CHECK("nixos yes-mode merge", settings_merge(&o, s, true, &p, &err) == 0);
        CHECK("nixos yes-mode: --boot wins", o.start_mode == START_BOOT && o.argc == 0 && p.ignored[SK_BOOT] == IGNORED_COMMAND_LINE &&
              p.ignored[SK_PARAMETERS] == IGNORED_COMMAND_LINE);
        settings_provenance_done(&p);
        options_free(&o);
}

static void test_load(void) {
        char d1[PATH_MAX], root[PATH_MAX];
        const char *dirs[] = { d1, NULL };
        struct nb_error err = {};
        struct settings_provenance p = {};
        struct options o;

        snprintf(d1, sizeof(d1), "%s/etc-nixbox", tmp);
        snprintf(root, sizeof(root), "%s/machines/foo", tmp);

        /* An untrusted file next to the image. */
        write_file("machines/foo.nspawn", "[Exec]\nKillSignal=SIGINT\nCapability=all\n", 0644);
        options_init(&o);
        o.root = strdup(root);
        CHECK("load untrusted", settings_load_from(dirs, geteuid(), &o, "foo", &p, &err) == 0);
        CHECK("load untrusted: plain key applied", o.kill_signal == SIGINT && p.path && !p.trusted);
        CHECK("load untrusted: Capability=all ignored", o.caps_add == 0);
        settings_provenance_done(&p);
        options_free(&o);

        /* A broken file applies nothing. */
        write_file("etc-nixbox/foo.nspawn", "[Exec]\nKillSignal=SIGINT\nBoot=maybe\n", 0644);
        options_init(&o);
        o.root = strdup(root);
        CHECK("load broken file fails", settings_load_from(dirs, geteuid(), &o, "foo", &p, &err) < 0 &&
              strstr(err.msg, "etc-nixbox/foo.nspawn:3: Boot"));
        CHECK("load broken file applies nothing", o.kill_signal == 0);
        settings_provenance_done(&p);
        options_free(&o);

        /* --settings=no reads nothing, not even a broken file. */
        options_init(&o);
        o.root = strdup(root);
        o.settings = SETTINGS_NO;
        CHECK("load with --settings=no", settings_load_from(dirs, geteuid(), &o, "foo", &p, &err) == 0 && !p.path);
        options_free(&o);

        rm("etc-nixbox/foo.nspawn");
        rm("machines/foo.nspawn");
        rmdir(root);
        snprintf(root, sizeof(root), "%s/machines", tmp);
        rmdir(root);
        rmdir(d1);
        snprintf(d1, sizeof(d1), "%s/run-nixbox", tmp);
        rmdir(d1);
        CHECK("temp dir removed", rmdir(tmp) == 0);
}

int main(void) {
        find_corpus();
        printf("# corpus: %s\n", corpus);

        test_booleans();
        test_signals();
        test_ports();
        test_mounts();
        test_rlimits();
        test_sizes();
        test_misc_values();
        test_words();
        test_key_table();
        test_every_key();
        test_syntax();
        test_resets();
        test_corpus_dir("invalid", true);
        test_corpus_dir("warn", false);
        test_locate();
        test_merge_modes();
        test_merge_details();
        test_nixos();
        test_load();
        UNIT_END();
}
