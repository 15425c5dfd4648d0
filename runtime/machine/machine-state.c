/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "fileio.h"
#include "machine-state.h"
#include "tree-safety.h"
#include "macro.h"
#include "parse-util.h"
#include "state.h"
#include "userns.h"

void machine_state_dir(const char *name, char *out, size_t size) {
        snprintf(out, size, "%s/%s", STATE_DIR, name);
}

unsigned long long pid_start_time(pid_t pid) {
        char path[64], buf[1024], *p;
        unsigned long long t = 0;

        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        if (read_string_file(path, buf, sizeof(buf)) <= 0)
                return 0;
        /* The command name may contain spaces and parentheses: skip to the last ')'. */
        p = strrchr(buf, ')');
        if (!p)
                return 0;
        /* Fields after ')': 3=state ... 22=starttime, i.e. the 20th after it. */
        for (int field = 2; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        if (p)
                t = strtoull(p + 1, NULL, 10);
        return t;
}

int machine_state_write(const struct machine_info *m) {
        char dir[512], tmp[600], path[600];
        FILE *f;

        machine_state_dir(m->name, dir, sizeof(dir));
        if (mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        snprintf(tmp, sizeof(tmp), "%s/.state.tmp", dir);
        snprintf(path, sizeof(path), "%s/state", dir);
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        machine_info_fprint(f, m);
        if (fclose(f) != 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

void machine_info_fprint(FILE *f, const struct machine_info *m) {
        fprintf(f,
                "NAME=%s\nROOT=%s\nCGROUP=%s\nSTATE=%s\nSTATUS=%s\nADDRESSES=%s\n"
                "LEADER=%d\nLEADER_START=%llu\nSUPERVISOR=%d\nSUPERVISOR_START=%llu\n"
                "UID_SHIFT=%u\nUID_RANGE=%u\nSTART_USEC=%" PRIu64 "\nCAPS=%" PRIx64 "\n"
                "NO_NEW_PRIVS=%d\nBOOT=%d\nKILL_SIGNAL=%d\nLOG=%s\nEND_USEC=%" PRIu64 "\n",
                m->name, m->root, m->cgroup, m->state, m->status, m->addresses, m->leader, m->leader_start, m->supervisor,
                m->supervisor_start, m->uid_shift, m->uid_range, m->start_usec, m->caps, m->no_new_privs, m->boot, m->kill_signal,
                m->log, m->end_usec);
}

int machine_state_write_filter(const char *name, char *const *entries, size_t n) {
        char dir[512], tmp[600], path[600];
        FILE *f;

        machine_state_dir(name, dir, sizeof(dir));
        if (mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return -errno;
        snprintf(tmp, sizeof(tmp), "%s/." FILTER_FILE ".tmp", dir);
        snprintf(path, sizeof(path), "%s/" FILTER_FILE, dir);
        f = fopen(tmp, "we");
        if (!f)
                return -errno;
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s\n", entries[i]);
        if (fclose(f) != 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int machine_state_read_filter(const char *name, char ***entries, size_t *n) {
        char dir[512], path[600];
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        _cleanup_strv_free_ char **v = NULL;
        size_t k = 0;
        ssize_t l;
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        machine_state_dir(name, dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/" FILTER_FILE, dir);
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while ((l = getline(&line, &size, f)) >= 0) {
                line[strcspn(line, "\n")] = 0;
                if (!*line)
                        continue;
                r = strv_push(&v, &k, line);
                if (r < 0)
                        return r;
        }
        if (ferror(f))
                return -EIO;
        *entries = TAKE_PTR(v);
        *n = k;
        return 0;
}

static void field(char *dst, size_t size, const char *v) {
        snprintf(dst, size, "%s", v);
}

int machine_state_read(const char *name, struct machine_info *m) {
        char dir[512], path[600], line[8192];
        FILE *f;
        int lock;

        if (!*name || strchr(name, '/') || name[0] == '.')
                return -EINVAL;
        machine_state_dir(name, dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/state", dir);
        if (access(path, F_OK) < 0)
                return -ENOENT;
        /* A free machine lock means its nixbox is gone: the entry is stale. */
        lock = state_try_lock_machine(name);
        if (lock >= 0) {
                machine_state_remove_stale(name);
                state_unlock_machine(name, lock);
                return -ESTALE;
        }
        f = fopen(path, "re");
        if (!f)
                return -errno;
        *m = (struct machine_info) {0};
        while (fgets(line, sizeof(line), f)) {
                char *eq = strchr(line, '='), *v;
                if (!eq)
                        continue;
                *eq = 0;
                v = eq + 1;
                v[strcspn(v, "\n")] = 0;
                machine_info_parse(m, line, v);
        }
        fclose(f);
        return 0;
}

bool machine_info_parse(struct machine_info *m, const char *line, const char *v) {
        if (streq(line, "NAME"))
                field(m->name, sizeof(m->name), v);
        else if (streq(line, "ROOT"))
                field(m->root, sizeof(m->root), v);
        else if (streq(line, "CGROUP"))
                field(m->cgroup, sizeof(m->cgroup), v);
        else if (streq(line, "STATE"))
                field(m->state, sizeof(m->state), v);
        else if (streq(line, "STATUS"))
                field(m->status, sizeof(m->status), v);
        else if (streq(line, "ADDRESSES"))
                field(m->addresses, sizeof(m->addresses), v);
        else if (streq(line, "LEADER"))
                m->leader = atoi(v);
        else if (streq(line, "LEADER_START"))
                m->leader_start = strtoull(v, NULL, 10);
        else if (streq(line, "SUPERVISOR"))
                m->supervisor = atoi(v);
        else if (streq(line, "SUPERVISOR_START"))
                m->supervisor_start = strtoull(v, NULL, 10);
        else if (streq(line, "UID_SHIFT"))
                m->uid_shift = (uid_t) strtoul(v, NULL, 10);
        else if (streq(line, "UID_RANGE"))
                m->uid_range = (uid_t) strtoul(v, NULL, 10);
        else if (streq(line, "START_USEC"))
                m->start_usec = strtoull(v, NULL, 10);
        else if (streq(line, "CAPS"))
                m->caps = strtoull(v, NULL, 16);
        else if (streq(line, "NO_NEW_PRIVS"))
                m->no_new_privs = atoi(v);
        else if (streq(line, "BOOT"))
                m->boot = atoi(v);
        else if (streq(line, "KILL_SIGNAL"))
                m->kill_signal = atoi(v);
        else if (streq(line, "LOG"))
                field(m->log, sizeof(m->log), v);
        else if (streq(line, "END_USEC"))
                m->end_usec = strtoull(v, NULL, 10);
        else
                return false;
        return true;
}

void machine_state_remove(const char *name) {
        /* Everything a run may leave in its directory: the state, the console
         * log and what rotating it leaves (console-log.c), the cgroup record,
         * the filter list; then the ephemeral mount point and the directory. */
        static const char *const files[] = {
                "state",
                ".state.tmp",
                "console.log",
                "console.log.1",
                "console.log.tmp",
                "console.log.1.tmp",
                "cgroup",
                FILTER_FILE,
                "." FILTER_FILE ".tmp",
                STOP_REQUEST_FILE,
                "." STOP_REQUEST_FILE ".tmp",
        };
        char dir[512];
        struct dirent *de;
        DIR *d;

        machine_state_dir(name, dir, sizeof(dir));
        /* One scan: those that are there, not a call for each that may be. */
        d = opendir(dir);
        if (!d)
                return;
        while ((de = readdir(d))) {
                if (streq(de->d_name, "ephemeral")) {
                        (void) unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
                        continue;
                }
                for (size_t i = 0; i < ELEMENTSOF(files); i++)
                        if (streq(de->d_name, files[i])) {
                                (void) unlinkat(dirfd(d), de->d_name, 0);
                                break;
                        }
        }
        closedir(d);
        rmdir(dir);
}

int machine_state_note_cgroup(const char *name, const char *path) {
        char dir[512], file[600];

        machine_state_dir(name, dir, sizeof(dir));
        if ((mkdir(STATE_DIR, 0755) < 0 && errno != EEXIST) || (mkdir(dir, 0700) < 0 && errno != EEXIST))
                return -errno;
        snprintf(file, sizeof(file), "%s/cgroup", dir);
        _cleanup_close_ int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        return write(fd, path, strlen(path)) < 0 ? -errno : 0;
}

void machine_state_remove_stale(const char *name) {
        char dir[512], file[600], path[512];

        machine_state_dir(name, dir, sizeof(dir));
        snprintf(file, sizeof(file), "%s/cgroup", dir);
        if (read_string_file(file, path, sizeof(path)) > 0) {
                path[strcspn(path, "\n")] = 0;
                cg_remove_stale_keep_unit(path, name);
        }
        machine_state_remove(name);
}

int machine_state_foreach(int (*fn)(const struct machine_info *m, void *userdata), void *userdata) {
        DIR *d = opendir(STATE_DIR);
        struct dirent *de;
        int r = 0;

        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                struct machine_info m;
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (machine_state_read(de->d_name, &m) < 0)
                        continue;
                r = fn(&m, userdata);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

void state_sweep_stale_locks(bool uid_dir) {
        DIR *d = opendir(STATE_DIR);
        struct dirent *de;

        /* State directories of machines whose nixbox is gone, and their
         * lock files (one scan for both). */
        if (d) {
                while ((de = readdir(d))) {
                        size_t l = strlen(de->d_name);
                        int fd;
                        if (de->d_type == DT_REG && l > 5 && streq(de->d_name + l - 5, ".lock")) {
                                state_remove_stale_lock_at(dirfd(d), de->d_name);
                                continue;
                        }
                        if (de->d_type != DT_DIR || de->d_name[0] == '.')
                                continue;
                        fd = state_try_lock_machine(de->d_name);
                        if (fd < 0)
                                continue;
                        machine_state_remove_stale(de->d_name);
                        state_unlock_machine(de->d_name, fd);
                }
                closedir(d);
        }
        if (uid_dir)
                state_sweep_lock_dir(UID_LOCK_DIR, "");
        tree_lock_sweep();
        /* systemd-nspawn's range locks nixbox takes too: an unlocked one
         * is stale for nspawn as well (it re-checks a lock file's link
         * count after flock). */
        state_sweep_lock_dir(NSPAWN_UID_LOCK_DIR, "");
}

int machine_state_note_stop_request(const char *name, const char *what) {
        char dir[512], tmp[600], path[600];
        _cleanup_close_ int fd = -1;

        machine_state_dir(name, dir, sizeof(dir));
        snprintf(tmp, sizeof(tmp), "%s/." STOP_REQUEST_FILE ".tmp", dir);
        snprintf(path, sizeof(path), "%s/" STOP_REQUEST_FILE, dir);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (write(fd, what, strlen(what)) < 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

void machine_state_read_stop_request(const char *name, char *buf, size_t size) {
        char dir[512], path[600];

        machine_state_dir(name, dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/" STOP_REQUEST_FILE, dir);
        if (read_string_file(path, buf, size) < 0)
                buf[0] = 0;
        buf[strcspn(buf, "\n")] = 0;
}

void machine_state_clear_stop_request(const char *name) {
        char dir[512], path[600];

        machine_state_dir(name, dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/" STOP_REQUEST_FILE, dir);
        (void) unlink(path);
}
