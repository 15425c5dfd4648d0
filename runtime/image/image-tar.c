/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <stdio.h>

#include "error.h"
#include "fileio.h"
#include "image-tar.h"

#define BLOCK 512
#define BUF_SIZE (1024 * 1024)
#define MAX_LONG_NAME (64 * 1024)          /* GNU 'L'/'K' records */
#define MAX_PAX_HEADER (16 * 1024 * 1024)  /* xattrs may be large */

/* Offsets of the ustar header fields. */
enum {
        H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124, H_MTIME = 136,
        H_CHKSUM = 148, H_TYPE = 156, H_LINKNAME = 157, H_MAGIC = 257, H_PREFIX = 345,
};

struct pax {
        char *raw;               /* the header's records, edited in place */
        const char *path, *link;
        bool has_size, has_uid, has_gid, has_mtime, sparse;
        uint64_t size, uid, gid;
        struct timespec mtime;
        struct tar_xattr *xattrs;
        size_t n_xattrs;
};

struct tar_reader {
        int fd;
        uint8_t *buf;
        size_t start, end;
        bool eof;
        tar_progress_fn progress;
        void *userdata;
        uint64_t data_left, pad;   /* of the current member */
        char *long_name, *long_link;
        struct pax pax;
        char path[PATH_MAX], link[PATH_MAX];
        bool seen_header; /* a valid header was read: it is a tar archive */
};

struct tar_reader *tar_reader_new(int fd, tar_progress_fn progress, void *userdata) {
        struct tar_reader *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        r->buf = malloc(BUF_SIZE);
        if (!r->buf) {
                free(r);
                return NULL;
        }
        r->fd = fd;
        r->progress = progress;
        r->userdata = userdata;
        return r;
}

static void pax_clear(struct pax *p) {
        free(p->raw);
        free(p->xattrs);
        *p = (struct pax) {0};
}

/* Forgets what the headers of the previous member said. */
static void reset_pending(struct tar_reader *r) {
        free(r->long_name);
        free(r->long_link);
        r->long_name = r->long_link = NULL;
        pax_clear(&r->pax);
}

void tar_reader_free(struct tar_reader *r) {
        if (!r)
                return;
        reset_pending(r);
        free(r->buf);
        free(r);
}

/* Reads more input into the buffer; 0 at the end of the input. */
static int fill(struct tar_reader *r, struct nb_error *err) {
        ssize_t n;
        int k;

        if (r->start == r->end)
                r->start = r->end = 0;
        else if (r->end == BUF_SIZE) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->end -= r->start;
                r->start = 0;
        }
        for (;;) {
                n = read(r->fd, r->buf + r->end, BUF_SIZE - r->end);
                if (r->progress && (k = r->progress(r->userdata)) < 0)
                        return nb_error_set(err, k, "read the archive");
                if (n >= 0)
                        break;
                if (errno != EINTR)
                        return nb_error_set(err, errno, "read the archive");
        }
        if (n == 0)
                r->eof = true;
        r->end += (size_t) n;
        return n > 0;
}

/* Makes n bytes (at most BUF_SIZE) available at r->buf + r->start. */
static int need(struct tar_reader *r, size_t n, struct nb_error *err) {
        while (r->end - r->start < n) {
                if (BUF_SIZE - r->start < n) {
                        memmove(r->buf, r->buf + r->start, r->end - r->start);
                        r->end -= r->start;
                        r->start = 0;
                }
                int k = fill(r, err);
                if (k < 0)
                        return k;
                if (k == 0)
                        return nb_error_set(err, 0, "the archive is truncated");
        }
        return 0;
}

static int read_bytes(struct tar_reader *r, void *dst, size_t n, struct nb_error *err) {
        uint8_t *p = dst;

        while (n > 0) {
                int k = need(r, 1, err);
                if (k < 0)
                        return k;
                size_t m = r->end - r->start < n ? r->end - r->start : n;
                memcpy(p, r->buf + r->start, m);
                r->start += m;
                p += m;
                n -= m;
        }
        return 0;
}

static int skip_bytes(struct tar_reader *r, uint64_t n, struct nb_error *err) {
        while (n > 0) {
                int k = need(r, 1, err);
                if (k < 0)
                        return k;
                uint64_t m = r->end - r->start < n ? r->end - r->start : n;
                r->start += m;
                n -= m;
        }
        return 0;
}

static uint64_t padding(uint64_t size) {
        return (BLOCK - size % BLOCK) % BLOCK;
}

/* An octal field (leading spaces, ended by a space or NUL) or GNU's base-256
 * form (first byte's high bit set). Negative numbers are refused. */
static int parse_number(const uint8_t *f, size_t len, uint64_t *out) {
        uint64_t v = 0;
        size_t i = 0;

        if (f[0] & 0x80) {
                if (f[0] & 0x40)
                        return -EINVAL;       /* negative */
                v = f[0] & 0x3f;
                for (i = 1; i < len; i++) {
                        if (v >> 55)
                                return -ERANGE;
                        v = (v << 8) | f[i];
                }
                *out = v;
                return 0;
        }
        while (i < len && f[i] == ' ')
                i++;
        for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
                if (v >> 60)
                        return -ERANGE;
                v = v * 8 + (f[i] - '0');
        }
        if (i < len && f[i] != ' ' && f[i] != 0)
                return -EINVAL;
        *out = v;
        return 0;
}

static bool checksum_ok(const uint8_t *h) {
        uint64_t want;
        unsigned long sum = 0;
        long ssum = 0;

        if (parse_number(h + H_CHKSUM, 8, &want) < 0)
                return false;
        for (size_t i = 0; i < BLOCK; i++) {
                uint8_t c = (i >= H_CHKSUM && i < H_CHKSUM + 8) ? ' ' : h[i];
                sum += c;
                ssum += (signed char) c;    /* some old tars summed signed bytes */
        }
        return want == sum || (long) want == ssum;
}

static bool all_zero(const uint8_t *h) {
        for (size_t i = 0; i < BLOCK; i++)
                if (h[i])
                        return false;
        return true;
}

static int parse_decimal(const char *s, uint64_t *out) {
        char *end;

        if (!*s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        *out = strtoull(s, &end, 10);
        return errno || *end ? -EINVAL : 0;
}

/* "SECONDS[.FRACTION]", possibly negative. */
static int parse_pax_time(const char *s, struct timespec *ts) {
        long long sec;
        long nsec = 0, scale = 100000000;
        char *end;

        errno = 0;
        sec = strtoll(s, &end, 10);
        if (errno || end == s)
                return -EINVAL;
        if (*end == '.')
                for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
                        nsec += (*end - '0') * scale;
        if (*end)
                return -EINVAL;
        if (sec < 0 && nsec > 0) {      /* -1.25 is 1.25 s before the epoch */
                sec--;
                nsec = 1000000000 - nsec;
        }
        ts->tv_sec = (time_t) sec;
        ts->tv_nsec = nsec;
        return 0;
}

static int pax_add_xattr(struct pax *p, const char *name, const void *value, size_t size) {
        struct tar_xattr *x = realloc(p->xattrs, (p->n_xattrs + 1) * sizeof(*x));

        if (!x)
                return -ENOMEM;
        p->xattrs = x;
        x[p->n_xattrs++] = (struct tar_xattr) { .name = name, .value = value, .size = size };
        return 0;
}

/* Records "LENGTH KEY=VALUE\n"; the keys and values are NUL-terminated in
 * place (xattr values keep their length: they may hold any byte). */
static int parse_pax(struct pax *p, char *data, size_t len, struct nb_error *err) {
        size_t pos = 0;

        while (pos < len) {
                char *rec = data + pos, *sp, *key, *eq, *value, *rec_end;
                uint64_t rec_len = 0;
                int r = 0;

                if (data[pos] == 0)
                        break;                 /* padding */
                for (sp = rec; sp < data + len && *sp >= '0' && *sp <= '9' && rec_len <= len; sp++)
                        rec_len = rec_len * 10 + (uint64_t) (*sp - '0');
                if (sp == rec || sp >= data + len || *sp != ' ' || rec_len > len - pos ||
                    rec_len < (uint64_t) (sp - rec) + 3 || rec[rec_len - 1] != '\n')
                        return nb_error_set(err, 0, "malformed pax extended header");
                rec_end = rec + rec_len - 1;
                key = sp + 1;
                eq = memchr(key, '=', (size_t) (rec_end - key));
                if (!eq)
                        return nb_error_set(err, 0, "malformed pax extended header");
                *eq = 0;
                *rec_end = 0;
                value = eq + 1;
                if (streq(key, "path"))
                        p->path = value;
                else if (streq(key, "linkpath"))
                        p->link = value;
                else if (streq(key, "size")) {
                        r = parse_decimal(value, &p->size);
                        p->has_size = true;
                } else if (streq(key, "uid")) {
                        r = parse_decimal(value, &p->uid);
                        p->has_uid = true;
                } else if (streq(key, "gid")) {
                        r = parse_decimal(value, &p->gid);
                        p->has_gid = true;
                } else if (streq(key, "mtime")) {
                        r = parse_pax_time(value, &p->mtime);
                        p->has_mtime = true;
                } else if (startswith(key, "GNU.sparse."))
                        p->sparse = true;
                else if (startswith(key, "SCHILY.xattr.") && key[13]) {
                        if (pax_add_xattr(p, key + 13, value, (size_t) (rec_end - value)) < 0)
                                return nb_error_set(err, ENOMEM, "read a pax extended header");
                }
                /* Anything else (atime, uname, comments, ACLs...) is not used. */
                if (r < 0)
                        return nb_error_set(err, 0, "invalid '%s' in a pax extended header", key);
                pos += rec_len;
        }
        return 0;
}

/* Reads the data of a meta member (pax header, GNU long name) into a new
 * NUL-terminated buffer. */
static int read_meta(struct tar_reader *r, uint64_t size, uint64_t max, char **out, struct nb_error *err) {
        char *data;
        int k;

        if (size > max)
                return nb_error_set(err, 0, "oversized extended header (%llu bytes)", (unsigned long long) size);
        data = malloc(size + 1);
        if (!data)
                return nb_error_set(err, ENOMEM, "read an extended header");
        k = read_bytes(r, data, size, err);
        if (k == 0)
                k = skip_bytes(r, padding(size), err);
        if (k < 0) {
                free(data);
                return k;
        }
        data[size] = 0;
        *out = data;
        return 0;
}

static void field_string(char *dst, const uint8_t *f, size_t len) {
        size_t n = strnlen((const char *) f, len);
        memcpy(dst, f, n);
        dst[n] = 0;
}

static int set_string(char *dst, const char *src, const char *what, struct nb_error *err) {
        size_t n = strlen(src);

        if (n >= PATH_MAX)
                return nb_error_set(err, ENAMETOOLONG, "member %s '%.64s...'", what, src);
        memcpy(dst, src, n + 1);
        return 0;
}

static enum tar_type type_of(char t) {
        switch (t) {
        case '0': case '\0': case '7': return TAR_FILE;
        case '1': return TAR_HARDLINK;
        case '2': return TAR_SYMLINK;
        case '3': return TAR_CHARDEV;
        case '4': return TAR_BLOCKDEV;
        case '5': case 'D': return TAR_DIRECTORY;
        case '6': return TAR_FIFO;
        case 'S': return TAR_SPARSE;
        default: return TAR_OTHER;
        }
}

/* Fills e from the header block h and the pending extended headers. */
static int make_entry(struct tar_reader *r, const uint8_t *h, struct tar_entry *e, struct nb_error *err) {
        uint64_t mode, uid, gid, size, mtime;
        char name[256 + 2];
        int k;

        if (parse_number(h + H_MODE, 8, &mode) < 0 || parse_number(h + H_UID, 8, &uid) < 0 ||
            parse_number(h + H_GID, 8, &gid) < 0 || parse_number(h + H_SIZE, 12, &size) < 0 ||
            parse_number(h + H_MTIME, 12, &mtime) < 0)
                return nb_error_set(err, 0, "invalid number in a tar header");

        if (r->pax.path)
                k = set_string(r->path, r->pax.path, "name", err);
        else if (r->long_name)
                k = set_string(r->path, r->long_name, "name", err);
        else {
                /* POSIX ustar ("ustar\0") splits long names into prefix/name;
                 * GNU's "ustar  " uses the prefix bytes for other things. */
                name[0] = 0;
                if (memcmp(h + H_MAGIC, "ustar\0", 6) == 0 && h[H_PREFIX]) {
                        field_string(name, h + H_PREFIX, 155);
                        strcat(name, "/");
                }
                field_string(name + strlen(name), h + H_NAME, 100);
                k = set_string(r->path, name, "name", err);
        }
        if (k < 0)
                return k;
        if (r->pax.link)
                k = set_string(r->link, r->pax.link, "link target", err);
        else if (r->long_link)
                k = set_string(r->link, r->long_link, "link target", err);
        else {
                field_string(name, h + H_LINKNAME, 100);
                k = set_string(r->link, name, "link target", err);
        }
        if (k < 0)
                return k;

        *e = (struct tar_entry) {
                .path = r->path,
                .link = r->link,
                .typeflag = (char) h[H_TYPE],
                .type = type_of((char) h[H_TYPE]),
                .mode = (mode_t) (mode & 07777),
                .uid = (uid_t) (r->pax.has_uid ? r->pax.uid : uid),
                .gid = (gid_t) (r->pax.has_gid ? r->pax.gid : gid),
                .size = r->pax.has_size ? r->pax.size : size,
                .mtime = r->pax.has_mtime ? r->pax.mtime : (struct timespec) { .tv_sec = (time_t) mtime },
                .xattrs = r->pax.xattrs,
                .n_xattrs = r->pax.n_xattrs,
        };
        if ((r->pax.has_uid && r->pax.uid > UINT32_MAX - 1) || (r->pax.has_gid && r->pax.gid > UINT32_MAX - 1) ||
            uid > UINT32_MAX - 1 || gid > UINT32_MAX - 1)
                return nb_error_set(err, 0, "member '%s': owner out of range", r->path);
        if (r->pax.sparse)
                e->type = TAR_SPARSE;
        /* Which members carry data: regular files, GNU dump-dirs, and pax
         * hard links that say so; the size of the others is not data. */
        switch (e->type) {
        case TAR_FILE: case TAR_SPARSE: case TAR_OTHER:
                break;
        case TAR_HARDLINK:
                if (!r->pax.has_size)
                        e->size = 0;
                break;
        case TAR_DIRECTORY:
                if (e->typeflag != 'D')
                        e->size = 0;
                break;
        default:
                e->size = 0;
        }
        r->data_left = e->size;
        r->pad = padding(e->size);
        /* Old tars marked directories by a trailing slash only (any data
         * such a member has is skipped). */
        if (e->type == TAR_FILE && e->path[0] && e->path[strlen(e->path) - 1] == '/')
                e->type = TAR_DIRECTORY;
        return 0;
}

int tar_next(struct tar_reader *r, struct tar_entry *e, struct nb_error *err) {
        uint8_t *h;
        uint64_t size;
        int k;

        k = skip_bytes(r, r->data_left + r->pad, err);
        if (k < 0)
                return k;
        r->data_left = r->pad = 0;
        reset_pending(r);
        for (;;) {
                if (r->start == r->end && r->eof)
                        return nb_error_set(err, 0,
                                            r->seen_header ? "the archive is truncated (no end-of-archive marker)"
                                                           : "the archive is empty");
                k = need(r, BLOCK, err);
                if (k < 0)
                        return r->seen_header || (err && err->errnum)
                                ? k
                                : nb_error_set(err, 0,
                                               r->end == r->start ? "the archive is empty"
                                                                  : "not a tar archive (shorter than one tar header)");
                h = r->buf + r->start;
                if (!r->seen_header && !all_zero(h) && !checksum_ok(h))
                        return nb_error_set(err, 0, "not a tar archive (its first 512 bytes are not a tar header)");
                r->seen_header = true;
                if (all_zero(h)) {
                        /* End of archive (two zero blocks; one is enough for us). */
                        r->start += BLOCK;
                        return 0;
                }
                if (!checksum_ok(h))
                        return nb_error_set(err, 0, "not a tar archive, or a corrupt one (bad header checksum)");
                if (parse_number(h + H_SIZE, 12, &size) < 0)
                        return nb_error_set(err, 0, "invalid size in a tar header");
                switch (h[H_TYPE]) {
                case 'x':
                        pax_clear(&r->pax);
                        r->start += BLOCK;
                        k = read_meta(r, size, MAX_PAX_HEADER, &r->pax.raw, err);
                        if (k == 0)
                                k = parse_pax(&r->pax, r->pax.raw, size, err);
                        break;
                case 'L':
                        free(r->long_name);
                        r->long_name = NULL;
                        r->start += BLOCK;
                        k = read_meta(r, size, MAX_LONG_NAME, &r->long_name, err);
                        break;
                case 'K':
                        free(r->long_link);
                        r->long_link = NULL;
                        r->start += BLOCK;
                        k = read_meta(r, size, MAX_LONG_NAME, &r->long_link, err);
                        break;
                case 'g':    /* global pax header: its keys are not used */
                case 'V':    /* GNU volume label */
                        r->start += BLOCK;
                        k = skip_bytes(r, size + padding(size), err);
                        break;
                default:
                        k = make_entry(r, h, e, err);
                        r->start += BLOCK;
                        return k < 0 ? k : 1;
                }
                if (k < 0)
                        return k;
        }
}

int tar_copy_data(struct tar_reader *r, int out_fd, struct nb_error *err) {
        int k;

        while (r->data_left > 0) {
                k = need(r, 1, err);
                if (k < 0)
                        return k;
                size_t n = r->end - r->start;
                if (n > r->data_left)
                        n = (size_t) r->data_left;
                k = write_all(out_fd, r->buf + r->start, n);
                if (k < 0)
                        return nb_error_set(err, k, "write");
                r->start += n;
                r->data_left -= n;
        }
        k = skip_bytes(r, r->pad, err);
        r->pad = 0;
        return k;
}

int tar_drain(struct tar_reader *r, struct nb_error *err) {
        int k;

        do {
                r->start = r->end = 0;
                k = fill(r, err);
        } while (k > 0);
        return k;
}
