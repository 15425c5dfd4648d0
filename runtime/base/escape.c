/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "escape.h"

size_t utf8_char_len(const unsigned char *s) {
        size_t n;
        unsigned min;
        unsigned cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xe0) == 0xc0)
                n = 2, min = 0x80, cp = s[0] & 0x1f;
        else if ((s[0] & 0xf0) == 0xe0)
                n = 3, min = 0x800, cp = s[0] & 0x0f;
        else if ((s[0] & 0xf8) == 0xf0)
                n = 4, min = 0x10000, cp = s[0] & 0x07;
        else
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* Like utf8_char_len(), but bounded by end (s < end). */
static size_t utf8_char_len_n(const unsigned char *s, const unsigned char *end) {
        unsigned char buf[5] = {0};
        size_t avail = (size_t) (end - s);

        memcpy(buf, s, avail < 4 ? avail : 4);
        return utf8_char_len(buf);
}

/* Escapes one character at s (at most end); writes it to out (room for 16
 * bytes) and returns the number of input bytes used. */
static size_t escape_one(const unsigned char *s, const unsigned char *end, bool keep_layout, char *out) {
        static const char names[] = "\a\b\f\n\r\t\v\\";
        static const char letters[] = "abfnrtv\\";
        size_t n = utf8_char_len_n(s, end);
        const char *k;

        if (n == 0) {
                sprintf(out, "\\x%02x", s[0]);
                return 1;
        }
        if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {          /* C1 control */
                sprintf(out, "\\x%02x\\x%02x", s[0], s[1]);
                return 2;
        }
        if (n > 1) {
                memcpy(out, s, n);
                out[n] = 0;
                return n;
        }
        if (keep_layout && (s[0] == '\n' || s[0] == '\r' || s[0] == '\t')) {
                out[0] = (char) s[0], out[1] = 0;
                return 1;
        }
        if (s[0] && (k = strchr(names, s[0])) && !keep_layout) {
                sprintf(out, "\\%c", letters[k - names]);
                return 1;
        }
        if (s[0] < 0x20 || s[0] == 0x7f)
                sprintf(out, "\\x%02x", s[0]);
        else
                out[0] = (char) s[0], out[1] = 0;
        return 1;
}

char *cescape(const char *s) {
        const unsigned char *p = (const unsigned char *) s, *end = p + strlen(s);
        char *r = malloc(strlen(s) * 4 + 1), *o = r;   /* \xNN is the longest per byte */

        if (!r)
                return NULL;
        while (p < end) {
                char one[16];
                p += escape_one(p, end, false, one);
                o = stpcpy(o, one);
        }
        *o = 0;
        return r;
}

size_t write_escaped_controls(FILE *f, const char *s, size_t n, bool more) {
        const unsigned char *p = (const unsigned char *) s, *end = p + n;

        /* A character cut by the end of the buffer is left for the next
         * call: UTF-8 text read in blocks must not come out escaped. */
        if (more)
                for (size_t back = 1; back <= 3 && back <= n; back++) {
                        unsigned char c = end[-back];
                        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
                        if ((c & 0xc0) != 0x80) {
                                if (need > back && c < 0xf8)
                                        end -= back;
                                break;
                        }
                }
        while (p < end) {
                char one[16];
                /* A NUL byte is written as \x00 (escape_one stops at it). */
                if (*p == 0) {
                        fputs("\\x00", f);
                        p++;
                        continue;
                }
                p += escape_one(p, end, true, one);
                fputs(one, f);
        }
        return (size_t) (end - (const unsigned char *) s);
}
