/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of the runtime's pure parts: SipHash-2-4, nspawn's UID range
 * candidates, path resolution inside a root, command-line parsing, and the
 * numbers of systemd's real-time signals. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "machine-id.h"
#include "cli.h"
#include "compat.h"
#include "container.h"
#include "error.h"
#include "options.h"
#include "parse-util.h"
#include "fileio.h"
#include "path-in-root.h"
#include "siphash24.h"
#include "tree-safety.h"
#include "unit.h"
#include "userns.h"
#include "verbs.h"

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
        /* Values from tests/uid-pick.py, an independent implementation, and
         * seen from systemd-nspawn 252 (-M NAME -U on a root-owned tree). */
        CHECK("uid candidate bb", uid_candidate_from_name("bb") == 406061056U);
        CHECK("uid candidate pick-test", uid_candidate_from_name("pick-test") == 1046020096U);
        CHECK("uid candidate nixos", uid_candidate_from_name("nixos") == 819658752U);
        CHECK("uid candidate long name", uid_candidate_from_name("a-very-long-machine-name-indeed") == 1207107584U);
        CHECK("uid candidate x", uid_candidate_from_name("x") == 994902016U);
        for (uint32_t v = 0; v < 0xFFFFFFF0U; v += 0x0FFFFFFFU) {
                uid_t c = uid_candidate_fold(v);
                CHECK("fold stays in the window", c >= CONTAINER_UID_BASE_MIN && c <= CONTAINER_UID_BASE_MAX);
                CHECK("fold is 64K-aligned", (c & 0xFFFF) == 0);
        }
        /* nspawn folds a value already inside the window too: the bases
         * were 0x80000 apart when only outside values were folded. */
        CHECK("fold moves an in-window value by the window start", uid_candidate_fold(0x00100000) == 0x00180000);
        CHECK("fold of 0", uid_candidate_fold(0) == 0x00080000);
        CHECK("fold wraps at the window size", uid_candidate_fold(0x6FF70000U) == 0x00080000);
        CHECK("fold of the maximum", uid_candidate_fold(0xFFFFFFFFU) == (((0xFFFFFFFFU % 0x6FF70000U) + 0x80000U) & 0xFFFF0000U));
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
        CHECK("root_write_file replaces a symlink as last component",
              root_write_file(root, "/abs", "x", 0644, (uid_t) -1, (gid_t) -1) == 0);
        snprintf(p, sizeof(p), "%s/abs", dir);
        CHECK("... without following it", lstat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 1);
        {
                char buf[16];
                mode_t type = 0;
                snprintf(p, sizeof(p), "%s/fifo", dir);
                CHECK("make a FIFO in the tree", mkfifo(p, 0644) == 0);
                CHECK("root_read_file refuses a FIFO at once",
                      root_read_file(root, "/fifo", buf, sizeof(buf), &type) == -EBADFD && S_ISFIFO(type) &&
                      streq(file_type_name(type), "FIFO"));
                snprintf(p, sizeof(p), "%s/null", dir);
                CHECK("make a symlink to /dev/null", symlink("/dev/null", p) == 0);
                CHECK("... which resolves inside the root (no such file there)",
                      root_read_file(root, "/null", buf, sizeof(buf), &type) == -ENOENT);
                CHECK("root_write_file writes a small file", root_write_file(root, "/big", "0123456789abcdefXYZ", 0644,
                                                                            (uid_t) -1, (gid_t) -1) == 0);
                CHECK("root_read_file refuses a file larger than its buffer",
                      root_read_file(root, "/big", buf, sizeof(buf), &type) == -EFBIG);
                CHECK("... and reads one that fits", root_read_file(root, "/abs", buf, sizeof(buf), &type) == 1 &&
                      streq(buf, "x"));
                CHECK("open_regular_at does not open a host device",
                      open_regular_at(AT_FDCWD, "/dev/null", 0, O_RDONLY, &type) == -EBADFD && S_ISCHR(type));
        }
        close(root);
        snprintf(p, sizeof(p), "rm -rf %s", dir);
        CHECK("clean up", system(p) == 0);
}

/* The container swaps a setgid directory of its tree with a symlink to a
 * host file, atomically and over and over, while the host shifts owners:
 * the host file must never get the directory's owner or mode. */
static void test_chown_walk_race(void) {
        char dir[] = "/var/tmp/nixbox-unit.XXXXXX", host[] = "/var/tmp/nixbox-unit-host.XXXXXX", p[4200], q[4200];
        struct nb_error err = {0};
        struct stat st;
        int fd, root, ok = 1;
        pid_t racer;

        if (geteuid() != 0) {
                printf("ok - chown walk tests # SKIP not root\n");
                return;
        }
        fd = mkstemp(host);
        if (!mkdtemp(dir) || fd < 0) {
                CHECK("make the chown walk test tree", 0);
                return;
        }
        fchmod(fd, 0644);
        close(fd);
        snprintf(p, sizeof(p), "%s/d", dir);
        mkdir(p, 0755);
        for (int i = 0; i < 1500; i++) {
                snprintf(q, sizeof(q), "%s/d/f%d", dir, i);
                close(open(q, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        }
        chmod(p, 06777);                           /* what container root may do to its own dir */
        snprintf(q, sizeof(q), "%s/l", dir);
        if (symlink(host, q) < 0)
                ok = 0;
        snprintf(q, sizeof(q), "%s/suid", dir);
        close(open(q, O_CREAT | O_WRONLY | O_CLOEXEC, 0755));
        chmod(q, 04755);
        CHECK("chown walk test tree made", ok);

        racer = fork();
        if (racer == 0) {
                char a[4200], b[4200];
                snprintf(a, sizeof(a), "%s/d", dir);
                snprintf(b, sizeof(b), "%s/l", dir);
                for (;;)
                        nb_renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
        }
        root = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < 40 && root >= 0; i++)
                if (userns_chown_tree(root, dir, 0x100000U * (unsigned) (i + 1), &err) < 0)
                        ok = 0;
        kill(racer, SIGKILL);
        waitpid(racer, NULL, 0);
        CHECK("chown walk completes while entries are swapped", ok);
        CHECK("... the host file's owner is untouched", stat(host, &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
        CHECK("... and its mode too", (st.st_mode & 07777) == 0644);
        snprintf(q, sizeof(q), "%s/suid", dir);
        CHECK("setuid bit kept through the shift", stat(q, &st) == 0 && st.st_uid == 0x100000U * 40 &&
              (st.st_mode & 07777) == 04755);
        /* Names moved during those walks; once they hold still, one walk shifts all. */
        CHECK("a walk of the still tree", root >= 0 && userns_chown_tree(root, dir, 0x3000000U, &err) == 0);
        {
                struct stat sl, sd;
                snprintf(q, sizeof(q), "%s/l", dir);
                snprintf(p, sizeof(p), "%s/d", dir);
                CHECK("... shifts the symlink itself, and the dir keeps its setgid bits",
                      lstat(q, &sl) == 0 && lstat(p, &sd) == 0 && sl.st_uid == 0x3000000U && sd.st_uid == 0x3000000U &&
                      ((S_ISDIR(sd.st_mode) ? sd : sl).st_mode & 07777) == 06777);
        }

        /* Depth is bounded: a deeper tree is refused, not walked. */
        snprintf(p, sizeof(p), "%s", dir);
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < USERNS_CHOWN_MAX_DEPTH + 2 && fd >= 0; i++) {
                int sub;
                mkdirat(fd, "x", 0755);
                sub = openat(fd, "x", O_PATH | O_DIRECTORY | O_CLOEXEC);
                close(fd);
                fd = sub;
        }
        if (fd >= 0)
                close(fd);
        CHECK("a tree deeper than the bound is refused", userns_chown_tree(root, dir, 0x200000U, &err) == -ELOOP);
        if (root >= 0)
                close(root);
        snprintf(p, sizeof(p), "rm -rf %s %s", dir, host);
        CHECK("clean up the chown walk tree", system(p) == 0);
}

/* Who can reach a path: only ancestors count, the boundary must be
 * root-owned, closed to group and others, and under root-only directories. */
static void test_tree_private(void) {
        char dir[] = "/var/tmp/nixbox-unit.XXXXXX", p[4200], why[512];

        if (geteuid() != 0 || !mkdtemp(dir)) {
                printf("ok - reachability tests # SKIP not root\n");
                return;
        }
        chmod(dir, 0700);
        snprintf(p, sizeof(p), "%s/open", dir);
        mkdir(p, 0755);
        snprintf(p, sizeof(p), "%s/open/tree", dir);
        mkdir(p, 0755);
        CHECK("below a root-owned 0700 directory: private", tree_path_private(p, why, sizeof(why)) == 1);
        chmod(dir, 0711);
        CHECK("a 0711 ancestor lets others through", tree_path_private(p, why, sizeof(why)) == 0);
        snprintf(p, sizeof(p), "%s/open", dir);
        chmod(p, 0700);
        snprintf(p, sizeof(p), "%s/open/tree", dir);
        CHECK("... unless a lower one is 0700", tree_path_private(p, why, sizeof(why)) == 1);
        snprintf(p, sizeof(p), "%s/open", dir);
        if (chown(p, 1234, 0) == 0) {
                snprintf(p, sizeof(p), "%s/open/tree", dir);
                CHECK("a 0700 directory of another user is no boundary", tree_path_private(p, why, sizeof(why)) == 0);
        }
        snprintf(p, sizeof(p), "%s/open/tree", dir);
        chmod(p, 0700);
        snprintf(p, sizeof(p), "%s/open", dir);
        chown(p, 0, 0);
        chmod(p, 0755);
        snprintf(p, sizeof(p), "%s/open/tree", dir);
        CHECK("the tree's own mode does not count", tree_path_private(p, why, sizeof(why)) == 0);
        snprintf(p, sizeof(p), "rm -rf %s", dir);
        CHECK("clean up the reachability tree", system(p) == 0);
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
              o.kill_signal == 37);
        options_free(&o);
        CHECK("--property=MemoryMax=1G", parse(&o, &err, (const char *[]) { "run", "--property=MemoryMax=1G", "/r", NULL }) == 0 &&
              o.resources.memory_max_set && o.resources.memory_max == 1ULL << 30);
        options_free(&o);
        CHECK("no ROOTFS refused", parse(&o, &err, (const char *[]) { "run", "-q", NULL }) < 0);
        options_free(&o);
}

/* The numbers on the wire, as a glibc systemd reads them (systemd(1),
 * "Signals": +3 halt, +4 poweroff, +5 reboot, +6 kexec), pinned as literals:
 * the same in a glibc and a musl build (musl's SIGRTMIN macro is 35). */
static void test_signal_numbers(void) {
        struct options o = {0};
        struct nb_error err = {0};
        char buf[16];

        CHECK("SIGRTMIN is 34", parse_signal("SIGRTMIN") == 34 && SD_SIGRTMIN == 34);
        CHECK("SIGRTMIN+3 (halt) is 37", parse_signal("SIGRTMIN+3") == 37 && SIG_SD_HALT == 37);
        CHECK("RTMIN+4 (poweroff) is 38", parse_signal("RTMIN+4") == 38 && SIG_SD_POWEROFF == 38);
        CHECK("sigrtmin+5 (reboot) is 39", parse_signal("sigrtmin+5") == 39 && SIG_SD_REBOOT == 39);
        CHECK("SIGRTMIN+6 (kexec) is 40", parse_signal("SIGRTMIN+6") == 40 && SIG_SD_KEXEC == 40);
        CHECK("SIGRTMIN+30 is 64, +31 refused", parse_signal("SIGRTMIN+30") == 64 && parse_signal("SIGRTMIN+31") < 0);
        CHECK("SIGRTMAX is 64, SIGRTMAX-30 is 34", parse_signal("SIGRTMAX") == 64 && parse_signal("SIGRTMAX-30") == 34);
        CHECK("numbers 1..64", parse_signal("64") == 64 && parse_signal("32") == 32 && parse_signal("65") < 0);
        CHECK_STREQ("37 prints as SIGRTMIN+3", signal_to_string(37, buf, sizeof(buf)), "SIGRTMIN+3");
        CHECK_STREQ("34 prints as SIGRTMIN", signal_to_string(34, buf, sizeof(buf)), "SIGRTMIN");
        CHECK_STREQ("33 (below systemd's SIGRTMIN) prints as 33", signal_to_string(33, buf, sizeof(buf)), "33");
        CHECK_STREQ("64 prints as SIGRTMIN+30", signal_to_string(64, buf, sizeof(buf)), "SIGRTMIN+30");
        CHECK("--kill-signal=RTMIN+4 is 38", parse(&o, &err, (const char *[]) { "run", "--kill-signal=RTMIN+4", "/r", NULL }) == 0 &&
              o.kill_signal == 38);
        options_free(&o);
        /* The stop verbs' map: booted init, then a command without and with a kill signal. */
        CHECK("stop: 37 to a booted init", machine_stop_signal("stop", true, 0) == 37);
        CHECK("poweroff: 38 to a booted init", machine_stop_signal("poweroff", true, 0) == 38);
        CHECK("reboot: SIGINT", machine_stop_signal("reboot", true, 0) == SIGINT);
        CHECK("terminate: SIGKILL", machine_stop_signal("terminate", true, 0) == SIGKILL);
        CHECK("stop: KillSignal=SIGRTMIN+5 is 39", machine_stop_signal("stop", true, parse_signal("SIGRTMIN+5")) == 39);
        CHECK("stop/poweroff of a command: SIGTERM", machine_stop_signal("stop", false, 0) == SIGTERM &&
              machine_stop_signal("poweroff", false, 0) == SIGTERM);
        CHECK("poweroff of a command: its KillSignal=SIGRTMIN+6 (40)", machine_stop_signal("poweroff", false, 40) == 40);
}

/* A hostile /etc/group line longer than the buffer must not be read as two
 * lines (its tail could be "wheel:x:10:alice"), nor a too-long path be
 * silently shortened. */
static void test_bounded_lines(void) {
        char line[16], buf[8], text[] = "short\n0123456789abcdefwheel:x:10:alice\nlast", exact[] = "0123456789abcde";
        FILE *f = fmemopen(text, strlen(text), "r");
        int r;

        CHECK("read_line: a line", f && read_line(f, line, sizeof(line)) == 1 && streq(line, "short"));
        r = f ? read_line(f, line, sizeof(line)) : 0;
        CHECK("read_line: a line too long is an error, not two lines", r == -ENOBUFS);
        if (f)
                fclose(f);
        f = fmemopen(exact, strlen(exact), "r");
        CHECK("read_line: a last line that exactly fits, without newline",
              f && read_line(f, line, sizeof(line)) == 1 && streq(line, "0123456789abcde") && read_line(f, line, sizeof(line)) == 0);
        if (f)
                fclose(f);
        CHECK("snprintf_ok: fits", snprintf_ok(buf, sizeof(buf), "/%s", "abcdef") == 0 && streq(buf, "/abcdef"));
        CHECK("snprintf_ok: truncation is -ENAMETOOLONG and no shorter path",
              snprintf_ok(buf, sizeof(buf), "/%s", "abcdefg") == -ENAMETOOLONG && buf[0] == 0);

        char id[33];
        CHECK("machine id: file form", machine_id_parse("0123456789ABCDEF0123456789abcdef\n", id) == 0 &&
              streq(id, "0123456789abcdef0123456789abcdef"));
        CHECK("machine id: all zero, uninitialized, trailing junk refused",
              machine_id_parse("00000000000000000000000000000000", id) == -ENOMEDIUM &&
              machine_id_parse("uninitialized\n", id) == -EINVAL &&
              machine_id_parse("0123456789abcdef0123456789abcdef\nx", id) == -EINVAL &&
              machine_id_parse_uuid("0123456789abcdef0123456789abcdef\n", id) == -EINVAL);
}

int main(void) {
        test_siphash();
        test_bounded_lines();
        test_signal_numbers();
        test_uid_pick();
        test_reboot_backoff();
        test_uid_range_overlap();
        test_path_in_root();
        test_chown_walk_race();
        test_tree_private();
        test_cli();
        UNIT_END();
}
