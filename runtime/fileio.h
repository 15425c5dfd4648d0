/* Whole-string reads and writes of small kernel files (cgroupfs, procfs). */
#pragma once

#include <sys/types.h>

/* Writes s to an existing file (no O_CREAT) in one write(2): 0 or -errno. */
int write_string_file(const char *path, const char *s);

/* Reads up to size-1 bytes into buf, NUL-terminated: length or -errno. */
ssize_t read_string_file(const char *path, char *buf, size_t size);

/* The same for the file NAME in the directory dir_fd (never following a
 * symlink there). */
int write_string_file_at(int dir_fd, const char *name, const char *s);
ssize_t read_string_file_at(int dir_fd, const char *name, char *buf, size_t size);
