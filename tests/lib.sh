# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers for the integration tests (sourced by tests/integration-runner.sh
# and by each test's own bash). A test is a function t_NAME that returns 0
# (pass) or non-zero (fail), or calls skip "why" (exit 77).

CG2=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)

fail() { echo "FAIL: $*" >&2; return 1; }
# skip REASON: ends the test as skipped (stderr: it may run inside $(...)).
skip() { echo "skip: $*" >&2; exit 77; }

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
        [ "$1" = "$2" ] || { echo "FAIL: $3: got '$1', expected '$2'" >&2; return 1; }
}
# assert_match TEXT REGEX WHAT
assert_match() {
        [[ "$1" =~ $2 ]] || { echo "FAIL: $3: '$1' does not match /$2/" >&2; return 1; }
}

# A per-test scratch directory, made before the test runs and removed when
# the test's bash exits (tests call test_tmp to get its path).
test_tmp_init() {
        mkdir -p /var/tmp/nixbox-tests
        TEST_TMP=$(mktemp -d /var/tmp/nixbox-tests/t.XXXXXX)
        export TEST_TMP
        trap 'remove_tree "$TEST_TMP"' EXIT
}
test_tmp() { echo "$TEST_TMP"; }

remove_tree() {
        [ -n "$1" ] && [ -e "$1" ] || return 0
        # NixOS makes /var/empty immutable; lift that before removing.
        chattr -R -i "$1" 2>/dev/null || true
        rm -rf --one-file-system "$1"
}

# copy_fixture NAME [DEST-NAME]: a private copy of a fixture; prints its path.
copy_fixture() {
        local src dst
        case $1 in
        busybox) src=${BUSYBOX_ROOT:-} ;;
        debian) src=${DEBIAN_ROOT:-} ;;
        nixos) src=${NIXOS_ROOT:-} ;;
        esac
        if [ -z "$src" ]; then
                # Inside $(...) the exit only ends the subshell: also hand back
                # a path nothing can be written under.
                echo /nonexistent/fixture-unavailable
                skip "$1 fixture unavailable (see /tmp/nixbox-fixture-$1.log)"
        fi
        dst=$TEST_TMP/${2:-$1}
        cp -a --reflink=auto "$src" "$dst"
        echo "$dst"
}

# run_nb ARGS...: nixbox, quiet, with stdin from /dev/null.
run_nb() { "$NIXBOX" run -q "$@" </dev/null; }

# Host uid of container uid 0 for a machine picked by name (nspawn's pick).
expected_shift() {
        # Debian's python starts in a fraction of pyenv's shim's time.
        "$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)" "$TOP/tests/uid-pick.py" "$1"
}

v1_cgroup_dirs() {
        local h
        for h in /sys/fs/cgroup/*/; do
                h=${h%/}
                [ "$h" = "$CG2" ] && continue
                mountpoint -q "$h" || continue
                [ "$(stat -f -c %T "$h")" = cgroupfs ] || continue
                find "$h" -mindepth 1 -maxdepth 4 -type d 2>/dev/null | grep -v '/memory/process_api' || true
        done | sort
}

# One line per thing of ours on the host: cgroups, mounts, locks, processes.
leak_inventory() {

        if [ -n "$CG2" ] && [ -d "$CG2/nixbox" ]; then
                find "$CG2/nixbox" -mindepth 1 -maxdepth 1 -type d | sed 's/^/cgroup /'
        fi
        grep -E '/var/tmp/nixbox-tests|nixbox-fixtures' /proc/self/mountinfo | awk '{print "mount " $5}'
        ls /run/nixbox/*.lock 2>/dev/null | sed 's/^/lock /'
        ls /run/systemd/nspawn/locks/inode-* 2>/dev/null | sed 's/^/lock /'
        ls /run/nixbox-uid/ 2>/dev/null | sed 's|^|lock /run/nixbox-uid/|'
        ls /run/systemd/nspawn-uid/ 2>/dev/null | sed 's|^|lock /run/systemd/nspawn-uid/|'
        # One find for all processes (a readlink per process is slow under load).
        find /proc -mindepth 2 -maxdepth 2 -name exe \( -lname "$NIXBOX" -o -lname "${NIXBOX_SAN:-/nonexistent}" \
                -o -lname '*memfd:nixbox-init*' \) 2>/dev/null | awk -F/ '{ print "process " $3 }'
}

# What a finished test left that was not there before it (other people's
# containers running on the same machine are not ours to judge or touch).
# Usage: before=$(leak_inventory); ...; check_leaks "$before"
check_leaks() {
        comm -13 <(sort <<<"$1") <(leak_inventory | sort) | tr '\n' ' ' | sed 's/ *$//'
}

cleanup_leaks() {   # the output of check_leaks
        local kind what
        set -- $1
        while [ $# -ge 2 ]; do
                kind=$1 what=$2; shift 2
                case $kind in
                process) kill -9 "$what" 2>/dev/null ;;
                esac
        done
        sleep 0.3
        set -- $LEAKS_FOUND
        while [ $# -ge 2 ]; do
                kind=$1 what=$2; shift 2
                case $kind in
                cgroup) find "$what" -depth -type d -exec rmdir {} \; 2>/dev/null ;;
                mount) umount -l "$what" 2>/dev/null ;;
                lock) rm -f "$what" ;;
                esac
        done
        [ -n "$CG2" ] && rmdir "$CG2/nixbox" 2>/dev/null
        true
}

# wait_for COMMAND...: retries for up to 10 s.
wait_for() {
        local i
        for i in $(seq 100); do "$@" && return 0; sleep 0.1; done
        return 1
}

# run_nspawn ARGS...: Debian's systemd-nspawn (252) as docs/dev-machine.md
# section 1 allows it: a fresh cgroup under $CG2, a private mount and cgroup
# namespace whose only /sys/fs/cgroup is that cgroup (no v1 hierarchy to
# write), a private /run/systemd/nspawn, and no machined or unit of its own, in a PID
# namespace and a PID namespace. Skips the test when nspawn is not installed.
run_nspawn() {
        command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
        local cg rc=0
        cg=$(mktemp -d "$CG2/nixbox-tests-nspawn.XXXXXX")
        mkdir "$cg/view"
        (
                echo $BASHPID >"$cg/view/cgroup.procs"
                # shellcheck disable=SC2016
                exec unshare -m --propagation private --cgroup --pid --fork --mount-proc sh -c '
                        umount -R /sys/fs/cgroup 2>/dev/null
                        if awk "\$9 == \"cgroup\" { f = 1 } END { exit !f }" /proc/self/mountinfo; then
                                echo "run_nspawn: cgroup v1 still mounted in the private view" >&2; exit 1
                        fi
                        mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 1
                        # nspawn runs in a leaf below the root of the view, as under a service manager.
                        mkdir /sys/fs/cgroup/nspawn && echo $$ >/sys/fs/cgroup/nspawn/cgroup.procs || exit 1
                        mkdir -p /run/systemd/nspawn && mount -t tmpfs -o mode=0755 nspawn-private /run/systemd/nspawn || exit 1
                        # Not exec: sh stays PID 1 of the view (nspawn reads its cgroup from PID 1).
                        SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 ${NSPAWN_WRAP:-} systemd-nspawn --keep-unit --register=no "$@"' sh "$@"
        ) || rc=$?
        find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
        return $rc
}
