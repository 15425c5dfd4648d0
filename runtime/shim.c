/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init-shim travels inside the nixbox binary and is run from a sealed
 * memfd: the root file system need not contain it, and the container can
 * never overwrite it (CVE-2019-5736: /proc/1/exe is not writable). */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "shim.h"

extern const char nixbox_shim_start[], nixbox_shim_end[];

int shim_memfd(struct nb_error *err) {
        return sealed_memfd("nixbox-init", nixbox_shim_start, (size_t) (nixbox_shim_end - nixbox_shim_start), 0555,
                            "the init-shim", err);
}
