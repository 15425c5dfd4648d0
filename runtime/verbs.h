/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The nixbox commands besides `run`. Each takes the arguments after the
 * verb (argv[0] is the verb) and returns nixbox's exit status. */
#pragma once

#include <stdbool.h>

/* machinectl-like verbs on running containers (verbs-machine.c). */
int verb_list(int argc, char **argv);
int verb_status(int argc, char **argv);
int verb_stop(int argc, char **argv);        /* also poweroff, reboot, terminate, kill */
int verb_logs(int argc, char **argv);

/* What ended containers left (verbs-outcome.c, outcome.h). */
int verb_wait(int argc, char **argv);
int verb_remove_state(int argc, char **argv);

/* Files in and out of a running container (copy.c). */
int verb_copy_to(int argc, char **argv);
int verb_copy_from(int argc, char **argv);

/* Exit codes of wait (docs/harness.md). */
#define EXIT_WAIT_NO_MACHINE 123
#define EXIT_WAIT_TIMEOUT 124

/* status --json of a running machine (oc NULL) or of an ended one. */
struct machine_info;
struct machine_outcome;
void machine_print_status_json(const struct machine_info *m, const struct machine_outcome *oc);

/* SEC[.FRAC][ms|s|min|h] or "infinity" (-1): milliseconds, or -EINVAL. */
long long parse_timeout_ms(const char *s);

/* The signal a stop verb sends to a container's PID 1 ("stop", "poweroff",
 * "reboot", "terminate"; "kill" sends its --signal): systemd's numbers for a
 * booted init (sd-signals.h), the kill signal (0: none set) for a command. */
int machine_stop_signal(const char *verb, bool boot, int kill_signal);

/* Entering a running container (enter.c). */
int verb_exec(int argc, char **argv);
int verb_shell(int argc, char **argv);

/* Images in the machines directory /var/lib/nixbox (image.c). */
int verb_import_tar(int argc, char **argv);
int verb_remove(int argc, char **argv);
int verb_images(int argc, char **argv);     /* image-list.c */
int verb_export_tar(int argc, char **argv); /* image-export.c */

#include "host-config.h"

/* [paths] ImageDir= of nixbox.conf(5), /var/lib/nixbox by default. */
#define MACHINES_DIR (host_config()->image_dir)
