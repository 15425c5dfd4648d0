/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A short-lived child that runs a function of ours without a copy of our
 * memory, as posix_spawn() starts its child. */
#pragma once

#include <sys/types.h>

/* Runs fn(arg) in a child made by clone(CLONE_VM|CLONE_VFORK|SIGCHLD) on a
 * stack of its own: it shares our memory, and we sleep until it has exited
 * (so no page tables are copied and neither process takes copy-on-write
 * faults afterwards). Returns its pid (reap it as usual), or -1 (errno).
 *
 * Everything fn writes outside its own stack (globals, the heap, what arg
 * points to, errno) is written into *our* memory: it must change nothing
 * we rely on (work on copies), end with _exit() (never exit(): atexit
 * handlers, stdio buffers), never call raise() or abort() (glibc signals
 * the thread id it has stored: ours), and use raw system calls for
 * set*id() (glibc broadcasts those to every thread). fn's return value is
 * the child's exit status. Its file descriptors, credentials, signal
 * handlers and mask, limits and namespaces are its own, as after fork().
 *
 * Under AddressSanitizer (SANITIZE=1) a plain fork(): its shadow memory,
 * stack bookkeeping and leak check assume one process per address space. */
pid_t spawn_shared(int (*fn)(void *), void *arg);
