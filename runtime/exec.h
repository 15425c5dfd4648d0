/* The last steps in the container's PID 1: environment, session,
 * capabilities, system-call filter, user, descriptors, exec. */
#pragma once

#include <stdint.h>

struct container;
struct nb_error;
struct options;
struct uid_range;

/* The container's capability bounding set (nspawn's default, adjusted). */
uint64_t container_bounding_caps(const struct options *o, const struct uid_range *u);

/* Only returns on failure (err filled, err->exit_code set to 126/127 when
 * the payload could not be executed). */
int exec_payload(struct container *c, struct nb_error *err);
