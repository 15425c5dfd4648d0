/* Value parsers shared by the command line (cli.c) and the .nspawn settings
 * file (settings-file.c), so that both accept exactly the same grammar,
 * which is systemd-nspawn's.
 *
 * Conventions: functions taking a `struct nb_error *` return 0 or -errno and
 * describe the problem in *err (the caller prefixes the option or key name);
 * the small ones without it return the parsed value (>= 0) or -EINVAL
 * (-EOPNOTSUPP for a value nspawn knows but nixbox does not implement, and
 * -ERANGE for a number out of range). Outputs are written only on success. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "options.h"
#include "sd-signals.h"

struct nb_error;

/* systemd booleans: 1 yes y true t on, 0 no n false f off (any case).
 * Returns 1, 0 or -EINVAL. */
int parse_boolean(const char *s);

/* A signal: a number (1..64), a name with or without "SIG" ("TERM",
 * "SIGTERM", any case), or SIGRTMIN+N / SIGRTMAX-N / RTMIN+N, numbered as
 * systemd numbers them (SIGRTMIN = 34, see compat.h), whatever our libc.
 * Returns the signal number or -EINVAL. */
int parse_signal(const char *s);
/* "SIGTERM", "SIGRTMIN+3", or the number; buf needs 16 bytes. */
const char *signal_to_string(int sig, char *buf, size_t size);

/* [tcp:|udp:]HOST[:CONTAINER], ports 1..65535, container port = host port
 * when omitted (nspawn's expose_port_parse). Rejects "", "-1", ":",
 * "icmp:80", "tcp::8080", "8080:". Duplicates are the caller's business:
 * see port_forward_find(). */
int parse_port_forward(const char *s, struct port_forward *out, struct nb_error *err);
/* Index of an entry with the same protocol and host port, or -1. */
int port_forward_find(const struct port_forward *list, size_t n, const struct port_forward *p);
/* "tcp:8080:80" */
const char *port_forward_to_string(const struct port_forward *p, char *buf, size_t size);

/* A custom mount spec, as for --bind=, --bind-ro=, --tmpfs=, --inaccessible=,
 * --overlay=, --overlay-ro= (type chooses the grammar):
 *   MOUNT_BIND, MOUNT_BIND_RO: SRC[:DST[:OPTS]]; "\:" is a literal colon
 *       (a backslash escapes any character); SRC "" = a temporary directory
 *       (DST then required); "+SRC" is kept as given (relative to the image
 *       root; the mount code resolves it); another relative SRC is made
 *       absolute against the current directory; DST defaults to SRC (without
 *       "+") and must be absolute; OPTS: rbind (default), norbind, idmap,
 *       noidmap (default), rootidmap, owneridmap, comma separated.
 *   MOUNT_TMPFS: PATH[:OPTS]; options default to "mode=0755".
 *   MOUNT_INACCESSIBLE: PATH.
 *   MOUNT_OVERLAY(_RO): LOWER[:LOWER...]:UPPER:DST, or LOWER:UPPER (DST =
 *       UPPER); source becomes "lower1:lower2:...:upper" with each element
 *       "\:"-escaped again, "" upper = a temporary directory.
 * Every path is normalised (duplicate and trailing slashes removed, "." and
 * ".." components refused in DST). out is filled with malloc'ed strings; free
 * with custom_mount_free(). */
int parse_custom_mount(enum custom_mount_type t, const char *spec, struct custom_mount *out, struct nb_error *err);
void custom_mount_free(struct custom_mount *m);
/* Deep copy (for merging lists); 0 or -ENOMEM. */
int custom_mount_copy(const struct custom_mount *src, struct custom_mount *dst);
/* A spec that parse_custom_mount() reads back to the same mount. */
char *custom_mount_to_string(const struct custom_mount *m);
/* Splits an overlay mount's source back into its lower directories (in the
 * order given, NULL-terminated, free with strv_free) and its upper directory
 * ("" = a temporary directory). 0, -EINVAL or -ENOMEM. */
int custom_mount_overlay_layers(const struct custom_mount *m, char ***lower, size_t *n_lower, char **upper);
/* "--bind", "--tmpfs", ...: the option name for a type (for messages). */
const char *custom_mount_type_to_option(enum custom_mount_type t);

/* LIMIT=SOFT[:HARD] with LIMIT one of CPU FSIZE DATA STACK CORE RSS NOFILE
 * AS NPROC MEMLOCK LOCKS SIGPENDING MSGQUEUE NICE RTPRIO RTTIME (any case,
 * optional "RLIMIT_" prefix) and each value a number or "infinity"; one
 * value sets both. (--rlimit=) */
int parse_rlimit(const char *name_eq_value, int *resource, struct rlimit *rl, struct nb_error *err);
/* Just the SOFT[:HARD] part for a known resource (LimitNOFILE= etc.). Byte
 * limits (FSIZE DATA STACK CORE RSS AS MEMLOCK MSGQUEUE) take size
 * suffixes, CPU (seconds) and RTTIME (microseconds) take time suffixes
 * (us ms s min h d), NICE takes -20..19 (stored as 20 - nice) or raw 0..40. */
int parse_rlimit_value(int resource, const char *s, struct rlimit *rl, struct nb_error *err);
/* RLIMIT_NOFILE for "NOFILE", "nofile" or "RLIMIT_NOFILE"; -EINVAL otherwise. */
int rlimit_from_name(const char *name);
/* "NOFILE" for RLIMIT_NOFILE, NULL if unknown. */
const char *rlimit_to_name(int resource);

/* Bytes: a number with an optional K, M, G, T, P, E suffix (base 1024, an
 * optional trailing "B" allowed) and an optional fraction ("1.5G").
 * Returns 0, -EINVAL or -ERANGE. */
int parse_size(const char *s, uint64_t *bytes);
/* "N%" (0..100, fractional percent like "12.5%" too); returns the value in
 * permyriad (1/10000) or -EINVAL. */
int parse_permyriad(const char *s);
/* MemoryMax=/MemoryHigh=: a size, "N%" of physical RAM, or "infinity"
 * (UINT64_MAX). */
int parse_memory_limit(const char *s, uint64_t *bytes, struct nb_error *err);
/* TasksMax=: a number >= 1, "N%" of the kernel's pid/thread limit, or
 * "infinity" (UINT64_MAX). */
int parse_tasks_max(const char *s, uint64_t *tasks, struct nb_error *err);
/* CPUQuota=N% (> 0; may exceed 100%): microseconds of CPU time per 100 ms
 * period; "" or "infinity" is not accepted (an empty assignment resets). */
int parse_cpu_quota(const char *s, uint64_t *usec_per_period, struct nb_error *err);
/* CPUWeight=/IOWeight=: 1..10000. */
int parse_weight(const char *s, uint64_t *weight, struct nb_error *err);

/* IPv4 or IPv6 address with optional /PREFIX (default 32 or 128). Returns 0
 * or -EINVAL. */
int parse_address(const char *s, struct address *out);
/* "10.0.0.1/24" */
const char *address_to_string(const struct address *a, char *buf, size_t size);

/* --private-users= / PrivateUsers=: yes no (booleans, but a bare number is a
 * UID base), pick, identity, BASE[:RANGE]. Sets o->private_users and, for
 * FIXED/IDENTITY, o->uid_shift / o->uid_range (identity = 0:65536; YES and
 * PICK reset uid_range to 65536). Does not touch o->ownership: nspawn's
 * "pick implies ownership auto" is the caller's decision. "managed" is
 * refused with -EOPNOTSUPP. */
int parse_private_users(const char *s, struct options *o, struct nb_error *err);

/* HOST[:CONTAINER] interface names. CONTAINER defaults to prefix + HOST
 * (prefix "mv-" for MACVLAN, "iv-" for IPVLAN, NULL = the same name); a
 * default name longer than 15 bytes is left for the network code to shorten
 * as nspawn does. Names given are validated with ifname_valid().
 * parse_iface_pair: one pair (--network-veth-extra=, VirtualEthernetExtra=,
 * and one word of the lists below);
 * parse_iface_pair_list: a whitespace-separated list appended to *list
 * (--network-interface=, --network-macvlan=, --network-ipvlan=, Interface=,
 * MACVLAN=, IPVLAN=). */
int parse_iface_pair(const char *s, const char *prefix, struct iface_pair *out, struct nb_error *err);
int parse_iface_pair_list(const char *s, const char *prefix, struct iface_pair **list, size_t *n,
                          struct nb_error *err);
void iface_pair_free(struct iface_pair *p);
void iface_pair_list_free(struct iface_pair **list, size_t *n);
/* Like the kernel plus systemd: 1..15 bytes of printable ASCII other than
 * ':', '/', '%', not "." or "..", not all digits. */
bool ifname_valid(const char *s);
/* Zone=/--network-zone=: NAME such that "vz-NAME" is a valid interface name. */
bool zone_name_valid(const char *s);

/* --machine=/--hostname=/Hostname=: a DNS host name, labels of [a-zA-Z0-9-_],
 * dots between, at most 64 bytes. */
bool hostname_valid(const char *s);


/* --cpu-affinity=/CPUAffinity=: a list of CPU numbers and ranges
 * ("0-3,7 9"), comma or space separated, CPUs 0..1023. */
int parse_cpu_set(const char *s, uint64_t set[static 16], struct nb_error *err);
/* "0-3 7" */
void cpu_set_to_string(const uint64_t set[static 16], char *buf, size_t size);

/* --oom-score-adjust=/OOMScoreAdjust=: -1000..1000. */
int parse_oom_score_adjust(const char *s, int *out);

/* NAME=VALUE with a valid environment variable name (no '=' in NAME, not
 * empty, no NUL): 0 or -EINVAL. */
int parse_env_assignment(const char *s);

/* systemd's extract_first_word(): extracts the next word from *p into a
 * malloc'ed *ret and advances *p (NULL at the end). Returns 1 (a word), 0
 * (no more words), -EINVAL (unterminated quote, trailing backslash), -ENOMEM.
 * separators NULL = whitespace. Without WORD_RETAIN_ESCAPE a backslash makes
 * the next character literal (also a separator or a quote); with
 * WORD_UNQUOTE '...' and "..." quote; with WORD_DONT_COALESCE every
 * separator ends a word, so "a::b" is "a", "", "b" and "" is one empty word. */
enum {
        WORD_UNQUOTE       = 1 << 0,
        WORD_RETAIN_ESCAPE = 1 << 1,
        WORD_DONT_COALESCE = 1 << 2,
};
int extract_word(const char **p, char **ret, const char *separators, unsigned flags);

/* Splits Parameters=/Environment= text into words exactly as nspawn's
 * config_parse_strv() does (extract_first_word with EXTRACT_UNQUOTE|
 * EXTRACT_RETAIN_ESCAPE): whitespace separates, '...' and "..." quote and
 * adjacent parts join (a"b c"d is one word "ab cd"), a backslash is an
 * ordinary character (kept, escapes nothing). An unterminated quote is an
 * error. The result is a NULL-terminated array (free with strv_free); *n
 * gets the count. */
int parse_words(const char *s, char ***words, size_t *n, struct nb_error *err);

/* Splits a whitespace-separated list without quoting (SystemCallFilter=,
 * Interface=, ...). */
int split_whitespace(const char *s, char ***words, size_t *n);


/* Appends a copy of s to a NULL-terminated-or-NULL array with count *n;
 * 0 or -ENOMEM. */
int strv_push(char ***v, size_t *n, const char *s);
/* The same, taking ownership of s (freed on failure; NULL = -ENOMEM). */
int strv_consume(char ***v, size_t *n, char *s);

/* Enum parsers: return the enum value or -EINVAL (-EOPNOTSUPP for an nspawn
 * value nixbox does not implement, so the caller can say so). */
int parse_console_mode(const char *s);          /* interactive read-only passive pipe autopipe */
int parse_ownership_mode(const char *s);        /* off chown map auto (foreign: -EOPNOTSUPP) */
int parse_resolv_conf_mode(const char *s);      /* off copy-host bind-host delete auto */
int parse_timezone_mode(const char *s);         /* off copy bind symlink delete auto */
int parse_link_journal_mode(const char *s);     /* no host try-host guest try-guest auto */
int parse_volatile_mode(const char *s);         /* booleans, state, overlay */
int parse_settings_mode(const char *s);         /* booleans, override, trusted */

const char *console_mode_to_string(enum console_mode m);
const char *ownership_mode_to_string(enum ownership_mode m);
const char *resolv_conf_mode_to_string(enum resolv_conf_mode m);
const char *timezone_mode_to_string(enum timezone_mode m);
const char *link_journal_mode_to_string(enum link_journal_mode m);
const char *volatile_mode_to_string(enum volatile_mode m);
const char *settings_mode_to_string(enum settings_mode m);
const char *private_users_mode_to_string(enum private_users_mode m);
const char *idmap_mode_to_string(enum idmap_mode m);
