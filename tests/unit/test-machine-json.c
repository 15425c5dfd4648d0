/* JSON string output of the machine verbs (runtime/base/json-out.c). */
#include <stdio.h>
#include <stdlib.h>

#include "json-out.h"
#include "unit.h"

static char *render(void (*fn)(FILE *, const char *), const char *s) {
        static char buf[1024];
        FILE *f = fmemopen(buf, sizeof(buf), "w");

        fn(f, s);
        fclose(f);
        return buf;
}

int main(void) {
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
