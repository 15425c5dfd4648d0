/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* JSON string output of the machine verbs (runtime/base/json-out.c) and the
 * escaping of container-controlled text on a terminal (runtime/base/escape.c). */
#include <stdio.h>
#include <stdlib.h>

#include "escape.h"
#include "json-out.h"
#include "unit.h"

static char *render(void (*fn)(FILE *, const char *), const char *s) {
        static char buf[1024];
        FILE *f = fmemopen(buf, sizeof(buf), "w");

        fn(f, s);
        fclose(f);
        return buf;
}

static char *esc(const char *s) {
        static char buf[1024];
        char *e = cescape(s);

        snprintf(buf, sizeof(buf), "%s", e ? e : "(oom)");
        free(e);
        return buf;
}

/* write_escaped_controls over s in blocks of `block` bytes, as logs reads. */
static char *esc_log(const char *s, size_t block) {
        static char buf[1024];
        char in[256];
        size_t len = strlen(s), kept = 0, pos = 0;
        FILE *f = fmemopen(buf, sizeof(buf), "w");

        while (pos < len || kept) {
                size_t n = len - pos < block ? len - pos : block;
                memcpy(in + kept, s + pos, n);
                pos += n;
                size_t done = write_escaped_controls(f, in, kept + n, pos < len);
                kept = kept + n - done;
                memmove(in, in + done, kept);
                if (pos >= len && kept == 0)
                        break;
        }
        fclose(f);
        return buf;
}

int main(void) {
        CHECK_STREQ("cescape plain", esc("web-1 ready"), "web-1 ready");
        CHECK_STREQ("cescape ESC sequence", esc("\x1b]0;pwned\x07\x1b[2J"), "\\x1b]0;pwned\\a\\x1b[2J");
        CHECK_STREQ("cescape named", esc("a\nb\tc\rd\\e"), "a\\nb\\tc\\rd\\\\e");
        CHECK_STREQ("cescape DEL and C1 CSI", esc("x\x7f\xc2\x9b" "2J"), "x\\x7f\\xc2\\x9b2J");
        CHECK_STREQ("cescape utf-8 kept", esc("Gr\xc3\xbc\xc3\x9f \xe2\x82\xac"), "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac");
        CHECK_STREQ("cescape invalid byte", esc("a\xff" "b\xc3"), "a\\xffb\\xc3");
        CHECK_STREQ("log keeps lines", esc_log("one\r\ntwo\tx\n", 64), "one\r\ntwo\tx\n");
        CHECK_STREQ("log escapes ESC", esc_log("\x1b[31mred\x1b[0m\n", 64), "\\x1b[31mred\\x1b[0m\n");
        CHECK_STREQ("log utf-8 cut between blocks", esc_log("\xe2\x82\xac\xe2\x82\xac", 2), "\xe2\x82\xac\xe2\x82\xac");
        CHECK_STREQ("log truncated utf-8 at the end", esc_log("ok\xe2\x82", 64), "ok\\xe2\\x82");
        CHECK_STREQ("json C1 control escaped", render(json_string, "a\xc2\x9b" "b"), "\"a\\u009bb\"");
        CHECK_STREQ("plain", render(json_string, "web-1"), "\"web-1\"");
        CHECK_STREQ("null", render(json_string, NULL), "null");
        CHECK_STREQ("quote and backslash", render(json_string, "a\"b\\c"), "\"a\\\"b\\\\c\"");
        CHECK_STREQ("control characters", render(json_string, "a\nb\tc\x01\x7f"), "\"a\\nb\\tc\\u0001\\u007f\"");
        CHECK_STREQ("utf-8 kept", render(json_string, "Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80"),
                    "\"Gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80\"");
        CHECK_STREQ("invalid utf-8 replaced", render(json_string, "a\xff" "b\xc3"), "\"a\\ufffdb\\ufffd\"");
        CHECK_STREQ("overlong replaced", render(json_string, "\xc0\xaf"), "\"\\ufffd\\ufffd\"");
        CHECK_STREQ("surrogate replaced", render(json_string, "\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
        CHECK_STREQ("list", render(json_string_list, " 10.0.0.2/24  fd00::2/64 "), "[\"10.0.0.2/24\",\"fd00::2/64\"]");
        CHECK_STREQ("empty list", render(json_string_list, ""), "[]");
        UNIT_END();
}
