/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capability sets: nspawn's default bounding set and its adjustments, the
 * parser and formatter, and caps_apply in forked children (as root), whose
 * resulting /proc/self/status sets come back through shared memory. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capabilities.h"
#include "error.h"
#include "unit.h"

#define CAP_BIT(c) (UINT64_C(1) << (c))

static void test_default_bounding(void) {
        uint64_t d = caps_default_bounding(false, false);

        CHECK("default has 26 capabilities", __builtin_popcountll(d) == 26);
        CHECK("default keeps SYS_ADMIN", d & CAP_BIT(CAP_SYS_ADMIN));
        CHECK("default keeps MKNOD", d & CAP_BIT(CAP_MKNOD));
        CHECK("default keeps SYS_RESOURCE", d & CAP_BIT(CAP_SYS_RESOURCE));
        CHECK("default keeps AUDIT_WRITE", d & CAP_BIT(CAP_AUDIT_WRITE));
        CHECK("default keeps NET_BIND_SERVICE", d & CAP_BIT(CAP_NET_BIND_SERVICE));
        CHECK("default lacks NET_ADMIN", !(d & CAP_BIT(CAP_NET_ADMIN)));
        uint64_t dropped = CAP_BIT(CAP_SYS_MODULE) | CAP_BIT(CAP_SYS_RAWIO) | CAP_BIT(CAP_SYS_TIME) |
                           CAP_BIT(CAP_SYSLOG) | CAP_BIT(CAP_MAC_ADMIN) | CAP_BIT(CAP_MAC_OVERRIDE) |
                           CAP_BIT(CAP_BPF) | CAP_BIT(CAP_PERFMON) | CAP_BIT(CAP_SYS_PACCT) |
                           CAP_BIT(CAP_IPC_LOCK) | CAP_BIT(CAP_WAKE_ALARM) | CAP_BIT(CAP_BLOCK_SUSPEND) |
                           CAP_BIT(CAP_AUDIT_READ) | CAP_BIT(CAP_CHECKPOINT_RESTORE);
        CHECK("default drops MODULE, RAWIO, TIME, SYSLOG, MAC_*, BPF, ...", !(d & dropped));

        uint64_t net = caps_default_bounding(true, false);
        CHECK("private network adds NET_ADMIN", net == (d | CAP_BIT(CAP_NET_ADMIN)));
        uint64_t shifted = caps_default_bounding(false, true);
        CHECK("shifted userns on host network drops NET_BIND_SERVICE",
              shifted == (d & ~CAP_BIT(CAP_NET_BIND_SERVICE)));
        CHECK("shifted userns with private network keeps NET_BIND_SERVICE",
              caps_default_bounding(true, true) == net);
}

static void test_parse(void) {
        struct nb_error e = {};
        uint64_t m = 0;

        CHECK("parse mixed forms", caps_parse("CAP_CHOWN cap_kill,Sys_Admin ,\tNET_ADMIN", &m, &e) == 0);
        CHECK("parse mixed forms result", m == (CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_KILL) |
                                                CAP_BIT(CAP_SYS_ADMIN) | CAP_BIT(CAP_NET_ADMIN)));
        CHECK("parse ORs into the mask", caps_parse("mknod", &m, &e) == 0 && (m & CAP_BIT(CAP_MKNOD)) &&
                                         (m & CAP_BIT(CAP_CHOWN)));
        m = 0;
        CHECK("parse all", caps_parse("all", &m, &e) == 0 && m == CAPS_ALL);
        m = 0;
        CHECK("parse ALL with others", caps_parse("chown ALL", &m, &e) == 0 && m == CAPS_ALL);
        m = 0;
        CHECK("parse empty", caps_parse("  , ", &m, &e) == 0 && m == 0);
        CHECK("parse number", caps_parse("21", &m, &e) == 0 && m == CAP_BIT(CAP_SYS_ADMIN));
        m = 0;
        CHECK("parse unknown", caps_parse("chown cap_bogus kill", &m, &e) == -EINVAL);
        CHECK("parse unknown leaves the mask", m == 0);
        CHECK("parse unknown names the word", strstr(e.msg, "cap_bogus") != NULL);
        CHECK("parse number too big", caps_parse("64", &m, &e) == -EINVAL);
        CHECK("parse bare prefix", caps_parse("cap_", &m, &e) == -EINVAL);
        char long_word[200];
        memset(long_word, 'a', sizeof(long_word) - 1);
        long_word[sizeof(long_word) - 1] = 0;
        CHECK("parse very long word", caps_parse(long_word, &m, &e) == -EINVAL);
}

static void test_format(void) {
        char buf[1024];
        uint64_t d = caps_default_bounding(false, false), back = 0;

        caps_format(CAP_BIT(CAP_CHOWN) | CAP_BIT(CAP_KILL), buf, sizeof(buf));
        CHECK_STREQ("format two", buf, "cap_chown cap_kill");
        caps_format(0, buf, sizeof(buf));
        CHECK_STREQ("format none", buf, "");
        caps_format(CAPS_ALL, buf, sizeof(buf));
        CHECK_STREQ("format all", buf, "all");
        caps_format(d, buf, sizeof(buf));
        CHECK("format round trip", caps_parse(buf, &back, NULL) == 0 && back == d);
        caps_format(d, buf, 12);
        CHECK("format truncates, terminated", strlen(buf) < 12);
}

/* ---- caps_apply in children ---- */

struct proc_caps {
        int r;
        char msg[sizeof(((struct nb_error *) 0)->msg)];
        uint64_t inh, prm, eff, bnd, amb;
        int nnp;
};

static void read_status(struct proc_caps *c) {
        char line[256];
        FILE *f = fopen("/proc/self/status", "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                sscanf(line, "CapInh: %" SCNx64, &c->inh);
                sscanf(line, "CapPrm: %" SCNx64, &c->prm);
                sscanf(line, "CapEff: %" SCNx64, &c->eff);
                sscanf(line, "CapBnd: %" SCNx64, &c->bnd);
                sscanf(line, "CapAmb: %" SCNx64, &c->amb);
                sscanf(line, "NoNewPrivs: %d", &c->nnp);
        }
        fclose(f);
}

enum setup { PLAIN, WITH_AMBIENT, AS_NOBODY };

static bool apply_in_child(struct proc_caps *c, enum setup setup, uint64_t bounding, bool nnp) {
        memset(c, 0, sizeof(*c));
        pid_t pid = fork();
        if (pid < 0)
                return false;
        if (pid == 0) {
                struct nb_error e = {};
                if (setup == WITH_AMBIENT) {
                        /* An ambient capability needs it inheritable too. */
                        cap_t now = cap_get_proc();
                        cap_value_t v[1] = { CAP_CHOWN };
                        if (!now || cap_set_flag(now, CAP_INHERITABLE, 1, v, CAP_SET) < 0 ||
                            cap_set_proc(now) < 0 || cap_set_ambient(CAP_CHOWN, CAP_SET) < 0)
                                _exit(3);
                        cap_free(now);
                }
                if (setup == AS_NOBODY) {
                        /* As nixbox does for a non-root payload user. */
                        if (prctl(PR_SET_KEEPCAPS, 1) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                            setresuid(65534, 65534, 65534) < 0)
                                _exit(3);
                }
                c->r = caps_apply(bounding, nnp, &e);
                snprintf(c->msg, sizeof(c->msg), "%s", e.msg);
                read_status(c);
                _exit(0);
        }
        int status;
        return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void test_apply(void) {
        struct proc_caps *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        struct proc_caps before = {};
        uint64_t d = caps_default_bounding(true, false);

        if (c == MAP_FAILED) {
                CHECK("mmap", false);
                return;
        }
        read_status(&before);
        printf("# this process: CapBnd %#" PRIx64 ", CapPrm %#" PRIx64 "\n", before.bnd, before.prm);

        CHECK("apply default: child", apply_in_child(c, PLAIN, d, false));
        CHECK("apply default: returns 0", c->r == 0);
        if (c->r != 0)
                printf("# %s: %s\n", c->msg, strerror(-c->r));
        CHECK("apply default: bounding = default ∩ ours", c->bnd == (d & before.bnd));
        CHECK("apply default: permitted = bounding ∩ ours", c->prm == (d & before.prm));
        CHECK("apply default: effective = permitted", c->eff == c->prm);
        CHECK("apply default: inheritable empty", c->inh == 0);
        CHECK("apply default: ambient empty", c->amb == 0);
        CHECK("apply default: no_new_privs untouched", c->nnp == 0);
        CHECK("apply default: SYS_MODULE gone", !(c->bnd & CAP_BIT(CAP_SYS_MODULE)));

        CHECK("apply nnp: child", apply_in_child(c, PLAIN, d, true));
        CHECK("apply nnp: returns 0", c->r == 0);
        CHECK("apply nnp: set", c->nnp == 1);

        CHECK("apply ambient: child", apply_in_child(c, WITH_AMBIENT, d, false));
        CHECK("apply ambient: returns 0", c->r == 0);
        CHECK("apply ambient: cleared", c->amb == 0 && c->inh == 0);

        CHECK("apply all: child", apply_in_child(c, PLAIN, CAPS_ALL, false));
        CHECK("apply all: returns 0", c->r == 0);
        CHECK("apply all: bounding unchanged", c->bnd == before.bnd);
        CHECK("apply all: permitted unchanged", c->prm == before.prm);

        CHECK("apply none: child", apply_in_child(c, PLAIN, 0, false));
        CHECK("apply none: returns 0", c->r == 0);
        CHECK("apply none: all empty", c->bnd == 0 && c->prm == 0 && c->eff == 0);

        CHECK("apply as nobody: child", apply_in_child(c, AS_NOBODY, d, false));
        CHECK("apply as nobody: returns 0", c->r == 0);
        if (c->r != 0)
                printf("# %s: %s\n", c->msg, strerror(-c->r));
        CHECK("apply as nobody: bounding = default ∩ ours", c->bnd == (d & before.bnd));
        CHECK("apply as nobody: no capabilities", c->prm == 0 && c->eff == 0 && c->inh == 0 && c->amb == 0);

        munmap(c, sizeof(*c));
}

int main(void) {
        test_default_bounding();
        test_parse();
        test_format();
        if (geteuid() == 0)
                test_apply();
        else
                printf("# skip: caps_apply tests need root\n");
        UNIT_END();
}
