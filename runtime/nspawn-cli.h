/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-nspawn's command line under nixbox: the table of every option
 * systemd-nspawn 252 has and what nixbox does with it, the refusal of the
 * ones it cannot honour (naming the option and the reason), and "nspawn
 * mode": nixbox invoked as systemd-nspawn takes nspawn's defaults. */
#pragma once

#include <stdbool.h>

struct options;
struct nb_error;

enum nspawn_option_status {
        NSPAWN_NATIVE,   /* nixbox's run has it, same spelling and meaning */
        NSPAWN_ACCEPTED, /* accepted, with nothing to do here (see why) */
        NSPAWN_REFUSED,  /* refused: why says why */
};

struct nspawn_option {
        const char *long_name; /* without "--"; NULL for a short-only option */
        char short_name;       /* 0 if none */
        bool has_arg;          /* required or optional argument */
        enum nspawn_option_status status;
        const char *why;
};

extern const struct nspawn_option nspawn_options[];
extern const unsigned n_nspawn_options;

/* Whether argv[0] names systemd-nspawn (its basename). */
bool nspawn_invoked(const char *argv0);

/* The options as systemd-nspawn starts them: no user namespace, the host's
 * network, a command as PID 1, reboot exits 133; before the command line is
 * parsed, so that options and settings files change them. */
void nspawn_mode_init(struct options *o);

/* The error for an option nixbox's getopt did not take: token is the
 * argument as given ("--image=x", "-i"), short_opt the short option
 * getopt reported (0 for a long one), missing_arg when only its argument
 * was missing. Always returns -EINVAL with err set. */
int nspawn_option_refuse(const char *token, int short_opt, bool missing_arg, struct nb_error *err);

/* --personality=: "x86" or "x86-64" (and nspawn's other spellings); the
 * personality(2) value, or -EINVAL. -EOPNOTSUPP when the host cannot run
 * that architecture's binaries. */
int parse_personality(const char *s, unsigned long *ret);

/* --register=BOOL: accepted (no machined here), warned about once. */
int nspawn_register(const char *value, struct nb_error *err);
