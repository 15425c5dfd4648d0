/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --property=NAME=VALUE: systemd-nspawn sets a unit property on its scope.
 * nixbox has no unit: what a cgroup2 file of the container's cgroup (or its
 * device policy) expresses is applied there; every other property is
 * refused with the reason. */
#pragma once

#include <stdbool.h>

struct resources;
struct nb_error;

enum scope_property_kind {
        PROP_APPLIED,   /* written to a cgroup2 file or the device policy */
        PROP_NO_EFFECT, /* accepted, nothing to do (cgroup2 always accounts) */
        PROP_REFUSED,   /* refused: why says why */
};

struct scope_property {
        const char *name;
        enum scope_property_kind kind;
        const char *why; /* for PROP_APPLIED: the cgroup file; else the reason */
};

/* Every property the table knows (for the documentation test). */
extern const struct scope_property scope_properties[];
extern const unsigned n_scope_properties;

/* Parses one NAME=VALUE into res; an unknown or refused property is an
 * error naming it and saying why. An empty VALUE resets the property. */
int scope_property_parse(const char *spec, struct resources *res, struct nb_error *err);
