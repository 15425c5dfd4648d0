/* Placeholder until the veth/bridge/port work lands: only validation. */
#include "container.h"
#include "network.h"
#include "options.h"

int network_validate(const struct options *o, struct nb_error *err) {
        if (o->network_veth || o->n_interfaces || o->n_veth_extra || o->n_macvlan || o->n_ipvlan || o->n_ports ||
            o->masquerade || o->network_namespace_path)
                return nb_error_set(err, EOPNOTSUPP, "network options other than --private-network are not implemented yet");
        return 0;
}

void network_sweep_stale(struct container *c) {
        (void) c;
}

int network_setup(struct container *c, struct nb_error *err) {
        (void) c;
        (void) err;
        return 0;
}

void network_cleanup(struct container *c) {
        (void) c;
}
