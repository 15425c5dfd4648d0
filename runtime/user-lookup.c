/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "user-lookup.h"

/* Splits a colon-separated line into at most n fields; returns the count. */
static int split_fields(char *line, char **fields, int n) {
        int k = 0;

        line[strcspn(line, "\n")] = 0;
        while (k < n && (fields[k] = strsep(&line, ":")))
                k++;
        return k;
}

/* The container controls these files: a FIFO or a device must not make
 * us hang, so only regular files are read. */
static FILE *open_regular(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        FILE *f;

        if (fd < 0)
                return NULL;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                errno = EINVAL;
                return NULL;
        }
        f = fdopen(fd, "r");
        if (!f)
                close(fd);
        return f;
}

static int lookup_groups(struct user_info *u, struct nb_error *err) {
        _cleanup_fclose_ FILE *f = open_regular("/etc/group");
        char line[4096];
        int r;

        u->n_groups = 0;
        if (!f)
                return 0;
        while (u->n_groups < (int) ELEMENTSOF(u->groups) && (r = read_line(f, line, sizeof(line))) != 0) {
                char *fields[4], *save = NULL;

                if (r < 0)
                        return nb_error_set(err, r, "read the container's /etc/group (lines up to %zu bytes)", sizeof(line) - 1);
                if (split_fields(line, fields, 4) < 4)
                        continue;
                for (char *m = strtok_r(fields[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
                        if (streq(m, u->name)) {
                                u->groups[u->n_groups++] = (gid_t) strtoul(fields[2], NULL, 10);
                                break;
                        }
        }
        return 0;
}

int user_lookup(const char *user, struct user_info *u, struct nb_error *err) {
        char line[4096], *end;
        unsigned long numeric = strtoul(user, &end, 10);
        bool is_numeric = *user && !*end;
        bool found = false;
        _cleanup_fclose_ FILE *f = NULL;
        int r;

        *u = (struct user_info) {0};
        f = open_regular("/etc/passwd");
        if (!f && (errno != ENOENT || !is_numeric))
                return nb_error_set(err, errno, "open /etc/passwd to look up user %s", user);
        while (f && (r = read_line(f, line, sizeof(line))) != 0) {
                char *fields[7];

                if (r < 0)
                        return nb_error_set(err, r, "read the container's /etc/passwd (lines up to %zu bytes)", sizeof(line) - 1);
                if (split_fields(line, fields, 7) < 7)
                        continue;
                if (is_numeric ? strtoul(fields[2], NULL, 10) != numeric : !streq(fields[0], user))
                        continue;
                /* A field that does not fit is refused, never cut short
                 * (a shortened home directory is another directory). */
                if (snprintf_ok(u->name, sizeof(u->name), "%s", fields[0]) < 0 ||
                    snprintf_ok(u->home, sizeof(u->home), "%s", fields[5]) < 0 ||
                    snprintf_ok(u->shell, sizeof(u->shell), "%s", fields[6]) < 0)
                        return nb_error_set(err, ENAMETOOLONG, "user %s in the container's /etc/passwd: a name, home or shell "
                                            "longer than %zu bytes", user, sizeof(u->home) - 1);
                u->uid = (uid_t) strtoul(fields[2], NULL, 10);
                u->gid = (gid_t) strtoul(fields[3], NULL, 10);
                found = true;
                break;
        }
        if (!found) {
                if (!is_numeric) {
                        nb_error_set(err, 0, "user '%s' does not exist in the container (not in its /etc/passwd)", user);
                        return -ESRCH;
                }
                if (snprintf_ok(u->name, sizeof(u->name), "%s", user) < 0)
                        return nb_error_set(err, ENAMETOOLONG, "user %s: too long", user);
                u->uid = u->gid = (uid_t) numeric;
                snprintf(u->home, sizeof(u->home), "/");
        }
        return lookup_groups(u, err);
}
