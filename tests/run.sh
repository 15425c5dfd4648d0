#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs every test of nixbox and prints the closing line "N passed, N failed, N skipped".
#   unit tests        build/tests/test-* (and the sanitizer build's, build/san/tests/test-*)
#   musl              every C source compiles with musl-gcc (`make check-musl`)
#   format            changed C lines are formatted as .clang-format says (`make check-format`)
#   spdx              every source file has an SPDX licence header (tests/check-spdx.sh)
#   fuzz              tests/fuzz/build-and-run.sh (bounded time)
#   integration       tests/integration/*.sh, as root, inside a throwaway network namespace
#   python            python/tests (unit: a fake nixbox; integration: root), examples/harness (root)
#   pkg               the Debian package builds, passes lintian, runs from its files (tests/check-deb.sh)
#   bench             bench/run.sh --quick, with every peer hidden and then as installed
# Usage: tests/run.sh [FILTER]   (FILTER: a regular expression on "file:test" names)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
export BUILD=${BUILD:-$TOP/build}
export NIXBOX=${NIXBOX:-$BUILD/nixbox}
export NIXBOX_SAN=$BUILD/san/nixbox
export FIXTURES=${NIXBOX_FIXTURES:-/var/cache/nixbox-fixtures}
FILTER=${1:-.}
FUZZ_SECONDS=${FUZZ_SECONDS:-20}

pass=0 fail=0 skip=0
failed_names=()

count_unit() {   # BINARY
        local bin=$1 out rc ok notok
        out=$("$bin" 2>&1); rc=$?
        ok=$(grep -c '^ok - ' <<<"$out")
        notok=$(grep -c '^not ok - ' <<<"$out")
        pass=$((pass + ok)); fail=$((fail + notok))
        if [ "$notok" -gt 0 ]; then
                grep '^not ok - ' <<<"$out" | sed "s|^|  $(basename "$bin"): |"
                failed_names+=("$(basename "$bin")")
        fi
        if [ $rc -ne 0 ] && [ "$notok" -eq 0 ]; then
                echo "not ok - $(basename "$bin"): exited $rc without a failed check"
                tail -20 <<<"$out" | sed 's/^/    /'
                fail=$((fail + 1)); failed_names+=("$(basename "$bin")")
        fi
        echo "unit $(basename "$(dirname "$(dirname "$bin")")")/$(basename "$bin"): $ok passed, $notok failed"
}

echo "== unit tests"
for bin in "$BUILD"/tests/test-* "$BUILD"/san/tests/test-*; do
        [ -x "$bin" ] || continue
        [[ "unit:$(basename "$bin")" =~ $FILTER ]] || continue
        count_unit "$bin"
done

# Every source compiles against musl (compile only: see `make check-musl`).
if [[ "musl:compile" =~ $FILTER ]]; then
        echo "== musl compile check"
        if ! command -v "${MUSL_CC:-musl-gcc}" >/dev/null; then
                skip=$((skip + 1)); echo "skip - musl:compile: ${MUSL_CC:-musl-gcc} is not installed (apt-get install musl-tools)"
        elif out=$(make -C "$TOP" -s -j2 BUILD="$BUILD" check-musl 2>&1); then
                pass=$((pass + 1)); echo "ok - musl:compile ($(tail -1 <<<"$out"))"
        else
                fail=$((fail + 1)); failed_names+=("musl:compile")
                echo "not ok - musl:compile"; grep -E 'error|\*\*\*' <<<"$out" | head -20 | sed 's/^/    /'
        fi
fi

# The C lines changed since .clang-format was adopted follow it
# (tests/check-format.sh: exit 0 clean, 1 with the diff, 77 "skip: why").
if [[ "format:changed-lines" =~ $FILTER ]]; then
        echo "== format check"
        out=$("$TOP/tests/check-format.sh" 2>&1); rc=$?
        case $rc in
        0) pass=$((pass + 1)); echo "ok - format:changed-lines ($(tail -1 <<<"$out"))" ;;
        77) skip=$((skip + 1)); echo "skip - format:changed-lines: $(grep -m1 '^skip: ' <<<"$out" | sed 's/^skip: //')" ;;
        *) fail=$((fail + 1)); failed_names+=("format:changed-lines")
           echo "not ok - format:changed-lines"; head -60 <<<"$out" | sed 's/^/    /' ;;
        esac
fi

# The docs agree with the binary: `nixbox run --help` and `nixbox help`
# against nixbox(1)'s OPTIONS and COMMANDS (tests/check-docs.py).
if [[ "docs:options" =~ $FILTER ]]; then
        echo "== docs check"
        if [ ! -x /usr/bin/python3 ]; then
                skip=$((skip + 1)); echo "skip - docs:options: /usr/bin/python3 is not installed"
        elif out=$(/usr/bin/python3 "$TOP/tests/check-docs.py" "$NIXBOX" "$TOP/docs/nixbox.1" 2>&1); then
                pass=$((pass + 1)); echo "ok - docs:options ($(tail -1 <<<"$out"))"
        else
                fail=$((fail + 1)); failed_names+=("docs:options")
                echo "not ok - docs:options"; head -60 <<<"$out" | sed 's/^/    /'
        fi
fi

# Every source file has an SPDX licence header (tests/check-spdx.sh).
if [[ "spdx:headers" =~ $FILTER ]]; then
        echo "== licence headers"
        if out=$("$TOP/tests/check-spdx.sh" 2>&1); then
                pass=$((pass + 1)); echo "ok - spdx:headers ($(tail -1 <<<"$out"))"
        else
                fail=$((fail + 1)); failed_names+=("spdx:headers")
                echo "not ok - spdx:headers"; head -40 <<<"$out" | sed 's/^/    /'
        fi
fi

if [[ "fuzz:settings" =~ $FILTER ]] && [ -x "$TOP/tests/fuzz/build-and-run.sh" ]; then
        echo "== fuzz (${FUZZ_SECONDS}s)"
        out=$("$TOP/tests/fuzz/build-and-run.sh" "$FUZZ_SECONDS" 2>&1); rc=$?
        if [ $rc -eq 0 ] && grep -q '^skip:' <<<"$out"; then rc=77; fi
        case $rc in
        0) pass=$((pass + 1)); echo "ok - fuzz:settings" ;;
        77) skip=$((skip + 1)); echo "skip - fuzz:settings: $(grep -m1 '^skip:' <<<"$out" | sed 's/^skip: //')" ;;
        *) fail=$((fail + 1)); failed_names+=("fuzz:settings"); echo "not ok - fuzz:settings"; tail -30 <<<"$out" | sed 's/^/    /' ;;
        esac
fi

echo "== integration tests"
if [ "$(id -u)" -ne 0 ]; then
        n=$(cat "$TOP"/tests/integration/*.sh | grep -c '^t_[a-z0-9_]*()')
        echo "skip - integration: $n tests need root (run 'make check' as root)"
        skip=$((skip + n))
else
        # The whole suite runs in a throwaway network namespace: every link
        # and address the tests make lives there, never on the machine.
        # Fixtures are built here, outside the test network namespace, since
        # their builders need the Debian mirror. Busybox is required; a
        # missing debian/nixos fixture makes the tests that need it skip.
        export BUSYBOX_ROOT DEBIAN_ROOT NIXOS_ROOT
        BUSYBOX_ROOT=$("$TOP/tests/fixtures/fixture.sh" busybox) || { echo "not ok - cannot build the busybox fixture"; fail=$((fail + 1)); }
        DEBIAN_ROOT=$("$TOP/tests/fixtures/fixture.sh" debian 2>/tmp/nixbox-fixture-debian.log) || DEBIAN_ROOT=""
        NIXOS_ROOT=$("$TOP/tests/fixtures/fixture.sh" nixos 2>/tmp/nixbox-fixture-nixos.log) || NIXOS_ROOT=""
        [ -n "$DEBIAN_ROOT" ] || echo "note: debian fixture unavailable: $(tail -1 /tmp/nixbox-fixture-debian.log)"
        [ -n "$NIXOS_ROOT" ] || echo "note: nixos fixture unavailable: $(tail -1 /tmp/nixbox-fixture-nixos.log)"
        results=$(mktemp)
        NIXBOX_TEST_EXCLUSIVE=${NIXBOX_TEST_EXCLUSIVE:-1} unshare --net -- "$TOP/tests/integration-runner.sh" "$results" "$FILTER"
        rc=$?
        while read -r kind name; do
                case $kind in
                pass) pass=$((pass + 1)) ;;
                fail) fail=$((fail + 1)); failed_names+=("$name") ;;
                skip) skip=$((skip + 1)) ;;
                esac
        done <"$results"
        rm -f "$results"
        [ $rc -eq 0 ] || { echo "not ok - integration runner exited $rc"; fail=$((fail + 1)); }
fi

# The Python client (python/nixbox.py): its unit tests against a fake
# nixbox, its tests against the real nixbox, and the example harness
# (examples/harness) booting NIXBOX_EXAMPLE_N (10) NixOS machines at once.
# pytest is Debian's (python3-pytest): /usr/bin/python3, not PATH's python3.
# run_pytest KIND ROOT-ONLY TARGET: one result line for that pytest run.
run_pytest() {
        local kind=$1 root_only=$2 target=$3 log rc tmp summary left
        [[ "$kind" =~ $FILTER ]] || return 0
        if ! /usr/bin/python3 -c 'import pytest' 2>/dev/null; then
                skip=$((skip + 1)); echo "skip - $kind: pytest is not installed (apt-get install python3-pytest)"; return 0
        fi
        if [ "$root_only" = 1 ] && [ "$(id -u)" -ne 0 ]; then
                skip=$((skip + 1)); echo "skip - $kind: needs root"; return 0
        fi
        log=/tmp/nixbox-$kind.log; log=${log/:/-}
        mkdir -p /var/tmp/nixbox-tests
        tmp=$(mktemp -d /var/tmp/nixbox-tests/py.XXXXXX)
        # In a network namespace of its own, as the integration tests run.
        env PYTHONDONTWRITEBYTECODE=1 NIXBOX="$NIXBOX" NIXBOX_TMP="$tmp" NIXBOX_EXAMPLE_N="${NIXBOX_EXAMPLE_N:-10}" \
                NIXBOX_EXAMPLE_NET=veth NIXBOX_EXAMPLE_REPORT="$tmp.report" \
                $([ "$root_only" = 1 ] && echo unshare --net) sh -c '[ "$(id -u)" -ne 0 ] || ip link set lo up 2>/dev/null; exec "$@"' _ \
                /usr/bin/python3 -m pytest -q -rs -p no:cacheprovider "$target" >"$log" 2>&1
        rc=$?
        summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error)' "$log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
        # What the tests' machines (pyi-*, nbex-*, nbpy-*) might have left.
        left=$(for p in pyi nbex nbpy; do ls -d /run/nixbox/$p-* /run/nixbox/.ended/$p-* ${CG2:+"$CG2"/nixbox/$p-*}; done 2>/dev/null | tr '\n' ' ')
        if [ $rc -eq 0 ] && [ -n "$left" ]; then
                rc=1; echo "leftovers after $kind: $left" >>"$log"
        fi
        if [ $rc -eq 0 ] && ! grep -q ' passed' <<<"$summary"; then
                skip=$((skip + 1)); echo "skip - $kind: $(grep -m1 '^SKIPPED' "$log" | sed 's/^SKIPPED \[[0-9]*\] [^:]*:[0-9]*: //')"
        elif [ $rc -eq 0 ]; then
                pass=$((pass + 1)); echo "ok - $kind ($summary)"
                [ -s "$tmp.report" ] && sed 's/^/    /' "$tmp.report"
        else
                fail=$((fail + 1)); failed_names+=("$kind")
                echo "not ok - $kind (exit $rc${summary:+, $summary}; log: $log)"; tail -40 "$log" | sed 's/^/    /'
        fi
        rm -rf "$tmp" "$tmp.report"
}
if [[ "python:unit" =~ $FILTER || "python:integration" =~ $FILTER || "python:harness" =~ $FILTER ]]; then
        echo "== python"
        CG2=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
        run_pytest python:unit 0 "$TOP/python/tests/test_unit.py"
        run_pytest python:integration 1 "$TOP/python/tests/test_integration.py"
        run_pytest python:harness 1 "$TOP/examples/harness/test_boot.py"
fi

# The Debian package builds (in a scratch copy), passes lintian and runs
# from its unpacked files (tests/check-deb.sh; after the integration tests,
# whose busybox fixture its smoke run borrows).
if [[ "pkg:deb" =~ $FILTER ]]; then
        echo "== Debian package"
        out=$(BUSYBOX_ROOT=${BUSYBOX_ROOT:-} "$TOP/tests/check-deb.sh" 2>&1); rc=$?
        case $rc in
        0) pass=$((pass + 1)); echo "ok - pkg:deb ($(tail -1 <<<"$out"))"
           grep '^lintian: ' <<<"$out" | sed 's/^/    /' ;;
        77) skip=$((skip + 1)); echo "skip - pkg:deb: $(grep -m1 '^skip: ' <<<"$out" | sed 's/^skip: //')" ;;
        *) fail=$((fail + 1)); failed_names+=("pkg:deb")
           echo "not ok - pkg:deb"; tail -40 <<<"$out" | sed 's/^/    /' ;;
        esac
fi

# The VM lane (pure cgroup v2, older kernel) counts in the totals; it says
# itself when it cannot run (skipped, with the reason).
if [[ "vm:lane" =~ $FILTER ]] && [ -x "$TOP/tests/vm/run.sh" ] && [ "${NIXBOX_SKIP_VM:-0}" != 1 ]; then
        echo "== VM lane"
        vmlog=$(mktemp)
        "$TOP/tests/vm/run.sh" 2>&1 | tee "$vmlog"
        rc=${PIPESTATUS[0]}
        line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$vmlog" | tail -1)
        if [ -n "$line" ]; then
                p=$(grep -oE '[0-9]+ passed' <<<"$line" | cut -d' ' -f1)
                f=$(grep -oE '[0-9]+ failed' <<<"$line" | cut -d' ' -f1)
                s=$(grep -oE '[0-9]+ skipped' <<<"$line" | cut -d' ' -f1); s=${s:-0}
                pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
                [ "$f" -eq 0 ] || failed_names+=("vm-lane")
        fi
        if [ $rc -ne 0 ] || [ -z "$line" ]; then
                echo "not ok - vm lane: exited $rc${line:+ }${line:-, no closing line}"
                fail=$((fail + 1)); failed_names+=("vm-lane")
        fi
        rm -f "$vmlog"
fi

# The benchmark as on a fresh machine: every peer hidden, each must be
# skipped with its reason and the run must complete.
if [[ "bench:no-peers" =~ $FILTER ]] && [ -x "$TOP/bench/run.sh" ] && [ "${NIXBOX_SKIP_BENCH:-0}" != 1 ]; then
        echo "== bench --quick --no-peers"
        log=/tmp/nixbox-bench-no-peers.log
        "$TOP/bench/run.sh" --quick --no-peers --sections latency >$log 2>&1; rc=$?
        why=""
        [ $rc -eq 0 ] || why="exited $rc"
        if [ "$(id -u)" -eq 0 ]; then
                for p in systemd-nspawn crun bwrap lxc-start; do
                        grep -q "skipped: $p not installed" $log || why+="${why:+; }no skip line for $p"
                done
                for p in bwrap crun lxc systemd-nspawn; do
                        grep -q "skipping $p: .* not installed" $log || why+="${why:+; }bench.py did not skip $p"
                done
                # The targets table (printed at the end) names the absent peers.
                for p in bwrap crun; do
                        grep -q "not measured ($p not installed)" $log || why+="${why:+; }no 'not measured ($p not installed)' target"
                done
        fi
        if [ -z "$why" ]; then
                pass=$((pass + 1)); echo "ok - bench:no-peers"
        else
                fail=$((fail + 1)); failed_names+=("bench:no-peers")
                echo "not ok - bench:no-peers: $why"; tail -30 $log | sed 's/^/    /'
        fi
fi

# The benchmark runs once in its smallest form, to keep it working (never
# judged on its numbers).
if [[ "bench:quick" =~ $FILTER ]] && [ -x "$TOP/bench/run.sh" ] && [ "${NIXBOX_SKIP_BENCH:-0}" != 1 ]; then
        echo "== bench --quick"
        if "$TOP/bench/run.sh" --quick >/tmp/nixbox-bench-quick.log 2>&1; then
                pass=$((pass + 1)); echo "ok - bench:quick"
        else
                fail=$((fail + 1)); failed_names+=("bench:quick")
                echo "not ok - bench:quick"; tail -30 /tmp/nixbox-bench-quick.log | sed 's/^/    /'
        fi
fi

if [ ${#failed_names[@]} -gt 0 ]; then
        echo "failed: ${failed_names[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
