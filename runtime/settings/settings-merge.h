/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Applying a parsed settings file onto struct options: nspawn's trust rules
 * (privileged keys are ignored, with a warning, in an untrusted file) and
 * precedence (--settings=yes|trusted: the command line wins, via
 * options->set_mask; override: the file wins; no: no file is read). */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "options.h"
#include "settings-file.h"

struct nb_error;

enum settings_ignored {
        IGNORED_NOT,                     /* applied (or not in the file) */
        IGNORED_COMMAND_LINE,            /* the command line set it and wins */
        IGNORED_UNTRUSTED,               /* privileged key in an untrusted file */
        IGNORED_UNSUPPORTED,             /* an nspawn key nixbox does not have */
};

/* Where each effective setting came from, for warnings and settings_print(). */
struct settings_provenance {
        char *path;                      /* the file merged; NULL: none */
        bool trusted;                    /* as applied (location, or --settings=trusted) */
        unsigned line[_SK_MAX];          /* applied from this line of path; 0: not from the file */
        unsigned ignored_line[_SK_MAX];  /* in the file at this line but not applied, because: */
        enum settings_ignored ignored[_SK_MAX];
        char **warnings;                 /* "PATH:LINE: ..." texts; settings_load() prints them */
        size_t n_warnings;
};

void settings_provenance_done(struct settings_provenance *p);

/* Applies s onto o according to o->settings and o->set_mask. trusted: s
 * came from a trusted directory (--settings=trusted trusts any file).
 * Warnings (ignored keys, unimplemented keys) go to prov->warnings, not to
 * stderr. prov may be NULL. Only fails with -ENOMEM: the content was
 * validated when parsing. Lists in the file replace those in o, as in nspawn;
 * Capability=/DropCapability= add to o's sets. */
int settings_merge(struct options *o, const struct settings *s, bool trusted, struct settings_provenance *prov,
                   struct nb_error *err);

/* The whole step for the CLI: unless o->settings is SETTINGS_NO, finds
 * NAME.nspawn (settings_locate(), next to o->root), parses it and merges it,
 * printing warnings with log_warn(). Returns 0 also when there is no file.
 * Call it after the command line is parsed and the machine name known,
 * before defaults that depend on other options are derived. */
int settings_load(struct options *o, const char *name, struct settings_provenance *prov, struct nb_error *err);
/* The same with other trusted directories and owner (tests). */
int settings_load_from(const char *const *trusted_dirs, uid_t owner, struct options *o, const char *name,
                       struct settings_provenance *prov, struct nb_error *err);

/* Prints the effective settings as a .nspawn file, every key with a
 * comment saying where its value came from (PATH:LINE, command line or
 * default), plus the file's keys that were ignored and why. */
void settings_print(FILE *f, const struct options *o, const struct settings_provenance *p);
