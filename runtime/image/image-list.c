/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `nixbox images`: the images `nixbox run NAME` finds, in nixbox's
 * machines directory and in systemd's /var/lib/machines (machinectl
 * list-images, without the btrfs and raw-image kinds). */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "error.h"
#include "escape.h"
#include "fileio.h"
#include "image.h"
#include "json-out.h"
#include "log.h"
#include "macro.h"
#include "path-in-root.h"
#include "verbs.h"

struct image_entry {
        char name[256];
        char path[4096];
        char os[128]; /* PRETTY_NAME of its os-release, "-" when none */
        time_t mtime;
};

struct image_vec {
        struct image_entry *v;
        size_t n, cap;
};

/* PRETTY_NAME (or NAME) of the image's os-release, read inside its root:
 * NixOS's /etc/os-release is an absolute symlink into /nix/store. */
static void read_os_name(int root_fd, char *out, size_t size) {
        static const char *const paths[] = { "/etc/os-release", "/usr/lib/os-release" };
        char buf[8192], name[128] = "";

        snprintf(out, size, "-");
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_close_ int fd = root_open_regular(root_fd, paths[i], NULL);
                ssize_t n;
                if (fd < 0)
                        continue;
                n = read_bounded(fd, buf, sizeof(buf));
                if (n < 0)
                        continue;
                for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
                        bool pretty = strncmp(line, "PRETTY_NAME=", 12) == 0;
                        if (!pretty && strncmp(line, "NAME=", 5) != 0)
                                continue;
                        char *v = strchr(line, '=') + 1;
                        size_t l = strlen(v);
                        if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
                                v[l - 1] = 0;
                                v++;
                        }
                        if (pretty || !name[0])
                                snprintf(name, sizeof(name), "%s", v);
                        if (pretty)
                                break;
                }
                if (name[0])
                        snprintf(out, size, "%s", name);
                return;
        }
}

static bool seen(const struct image_vec *l, const char *name) {
        for (size_t i = 0; i < l->n; i++)
                if (streq(l->v[i].name, name))
                        return true;
        return false;
}

static int collect_dir(const char *dir, struct image_vec *l) {
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (dfd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fcntl(dfd, F_DUPFD_CLOEXEC, 3));
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct stat st;
                int root_fd;
                /* An earlier directory's image of that name is the one run finds. */
                if (!image_name_valid(de->d_name) || seen(l, de->d_name))
                        continue;
                /* An image may be a symlink to a directory, as for nspawn. */
                root_fd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (root_fd < 0)
                        continue;
                if (fstat(root_fd, &st) < 0) {
                        close(root_fd);
                        continue;
                }
                if (l->n == l->cap) {
                        size_t cap = l->cap ? l->cap * 2 : 16;
                        struct image_entry *v = realloc(l->v, cap * sizeof(*v));
                        if (!v) {
                                close(root_fd);
                                closedir(d);
                                return -ENOMEM;
                        }
                        l->v = v;
                        l->cap = cap;
                }
                struct image_entry *e = &l->v[l->n++];
                snprintf(e->name, sizeof(e->name), "%s", de->d_name);
                snprintf(e->path, sizeof(e->path), "%s/%s", dir, de->d_name);
                e->mtime = st.st_mtime;
                read_os_name(root_fd, e->os, sizeof(e->os));
                close(root_fd);
        }
        closedir(d);
        return 0;
}

static int cmp_image(const void *a, const void *b) {
        return strcmp(((const struct image_entry *) a)->name, ((const struct image_entry *) b)->name);
}

int verb_images(int argc, char **argv) {
        static const struct option opts[] = {
                { "json", no_argument, NULL, 'j' },
                { "no-legend", no_argument, NULL, 'L' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        bool json = false, legend = true, quiet = false;
        struct image_vec l = { 0 };
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "hq", opts, NULL)) >= 0)
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'L':
                        legend = false;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        printf("Usage: nixbox images [--json] [--no-legend] [-q]\n\n"
                               "Lists the images 'nixbox run NAME' finds, in %s and /var/lib/machines.\n"
                               "  -q, --quiet   names only\n",
                               MACHINES_DIR);
                        return 0;
                default:
                        return EXIT_NIXBOX_ERROR;
                }
        if (optind < argc) {
                log_error("images: unexpected argument '%s'", argv[optind]);
                return EXIT_NIXBOX_ERROR;
        }
        for (size_t i = 0; image_dir(i); i++) {
                r = collect_dir(image_dir(i), &l);
                if (r < 0) {
                        log_error("images: read %s: %s", image_dir(i), strerror(-r));
                        free(l.v);
                        return EXIT_NIXBOX_ERROR;
                }
        }
        if (l.v)
                qsort(l.v, l.n, sizeof(*l.v), cmp_image);

        if (json) {
                fputc('[', stdout);
                for (size_t i = 0; i < l.n; i++) {
                        fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
                        json_string(stdout, l.v[i].name);
                        fputs(",\"path\":", stdout);
                        json_string(stdout, l.v[i].path);
                        fputs(",\"os\":", stdout);
                        json_string(stdout, l.v[i].os);
                        printf(",\"modified\":%lld}", (long long) l.v[i].mtime);
                }
                fputs("]\n", stdout);
        } else if (quiet) {
                for (size_t i = 0; i < l.n; i++)
                        printf("%s\n", l.v[i].name);
        } else if (l.n == 0) {
                if (legend)
                        printf("No images.\n");
        } else {
                int w_name = 4, w_os = 2;
                for (size_t i = 0; i < l.n; i++) {
                        if ((int) strlen(l.v[i].name) > w_name)
                                w_name = (int) strlen(l.v[i].name);
                        if ((int) strlen(l.v[i].os) > w_os)
                                w_os = (int) strlen(l.v[i].os);
                }
                if (legend)
                        printf("%-*s  %-*s  %-16s  %s\n", w_name, "NAME", w_os, "OS", "MODIFIED", "PATH");
                for (size_t i = 0; i < l.n; i++) {
                        char when[32];
                        struct tm tm;
                        _cleanup_free_ char *os = cescape(l.v[i].os), *path = cescape(l.v[i].path);
                        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", localtime_r(&l.v[i].mtime, &tm));
                        printf("%-*s  %-*s  %-16s  %s\n", w_name, l.v[i].name, w_os, os ? os : "?", when, path ? path : "?");
                }
                if (legend)
                        printf("\n%zu image%s listed.\n", l.n, l.n == 1 ? "" : "s");
        }
        free(l.v);
        return 0;
}
