/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The outcome records of ended containers (outcome.h). */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "macro.h"
#include "outcome.h"
#include "state.h"

/* Everything a record directory may hold (a record is never anything else). */
static const char *const record_files[] = { "outcome", "console.log", "console.log.1" };

static bool name_ok(const char *name) {
        return *name && !strchr(name, '/') && name[0] != '.' && strlen(name) < 256;
}

static void ended_dir(char *out, size_t size) {
        snprintf(out, size, "%s/" ENDED_DIR_NAME, STATE_DIR);
}

static int remove_record_dir(const char *path) {
        char file[900];

        /* Mostly there is none: one system call says so. */
        if (rmdir(path) == 0)
                return 0;
        if (errno != ENOTEMPTY && errno != EEXIST)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(record_files); i++) {
                snprintf(file, sizeof(file), "%s/%s", path, record_files[i]);
                (void) unlink(file);
        }
        return rmdir(path) < 0 ? -errno : 0;
}

static void prune(size_t keep, bool logs_added);

static void one_line(char *s) {
        for (char *p = s; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
}

int outcome_record(struct machine_info *m, const struct machine_outcome *oc) {
        char dir[512], tmp[800], final[800], from[4200], to[900], error[sizeof(oc->error)];
        bool logs = false;
        FILE *f;
        int r;

        if (!name_ok(m->name))
                return -EINVAL;
        ended_dir(dir, sizeof(dir));
        snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir, m->name, (int) getpid());
        snprintf(final, sizeof(final), "%s/%s", dir, m->name);
        if (mkdir(tmp, 0700) < 0) {
                if (errno == EEXIST)
                        (void) remove_record_dir(tmp);
                else if (errno != ENOENT ||
                         ((mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST)))
                        return -errno;
                if (mkdir(tmp, 0700) < 0)
                        return -errno;
        }
        /* The console log moves in (same file system: a rename). */
        if (m->log[0]) {
                snprintf(from, sizeof(from), "%s.1", m->log);
                snprintf(to, sizeof(to), "%s/console.log.1", tmp);
                logs = rename(from, to) == 0;
                snprintf(to, sizeof(to), "%s/console.log", tmp);
                if (rename(m->log, to) == 0) {
                        logs = true;
                        snprintf(m->log, sizeof(m->log), "%s/console.log", final);
                } else
                        m->log[0] = 0;
        }
        snprintf(m->state, sizeof(m->state), "ended");
        m->end_usec = oc->end_usec;
        m->cgroup[0] = 0;
        snprintf(error, sizeof(error), "%s", oc->error);
        one_line(error);
        one_line(m->status);
        snprintf(to, sizeof(to), "%s/outcome", tmp);
        f = fopen(to, "wxe");
        if (!f) {
                r = -errno;
                goto fail;
        }
        machine_info_fprint(f, m);
        fprintf(f,
                "OUTCOME_RESULT=%s\nOUTCOME_EXIT_CODE=%d\nOUTCOME_EXIT_STATUS=%d\nOUTCOME_SIGNAL=%d\n"
                "OUTCOME_STOP_REQUEST=%s\nOUTCOME_END_USEC=%" PRIu64 "\nOUTCOME_RESTARTS=%u\n"
                "OUTCOME_RECORDED_BY=%s\nOUTCOME_ERROR=%s\n",
                oc->result, oc->exit_code, oc->exit_status, oc->signal, oc->stop_request, oc->end_usec, oc->restarts,
                oc->recorded_by, error);
        if (fclose(f) != 0) {
                r = -errno;
                goto fail;
        }
        /* Whole or not at all: a reader sees the old record, none, or this one. */
        if (rename(tmp, final) < 0) {
                if (errno != ENOTEMPTY && errno != EEXIST) {
                        r = -errno;
                        goto fail;
                }
                (void) remove_record_dir(final);
                if (rename(tmp, final) < 0) {
                        r = -errno;
                        goto fail;
                }
        }
        prune(OUTCOME_KEEP, logs);
        return 0;
fail:
        (void) remove_record_dir(tmp);
        return r;
}

int outcome_read(const char *name, struct machine_info *m, struct machine_outcome *oc) {
        char dir[512], path[900], line[8192];
        _cleanup_fclose_ FILE *f = NULL;

        if (!name_ok(name))
                return -ENOENT;
        ended_dir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/%s/outcome", dir, name);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        *m = (struct machine_info){ 0 };
        *oc = (struct machine_outcome){ .exit_status = -1 };
        while (fgets(line, sizeof(line), f)) {
                char *eq = strchr(line, '='), *v;
                if (!eq)
                        continue;
                *eq = 0;
                v = eq + 1;
                v[strcspn(v, "\n")] = 0;
                if (machine_info_parse(m, line, v))
                        continue;
                if (streq(line, "OUTCOME_RESULT"))
                        snprintf(oc->result, sizeof(oc->result), "%s", v);
                else if (streq(line, "OUTCOME_EXIT_CODE"))
                        oc->exit_code = atoi(v);
                else if (streq(line, "OUTCOME_EXIT_STATUS"))
                        oc->exit_status = atoi(v);
                else if (streq(line, "OUTCOME_SIGNAL"))
                        oc->signal = atoi(v);
                else if (streq(line, "OUTCOME_STOP_REQUEST"))
                        snprintf(oc->stop_request, sizeof(oc->stop_request), "%s", v);
                else if (streq(line, "OUTCOME_END_USEC"))
                        oc->end_usec = strtoull(v, NULL, 10);
                else if (streq(line, "OUTCOME_RESTARTS"))
                        oc->restarts = (unsigned) strtoul(v, NULL, 10);
                else if (streq(line, "OUTCOME_RECORDED_BY"))
                        snprintf(oc->recorded_by, sizeof(oc->recorded_by), "%s", v);
                else if (streq(line, "OUTCOME_ERROR"))
                        snprintf(oc->error, sizeof(oc->error), "%s", v);
        }
        if (!oc->result[0])
                return -EBADMSG;
        return 0;
}

int outcome_remove(const char *name) {
        char dir[512], path[800];

        if (!name_ok(name))
                return -ENOENT;
        ended_dir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return remove_record_dir(path);
}

int outcome_foreach(int (*fn)(const struct machine_info *m, const struct machine_outcome *oc, void *userdata), void *userdata) {
        char dir[512];
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r = 0;

        ended_dir(dir, sizeof(dir));
        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                struct machine_info m;
                struct machine_outcome oc;
                if (de->d_name[0] == '.' || outcome_read(de->d_name, &m, &oc) < 0)
                        continue;
                r = fn(&m, &oc, userdata);
                if (r < 0)
                        break;
        }
        return r;
}

struct ended {
        char name[256];
        uint64_t end_usec;
        uint64_t bytes; /* its console log */
};

/* A record's end (OUTCOME_END_USEC) and size, from one read of its outcome
 * file. -1: not a record (outcome_read() refuses it too: no result). */
static int record_end(int dir_fd, const char *name, uint64_t *end, uint64_t *bytes) {
        static const char result_key[] = "\nOUTCOME_RESULT=", end_key[] = "\nOUTCOME_END_USEC=";
        char path[300], buf[16384];
        const char *p;
        ssize_t n;
        int fd;

        snprintf(path, sizeof(path), "%s/outcome", name);
        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -1;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return -1;
        if ((size_t) n == sizeof(buf) - 1) {
                /* Longer than any record nixbox writes: the full parser. */
                struct machine_info m;
                struct machine_outcome oc;
                struct stat st;
                if (outcome_read(name, &m, &oc) < 0 || fstatat(dir_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -1;
                *end = oc.end_usec;
                *bytes = (uint64_t) st.st_size;
                return 0;
        }
        buf[n] = 0;
        p = strstr(buf, result_key);
        if (!p || !p[sizeof(result_key) - 1] || p[sizeof(result_key) - 1] == '\n')
                return -1;
        p = strstr(buf, end_key);
        *end = p ? strtoull(p + sizeof(end_key) - 1, NULL, 10) : 0;
        *bytes = (uint64_t) n;
        return 0;
}

static int cmp_newest_first(const void *a, const void *b) {
        uint64_t x = ((const struct ended *) a)->end_usec, y = ((const struct ended *) b)->end_usec;
        return x < y ? 1 : x > y ? -1 : 0;
}

/* One directory scan; a record is only looked into when a bound may be
 * crossed. The count needs the names alone. The bytes change only when a
 * record brings a log (logs_added): a record without one cannot push the
 * logs over the bound that the last prune left them under, so then the
 * logs are not stat'ed. Over the count, each record's end is read with
 * one read of its outcome file. */
static void prune(size_t keep, bool logs_added) {
        char dir[512], path[800];
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ struct ended *v = NULL;
        size_t n = 0, cap = 0, kept = 0;
        uint64_t total = 0;
        struct dirent *de;
        int pid;

        ended_dir(dir, sizeof(dir));
        d = opendir(dir);
        if (!d)
                return;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                /* A temporary directory whose writer is gone. */
                if (de->d_name[0] == '.') {
                        const char *dot = strrchr(de->d_name, '.');
                        const char *p = dot ? memrchr(de->d_name, '.', (size_t) (dot - de->d_name)) : NULL;
                        if (p && streq(dot, ".tmp") && (pid = atoi(p + 1)) > 0 && kill(pid, 0) < 0 && errno == ESRCH) {
                                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                                (void) remove_record_dir(path);
                        }
                        continue;
                }
                if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) || strlen(de->d_name) >= sizeof(v->name))
                        continue;
                if (n == cap) {
                        struct ended *nv = realloc(v, (cap = cap ? cap * 2 : 128) * sizeof(*v));
                        if (!nv)
                                return;
                        v = nv;
                }
                snprintf(v[n++].name, sizeof(v->name), "%s", de->d_name);
        }
        if (n <= keep && !logs_added)
                return;
        for (size_t i = 0; i < n; i++) {
                struct stat st;
                uint64_t end, bytes;

                if (record_end(dirfd(d), v[i].name, &end, &bytes) < 0)
                        continue; /* not a record */
                v[kept] = v[i];
                v[kept].end_usec = end;
                v[kept].bytes = bytes;
                for (size_t j = 1; logs_added && j < ELEMENTSOF(record_files); j++) {
                        snprintf(path, sizeof(path), "%s/%s", v[i].name, record_files[j]);
                        if (fstatat(dirfd(d), path, &st, AT_SYMLINK_NOFOLLOW) == 0)
                                v[kept].bytes += (uint64_t) st.st_size;
                }
                kept++;
        }
        qsort(v, kept, sizeof(*v), cmp_newest_first);
        /* /run is memory: the newest one is always kept, older ones only
         * while they fit both bounds. */
        for (size_t i = 0; i < kept; i++) {
                total += v[i].bytes;
                if (i > 0 && (i >= keep || total > OUTCOME_KEEP_BYTES))
                        (void) outcome_remove(v[i].name);
        }
}

void outcome_prune(size_t keep) {
        prune(keep, true);
}
