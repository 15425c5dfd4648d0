/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init-shim travels inside the nixbox binary and is run from a sealed
 * memfd: the root file system need not contain it, and the container can
 * never overwrite it (CVE-2019-5736: /proc/1/exe is not writable). */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "error.h"
#include "shim.h"

extern const char nixbox_shim_start[], nixbox_shim_end[];

int shim_memfd(struct nb_error *err) {
        _cleanup_close_ int fd = memfd_create("nixbox-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        const char *p = nixbox_shim_start;
        size_t left = (size_t) (nixbox_shim_end - nixbox_shim_start);

        if (fd < 0)
                return nb_error_set(err, errno, "create memfd for the init-shim");
        while (left > 0) {
                ssize_t n = write(fd, p, left);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nb_error_set(err, errno, "write the init-shim to a memfd");
                }
                p += n;
                left -= (size_t) n;
        }
        if (fchmod(fd, 0555) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return nb_error_set(err, errno, "seal the init-shim memfd");
        return TAKE_FD(fd);
}
