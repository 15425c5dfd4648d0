/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.json of an OCI bundle, parsed with json-c (Debian's libjson-c: a
 * small, long-maintained C library with a DOM API, which is what a config
 * that is validated field by field wants; see docs/oci.md). Every field is
 * either honoured or refused with its JSON path: nixbox never runs a
 * container with a setting silently dropped. */
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <linux/bpf.h>
#include <sched.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "error.h"
#include "fileio.h"
#include "oci.h"

#define CONFIG_MAX (4 * 1024 * 1024)

typedef json_object jo;

static int unknown_keys(jo *o, const char *where, const char *const *known, struct nb_error *err) {
        json_object_object_foreach(o, key, val) {
                bool ok = false;

                (void) val;
                for (const char *const *k = known; *k; k++)
                        ok = ok || streq(*k, key);
                if (!ok)
                        return nb_error_set(err, EOPNOTSUPP, "config.json: %s%s%s is not supported by nixbox-oci", where,
                                            *where ? "." : "", key);
        }
        return 0;
}

static int want_type(jo *v, json_type t, const char *where, struct nb_error *err) {
        if (!json_object_is_type(v, t))
                return nb_error_set(err, EINVAL, "config.json: %s must be a%s %s", where,
                                    t == json_type_object || t == json_type_array ? "n" : "", json_type_to_name(t));
        return 0;
}

static int get_string(jo *o, const char *key, const char *where, char **out, struct nb_error *err) {
        jo *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return nb_error_set(err, EINVAL, "config.json: %s.%s must be a string", where, key);
        *out = (char *) json_object_get_string(v);
        return 1;
}

static int get_int(jo *o, const char *key, const char *where, int64_t *out, struct nb_error *err) {
        jo *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_int))
                return nb_error_set(err, EINVAL, "config.json: %s.%s must be an integer", where, key);
        errno = 0;
        *out = json_object_get_int64(v);
        if (errno == ERANGE && json_object_get_uint64(v) > INT64_MAX)
                *out = INT64_MAX;
        return 1;
}

static int get_bool(jo *o, const char *key, const char *where, bool *out, struct nb_error *err) {
        jo *v;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_boolean))
                return nb_error_set(err, EINVAL, "config.json: %s.%s must be a boolean", where, key);
        *out = json_object_get_boolean(v);
        return 1;
}

/* A NULL-terminated vector pointing into the document (freed shallowly). */
static int get_strv(jo *o, const char *key, const char *where, char ***out, struct nb_error *err) {
        jo *v;
        size_t n;
        char **s;

        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return 0;
        if (!json_object_is_type(v, json_type_array))
                return nb_error_set(err, EINVAL, "config.json: %s.%s must be an array of strings", where, key);
        n = json_object_array_length(v);
        s = calloc(n + 1, sizeof(char *));
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(v, i);
                if (!json_object_is_type(e, json_type_string)) {
                        free(s);
                        return nb_error_set(err, EINVAL, "config.json: %s.%s[%zu] must be a string", where, key, i);
                }
                s[i] = (char *) json_object_get_string(e);
        }
        *out = s;
        return 1;
}

static int parse_caps(jo *o, struct oci_process *p, struct nb_error *err) {
        static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient", NULL };
        int r;

        r = unknown_keys(o, "process.capabilities", sets, err);
        if (r < 0)
                return r;
        p->has_caps = true;
        for (size_t i = 0; sets[i]; i++) {
                _cleanup_free_ char **names = NULL;

                r = get_strv(o, sets[i], "process.capabilities", &names, err);
                if (r < 0)
                        return r;
                for (size_t j = 0; names && names[j]; j++) {
                        cap_value_t cap;
                        _cleanup_free_ char *lower = strdup(names[j]);

                        if (!lower)
                                return -ENOMEM;
                        for (char *q = lower; *q; q++)
                                *q = (char) (*q >= 'A' && *q <= 'Z' ? *q + 32 : *q);
                        if (cap_from_name(lower, &cap) < 0 || cap < 0 || cap > 63)
                                return nb_error_set(err, EINVAL, "config.json: process.capabilities.%s: unknown capability %s",
                                                    sets[i], names[j]);
                        p->caps[i] |= UINT64_C(1) << cap;
                }
        }
        return 0;
}

static const struct {
        const char *name;
        int resource;
} rlimit_names[] = {
        { "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },         { "RLIMIT_CPU", RLIMIT_CPU },
        { "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_FSIZE", RLIMIT_FSIZE },       { "RLIMIT_LOCKS", RLIMIT_LOCKS },
        { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
        { "RLIMIT_NOFILE", RLIMIT_NOFILE },   { "RLIMIT_NPROC", RLIMIT_NPROC },       { "RLIMIT_RSS", RLIMIT_RSS },
        { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
        { "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(jo *a, struct oci_process *p, struct nb_error *err) {
        static const char *const keys[] = { "type", "soft", "hard", NULL };
        size_t n;
        int r;

        r = want_type(a, json_type_array, "process.rlimits", err);
        if (r < 0)
                return r;
        n = json_object_array_length(a);
        p->rlimits = calloc(n + 1, sizeof(*p->rlimits));
        if (!p->rlimits)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(a, i);
                char *type = NULL, where[64];
                int64_t soft = 0, hard = 0;
                bool found = false;

                snprintf(where, sizeof(where), "process.rlimits[%zu]", i);
                if ((r = want_type(e, json_type_object, where, err)) < 0 || (r = unknown_keys(e, where, keys, err)) < 0)
                        return r;
                if ((r = get_string(e, "type", where, &type, err)) < 0)
                        return r;
                if (!type)
                        return nb_error_set(err, EINVAL, "config.json: %s.type is missing", where);
                if ((r = get_int(e, "soft", where, &soft, err)) < 0 || (r = get_int(e, "hard", where, &hard, err)) < 0)
                        return r;
                for (size_t k = 0; k < ELEMENTSOF(rlimit_names); k++)
                        if (streq(rlimit_names[k].name, type)) {
                                p->rlimits[p->n_rlimits].resource = rlimit_names[k].resource;
                                found = true;
                        }
                if (!found)
                        return nb_error_set(err, EINVAL, "config.json: %s.type: unknown rlimit %s", where, type);
                p->rlimits[p->n_rlimits].soft = soft < 0 ? RLIM_INFINITY : (rlim_t) soft;
                p->rlimits[p->n_rlimits].hard = hard < 0 ? RLIM_INFINITY : (rlim_t) hard;
                p->n_rlimits++;
        }
        return 0;
}

static int parse_user(jo *o, struct oci_user *u, struct nb_error *err) {
        static const char *const keys[] = { "uid", "gid", "additionalGids", "umask", NULL };
        int64_t v = 0;
        jo *g;
        int r;

        if ((r = want_type(o, json_type_object, "process.user", err)) < 0 || (r = unknown_keys(o, "process.user", keys, err)) < 0)
                return r;
        if ((r = get_int(o, "uid", "process.user", &v, err)) < 0)
                return r;
        u->uid = (uid_t) v;
        v = 0;
        if ((r = get_int(o, "gid", "process.user", &v, err)) < 0)
                return r;
        u->gid = (gid_t) v;
        if ((r = get_int(o, "umask", "process.user", &v, err)) < 0)
                return r;
        if (r > 0 && v != 022)
                return nb_error_set(err, EOPNOTSUPP,
                                    "config.json: process.user.umask other than 0022 is not supported by nixbox-oci");
        if (json_object_object_get_ex(o, "additionalGids", &g) && !json_object_is_type(g, json_type_null)) {
                size_t n;

                if ((r = want_type(g, json_type_array, "process.user.additionalGids", err)) < 0)
                        return r;
                n = json_object_array_length(g);
                u->gids = calloc(n + 1, sizeof(gid_t));
                if (!u->gids)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        jo *e = json_object_array_get_idx(g, i);
                        if (!json_object_is_type(e, json_type_int))
                                return nb_error_set(err, EINVAL,
                                                    "config.json: process.user.additionalGids[%zu] must be an integer", i);
                        u->gids[u->n_gids++] = (gid_t) json_object_get_int64(e);
                }
        }
        return 0;
}

static int parse_process(jo *o, struct oci_process *p, struct nb_error *err) {
        static const char *const keys[] = { "terminal",
                                            "consoleSize",
                                            "user",
                                            "args",
                                            "env",
                                            "cwd",
                                            "capabilities",
                                            "rlimits",
                                            "noNewPrivileges",
                                            "oomScoreAdj",
                                            "apparmorProfile",
                                            "selinuxLabel",
                                            NULL };
        char *s = NULL;
        int64_t v;
        jo *sub;
        int r;

        if ((r = want_type(o, json_type_object, "process", err)) < 0 || (r = unknown_keys(o, "process", keys, err)) < 0)
                return r;
        if ((r = get_bool(o, "terminal", "process", &p->terminal, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "user", &sub) && (r = parse_user(sub, &p->user, err)) < 0)
                return r;
        if ((r = get_strv(o, "args", "process", &p->args, err)) < 0)
                return r;
        if (!p->args || !p->args[0])
                return nb_error_set(err, EINVAL, "config.json: process.args must name a program");
        if ((r = get_strv(o, "env", "process", &p->env, err)) < 0)
                return r;
        if (!p->env && !(p->env = calloc(1, sizeof(char *))))
                return -ENOMEM;
        if ((r = get_string(o, "cwd", "process", &p->cwd, err)) < 0)
                return r;
        if (!p->cwd)
                p->cwd = (char *) "/";
        if (p->cwd[0] != '/')
                return nb_error_set(err, EINVAL, "config.json: process.cwd must be an absolute path, not %s", p->cwd);
        if (json_object_object_get_ex(o, "capabilities", &sub) && !json_object_is_type(sub, json_type_null) &&
            ((r = want_type(sub, json_type_object, "process.capabilities", err)) < 0 || (r = parse_caps(sub, p, err)) < 0))
                return r;
        if (json_object_object_get_ex(o, "rlimits", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_rlimits(sub, p, err)) < 0)
                return r;
        if ((r = get_bool(o, "noNewPrivileges", "process", &p->no_new_privs, err)) < 0)
                return r;
        if ((r = get_int(o, "oomScoreAdj", "process", &v, err)) < 0)
                return r;
        if (r > 0) {
                if (v < -1000 || v > 1000)
                        return nb_error_set(err, EINVAL, "config.json: process.oomScoreAdj %" PRId64 " is outside -1000..1000", v);
                p->has_oom_score_adj = true;
                p->oom_score_adj = (int) v;
        }
        /* No LSM is driven by nixbox: a profile asked for is refused, an empty one is fine. */
        if ((r = get_string(o, "apparmorProfile", "process", &s, err)) < 0)
                return r;
        if (s && *s)
                return nb_error_set(err, EOPNOTSUPP, "config.json: process.apparmorProfile (%s) is not supported by nixbox-oci", s);
        s = NULL;
        if ((r = get_string(o, "selinuxLabel", "process", &s, err)) < 0)
                return r;
        if (s && *s)
                return nb_error_set(err, EOPNOTSUPP, "config.json: process.selinuxLabel (%s) is not supported by nixbox-oci", s);
        return 0;
}

static const struct {
        const char *name;
        bool clear;
        unsigned long flag;
        unsigned long propagation;
} mount_options[] = {
        { "ro", false, MS_RDONLY, 0 },
        { "rw", true, MS_RDONLY, 0 },
        { "nosuid", false, MS_NOSUID, 0 },
        { "suid", true, MS_NOSUID, 0 },
        { "nodev", false, MS_NODEV, 0 },
        { "dev", true, MS_NODEV, 0 },
        { "noexec", false, MS_NOEXEC, 0 },
        { "exec", true, MS_NOEXEC, 0 },
        { "sync", false, MS_SYNCHRONOUS, 0 },
        { "async", true, MS_SYNCHRONOUS, 0 },
        { "noatime", false, MS_NOATIME, 0 },
        { "atime", true, MS_NOATIME, 0 },
        { "nodiratime", false, MS_NODIRATIME, 0 },
        { "relatime", false, MS_RELATIME, 0 },
        { "strictatime", false, MS_STRICTATIME, 0 },
        { "mand", false, MS_MANDLOCK, 0 },
        { "nomand", true, MS_MANDLOCK, 0 },
        { "dirsync", false, MS_DIRSYNC, 0 },
        { "defaults", false, 0, 0 },
        { "bind", false, MS_BIND, 0 },
        { "rbind", false, MS_BIND | MS_REC, 0 },
        { "private", false, 0, MS_PRIVATE },
        { "rprivate", false, 0, MS_PRIVATE | MS_REC },
        { "shared", false, 0, MS_SHARED },
        { "rshared", false, 0, MS_SHARED | MS_REC },
        { "slave", false, 0, MS_SLAVE },
        { "rslave", false, 0, MS_SLAVE | MS_REC },
        { "unbindable", false, 0, MS_UNBINDABLE },
        { "runbindable", false, 0, MS_UNBINDABLE | MS_REC },
};

/* Options that are neither flags nor propagation are the file system's
 * data (size=, mode=, newinstance, ...), passed on; "idmap" and the
 * recursive "r*" attribute forms are refused by name. */
static int parse_mount_options(char **opts, struct oci_mount *m, const char *where, struct nb_error *err) {
        size_t len = 0;

        for (size_t i = 0; opts && opts[i]; i++)
                len += strlen(opts[i]) + 1;
        m->data = calloc(1, len + 1);
        if (!m->data)
                return -ENOMEM;
        for (size_t i = 0; opts && opts[i]; i++) {
                bool found = false;

                for (size_t k = 0; k < ELEMENTSOF(mount_options); k++) {
                        if (!streq(mount_options[k].name, opts[i]))
                                continue;
                        found = true;
                        if (mount_options[k].clear)
                                m->flags &= ~mount_options[k].flag;
                        else
                                m->flags |= mount_options[k].flag;
                        m->propagation |= mount_options[k].propagation;
                }
                if (found)
                        continue;
                if (streq(opts[i], "tmpcopyup")) {
                        m->tmpcopyup = true;
                        continue;
                }
                if (startswith(opts[i], "idmap") || startswith(opts[i], "ridmap") || streq(opts[i], "copy-symlink") ||
                    streq(opts[i], "rro") || streq(opts[i], "rrw") || streq(opts[i], "rnosuid") || streq(opts[i], "rnodev") ||
                    streq(opts[i], "rnoexec") || streq(opts[i], "notmpcopyup") || streq(opts[i], "z") || streq(opts[i], "Z") ||
                    streq(opts[i], "U"))
                        return nb_error_set(err, EOPNOTSUPP, "config.json: %s.options: %s is not supported by nixbox-oci", where,
                                            opts[i]);
                if (*m->data)
                        strcat(m->data, ",");
                strcat(m->data, opts[i]);
        }
        m->bind = m->flags & MS_BIND;
        return 0;
}

static int parse_mounts(jo *a, struct oci_config *c, struct nb_error *err) {
        static const char *const keys[] = { "destination", "type", "source", "options", "uidMappings", "gidMappings", NULL };
        static const char *const types[] = { "bind", "tmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", NULL };
        size_t n;
        int r;

        if ((r = want_type(a, json_type_array, "mounts", err)) < 0)
                return r;
        n = json_object_array_length(a);
        c->mounts = calloc(n + 1, sizeof(*c->mounts));
        if (!c->mounts)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(a, i), *x;
                struct oci_mount *m = &c->mounts[c->n_mounts];
                _cleanup_free_ char **opts = NULL;
                char where[32];
                bool known = false;

                snprintf(where, sizeof(where), "mounts[%zu]", i);
                if ((r = want_type(e, json_type_object, where, err)) < 0 || (r = unknown_keys(e, where, keys, err)) < 0)
                        return r;
                if (json_object_object_get_ex(e, "uidMappings", &x) || json_object_object_get_ex(e, "gidMappings", &x))
                        return nb_error_set(err,
                                            EOPNOTSUPP, "config.json: %s.uidMappings/gidMappings (idmapped mounts) are not supported by nixbox-oci",
                                            where);
                if ((r = get_string(e, "destination", where, &m->destination, err)) < 0 ||
                    (r = get_string(e, "type", where, &m->type, err)) < 0 ||
                    (r = get_string(e, "source", where, &m->source, err)) < 0 ||
                    (r = get_strv(e, "options", where, &opts, err)) < 0)
                        return r;
                if (!m->destination || m->destination[0] != '/')
                        return nb_error_set(err, EINVAL, "config.json: %s.destination must be an absolute path", where);
                if ((r = parse_mount_options(opts, m, where, err)) < 0)
                        return r;
                if (!m->type)
                        m->type = m->bind ? (char *) "bind" : (char *) "";
                for (size_t k = 0; types[k]; k++)
                        known = known || streq(types[k], m->type);
                if (streq(m->type, "bind") || m->bind)
                        known = true;
                if (!known)
                        return nb_error_set(err, EOPNOTSUPP, "config.json: %s.type %s is not supported by nixbox-oci", where,
                                            *m->type ? m->type : "(none)");
                if (streq(m->type, "bind"))
                        m->bind = true;
                if (m->bind && !m->source)
                        return nb_error_set(err, EINVAL, "config.json: %s is a bind mount without a source", where);
                c->n_mounts++;
        }
        return 0;
}

static const struct {
        const char *name;
        int type;
} ns_names[] = {
        { "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },      { "ipc", CLONE_NEWIPC },
        { "uts", CLONE_NEWUTS }, { "user", CLONE_NEWUSER },   { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

static int parse_namespaces(jo *a, struct oci_config *c, struct nb_error *err) {
        static const char *const keys[] = { "type", "path", NULL };
        size_t n;
        int r;

        if ((r = want_type(a, json_type_array, "linux.namespaces", err)) < 0)
                return r;
        n = json_object_array_length(a);
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(a, i);
                char *type = NULL, *path = NULL, where[40];
                int t = 0;

                snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
                if ((r = want_type(e, json_type_object, where, err)) < 0 || (r = unknown_keys(e, where, keys, err)) < 0 ||
                    (r = get_string(e, "type", where, &type, err)) < 0 || (r = get_string(e, "path", where, &path, err)) < 0)
                        return r;
                for (size_t k = 0; type && k < ELEMENTSOF(ns_names); k++)
                        if (streq(ns_names[k].name, type))
                                t = ns_names[k].type;
                if (!t)
                        return nb_error_set(err, EINVAL, "config.json: %s.type: unknown namespace %s", where,
                                            type ? type : "(none)");
                if (oci_has_namespace(c, t, NULL))
                        return nb_error_set(err, EINVAL, "config.json: %s: namespace %s listed twice", where, type);
                if (path && !*path)
                        path = NULL;
                if (path && t == CLONE_NEWNS)
                        return nb_error_set(err, EOPNOTSUPP,
                                            "config.json: %s.path: joining a mount namespace is not supported by nixbox-oci",
                                            where);
                if (t == CLONE_NEWTIME)
                        return nb_error_set(err, EOPNOTSUPP, "config.json: %s: the time namespace is not supported by nixbox-oci",
                                            where);
                c->namespaces[c->n_namespaces].type = t;
                c->namespaces[c->n_namespaces].path = path;
                c->n_namespaces++;
        }
        return 0;
}

static int parse_idmaps(jo *a, const char *where, struct oci_idmap **out, size_t *n_out, struct nb_error *err) {
        static const char *const keys[] = { "containerID", "hostID", "size", NULL };
        size_t n;
        int r;

        if ((r = want_type(a, json_type_array, where, err)) < 0)
                return r;
        n = json_object_array_length(a);
        if (n > 340)
                return nb_error_set(err, EINVAL, "config.json: %s has more than 340 entries", where);
        *out = calloc(n + 1, sizeof(**out));
        if (!*out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(a, i);
                int64_t cid = -1, hid = -1, size = -1;
                char w[64];

                snprintf(w, sizeof(w), "%s[%zu]", where, i);
                if ((r = want_type(e, json_type_object, w, err)) < 0 || (r = unknown_keys(e, w, keys, err)) < 0 ||
                    (r = get_int(e, "containerID", w, &cid, err)) < 0 || (r = get_int(e, "hostID", w, &hid, err)) < 0 ||
                    (r = get_int(e, "size", w, &size, err)) < 0)
                        return r;
                if (cid < 0 || hid < 0 || size <= 0 || cid > UINT32_MAX || hid > UINT32_MAX || size > UINT32_MAX)
                        return nb_error_set(err, EINVAL, "config.json: %s needs containerID, hostID and a positive size", w);
                (*out)[i] = (struct oci_idmap){ (uint32_t) cid, (uint32_t) hid, (uint32_t) size };
        }
        *n_out = n;
        return 0;
}

static int parse_access(const char *s, unsigned *out) {
        *out = 0;
        for (; s && *s; s++)
                switch (*s) {
                case 'r':
                        *out |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        *out |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        *out |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return -EINVAL;
                }
        return 0;
}

static int parse_device_rules(jo *a, struct oci_resources *res, struct nb_error *err) {
        static const char *const keys[] = { "allow", "type", "major", "minor", "access", NULL };
        size_t n;
        int r;

        if ((r = want_type(a, json_type_array, "linux.resources.devices", err)) < 0)
                return r;
        n = json_object_array_length(a);
        res->devices = calloc(n + 1, sizeof(*res->devices));
        if (!res->devices)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(a, i);
                struct oci_device_rule *d = &res->devices[i];
                char *type = NULL, *access = NULL, w[48];

                snprintf(w, sizeof(w), "linux.resources.devices[%zu]", i);
                d->major = d->minor = -1;
                if ((r = want_type(e, json_type_object, w, err)) < 0 || (r = unknown_keys(e, w, keys, err)) < 0 ||
                    (r = get_bool(e, "allow", w, &d->allow, err)) < 0 || (r = get_string(e, "type", w, &type, err)) < 0 ||
                    (r = get_int(e, "major", w, &d->major, err)) < 0 || (r = get_int(e, "minor", w, &d->minor, err)) < 0 ||
                    (r = get_string(e, "access", w, &access, err)) < 0)
                        return r;
                d->type = type ? type[0] : 'a';
                if ((type && strlen(type) != 1) || !strchr("acb", d->type))
                        return nb_error_set(err, EINVAL, "config.json: %s.type must be a, c or b", w);
                if (parse_access(access ? access : "rwm", &d->access) < 0)
                        return nb_error_set(err, EINVAL, "config.json: %s.access %s is not a combination of r, w and m", w, access);
                res->n_devices++;
        }
        return 0;
}

static int parse_resources(jo *o, struct oci_resources *res, struct nb_error *err) {
        static const char *const keys[] = { "memory", "pids", "cpu", "blockIO", "devices", NULL };
        static const char *const mem_keys[] = { "limit", "reservation", "swap", "disableOOMKiller", "swappiness", NULL };
        static const char *const cpu_keys[] = { "shares", "quota", "period", "cpus", "mems", NULL };
        static const char *const io_keys[] = { "weight", NULL };
        static const char *const pid_keys[] = { "limit", NULL };
        jo *sub;
        int64_t v;
        int r;

        if ((r = want_type(o, json_type_object, "linux.resources", err)) < 0 ||
            (r = unknown_keys(o, "linux.resources", keys, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "memory", &sub) && !json_object_is_type(sub, json_type_null)) {
                bool b = false;

                if ((r = want_type(sub, json_type_object, "linux.resources.memory", err)) < 0 ||
                    (r = unknown_keys(sub, "linux.resources.memory", mem_keys, err)) < 0 ||
                    (r = get_int(sub, "limit", "linux.resources.memory", &res->memory_limit, err)) < 0 ||
                    (r = get_int(sub, "reservation", "linux.resources.memory", &res->memory_reservation, err)) < 0 ||
                    (r = get_int(sub, "swap", "linux.resources.memory", &res->memory_swap, err)) < 0 ||
                    (r = get_bool(sub, "disableOOMKiller", "linux.resources.memory", &b, err)) < 0)
                        return r;
                if (b)
                        return nb_error_set(err, EOPNOTSUPP,
                                            "config.json: linux.resources.memory.disableOOMKiller does not exist on cgroup v2");
                if (json_object_object_get_ex(sub, "swappiness", &sub) && !json_object_is_type(sub, json_type_null))
                        return nb_error_set(err, EOPNOTSUPP,
                                            "config.json: linux.resources.memory.swappiness does not exist on cgroup v2");
        }
        if (json_object_object_get_ex(o, "pids", &sub) && !json_object_is_type(sub, json_type_null)) {
                if ((r = want_type(sub, json_type_object, "linux.resources.pids", err)) < 0 ||
                    (r = unknown_keys(sub, "linux.resources.pids", pid_keys, err)) < 0 ||
                    (r = get_int(sub, "limit", "linux.resources.pids", &res->pids_limit, err)) < 0)
                        return r;
        }
        if (json_object_object_get_ex(o, "cpu", &sub) && !json_object_is_type(sub, json_type_null)) {
                if ((r = want_type(sub, json_type_object, "linux.resources.cpu", err)) < 0 ||
                    (r = unknown_keys(sub, "linux.resources.cpu", cpu_keys, err)) < 0)
                        return r;
                v = 0;
                if ((r = get_int(sub, "shares", "linux.resources.cpu", &v, err)) < 0)
                        return r;
                res->cpu_shares = (uint64_t) v;
                v = 0;
                if ((r = get_int(sub, "period", "linux.resources.cpu", &v, err)) < 0)
                        return r;
                res->cpu_period = (uint64_t) v;
                if ((r = get_int(sub, "quota", "linux.resources.cpu", &res->cpu_quota, err)) < 0 ||
                    (r = get_string(sub, "cpus", "linux.resources.cpu", &res->cpus, err)) < 0 ||
                    (r = get_string(sub, "mems", "linux.resources.cpu", &res->mems, err)) < 0)
                        return r;
        }
        if (json_object_object_get_ex(o, "blockIO", &sub) && !json_object_is_type(sub, json_type_null)) {
                v = 0;
                if ((r = want_type(sub, json_type_object, "linux.resources.blockIO", err)) < 0 ||
                    (r = unknown_keys(sub, "linux.resources.blockIO", io_keys, err)) < 0 ||
                    (r = get_int(sub, "weight", "linux.resources.blockIO", &v, err)) < 0)
                        return r;
                if (v < 0 || v > 1000)
                        return nb_error_set(err, EINVAL, "config.json: linux.resources.blockIO.weight must be 10..1000");
                res->io_weight = (uint16_t) v;
        }
        if (json_object_object_get_ex(o, "devices", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_device_rules(sub, res, err)) < 0)
                return r;
        return 0;
}

static int parse_devices(jo *a, struct oci_config *c, struct nb_error *err) {
        static const char *const keys[] = { "path", "type", "major", "minor", "fileMode", "uid", "gid", NULL };
        size_t n;
        int r;

        if ((r = want_type(a, json_type_array, "linux.devices", err)) < 0)
                return r;
        n = json_object_array_length(a);
        c->devices = calloc(n + 1, sizeof(*c->devices));
        if (!c->devices)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                jo *e = json_object_array_get_idx(a, i);
                struct oci_device *d = &c->devices[i];
                char *type = NULL, w[40];
                int64_t mode = 0666, uid = 0, gid = 0;

                snprintf(w, sizeof(w), "linux.devices[%zu]", i);
                if ((r = want_type(e, json_type_object, w, err)) < 0 || (r = unknown_keys(e, w, keys, err)) < 0 ||
                    (r = get_string(e, "path", w, &d->path, err)) < 0 || (r = get_string(e, "type", w, &type, err)) < 0 ||
                    (r = get_int(e, "major", w, &d->major, err)) < 0 || (r = get_int(e, "minor", w, &d->minor, err)) < 0 ||
                    (r = get_int(e, "fileMode", w, &mode, err)) < 0 || (r = get_int(e, "uid", w, &uid, err)) < 0 ||
                    (r = get_int(e, "gid", w, &gid, err)) < 0)
                        return r;
                if (!d->path || d->path[0] != '/' || !type || strlen(type) != 1 || !strchr("cbu", type[0]))
                        return nb_error_set(err, EINVAL, "config.json: %s needs an absolute path and type c, b or u", w);
                d->type = type[0] == 'u' ? 'c' : type[0];
                d->mode = (mode_t) mode & 07777;
                d->uid = (uid_t) uid;
                d->gid = (gid_t) gid;
                c->n_devices++;
        }
        return 0;
}

static int parse_sysctl(jo *o, struct oci_config *c, struct nb_error *err) {
        size_t n = 0;
        int r;

        if ((r = want_type(o, json_type_object, "linux.sysctl", err)) < 0)
                return r;
        c->sysctl = calloc(2 * (size_t) json_object_object_length(o) + 1, sizeof(char *));
        if (!c->sysctl)
                return -ENOMEM;
        json_object_object_foreach(o, key, val) {
                if (!json_object_is_type(val, json_type_string))
                        return nb_error_set(err, EINVAL, "config.json: linux.sysctl.%s must be a string", key);
                if (strstr(key, "..") || strchr(key, '/') == key)
                        return nb_error_set(err, EINVAL, "config.json: linux.sysctl.%s is not a sysctl name", key);
                c->sysctl[n++] = key;
                c->sysctl[n++] = (char *) json_object_get_string(val);
        }
        return 0;
}

static int parse_propagation(const char *s, unsigned long *out, struct nb_error *err) {
        for (size_t k = 0; k < ELEMENTSOF(mount_options); k++)
                if (mount_options[k].propagation && streq(mount_options[k].name, s)) {
                        *out = mount_options[k].propagation;
                        return 0;
                }
        return nb_error_set(err, EINVAL, "config.json: linux.rootfsPropagation %s is not a propagation type", s);
}

static int parse_linux(jo *o, struct oci_config *c, struct nb_error *err) {
        static const char *const keys[] = { "namespaces",  "uidMappings",       "gidMappings", "resources",
                                            "cgroupsPath", "seccomp",           "maskedPaths", "readonlyPaths",
                                            "sysctl",      "rootfsPropagation", "devices",     "mountLabel",
                                            NULL };
        char *s = NULL;
        jo *sub;
        int r;

        if ((r = want_type(o, json_type_object, "linux", err)) < 0 || (r = unknown_keys(o, "linux", keys, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "namespaces", &sub) && (r = parse_namespaces(sub, c, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "uidMappings", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_idmaps(sub, "linux.uidMappings", &c->uid_maps, &c->n_uid_maps, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "gidMappings", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_idmaps(sub, "linux.gidMappings", &c->gid_maps, &c->n_gid_maps, err)) < 0)
                return r;
        if ((c->n_uid_maps || c->n_gid_maps) && !oci_has_namespace(c, CLONE_NEWUSER, NULL))
                return nb_error_set(err, EINVAL,
                                    "config.json: linux.uidMappings/gidMappings need a user namespace in linux.namespaces");
        if (json_object_object_get_ex(o, "resources", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_resources(sub, &c->res, err)) < 0)
                return r;
        if ((r = get_string(o, "cgroupsPath", "linux", &c->cgroups_path, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "seccomp", &sub) && !json_object_is_type(sub, json_type_null)) {
                if ((r = want_type(sub, json_type_object, "linux.seccomp", err)) < 0)
                        return r;
                c->seccomp = sub;
        }
        if ((r = get_strv(o, "maskedPaths", "linux", &c->masked, err)) < 0 ||
            (r = get_strv(o, "readonlyPaths", "linux", &c->readonly, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "sysctl", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_sysctl(sub, c, err)) < 0)
                return r;
        if ((r = get_string(o, "rootfsPropagation", "linux", &s, err)) < 0)
                return r;
        if (s && *s && (r = parse_propagation(s, &c->rootfs_propagation, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "devices", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_devices(sub, c, err)) < 0)
                return r;
        s = NULL;
        if ((r = get_string(o, "mountLabel", "linux", &s, err)) < 0)
                return r;
        if (s && *s)
                return nb_error_set(err, EOPNOTSUPP, "config.json: linux.mountLabel (%s) is not supported by nixbox-oci", s);
        return 0;
}

static int parse_hooks(jo *o, struct oci_config *c, struct nb_error *err) {
        static const char *const names[] = {
                "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop", NULL
        };
        static const char *const keys[] = { "path", "args", "env", "timeout", NULL };
        int r;

        if ((r = want_type(o, json_type_object, "hooks", err)) < 0 || (r = unknown_keys(o, "hooks", names, err)) < 0)
                return r;
        for (size_t h = 0; h < HOOK_MAX; h++) {
                jo *a;
                size_t n;

                if (!json_object_object_get_ex(o, names[h], &a) || json_object_is_type(a, json_type_null))
                        continue;
                if ((r = want_type(a, json_type_array, names[h], err)) < 0)
                        return r;
                n = json_object_array_length(a);
                c->hooks[h] = calloc(n + 1, sizeof(struct oci_hook));
                if (!c->hooks[h])
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        jo *e = json_object_array_get_idx(a, i);
                        struct oci_hook *k = &c->hooks[h][i];
                        char w[48];
                        int64_t t = 0;

                        snprintf(w, sizeof(w), "hooks.%s[%zu]", names[h], i);
                        if ((r = want_type(e, json_type_object, w, err)) < 0 || (r = unknown_keys(e, w, keys, err)) < 0 ||
                            (r = get_string(e, "path", w, &k->path, err)) < 0 || (r = get_strv(e, "args", w, &k->args, err)) < 0 ||
                            (r = get_strv(e, "env", w, &k->env, err)) < 0 || (r = get_int(e, "timeout", w, &t, err)) < 0)
                                return r;
                        if (!k->path || k->path[0] != '/')
                                return nb_error_set(err, EINVAL, "config.json: %s.path must be an absolute path", w);
                        if (t < 0 || t > 3600)
                                return nb_error_set(err, EINVAL, "config.json: %s.timeout must be 1..3600", w);
                        k->timeout = (int) t;
                        c->n_hooks[h]++;
                }
        }
        return 0;
}

static int load_json(const char *path, jo **out, struct nb_error *err) {
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = malloc(CONFIG_MAX);
        enum json_tokener_error jerr;
        ssize_t n;

        if (!buf)
                return -ENOMEM;
        fd = open_regular_at(AT_FDCWD, path, 0, O_RDONLY, NULL);
        if (fd < 0)
                return nb_error_set(err, fd, "open %s", path);
        n = read_bounded(fd, buf, CONFIG_MAX);
        if (n < 0)
                return nb_error_set(err, n, "read %s", path);
        *out = json_tokener_parse_verbose(buf, &jerr);
        if (!*out)
                return nb_error_set(err, EINVAL, "parse %s: %s", path, json_tokener_error_desc(jerr));
        if (!json_object_is_type(*out, json_type_object))
                return nb_error_set(err, EINVAL, "parse %s: not a JSON object", path);
        return 0;
}

int oci_config_load(const char *bundle, struct oci_config *c, struct nb_error *err) {
        static const char *const keys[] = { "ociVersion", "process", "root",  "hostname",    "domainname",
                                            "mounts",     "linux",   "hooks", "annotations", NULL };
        static const char *const root_keys[] = { "path", "readonly", NULL };
        char path[4200], *v = NULL;
        jo *o, *sub;
        int r;

        memset(c, 0, sizeof(*c));
        c->res.memory_limit = c->res.memory_reservation = c->res.memory_swap = -1;
        if (!realpath(bundle, c->bundle))
                return nb_error_set(err, errno, "bundle %s", bundle);
        snprintf(path, sizeof(path), "%s/config.json", c->bundle);
        if ((r = load_json(path, &c->json, err)) < 0)
                return r;
        o = c->json;
        if ((r = unknown_keys(o, "", keys, err)) < 0)
                return r;
        if ((r = get_string(o, "ociVersion", "", &v, err)) < 0)
                return r;
        if (!v || !startswith(v, "1."))
                return nb_error_set(err, EINVAL, "config.json: ociVersion %s is not 1.x", v ? v : "(missing)");
        if (!json_object_object_get_ex(o, "process", &sub))
                return nb_error_set(err, EINVAL, "config.json: process is missing");
        if ((r = parse_process(sub, &c->process, err)) < 0)
                return r;
        if (!json_object_object_get_ex(o, "root", &sub))
                return nb_error_set(err, EINVAL, "config.json: root is missing");
        if ((r = want_type(sub, json_type_object, "root", err)) < 0 || (r = unknown_keys(sub, "root", root_keys, err)) < 0 ||
            (r = get_string(sub, "path", "root", &v, err)) < 0 ||
            (r = get_bool(sub, "readonly", "root", &c->root_readonly, err)) < 0)
                return r;
        if (!v)
                return nb_error_set(err, EINVAL, "config.json: root.path is missing");
        if (v[0] == '/')
                c->root_path = strdup(v);
        else if (asprintf(&c->root_path, "%s/%s", c->bundle, v) < 0)
                c->root_path = NULL;
        if (!c->root_path)
                return -ENOMEM;
        if ((r = get_string(o, "hostname", "", &c->hostname, err)) < 0 ||
            (r = get_string(o, "domainname", "", &c->domainname, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "mounts", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_mounts(sub, c, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "linux", &sub) && (r = parse_linux(sub, c, err)) < 0)
                return r;
        if ((c->hostname || c->domainname) && !oci_has_namespace(c, CLONE_NEWUTS, NULL))
                return nb_error_set(err, EINVAL, "config.json: hostname needs a uts namespace in linux.namespaces");
        if (json_object_object_get_ex(o, "hooks", &sub) && !json_object_is_type(sub, json_type_null) &&
            (r = parse_hooks(sub, c, err)) < 0)
                return r;
        if (json_object_object_get_ex(o, "annotations", &sub) && json_object_is_type(sub, json_type_object))
                c->annotations = sub;
        return 0;
}

int oci_process_load(const char *path, struct oci_process *p, jo **owner, struct nb_error *err) {
        int r;

        memset(p, 0, sizeof(*p));
        if ((r = load_json(path, owner, err)) < 0)
                return r;
        r = parse_process(*owner, p, err);
        if (r < 0)
                nb_error_prefix(err, "%s", path);
        return r;
}

static void process_free(struct oci_process *p) {
        free(p->args);
        free(p->env);
        free(p->user.gids);
        free(p->rlimits);
}

void oci_config_free(struct oci_config *c) {
        process_free(&c->process);
        free(c->root_path);
        for (size_t i = 0; i < c->n_mounts; i++)
                free(c->mounts[i].data);
        free(c->mounts);
        free(c->uid_maps);
        free(c->gid_maps);
        free(c->devices);
        free(c->res.devices);
        free(c->sysctl);
        free(c->masked);
        free(c->readonly);
        for (size_t h = 0; h < HOOK_MAX; h++) {
                for (size_t i = 0; i < c->n_hooks[h]; i++) {
                        free(c->hooks[h][i].args);
                        free(c->hooks[h][i].env);
                }
                free(c->hooks[h]);
        }
        if (c->json)
                json_object_put(c->json);
        memset(c, 0, sizeof(*c));
}

bool oci_has_namespace(const struct oci_config *c, int type, const char **path) {
        for (size_t i = 0; i < c->n_namespaces; i++)
                if (c->namespaces[i].type == type) {
                        if (path)
                                *path = c->namespaces[i].path;
                        return true;
                }
        return false;
}

/* runc's `spec` output: a shell in ./rootfs with runc's default mounts,
 * masked paths and namespaces. */
void oci_spec_print(FILE *f, bool rootless) {
        fprintf(f,
                "{\n"
                "  \"ociVersion\": \"%s\",\n"
                "  \"process\": {\n"
                "    \"terminal\": true,\n"
                "    \"user\": { \"uid\": 0, \"gid\": 0 },\n"
                "    \"args\": [ \"sh\" ],\n"
                "    \"env\": [ \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TERM=xterm\" ],\n"
                "    \"cwd\": \"/\",\n"
                "    \"capabilities\": {\n"
                "      \"bounding\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
                "      \"effective\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
                "      \"permitted\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ],\n"
                "      \"ambient\": [ \"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\" ]\n"
                "    },\n"
                "    \"rlimits\": [ { \"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024 } ],\n"
                "    \"noNewPrivileges\": true\n"
                "  },\n"
                "  \"root\": { \"path\": \"rootfs\", \"readonly\": true },\n"
                "  \"hostname\": \"nixbox\",\n"
                "  \"mounts\": [\n"
                "    { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" },\n"
                "    { \"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\", \"options\": [ \"nosuid\", "
                "\"strictatime\", \"mode=755\", \"size=65536k\" ] },\n"
                "    { \"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\", \"options\": [ \"nosuid\", "
                "\"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\"%s ] },\n"
                "    { \"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\", \"options\": [ \"nosuid\", "
                "\"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\" ] },\n"
                "    { \"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\", \"options\": [ "
                "\"nosuid\", \"noexec\", \"nodev\" ] },\n"
                "    { \"destination\": \"/sys\", \"type\": \"%s\", \"source\": \"%s\", \"options\": [ %s\"nosuid\", \"noexec\", "
                "\"nodev\", \"ro\" ] },\n"
                "    { \"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\", \"options\": [ "
                "\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\" ] }\n"
                "  ],\n"
                "  \"linux\": {\n",
                OCI_VERSION, rootless ? "" : ", \"gid=5\"", rootless ? "bind" : "sysfs", rootless ? "/sys" : "sysfs",
                rootless ? "\"rbind\", " : "");
        if (rootless)
                fprintf(f,
                        "    \"uidMappings\": [ { \"containerID\": 0, \"hostID\": %u, \"size\": 1 } ],\n"
                        "    \"gidMappings\": [ { \"containerID\": 0, \"hostID\": %u, \"size\": 1 } ],\n",
                        (unsigned) getuid(), (unsigned) getgid());
        else
                fputs("    \"resources\": { \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ] },\n", f);
        fprintf(f,
                "    \"namespaces\": [ { \"type\": \"pid\" }, %s{ \"type\": \"ipc\" }, { \"type\": \"uts\" }, { \"type\": "
                "\"mount\" }, "
                "{ \"type\": \"cgroup\" }%s ],\n"
                "    \"maskedPaths\": [ \"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\", "
                "\"/proc/latency_stats\", "
                "\"/proc/timer_list\", \"/proc/timer_stats\", \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\" ],\n"
                "    \"readonlyPaths\": [ \"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\", \"/proc/sysrq-trigger\" ]\n"
                "  }\n"
                "}\n",
                rootless ? "" : "{ \"type\": \"network\" }, ", rootless ? ", { \"type\": \"user\" }" : "");
}
