/* The last steps in the container's PID 1: environment, session,
 * capabilities, system-call filter, user, descriptors, exec. */
#pragma once

struct container;
struct nb_error;

/* Only returns on failure (err filled, err->exit_code set to 126/127 when
 * the payload could not be executed). */
int exec_payload(struct container *c, struct nb_error *err);

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
