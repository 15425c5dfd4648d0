/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A short systemd-cgls-like view of a container's cgroup subtree: every
 * cgroup with the pids in it and their command names (/proc/PID/comm). */
#pragma once

#include <stdio.h>

/* Text: "DIR" relative to the cgroup2 mount, then the tree, each line
 * prefixed by indent. At most max_lines lines (then "..."). */
void cgtree_print(FILE *f, const char *dir, const char *mount, const char *indent, int max_lines);

/* JSON: [{"cgroup":"/nixbox/NAME/payload","processes":[{"pid":N,"comm":"..."}]}, ...] */
void cgtree_print_json(FILE *f, const char *dir, const char *mount);
