# SPDX-License-Identifier: LGPL-2.1-or-later
# What a test harness relies on (docs/harness.md): outcomes kept after the
# end (status, logs, list --all, wait, remove-state), the guard's record
# after a killed nixbox, cleanup after kill -9, and copy-to / copy-from.

ENDED=/run/nixbox/.ended

# jq-like: jget FILE-OR-TEXT EXPR, EXPR a Python expression on `d`.
jget() {
        python3 -c 'import json, sys; d = json.loads(sys.argv[1]); v = eval(sys.argv[2]); print("null" if v is None else v)' "$1" "$2"
}

forget() { "$NIXBOX" remove-state "$@" >/dev/null 2>&1 || true; }

t_wait_status_logs_and_remove_state_of_an_ended_container() {
        local r rc=0 out js
        r=$(copy_fixture busybox)
        forget hv-boom
        out=$("$NIXBOX" run -q -d -M hv-boom "$r" -- sh -c 'echo boom; sleep 0.5; exit 3' </dev/null) || fail "run -d failed"
        assert_eq "$out" hv-boom "run -d prints the name"
        "$NIXBOX" wait hv-boom || rc=$?
        assert_eq $rc 3 "wait exits with the container's status"
        out=$("$NIXBOX" status hv-boom) || fail "status of an ended container failed"
        assert_match "$out" "State: ended" "status state"
        assert_match "$out" "Result: exited with status 3" "status result"
        assert_match "$out" "Exit code: 3" "status exit code"
        js=$("$NIXBOX" status hv-boom --json)
        assert_eq "$(jget "$js" 'd["state"]')" ended "json state"
        assert_eq "$(jget "$js" 'd["outcome"]["result"]')" exited "json result"
        assert_eq "$(jget "$js" 'd["outcome"]["exit_code"]')" 3 "json exit_code"
        assert_eq "$(jget "$js" 'd["outcome"]["exit_status"]')" 3 "json exit_status"
        assert_eq "$(jget "$js" 'd["outcome"]["stop_request"]')" null "json stop_request"
        assert_eq "$(jget "$js" 'd["outcome"]["recorded_by"]')" supervisor "json recorded_by"
        assert_eq "$(jget "$js" 'd["outcome"]["end_usec"] >= d["start_usec"] + 400000')" True "end after start"
        assert_match "$("$NIXBOX" logs hv-boom)" "boom" "logs of an ended container"
        # list: running ones only; --all with the ended ones and a result.
        "$NIXBOX" list | grep -q '^hv-boom ' && fail "list shows an ended container"
        assert_match "$("$NIXBOX" list --all | grep '^hv-boom ')" '^hv-boom +ended .* exit 3$' "list --all"
        assert_eq "$(jget "$("$NIXBOX" list --all --json)" '[m["outcome"]["exit_code"] for m in d if m["name"] == "hv-boom"][0]')" 3 "list --all --json"
        [ ! -e /run/nixbox/hv-boom ] || fail "the running state was left behind"
        "$NIXBOX" remove-state hv-boom || fail "remove-state failed"
        rc=0; "$NIXBOX" status hv-boom >/dev/null 2>&1 || rc=$?
        assert_eq $rc 1 "status after remove-state"
        rc=0; "$NIXBOX" remove-state hv-boom 2>/dev/null || rc=$?
        assert_eq $rc 1 "remove-state of an unknown name"
        [ ! -e $ENDED/hv-boom ] || fail "record left after remove-state"
}

t_wait_codes_for_timeout_and_unknown_names() {
        local r rc=0 js
        r=$(copy_fixture busybox)
        forget hv-slow hv-nosuch
        "$NIXBOX" run -q -d -M hv-slow "$r" -- sh -c 'while :; do sleep 0.1; done' </dev/null >/dev/null || fail "run -d failed"
        "$NIXBOX" wait --timeout=0.3 hv-slow 2>/dev/null || rc=$?
        assert_eq $rc 124 "wait on a running container after --timeout"
        js=$("$NIXBOX" wait --timeout=0.1 --json hv-slow 2>/dev/null) || true
        assert_eq "$(jget "$js" 'd["state"]')" running "wait --json on a timeout prints the running machine"
        rc=0; "$NIXBOX" wait hv-nosuch 2>/dev/null || rc=$?
        assert_eq $rc 123 "wait on an unknown name"
        rc=0; "$NIXBOX" wait --json hv-nosuch >"$(test_tmp)/out" 2>/dev/null || rc=$?
        [ ! -s "$(test_tmp)/out" ] || fail "wait --json printed something for an unknown name"
        "$NIXBOX" terminate hv-slow || fail "terminate failed"
        js=$("$NIXBOX" status --json hv-slow)
        assert_eq "$(jget "$js" 'd["outcome"]["stop_request"]')" terminate "stop_request after terminate"
        assert_eq "$(jget "$js" 'd["outcome"]["exit_code"]')" 137 "exit code after terminate"
        assert_eq "$(jget "$js" 'd["outcome"]["signal_name"]')" SIGKILL "signal after terminate"
        forget hv-slow
}

t_status_after_stop_shows_the_stop() {
        local r rc=0 js start
        r=$(copy_fixture busybox)
        forget hv-stopme
        "$NIXBOX" run -q -d -M hv-stopme "$r" -- sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' </dev/null >/dev/null ||
                fail "run -d failed"
        # wait blocks until the end, without a busy loop, and sees the stop.
        "$NIXBOX" wait hv-stopme >/dev/null 2>&1 &
        local waiter=$!
        sleep 0.3
        kill -0 $waiter 2>/dev/null || fail "wait returned while the container runs"
        start=$(date +%s%N)
        "$NIXBOX" stop hv-stopme || fail "stop failed"
        wait $waiter || rc=$?
        assert_eq $rc 7 "wait's status after stop"
        js=$("$NIXBOX" status --json hv-stopme)
        assert_eq "$(jget "$js" 'd["outcome"]["stop_request"]')" stop "stop_request"
        assert_eq "$(jget "$js" 'd["outcome"]["result"]')" exited "result"
        assert_match "$("$NIXBOX" status hv-stopme)" "Stop request: stop" "status text"
        forget hv-stopme
}

t_next_run_of_a_name_replaces_its_outcome() {
        local r rc=0 js
        r=$(copy_fixture busybox)
        forget hv-again
        run_nb -M hv-again "$r" -- sh -c 'exit 4' || rc=$?
        assert_eq $rc 4 "foreground run"
        # Foreground runs are recorded too.
        assert_eq "$(jget "$("$NIXBOX" status --json hv-again)" 'd["outcome"]["exit_code"]')" 4 "foreground outcome"
        "$NIXBOX" run -q -d -M hv-again "$r" -- sh -c 'sleep 0.5; exit 5' </dev/null >/dev/null || fail "run -d failed"
        js=$("$NIXBOX" status --json hv-again)
        assert_eq "$(jget "$js" 'd["outcome"]')" null "a running machine has no outcome"
        assert_eq "$(jget "$js" 'd["state"]')" running "state of the new run"
        rc=0; "$NIXBOX" wait hv-again || rc=$?
        assert_eq $rc 5 "wait sees the new run's status"
        assert_eq "$(jget "$("$NIXBOX" status --json hv-again)" 'd["outcome"]["exit_code"]')" 5 "the new outcome"
        forget hv-again
}

# At most 64 records: the oldest go when one is written.
t_ended_records_are_bounded() {
        local r i n
        r=$(copy_fixture busybox)
        forget hv-bound
        run_nb -M hv-bound "$r" -- true || fail "run failed"
        [ -e $ENDED/hv-bound/outcome ] || fail "no record"
        # Old records (end time 1..70 µs since the epoch), then one real end.
        for i in $(seq 1 70); do
                mkdir -p $ENDED/hv-old-$i
                sed -e "s/^NAME=.*/NAME=hv-old-$i/" -e "s/^OUTCOME_END_USEC=.*/OUTCOME_END_USEC=$i/" \
                        $ENDED/hv-bound/outcome >$ENDED/hv-old-$i/outcome
        done
        run_nb -M hv-bound "$r" -- true || fail "run failed"
        n=$(find $ENDED -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
        [ "$n" -le 64 ] || fail "$n records kept"
        [ -e $ENDED/hv-bound/outcome ] || fail "the newest record was pruned"
        [ ! -e $ENDED/hv-old-1 ] || fail "the oldest record was kept"
        [ -e $ENDED/hv-old-70 ] || [ "$n" -eq 64 ] || fail "pruned more than needed"
        for i in $(seq 1 70); do forget hv-old-$i; done
        forget hv-bound
}

# kill -9 of a detached nixbox: the guard ends the container, records it,
# and says `exited` on the --json-status-fd it holds.
t_guard_records_the_end_after_the_supervisor_is_killed() {
        local r d rc=0 js sup
        r=$(copy_fixture busybox); d=$(test_tmp)
        forget hv-orphan
        "$NIXBOX" run -q -d --json-status-fd=4 -M hv-orphan "$r" -- sh -c 'while :; do sleep 0.1; done' \
                </dev/null >/dev/null 4>"$d/status" || fail "run -d failed"
        sup=$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/hv-orphan/state)
        kill -KILL "$sup"
        "$NIXBOX" wait --timeout=10 hv-orphan || rc=$?
        assert_eq $rc 125 "wait after the supervisor was killed"
        js=$("$NIXBOX" status --json hv-orphan)
        assert_eq "$(jget "$js" 'd["outcome"]["result"]')" abandoned "result"
        assert_eq "$(jget "$js" 'd["outcome"]["recorded_by"]')" guard "recorded_by"
        assert_eq "$(jget "$js" 'd["outcome"]["signal_name"]')" SIGKILL "the guard killed it"
        wait_for grep -q '"exited"' "$d/status" || fail "no exited event: $(cat "$d/status")"
        assert_match "$(tail -1 "$d/status")" '^\{"event":"exited","status":125,"result":"abandoned"\}$' "exited line"
        [ ! -e /run/nixbox/hv-orphan ] || fail "state left behind"
        [ ! -e /run/nixbox/hv-orphan.lock ] || fail "lock left behind"
        [ -z "$CG2" ] || [ ! -e "$CG2/nixbox/hv-orphan" ] || fail "cgroup left behind"
        forget hv-orphan
}

# kill -9 of a foreground nixbox (a harness killed with its child): within
# the documented 5 s nothing of the container is left.
t_kill_9_of_a_foreground_nixbox_leaves_nothing() {
        local r pid i leader
        r=$(copy_fixture busybox)
        forget hv-fg
        "$NIXBOX" run -q -M hv-fg "$r" -- sh -c 'while :; do sleep 0.1; done' </dev/null >/dev/null 2>&1 &
        pid=$!
        wait_for grep -q '^STATE=running' /run/nixbox/hv-fg/state 2>/dev/null || fail "did not start"
        leader=$(sed -n 's/^LEADER=//p' /run/nixbox/hv-fg/state)
        kill -KILL $pid
        for i in $(seq 50); do
                [ -e /run/nixbox/hv-fg ] || [ -e /run/nixbox/hv-fg.lock ] || { [ -n "$CG2" ] && [ -e "$CG2/nixbox/hv-fg" ]; } || break
                sleep 0.1
        done
        [ ! -e /run/nixbox/hv-fg ] || fail "state left 5 s after kill -9"
        [ ! -e /run/nixbox/hv-fg.lock ] || fail "lock left 5 s after kill -9"
        [ -z "$CG2" ] || [ ! -e "$CG2/nixbox/hv-fg" ] || fail "cgroup left 5 s after kill -9"
        # Gone, or a zombie that only waits for the subreaper to reap it.
        case $(awk '{ print $3 }' "/proc/$leader/stat" 2>/dev/null) in ""|Z) ;; *) fail "PID 1 ($leader) still runs" ;; esac
        ! grep -qF "$r" /proc/self/mountinfo || fail "mounts of the tree left"
        assert_eq "$(jget "$("$NIXBOX" status --json hv-fg)" 'd["outcome"]["recorded_by"]')" guard "recorded by the guard"
        wait $pid 2>/dev/null || true
        forget hv-fg
}

# A failure before the start still says `exited` on the status fd.
t_json_status_fd_says_exited_when_nixbox_fails_early() {
        local d rc=0
        d=$(test_tmp)
        "$NIXBOX" run -q --json-status-fd=4 -M hv-early /nonexistent-root -- true </dev/null 2>/dev/null 4>"$d/status" || rc=$?
        assert_eq $rc 125 "exit code"
        assert_eq "$(cat "$d/status")" '{"event":"exited","status":125,"result":"failed"}' "exited line"
}

# start_sleeper TREE NAME [ARGS...]: a detached command container that runs until stopped.
start_sleeper() {
        local r=$1 n=$2
        shift 2
        forget "$n"
        "$NIXBOX" run -q -d -M "$n" "$@" "$r" -- sh -c 'while :; do sleep 0.1; done' </dev/null >/dev/null || fail "run -d $n failed"
}

# Mode and owners go through the UID shift and back; the container's side is
# its mount namespace (/tmp is its tmpfs, not the tree's /tmp).
t_copy_to_and_from_round_trip_through_the_uid_shift() {
        local r d shift out
        r=$(copy_fixture busybox); d=$(test_tmp)
        mkdir -p "$d/src/sub"
        echo hello >"$d/src/a"; chmod 640 "$d/src/a"
        echo u1000 >"$d/src/sub/b"; chown 1000:1001 "$d/src/sub/b"; chmod 750 "$d/src/sub/b"
        ln -s /etc/passwd "$d/src/link"
        start_sleeper "$r" hv-copy --private-users-ownership=chown
        shift=$(sed -n 's/^UID_SHIFT=//p' /run/nixbox/hv-copy/state)
        [ "$shift" -gt 0 ] || fail "no user namespace"
        "$NIXBOX" copy-to hv-copy "$d/src" /tmp/src || fail "copy-to into the container's /tmp failed"
        assert_eq "$("$NIXBOX" exec hv-copy -- stat -c '%u:%g %a' /tmp/src/a /tmp/src/sub/b /tmp/src/sub | tr '\n' ' ')" \
                "0:0 640 1000:1001 750 0:0 755 " "inside: owners and modes"
        assert_eq "$("$NIXBOX" exec hv-copy -- readlink /tmp/src/link)" /etc/passwd "a symlink stays a symlink"
        [ ! -e "$r/tmp/src" ] || fail "written to the tree's /tmp under the container's tmpfs"
        "$NIXBOX" copy-to hv-copy "$d/src" /srv || fail "copy-to into the tree failed"
        # On the host, in the tree: the shifted owners.
        assert_eq "$(stat -c '%u:%g %a' "$r/srv/a" "$r/srv/sub/b" | tr '\n' ' ')" \
                "$shift:$shift 640 $((shift + 1000)):$((shift + 1001)) 750 " "host view of the copied files"
        "$NIXBOX" exec hv-copy -- sh -c 'echo out >/tmp/src/c; chown 7:8 /tmp/src/c; chmod 4755 /tmp/src/c' || fail "exec"
        "$NIXBOX" copy-from hv-copy /tmp/src "$d/back" || fail "copy-from failed"
        assert_eq "$(stat -c '%u:%g %a' "$d/back/a" "$d/back/sub/b" "$d/back/c" | tr '\n' ' ')" \
                "0:0 640 1000:1001 750 7:8 755 " "owners mapped back, setuid dropped"
        assert_eq "$(cat "$d/back/sub/b")" u1000 "content"
        "$NIXBOX" stop hv-copy || fail "stop"
        forget hv-copy
}

t_copy_refuses_to_overwrite_and_to_follow_symlinks() {
        local r d rc=0
        r=$(copy_fixture busybox); d=$(test_tmp)
        echo new >"$d/file"
        start_sleeper "$r" hv-copyx
        # The container plants symlinks to host paths (absolute and by ..).
        "$NIXBOX" exec hv-copyx -- sh -c 'ln -s /etc /etclink; ln -s ../../../../../../etc /dotdot; mkdir -p /srv;
                ln -s /etc/hv-copy-target /srv/victim; echo container-passwd >/etc/hv-copy-probe' || fail "exec"
        # copy-to through a symlinked directory lands in the container's /etc.
        "$NIXBOX" copy-to hv-copyx "$d/file" /etclink/hv-copy-attack || fail "copy-to through /etclink"
        "$NIXBOX" copy-to hv-copyx "$d/file" /dotdot/hv-copy-attack2 || fail "copy-to through /dotdot"
        [ ! -e /etc/hv-copy-attack ] && [ ! -e /etc/hv-copy-attack2 ] || { rm -f /etc/hv-copy-attack*; fail "wrote to the host's /etc"; }
        [ -e "$r/etc/hv-copy-attack" ] && [ -e "$r/etc/hv-copy-attack2" ] || fail "not in the container's /etc"
        # A symlink as the destination is neither followed nor overwritten...
        "$NIXBOX" copy-to hv-copyx "$d/file" /srv/victim 2>/dev/null || rc=$?
        assert_eq $rc 125 "copy-to over an existing symlink"
        [ ! -e /etc/hv-copy-target ] || { rm -f /etc/hv-copy-target; fail "followed the container's symlink on the host"; }
        # ...and with --force it is replaced by the file itself.
        "$NIXBOX" copy-to --force hv-copyx "$d/file" /srv/victim || fail "copy-to --force"
        [ ! -e /etc/hv-copy-target ] || { rm -f /etc/hv-copy-target; fail "--force followed the symlink"; }
        assert_eq "$("$NIXBOX" exec hv-copyx -- cat /srv/victim)" new "--force replaced the symlink"
        # copy-from resolves inside the container: its /etc, not the host's.
        "$NIXBOX" copy-from hv-copyx /dotdot/hv-copy-probe "$d/probe" || fail "copy-from through /dotdot"
        assert_eq "$(cat "$d/probe")" container-passwd "copy-from read the container's file"
        # The host destination: never overwritten, never followed.
        ln -s /etc/hv-copy-host-target "$d/hostlink"
        rc=0; "$NIXBOX" copy-from hv-copyx /etc/hv-copy-probe "$d/hostlink" 2>/dev/null || rc=$?
        assert_eq $rc 125 "copy-from onto a host symlink"
        [ ! -e /etc/hv-copy-host-target ] || { rm -f /etc/hv-copy-host-target; fail "followed a host symlink"; }
        "$NIXBOX" copy-from --force hv-copyx /etc/hv-copy-probe "$d/hostlink" || fail "copy-from --force"
        [ ! -e /etc/hv-copy-host-target ] || { rm -f /etc/hv-copy-host-target; fail "--force followed a host symlink"; }
        [ -f "$d/hostlink" ] && [ ! -L "$d/hostlink" ] || fail "--force did not replace the symlink"
        # A FIFO (or device) is not opened: refused at the top, skipped below.
        "$NIXBOX" exec hv-copyx -- sh -c 'mkdir /fifodir; mkfifo /fifodir/f; echo x >/fifodir/g' || fail "exec"
        rc=0; timeout 10 "$NIXBOX" copy-from hv-copyx /fifodir/f "$d/f" 2>/dev/null || rc=$?
        assert_eq $rc 125 "copy-from of a FIFO"
        timeout 10 "$NIXBOX" copy-from hv-copyx /fifodir "$d/fifodir" 2>/dev/null || fail "copy-from of a dir with a FIFO"
        [ -f "$d/fifodir/g" ] && [ ! -e "$d/fifodir/f" ] || fail "FIFO not skipped"
        # Unknown machine: 1.
        rc=0; "$NIXBOX" copy-to hv-nosuch "$d/file" /x 2>/dev/null || rc=$?
        assert_eq $rc 1 "copy-to to an unknown machine"
        "$NIXBOX" stop hv-copyx || fail "stop"
        forget hv-copyx
}

# kill -9 of the harness: with --die-with-parent the container goes with it
# (and the guard cleans up); an unknown combination is refused.
t_die_with_parent_ends_the_container_with_the_harness() {
        local r harness i rc=0 out
        r=$(copy_fixture busybox)
        forget hv-dwp
        setsid sh -c '"$0" run -q --die-with-parent -M hv-dwp "$1" -- sh -c "while :; do sleep 0.1; done" </dev/null >/dev/null 2>&1 &
                exec sleep 60' "$NIXBOX" "$r" &
        harness=$!
        wait_for grep -q '^STATE=running' /run/nixbox/hv-dwp/state 2>/dev/null || { kill -KILL $harness; fail "did not start"; }
        kill -KILL $harness
        for i in $(seq 50); do [ -e /run/nixbox/hv-dwp.lock ] || break; sleep 0.1; done
        [ ! -e /run/nixbox/hv-dwp.lock ] && [ ! -e /run/nixbox/hv-dwp ] || fail "the container outlived its harness by 5 s"
        [ -z "$CG2" ] || [ ! -e "$CG2/nixbox/hv-dwp" ] || fail "cgroup left"
        assert_eq "$(jget "$("$NIXBOX" status --json hv-dwp)" 'd["outcome"]["result"]')" abandoned "outcome"
        wait $harness 2>/dev/null || true
        forget hv-dwp
        out=$("$NIXBOX" run -q -d --die-with-parent -M hv-dwp2 "$r" -- true </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "--die-with-parent with --detach"
        assert_match "$out" "exclude each other" "message"
}
