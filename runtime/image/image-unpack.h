/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unpacking a tar stream into a directory without ever leaving it: every
 * path is created relative to the directory with openat2(RESOLVE_BENEATH|
 * RESOLVE_NO_SYMLINKS), so no member (nor a symlink an earlier member made)
 * can make nixbox write outside the tree. Refused, naming the member:
 * absolute names, '..' components, sparse files, paths that go through a
 * symlink, hard links to anything outside the tree. Device nodes are skipped
 * (counted in the stats): a container gets its own /dev at run time. */
#pragma once

struct nb_error;
struct tar_reader;

struct unpack_stats {
        unsigned long long members;
        unsigned long long bytes;       /* of file data */
        unsigned long xattrs_failed;    /* extended attributes that could not be set */
        unsigned long devices_skipped;  /* character and block device members */
        char first_device[128];         /* the first of them, for the warning */
};

/* Unpacks every member into the directory root_fd (an O_RDONLY|O_DIRECTORY
 * fd; a "./" member sets its owner, mode and mtime). Needs root (owners,
 * setuid bits). On error the tree is left half-made: the caller removes it. */
int tar_unpack(struct tar_reader *r, int root_fd, struct unpack_stats *stats, struct nb_error *err);
