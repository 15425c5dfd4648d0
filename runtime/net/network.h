/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's network as seen from the host: veth pairs, bridges and
 * zones, moved-in interfaces, addresses and routes, port forwards and
 * masquerading, done with netsetup/ (rtnetlink) by the parent process. */
#pragma once

struct container;
struct options;
struct nb_error;

/* Checks the combination of network options (after settings are merged). */
int network_validate(const struct options *o, struct nb_error *err);

/* Removes what a killed nixbox of this machine left (a stale ve-NAME, ...). */
void network_sweep_stale(struct container *c);

/* Runs in the parent once the container's network namespace exists
 * (c->init_pid is PID 1) and before PID 1 goes on to exec. */
int network_setup(struct container *c, struct nb_error *err);

/* Removes everything network_setup made; safe to call after a partial setup. */
void network_cleanup(struct container *c);
