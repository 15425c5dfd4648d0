/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's file systems, step by step (mounts.c says what each step
 * mounts and why in that namespace). */
#pragma once

#include <sys/types.h>

struct container;
struct nb_error;

/* Outer child: the container's mount tree (root, /dev, /run, /tmp, custom
 * mounts, then the idmap or shift and read-only). */
int mounts_outer(struct container *c, int userns_fd, struct nb_error *err);
/* Inner child (PID 1): /proc, /sys, cgroup2, devpts, mqueue; *ret_root_fd
 * for mounts_pivot(). */
int mounts_inner(struct container *c, int *ret_root_fd, struct nb_error *err);
/* Outer child, with a user namespace: /proc and its masks onto the tree at
 * top_fd, from a helper in PID 1's pid namespace (so that they are locked
 * in PID 1's mount namespace). */
int mounts_proc_outer(struct container *c, int top_fd, pid_t init_pid, struct nb_error *err);
/* Inner child: pivot_root into the root and drop the old one. */
int mounts_pivot(struct container *c, int root_fd, struct nb_error *err);
