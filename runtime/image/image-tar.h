/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A reader of tar streams: POSIX ustar, pax extended headers (long names
 * and link targets, large sizes and ids, sub-second mtimes, SCHILY.xattr.*)
 * and GNU tar's extensions (long names in 'L'/'K' records, base-256
 * numbers). It only parses: what to do with each member is the caller's
 * business (image-unpack.c). */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct nb_error;

enum tar_type {
        TAR_FILE,
        TAR_HARDLINK,
        TAR_SYMLINK,
        TAR_DIRECTORY,
        TAR_CHARDEV,
        TAR_BLOCKDEV,
        TAR_FIFO,
        TAR_SPARSE,       /* GNU sparse files: not supported */
        TAR_OTHER,        /* anything else: see typeflag */
};

struct tar_xattr {
        const char *name;
        const void *value;
        size_t size;
};

/* One member. The strings and arrays belong to the reader and are valid
 * until the next tar_next(). */
struct tar_entry {
        const char *path;      /* as in the archive */
        const char *link;      /* hard link or symlink target, "" otherwise */
        enum tar_type type;
        char typeflag;
        mode_t mode;           /* permission bits, 07777 */
        uid_t uid;
        gid_t gid;
        uint64_t size;         /* bytes of data that follow */
        struct timespec mtime;
        const struct tar_xattr *xattrs;
        size_t n_xattrs;
};

struct tar_reader;

/* Called after every read of the input; a negative return aborts the
 * reading with that error (used to cancel on a signal). */
typedef int (*tar_progress_fn)(void *userdata);

struct tar_reader *tar_reader_new(int fd, tar_progress_fn progress, void *userdata);
void tar_reader_free(struct tar_reader *r);

/* Reads the next member's headers into *e: 1 when there is one, 0 at the
 * end of the archive, or a negative errno (*err says why). The data of the
 * previous member, when it was not read, is skipped. */
int tar_next(struct tar_reader *r, struct tar_entry *e, struct nb_error *err);

/* Writes the current member's data to out_fd. */
int tar_copy_data(struct tar_reader *r, int out_fd, struct nb_error *err);

/* Reads the input to its end (after the end-of-archive blocks), so that a
 * decompressor feeding it can finish and report errors. */
int tar_drain(struct tar_reader *r, struct nb_error *err);
