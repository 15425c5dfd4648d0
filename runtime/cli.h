/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command line of `nixbox run`. */
#pragma once

struct options;
struct nb_error;

/* Parses argv (starting after the verb) into o. Returns 0, 1 when --help or
 * --version was handled (exit 0), or -errno with err filled. */
int cli_parse_run(int argc, char **argv, struct options *o, struct nb_error *err);

/* Fills what the command line left unset (machine name, hostname, ...). */
struct settings_provenance;
/* Reads the settings file (unless --settings=no) into prov. */
int cli_finish(struct options *o, struct settings_provenance *prov, struct nb_error *err);

void cli_usage(void);
