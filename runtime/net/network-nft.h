/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Just enough nf_tables for --masquerade, spoken over libmnl: tables, base
 * chains, ifname sets and their elements, and rules built from a handful of
 * expressions. Changes are collected in a batch and committed as one
 * transaction; every message asks for an ack, so the commit knows the fate
 * of each. See docs/networking.md for the objects nixbox makes. */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct nft_sock;
struct nlmsghdr;
struct nlattr;

/* A NETLINK_NETFILTER socket in the caller's network namespace. A table
 * made with NFT_TABLE_F_OWNER lives as long as this socket. */
int nft_open(struct nft_sock **ret, struct nb_error *err);
struct nft_sock *nft_close(struct nft_sock *s);

/* --- transactions --- */

struct nft_batch;

struct nft_batch *nft_batch_new(struct nft_sock *s);
void nft_batch_free(struct nft_batch *b);
/* Sends the batch and waits for every ack; the first error wins and is
 * reported as "WHAT (kernel: ...)". Tolerates -ENOENT when ignore_enoent. */
int nft_batch_commit(struct nft_batch *b, bool ignore_enoent, const char *what, struct nb_error *err);

void nft_add_table(struct nft_batch *b, int family, const char *table, uint32_t flags);
void nft_del_table(struct nft_batch *b, int family, const char *table);
/* type "nat"/"filter", hook NF_INET_*, policy accept. */
void nft_add_base_chain(struct nft_batch *b, int family, const char *table, const char *chain, const char *type,
                        unsigned hook, int priority);
/* A set of interface names; id names it to rules in the same batch. */
void nft_add_ifname_set(struct nft_batch *b, int family, const char *table, const char *set, uint32_t id);
void nft_set_ifname(struct nft_batch *b, bool add, int family, const char *table, const char *set,
                    const char *ifname);

/* A rule: nft_rule_begin(), expressions, nft_rule_end(). */
struct nft_rule {
        struct nlmsghdr *nlh;
        struct nlattr *exprs;
};
void nft_rule_begin(struct nft_batch *b, struct nft_rule *r, int family, const char *table, const char *chain);
void nft_rule_end(struct nft_rule *r);
void nft_expr_meta(struct nft_rule *r, uint32_t key);                       /* -> reg 1 */
void nft_expr_ct(struct nft_rule *r, uint32_t key);                         /* -> reg 1 */
void nft_expr_lookup(struct nft_rule *r, const char *set, uint32_t set_id); /* reg 1 in set */
/* reg 1 = prefix of the network-header field at offset (IPv4 address). */
void nft_expr_ip_prefix(struct nft_rule *r, unsigned offset, const uint8_t addr[4], unsigned prefixlen,
                        bool negate);
void nft_expr_cmp_eq_u8(struct nft_rule *r, uint8_t value);
void nft_expr_verdict(struct nft_rule *r, int verdict);                     /* NF_ACCEPT, NF_DROP */
void nft_expr_masq(struct nft_rule *r);

/* --- queries --- */

/* 1 if the table exists, 0 if not, or -errno. */
int nft_table_exists(struct nft_sock *s, int family, const char *table, struct nb_error *err);
/* Names of all tables of the family; *ret is a malloc'ed array of
 * malloc'ed strings (free with nft_strv_free). */
int nft_list_tables(struct nft_sock *s, int family, char ***ret, size_t *ret_n, struct nb_error *err);
/* The elements of an ifname set. */
int nft_list_ifname_set(struct nft_sock *s, int family, const char *table, const char *set, char ***ret,
                        size_t *ret_n, struct nb_error *err);
void nft_strv_free(char **v, size_t n);
