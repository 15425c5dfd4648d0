/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spawn.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPAWN_FORK 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SPAWN_FORK 1
#endif

/* The child's stack: reserved, not committed (only the pages it touches
 * are ever allocated), as large as a main thread's usual limit. A process
 * the child clones without CLONE_VM (PID 1) runs on its copy of it until
 * it execs. */
#define SPAWN_STACK_SIZE (8UL << 20)

pid_t spawn_shared(int (*fn)(void *), void *arg) {
#ifdef SPAWN_FORK
        pid_t pid = fork();

        if (pid == 0)
                _exit(fn(arg));
        return pid;
#else
        size_t page = (size_t) sysconf(_SC_PAGESIZE);
        char *stack;
        pid_t pid;
        int saved;

        stack = mmap(NULL, SPAWN_STACK_SIZE + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (stack == MAP_FAILED)
                return -1;
        /* A guard page below it: an overflow faults instead of writing
         * into whatever is mapped there. */
        if (mprotect(stack, page, PROT_NONE) < 0) {
                saved = errno;
                munmap(stack, SPAWN_STACK_SIZE + page);
                errno = saved;
                return -1;
        }
        /* Returns once the child has exited: its stack is free again. */
        pid = clone(fn, stack + page + SPAWN_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
        saved = errno;
        munmap(stack, SPAWN_STACK_SIZE + page);
        errno = saved;
        return pid;
#endif
}
