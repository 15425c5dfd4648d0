/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Merges a parsed .nspawn file onto struct options (nspawn's
 * merge_settings()), and prints the result with provenance. */
#include <assert.h>
#include <stdarg.h>

#include "error.h"
#include "log.h"
#include "parse-util.h"
#include "settings-locate.h"
#include "settings-merge.h"

void settings_provenance_done(struct settings_provenance *p) {
        if (!p)
                return;
        free(p->path);
        strv_free(p->warnings);
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
        if (!info->implemented)
                warn(m, line, "%s= is not implemented by nixbox yet: the setting has no effect", info->name);
        m->p->line[k] = line;
        return true;
}

static bool may_apply(struct merge *m, enum settings_key k) {
        const struct settings_key_info *info = settings_key_info(k);
        bool cli = m->mask & info->set_bit;

        /* Limit*=, [Resources]: the command line's own values win, the file fills the rest. */
        if (cli && (info->flags & KEY_PER_VALUE))
                cli = info->type->is_set(info, m->o);
        return may_apply_cli(m, k, cli);
}

/* ---- the keys with rules of their own ---- */

/* Boot=, ProcessTwo=, Parameters=. */
static int merge_start(struct merge *m) {
        struct options *o = m->o;
        const struct settings *s = m->s;
        /* nspawn: a command or --boot on the command line masks the file's
         * start mode and its Parameters= together. */
        bool start_cli = m->mask & (SET_BOOT | SET_PARAMETERS);

        if (s->o.start_mode != START_UNSET) {
                enum settings_key k = s->line[SK_BOOT] ? SK_BOOT : SK_PROCESS_TWO;
                if (may_apply_cli(m, k, start_cli)) {
                        o->start_mode = s->o.start_mode == START_BOOT ? START_BOOT : START_PID2;
                        o->boot_explicit = s->o.start_mode == START_BOOT;
                        /* nspawn's start modes: Boot=no / ProcessTwo=no run the
                         * command as PID 1 (how NixOS's <toplevel>/init is started),
                         * ProcessTwo=yes under a stub init. */
                        if (!(m->mask & SET_PROCESS_TWO)) {
                                o->command_mode = s->o.start_mode == START_PID1 ? START_PID1 : START_PID2;
                                m->p->line[SK_PROCESS_TWO] = s->line[SK_PROCESS_TWO] ? s->line[SK_PROCESS_TWO] : s->line[k];
                        }
                        /* The one line decides both. */
                        m->p->line[SK_BOOT] = s->line[SK_BOOT] ? s->line[SK_BOOT] : s->line[k];
                }
        }
        if (may_apply_cli(m, SK_PARAMETERS, start_cli))
                return settings_key_copy(settings_key_info(SK_PARAMETERS), o, &s->o);
        return 0;
}

/* SystemCallFilter=: deny entries (~NAME) are safe from any file, allow
 * entries need trust. */
static int merge_syscall_filter(struct merge *m) {
        struct options *o = m->o;
        const struct settings *s = m->s;
        bool trusted = m->trusted, has_allow = false, apply;

        if (!s->line[SK_SYSCALL_FILTER])
                return 0;
        for (size_t i = 0; i < s->o.n_syscall_filter; i++)
                has_allow |= s->o.syscall_filter[i][0] != '~';
        if (has_allow && !trusted)
                warn(m, s->line[SK_SYSCALL_FILTER],
                     "ignoring the allow entries of SystemCallFilter=: "
                     "the file is not trusted (deny entries still apply)");
        m->trusted = true; /* the allow entries are filtered out below instead */
        apply = may_apply(m, SK_SYSCALL_FILTER);
        m->trusted = trusted;
        if (!apply)
                return 0;

        char **v = calloc(s->o.n_syscall_filter + 1, sizeof(char *));
        size_t n = 0;
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < s->o.n_syscall_filter; i++) {
                if (!trusted && s->o.syscall_filter[i][0] != '~')
                        continue;
                if (!(v[n++] = strdup(s->o.syscall_filter[i]))) {
                        strv_free(v);
                        return -ENOMEM;
                }
        }
        for (size_t i = 0; i < o->n_syscall_filter; i++)
                free(o->syscall_filter[i]);
        free(o->syscall_filter);
        o->syscall_filter = v;
        o->n_syscall_filter = n;
        return 0;
}

/* PrivateUsers=: ownership follows the mode unless given (nspawn's
 * settings_load(); nixbox's -U default for pick). */
static int merge_private_users(struct merge *m) {
        struct options *o = m->o;
        const struct settings *s = m->s;

        if (!may_apply(m, SK_PRIVATE_USERS))
                return 0;
        (void) settings_key_copy(settings_key_info(SK_PRIVATE_USERS), o, &s->o);
        if (!s->line[SK_PRIVATE_USERS_OWNERSHIP] && !(m->mask & SET_OWNERSHIP)) {
                if (s->o.private_users == PRIVATE_USERS_PICK)
                        o->ownership = OWNERSHIP_AUTO;
                else if (s->o.private_users == PRIVATE_USERS_NO || s->o.private_users == PRIVATE_USERS_IDENTITY)
                        o->ownership = OWNERSHIP_OFF;
                m->p->line[SK_PRIVATE_USERS_OWNERSHIP] = s->line[SK_PRIVATE_USERS];
        }
        return 0;
}

static bool is_mount_key(enum settings_key k) {
        return k >= SK_BIND && k <= SK_OVERLAY_READ_ONLY;
}

/* The mount keys go together: the file's list replaces o's. They share
 * trust and command-line bit, so all apply or none. */
static int merge_mounts(struct merge *m) {
        bool mounts = false, refused = false;

        for (enum settings_key k = SK_BIND; k <= SK_OVERLAY_READ_ONLY; k++)
                if (m->s->line[k]) {
                        if (may_apply(m, k))
                                mounts = true;
                        else
                                refused = true;
                }
        if (!mounts || refused)
                return 0;
        return settings_key_copy(settings_key_info(SK_BIND), m->o, &m->s->o);
}

static bool is_network_group(enum settings_key k) {
        return k >= SK_PRIVATE && k <= SK_IP_MASQUERADE && k != SK_PORT;
}

/* nspawn applies [Network] (but Port=) as a whole or not at all. */
static int merge_network(struct merge *m) {
        struct options *o = m->o;
        const struct settings *s = m->s;
        const struct options *f = &s->o;
        bool any = false, ok = true;
        int r;

        for (enum settings_key k = SK_PRIVATE; k <= SK_IP_MASQUERADE; k++)
                if (is_network_group(k) && s->line[k]) {
                        any = true;
                        if (!may_apply(m, k))
                                ok = false;
                }
        if (any && !ok) {
                /* Some key was refused: none of the others applies either. */
                for (enum settings_key k = SK_PRIVATE; k <= SK_IP_MASQUERADE; k++)
                        if (is_network_group(k) && m->p->line[k]) {
                                m->p->line[k] = 0;
                                ignore(m, k, m->trusted ? IGNORED_COMMAND_LINE : IGNORED_UNTRUSTED);
                        }
                return 0;
        }
        if (!any)
                return 0;

        bool implied = f->n_veth_extra || f->n_interfaces || f->n_macvlan || f->n_ipvlan || f->network_bridge || f->network_zone;
        unsigned implied_by = f->network_bridge ? s->line[SK_BRIDGE] : f->network_zone ? s->line[SK_ZONE] : 0;

        /* The lists and names replace o's even when the file does not set
         * them; the booleans only when it does. */
        for (enum settings_key k = SK_PRIVATE; k <= SK_IP_MASQUERADE; k++) {
                const struct settings_key_info *info = settings_key_info(k);
                if (!is_network_group(k) || (info->type->copy == settings_key_info(SK_PRIVATE)->type->copy && !s->line[k]))
                        continue;
                if ((r = settings_key_copy(info, o, f)) < 0)
                        return r;
        }
        if (implied_by && !s->line[SK_VIRTUAL_ETHERNET]) {
                o->network_veth = true;
                m->p->line[SK_VIRTUAL_ETHERNET] = implied_by;
        }
        if (!implied_by)
                implied_by = f->n_veth_extra ? s->line[SK_VIRTUAL_ETHERNET_EXTRA]
                        : f->n_interfaces    ? s->line[SK_INTERFACE]
                        : f->n_macvlan       ? s->line[SK_MACVLAN]
                        : f->n_ipvlan        ? s->line[SK_IPVLAN]
                        : o->network_veth    ? s->line[SK_VIRTUAL_ETHERNET]
                                             : 0;
        if ((implied || o->network_veth) && !o->private_network) {
                o->private_network = true;
                m->p->line[SK_PRIVATE] = implied_by;
        } else if ((implied || o->network_veth) && !s->line[SK_PRIVATE] && implied_by)
                m->p->line[SK_PRIVATE] = implied_by;
        return 0;
}

/* Every key in table order: the groups above at their first key, the rest
 * by the table's copy. */
static int merge_all(struct merge *m) {
        int r = 0;

        for (enum settings_key k = 0; k < _SK_MAX && r >= 0; k++) {
                const struct settings_key_info *info = settings_key_info(k);

                if (k == SK_BOOT)
                        r = merge_start(m);
                else if (k == SK_SYSCALL_FILTER)
                        r = merge_syscall_filter(m);
                else if (k == SK_PRIVATE_USERS)
                        r = merge_private_users(m);
                else if (k == SK_BIND)
                        r = merge_mounts(m);
                else if (k == SK_PRIVATE)
                        r = merge_network(m);
                else if (!(info->flags & KEY_MERGE_SPECIAL) && may_apply(m, k))
                        r = settings_key_copy(info, m->o, &m->s->o);
        }
        return r;
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

        r = merge_all(&m);
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
                        bool shown = settings_key_print(info, m, o);
                        fclose(m);
                        if (shown && text) {
                                const char *origin = p->line[k]                   ? NULL
                                        : settings_key_from_command_line(info, o) ? "command line"
                                                                                  : "default";
                                /* Multi-line values: the comment goes on each line. */
                                for (char *line = text, *nl; line; line = nl) {
                                        nl = strchr(line, '\n');
                                        if (nl)
                                                *nl++ = 0;
                                        /* A mount names its own line (0: the command line). */
                                        char *tab = is_mount_key(k) ? strrchr(line, '\t') : NULL;
                                        const char *from = origin;
                                        unsigned at = p->line[k];
                                        if (tab) {
                                                *tab = 0;
                                                at = (unsigned) strtoul(tab + 1, NULL, 10);
                                                from = at && p->path                              ? NULL
                                                        : settings_key_from_command_line(info, o) ? "command line"
                                                                                                  : "default";
                                        }
                                        if (from)
                                                fprintf(f, "%-48s # %s\n", line, from);
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
