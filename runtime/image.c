/* Placeholder until import-tar/remove land. */
#include "error.h"
#include "log.h"
#include "verbs.h"

int verb_import_tar(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
int verb_remove(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
