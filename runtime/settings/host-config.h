/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host-wide defaults: /etc/nixbox/nixbox.conf (or $NIXBOX_CONFIG), a plain
 * INI file read with inih. Where images, state and UID-range locks live, the
 * UID window `--private-users=pick` picks from, the console-log cap and the
 * default network zone. A missing file means the compiled defaults; a file
 * that is there but wrong is an error naming FILE:LINE. Loaded once in
 * main(); everything else reads host_config(). See nixbox.conf(5). */
#pragma once

#include <stdint.h>
#include <sys/types.h>

struct nb_error;

#define HOST_CONFIG_PATH     "/etc/nixbox/nixbox.conf"
#define HOST_CONFIG_ENV      "NIXBOX_CONFIG"
/* Paths are used in fixed buffers together with machine names: keep them short. */
#define HOST_CONFIG_PATH_MAX 128

struct host_config {
        char image_dir[HOST_CONFIG_PATH_MAX];      /* [paths] ImageDir=   /var/lib/nixbox */
        char state_dir[HOST_CONFIG_PATH_MAX];      /* [paths] StateDir=   /run/nixbox */
        char uid_lock_dir[HOST_CONFIG_PATH_MAX];   /* [paths] UidLockDir= /run/nixbox-uid */
        uid_t pick_min, pick_max;                  /* [userns] PickRangeMin=, PickRangeMax= */
        uint64_t console_log_size;                 /* [console] LogSize= (8M) */
        char default_zone[16];                     /* [network] DefaultZone= ("": none) */
        char path[4096];                           /* the file read, "" when none */
};

/* The loaded configuration (the compiled defaults until host_config_load()). */
const struct host_config *host_config(void);

void host_config_defaults(struct host_config *c);

/* Parses path into c (which the caller filled with defaults): 0, 0 with
 * c->path empty when the file does not exist, or an error "PATH:LINE: ...". */
int host_config_parse(const char *path, struct host_config *c, struct nb_error *err);

/* Loads $NIXBOX_CONFIG, else HOST_CONFIG_PATH, into the global one. */
int host_config_load(struct nb_error *err);

