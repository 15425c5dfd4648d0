/* Placeholder until the machine verbs land. */
#include "error.h"
#include "log.h"
#include "verbs.h"

int verb_list(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
int verb_status(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
int verb_stop(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
int verb_logs(int argc, char **argv) { (void) argc; log_error("%s: not implemented yet", argv[0]); return EXIT_NIXBOX_ERROR; }
