/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The BPF device policy on a scratch cgroup of the host's cgroup2 mount
 * (device programs need no controller): it loads and attaches with
 * BPF_F_ALLOW_MULTI, and a process in the cgroup can use the API devices
 * but neither open nor create others. Needs root; skips without it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup-device.h"
#include "cgroup.h"
#include "error.h"
#include "unit.h"

static char tmpdir[] = "/tmp/nixbox-test-device.XXXXXX";

static int bpf(int cmd, union bpf_attr *attr) {
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* A device program that allows everything: what a systemd inside might add. */
static int load_allow_all(void) {
        struct bpf_insn prog[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        union bpf_attr attr = {0};

        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t) (uintptr_t) prog;
        attr.insn_cnt = 2;
        attr.license = (uint64_t) (uintptr_t) "GPL";
        return bpf(BPF_PROG_LOAD, &attr);
}

static int attach(const char *cgroup, int prog) {
        union bpf_attr attr = {0};
        int fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

        if (fd < 0)
                return -errno;
        attr.target_fd = (uint32_t) fd;
        attr.attach_bpf_fd = (uint32_t) prog;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        r = bpf(BPF_PROG_ATTACH, &attr) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* Programs attached to the cgroup itself (not inherited); -errno on error. */
static int attached(const char *cgroup, uint32_t *flags) {
        uint32_t ids[8];
        union bpf_attr attr = {0};
        int fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

        if (fd < 0)
                return -errno;
        attr.query.target_fd = (uint32_t) fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t) (uintptr_t) ids;
        attr.query.prog_cnt = 8;
        r = bpf(BPF_PROG_QUERY, &attr) < 0 ? -errno : (int) attr.query.prog_cnt;
        *flags = attr.query.attach_flags;
        close(fd);
        return r;
}

/* The errno of each access tried by a process in a cgroup (0 = allowed). */
enum { OPEN_NULL, OPEN_ZERO_W, OPEN_PTMX, OPEN_PTY_SLAVE, OPEN_LOOP_CONTROL, OPEN_DISK_NODE,
       MKNOD_NULL, MKNOD_DISK, MKNOD_LOOP_CONTROL, MKNOD_PTY, N_TRIES };

static int try_open(const char *path, int flags) {
        int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

static int try_mknod(const char *name, mode_t type, unsigned maj, unsigned min) {
        char path[256];

        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        if (mknod(path, type | 0600, makedev(maj, min)) < 0)
                return errno;
        unlink(path);
        return 0;
}

static void tries_in(const char *cgroup, int res[N_TRIES]) {
        char procs[1024], disk[256];
        int pipefd[2];
        pid_t pid;

        snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup);
        snprintf(disk, sizeof(disk), "%s/disk", tmpdir);
        for (int i = 0; i < N_TRIES; i++)
                res[i] = -1;
        if (pipe(pipefd) < 0)
                return;
        pid = fork();
        if (pid == 0) {
                int r[N_TRIES], fd, master;
                char slave[64];

                close(pipefd[0]);
                fd = open(procs, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, "0", 1) != 1)
                        _exit(2);
                close(fd);
                r[OPEN_NULL] = try_open("/dev/null", O_RDWR);
                r[OPEN_ZERO_W] = try_open("/dev/zero", O_WRONLY);
                master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
                r[OPEN_PTMX] = master < 0 ? errno : 0;
                r[OPEN_PTY_SLAVE] = master < 0 ? -1 :
                                    unlockpt(master) < 0 || ptsname_r(master, slave, sizeof(slave)) != 0 ? -2 :
                                    try_open(slave, O_RDWR);
                r[OPEN_LOOP_CONTROL] = try_open("/dev/loop-control", O_RDWR);
                r[OPEN_DISK_NODE] = try_open(disk, O_RDONLY);
                r[MKNOD_NULL] = try_mknod("null", S_IFCHR, 1, 3);
                r[MKNOD_DISK] = try_mknod("vdb", S_IFBLK, 254, 16);
                r[MKNOD_LOOP_CONTROL] = try_mknod("loop-control", S_IFCHR, 10, 237);
                r[MKNOD_PTY] = try_mknod("pty", S_IFCHR, 136, 0);
                _exit(write(pipefd[1], r, sizeof(r)) == sizeof(r) ? 0 : 3);
        }
        close(pipefd[1]);
        if (pid > 0) {
                if (read(pipefd[0], res, sizeof(int) * N_TRIES) != (ssize_t) (sizeof(int) * N_TRIES))
                        res[0] = -3;
                waitpid(pid, NULL, 0);
        }
        close(pipefd[0]);
}

/* Where loading is refused (here: no capabilities, as in a nested container
 * without CAP_BPF/CAP_SYS_ADMIN), applying succeeds with one warning, however
 * often it is called. Returns the number of warnings, -1 on error. */
static int warnings_without_capabilities(struct cgroup *cg) {
        char buf[4096] = "";
        int pipefd[2], n = 0, status;
        ssize_t len, got = 0;
        pid_t pid;

        if (pipe(pipefd) < 0)
                return -1;
        pid = fork();
        if (pid == 0) {
                struct nb_error e = {0};
                cap_t caps = cap_init();   /* all clear */
                if (!caps || cap_set_proc(caps) < 0)
                        _exit(2);
                dup2(pipefd[1], STDERR_FILENO);
                _exit(cg_device_policy_apply(cg, NULL, &e) == 0 && cg_device_policy_apply(cg, NULL, &e) == 0 ? 0 : 1);
        }
        close(pipefd[1]);
        while ((len = read(pipefd[0], buf + got, sizeof(buf) - 1 - (size_t) got)) > 0)
                got += len;
        close(pipefd[0]);
        if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        for (const char *p = buf; (p = strstr(p, "warning: cannot load the BPF device policy")); p++)
                n++;
        return n;
}

int main(void) {
        struct cgroup cg = {0};
        struct nb_error err = {0};
        char payload[1024], inner[1024], disk[256];
        int res[N_TRIES], probe, n;
        uint32_t flags = 0;

        if (geteuid() != 0 || cg_find_mount(cg.mount, sizeof(cg.mount)) < 0) {
                printf("# skip: needs root and a cgroup2 mount\n");
                return 0;
        }
        probe = load_allow_all();
        if (probe < 0) {
                printf("# skip: this kernel or sandbox refuses BPF device programs (%s)\n", strerror(errno));
                return 0;
        }
        if (!mkdtemp(tmpdir)) {
                CHECK("make a temp dir", false);
                UNIT_END();
        }
        snprintf(disk, sizeof(disk), "%s/disk", tmpdir);
        /* A disk-like node made from outside the cgroup. Opening it there
         * must fail for want of a device (ENXIO), not for a nodev mount. */
        CHECK("make a block node outside the cgroup", mknod(disk, S_IFBLK | 0600, makedev(254, 16)) == 0);
        CHECK("the temp dir's file system allows device nodes", try_open(disk, O_RDONLY) != EACCES);

        snprintf(cg.dir, sizeof(cg.dir), "%s/nixbox-test-device.%d", cg.mount, (int) getpid());
        snprintf(payload, sizeof(payload), "%s/payload", cg.dir);
        snprintf(inner, sizeof(inner), "%s/payload/inner", cg.dir);
        CHECK("make the scratch cgroup", mkdir(cg.dir, 0755) == 0 && mkdir(payload, 0755) == 0);

        CHECK("apply the policy", cg_device_policy_apply(&cg, NULL, &err) == 0);
        n = attached(payload, &flags);
        CHECK("one program attached to payload/", n == 1);
        CHECK("attached with BPF_F_ALLOW_MULTI", flags == BPF_F_ALLOW_MULTI);

        tries_in(payload, res);
        CHECK("open /dev/null read-write", res[OPEN_NULL] == 0);
        CHECK("open /dev/zero for writing", res[OPEN_ZERO_W] == 0);
        CHECK("open /dev/ptmx", res[OPEN_PTMX] == 0);
        CHECK("open a pty slave", res[OPEN_PTY_SLAVE] == 0);
        CHECK("open /dev/loop-control is EPERM", res[OPEN_LOOP_CONTROL] == EPERM);
        CHECK("open a disk node is EPERM", res[OPEN_DISK_NODE] == EPERM);
        CHECK("mknod c 1:3 allowed", res[MKNOD_NULL] == 0);
        CHECK("mknod b 254:16 is EPERM", res[MKNOD_DISK] == EPERM);
        CHECK("mknod c 10:237 is EPERM", res[MKNOD_LOOP_CONTROL] == EPERM);
        CHECK("mknod of a pty (c 136:0) is EPERM", res[MKNOD_PTY] == EPERM);

        /* A systemd inside attaches its own programs below payload/; an
         * allow-all one there must not lift ours. */
        CHECK("make payload/inner", mkdir(inner, 0755) == 0);
        CHECK("attach a second program below", attach(inner, probe) == 0);
        tries_in(inner, res);
        CHECK("below: /dev/null still opens", res[OPEN_NULL] == 0);
        CHECK("below: /dev/loop-control still EPERM", res[OPEN_LOOP_CONTROL] == EPERM);
        CHECK("below: mknod b 254:16 still EPERM", res[MKNOD_DISK] == EPERM);

        /* Applying again (a container reboot recreates the cgroup) works. */
        CHECK("remove the scratch cgroup for the refused case", cg_remove_tree(cg.dir) == 0);
        CHECK("make it anew for the refused case", mkdir(cg.dir, 0755) == 0 && mkdir(payload, 0755) == 0);
        CHECK("refused load: success and one warning", warnings_without_capabilities(&cg) == 1);
        CHECK("refused load: nothing attached", attached(payload, &flags) == 0);
        CHECK("remove the scratch cgroup", cg_remove_tree(cg.dir) == 0 && access(cg.dir, F_OK) < 0);
        CHECK("make it anew", mkdir(cg.dir, 0755) == 0 && mkdir(payload, 0755) == 0);
        CHECK("apply again", cg_device_policy_apply(&cg, NULL, &err) == 0 && attached(payload, &flags) == 1);
        CHECK("remove it again", cg_remove_tree(cg.dir) == 0 && access(cg.dir, F_OK) < 0);

        close(probe);
        unlink(disk);
        rmdir(tmpdir);
        UNIT_END();
}
