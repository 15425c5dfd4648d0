/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "machine-id.h"

int machine_id_parse(const char *s, char ret[static 33]) {
        char id[33];
        size_t len = strlen(s);
        bool zero = true;

        if (len == 33 && s[32] == '\n')
                len = 32;
        if (len != 32)
                return -EINVAL;
        for (size_t i = 0; i < 32; i++) {
                if (!isxdigit((unsigned char) s[i]))
                        return -EINVAL;
                id[i] = (char) tolower((unsigned char) s[i]);
                if (s[i] != '0')
                        zero = false;
        }
        id[32] = 0;
        if (zero)
                return -ENOMEDIUM;
        memcpy(ret, id, sizeof(id));
        return 0;
}

int machine_id_parse_uuid(const char *s, char ret[static 33]) {
        char compact[33];
        size_t k = 0, len = strlen(s);

        if (len != 36)
                return strchr(s, '\n') ? -EINVAL : machine_id_parse(s, ret);
        for (size_t i = 0; i < len; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;
                if (dash != (s[i] == '-'))
                        return -EINVAL;
                if (!dash)
                        compact[k++] = s[i];
        }
        compact[k] = 0;
        return machine_id_parse(compact, ret);
}

static int unhex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10;
}

void machine_id_to_bytes(const char hex[static 33], uint8_t ret[static 16]) {
        for (size_t i = 0; i < 16; i++)
                ret[i] = (uint8_t) (unhex(hex[2 * i]) << 4 | unhex(hex[2 * i + 1]));
}
