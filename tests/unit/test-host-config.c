/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host configuration file nixbox.conf(5): defaults, valid keys,
 * errors naming FILE:LINE, a missing file, refused files. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "host-config.h"
#include "unit.h"
#include "userns.h"

static char dir[] = "/tmp/nixbox-test-host-config-XXXXXX";

static const char *write_conf(const char *name, const char *text, mode_t mode) {
        static char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "we");
        if (!f)
                return NULL;
        fputs(text, f);
        fclose(f);
        chmod(path, mode);
        return path;
}

/* Parses text; returns the result, the error message in err. */
static int parse(const char *text, struct host_config *c, struct nb_error *err) {
        const char *path = write_conf("nixbox.conf", text, 0644);

        *err = (struct nb_error) {0};
        host_config_defaults(c);
        return path ? host_config_parse(path, c, err) : -EIO;
}

static bool msg_has(const struct nb_error *err, const char *needle) {
        return strstr(err->msg, needle) != NULL;
}

static void test_defaults(void) {
        struct host_config c;
        struct nb_error err = {0};
        char path[256];

        CHECK_STREQ("defaults: ImageDir", host_config()->image_dir, "/var/lib/nixbox");
        CHECK_STREQ("defaults: StateDir", host_config()->state_dir, "/run/nixbox");
        CHECK_STREQ("defaults: UidLockDir", host_config()->uid_lock_dir, "/run/nixbox-uid");
        CHECK("defaults: the pick window is nspawn's",
              CONTAINER_UID_BASE_MIN == 0x00080000U && CONTAINER_UID_BASE_MAX == 0x6FFF0000U);
        CHECK("defaults: console log cap 8 MiB", host_config()->console_log_size == 8ULL << 20);
        CHECK("defaults: no default zone", host_config()->default_zone[0] == 0);

        snprintf(path, sizeof(path), "%s/missing.conf", dir);
        host_config_defaults(&c);
        CHECK("missing file: defaults, no error", host_config_parse(path, &c, &err) == 0 && !c.path[0] &&
                                                  streq(c.state_dir, "/run/nixbox"));
}

static void test_valid(void) {
        struct host_config c;
        struct nb_error err;
        int r = parse("# the termina layout\n"
                      "; another comment\n"
                      "[paths]\n"
                      "ImageDir = /mnt/stateful/nixbox/images\n"
                      "StateDir=/mnt/stateful/nixbox/run\n"
                      "UidLockDir=/mnt/stateful/nixbox/uid\n"
                      "\n"
                      "[userns]\n"
                      "PickRangeMin=0x10000000\n"
                      "PickRangeMax=805306368\n"
                      "[console]\n"
                      "LogSize=1M\n"
                      "[network]\n"
                      "DefaultZone=lab\n", &c, &err);

        CHECK("valid: parses", r == 0);
        if (r < 0)
                printf("# %s\n", err.msg);
        CHECK_STREQ("valid: ImageDir (spaces around =)", c.image_dir, "/mnt/stateful/nixbox/images");
        CHECK_STREQ("valid: StateDir", c.state_dir, "/mnt/stateful/nixbox/run");
        CHECK_STREQ("valid: UidLockDir", c.uid_lock_dir, "/mnt/stateful/nixbox/uid");
        CHECK("valid: PickRangeMin hex", c.pick_min == 0x10000000U);
        CHECK("valid: PickRangeMax decimal", c.pick_max == 0x30000000U);
        CHECK("valid: LogSize with suffix", c.console_log_size == 1ULL << 20);
        CHECK_STREQ("valid: DefaultZone", c.default_zone, "lab");
        CHECK("valid: the file is recorded", strstr(c.path, "/nixbox.conf") != NULL);

        r = parse("[paths]\nStateDir=/srv/x\nStateDir=\n", &c, &err);
        CHECK("empty value restores the default", r == 0 && streq(c.state_dir, "/run/nixbox"));
        r = parse("", &c, &err);
        CHECK("empty file: defaults", r == 0 && streq(c.image_dir, "/var/lib/nixbox"));
}

static void test_errors(void) {
        struct host_config c;
        struct nb_error err;

        CHECK("unknown key: error", parse("[paths]\nStateDir=/srv/a\nStatedir=/srv/b\n", &c, &err) < 0);
        CHECK("unknown key: FILE:LINE", msg_has(&err, "nixbox.conf:3: unknown key Statedir in section [paths]"));
        CHECK("unknown section: FILE:LINE", parse("\n[Paths]\nStateDir=/x\n", &c, &err) < 0 &&
                                              msg_has(&err, "nixbox.conf:3: unknown section [Paths]"));
        CHECK("key outside a section", parse("StateDir=/x\n", &c, &err) < 0 &&
                                        msg_has(&err, "nixbox.conf:1: StateDir= outside a section"));
        CHECK("relative path refused", parse("[paths]\nImageDir=images\n", &c, &err) < 0 &&
                                        msg_has(&err, "nixbox.conf:2: [paths] ImageDir=images"));
        CHECK("'..' refused", parse("[paths]\nStateDir=/run/../etc\n", &c, &err) < 0 &&
                               msg_has(&err, ":2:"));
        CHECK("trailing slash refused", parse("[paths]\nStateDir=/run/x/\n", &c, &err) < 0);
        {
                char text[400] = "[paths]\nStateDir=/";
                memset(text + strlen(text), 'a', 150);
                strcat(text, "\n");
                CHECK("too long path refused", parse(text, &c, &err) < 0 && msg_has(&err, ":2:"));
        }
        CHECK("range not 64K-aligned", parse("[userns]\nPickRangeMin=0x10001\n", &c, &err) < 0 &&
                                        msg_has(&err, "nixbox.conf:2: [userns] PickRangeMin=0x10001"));
        CHECK("range min 0 refused", parse("[userns]\nPickRangeMin=0\n", &c, &err) < 0);
        CHECK("range negative refused", parse("[userns]\nPickRangeMax=-65536\n", &c, &err) < 0);
        CHECK("range min >= max refused", parse("[userns]\nPickRangeMin=0x20000\nPickRangeMax=0x20000\n", &c, &err) < 0 &&
                                           msg_has(&err, "must be below"));
        CHECK("bad size", parse("[console]\nLogSize=lots\n", &c, &err) < 0 && msg_has(&err, ":2: [console] LogSize=lots"));
        CHECK("bad zone", parse("[network]\nDefaultZone=a/b\n", &c, &err) < 0 && msg_has(&err, ":2:"));
        CHECK("syntax error: FILE:LINE", parse("[paths]\nImageDir /x\n", &c, &err) < 0 &&
                                          msg_has(&err, "nixbox.conf:2: syntax error"));
        CHECK("syntax error before a bad key: the first one", parse("[paths\nFoo=1\n", &c, &err) < 0 &&
                                                              msg_has(&err, "nixbox.conf:1:"));
        CHECK("bad key before a syntax error: the first one", parse("[paths]\nFoo=1\nbar\n", &c, &err) < 0 &&
                                                              msg_has(&err, "nixbox.conf:2: unknown key Foo"));
        {
                char text[600] = "[paths]\n# ";
                memset(text + strlen(text), 'x', 400);
                strcat(text, "\nFoo=1\n");
                CHECK("over-long line: an error, and lines still counted",
                      parse(text, &c, &err) < 0 && msg_has(&err, "nixbox.conf:2: line longer than"));
        }
}

static void test_refused(void) {
        struct host_config c;
        struct nb_error err = {0};
        const char *path = write_conf("open.conf", "[paths]\nStateDir=/tmp/evil\n", 0666);
        char fifo[256];

        host_config_defaults(&c);
        CHECK("world-writable file refused", path && host_config_parse(path, &c, &err) < 0 &&
                                              msg_has(&err, "writable by group or others") &&
                                              streq(c.state_dir, "/run/nixbox"));
        snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
        if (mkfifo(fifo, 0600) == 0) {
                err = (struct nb_error) {0};
                CHECK("a FIFO is refused without hanging", host_config_parse(fifo, &c, &err) < 0 &&
                                                            msg_has(&err, "not a regular file"));
                unlink(fifo);
        }
}

int main(void) {
        char cmd[300];

        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                return 1;
        }
        test_defaults();
        test_valid();
        test_errors();
        test_refused();
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
                printf("# could not remove %s\n", dir);
        UNIT_END();
}
