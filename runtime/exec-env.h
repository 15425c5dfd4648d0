/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The environment every payload process starts from (PID 1 in exec.c, the
 * processes of `nixbox exec`/`shell` in machine/enter*.c). */
#pragma once

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
