/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Outcome records of ended containers (runtime/machine/outcome.c): written
 * whole, read back, replaced, removed, and bounded to OUTCOME_KEEP. Runs in
 * a private StateDir (NIXBOX_CONFIG), no root needed. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "host-config.h"
#include "outcome.h"
#include "unit.h"

static char state[256];

static int count_records(void) {
        char dir[512];
        DIR *d;
        struct dirent *de;
        int n = 0;

        snprintf(dir, sizeof(dir), "%s/.ended", state);
        d = opendir(dir);
        if (!d)
                return 0;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

static int record(const char *name, int code, uint64_t end, const char *log) {
        struct machine_info m = { .start_usec = 1000, .uid_shift = 65536, .uid_range = 65536 };
        struct machine_outcome oc = { .exit_code = code, .exit_status = code, .end_usec = end };

        snprintf(m.name, sizeof(m.name), "%s", name);
        snprintf(m.log, sizeof(m.log), "%s", log ? log : "");
        snprintf(m.status, sizeof(m.status), "line one\nline two");
        snprintf(oc.result, sizeof(oc.result), "exited");
        snprintf(oc.recorded_by, sizeof(oc.recorded_by), "supervisor");
        snprintf(oc.stop_request, sizeof(oc.stop_request), "stop");
        return outcome_record(&m, &oc);
}

int main(void) {
        char conf[300], path[600], name[32];
        struct machine_info m;
        struct machine_outcome oc;
        struct nb_error err = { 0 };
        FILE *f;

        snprintf(state, sizeof(state), "/tmp/nixbox-test-outcome.%d", (int) getpid());
        mkdir(state, 0700);
        snprintf(conf, sizeof(conf), "%s/nixbox.conf", state);
        f = fopen(conf, "w");
        fprintf(f, "[paths]\nStateDir=%s\n", state);
        fclose(f);
        setenv("NIXBOX_CONFIG", conf, 1);
        CHECK("load the config", host_config_load(&err) == 0);

        /* The console log moves into the record. */
        snprintf(path, sizeof(path), "%s/web", state);
        mkdir(path, 0700);
        snprintf(path, sizeof(path), "%s/web/console.log", state);
        f = fopen(path, "w");
        fputs("boom\n", f);
        fclose(f);
        CHECK("record", record("web", 3, 5000, path) == 0);
        CHECK("the log moved", access(path, F_OK) < 0);
        CHECK("read", outcome_read("web", &m, &oc) == 0);
        CHECK_STREQ("state", m.state, "ended");
        CHECK_STREQ("result", oc.result, "exited");
        CHECK("exit code", oc.exit_code == 3 && oc.exit_status == 3 && oc.signal == 0);
        CHECK_STREQ("stop request", oc.stop_request, "stop");
        CHECK("times", m.start_usec == 1000 && oc.end_usec == 5000 && m.end_usec == 5000);
        CHECK_STREQ("a status stays one line", m.status, "line one line two");
        snprintf(path, sizeof(path), "%s/.ended/web/console.log", state);
        CHECK_STREQ("log path", m.log, path);
        CHECK("log kept", access(path, R_OK) == 0);

        /* Replaced whole by the next record of the name. */
        CHECK("record again", record("web", 4, 6000, NULL) == 0);
        CHECK("read again", outcome_read("web", &m, &oc) == 0 && oc.exit_code == 4 && !m.log[0]);
        CHECK("old log gone", access(path, F_OK) < 0);
        CHECK("remove", outcome_remove("web") == 0);
        CHECK("removed", outcome_read("web", &m, &oc) == -ENOENT);
        CHECK("remove twice", outcome_remove("web") == -ENOENT);
        CHECK("no hidden names", outcome_read(".ended", &m, &oc) == -ENOENT && outcome_read("../x", &m, &oc) == -ENOENT);

        /* Bounded: the oldest ends go first. */
        for (int i = 1; i <= OUTCOME_KEEP + 6; i++) {
                snprintf(name, sizeof(name), "m%d", i);
                record(name, 0, (uint64_t) (100000 + (i * 7919) % 1000), NULL); /* ends out of order */
        }
        CHECK("bounded", count_records() == OUTCOME_KEEP);
        {
                uint64_t min_kept = UINT64_MAX, max_gone = 0;
                for (int i = 1; i <= OUTCOME_KEEP + 6; i++) {
                        uint64_t end = (uint64_t) (100000 + (i * 7919) % 1000);
                        snprintf(name, sizeof(name), "m%d", i);
                        if (outcome_read(name, &m, &oc) == 0)
                                min_kept = end < min_kept ? end : min_kept;
                        else
                                max_gone = end > max_gone ? end : max_gone;
                }
                CHECK("the oldest went", max_gone > 0 && max_gone <= min_kept);
        }

        /* And at most OUTCOME_KEEP_BYTES of logs (sizes as the files say:
         * sparse ones here). */
        for (int i = 0; i < 2; i++) {
                char log[600];
                snprintf(name, sizeof(name), "big%d", i);
                snprintf(log, sizeof(log), "%s/%s.log", state, name);
                f = fopen(log, "w");
                CHECK("make a big log", f && ftruncate(fileno(f), (off_t) (OUTCOME_KEEP_BYTES / 2 + 1)) == 0);
                fclose(f);
                record(name, 0, (uint64_t) (200000 + i), log);
        }
        CHECK("the newest big log is kept", outcome_read("big1", &m, &oc) == 0);
        CHECK("the older one went with the bytes bound", outcome_read("big0", &m, &oc) == -ENOENT);
        /* A record without a log adds no bytes: the big log stays. */
        CHECK("a record without a log", record("small", 0, 300000, NULL) == 0);
        CHECK("the big log stays", outcome_read("big1", &m, &oc) == 0 && outcome_read("small", &m, &oc) == 0);
        CHECK("nothing else went", count_records() == 2);

        snprintf(path, sizeof(path), "rm -rf '%s'", state);
        CHECK("clean up", system(path) == 0);
        UNIT_END();
}
