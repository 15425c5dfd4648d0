/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Messages on the sync socket between nixbox and its children (outer
 * child, the container's PID 1 and the init-shim): SOCK_SEQPACKET, one
 * struct per message. The init-shim includes this too. */
#pragma once

#include "error.h"

enum sync_type {
        SYNC_ERROR = 1,   /* child -> parent: set-up failed, see err */
        SYNC_INIT_PID,    /* outer -> parent: value = PID 1's host pid */
        SYNC_IDMAPPED,    /* outer -> parent: value = 1 if the root is idmapped */
        SYNC_NETNS_READY, /* inner -> parent: namespaces exist, parent may configure */
        SYNC_GO,          /* parent -> inner: go on to exec */
        SYNC_EXEC_FAILED, /* inner/shim -> parent: exec failed, see err */
        SYNC_NOTIFY,      /* outer -> parent: the notify socket (fd attached) */
        SYNC_CONSOLE,     /* inner -> parent: the console pty master (fd attached) */
};

struct sync_msg {
        int type;
        int value;
        struct nb_error err;
};
