# SPDX-License-Identifier: LGPL-2.1-or-later
# What a container can do to nixbox through its delegated cgroup and its
# PID 1: hostile cgroup trees (long paths, depth) must never make another
# machine's run, list or status fail, and a container must die with its
# supervisor even when its PID 1 clears its parent-death signal.

HELPERS=$BUILD/tests/helpers

# Background containers a failing test leaves behind: SIGTERM, then again.
stop_bg_jobs() {
        local p jobs
        jobs=$(jobs -p)
        [ -n "$jobs" ] || return 0
        for p in $jobs; do kill -TERM "$p" 2>/dev/null || true; done
        sleep 0.3
        for p in $jobs; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
eval "$(trap -p EXIT | sed "s/^trap -- '/trap -- 'stop_bg_jobs; /")"

# guard_of PID: the nixbox-guard child of the supervisor PID (none on old code).
guard_of() { pgrep -P "$1" -x nixbox-guard || true; }

# lock_free FILE: the file is gone or nobody holds its flock (without
# creating it, as flock(1) would).
lock_free() {
        python3 -c '
import fcntl, os, sys
try:
    fd = os.open(sys.argv[1], os.O_RDONLY)
except FileNotFoundError:
    sys.exit(0)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)' "$1"
}

t_hostile_cgroup_tree_does_not_break_other_machines() {
        local r r2 name other out pid guard other_pid marker prefix rc
        [ -n "$CG2" ] || skip "no cgroup2 mount on this host"
        r=$(copy_fixture busybox); out=$(test_tmp)/out
        r2=$(copy_fixture busybox other)   # a tree of its own: a tree in use is locked
        name=seccg-deep-$$; other=seccg-other-$$; marker=$((200000 + RANDOM))
        # The container's /sys/fs/cgroup is the host's $CG2/nixbox/NAME/payload.
        prefix=$(printf %s "$CG2/nixbox/$name/payload" | wc -c)
        # Inside: a chain as deep as the limit allows (32, CG_PAYLOAD_MAX_DEPTH
        # in runtime/cgroup.h; one level more must
        # fail), then a cgroup whose host path is exactly 1022 bytes with a
        # child (the old sweep truncated "PATH/CHILD" in a 1 KiB buffer to
        # "PATH/" and recursed into the same cgroup forever), with a process
        # in it.
        "$NIXBOX" run -q -M "$name" "$r" -- sh -c '
                p=/sys/fs/cgroup/chain; mkdir $p
                i=1; while [ $i -lt 32 ]; do
                        p=$p/d; mkdir $p || { echo "mkdir at depth $((i + 1)) failed"; exit 1; }; i=$((i + 1)); done
                if mkdir $p/toodeep 2>/dev/null; then echo "deeper: allowed"; else echo "deeper: refused"; fi
                need=$((1022 - '"$prefix"')); d=/sys/fs/cgroup
                while [ $need -gt 0 ]; do
                        n=$((need - 1)); [ $n -gt 200 ] && n=200
                        [ $((need - 1 - n)) -eq 1 ] && n=$((n - 1))
                        d=$d/$(printf "%0${n}d" 0 | tr 0 a); mkdir $d || exit 1
                        need=$((need - 1 - n))
                done
                mkdir $d/x && echo $$ >$d/x/cgroup.procs || exit 1
                echo ready; exec sleep '"$marker" </dev/null >"$out" 2>&1 &
        pid=$!
        wait_for grep -q ready "$out" || fail "container did not get ready: $(cat "$out")"
        assert_eq "$(grep deeper: "$out")" "deeper: refused" "a cgroup deeper than cgroup.max.depth"
        # Another machine, running meanwhile.
        "$NIXBOX" run -q -M "$other" "$r2" -- sleep 100 </dev/null >/dev/null 2>&1 &
        other_pid=$!
        wait_for test -e "/run/nixbox/$other/state" || fail "$other did not start"
        # The supervisor killed: its guard removes the tree. When this run
        # owns the machine (NIXBOX_TEST_EXCLUSIVE=1, or NIXBOX_TEST_KILL_GUARD=1
        # in a private cgroup namespace and /run/nixbox), the guard is killed
        # too, leaving the tree to the next command's sweep (never on a shared
        # machine: someone else's older nixbox would sweep it too, and crash).
        guard=$(guard_of $pid)
        if [ -n "$guard" ] && [ "${NIXBOX_TEST_EXCLUSIVE:-0}${NIXBOX_TEST_KILL_GUARD:-0}" != 00 ]; then
                kill -9 $guard
        fi
        kill -9 $pid; wait $pid 2>/dev/null || true
        wait_for sh -c "! pgrep -xf 'sleep $marker' >/dev/null" || fail "container survived"
        rc=0; "$NIXBOX" list >/dev/null 2>&1 || rc=$?
        assert_eq $rc 0 "nixbox list after the hostile tree"
        rc=0; out=$("$NIXBOX" status "$other" 2>&1) || rc=$?
        assert_eq $rc 0 "nixbox status of another machine"
        assert_match "$out" "sleep" "status shows the other machine's tree"
        rc=0; "$NIXBOX" status --json "$other" >/dev/null 2>&1 || rc=$?
        assert_eq $rc 0 "nixbox status --json of another machine"
        rc=0; run_nb -M "seccg-next-$$" "$r" -- true || rc=$?
        assert_eq $rc 0 "nixbox run of another machine"
        [ ! -e "$CG2/nixbox/$name" ] || fail "stale hostile cgroup left: $(find "$CG2/nixbox/$name" | head -3)"
        kill -TERM $other_pid; wait $other_pid || true
}

t_container_dies_with_a_sigkilled_supervisor() {
        local r name marker pid out shift lockf i alive free
        [ -x "$HELPERS/orphan-pid1" ] || { fail "helpers not built (run make)"; return 1; }
        r=$(copy_fixture busybox); name=seccg-orphan-$$; out=$(test_tmp)/out
        cp "$HELPERS/orphan-pid1" "$r/bin/"
        marker=seccg-marker-$$-$RANDOM
        # PID 1 clears PR_SET_PDEATHSIG, ignores signals and forks a child
        # that does the same, in its own session.
        "$NIXBOX" run -q --as-pid1 -M "$name" "$r" -- /bin/orphan-pid1 "$marker" </dev/null >"$out" 2>&1 &
        pid=$!
        wait_for sh -c "[ \$(pgrep -cxf '/bin/orphan-pid1 $marker') -ge 2 ]" || fail "payload did not start: $(cat "$out")"
        sleep 0.3       # PID 1 has cleared its death signal by now
        shift=$(sed -n 's/^UID_SHIFT=//p' "/run/nixbox/$name/state")
        lockf=/run/nixbox-uid/$shift
        lock_free "$lockf" && fail "UID range lock $lockf not held while running"
        kill -9 $pid; wait $pid 2>/dev/null || true
        # Within 2 s every process is gone; the range lock is free only then.
        for i in $(seq 40); do
                alive=0; pgrep -xf "/bin/orphan-pid1 $marker" >/dev/null && alive=1
                free=0; lock_free "$lockf" && free=1
                [ $alive = 1 ] && [ $free = 1 ] && fail "UID range lock released while the container still runs"
                [ $alive = 0 ] && [ $free = 1 ] && break
                sleep 0.05
        done
        pgrep -axf "/bin/orphan-pid1 $marker" && fail "container processes survived their SIGKILLed nixbox"
        lock_free "$lockf" || fail "UID range lock still held"
        wait_for sh -c "[ ! -e '$CG2/nixbox/$name' ]" || fail "cgroup left"
        [ ! -e "/run/nixbox/$name" ] || fail "state left"
}
