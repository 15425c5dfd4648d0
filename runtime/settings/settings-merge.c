/* Merges a parsed .nspawn file onto struct options (nspawn's
 * merge_settings()), and prints the result with provenance. */
#include <assert.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>

#include "capabilities.h"
#include "error.h"
#include "log.h"
#include "parse-util.h"
#include "settings-locate.h"
#include "settings-merge.h"

/* Keys whose setting the runtime does not act on yet: the value still goes
 * into struct options, with a warning. Set an entry to true when its
 * feature lands (nixbox.nspawn(5) documents the same list). */
static const bool implemented[_SK_MAX] = {
        [SK_BOOT] = true, [SK_PROCESS_TWO] = true, [SK_PARAMETERS] = true, [SK_ENVIRONMENT] = true,
        [SK_USER] = true, [SK_WORKING_DIRECTORY] = true, [SK_CAPABILITY] = true, [SK_DROP_CAPABILITY] = true,
        [SK_NO_NEW_PRIVILEGES] = true, [SK_KILL_SIGNAL] = true, [SK_MACHINE_ID] = true,
        [SK_PRIVATE_USERS] = true, [SK_SYSCALL_FILTER] = true, [SK_HOSTNAME] = true,
        [SK_NOTIFY_READY] = true,
        [SK_LIMIT_FIRST ... SK_LIMIT_LAST] = true,
        [SK_OOM_SCORE_ADJUST] = true, [SK_CPU_AFFINITY] = true, [SK_RESOLV_CONF] = true,
        [SK_TIMEZONE] = true, [SK_LINK_JOURNAL] = true, [SK_EPHEMERAL] = true,
        [SK_READ_ONLY] = true, [SK_VOLATILE] = true,
        [SK_BIND] = true, [SK_BIND_READ_ONLY] = true, [SK_TEMPORARY_FILE_SYSTEM] = true, [SK_INACCESSIBLE] = true,
        [SK_OVERLAY] = true, [SK_OVERLAY_READ_ONLY] = true,
        [SK_PRIVATE_USERS_OWNERSHIP] = true, [SK_PRIVATE_USERS_CHOWN] = true,
        [SK_PRIVATE] = true, [SK_VIRTUAL_ETHERNET] = true, [SK_VIRTUAL_ETHERNET_EXTRA] = true,
        [SK_INTERFACE] = true, [SK_MACVLAN] = true, [SK_IPVLAN] = true, [SK_BRIDGE] = true,
        [SK_ZONE] = true, [SK_PORT] = true, [SK_HOST_ADDRESS] = true, [SK_LOCAL_ADDRESS] = true,
        [SK_IP_MASQUERADE] = true,
        [SK_MEMORY_MAX] = true, [SK_MEMORY_HIGH] = true, [SK_TASKS_MAX] = true, [SK_CPU_QUOTA] = true,
        [SK_CPU_WEIGHT] = true, [SK_IO_WEIGHT] = true,
};

bool settings_key_implemented(enum settings_key k) {
        assert(k >= 0 && k < _SK_MAX);
        return implemented[k];
}

void settings_provenance_done(struct settings_provenance *p) {
        if (!p)
                return;
        free(p->path);
        strv_free(p->warnings);
        free(p->mount_lines);
        *p = (struct settings_provenance) {};
}

struct merge {
        struct options *o;
        const struct settings *s;
        struct settings_provenance *p;
        uint64_t mask;                   /* command-line bits that win (0 with override) */
        bool trusted;
};

static void warn(struct merge *m, unsigned line, const char *fmt, ...) _printf_(3, 4);
static void warn(struct merge *m, unsigned line, const char *fmt, ...) {
        char msg[1024], *full = NULL;
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (asprintf(&full, "%s:%u: %s", m->s->path, line, msg) < 0)
                return;
        (void) strv_consume(&m->p->warnings, &m->p->n_warnings, full);
}

static void ignore(struct merge *m, enum settings_key k, enum settings_ignored why) {
        m->p->ignored[k] = why;
        m->p->ignored_line[k] = m->s->line[k];
}

/* Decides whether key k of the file applies, recording why not. cli_set:
 * the command line set this value (and wins unless overridden). */
static bool may_apply_cli(struct merge *m, enum settings_key k, bool cli_set) {
        const struct settings_key_info *info = settings_key_info(k);
        unsigned line = m->s->line[k];

        if (!line)
                return false;
        if (!info->supported) {
                warn(m, line, "%s= is not supported by nixbox, ignoring", info->name);
                ignore(m, k, IGNORED_UNSUPPORTED);
                return false;
        }
        if (cli_set) {
                ignore(m, k, IGNORED_COMMAND_LINE);
                return false;
        }
        if (info->privileged && !m->trusted) {
                warn(m, line, "ignoring %s=: the file is not trusted (only files in /etc/nixbox/, /run/nixbox/, "
                     "/etc/systemd/nspawn/ and /run/systemd/nspawn/ are; see --settings=trusted)", info->name);
                ignore(m, k, IGNORED_UNTRUSTED);
                return false;
        }
        if (!implemented[k])
                warn(m, line, "%s= is not implemented by nixbox yet: the setting has no effect", info->name);
        m->p->line[k] = line;
        return true;
}

static bool may_apply(struct merge *m, enum settings_key k) {
        return may_apply_cli(m, k, (m->mask & settings_key_info(k)->set_bit) != 0);
}

/* ---- copies ---- */

static int copy_strv(char ***dst, size_t *n_dst, char *const *src, size_t n) {
        char **v = calloc(n + 1, sizeof(char *));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                v[i] = strdup(src[i]);
                if (!v[i]) {
                        strv_free(v);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < *n_dst; i++)
                free((*dst)[i]);
        free(*dst);
        *dst = v;
        *n_dst = n;
        return 0;
}

static int copy_string(char **dst, const char *src) {
        char *c = NULL;

        if (src && !(c = strdup(src)))
                return -ENOMEM;
        free(*dst);
        *dst = c;
        return 0;
}

static int copy_pairs(struct iface_pair **dst, size_t *n_dst, const struct iface_pair *src, size_t n) {
        struct iface_pair *v = calloc(n ? n : 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                v[i].host = strdup(src[i].host);
                v[i].container = src[i].container ? strdup(src[i].container) : NULL;
                if (!v[i].host || (src[i].container && !v[i].container)) {
                        size_t k = i + 1;
                        iface_pair_list_free(&v, &k);
                        return -ENOMEM;
                }
        }
        iface_pair_list_free(dst, n_dst);
        *dst = v;
        *n_dst = n;
        return 0;
}

static int copy_array(void *dst, size_t *n_dst, const void *src, size_t n, size_t elem) {
        void **d = dst;
        void *v = malloc(n ? n * elem : 1);

        if (!v)
                return -ENOMEM;
        if (n)
                memcpy(v, src, n * elem);
        free(*d);
        *d = v;
        *n_dst = n;
        return 0;
}

static int copy_mounts(struct options *o, const struct settings *s) {
        struct custom_mount *v = calloc(s->n_mounts ? s->n_mounts : 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_mounts; i++)
                if (custom_mount_copy(&s->mounts[i], &v[i]) < 0) {
                        for (size_t j = 0; j < i; j++)
                                custom_mount_free(&v[j]);
                        free(v);
                        return -ENOMEM;
                }
        for (size_t i = 0; i < o->n_mounts; i++)
                custom_mount_free(&o->mounts[i]);
        free(o->mounts);
        o->mounts = v;
        o->n_mounts = s->n_mounts;
        return 0;
}

/* ---- the groups of keys ---- */

/* The mount keys are in the order of enum custom_mount_type. */
_Static_assert(SK_BIND + MOUNT_BIND_RO == SK_BIND_READ_ONLY, "mount key order");
_Static_assert(SK_BIND + MOUNT_TMPFS == SK_TEMPORARY_FILE_SYSTEM, "mount key order");
_Static_assert(SK_BIND + MOUNT_INACCESSIBLE == SK_INACCESSIBLE, "mount key order");
_Static_assert(SK_BIND + MOUNT_OVERLAY_RO == SK_OVERLAY_READ_ONLY, "mount key order");

static int merge_exec(struct merge *m) {
        struct options *o = m->o;
        const struct settings *s = m->s;
        /* nspawn: a command or --boot on the command line masks the file's
         * start mode and its Parameters= together. */
        bool start_cli = m->mask & (SET_BOOT | SET_PARAMETERS);
        int r;

        if (s->start_mode != START_UNSET) {
                enum settings_key k = s->line[SK_BOOT] ? SK_BOOT : SK_PROCESS_TWO;
                if (may_apply_cli(m, k, start_cli)) {
                        o->start_mode = s->start_mode == START_BOOT ? START_BOOT : START_PID2;
                        o->boot_explicit = s->start_mode == START_BOOT;
                        /* nspawn's start modes: Boot=no / ProcessTwo=no run the
                         * command as PID 1 (how NixOS's <toplevel>/init is started),
                         * ProcessTwo=yes under a stub init. */
                        if (!(m->mask & SET_PROCESS_TWO)) {
                                o->command_mode = s->start_mode == START_PID1 ? START_PID1 : START_PID2;
                                m->p->line[SK_PROCESS_TWO] = s->line[SK_PROCESS_TWO] ? s->line[SK_PROCESS_TWO] : s->line[k];
                        }
                        /* The one line decides both. */
                        m->p->line[SK_BOOT] = s->line[SK_BOOT] ? s->line[SK_BOOT] : s->line[k];
                }
        }
        if (may_apply_cli(m, SK_PARAMETERS, start_cli))
                if ((r = copy_strv(&o->argv, &o->argc, s->parameters, s->n_parameters)) < 0)
                        return r;
        if (may_apply(m, SK_ENVIRONMENT))
                if ((r = copy_strv(&o->setenv, &o->n_setenv, s->environment, s->n_environment)) < 0)
                        return r;
        if (may_apply(m, SK_USER) && (r = copy_string(&o->user, s->user)) < 0)
                return r;
        if (may_apply(m, SK_WORKING_DIRECTORY) && (r = copy_string(&o->working_dir, s->working_dir)) < 0)
                return r;
        if (may_apply(m, SK_CAPABILITY))
                o->caps_add |= s->caps_add;
        /* Not privileged: dropping is always safe. */
        if (may_apply(m, SK_DROP_CAPABILITY))
                o->caps_drop |= s->caps_drop;
        if (may_apply(m, SK_NO_NEW_PRIVILEGES))
                o->no_new_privileges = s->no_new_privileges;
        if (may_apply(m, SK_KILL_SIGNAL))
                o->kill_signal = s->kill_signal;
        if (may_apply(m, SK_MACHINE_ID) && (r = copy_string(&o->uuid, s->machine_id)) < 0)
                return r;
        if (may_apply(m, SK_NOTIFY_READY))
                o->notify_ready = s->notify_ready;

        /* SystemCallFilter=: deny entries (~NAME) are safe from any file,
         * allow entries need trust. */
        if (s->line[SK_SYSCALL_FILTER]) {
                bool trusted = m->trusted;
                bool has_allow = false;

                for (size_t i = 0; i < s->n_syscall_filter; i++)
                        has_allow |= s->syscall_filter[i][0] != '~';
                if (has_allow && !trusted)
                        warn(m, s->line[SK_SYSCALL_FILTER], "ignoring the allow entries of SystemCallFilter=: "
                             "the file is not trusted (deny entries still apply)");
                m->trusted = true;   /* the allow entries are filtered out below instead */
                bool apply = may_apply(m, SK_SYSCALL_FILTER);
                m->trusted = trusted;
                if (apply) {
                        char **v = calloc(s->n_syscall_filter + 1, sizeof(char *));
                        size_t n = 0;
                        if (!v)
                                return -ENOMEM;
                        for (size_t i = 0; i < s->n_syscall_filter; i++) {
                                if (!trusted && s->syscall_filter[i][0] != '~')
                                        continue;
                                if (!(v[n++] = strdup(s->syscall_filter[i]))) {
                                        strv_free(v);
                                        return -ENOMEM;
                                }
                        }
                        for (size_t i = 0; i < o->n_syscall_filter; i++)
                                free(o->syscall_filter[i]);
                        free(o->syscall_filter);
                        o->syscall_filter = v;
                        o->n_syscall_filter = n;
                }
        }

        /* Limit*=: per resource, as nspawn's SETTING_RLIMIT_FIRST + n. */
        for (int i = 0; i < RLIM_NLIMITS; i++) {
                enum settings_key k = SK_LIMIT_FIRST + i;
                if (!may_apply_cli(m, k, (m->mask & SET_RLIMIT) && o->rlimits[i]))
                        continue;
                if (!o->rlimits[i] && !(o->rlimits[i] = malloc(sizeof(struct rlimit))))
                        return -ENOMEM;
                *o->rlimits[i] = s->rlimits[i];
        }

        if (may_apply(m, SK_OOM_SCORE_ADJUST)) {
                o->oom_score_adjust_set = true;
                o->oom_score_adjust = s->oom_score_adjust;
        }
        if (may_apply(m, SK_CPU_AFFINITY)) {
                o->cpu_affinity_set = true;
                memcpy(o->cpu_affinity, s->cpu_affinity, sizeof(o->cpu_affinity));
        }
        if (may_apply(m, SK_HOSTNAME) && (r = copy_string(&o->hostname, s->hostname)) < 0)
                return r;
        if (may_apply(m, SK_RESOLV_CONF))
                o->resolv_conf = s->resolv_conf;
        if (may_apply(m, SK_TIMEZONE))
                o->timezone = s->timezone;
        if (may_apply(m, SK_LINK_JOURNAL))
                o->link_journal = s->link_journal;
        if (may_apply(m, SK_EPHEMERAL))
                o->ephemeral = s->ephemeral;
        for (enum settings_key k = SK_AMBIENT_CAPABILITY; k <= SK_SUPPRESS_SYNC; k++)
                (void) may_apply(m, k);   /* warns */
        return 0;
}

static int merge_files(struct merge *m) {
        static const enum settings_key mount_keys[] = {
                SK_BIND, SK_BIND_READ_ONLY, SK_TEMPORARY_FILE_SYSTEM, SK_INACCESSIBLE, SK_OVERLAY, SK_OVERLAY_READ_ONLY,
        };
        struct options *o = m->o;
        const struct settings *s = m->s;
        bool mounts = false, refused = false;
        int r;

        if (may_apply(m, SK_READ_ONLY))
                o->read_only = s->read_only;
        if (may_apply(m, SK_VOLATILE))
                o->volatile_mode = s->volatile_mode;

        /* The mount keys go together: the file's list replaces o's. They
         * share trust and command-line bit, so all apply or none. */
        for (size_t i = 0; i < ELEMENTSOF(mount_keys); i++)
                if (s->line[mount_keys[i]]) {
                        if (may_apply(m, mount_keys[i]))
                                mounts = true;
                        else
                                refused = true;
                }
        if (refused)
                mounts = false;
        if (mounts) {
                if ((r = copy_mounts(o, s)) < 0)
                        return r;
                free(m->p->mount_lines);
                m->p->n_mount_lines = 0;
                if (!(m->p->mount_lines = malloc(s->n_mounts * sizeof(unsigned))))
                        return -ENOMEM;
                memcpy(m->p->mount_lines, s->mount_lines, s->n_mounts * sizeof(unsigned));
                m->p->n_mount_lines = s->n_mounts;
        }

        if (s->line[SK_PRIVATE_USERS]) {
                if (may_apply(m, SK_PRIVATE_USERS)) {
                        o->private_users = s->private_users;
                        o->uid_shift = s->uid_shift;
                        o->uid_range = s->uid_range;
                        /* Ownership follows the mode unless given (nspawn's
                         * settings_load(); nixbox's -U default for pick). */
                        if (!s->line[SK_PRIVATE_USERS_OWNERSHIP] && !(m->mask & SET_OWNERSHIP)) {
                                if (s->private_users == PRIVATE_USERS_PICK)
                                        o->ownership = OWNERSHIP_AUTO;
                                else if (s->private_users == PRIVATE_USERS_NO || s->private_users == PRIVATE_USERS_IDENTITY)
                                        o->ownership = OWNERSHIP_OFF;
                                m->p->line[SK_PRIVATE_USERS_OWNERSHIP] = s->line[SK_PRIVATE_USERS];
                        }
                }
        }
        if (may_apply(m, SK_PRIVATE_USERS_OWNERSHIP))
                o->ownership = s->ownership;
        (void) may_apply(m, SK_BIND_USER);   /* unsupported: warns */
        return 0;
}

static int merge_network(struct merge *m) {
        struct options *o = m->o;
        const struct settings *s = m->s;
        bool any = false, ok = true;
        int r;

        /* nspawn applies [Network] as a whole or not at all. */
        for (enum settings_key k = SK_PRIVATE; k <= SK_IP_MASQUERADE; k++)
                if (k != SK_PORT && s->line[k]) {
                        any = true;
                        if (!may_apply(m, k))
                                ok = false;
                }
        if (any && ok) {
                bool implied = s->n_veth_extra || s->n_interfaces || s->n_macvlan || s->n_ipvlan || s->bridge || s->zone;

                unsigned implied_by = s->bridge ? s->line[SK_BRIDGE] : s->zone ? s->line[SK_ZONE] : 0;

                if (s->line[SK_PRIVATE])
                        o->private_network = s->private_network;
                if (s->line[SK_VIRTUAL_ETHERNET])
                        o->network_veth = s->network_veth;
                if (implied_by && !s->line[SK_VIRTUAL_ETHERNET]) {
                        o->network_veth = true;
                        m->p->line[SK_VIRTUAL_ETHERNET] = implied_by;
                }
                if (!implied_by)
                        implied_by = s->n_veth_extra ? s->line[SK_VIRTUAL_ETHERNET_EXTRA] : s->n_interfaces ? s->line[SK_INTERFACE]
                                   : s->n_macvlan ? s->line[SK_MACVLAN] : s->n_ipvlan ? s->line[SK_IPVLAN]
                                   : o->network_veth ? s->line[SK_VIRTUAL_ETHERNET] : 0;
                if ((implied || o->network_veth) && !o->private_network) {
                        o->private_network = true;
                        m->p->line[SK_PRIVATE] = implied_by;
                } else if ((implied || o->network_veth) && !s->line[SK_PRIVATE] && implied_by)
                        m->p->line[SK_PRIVATE] = implied_by;
                if ((r = copy_pairs(&o->veth_extra, &o->n_veth_extra, s->veth_extra, s->n_veth_extra)) < 0 ||
                    (r = copy_pairs(&o->interfaces, &o->n_interfaces, s->interfaces, s->n_interfaces)) < 0 ||
                    (r = copy_pairs(&o->macvlan, &o->n_macvlan, s->macvlan, s->n_macvlan)) < 0 ||
                    (r = copy_pairs(&o->ipvlan, &o->n_ipvlan, s->ipvlan, s->n_ipvlan)) < 0 ||
                    (r = copy_string(&o->network_bridge, s->bridge)) < 0 ||
                    (r = copy_string(&o->network_zone, s->zone)) < 0 ||
                    (r = copy_array(&o->host_addresses, &o->n_host_addresses, s->host_addresses, s->n_host_addresses,
                                    sizeof(struct address))) < 0 ||
                    (r = copy_array(&o->local_addresses, &o->n_local_addresses, s->local_addresses, s->n_local_addresses,
                                    sizeof(struct address))) < 0)
                        return r;
                if (s->line[SK_IP_MASQUERADE])
                        o->masquerade = s->masquerade;
        } else if (any) {
                /* Some key was refused: none of the others applies either. */
                for (enum settings_key k = SK_PRIVATE; k <= SK_IP_MASQUERADE; k++)
                        if (k != SK_PORT && m->p->line[k]) {
                                m->p->line[k] = 0;
                                ignore(m, k, m->trusted ? IGNORED_COMMAND_LINE : IGNORED_UNTRUSTED);
                        }
        }

        if (s->n_ports > 0 && may_apply(m, SK_PORT))
                if ((r = copy_array(&o->ports, &o->n_ports, s->ports, s->n_ports, sizeof(struct port_forward))) < 0)
                        return r;
        return 0;
}

static void merge_resources(struct merge *m) {
        struct resources *o = &m->o->resources;
        const struct resources *s = &m->s->resources;
        bool cli = m->mask & SET_RESOURCES;

        /* Per value: the command line's own values win, the rest are filled. */
#define RESOURCE(key, field)                                                          \
        if (s->field##_set && may_apply_cli(m, key, cli && o->field##_set)) {         \
                o->field = s->field;                                                  \
                o->field##_set = true;                                                \
        }
        RESOURCE(SK_MEMORY_MAX, memory_max);
        RESOURCE(SK_MEMORY_HIGH, memory_high);
        RESOURCE(SK_TASKS_MAX, tasks_max);
        RESOURCE(SK_CPU_WEIGHT, cpu_weight);
        RESOURCE(SK_IO_WEIGHT, io_weight);
        if (s->cpu_quota_set && may_apply_cli(m, SK_CPU_QUOTA, cli && o->cpu_quota_set)) {
                o->cpu_quota_usec = s->cpu_quota_usec;
                o->cpu_quota_set = true;
        }
#undef RESOURCE
}

int settings_merge(struct options *o, const struct settings *s, bool trusted, struct settings_provenance *prov,
                   struct nb_error *err) {
        struct settings_provenance local = {};
        struct merge m = {
                .o = o,
                .s = s,
                .p = prov ? prov : &local,
                .mask = o->settings == SETTINGS_OVERRIDE ? 0 : o->set_mask,
                .trusted = trusted || o->settings == SETTINGS_TRUSTED,
        };
        int r;

        assert(o && s);
        if (o->settings == SETTINGS_NO)
                return 0;

        free(m.p->path);
        m.p->path = strdup(s->path);
        if (!m.p->path)
                return nb_error_set(err, ENOMEM, "merge %s", s->path);
        m.p->trusted = m.trusted;

        r = merge_exec(&m);
        if (r >= 0)
                r = merge_files(&m);
        if (r >= 0)
                r = merge_network(&m);
        if (r >= 0)
                merge_resources(&m);
        if (!prov)
                settings_provenance_done(&local);
        if (r < 0)
                return nb_error_set(err, r, "apply %s", s->path);
        return 0;
}

int settings_load_from(const char *const *trusted_dirs, uid_t owner, struct options *o, const char *name,
                       struct settings_provenance *prov, struct nb_error *err) {
        _cleanup_(settings_freep) struct settings *s = NULL;
        struct settings_found found;
        struct settings_provenance local = {};
        struct settings_provenance *p = prov ? prov : &local;
        int r;

        if (o->settings == SETTINGS_NO)
                return 0;
        r = settings_locate_in(trusted_dirs, owner, name, o->root, &found, err);
        if (r <= 0)
                return r;
        r = settings_parse_fd(found.fd, found.path, &s, err);
        if (r >= 0) {
                for (size_t i = 0; i < s->n_warnings; i++)
                        log_warn("%s", s->warnings[i]);
                size_t before = p->n_warnings;
                r = settings_merge(o, s, found.trusted, p, err);
                for (size_t i = before; i < p->n_warnings; i++)
                        log_warn("%s", p->warnings[i]);
        }
        settings_found_done(&found);
        settings_provenance_done(&local);
        return r;
}

int settings_load(struct options *o, const char *name, struct settings_provenance *prov, struct nb_error *err) {
        return settings_load_from(settings_trusted_dirs(), 0, o, name, prov, err);
}

/* ---- printing ---- */

static void print_word(FILE *f, const char *w) {
        /* Quote for parse_words(): no backslash escapes exist there, so a
         * word with both quote kinds cannot be written exactly. */
        if (*w && !strpbrk(w, " \t\n\r\"'"))
                fputs(w, f);
        else if (!strchr(w, '"'))
                fprintf(f, "\"%s\"", w);
        else
                fprintf(f, "'%s'", w);
}

static void print_pairs(FILE *f, const char *key, const struct iface_pair *v, size_t n) {
        fprintf(f, "%s=", key);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s:%s", i ? " " : "", v[i].host, v[i].container ? v[i].container : v[i].host);
}

static void print_rlimit_value(FILE *f, rlim_t v) {
        if (v == RLIM_INFINITY)
                fputs("infinity", f);
        else
                fprintf(f, "%" PRIu64, (uint64_t) v);
}

/* Prints "Key=value" (one line per item for repeatable keys) without the
 * trailing newline of the last line. Returns false when nothing is worth
 * printing (an unset limit). */
static bool print_value(FILE *f, const struct options *o, const struct settings_provenance *p, enum settings_key k) {
        const char *name = settings_key_info(k)->name;
        char buf[2048];

        if (k >= SK_LIMIT_FIRST && k <= SK_LIMIT_LAST) {
                const struct rlimit *rl = o->rlimits[k - SK_LIMIT_FIRST];
                if (!rl)
                        return false;
                fprintf(f, "%s=", name);
                print_rlimit_value(f, rl->rlim_cur);
                fputc(':', f);
                print_rlimit_value(f, rl->rlim_max);
                return true;
        }

        switch (k) {
        case SK_BOOT:
                fprintf(f, "%s=%s", name, o->start_mode == START_BOOT ? "yes" : "no");
                return true;
        case SK_PROCESS_TWO:
                fprintf(f, "%s=%s", name, o->start_mode != START_BOOT && o->command_mode != START_PID1 ? "yes" : "no");
                return true;
        case SK_PARAMETERS:
        case SK_ENVIRONMENT: {
                char **v = k == SK_PARAMETERS ? o->argv : o->setenv;
                size_t n = k == SK_PARAMETERS ? o->argc : o->n_setenv;
                fprintf(f, "%s=", name);
                for (size_t i = 0; i < n; i++) {
                        if (i)
                                fputc(' ', f);
                        print_word(f, v[i]);
                }
                return true;
        }
        case SK_USER:
                fprintf(f, "%s=%s", name, o->user ? o->user : "");
                return true;
        case SK_WORKING_DIRECTORY:
                fprintf(f, "%s=%s", name, o->working_dir ? o->working_dir : "");
                return true;
        case SK_CAPABILITY:
        case SK_DROP_CAPABILITY:
                caps_format(k == SK_CAPABILITY ? o->caps_add : o->caps_drop, buf, sizeof(buf));
                fprintf(f, "%s=%s", name, buf);
                return true;
        case SK_NO_NEW_PRIVILEGES:
                fprintf(f, "%s=%s", name, o->no_new_privileges ? "yes" : "no");
                return true;
        case SK_KILL_SIGNAL:
                fprintf(f, "%s=%s", name, o->kill_signal ? signal_to_string(o->kill_signal, buf, sizeof(buf)) : "");
                return true;
        case SK_MACHINE_ID:
                fprintf(f, "%s=%s", name, o->uuid ? o->uuid : "");
                return true;
        case SK_PRIVATE_USERS:
                if (o->private_users == PRIVATE_USERS_FIXED)
                        fprintf(f, "%s=%u:%u", name, (unsigned) o->uid_shift, (unsigned) o->uid_range);
                else
                        fprintf(f, "%s=%s", name, private_users_mode_to_string(o->private_users));
                return true;
        case SK_NOTIFY_READY:
                fprintf(f, "%s=%s", name, o->notify_ready ? "yes" : "no");
                return true;
        case SK_SYSCALL_FILTER: {
                /* One line for the allow list, one for the deny list. */
                bool any = false;
                fprintf(f, "%s=", name);
                for (size_t i = 0; i < o->n_syscall_filter; i++)
                        if (o->syscall_filter[i][0] != '~') {
                                fprintf(f, "%s%s", any ? " " : "", o->syscall_filter[i]);
                                any = true;
                        }
                bool deny = false;
                for (size_t i = 0; i < o->n_syscall_filter; i++)
                        if (o->syscall_filter[i][0] == '~') {
                                if (!deny)
                                        fprintf(f, "%s%s=~", any ? "\n" : "", any ? name : "");
                                fprintf(f, "%s%s", deny ? " " : "", o->syscall_filter[i] + 1);
                                deny = true;
                        }
                return true;
        }
        case SK_OOM_SCORE_ADJUST:
                if (o->oom_score_adjust_set)
                        fprintf(f, "%s=%d", name, o->oom_score_adjust);
                else
                        fprintf(f, "%s=", name);
                return true;
        case SK_CPU_AFFINITY:
                if (o->cpu_affinity_set)
                        cpu_set_to_string(o->cpu_affinity, buf, sizeof(buf));
                else
                        buf[0] = 0;
                fprintf(f, "%s=%s", name, buf);
                return true;
        case SK_HOSTNAME:
                fprintf(f, "%s=%s", name, o->hostname ? o->hostname : "");
                return true;
        case SK_RESOLV_CONF:
                fprintf(f, "%s=%s", name, resolv_conf_mode_to_string(o->resolv_conf));
                return true;
        case SK_TIMEZONE:
                fprintf(f, "%s=%s", name, timezone_mode_to_string(o->timezone));
                return true;
        case SK_LINK_JOURNAL:
                fprintf(f, "%s=%s", name, link_journal_mode_to_string(o->link_journal));
                return true;
        case SK_EPHEMERAL:
                fprintf(f, "%s=%s", name, o->ephemeral ? "yes" : "no");
                return true;
        case SK_READ_ONLY:
                fprintf(f, "%s=%s", name, o->read_only ? "yes" : "no");
                return true;
        case SK_VOLATILE:
                fprintf(f, "%s=%s", name, volatile_mode_to_string(o->volatile_mode));
                return true;
        case SK_BIND: case SK_BIND_READ_ONLY: case SK_TEMPORARY_FILE_SYSTEM:
        case SK_INACCESSIBLE: case SK_OVERLAY: case SK_OVERLAY_READ_ONLY: {
                enum custom_mount_type t = (enum custom_mount_type) (k - SK_BIND);
                bool any = false;
                for (size_t i = 0; i < o->n_mounts; i++) {
                        if (o->mounts[i].type != t)
                                continue;
                        _cleanup_free_ char *spec = custom_mount_to_string(&o->mounts[i]);
                        /* A per-mount line number goes after a tab, for settings_print(). */
                        fprintf(f, "%s%s=%s", any ? "\n" : "", name, spec ? spec : "?");
                        if (p && p->n_mount_lines == o->n_mounts)
                                fprintf(f, "\t%u", p->mount_lines[i]);
                        any = true;
                }
                if (!any)
                        fprintf(f, "%s=", name);
                return true;
        }
        case SK_PRIVATE_USERS_OWNERSHIP:
                fprintf(f, "%s=%s", name, ownership_mode_to_string(o->ownership));
                return true;
        case SK_PRIVATE:
                fprintf(f, "%s=%s", name, o->private_network ? "yes" : "no");
                return true;
        case SK_VIRTUAL_ETHERNET:
                fprintf(f, "%s=%s", name, o->network_veth ? "yes" : "no");
                return true;
        case SK_VIRTUAL_ETHERNET_EXTRA:
                print_pairs(f, name, o->veth_extra, o->n_veth_extra);
                return true;
        case SK_INTERFACE:
                print_pairs(f, name, o->interfaces, o->n_interfaces);
                return true;
        case SK_MACVLAN:
                print_pairs(f, name, o->macvlan, o->n_macvlan);
                return true;
        case SK_IPVLAN:
                print_pairs(f, name, o->ipvlan, o->n_ipvlan);
                return true;
        case SK_BRIDGE:
                fprintf(f, "%s=%s", name, o->network_bridge ? o->network_bridge : "");
                return true;
        case SK_ZONE:
                fprintf(f, "%s=%s", name, o->network_zone ? o->network_zone : "");
                return true;
        case SK_PORT:
                if (o->n_ports == 0)
                        fprintf(f, "%s=", name);
                for (size_t i = 0; i < o->n_ports; i++)
                        fprintf(f, "%s%s=%s", i ? "\n" : "", name, port_forward_to_string(&o->ports[i], buf, sizeof(buf)));
                return true;
        case SK_HOST_ADDRESS:
        case SK_LOCAL_ADDRESS: {
                const struct address *v = k == SK_HOST_ADDRESS ? o->host_addresses : o->local_addresses;
                size_t n = k == SK_HOST_ADDRESS ? o->n_host_addresses : o->n_local_addresses;
                fprintf(f, "%s=", name);
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%s%s", i ? " " : "", address_to_string(&v[i], buf, sizeof(buf)));
                return true;
        }
        case SK_IP_MASQUERADE:
                fprintf(f, "%s=%s", name, o->masquerade ? "yes" : "no");
                return true;
        case SK_MEMORY_MAX:
        case SK_MEMORY_HIGH:
        case SK_TASKS_MAX: {
                bool set = k == SK_MEMORY_MAX ? o->resources.memory_max_set
                         : k == SK_MEMORY_HIGH ? o->resources.memory_high_set : o->resources.tasks_max_set;
                uint64_t v = k == SK_MEMORY_MAX ? o->resources.memory_max
                           : k == SK_MEMORY_HIGH ? o->resources.memory_high : o->resources.tasks_max;
                if (!set)
                        fprintf(f, "%s=", name);
                else if (v == UINT64_MAX)
                        fprintf(f, "%s=infinity", name);
                else
                        fprintf(f, "%s=%" PRIu64, name, v);
                return true;
        }
        case SK_CPU_QUOTA:
                if (o->resources.cpu_quota_set)
                        fprintf(f, "%s=%" PRIu64 ".%02" PRIu64 "%%", name, o->resources.cpu_quota_usec / 1000,
                                (o->resources.cpu_quota_usec % 1000) / 10);
                else
                        fprintf(f, "%s=", name);
                return true;
        case SK_CPU_WEIGHT:
        case SK_IO_WEIGHT: {
                bool set = k == SK_CPU_WEIGHT ? o->resources.cpu_weight_set : o->resources.io_weight_set;
                uint64_t v = k == SK_CPU_WEIGHT ? o->resources.cpu_weight : o->resources.io_weight;
                if (set)
                        fprintf(f, "%s=%" PRIu64, name, v);
                else
                        fprintf(f, "%s=", name);
                return true;
        }
        default:
                return false;   /* unsupported keys, PrivateUsersChown (shown as the ownership) */
        }
}

static bool from_command_line(const struct options *o, enum settings_key k) {
        const struct settings_key_info *info = settings_key_info(k);

        if (k >= SK_LIMIT_FIRST && k <= SK_LIMIT_LAST)
                return (o->set_mask & SET_RLIMIT) && o->rlimits[k - SK_LIMIT_FIRST];
        if (k == SK_PROCESS_TWO)
                return o->set_mask & (SET_PROCESS_TWO | SET_BOOT | SET_PARAMETERS);
        if (k == SK_BOOT)
                return o->set_mask & (SET_BOOT | SET_PARAMETERS);
        return info->set_bit && (o->set_mask & info->set_bit);
}

static const char *ignored_reason(enum settings_ignored why) {
        switch (why) {
        case IGNORED_COMMAND_LINE: return "the command line wins";
        case IGNORED_UNTRUSTED:    return "the file is not trusted";
        case IGNORED_UNSUPPORTED:  return "not supported by nixbox";
        default:                   return "";
        }
}

void settings_print(FILE *f, const struct options *o, const struct settings_provenance *p) {
        static const struct settings_provenance none = {};

        if (!p)
                p = &none;
        if (p->path)
                fprintf(f, "# Settings file: %s (%s)\n", p->path, p->trusted ? "trusted" : "not trusted");
        else
                fprintf(f, "# Settings file: none\n");
        fprintf(f, "# Mode: --settings=%s\n", settings_mode_to_string(o->settings));

        for (int sec = 0; sec < _SECTION_MAX; sec++) {
                fprintf(f, "\n[%s]\n", settings_section_name(sec));
                for (int k = 0; k < _SK_MAX; k++) {
                        const struct settings_key_info *info = settings_key_info(k);
                        char *text = NULL;
                        size_t size = 0;

                        if ((int) info->section != sec)
                                continue;
                        FILE *m = open_memstream(&text, &size);
                        if (!m)
                                return;
                        bool shown = print_value(m, o, p, k);
                        fclose(m);
                        if (shown && text) {
                                const char *origin = p->line[k] ? NULL : from_command_line(o, k) ? "command line" : "default";
                                /* Multi-line values: the comment goes on each line. */
                                for (char *line = text, *nl; line; line = nl) {
                                        nl = strchr(line, '\n');
                                        if (nl)
                                                *nl++ = 0;
                                        bool per_mount = k >= SK_BIND && k <= SK_OVERLAY_READ_ONLY && p->n_mount_lines == o->n_mounts;
                                        char *tab = per_mount ? strrchr(line, '\t') : NULL;
                                        unsigned at = p->line[k];
                                        if (tab) {
                                                *tab = 0;
                                                at = (unsigned) strtoul(tab + 1, NULL, 10);
                                        }
                                        if (origin)
                                                fprintf(f, "%-48s # %s\n", line, origin);
                                        else
                                                fprintf(f, "%-48s # %s:%u\n", line, p->path, at);
                                }
                        }
                        free(text);
                        if (p->ignored[k])
                                fprintf(f, "# %s= at %s:%u ignored: %s\n", info->name, p->path ? p->path : "?",
                                        p->ignored_line[k], ignored_reason(p->ignored[k]));
                }
        }
}
