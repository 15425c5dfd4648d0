/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init-shim embedded in the nixbox binary (embedded-shim.S). */
#pragma once

struct nb_error;

/* A sealed memfd holding the init-shim, to be exec'd by fd. */
int shim_memfd(struct nb_error *err);
