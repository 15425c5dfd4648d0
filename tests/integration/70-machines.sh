# SPDX-License-Identifier: LGPL-2.1-or-later
# The machine verbs on running containers: list, status, exec, shell,
# stop, poweroff, reboot, terminate, kill, logs (docs/machines.md).
# Containers get names unique to this test run, so that other people's
# containers on the machine are neither judged nor touched.

# Containers a failing test leaves running (its background jobs, which
# bash forgets once waited for) are stopped when its bash exits, before the
# scratch directory goes: SIGTERM, and again (a kill).
stop_bg_containers() {
        local p jobs n
        # Detached ones a test named in $TEST_TMP/detached.
        for n in $(cat "$TEST_TMP/detached" 2>/dev/null); do "$NIXBOX" terminate "$n" 2>/dev/null || true; done
        jobs=$(jobs -p)
        [ -n "$jobs" ] || return 0
        for p in $jobs; do kill -TERM "$p" 2>/dev/null || true; done
        sleep 0.3
        for p in $jobs; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
eval "$(trap -p EXIT | sed "s/^trap -- '/trap -- 'stop_bg_containers; /")"

# mname TAG: a machine name of our own.
mname() { echo "m70-$1-$$"; }

# listed NAME: NAME is in `nixbox list --json`.
listed() { "$NIXBOX" list --json | grep -q "\"name\":\"$1\""; }
not_listed() { ! listed "$1"; }

# json_field NAME FIELD: FIELD (a string or a number) of NAME's entry in
# `nixbox list --json` (one flat object per machine: no JSON parser needed).
json_field() {
        "$NIXBOX" list --json | tr '{' '\n' | grep "\"name\":\"$1\"" |
                sed -E "s/.*\"$2\":(\"([^\"]*)\"|([^,}]*)).*/\2\3/"
}

# run_bg NAME ROOT [ARGS...]: a command container in the background
# (`sleep 100` unless ARGS say otherwise); waits until it is listed and
# sets $BG_PID.
run_bg() {
        local name=$1 root=$2; shift 2
        [ $# -gt 0 ] || set -- -- sleep 100
        "$NIXBOX" run -q -M "$name" "$root" "$@" </dev/null >>"$TEST_TMP/run-$name.log" 2>&1 &
        BG_PID=$!
        wait_for listed "$name" || fail "$name never appeared in nixbox list: $(cat "$TEST_TMP/run-$name.log")"
}

# boot_bg NAME ROOT OUT [ARGS...]: boots the busybox fixture's fake init
# (stdout to OUT, carriage returns stripped) and waits for its "ready".
boot_bg() {
        local name=$1 root=$2 out=$3; shift 3
        "$NIXBOX" run -q -b -M "$name" "$@" "$root" </dev/null > >(sed -u 's/\r$//' >"$out") 2>&1 &
        BG_PID=$!
        wait_for grep -q "nixbox-test-init: ready" "$out" || fail "init not ready: $(cat "$out")"
        wait_for listed "$name" || fail "$name never appeared in nixbox list"
}

# stop_bg NAME: stops the container of run_bg and waits for its nixbox.
stop_bg() {
        "$NIXBOX" stop "$1" || fail "stop $1: $(cat "$TEST_TMP/run-$1.log" 2>/dev/null)"
        wait $BG_PID || true
}

# gone NAME: nothing of NAME is left in /run/nixbox or the cgroup tree.
gone() {
        not_listed "$1" && [ ! -e "/run/nixbox/$1" ] && [ ! -e "/run/nixbox/$1.lock" ] &&
                { [ -z "$CG2" ] || [ ! -e "$CG2/nixbox/$1" ]; }
}

t_list_and_status_show_the_container() {
        local r name rc shift leader
        r=$(copy_fixture busybox); name=$(mname list)
        run_bg "$name" "$r"
        leader=$(json_field "$name" leader)
        shift=$(json_field "$name" uid_shift)
        assert_eq "$(json_field "$name" state)" running "state"
        assert_eq "$(json_field "$name" uid_range)" 65536 "uid range"
        assert_eq "$shift" "$(expected_shift "$name")" "uid shift = nspawn's pick"
        assert_eq "$(json_field "$name" root)" "$r" "root"
        # The registered leader is the container's PID 1 (the init-shim).
        assert_eq "$(awk '$1 == "NSpid:" { print $NF }' "/proc/$leader/status")" 1 "leader is PID 1 inside"
        "$NIXBOX" list | grep -E "^$name +running +$leader +$shift:65536 +- " >/dev/null ||
                fail "table row: $("$NIXBOX" list)"
        "$NIXBOX" list --json | python3 -c 'import json, sys; json.load(sys.stdin)' || fail "list --json is not JSON"
        out=$("$NIXBOX" status "$name")
        assert_match "$out" "Leader: $leader " "status shows the leader"
        assert_match "$out" "UIDs: $shift\.\." "status shows the range"
        grep -q -- "-[0-9]* sleep$" <<<"$out" || fail "status cgroup tree lacks the command: $out"
        "$NIXBOX" status --json "$name" | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert any(p["comm"] == "sleep" for c in m["cgroup_tree"] for p in c["processes"]), m' || fail "status --json"
        rc=0; "$NIXBOX" status "m70-nosuch-$$" 2>"$(test_tmp)/err" || rc=$?
        assert_eq $rc 1 "status of an unknown container"
        grep -q "no running container named m70-nosuch-$$" "$(test_tmp)/err" || fail "message: $(cat "$(test_tmp)/err")"
        stop_bg "$name"
        gone "$name" || fail "left behind after stop"
}

# A hostile container writes terminal escape sequences where the host prints
# them: its STATUS= text, a process name (the cgroup tree of status) and its
# console (logs). None may reach the host's terminal raw.
t_container_strings_are_escaped() {
        local r name out esc
        r=$(copy_fixture busybox); name=$(mname esc)
        esc=$(printf '\033')
        cp "$BUILD/tests/helpers/sd-notify" "$r/bin/sd-notify"
        cat >"$r/sbin/escaping-init" <<'EOS'
#!/bin/sh
exec sd-notify READY=1 "STATUS=$(printf 'up\033[31mRED\033]0;title\007')" --exec /bin/sh -c '
        sh -c "printf \"\\033[2Jevil\" >/proc/self/comm; while :; do sleep 1; done" &
        printf "\033[2Jconsole\n"; echo nixbox-test-init: ready
        trap "exit 0" 37; while :; do sleep 0.1; done'
EOS
        chmod +x "$r/sbin/escaping-init"
        echo "$name" >>"$TEST_TMP/detached"
        "$NIXBOX" run -q -b --detach -M "$name" --init=/sbin/escaping-init "$r" </dev/null >/dev/null 2>&1 ||
                fail "run --detach failed"
        wait_for sh -c "\"$NIXBOX\" logs $name | grep -q 'nixbox-test-init: ready'" || fail "not ready: $("$NIXBOX" logs "$name")"
        wait_for sh -c "\"$NIXBOX\" status $name | grep -q 'Status: up'" || fail "no status: $("$NIXBOX" status "$name")"
        wait_for sh -c "\"$NIXBOX\" status $name | grep -q 'evil'" || fail "no evil process: $("$NIXBOX" status "$name")"
        out=$("$NIXBOX" status "$name")
        [[ "$out" == *"$esc"* ]] && fail "status printed a raw ESC: $(cat -v <<<"$out")"
        grep -qF 'Status: up\x1b[31mRED\x1b]0;title\a' <<<"$out" || fail "status text not escaped as expected: $out"
        grep -qF '\x1b[2Jevil' <<<"$out" || fail "process name not escaped as expected: $out"
        out=$("$NIXBOX" list)
        [[ "$out" == *"$esc"* ]] && fail "list printed a raw ESC: $(cat -v <<<"$out")"
        # JSON: escaped for the parser, and the value comes back exact.
        out=$("$NIXBOX" list --json)
        [[ "$out" == *"$esc"* ]] && fail "list --json printed a raw ESC"
        python3 -c '
import json, sys
m = [m for m in json.load(sys.stdin) if m["name"] == sys.argv[1]][0]
assert m["status"] == "up\x1b[31mRED\x1b]0;title\x07", m["status"]' "$name" <<<"$out" || fail "list --json status"
        out=$("$NIXBOX" status --json "$name")
        [[ "$out" == *"$esc"* ]] && fail "status --json printed a raw ESC"
        out=$("$NIXBOX" logs "$name")
        [[ "$out" == *"$esc"* ]] && fail "logs printed a raw ESC: $(cat -v <<<"$out")"
        grep -qF '\x1b[2Jconsole' <<<"$out" || fail "logs: $out"
        # --raw is the log as it is.
        "$NIXBOX" logs --raw "$name" | grep -qF "${esc}[2Jconsole" || fail "logs --raw is not raw"
        "$NIXBOX" stop "$name" || fail "stop"
        wait_for gone "$name" || fail "left behind"
}

t_exec_enters_every_namespace_and_the_cgroup() {
        local r name out shift leader rc
        r=$(copy_fixture busybox); name=$(mname exec)
        run_bg "$name" "$r"
        shift=$(json_field "$name" uid_shift)
        leader=$(json_field "$name" leader)
        out=$("$NIXBOX" exec "$name" id -u)
        assert_eq "$out" 0 "id -u"
        # In the user namespace: uid 0 is the shifted host uid.
        out=$("$NIXBOX" exec "$name" cat /proc/self/uid_map)
        assert_eq "$(echo $out)" "0 $shift 65536" "uid_map"
        # Every namespace is PID 1's (compared from the host).
        for ns in user mnt pid uts ipc net cgroup; do
                out=$("$NIXBOX" exec "$name" readlink /proc/self/ns/$ns)
                assert_eq "$out" "$(readlink /proc/$leader/ns/$ns)" "$ns namespace"
        done
        assert_eq "$("$NIXBOX" exec "$name" hostname)" "$name" "hostname"
        # In the container's pid namespace, its root and its cgroup.
        out=$("$NIXBOX" exec "$name" sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "; echo; cat /proc/self/cgroup | grep ^0::')
        [ "$(sed -n 1p <<<"$out")" -gt 1 ] || fail "pid inside: $out"
        assert_match "$(sed -n 2p <<<"$out")" "sleep 100|nixbox-init" "PID 1 is the container's"
        assert_eq "$(sed -n 3p <<<"$out")" "0::/" "cgroup inside"
        "$NIXBOX" exec "$name" sleep 77 &
        local ex=$!
        local found=
        for i in $(seq 50); do
                for p in $(cat "$CG2/nixbox/$name/payload/cgroup.procs"); do
                        [ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep 77 " ] && found=$p
                done
                [ -n "$found" ] && break
                sleep 0.1
        done
        [ -n "$found" ] || fail "the exec'd command is not in $CG2/nixbox/$name/payload"
        # Signals to nixbox exec reach the command; its status comes back.
        kill -TERM $ex
        rc=0; wait $ex || rc=$?
        assert_eq $rc 143 "status after SIGTERM"
        rc=0; "$NIXBOX" exec "$name" sh -c 'exit 7' || rc=$?
        assert_eq $rc 7 "exit status"
        rc=0; "$NIXBOX" exec "$name" sh -c 'kill -9 $$' || rc=$?
        assert_eq $rc 137 "death by signal"
        rc=0; "$NIXBOX" exec "$name" /nonexistent 2>/dev/null || rc=$?
        assert_eq $rc 127 "command not found"
        rc=0; "$NIXBOX" exec "m70-nosuch-$$" true 2>/dev/null || rc=$?
        assert_eq $rc 125 "unknown container"
        # stdin passes through; no terminal, so no pty.
        assert_eq "$(echo piped | "$NIXBOX" exec "$name" sh -c 'cat; tty || true')" "piped
not a tty" "stdin and no pty"
        # The same through the per-namespace fallback of old kernels.
        out=$(NIXBOX_TEST_SETNS_PER_NAMESPACE=1 "$NIXBOX" exec "$name" sh -c 'id -u; readlink /proc/self/ns/user; readlink /proc/self/ns/mnt')
        assert_eq "$out" "0
$(readlink /proc/$leader/ns/user)
$(readlink /proc/$leader/ns/mnt)" "per-namespace fallback"
        stop_bg "$name"
        gone "$name" || fail "left behind"
}

t_exec_is_confined_like_pid1() {
        local r name pid1 cmd
        r=$(copy_fixture busybox); name=$(mname conf)
        run_bg "$name" "$r" --no-new-privileges=yes --system-call-filter='~@clock' --drop-capability=CAP_NET_RAW -- sleep 100
        # The command (PID 2 inside) is what the container's PID 1 started.
        pid1=$(json_field "$name" leader)
        cmd=$(cat /proc/$pid1/task/$pid1/children | awk '{print $1}')
        for f in CapBnd CapEff CapPrm CapInh CapAmb NoNewPrivs Seccomp Seccomp_filters; do
                assert_eq "$("$NIXBOX" exec "$name" grep "^$f:" /proc/self/status)" "$(grep "^$f:" /proc/$cmd/status)" "$f"
        done
        # Another user: no capabilities at all.
        assert_eq "$("$NIXBOX" exec --user=nobody "$name" sh -c 'id -u; grep ^CapEff: /proc/self/status')" "65534
CapEff:	0000000000000000" "--user=nobody"
        # A clean environment: PATH from PID 1, nothing of ours.
        out=$(FOO_LEAK=1 "$NIXBOX" exec -E BAR=baz "$name" env)
        grep -q "^container=nixbox$" <<<"$out" || fail "container= missing: $out"
        grep -q "^HOME=/root$" <<<"$out" || fail "HOME: $out"
        grep -q "^BAR=baz$" <<<"$out" || fail "--setenv: $out"
        grep -q "FOO_LEAK" <<<"$out" && fail "the caller's environment leaked: $out"
        grep -q "^PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin$" <<<"$out" || fail "PATH: $out"
        # Only stdio crosses.
        assert_eq "$("$NIXBOX" exec "$name" ls /proc/self/fd | sort -n | tr '\n' ' ')" "0 1 2 3 " "open descriptors (3 = ls's own)"
        stop_bg "$name"
}

# A filter list longer than the state file's old 2047-byte field: the tail
# (here the one entry that matters, sethostname) must still confine exec.
t_exec_gets_a_long_system_call_filter() {
        local r name pad list
        r=$(copy_fixture busybox); name=$(mname longfilter)
        pad=$(printf 'kexec_load %.0s' $(seq 250))
        list="~$pad sethostname"
        [ ${#list} -gt 2100 ] || fail "list too short: ${#list}"
        run_bg "$name" "$r" --system-call-filter="$list" -- sh -c 'hostname x 2>/dev/null && echo pid2-sethostname-ok; sleep 100'
        "$NIXBOX" exec "$name" true || fail "exec true failed"
        # Without the filter the container's root may set its hostname.
        out=$("$NIXBOX" exec "$name" hostname y 2>&1) && fail "sethostname worked under exec: $out"
        assert_match "$out" "not permitted" "sethostname under exec"
        grep -q "pid2-sethostname-ok" "$TEST_TMP/run-$name.log" && fail "sethostname worked as PID 2"
        # No recorded filter: exec refuses rather than run unconfined.
        rm "/run/nixbox/$name/syscall-filter"
        out=$("$NIXBOX" exec "$name" true 2>&1) && fail "exec ran without a recorded filter"
        assert_match "$out" "system-call filter" "refusal"
        stop_bg "$name"
        wait_for gone "$name" || fail "left behind"
}

t_exec_without_user_namespace() {
        local r name
        r=$(copy_fixture busybox); name=$(mname nouserns)
        run_bg "$name" "$r" --private-users=no -- sleep 100
        assert_eq "$(json_field "$name" uid_range)" 0 "no range registered"
        assert_eq "$("$NIXBOX" exec "$name" sh -c 'id -u; cat /proc/self/uid_map' | tr -s ' ' | sed 's/^ //')" "0
0 0 4294967295" "host ids"
        stop_bg "$name"
}

t_exec_pty_and_shell() {
        local r name out
        [ -x "$BUILD/tests/helpers/pty-run" ] || skip "tests/helpers/pty-run is not built"
        r=$(copy_fixture busybox); name=$(mname pty)
        run_bg "$name" "$r"
        # A terminal on stdin: the command gets a pty of the container's devpts.
        out=$("$BUILD/tests/helpers/pty-run" "$NIXBOX" exec "$name" sh -c 'tty; readlink /proc/self/fd/0; exit 3' | tr -d '\r')
        grep -qx "/dev/pts/[0-9]*" <<<"$out" || fail "no pty: $out"
        grep -q "pending-input 0" <<<"$out" || fail "input pushed into the caller's terminal: $out"
        out=$(echo 'echo shell=$0 uid=$(id -u) pwd=$(pwd); exit 4' | "$NIXBOX" shell "$name"; echo "rc=$?")
        assert_eq "$out" "shell=-sh uid=0 pwd=/root
rc=4" "login shell"
        # -t without a terminal: still a pty; input goes through it.
        out=$(echo 'tty; exit 5' | "$NIXBOX" exec -t "$name" sh 2>&1 | tr -d '\r'; echo "rc=${PIPESTATUS[1]}")
        grep -qx "/dev/pts/[0-9]*" <<<"$out" || fail "-t: $out"
        grep -qx "rc=5" <<<"$out" || fail "-t status: $out"
        # --user: the user's shell from the container's /etc/passwd.
        echo 'tester:x:1000:1000::/home/tester:/bin/ash' >>"$r/etc/passwd"
        mkdir -p "$r/home/tester"
        out=$(echo 'echo $0 $(id -u) $HOME $USER $(pwd)' | "$NIXBOX" shell --user=tester "$name")
        assert_eq "$out" "-ash 1000 /home/tester tester /home/tester" "shell --user"
        stop_bg "$name"
}

t_exec_into_booted_systemd() {
        local r name out
        [ -n "${DEBIAN_ROOT:-}" ] || skip "debian fixture unavailable"
        r=$(copy_fixture debian); name=$(mname deb)
        "$NIXBOX" run -q -b -M "$name" "$r" </dev/null >"$(test_tmp)/console" 2>&1 &
        BG_PID=$!
        # The first run shifts the ownership of the whole tree: give it time.
        for i in $(seq 600); do listed "$name" || ! kill -0 $BG_PID 2>/dev/null && break; sleep 0.2; done
        listed "$name" || fail "not listed: $(cat "$(test_tmp)/console")"
        for i in $(seq 100); do
                out=$("$NIXBOX" exec "$name" systemctl is-system-running 2>/dev/null) || true
                [ "$out" = running ] || [ "$out" = degraded ] && break
                sleep 0.2
        done
        assert_match "$out" "running|degraded" "systemctl inside"
        assert_eq "$("$NIXBOX" exec "$name" sh -c 'grep ^0:: /proc/self/cgroup')" "0::/init.scope" "PID 1's cgroup"
        out=$("$NIXBOX" status "$name")
        assert_match "$out" "Status: " "last STATUS= shown"
        assert_match "$out" "init.scope" "cgroup tree"
        "$NIXBOX" stop "$name" --timeout=30
        local rc=0; wait $BG_PID || rc=$?
        assert_eq $rc 0 "clean halt"
        gone "$name" || fail "left behind"
}

t_recycled_pid_is_refused() {
        local name pid start holder rc
        name=$(mname fake)
        # A state entry whose registered start time does not match the
        # process now at that pid (what a recycled pid looks like), held by a
        # live "nixbox" (its machine lock).
        sleep 100 &
        pid=$!
        start=$(awk '{print $22}' /proc/$pid/stat)
        mkdir -p "/run/nixbox/$name"
        printf 'NAME=%s\nROOT=/nonexistent\nSTATE=running\nLEADER=%d\nLEADER_START=%d\nSUPERVISOR=%d\nSUPERVISOR_START=%d\nKILL_SIGNAL=15\nCAPS=0\n' \
                "$name" $pid $((start + 1)) $pid $((start + 1)) >"/run/nixbox/$name/state"
        ( exec 9>"/run/nixbox/$name.lock"; flock 9; exec sleep 100 ) &
        holder=$!
        wait_for listed "$name" || fail "fake entry not listed"
        rc=0; "$NIXBOX" exec "$name" true 2>"$(test_tmp)/err" || rc=$?
        assert_eq $rc 125 "exec refused"
        grep -q "no longer its init" "$(test_tmp)/err" || fail "message: $(cat "$(test_tmp)/err")"
        for verb in stop terminate poweroff reboot kill; do
                "$NIXBOX" $verb "$name" 2>/dev/null && fail "$verb was not refused"
        done
        kill -0 $pid || fail "the process at the recycled pid was signalled"
        # Once its "nixbox" is gone, the entry is stale and the next command cleans it.
        kill $holder; wait $holder || true
        kill $pid; wait $pid || true
        not_listed "$name" || fail "stale entry listed"
        gone "$name" || fail "stale entry not cleaned"
}

t_sigkilled_nixbox_is_cleaned_by_the_next_command() {
        local r name
        r=$(copy_fixture busybox); name=$(mname killed)
        run_bg "$name" "$r"
        local guard; guard=$(pgrep -P $BG_PID -x nixbox-guard || true)
        kill -KILL $BG_PID
        wait $BG_PID || true
        # Its guard kills the container and cleans up, then exits.
        [ -z "$guard" ] || wait_for test ! -e /proc/$guard || fail "guard $guard did not end"
        # (Any nixbox command cleans it: one of somebody else's may have been first.)
        [ -e "/run/nixbox/$name/state" ] || echo "note: the stale entry was already cleaned"
        # The container's PID 1 dies with its nixbox; the next command
        # removes the entry, the locks and the cgroup subtree.
        "$NIXBOX" list >/dev/null
        gone "$name" || fail "left behind: $(ls /run/nixbox; ls "$CG2/nixbox" 2>/dev/null)"
}

t_stop_halts_cleanly_within_the_timeout() {
        local r name out rc start
        r=$(copy_fixture busybox); name=$(mname stop); out=$(test_tmp)/out
        boot_bg "$name" "$r" "$out"
        start=$(date +%s)
        "$NIXBOX" stop "$name" || fail "stop failed"
        # stop returns only after the end: nothing is left by then.
        gone "$name" || fail "stop returned before the container ended"
        grep -q "got SIGRTMIN+3" "$out" || fail "stop signal: $(cat "$out")"
        rc=0; wait $BG_PID || rc=$?
        assert_eq $rc 37 "init's exit status (SIGRTMIN+3)"
        # A command container: its kill signal is SIGTERM.
        run_bg "$name" "$r"
        "$NIXBOX" stop "$name"
        rc=0; wait $BG_PID || rc=$?
        assert_eq $rc 143 "command stopped by SIGTERM"
        # An init that ignores the request is killed after --timeout.
        cat >"$r/sbin/stubborn" <<'EOS'
#!/bin/sh
trap 'echo ignored' 37
echo nixbox-test-init: ready
while :; do sleep 1; done
EOS
        chmod +x "$r/sbin/stubborn"
        boot_bg "$name" "$r" "$out" --init=/sbin/stubborn
        start=$(date +%s.%N)
        "$NIXBOX" stop --timeout=1 "$name" 2>"$(test_tmp)/err" || fail "stop failed"
        awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { exit !(e - s >= 1 && e - s < 6) }' || fail "stop took $start .. $(date +%s.%N)"
        grep -q "did not stop within the timeout" "$(test_tmp)/err" || fail "no warning: $(cat "$(test_tmp)/err")"
        rc=0; wait $BG_PID || rc=$?
        assert_eq $rc 137 "killed"
        gone "$name" || fail "left behind"
        rc=0; "$NIXBOX" stop "$name" 2>/dev/null || rc=$?
        assert_eq $rc 1 "stop of a container that is not running"
}

t_poweroff_reboot_kill_send_their_signals() {
        local r name out rc
        r=$(copy_fixture busybox); name=$(mname sig); out=$(test_tmp)/out
        for c in "poweroff:SIGRTMIN+4:38" "reboot:SIGINT:2" "kill --signal=SIGUSR1:SIGUSR1:10" \
                 "kill --signal=RTMIN+5:SIGRTMIN+5:39" "kill:SIGTERM:15"; do
                IFS=: read -r verb sig code <<<"$c"
                boot_bg "$name" "$r" "$out"
                "$NIXBOX" $verb "$name" || fail "$verb failed"
                rc=0; wait $BG_PID || rc=$?
                grep -q "got $sig" "$out" || fail "$verb: $(cat "$out")"
                assert_eq $rc "$code" "$verb: init's exit status"
                gone "$name" || fail "left behind after $verb"
        done
        boot_bg "$name" "$r" "$out"
        "$NIXBOX" terminate "$name" || fail "terminate failed"
        gone "$name" || fail "terminate returned before the end"
        rc=0; wait $BG_PID || rc=$?
        assert_eq $rc 137 "terminate kills"
        rc=0; "$NIXBOX" kill --signal=NOSUCH "$name" 2>/dev/null || rc=$?
        assert_eq $rc 125 "bad signal"
}

# A command's PID 1 (the init-shim, a musl program) passes every real-time
# signal on, numbered as systemd numbers them: SIGRTMIN is 34 and
# SIGRTMIN+3 is 37, whatever the libc. A musl shim using its libc's signal
# sets dropped 34 (musl keeps 32-34 for itself), and a musl nixbox would
# have sent 35 for SIGRTMIN.
t_real_time_signals_reach_the_command_by_systemds_numbers() {
        local r name out rc
        r=$(copy_fixture busybox); name=$(mname rtsig); out=$(test_tmp)/out
        "$NIXBOX" run -q -M "$name" "$r" -- sh -c 'trap "echo got-34" 34; trap "echo got-37; exit 7" 37
                echo ready; while :; do sleep 0.05; done' </dev/null >"$out" 2>&1 &
        local pid=$!
        wait_for grep -q ready "$out" || fail "command not ready: $(cat "$out")"
        wait_for listed "$name" || fail "$name never appeared in nixbox list"
        "$NIXBOX" kill --signal=SIGRTMIN "$name" || fail "kill --signal=SIGRTMIN failed"
        wait_for grep -q got-34 "$out" || fail "signal 34 (SIGRTMIN) not passed on: $(cat "$out")"
        "$NIXBOX" kill --signal=RTMIN+3 "$name" || fail "kill --signal=RTMIN+3 failed"
        rc=0; wait $pid || rc=$?
        assert_eq $rc 7 "exit status after SIGRTMIN+3 (37)"
        grep -q got-37 "$out" || fail "signal 37 (SIGRTMIN+3) not passed on: $(cat "$out")"
        gone "$name" || fail "left behind"
}

t_logs_of_a_detached_container() {
        local r name out
        r=$(copy_fixture busybox); name=$(mname logs); out=$(test_tmp)/follow
        "$NIXBOX" run -q -b --detach --notify-ready=no -M "$name" "$r" </dev/null >/dev/null 2>&1 ||
                skip "nixbox run --detach is not available"
        wait_for sh -c "\"$NIXBOX\" logs $name | grep -q 'nixbox-test-init: ready'" || fail "logs: $("$NIXBOX" logs "$name")"
        "$NIXBOX" logs -f "$name" >"$out" &
        local f=$!
        sleep 0.3
        "$NIXBOX" poweroff "$name"
        # -f ends with the container.
        for i in $(seq 100); do kill -0 $f 2>/dev/null || break; sleep 0.1; done
        kill -0 $f 2>/dev/null && { kill $f; fail "logs -f did not end with the container"; }
        wait $f || fail "logs -f failed"
        grep -q "got SIGRTMIN+4" "$out" || fail "logs -f missed the end: $(cat "$out")"
        wait_for gone "$name" || fail "left behind"
        # Kept with the outcome after the end (docs/harness.md), until remove-state.
        "$NIXBOX" logs "$name" | grep -q "got SIGRTMIN+4" || fail "logs of an ended container"
        "$NIXBOX" remove-state "$name" || fail "remove-state"
        local rc=0; "$NIXBOX" logs "$name" 2>/dev/null || rc=$?
        assert_eq $rc 1 "logs of a container that is neither running nor kept"
}
