#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the settings-file fuzzer (tests/fuzz/fuzz-settings.c) with clang's
# libFuzzer, ASan and UBSan against the runtime sources it needs, then runs it
# for $1 seconds (default 20), seeded with tests/unit/settings-corpus.
# Exits 0 when no crash was found (or, with a "skip:" message, when clang or
# libFuzzer is missing), 1 on a crash, leak or build failure; a crashing
# input is left in build/fuzz/ and its path printed.
set -u

TOP=$(cd "$(dirname "$0")/../.." && pwd)
SECONDS_TO_RUN=${1:-20}
CC=${CLANG:-clang}
OUT=$TOP/build/fuzz
# Every file of runtime/settings/ (the key table, its parsers, the file, the merge).
SOURCES=(runtime/settings/*.c runtime/nspawn-cli.c runtime/capabilities.c runtime/seccomp-policy.c
         runtime/syscall-groups.c runtime/options.c runtime/base/error.c runtime/base/fileio.c
         runtime/base/machine-id.c)
# The Makefile's include path: headers are named by their basename.
INCLUDES=(-Iruntime -Iruntime/base -Iruntime/settings -Iruntime/net -Iruntime/machine -Iruntime/image -Inetsetup)

if ! command -v "$CC" >/dev/null; then
        echo "skip: $CC not found (apt-get install clang)"
        exit 0
fi
mkdir -p "$OUT"
probe=$OUT/probe.c
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return d && n; }' > "$probe"
if ! "$CC" -fsanitize=fuzzer -o "$OUT/probe" "$probe" 2>/dev/null; then
        echo "skip: $CC cannot link -fsanitize=fuzzer (libFuzzer missing)"
        exit 0
fi

cd "$TOP" || exit 1
# shellcheck disable=SC2046 # pkg-config output is meant to split
if ! "$CC" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -fno-omit-frame-pointer -D_GNU_SOURCE -DNIXBOX_VERSION=\"fuzz\" "${INCLUDES[@]}" \
        $(pkg-config --cflags libcap libseccomp inih 2>/dev/null) \
        -o "$OUT/fuzz-settings" tests/fuzz/fuzz-settings.c "${SOURCES[@]}" \
        $(pkg-config --libs libcap libseccomp inih 2>/dev/null || echo -lcap -lseccomp -linih); then
        echo "fuzz-settings: build failed" >&2
        exit 1
fi

# New inputs go to a scratch corpus, never into the source tree.
work=$(mktemp -d "$OUT/corpus.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
seeds=$OUT/seeds
rm -rf "$seeds"
mkdir -p "$seeds"
find tests/unit/settings-corpus -name '*.nspawn' -exec cp {} "$seeds/" \;

"$OUT/fuzz-settings" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
        -dict=tests/fuzz/fuzz-settings.dict -artifact_prefix="$OUT/" -error_exitcode=1 -timeout_exitcode=1 \
        -print_final_stats=1 "$work" "$seeds"
rc=$?
if [ "$rc" -ne 0 ]; then
        echo "fuzz-settings: crash (exit $rc); see $OUT/crash-* / leak-* / timeout-*" >&2
        exit 1
fi
echo "fuzz-settings: no crash in ${SECONDS_TO_RUN}s"
