#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the integration tests (inside the network namespace tests/run.sh made).
# Each t_* function runs in its own bash with a time limit; after each one the
# host is checked for leftovers (cgroups, cgroup v1 writes, mounts, locks).
# Writes "pass|fail|skip NAME" lines to $1.
set -u
RESULTS=$1 FILTER=${2:-.}
source "$TOP/tests/lib.sh"
ip link set lo up

# Fixtures were built by tests/run.sh outside this network namespace (their
# builders need the Debian mirror): BUSYBOX_ROOT, DEBIAN_ROOT, NIXOS_ROOT.
[ -n "${BUSYBOX_ROOT:-}" ] || { echo "no busybox fixture"; exit 1; }

v1_before=$(v1_cgroup_dirs)
STAMP=$(mktemp)
for file in "$TOP"/tests/integration/*.sh; do
        base=$(basename "$file" .sh)
        for t in $(grep -o '^t_[a-z0-9_]*' "$file"); do
                name="$base:$t"
                [[ "$name" =~ $FILTER ]] || continue
                log=$(mktemp)
                before=$(leak_inventory)
                touch "$STAMP"
                start=$(date +%s.%N)
                timeout --kill-after=10 "${TEST_TIMEOUT:-300}" bash -c 'source "$TOP/tests/lib.sh"; test_tmp_init; source "$1"; set -e; "$2"' _ "$file" "$t" >"$log" 2>&1
                rc=$?
                secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
                sleep 0.1
                leaks=$(check_leaks "$before")
                if [ -n "$leaks" ]; then
                        echo "leftovers after $name: $leaks" >>"$log"
                        # Only a run that owns the machine (tests/run.sh) may
                        # kill leftovers: others' tests may be running too.
                        [ "${NIXBOX_TEST_EXCLUSIVE:-0}" = 1 ] && LEAKS_FOUND=$leaks cleanup_leaks "$leaks"
                        rc=1
                fi
                # The outcome records this test's runs left (docs/harness.md):
                # only a run that owns the machine may remove them, since
                # another run's test may be reading its own right now.
                if [ "${NIXBOX_TEST_EXCLUSIVE:-0}" = 1 ] && [ -d /run/nixbox/.ended ]; then
                        find /run/nixbox/.ended -mindepth 1 -maxdepth 1 -type d -newer "$STAMP" -printf '%f\n' 2>/dev/null |
                                while read -r m; do "$NIXBOX" remove-state "$m" >/dev/null 2>&1 || true; done
                fi
                # --link-journal=host/try-* leaves /var/log/journal/ID -> the
                # tree, as nspawn does: the test's tree is gone now, so are
                # the links it left (dangling ones into test trees only).
                find /var/log/journal -maxdepth 1 -xtype l -newer "$STAMP" \
                        \( -lname '/var/lib/nixbox/*' -o -lname '/var/tmp/nixbox-tests/*' \) -delete 2>/dev/null || true
                case $rc in
                0) echo "ok - $name (${secs}s)"; echo "pass $name" >>"$RESULTS" ;;
                77) echo "skip - $name: $(grep -m1 '^skip: ' "$log" | sed 's/^skip: //')"; echo "skip $name" >>"$RESULTS" ;;
                *) echo "not ok - $name (exit $rc, ${secs}s)"; sed 's/^/    /' "$log" | tail -40; echo "fail $name" >>"$RESULTS" ;;
                esac
                rm -f "$log"
        done
done
rm -f "$STAMP"
# Empty directories the runs made (nixbox's own /run dirs stay if in use).
rmdir /var/tmp/nixbox-tests /var/lib/nixbox /run/nixbox-uid 2>/dev/null
v1_after=$(v1_cgroup_dirs)
if [ "$v1_before" != "$v1_after" ]; then
        echo "not ok - no-v1-cgroup-writes: new directories under cgroup v1 hierarchies:"
        diff <(echo "$v1_before") <(echo "$v1_after") | sed 's/^/    /'
        echo "fail integration:no-v1-cgroup-writes" >>"$RESULTS"
else
        echo "ok - integration:no-v1-cgroup-writes"
        echo "pass integration:no-v1-cgroup-writes" >>"$RESULTS"
fi
exit 0
