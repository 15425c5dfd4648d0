/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* errno names ("EPERM") for test output, the same with any libc:
 * strerrorname_np() is glibc's only (tests/unit and tests/helpers). */
#pragma once

#include <errno.h>

static inline const char *errno_name(int e) {
#define E_(x) case x: return #x;
        switch (e) {
        E_(EPERM) E_(ENOENT) E_(ESRCH) E_(EINTR) E_(EIO) E_(ENXIO) E_(E2BIG) E_(ENOEXEC)
        E_(EBADF) E_(ECHILD) E_(EAGAIN) E_(ENOMEM) E_(EACCES) E_(EFAULT) E_(ENOTBLK) E_(EBUSY)
        E_(EEXIST) E_(EXDEV) E_(ENODEV) E_(ENOTDIR) E_(EISDIR) E_(EINVAL) E_(ENFILE) E_(EMFILE)
        E_(ENOTTY) E_(ETXTBSY) E_(EFBIG) E_(ENOSPC) E_(ESPIPE) E_(EROFS) E_(EMLINK) E_(EPIPE)
        E_(EDOM) E_(ERANGE) E_(EDEADLK) E_(ENAMETOOLONG) E_(ENOLCK) E_(ENOSYS) E_(ENOTEMPTY)
        E_(ELOOP) E_(ENOMSG) E_(ENODATA) E_(EOVERFLOW) E_(EBADFD) E_(ENOTSOCK) E_(EDESTADDRREQ)
        E_(EMSGSIZE) E_(EPROTOTYPE) E_(ENOPROTOOPT) E_(EPROTONOSUPPORT) E_(EOPNOTSUPP)
        E_(EAFNOSUPPORT) E_(EADDRINUSE) E_(EADDRNOTAVAIL) E_(ENETDOWN) E_(ENETUNREACH)
        E_(ECONNABORTED) E_(ECONNRESET) E_(ENOBUFS) E_(EISCONN) E_(ENOTCONN) E_(ETIMEDOUT)
        E_(ECONNREFUSED) E_(EHOSTUNREACH) E_(EALREADY) E_(EINPROGRESS) E_(ESTALE) E_(EDQUOT)
        E_(ECANCELED) E_(EOWNERDEAD) E_(ENOTRECOVERABLE) E_(ERFKILL) E_(EHWPOISON) E_(ENOMEDIUM)
        E_(EMEDIUMTYPE) E_(ENOKEY) E_(EKEYEXPIRED) E_(EKEYREVOKED) E_(EKEYREJECTED) E_(EILSEQ)
        E_(EUCLEAN) E_(EREMOTEIO) E_(EBADMSG) E_(EPROTO) E_(ENOLINK) E_(ETIME) E_(ENOSR) E_(ENOSTR)
        default: return NULL;
        }
#undef E_
}
