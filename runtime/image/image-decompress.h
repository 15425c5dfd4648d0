/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Decompressing an image tarball by running the usual Debian programs (xz,
 * gzip, zstd, bzip2) as filter processes: no compression library is linked
 * into nixbox, and the (untrusted) compressed data is parsed by a process
 * running as nobody. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct nb_error;

struct decompressor {
        pid_t pid;          /* 0 when none runs */
        int fd;             /* read end of its stdout, -1 when none */
        const char *program;
};

/* Which program decompresses the file: looks at its first bytes (pread: the
 * offset is left alone). NULL for an uncompressed file. */
const char *decompressor_detect(int file_fd);
/* The same, on the first bytes of a stream already read. */
const char *decompressor_detect_buf(const void *head, size_t n);

/* Starts `PROGRAM -dc` reading file_fd as its stdin. The child shares the
 * file offset, so lseek(file_fd, 0, SEEK_CUR) tells how far it has read. */
int decompressor_start(struct decompressor *d, const char *program, int file_fd, struct nb_error *err);

/* Closes the pipe and reaps the child (killing it first when kill_it is
 * set); returns 0 when the program exited with status 0, -EPIPE (err not
 * set) when it died of SIGPIPE because nixbox stopped reading. */
int decompressor_finish(struct decompressor *d, bool kill_it, struct nb_error *err);
