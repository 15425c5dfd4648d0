/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value parsers: ports, addresses, interface names and pairs, host names. The
 * grammar of each follows systemd-nspawn's (see parse-network.h). */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>

#include "error.h"
#include "parse-util.h"

/* ---- ports ---- */

static int parse_ip_port(const char *s, uint16_t *ret) {
        uint64_t u;

        if (parse_u64(s, &u) < 0 || u == 0 || u > 65535)
                return -EINVAL;
        *ret = (uint16_t) u;
        return 0;
}

int parse_port_forward(const char *s, struct port_forward *out, struct nb_error *err) {
        struct port_forward p = { .protocol = IPPROTO_TCP };
        const char *e = s, *colon;

        assert(s);

        if (startswith(s, "tcp:"))
                e = s + 4;
        else if (startswith(s, "udp:")) {
                e = s + 4;
                p.protocol = IPPROTO_UDP;
        }

        colon = strchr(e, ':');
        if (colon) {
                _cleanup_free_ char *host = strndup(e, (size_t) (colon - e));
                if (!host)
                        return nb_error_set(err, ENOMEM, "parse port \"%s\"", s);
                if (parse_ip_port(host, &p.host_port) < 0 || parse_ip_port(colon + 1, &p.container_port) < 0)
                        goto invalid;
        } else {
                if (parse_ip_port(e, &p.host_port) < 0)
                        goto invalid;
                p.container_port = p.host_port;
        }
        *out = p;
        return 0;

invalid:
        return nb_error_set(err, 0,
                            "invalid port forwarding \"%s\": expected [tcp:|udp:]HOSTPORT[:CONTAINERPORT] with ports 1-65535", s);
}

int port_forward_find(const struct port_forward *list, size_t n, const struct port_forward *p) {
        for (size_t i = 0; i < n; i++)
                if (list[i].protocol == p->protocol && list[i].host_port == p->host_port)
                        return (int) i;
        return -1;
}

const char *port_forward_to_string(const struct port_forward *p, char *buf, size_t size) {
        snprintf(buf, size, "%s:%u:%u", p->protocol == IPPROTO_UDP ? "udp" : "tcp", p->host_port, p->container_port);
        return buf;
}

/* ---- addresses, users, names, IDs ---- */

int parse_address(const char *s, struct address *out) {
        struct address a = {};
        _cleanup_free_ char *host = NULL;
        const char *slash;

        if (isempty(s))
                return -EINVAL;
        slash = strchr(s, '/');
        host = slash ? strndup(s, (size_t) (slash - s)) : strdup(s);
        if (!host)
                return -ENOMEM;
        if (inet_pton(AF_INET, host, a.addr) == 1) {
                a.family = AF_INET;
                a.prefixlen = 32;
        } else if (inet_pton(AF_INET6, host, a.addr) == 1) {
                a.family = AF_INET6;
                a.prefixlen = 128;
        } else
                return -EINVAL;
        if (slash) {
                uint64_t p;
                if (parse_u64(slash + 1, &p) < 0 || p > a.prefixlen)
                        return -EINVAL;
                a.prefixlen = (unsigned) p;
        }
        *out = a;
        return 0;
}

const char *address_to_string(const struct address *a, char *buf, size_t size) {
        char tmp[INET6_ADDRSTRLEN];

        if (!inet_ntop(a->family, a->addr, tmp, sizeof(tmp)))
                snprintf(tmp, sizeof(tmp), "?");
        snprintf(buf, size, "%s/%u", tmp, a->prefixlen);
        return buf;
}

bool ifname_valid(const char *s) {
        size_t n = 0;
        bool digits = true;

        if (isempty(s) || streq(s, ".") || streq(s, ".."))
                return false;
        for (const char *p = s; *p; p++, n++) {
                unsigned char c = (unsigned char) *p;
                if (c <= 32 || c >= 127 || c == ':' || c == '/' || c == '%')
                        return false;
                if (!isdigit(c))
                        digits = false;
        }
        return n <= 15 && !digits;
}

bool zone_name_valid(const char *s) {
        char buf[32];

        if (isempty(s) || strlen(s) > 16)
                return false;
        snprintf(buf, sizeof(buf), "vz-%s", s);
        return ifname_valid(buf);
}

int parse_iface_pair(const char *s, const char *prefix, struct iface_pair *out, struct nb_error *err) {
        _cleanup_free_ char *host = NULL;
        const char *p = s;
        struct iface_pair pair = {};
        int r;

        r = extract_word(&p, &host, ":", WORD_DONT_COALESCE);
        if (r == -ENOMEM)
                return nb_error_set(err, ENOMEM, "parse interface");
        if (r <= 0 || !ifname_valid(host))
                return nb_error_set(err, 0, "invalid interface name in \"%s\": expected HOST[:CONTAINER] interface names", s);
        if (!isempty(p)) {
                if (!ifname_valid(p))
                        return nb_error_set(err, 0,
                                            "invalid interface name \"%s\" in \"%s\": expected HOST[:CONTAINER] interface names",
                                            p, s);
                pair.container = strdup(p);
        } else if (prefix) {
                if (asprintf(&pair.container, "%s%s", prefix, host) < 0)
                        pair.container = NULL;
        } else
                pair.container = strdup(host);
        if (!pair.container)
                return nb_error_set(err, ENOMEM, "parse interface");
        pair.host = TAKE_PTR(host);
        *out = pair;
        return 0;
}

int parse_iface_pair_list(const char *s, const char *prefix, struct iface_pair **list, size_t *n, struct nb_error *err) {
        const char *p = s;

        for (;;) {
                _cleanup_free_ char *w = NULL;
                struct iface_pair pair, *t;
                int r = extract_word(&p, &w, NULL, 0);

                if (r == -ENOMEM)
                        return nb_error_set(err, ENOMEM, "parse interfaces");
                if (r < 0)
                        return nb_error_set(err, 0, "invalid interface list \"%s\"", s);
                if (r == 0)
                        return 0;
                r = parse_iface_pair(w, prefix, &pair, err);
                if (r < 0)
                        return r;
                t = realloc(*list, (*n + 1) * sizeof(**list));
                if (!t) {
                        iface_pair_free(&pair);
                        return nb_error_set(err, ENOMEM, "parse interfaces");
                }
                t[(*n)++] = pair;
                *list = t;
        }
}

void iface_pair_free(struct iface_pair *p) {
        if (!p)
                return;
        free(p->host);
        free(p->container);
        p->host = p->container = NULL;
}

void iface_pair_list_free(struct iface_pair **list, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                iface_pair_free(&(*list)[i]);
        free(*list);
        *list = NULL;
        *n = 0;
}

bool hostname_valid(const char *s) {
        bool dot = true; /* at the start, like after a dot: no dot may follow */
        size_t n = 0;

        if (isempty(s))
                return false;
        for (const char *p = s; *p; p++, n++) {
                if (*p == '.') {
                        if (dot)
                                return false;
                        dot = true;
                } else {
                        if (!(isascii(*p) && (isalnum(*p) || *p == '-' || *p == '_')))
                                return false;
                        dot = false;
                }
        }
        return !dot && n <= 64;
}
