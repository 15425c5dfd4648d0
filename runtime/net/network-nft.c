/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nf_tables over libmnl: the few objects --masquerade needs (see
 * network-nft.h). nixbox avoids libnftnl: the messages are short and fixed,
 * and `nft --debug=netlink` shows the same expressions for the equivalent
 * nft commands. */
#include <arpa/inet.h>
#include <assert.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include "macro.h"
#include "network-nft.h"

#define NFT_TYPE_IFNAME 41          /* nft's datatype number for "ifname" (set key type, for listing) */
#define BATCH_RESERVE   4096        /* room left before each message: no single message is bigger */
#define RECV_SIZE       32768       /* libmnl's MNL_SOCKET_DUMP_SIZE, which 1.0.4 lacks */

struct nft_sock {
        struct mnl_socket *nl;
        uint32_t portid;
        uint32_t seq;
};

struct nft_batch {
        struct nft_sock *s;
        char *buf;
        size_t size, len;
        struct nlmsghdr *cur;       /* message being built */
        uint32_t begin_seq, n_acks;
        bool oom;
};

int nft_open(struct nft_sock **ret, struct nb_error *err) {
        struct nft_sock *s = calloc(1, sizeof(*s));
        struct timeval tv = { .tv_sec = 10 };
        int one = 1;

        if (!s)
                return nb_error_set(err, ENOMEM, "open a netfilter socket");
        s->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
        if (!s->nl) {
                int r = errno;
                free(s);
                return nb_error_set(err, r, "open a netfilter netlink socket");
        }
        if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
                int r = errno;
                nft_close(s);
                return nb_error_set(err, r, "bind a netfilter netlink socket");
        }
        /* Errors come with the kernel's explanation and without our request
         * echoed; a dead kernel conversation cannot hang nixbox. */
        (void) mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one, sizeof(one));
        (void) setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        s->portid = mnl_socket_get_portid(s->nl);
        s->seq = (uint32_t) time(NULL);
        *ret = s;
        return 0;
}

struct nft_sock *nft_close(struct nft_sock *s) {
        if (s) {
                if (s->nl)
                        mnl_socket_close(s->nl);
                free(s);
        }
        return NULL;
}

/* --- building messages --- */

static struct nlmsghdr *put_header(char *at, uint16_t type, int family, uint16_t flags, uint32_t seq, uint16_t res_id) {
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
        struct nfgenmsg *g;

        nlh->nlmsg_type = type;
        nlh->nlmsg_flags = NLM_F_REQUEST | flags;
        nlh->nlmsg_seq = seq;
        g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
        g->nfgen_family = (uint8_t) family;
        g->version = NFNETLINK_V0;
        g->res_id = htons(res_id);
        return nlh;
}

static void finish_current(struct nft_batch *b) {
        if (b->cur) {
                b->len += NLMSG_ALIGN(b->cur->nlmsg_len);
                b->cur = NULL;
        }
}

/* Starts a message in the batch. On allocation failure, builds into a
 * scratch area that is never sent (the commit reports ENOMEM). */
static struct nlmsghdr *batch_put(struct nft_batch *b, uint16_t type, int family, uint16_t flags, uint16_t res_id) {
        static char scratch[BATCH_RESERVE];

        finish_current(b);
        if (b->size - b->len < BATCH_RESERVE) {
                char *n = b->oom ? NULL : realloc(b->buf, b->size * 2);
                if (!n) {
                        b->oom = true;
                        return put_header(scratch, type, family, flags, 0, res_id);
                }
                b->buf = n;
                b->size *= 2;
        }
        b->cur = put_header(b->buf + b->len, type, family, flags, b->s->seq++, res_id);
        return b->cur;
}

static struct nlmsghdr *batch_put_nft(struct nft_batch *b, int msg, int family, uint16_t flags) {
        b->n_acks++;
        return batch_put(b, (NFNL_SUBSYS_NFTABLES << 8) | msg, family, flags | NLM_F_ACK, 0);
}

struct nft_batch *nft_batch_new(struct nft_sock *s) {
        struct nft_batch *b = calloc(1, sizeof(*b));

        if (!b)
                return NULL;
        b->s = s;
        b->size = 4 * BATCH_RESERVE;
        b->buf = malloc(b->size);
        if (!b->buf) {
                free(b);
                return NULL;
        }
        b->begin_seq = s->seq;
        batch_put(b, NFNL_MSG_BATCH_BEGIN, AF_UNSPEC, 0, NFNL_SUBSYS_NFTABLES);
        return b;
}

void nft_batch_free(struct nft_batch *b) {
        if (b) {
                free(b->buf);
                free(b);
        }
}

static void put_be32(struct nlmsghdr *nlh, uint16_t type, uint32_t v) {
        mnl_attr_put_u32(nlh, type, htonl(v));
}

static void put_data_value(struct nlmsghdr *nlh, uint16_t type, const void *data, size_t len) {
        struct nlattr *nest = mnl_attr_nest_start(nlh, type);
        mnl_attr_put(nlh, NFTA_DATA_VALUE, len, data);
        mnl_attr_nest_end(nlh, nest);
}

void nft_add_table(struct nft_batch *b, int family, const char *table, uint32_t flags) {
        struct nlmsghdr *nlh = batch_put_nft(b, NFT_MSG_NEWTABLE, family, NLM_F_CREATE);

        mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
        put_be32(nlh, NFTA_TABLE_FLAGS, flags);
}

void nft_del_table(struct nft_batch *b, int family, const char *table) {
        struct nlmsghdr *nlh = batch_put_nft(b, NFT_MSG_DELTABLE, family, 0);

        mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
}

void nft_add_base_chain(struct nft_batch *b, int family, const char *table, const char *chain, const char *type,
                        unsigned hook, int priority) {
        struct nlmsghdr *nlh = batch_put_nft(b, NFT_MSG_NEWCHAIN, family, NLM_F_CREATE);
        struct nlattr *nest;

        mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, chain);
        nest = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
        put_be32(nlh, NFTA_HOOK_HOOKNUM, hook);
        put_be32(nlh, NFTA_HOOK_PRIORITY, (uint32_t) priority);
        mnl_attr_nest_end(nlh, nest);
        put_be32(nlh, NFTA_CHAIN_POLICY, NF_ACCEPT);
        mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, type);
}

void nft_add_ifname_set(struct nft_batch *b, int family, const char *table, const char *set, uint32_t id) {
        struct nlmsghdr *nlh = batch_put_nft(b, NFT_MSG_NEWSET, family, NLM_F_CREATE);

        mnl_attr_put_strz(nlh, NFTA_SET_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_SET_NAME, set);
        put_be32(nlh, NFTA_SET_FLAGS, 0);
        put_be32(nlh, NFTA_SET_KEY_TYPE, NFT_TYPE_IFNAME);
        put_be32(nlh, NFTA_SET_KEY_LEN, IFNAMSIZ);
        put_be32(nlh, NFTA_SET_ID, id);
        /* For `nft list`: the key is in host byte order (nft's udata TLV
         * KEYBYTEORDER = BYTEORDER_HOST_ENDIAN); else names print as "". */
        {
                uint32_t host_endian = 1;
                uint8_t udata[6] = { 0, sizeof(host_endian) };
                memcpy(udata + 2, &host_endian, sizeof(host_endian));
                mnl_attr_put(nlh, NFTA_SET_USERDATA, sizeof(udata), udata);
        }
}

void nft_set_ifname(struct nft_batch *b, bool add, int family, const char *table, const char *set,
                    const char *ifname) {
        struct nlmsghdr *nlh = batch_put_nft(b, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, family,
                                             add ? NLM_F_CREATE : 0);
        struct nlattr *list, *elem;
        char key[IFNAMSIZ] = {0};

        strncpy(key, ifname, sizeof(key) - 1);
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
        list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
        elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
        put_data_value(nlh, NFTA_SET_ELEM_KEY, key, sizeof(key));
        mnl_attr_nest_end(nlh, elem);
        mnl_attr_nest_end(nlh, list);
}

void nft_rule_begin(struct nft_batch *b, struct nft_rule *r, int family, const char *table, const char *chain) {
        r->nlh = batch_put_nft(b, NFT_MSG_NEWRULE, family, NLM_F_CREATE | NLM_F_APPEND);
        mnl_attr_put_strz(r->nlh, NFTA_RULE_TABLE, table);
        mnl_attr_put_strz(r->nlh, NFTA_RULE_CHAIN, chain);
        r->exprs = mnl_attr_nest_start(r->nlh, NFTA_RULE_EXPRESSIONS);
}

void nft_rule_end(struct nft_rule *r) {
        mnl_attr_nest_end(r->nlh, r->exprs);
}

/* One expression: NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { ... } }. */
struct expr {
        struct nlattr *elem, *data;
};

static struct expr expr_begin(struct nft_rule *r, const char *name) {
        struct expr e;

        e.elem = mnl_attr_nest_start(r->nlh, NFTA_LIST_ELEM);
        mnl_attr_put_strz(r->nlh, NFTA_EXPR_NAME, name);
        e.data = mnl_attr_nest_start(r->nlh, NFTA_EXPR_DATA);
        return e;
}

static void expr_end(struct nft_rule *r, struct expr e) {
        mnl_attr_nest_end(r->nlh, e.data);
        mnl_attr_nest_end(r->nlh, e.elem);
}

void nft_expr_meta(struct nft_rule *r, uint32_t key) {
        struct expr e = expr_begin(r, "meta");

        put_be32(r->nlh, NFTA_META_KEY, key);
        put_be32(r->nlh, NFTA_META_DREG, NFT_REG_1);
        expr_end(r, e);
}

void nft_expr_ct(struct nft_rule *r, uint32_t key) {
        struct expr e = expr_begin(r, "ct");

        put_be32(r->nlh, NFTA_CT_KEY, key);
        put_be32(r->nlh, NFTA_CT_DREG, NFT_REG_1);
        expr_end(r, e);
}

void nft_expr_lookup(struct nft_rule *r, const char *set, uint32_t set_id) {
        struct expr e = expr_begin(r, "lookup");

        mnl_attr_put_strz(r->nlh, NFTA_LOOKUP_SET, set);
        put_be32(r->nlh, NFTA_LOOKUP_SREG, NFT_REG_1);
        if (set_id)
                put_be32(r->nlh, NFTA_LOOKUP_SET_ID, set_id);
        expr_end(r, e);
}

static void expr_cmp(struct nft_rule *r, uint32_t op, const void *data, size_t len) {
        struct expr e = expr_begin(r, "cmp");

        put_be32(r->nlh, NFTA_CMP_SREG, NFT_REG_1);
        put_be32(r->nlh, NFTA_CMP_OP, op);
        put_data_value(r->nlh, NFTA_CMP_DATA, data, len);
        expr_end(r, e);
}

void nft_expr_cmp_eq_u8(struct nft_rule *r, uint8_t value) {
        expr_cmp(r, NFT_CMP_EQ, &value, 1);
}

/* As nft does it: load the bytes the prefix touches, mask a partial last
 * byte, compare. A /0 prefix loads nothing and matches everything. */
void nft_expr_ip_prefix(struct nft_rule *r, unsigned offset, const uint8_t addr[4], unsigned prefixlen,
                        bool negate) {
        unsigned len = (prefixlen + 7) / 8;
        uint8_t mask[4] = {0}, value[4] = {0};
        struct expr e;

        assert(prefixlen <= 32);
        if (len == 0)
                return;
        for (unsigned i = 0; i < prefixlen; i++)
                mask[i / 8] |= (uint8_t) (0x80 >> (i % 8));
        for (unsigned i = 0; i < len; i++)
                value[i] = addr[i] & mask[i];

        e = expr_begin(r, "payload");
        put_be32(r->nlh, NFTA_PAYLOAD_DREG, NFT_REG_1);
        put_be32(r->nlh, NFTA_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
        put_be32(r->nlh, NFTA_PAYLOAD_OFFSET, offset);
        put_be32(r->nlh, NFTA_PAYLOAD_LEN, len);
        expr_end(r, e);
        if (prefixlen % 8) {
                uint8_t zero[4] = {0};
                e = expr_begin(r, "bitwise");
                put_be32(r->nlh, NFTA_BITWISE_SREG, NFT_REG_1);
                put_be32(r->nlh, NFTA_BITWISE_DREG, NFT_REG_1);
                put_be32(r->nlh, NFTA_BITWISE_LEN, len);
                put_data_value(r->nlh, NFTA_BITWISE_MASK, mask, len);
                put_data_value(r->nlh, NFTA_BITWISE_XOR, zero, len);
                expr_end(r, e);
        }
        expr_cmp(r, negate ? NFT_CMP_NEQ : NFT_CMP_EQ, value, len);
}

void nft_expr_verdict(struct nft_rule *r, int verdict) {
        struct expr e = expr_begin(r, "immediate");
        struct nlattr *data, *v;

        put_be32(r->nlh, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
        data = mnl_attr_nest_start(r->nlh, NFTA_IMMEDIATE_DATA);
        v = mnl_attr_nest_start(r->nlh, NFTA_DATA_VERDICT);
        put_be32(r->nlh, NFTA_VERDICT_CODE, (uint32_t) verdict);
        mnl_attr_nest_end(r->nlh, v);
        mnl_attr_nest_end(r->nlh, data);
        expr_end(r, e);
}

void nft_expr_masq(struct nft_rule *r) {
        expr_end(r, expr_begin(r, "masq"));
}

/* --- talking to the kernel --- */

/* The kernel's extended-ack text of an error message, or "". */
static void extack_text(const struct nlmsghdr *nlh, char *buf, size_t size) {
        const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
        size_t off = sizeof(*e), payload = mnl_nlmsg_get_payload_len(nlh);
        const struct nlattr *a;

        buf[0] = 0;
        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || payload < off)
                return;
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
                off += e->msg.nlmsg_len >= sizeof(struct nlmsghdr) ? e->msg.nlmsg_len - sizeof(struct nlmsghdr) : 0;
        if (off >= payload)
                return;
        mnl_attr_for_each(a, nlh, off)
                if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
                        snprintf(buf, size, "%s", mnl_attr_get_str(a));
}

static int set_error(struct nb_error *err, int errnum, const char *ext, const char *what) {
        if (ext && ext[0])
                return nb_error_set(err, errnum, "%s (kernel: %s)", what, ext);
        return nb_error_set(err, errnum, "%s", what);
}

int nft_batch_commit(struct nft_batch *b, bool ignore_enoent, const char *what, struct nb_error *err) {
        _cleanup_free_ char *rbuf = NULL;
        char ext[256] = "";
        uint32_t acked = 0, end_seq;
        int first = 0;

        batch_put(b, NFNL_MSG_BATCH_END, AF_UNSPEC, 0, NFNL_SUBSYS_NFTABLES);
        end_seq = b->cur->nlmsg_seq;
        finish_current(b);
        if (b->oom)
                return nb_error_set(err, ENOMEM, "%s", what);
        if (mnl_socket_sendto(b->s->nl, b->buf, b->len) < 0)
                return nb_error_set(err, errno, "%s: send to the kernel", what);

        rbuf = malloc(MNL_SOCKET_BUFFER_SIZE);
        if (!rbuf)
                return nb_error_set(err, ENOMEM, "%s", what);
        while (acked < b->n_acks) {
                ssize_t n = mnl_socket_recvfrom(b->s->nl, rbuf, MNL_SOCKET_BUFFER_SIZE);
                const struct nlmsghdr *nlh;
                int len;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nb_error_set(err, errno, "%s: read the kernel's answer", what);
                }
                len = (int) n;
                for (nlh = (const struct nlmsghdr *) rbuf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
                        const struct nlmsgerr *e;

                        if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq < b->begin_seq || nlh->nlmsg_seq > end_seq)
                                continue;
                        if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
                                return nb_error_set(err, EBADMSG, "%s: short answer", what);
                        e = mnl_nlmsg_get_payload(nlh);
                        /* The batch markers are acked only when they fail
                         * (e.g. no nf_tables in this kernel): then nothing
                         * else will come. */
                        if (nlh->nlmsg_seq == b->begin_seq || nlh->nlmsg_seq == end_seq) {
                                extack_text(nlh, ext, sizeof(ext));
                                return set_error(err, e->error < 0 ? -e->error : EPROTO, ext, what);
                        }
                        acked++;
                        if (e->error < 0 && !(ignore_enoent && e->error == -ENOENT) && !first) {
                                first = -e->error;
                                extack_text(nlh, ext, sizeof(ext));
                        }
                }
        }
        if (first)
                return set_error(err, first, ext, what);
        return 0;
}

/* Sends one request and feeds each reply to cb until the ack or NLMSG_DONE. */
static int request(struct nft_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
                   struct nb_error *err) {
        _cleanup_free_ char *rbuf = malloc(RECV_SIZE);
        uint32_t seq = nlh->nlmsg_seq;
        int r;

        if (!rbuf)
                return nb_error_set(err, ENOMEM, "%s", what);
        if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
                return nb_error_set(err, errno, "%s", what);
        do {
                ssize_t n = mnl_socket_recvfrom(s->nl, rbuf, RECV_SIZE);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return nb_error_set(err, errno, "%s", what);
                }
                r = mnl_cb_run(rbuf, (size_t) n, seq, s->portid, cb, data);
        } while (r > 0);
        if (r < 0)
                return errno == ENOENT ? -ENOENT : nb_error_set(err, errno, "%s", what);
        return 0;
}

int nft_table_exists(struct nft_sock *s, int family, const char *table, struct nb_error *err) {
        char buf[512];
        struct nlmsghdr *nlh = put_header(buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, family, NLM_F_ACK,
                                          s->seq++, 0);
        int r;

        mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
        r = request(s, nlh, NULL, NULL, "look up nftables table", err);
        if (r == -ENOENT)
                return 0;
        return r < 0 ? r : 1;
}

struct strv {
        char **v;
        size_t n;
        int error;
};

static int strv_add(struct strv *l, const char *s, size_t len) {
        char **t = realloc(l->v, (l->n + 1) * sizeof(char *));

        if (!t)
                return -ENOMEM;
        l->v = t;
        t[l->n] = strndup(s, len);
        if (!t[l->n])
                return -ENOMEM;
        l->n++;
        return 0;
}

void nft_strv_free(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static int table_name_cb(const struct nlmsghdr *nlh, void *data) {
        struct strv *l = data;
        const struct nlattr *a;

        mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
                if (mnl_attr_get_type(a) == NFTA_TABLE_NAME && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
                        if (strv_add(l, mnl_attr_get_str(a), strlen(mnl_attr_get_str(a))) < 0)
                                l->error = -ENOMEM;
        return MNL_CB_OK;
}

int nft_list_tables(struct nft_sock *s, int family, char ***ret, size_t *ret_n, struct nb_error *err) {
        char buf[256];
        struct nlmsghdr *nlh = put_header(buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE, family, NLM_F_DUMP,
                                          s->seq++, 0);
        struct strv l = {0};
        int r = request(s, nlh, table_name_cb, &l, "list nftables tables", err);

        if (r >= 0 && l.error)
                r = nb_error_set(err, ENOMEM, "list nftables tables");
        if (r < 0) {
                nft_strv_free(l.v, l.n);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

/* NFTA_SET_ELEM_LIST_ELEMENTS { NFTA_LIST_ELEM { NFTA_SET_ELEM_KEY { NFTA_DATA_VALUE } } } */
static int set_elem_cb(const struct nlmsghdr *nlh, void *data) {
        struct strv *l = data;
        const struct nlattr *a, *elem, *k, *v;

        mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
                if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
                        continue;
                mnl_attr_for_each_nested(elem, a)
                        mnl_attr_for_each_nested(k, elem) {
                                if (mnl_attr_get_type(k) != NFTA_SET_ELEM_KEY)
                                        continue;
                                mnl_attr_for_each_nested(v, k)
                                        if (mnl_attr_get_type(v) == NFTA_DATA_VALUE &&
                                            strv_add(l, mnl_attr_get_payload(v),
                                                     strnlen(mnl_attr_get_payload(v), mnl_attr_get_payload_len(v))) < 0)
                                                l->error = -ENOMEM;
                        }
        }
        return MNL_CB_OK;
}

int nft_list_ifname_set(struct nft_sock *s, int family, const char *table, const char *set, char ***ret,
                        size_t *ret_n, struct nb_error *err) {
        char buf[1024];
        struct nlmsghdr *nlh = put_header(buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETSETELEM, family, NLM_F_DUMP,
                                          s->seq++, 0);
        struct strv l = {0};
        int r;

        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
        r = request(s, nlh, set_elem_cb, &l, "list nftables set", err);
        if (r >= 0 && l.error)
                r = nb_error_set(err, ENOMEM, "list nftables set");
        if (r < 0) {
                nft_strv_free(l.v, l.n);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}
