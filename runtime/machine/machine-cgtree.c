/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>

#include "escape.h"
#include "json-out.h"
#include "machine-cgtree.h"
#include "macro.h"

/* What a container made in its cgroup is shown bounded: depth (the
 * kernel's cgroup.max.depth below payload/ plus nixbox's levels, with room),
 * entries per cgroup and cgroups in all. */
#define TREE_MAX_DEPTH   48
#define NODE_MAX_ENTRIES 65536
#define JSON_MAX_NODES   10000

struct cg_node {
        pid_t *pids;
        size_t n_pids;
        char **subdirs;
        size_t n_subdirs;
};

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static int cmp_pid(const void *a, const void *b) {
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;
        return (x > y) - (x < y);
}

static void node_free(struct cg_node *n) {
        for (size_t i = 0; i < n->n_subdirs; i++)
                free(n->subdirs[i]);
        free(n->subdirs);
        free(n->pids);
        *n = (struct cg_node) {0};
}

/* Reads the pids and child cgroups of the cgroup dir_fd (both sorted). */
static void node_read(int dir_fd, struct cg_node *n) {
        char line[64];
        FILE *f = NULL;
        DIR *d = NULL;
        struct dirent *de;
        int fd;

        *n = (struct cg_node) {0};
        fd = openat(dir_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0 && !(f = fdopen(fd, "re")))
                close(fd);
        while (f && n->n_pids < NODE_MAX_ENTRIES && fgets(line, sizeof(line), f)) {
                pid_t *p = realloc(n->pids, (n->n_pids + 1) * sizeof(pid_t));
                if (!p)
                        break;
                n->pids = p;
                n->pids[n->n_pids++] = (pid_t) atoi(line);
        }
        if (f)
                fclose(f);
        if (n->pids)
                qsort(n->pids, n->n_pids, sizeof(pid_t), cmp_pid);

        fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 3);
        if (fd >= 0 && !(d = fdopendir(fd)))
                close(fd);
        while (d && n->n_subdirs < NODE_MAX_ENTRIES && (de = readdir(d))) {
                char **s;
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                s = realloc(n->subdirs, (n->n_subdirs + 1) * sizeof(char *));
                if (!s)
                        break;
                n->subdirs = s;
                if (!(n->subdirs[n->n_subdirs] = strdup(de->d_name)))
                        break;
                n->n_subdirs++;
        }
        if (d)
                closedir(d);
        if (n->subdirs)
                qsort(n->subdirs, n->n_subdirs, sizeof(char *), cmp_str);
}

static int open_sub(int dir_fd, const char *name) {
        return openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static void pid_comm(pid_t pid, char *out, size_t size) {
        char path[64];
        FILE *f;

        snprintf(out, size, "?");
        snprintf(path, sizeof(path), "/proc/%d/comm", pid);
        f = fopen(path, "re");
        if (!f)
                return;
        if (fgets(out, (int) size, f))
                out[strcspn(out, "\n")] = 0;
        fclose(f);
}

static const char *relative(const char *dir, const char *mount) {
        size_t l = strlen(mount);
        return strncmp(dir, mount, l) == 0 && dir[l] == '/' ? dir + l : dir;
}

/* prefix holds 2 characters per level: at most TREE_MAX_DEPTH levels. */
static void tree_rec(FILE *f, int dir_fd, const char *indent, char *prefix, int depth, int *lines, int max_lines) {
        struct cg_node n;
        size_t total, plen = strlen(prefix);

        node_read(dir_fd, &n);
        total = n.n_pids + n.n_subdirs;
        for (size_t i = 0; i < total; i++) {
                bool last = i + 1 == total;
                const char *branch = last ? "`-" : "|-";

                if (++*lines > max_lines) {
                        if (*lines == max_lines + 1)
                                fprintf(f, "%s%s...\n", indent, prefix);
                        break;
                }
                if (i < n.n_pids) {
                        char comm[64];
                        pid_comm(n.pids[i], comm, sizeof(comm));
                        /* Process and cgroup names are the container's: escaped. */
                        char *e = cescape(comm);
                        fprintf(f, "%s%s%s%d %s\n", indent, prefix, branch, n.pids[i], e ? e : "?");
                        free(e);
                } else {
                        const char *name = n.subdirs[i - n.n_pids];
                        int sub;
                        char *e = cescape(name);
                        fprintf(f, "%s%s%s%s\n", indent, prefix, branch, e ? e : "?");
                        free(e);
                        memcpy(prefix + plen, last ? "  " : "| ", 3);
                        if (depth + 1 >= TREE_MAX_DEPTH)
                                fprintf(f, "%s%s`-...\n", indent, prefix);
                        else if ((sub = open_sub(dir_fd, name)) >= 0) {
                                tree_rec(f, sub, indent, prefix, depth + 1, lines, max_lines);
                                close(sub);
                        }
                        prefix[plen] = 0;
                }
        }
        node_free(&n);
}

void cgtree_print(FILE *f, const char *dir, const char *mount, const char *indent, int max_lines) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char prefix[2 * TREE_MAX_DEPTH + 3] = "";
        int lines = 0;

        {
                char *e = cescape(relative(dir, mount));
                fprintf(f, "%s\n", e ? e : "?");
                free(e);
        }
        if (fd >= 0)
                tree_rec(f, fd, indent, prefix, 0, &lines, max_lines);
}

/* path is the cgroup's path relative to the mount, grown and cut back on the
 * way (heap: names are up to 255 bytes at any depth). */
static void json_rec(FILE *f, int dir_fd, char **path, int depth, int *nodes, bool *first) {
        struct cg_node n;
        size_t len = strlen(*path);

        node_read(dir_fd, &n);
        fputs(*first ? "{\"cgroup\":" : ",{\"cgroup\":", f);
        *first = false;
        json_string(f, *path);
        fputs(",\"processes\":[", f);
        for (size_t i = 0; i < n.n_pids; i++) {
                char comm[64];
                pid_comm(n.pids[i], comm, sizeof(comm));
                fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", n.pids[i]);
                json_string(f, comm);
                fputc('}', f);
        }
        fputs("]}", f);
        for (size_t i = 0; i < n.n_subdirs && depth + 1 < TREE_MAX_DEPTH && ++*nodes <= JSON_MAX_NODES; i++) {
                char *p = realloc(*path, len + strlen(n.subdirs[i]) + 2);
                int sub;

                if (!p)
                        break;
                *path = p;
                sprintf(p + len, "/%s", n.subdirs[i]);
                if ((sub = open_sub(dir_fd, n.subdirs[i])) >= 0) {
                        json_rec(f, sub, path, depth + 1, nodes, first);
                        close(sub);
                }
                (*path)[len] = 0;
        }
        node_free(&n);
}

void cgtree_print_json(FILE *f, const char *dir, const char *mount) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *path = strdup(relative(dir, mount));
        bool first = true;
        int nodes = 0;

        fputc('[', f);
        if (fd >= 0 && path)
                json_rec(f, fd, &path, 0, &nodes, &first);
        fputc(']', f);
}
