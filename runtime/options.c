/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>

#include "options.h"
#include "parse-util.h"

void options_init(struct options *o) {
        *o = (struct options) {
                .private_users = PRIVATE_USERS_PICK,
                .ownership = OWNERSHIP_AUTO,
                .private_network = true,
                .check_os_release = true,
                .console = CONSOLE_DEFAULT,
                .settings = SETTINGS_YES,
                .restart = RESTART_LOOP,
                .uid_range = 0x10000,
        };
        o->ready_notify_fd = o->json_status_fd = -1; /* no status fds */
}

static void free_pairs(struct iface_pair *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(p[i].host);
                free(p[i].container);
        }
        free(p);
}

void options_free(struct options *o) {
        free(o->root);
        free(o->machine);
        free(o->hostname);
        free(o->init_path);
        for (size_t i = 0; i < o->argc; i++)
                free(o->argv[i]);
        free(o->argv);
        for (size_t i = 0; i < o->n_setenv; i++)
                free(o->setenv[i]);
        free(o->setenv);
        free(o->working_dir);
        free(o->user);
        for (size_t i = 0; i < o->n_syscall_filter; i++)
                free(o->syscall_filter[i]);
        free(o->syscall_filter);
        for (size_t i = 0; i < RLIM_NLIMITS; i++)
                free(o->rlimits[i]);
        free(o->uuid);
        for (size_t i = 0; i < o->n_mounts; i++)
                custom_mount_free(&o->mounts[i]);
        free(o->mounts);
        for (size_t i = 0; i < o->n_credentials; i++) {
                free(o->credentials[i].id);
                free(o->credentials[i].data);
        }
        free(o->credentials);
        free(o->network_bridge);
        free(o->network_zone);
        free(o->network_namespace_path);
        free_pairs(o->veth_extra, o->n_veth_extra);
        free_pairs(o->interfaces, o->n_interfaces);
        free_pairs(o->macvlan, o->n_macvlan);
        free_pairs(o->ipvlan, o->n_ipvlan);
        free(o->ports);
        free(o->host_addresses);
        free(o->local_addresses);
        options_init(o);
}

bool options_tree_read_only(const struct options *o) {
        return (o->read_only && o->volatile_mode == VOLATILE_NO) || o->volatile_mode == VOLATILE_STATE;
}
