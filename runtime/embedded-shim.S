/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The init-shim binary, embedded into nixbox at build time (SHIM_PATH). */
        .section .rodata
        .global nixbox_shim_start
        .global nixbox_shim_end
        .balign 16
nixbox_shim_start:
        .incbin SHIM_PATH
nixbox_shim_end:
        .section .note.GNU-stack,"",@progbits
