/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Credentials for the payload (nspawn's --set-credential=/--load-credential=,
 * SetCredential=/LoadCredential=): files in /run/host/credentials, a
 * read-only ramfs, with $CREDENTIALS_DIRECTORY pointing there for PID 1. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct container;
struct nb_error;
struct options;

#define CREDENTIALS_DIR "/run/host/credentials"
#define CREDENTIAL_SIZE_MAX (1024 * 1024) /* systemd's CREDENTIAL_SIZE_MAX */

/* A credential name as systemd takes it: a valid file name, printable
 * ASCII without ':' (credential_name_valid()). */
bool credential_name_valid(const char *s);

/* "ID:VALUE" (VALUE with C escapes: \n, \t, \xNN, \NNN, ...) or
 * "ID:PATH" (an absolute or ./relative host path of a regular file, read
 * now, at most CREDENTIAL_SIZE_MAX bytes; or the name of a credential
 * nixbox itself was given in $CREDENTIALS_DIRECTORY), appended to o;
 * `what` names the option or key in messages. A second credential of the
 * same ID is refused. */
int credential_add_set(struct options *o, const char *spec, const char *what, struct nb_error *err);
int credential_add_load(struct options *o, const char *spec, const char *what, struct nb_error *err);

/* Outer child, after /run/host was made read-only (its directory
 * /run/host/credentials exists): a ramfs there with one file per
 * credential (0400), the directory 0500, all owned by the container's root,
 * then remounted read-only. Nothing to do without credentials. */
int credentials_setup(struct container *c, int root_fd, struct nb_error *err);
