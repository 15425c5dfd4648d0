/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* nixbox-oci: the OCI runtime front end (runc's command line over the OCI
 * runtime specification's config.json). The parsed bundle configuration,
 * the state directory of one container, and the set-up steps; see
 * docs/oci.md for the field-by-field contract. */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

struct nb_error;
struct json_object;

#define OCI_VERSION "1.0.2"
#define OCI_DEFAULT_ROOT "/run/nixbox-oci"

struct oci_idmap {
        uint32_t container, host, size;
};

struct oci_rlimit {
        int resource;
        rlim_t soft, hard;
};

struct oci_user {
        uid_t uid;
        gid_t gid;
        gid_t *gids;
        size_t n_gids;
};

/* process: shared by create (config.json) and exec (--process FILE). */
struct oci_process {
        char **args, **env;
        char *cwd;
        struct oci_user user;
        bool terminal, no_new_privs;
        bool has_oom_score_adj;
        int oom_score_adj;
        struct oci_rlimit *rlimits;
        size_t n_rlimits;
        bool has_caps;
        uint64_t caps[5]; /* bounding, effective, inheritable, permitted, ambient */
};
enum { OCI_CAP_BOUNDING, OCI_CAP_EFFECTIVE, OCI_CAP_INHERITABLE, OCI_CAP_PERMITTED, OCI_CAP_AMBIENT };

struct oci_mount {
        char *destination, *type, *source, *data;
        unsigned long flags;       /* MS_* of the options */
        unsigned long propagation; /* MS_SHARED etc., 0 = none */
        bool bind;                 /* bind or rbind */
        bool tmpcopyup;            /* crun's: a tmpfs starts with the image's content */
};

struct oci_namespace {
        int type; /* CLONE_NEW* */
        char *path;
};

struct oci_device_rule {
        bool allow;
        char type;            /* 'a', 'c', 'b' */
        int64_t major, minor; /* -1: any */
        unsigned access;      /* BPF_DEVCG_ACC_* bits */
};

struct oci_device {
        char *path;
        char type; /* 'c', 'b', 'p' */
        int64_t major, minor;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

struct oci_hook {
        char *path;
        char **args, **env;
        int timeout;
};
enum { HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER, HOOK_POSTSTART, HOOK_POSTSTOP, HOOK_MAX };

struct oci_resources {
        int64_t memory_limit, memory_reservation, memory_swap; /* -1: unset */
        int64_t pids_limit;                                    /* 0: unset */
        uint64_t cpu_shares, cpu_period;
        int64_t cpu_quota; /* 0: unset */
        char *cpus, *mems;
        uint16_t io_weight; /* 0: unset */
        struct oci_device_rule *devices;
        size_t n_devices;
};

struct oci_config {
        struct json_object *json; /* the parsed document (owns the strings below) */
        char bundle[4096];
        struct oci_process process;
        char *root_path; /* absolute (bundle-relative paths resolved) */
        bool root_readonly;
        char *hostname, *domainname;
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_namespace namespaces[8];
        size_t n_namespaces;
        struct oci_idmap *uid_maps, *gid_maps;
        size_t n_uid_maps, n_gid_maps;
        struct oci_device *devices;
        size_t n_devices;
        struct oci_resources res;
        struct json_object *seccomp;
        char **sysctl; /* key, value, key, value, ..., NULL */
        char **masked, **readonly;
        unsigned long rootfs_propagation;
        char *cgroups_path;
        struct oci_hook *hooks[HOOK_MAX];
        size_t n_hooks[HOOK_MAX];
        struct json_object *annotations;
};

/* oci-config.c */
/* Parses BUNDLE/config.json; every field nixbox cannot honour is an error
 * naming it (with its JSON path). */
int oci_config_load(const char *bundle, struct oci_config *c, struct nb_error *err);
/* Parses a process object (exec --process FILE). */
int oci_process_load(const char *path, struct oci_process *p, struct json_object **owner, struct nb_error *err);
void oci_config_free(struct oci_config *c);
bool oci_has_namespace(const struct oci_config *c, int type, const char **path);
/* The default config.json of `nixbox-oci spec` (rootless: for an unprivileged user). */
void oci_spec_print(FILE *f, bool rootless);

/* oci-setup.c (run in the container's first process, before exec) */
struct oci_child {
        const struct oci_config *c;
        int sync_fd;    /* socket to the parent */
        int fifo_fd;    /* O_PATH fd of exec.fifo */
        int proc_fd;    /* the host's /proc (for reopening the fifo after pivot) */
        int console_fd; /* connected console socket, or -1 */
        int ns_fds[8];  /* joined namespaces' fds, parallel to c->namespaces, or -1 */
        bool no_pivot;
        int preserve_fds;
};
/* Messages on the sync socket (SOCK_SEQPACKET), child to parent; the
 * parent answers MAPS and DONE with one byte. */
enum { OCI_MSG_MAPS = 1, OCI_MSG_PID, OCI_MSG_DONE };
struct oci_msg {
        int type;
        pid_t pid;
        struct nb_error err; /* DONE: errnum 0 and msg "" on success */
};
_Noreturn void oci_child_main(struct oci_child *ch);

/* Shared by the container's process and exec: credentials, capabilities,
 * rlimits, no_new_privs, seccomp, the terminal; then execvp. */
int oci_process_apply(const struct oci_process *p, const struct json_object *seccomp, struct nb_error *err);
int oci_find_executable(const struct oci_process *p, char *out, size_t size, struct nb_error *err);
int oci_terminal_setup(int console_fd, uid_t uid, struct nb_error *err);
int oci_seccomp_load(const struct json_object *seccomp, struct nb_error *err);

/* oci-cgroup.c */
int oci_cgroup_path(const struct oci_config *c, const char *id, char *out, size_t size, struct nb_error *err);
int oci_cgroup_create(const char *dir, const struct oci_resources *res, pid_t pid, struct nb_error *err);
int oci_cgroup_update(const char *dir, const struct oci_resources *res, struct nb_error *err);
int oci_cgroup_devices(const char *dir, const struct oci_resources *res, struct nb_error *err);
void oci_cgroup_remove(const char *dir);

/* Logging for the runtime: --log/--log-format (nixbox-oci.c). */
void oci_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
