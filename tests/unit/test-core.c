/* Unit tests of the runtime's pure parts: SipHash-2-4, nspawn's UID range
 * candidates, path resolution inside a root, and command-line parsing. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "error.h"
#include "options.h"
#include "path-in-root.h"
#include "siphash24.h"
#include "unit.h"
#include "userns.h"

static void test_siphash(void) {
        /* The reference vector of the SipHash paper (appendix A). */
        uint8_t k[16], in[15];
        for (int i = 0; i < 16; i++)
                k[i] = (uint8_t) i;
        for (int i = 0; i < 15; i++)
                in[i] = (uint8_t) i;
        CHECK("siphash24 paper vector", siphash24(in, sizeof(in), k) == 0xa129ca6149be45e5ULL);
}

static void test_reboot_backoff(void) {
        struct reboot_limit l = {0};
        uint64_t t = 1000;
        long long d[8];

        /* An instant reboot loop: 0, 100, 200, 400, 800 ms, then the limit. */
        for (int i = 0; i < 6; i++) {
                d[i] = reboot_next_delay(&l, t, 50);
                t += 50 + (d[i] > 0 ? (uint64_t) d[i] : 0);
        }
        CHECK("first quick reboot restarts at once", d[0] == 0);
        CHECK("second waits 100 ms", d[1] == 100);
        CHECK("then doubles", d[2] == 200 && d[3] == 400 && d[4] == 800);
        CHECK("sixth restart within 10 s is refused", d[5] == -1);

        /* Boots of 3 s: the delay grows to its cap, the limit is not hit. */
        l = (struct reboot_limit) {0};
        t = 0;
        for (int i = 0; i < 12; i++) {
                long long x = reboot_next_delay(&l, t, 3000);
                CHECK("slow reboot loop is never refused", x >= 0);
                CHECK("delay capped at 5 s", x <= REBOOT_DELAY_MAX_MS);
                d[i % 8] = x;
                t += 3000 + (uint64_t) x;
        }
        CHECK("delay reached its cap", d[11 % 8] == REBOOT_DELAY_MAX_MS);
        /* A run of 10 s resets the delay. */
        CHECK("a long run resets the delay", reboot_next_delay(&l, t + 10000, 10000) == 0);
}

static void test_uid_range_overlap(void) {
        char owner[64] = "";

        CHECK("ranges: same", uid_ranges_overlap(0x100000, 0x10000, 0x100000, 0x10000));
        CHECK("ranges: adjacent do not meet", !uid_ranges_overlap(0x100000, 0x10000, 0x110000, 0x10000));
        CHECK("ranges: adjacent below", !uid_ranges_overlap(0x110000, 0x10000, 0x100000, 0x10000));
        CHECK("ranges: unaligned inside", uid_ranges_overlap(0x100000, 0x10000, 0x10ffff, 1));
        CHECK("ranges: up to 2^32", uid_ranges_overlap(0xFFFF0000U, 0x10000, 0xFFFFFFFEU, 1));
        CHECK("ranges: empty meets nothing", !uid_ranges_overlap(0x100000, 0, 0x100000, 0x10000));
        CHECK("subuid: covering line", subid_line_overlaps("alice:1048576:65536\n", 0x100000, 0x10000, owner, sizeof(owner)) &&
                                       strcmp(owner, "alice") == 0);
        CHECK("subuid: partial overlap", subid_line_overlaps("bob:1000000:50000", 0x100000, 0x10000, owner, sizeof(owner)));
        CHECK("subuid: below", !subid_line_overlaps("bob:100000:65536", 0x100000, 0x10000, owner, sizeof(owner)));
        CHECK("subuid: ends right before", !subid_line_overlaps("bob:983040:65536", 0x100000, 0x10000, owner, sizeof(owner)));
        CHECK("subuid: comment", !subid_line_overlaps("#x:1048576:65536", 0x100000, 0x10000, owner, sizeof(owner)));
        CHECK("subuid: garbage", !subid_line_overlaps("x:1048576x:65536", 0x100000, 0x10000, owner, sizeof(owner)));
        CHECK("subuid: zero count", !subid_line_overlaps("x:1048576:0", 0x100000, 0x10000, owner, sizeof(owner)));
}

static void test_uid_pick(void) {
        /* Values from tests/uid-pick.py, an independent implementation. */
        CHECK("uid candidate bb", uid_candidate_from_name("bb") == 406061056U);
        CHECK("uid candidate pick-test", uid_candidate_from_name("pick-test") == 1046020096U);
        CHECK("uid candidate nixos", uid_candidate_from_name("nixos") == 819134464U);
        CHECK("uid candidate long name", uid_candidate_from_name("a-very-long-machine-name-indeed") == 1207107584U);
        CHECK("uid candidate x", uid_candidate_from_name("x") == 994377728U);
        for (uint32_t v = 0; v < 0xFFFFFFF0U; v += 0x0FFFFFFFU) {
                uid_t c = uid_candidate_fold(v);
                CHECK("fold stays in the window", c >= CONTAINER_UID_BASE_MIN && c <= CONTAINER_UID_BASE_MAX);
                CHECK("fold is 64K-aligned", (c & 0xFFFF) == 0);
        }
        CHECK("fold keeps an aligned value in range", uid_candidate_fold(0x00100000) == 0x00100000);
}

static int make_tree(char *dir) {
        char p[4200];
        if (!mkdtemp(dir))
                return -1;
        snprintf(p, sizeof(p), "%s/etc", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/etc/passwd", dir);
        close(open(p, O_WRONLY | O_CREAT, 0644));
        /* Absolute symlinks that would point to the host if followed there. */
        snprintf(p, sizeof(p), "%s/abs", dir);
        if (symlink("/etc", p) < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/dangling", dir);
        if (symlink("/made/inside", p) < 0)
                return -1;
        snprintf(p, sizeof(p), "%s/escape", dir);
        if (symlink("../../../../../../etc", p) < 0)
                return -1;
        return 0;
}

static void test_path_in_root(void) {
        char dir[] = "/tmp/nixbox-unit.XXXXXX", out[4096], p[4200];
        int root, fd;
        struct stat st;

        if (make_tree(dir) < 0) {
                CHECK("make a test tree", 0);
                return;
        }
        root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK("resolve an absolute symlink inside the root", root_resolve(root, "/abs/passwd", out, sizeof(out)) == 0 &&
              streq(out, "/etc/passwd"));
        CHECK("resolve ../ escapes inside the root", root_resolve(root, "/escape/passwd", out, sizeof(out)) == 0 &&
              streq(out, "/etc/passwd"));
        fd = root_mkdir_p(root, "/dangling/sub", 0755, (uid_t) -1, (gid_t) -1);
        CHECK("mkdir -p through a dangling absolute symlink", fd >= 0);
        if (fd >= 0)
                close(fd);
        snprintf(p, sizeof(p), "%s/made/inside/sub", dir);
        CHECK("... creates the target inside the root", stat(p, &st) == 0 && S_ISDIR(st.st_mode));
        CHECK("... and nothing on the host", stat("/made/inside", &st) < 0);
        fd = root_mount_point(root, "/etc/passwd", true, (uid_t) -1, (gid_t) -1);
        CHECK("a directory mount point on a file is refused", fd == -ENOTDIR);
        CHECK("root_write_file refuses a symlink as last component",
              root_write_file(root, "/abs", "x", 0644, (uid_t) -1, (gid_t) -1) < 0);
        close(root);
        snprintf(p, sizeof(p), "rm -rf %s", dir);
        CHECK("clean up", system(p) == 0);
}

static int parse(struct options *o, struct nb_error *err, const char *const *args) {
        int argc = 0;
        char *argv[32];
        while (args[argc]) {
                argv[argc] = (char *) args[argc];
                argc++;
        }
        argv[argc] = NULL;
        options_init(o);
        return cli_parse_run(argc, argv, o, err);
}

static void test_cli(void) {
        struct options o;
        struct nb_error err = {0};

        CHECK("run ROOT -- cmd", parse(&o, &err, (const char *[]) { "run", "-M", "m1", "/r", "--", "echo", "-n", "x", NULL }) == 0 &&
              streq(o.root, "/r") && streq(o.machine, "m1") && o.argc == 3 && streq(o.argv[1], "-n"));
        options_free(&o);
        CHECK("options after ROOT", parse(&o, &err, (const char *[]) { "run", "/r", "--hostname=h", "--read-only", "--", "ls", NULL }) == 0 &&
              streq(o.hostname, "h") && o.read_only && o.argc == 1);
        options_free(&o);
        CHECK("command without --", parse(&o, &err, (const char *[]) { "run", "/r", "ls", "-l", NULL }) == 0 &&
              o.argc == 2 && streq(o.argv[1], "-l"));
        options_free(&o);
        CHECK("--private-users=BASE:RANGE", parse(&o, &err, (const char *[]) { "run", "--private-users=1966080:65536", "/r", NULL }) == 0 &&
              o.private_users == PRIVATE_USERS_FIXED && o.uid_shift == 1966080 && o.uid_range == 65536);
        options_free(&o);
        CHECK("--private-users=bogus refused", parse(&o, &err, (const char *[]) { "run", "--private-users=bogus", "/r", NULL }) < 0);
        options_free(&o);
        CHECK("--bind with options", parse(&o, &err, (const char *[]) { "run", "--bind=/a:/b:norbind,idmap", "/r", NULL }) == 0 &&
              o.n_mounts == 1 && !o.mounts[0].recursive && o.mounts[0].idmap == IDMAP_IDMAP && streq(o.mounts[0].dest, "/b"));
        options_free(&o);
        CHECK("--bind relative destination refused", parse(&o, &err, (const char *[]) { "run", "--bind=/a:b", "/r", NULL }) < 0);
        options_free(&o);
        CHECK("--setenv NAME=VALUE", parse(&o, &err, (const char *[]) { "run", "-E", "A=b=c", "/r", NULL }) == 0 &&
              o.n_setenv == 1 && streq(o.setenv[0], "A=b=c"));
        options_free(&o);
        CHECK("--setenv without = refused", parse(&o, &err, (const char *[]) { "run", "-E", "A", "/r", NULL }) < 0);
        options_free(&o);
        CHECK("--system-call-filter=~a b negates the list",
              parse(&o, &err, (const char *[]) { "run", "--system-call-filter=~reboot swapon", "/r", NULL }) == 0 &&
              o.n_syscall_filter == 2 && streq(o.syscall_filter[0], "~reboot") && streq(o.syscall_filter[1], "~swapon"));
        options_free(&o);
        CHECK("--port rejects tcp::8080", parse(&o, &err, (const char *[]) { "run", "--port=tcp::8080", "/r", NULL }) < 0);
        options_free(&o);
        CHECK("--kill-signal=SIGRTMIN+3", parse(&o, &err, (const char *[]) { "run", "--kill-signal=SIGRTMIN+3", "/r", NULL }) == 0 &&
              o.kill_signal == SIGRTMIN + 3);
        options_free(&o);
        CHECK("--property=MemoryMax=1G", parse(&o, &err, (const char *[]) { "run", "--property=MemoryMax=1G", "/r", NULL }) == 0 &&
              o.resources.memory_max_set && o.resources.memory_max == 1ULL << 30);
        options_free(&o);
        CHECK("no ROOTFS refused", parse(&o, &err, (const char *[]) { "run", "-q", NULL }) < 0);
        options_free(&o);
}

int main(void) {
        test_siphash();
        test_uid_pick();
        test_reboot_backoff();
        test_uid_range_overlap();
        test_path_in_root();
        test_cli();
        UNIT_END();
}
