/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the netsetup library files, not part of the API: the socket object
 * and the request/acknowledgement round trip every operation goes through. */
#pragma once

#include <libmnl/libmnl.h>

#include "netsetup.h"

/* Room for any request we build (the largest is a veth pair). */
#define NL_REQUEST_SIZE 4096

struct nl_sock {
        struct mnl_socket *mnl;
        uint32_t portid;
        uint32_t seq;            /* last sequence number used */
        size_t rbuf_size;
        char *rbuf;              /* large enough for any dump message */
};

/* Called for each reply message (not for the ack, NLMSG_DONE or errors);
 * returns 0 or -errno, which aborts the request. */
typedef int (*nl_reply_fn)(const struct nlmsghdr *nlh, void *userdata);

/* Starts a request message in buf: header of `type` with `flags` (NLM_F_REQUEST
 * and NLM_F_ACK are added) and a zeroed family header of hdr_size bytes. */
struct nlmsghdr *nl_msg_new(char buf[static NL_REQUEST_SIZE], uint16_t type, uint16_t flags, void **ret_hdr,
                            size_t hdr_size);

/* Sends nlh with the socket's next sequence number and reads the replies
 * that carry that sequence number and our port id, until the kernel's ack
 * (NLMSG_ERROR 0), NLMSG_DONE (dumps) or an error. A kernel error becomes
 * -errno and *err reads "WHAT" or "WHAT (kernel: EXTACK MESSAGE)". */
int nl_call(struct nl_sock *s, struct nlmsghdr *nlh, nl_reply_fn fn, void *userdata, struct nb_error *err,
            const char *what);

/* The ifindex of `name` (name or altname), for operation `what`. A missing
 * link is reported as "WHAT", or as "WHAT: no link NAME" with name_it (when
 * the operation involves more than one link). In nl-link.c. */
int nl_resolve(struct nl_sock *s, const char *name, bool name_it, struct nb_error *err, const char *what);
