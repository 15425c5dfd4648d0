/* The device-access policy of the container's cgroup (cgroup v2: a
 * BPF_PROG_TYPE_CGROUP_DEVICE program), allowing only the devices the
 * Container Interface lists, as nspawn's DeviceAllow= list does. */
#pragma once

struct cgroup;
struct nb_error;

/* Attaches the policy to payload/. A kernel without the program type is a
 * warning, not a failure. */
int cg_device_policy_apply(struct cgroup *cg, struct nb_error *err);
