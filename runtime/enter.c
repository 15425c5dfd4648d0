/* Placeholder until exec/shell land. */
#include "error.h"
#include "log.h"
#include "verbs.h"

int verb_exec(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
int verb_shell(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
