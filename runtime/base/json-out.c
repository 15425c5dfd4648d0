/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <string.h>

#include "escape.h"
#include "json-out.h"

void json_string(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        while (*p) {
                size_t n = utf8_char_len(p);

                if (n == 0) {
                        fputs("\\ufffd", f);
                        p++;
                        continue;
                }
                if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
                        /* C1 controls: valid JSON raw, but a terminal acts on them. */
                        fprintf(f, "\\u%04x", p[1]);
                        p += 2;
                        continue;
                }
                if (n > 1) {
                        fwrite(p, 1, n, f);
                        p += n;
                        continue;
                }
                switch (*p) {
                case '"': fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\t': fputs("\\t", f); break;
                case '\r': fputs("\\r", f); break;
                default:
                        if (*p < 0x20 || *p == 0x7f)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
                p++;
        }
        fputc('"', f);
}

void json_string_list(FILE *f, const char *words) {
        const char *p = words;
        bool first = true;

        fputc('[', f);
        while (p && *p) {
                size_t l;
                char w[512];

                p += strspn(p, " \t");
                l = strcspn(p, " \t");
                if (l == 0)
                        break;
                snprintf(w, sizeof(w), "%.*s", (int) l, p);
                fputs(first ? "" : ",", f);
                json_string(f, w);
                first = false;
                p += l;
        }
        fputc(']', f);
}
