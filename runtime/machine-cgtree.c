#include <dirent.h>
#include <stdio.h>
#include <sys/types.h>

#include "escape.h"
#include "json-out.h"
#include "machine-cgtree.h"
#include "macro.h"

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

/* Reads the pids and child cgroups of dir (both sorted). */
static void node_read(const char *dir, struct cg_node *n) {
        char path[4096], line[64];
        FILE *f;
        DIR *d;
        struct dirent *de;

        *n = (struct cg_node) {0};
        snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f)) {
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

        d = opendir(dir);
        while (d && (de = readdir(d))) {
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

static void tree_rec(FILE *f, const char *dir, const char *indent, const char *prefix, int *lines, int max_lines) {
        struct cg_node n;
        size_t total;

        node_read(dir, &n);
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
                        char sub[4096], subprefix[256];
                        char *e = cescape(name);
                        fprintf(f, "%s%s%s%s\n", indent, prefix, branch, e ? e : "?");
                        free(e);
                        snprintf(sub, sizeof(sub), "%s/%s", dir, name);
                        snprintf(subprefix, sizeof(subprefix), "%s%s", prefix, last ? "  " : "| ");
                        tree_rec(f, sub, indent, subprefix, lines, max_lines);
                }
        }
        node_free(&n);
}

void cgtree_print(FILE *f, const char *dir, const char *mount, const char *indent, int max_lines) {
        int lines = 0;

        char *e = cescape(relative(dir, mount));
        fprintf(f, "%s\n", e ? e : "?");
        free(e);
        tree_rec(f, dir, indent, "", &lines, max_lines);
}

static void json_rec(FILE *f, const char *dir, const char *mount, bool *first) {
        struct cg_node n;

        node_read(dir, &n);
        fputs(*first ? "{\"cgroup\":" : ",{\"cgroup\":", f);
        *first = false;
        json_string(f, relative(dir, mount));
        fputs(",\"processes\":[", f);
        for (size_t i = 0; i < n.n_pids; i++) {
                char comm[64];
                pid_comm(n.pids[i], comm, sizeof(comm));
                fprintf(f, "%s{\"pid\":%d,\"comm\":", i ? "," : "", n.pids[i]);
                json_string(f, comm);
                fputc('}', f);
        }
        fputs("]}", f);
        for (size_t i = 0; i < n.n_subdirs; i++) {
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s/%s", dir, n.subdirs[i]);
                json_rec(f, sub, mount, first);
        }
        node_free(&n);
}

void cgtree_print_json(FILE *f, const char *dir, const char *mount) {
        bool first = true;

        fputc('[', f);
        json_rec(f, dir, mount, &first);
        fputc(']', f);
}
