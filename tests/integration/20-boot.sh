# SPDX-License-Identifier: LGPL-2.1-or-later
# Boot mode on the busybox fixture's fake init (tests/fixtures/nixbox-test-init):
# finding init (through absolute symlinks into /nix/store), PID 1's
# environment, /run/host, stop and kill signals, halt/power-off/reboot
# decoding, readiness, and the refusals.

# boot_bg ROOT OUT ARGS...: boots in the background (stdout to OUT), sets $BOOT_PID.
boot_bg() {
        local root=$1 out=$2; shift 2
        # The console is a pty: strip its carriage returns.
        "$NIXBOX" run -q "$@" </dev/null > >(sed -u 's/\r$//' >"$out") 2>&1 &
        BOOT_PID=$!
}
wait_ready() { wait_for grep -q "nixbox-test-init: ready" "$1" || fail "init not ready: $(cat "$1")"; }
count_ready_at_least() { [ "$(grep -c 'nixbox-test-init: ready' "$1")" -ge "$2" ]; }

t_boot_runs_sbin_init_through_an_absolute_store_symlink() {
        local r out
        r=$(copy_fixture busybox)
        mkdir -p "$r/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-test/bin"
        cp "$r/bin/nixbox-test-init" "$r/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-test/init"
        rm -f "$r/sbin/init"
        ln -s /nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-test/init "$r/sbin/init"
        out=$(test_tmp)/out
        boot_bg "$r" "$out" -b "$r" -- nixbox-test-init.exit=0
        wait_ready "$out"
        kill -TERM $BOOT_PID
        local rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 0 "exit status"
        grep -q "pid=1" "$out" || fail "init is not PID 1: $(cat "$out")"
        grep -q "got SIGRTMIN+3" "$out" || fail "stop signal: $(cat "$out")"
}

t_boot_environment_and_run_host() {
        local r out uuid
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        boot_bg "$r" "$out" -b "$r" -- nixbox-test-init.print-env nixbox-test-init.exit=0
        wait_ready "$out"
        kill -TERM $BOOT_PID; wait $BOOT_PID || true
        for v in container=nixbox NOTIFY_SOCKET=/run/host/notify HOME=/root TERM=vt220 \
                 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; do
                grep -qx "env: $v" "$out" || fail "PID 1 lacks $v: $(grep env: "$out")"
        done
        . /etc/os-release
        grep -qx "env: container_host_id=$ID" "$out" || fail "container_host_id"
        uuid=$(sed -n 's/^env: container_uuid=//p' "$out")
        assert_match "$uuid" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "generated container_uuid"
        # Stable for the same machine; taken from /etc/machine-id when set.
        out=$(run_nb "$r" -- sh -c 'echo $container_uuid; cat /run/host/container-uuid /run/host/container-manager;
                                     cmp /run/host/os-release /dev/stdin </dev/null >/dev/null 2>&1; test -S /run/host/notify && echo notify-socket;
                                     touch /run/host/x 2>/dev/null || echo run-host-ro; grep -c . /run/host/os-release')
        assert_eq "$(sed -n 1p <<<"$out")" "$uuid" "uuid stable across runs"
        assert_eq "$(sed -n 2p <<<"$out")" "$uuid" "/run/host/container-uuid"
        assert_eq "$(sed -n 3p <<<"$out")" nixbox "/run/host/container-manager"
        grep -qx notify-socket <<<"$out" || fail "/run/host/notify is not a socket"
        grep -qx run-host-ro <<<"$out" || fail "/run/host is writable"
        echo 0123456789abcdef0123456789abcdef >"$r/etc/machine-id"
        assert_eq "$(run_nb "$r" -- sh -c 'echo $container_uuid')" 01234567-89ab-cdef-0123-456789abcdef "uuid from /etc/machine-id"
        # An empty machine-id stays empty for systemd to fill.
        : >"$r/etc/machine-id"
        run_nb "$r" -- true
        assert_eq "$(stat -c %s "$r/etc/machine-id")" 0 "empty machine-id left alone"
}

t_stop_sends_the_kill_signal_once_then_kills() {
        local r out rc
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        boot_bg "$r" "$out" -b --kill-signal=SIGUSR1 "$r"
        wait_ready "$out"
        kill -TERM $BOOT_PID
        rc=0; wait $BOOT_PID || rc=$?
        grep -q "got SIGUSR1" "$out" || fail "--kill-signal not used: $(cat "$out")"
        assert_eq $rc 10 "exit status = the init's status (SIGUSR1 = 10)"
        # An init that ignores the halt request: the second SIGTERM kills it.
        cat >"$r/sbin/stubborn" <<'EOS'
#!/bin/sh
trap 'echo ignored' 37
echo nixbox-test-init: ready
while :; do sleep 1; done
EOS
        chmod +x "$r/sbin/stubborn"
        boot_bg "$r" "$out" -b --init=/sbin/stubborn "$r"
        wait_ready "$out"
        kill -TERM $BOOT_PID; sleep 0.3; kill -TERM $BOOT_PID
        rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 137 "killed after the second SIGTERM"
}

t_poweroff_exits_0_and_exit_status_passes() {
        local r out rc
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        # The fake init calls reboot(POWER_OFF) like systemd-shutdown: the
        # kernel kills PID 1 with SIGINT, which is a clean power-off.
        boot_bg "$r" "$out" -b "$r" -- nixbox-test-init.shutdown
        wait_ready "$out"
        kill -TERM $BOOT_PID
        rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 0 "exit status after power-off"
        boot_bg "$r" "$out" -b "$r" -- nixbox-test-init.exit=7
        wait_ready "$out"
        kill -TERM $BOOT_PID
        rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 7 "exit status of init"
}

t_reboot_restarts_the_container() {
        local r out rc first second
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        boot_bg "$r" "$out" -b -M rb --kill-signal=SIGRTMIN+5 "$r" -- nixbox-test-init.shutdown
        wait_ready "$out"
        first=$(cat "$CG2/nixbox/rb/payload/cgroup.procs" 2>/dev/null | head -1)
        kill -TERM $BOOT_PID      # RTMIN+5 -> reboot(RESTART) -> SIGHUP death -> restart
        wait_for count_ready_at_least "$out" 2 || fail "no second boot: $(cat "$out")"
        second=$(cat "$CG2/nixbox/rb/payload/cgroup.procs" 2>/dev/null | head -1)
        [ -n "$second" ] && [ "$first" != "$second" ] || fail "PID 1 not replaced ($first -> $second)"
        kill -KILL "$second"
        rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 137 "exit after killing the restarted init"
        assert_eq "$(outcome_of rb)" "signal 137 1 null" "outcome after a restart"
        # --on-reboot=exit: exit status 133 instead (service mode).
        boot_bg "$r" "$out" -b -M rb --on-reboot=exit --kill-signal=SIGRTMIN+5 "$r" -- nixbox-test-init.shutdown
        wait_ready "$out"
        kill -TERM $BOOT_PID
        rc=0; wait $BOOT_PID || rc=$?
        assert_eq $rc 133 "exit status for a reboot with --on-reboot=exit"
        assert_eq "$(outcome_of rb)" "reboot 133 0 interrupt" "outcome of a reboot with --on-reboot=exit"
        "$NIXBOX" remove-state rb
}

# outcome_of NAME: "RESULT EXIT_CODE RESTARTS STOP_REQUEST" of an ended machine (docs/harness.md).
outcome_of() {
        "$NIXBOX" status --json "$1" | python3 -c 'import json, sys
o = json.load(sys.stdin)["outcome"]
print(o["result"], o["exit_code"], o["restarts"], "null" if o["stop_request"] is None else o["stop_request"])'
}

# A hostile init that reboots at once, forever: nixbox must not restart it
# ~30 times a second. Restarts back off (0, 100, 200, 400, 800 ms) and the
# sixth reboot within 10 s ends nixbox with an error (systemd's start limit).
t_reboot_loop_backs_off_and_gives_up() {
        local r out rc boots t0 t1
        r=$(copy_fixture busybox); out=$(test_tmp)/out
        cat >"$r/sbin/reboot-loop" <<'EOS'
#!/bin/sh
echo "reboot-loop: boot"
reboot -f
sleep 10
EOS
        chmod +x "$r/sbin/reboot-loop"
        t0=$(date +%s.%N)
        rc=0; timeout -k 2 10 "$NIXBOX" run -q -b -M sec-reboot-loop-$$ --init=/sbin/reboot-loop "$r" </dev/null >"$out" 2>&1 || rc=$?
        t1=$(date +%s.%N)
        boots=$(grep -c "reboot-loop: boot" "$out")
        assert_eq "$boots" 6 "boots before giving up: $(tr '\r' ' ' <"$out")"
        assert_eq $rc 125 "exit status after the restart limit"
        grep -q "rebooted more than 5 times within 10 s" "$out" || fail "no message: $(cat "$out")"
        # The delays add up to 1.5 s at least.
        awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 1.5) }' || fail "restarts did not back off ($t0 .. $t1)"
}

t_notify_ready_is_forwarded() {
        local r d out
        r=$(copy_fixture busybox); d=$(test_tmp)
        cp "$BUILD/tests/helpers/sd-notify" "$r/bin/sd-notify"
        cat >"$r/sbin/notifying-init" <<'EOS'
#!/bin/sh
sleep 0.3
exec sd-notify READY=1 STATUS=up --exec /bin/sh -c 'echo nixbox-test-init: ready; trap "exit 0" 37; while :; do sleep 0.1; done'
EOS
        chmod +x "$r/sbin/notifying-init"
        python3 "$TOP/tests/notify-listen.py" "$d/notify" 10 >"$d/listen" &
        local lp=$!
        wait_for grep -q listening "$d/listen"
        NOTIFY_SOCKET=$d/notify "$NIXBOX" run -q -b --notify-ready=yes --init=/sbin/notifying-init "$r" </dev/null >"$d/out" 2>&1 &
        BOOT_PID=$!
        wait $lp || true
        kill -TERM $BOOT_PID; wait $BOOT_PID || true
        grep -q "READY=1" "$d/listen" || fail "READY=1 not forwarded: $(cat "$d/listen")"
        grep -q "STATUS=up" "$d/listen" || fail "STATUS not forwarded: $(cat "$d/listen")"
        # READY must come after the init said it, not at exec.
        [ "$(awk '/READY=1/ {print $1; exit}' "$d/listen" | tr -d +)" \> "0.25" ] || fail "READY=1 sent too early: $(cat "$d/listen")"
        # Messages from other processes than PID 1 are ignored.
        cat >"$r/sbin/notifying-init" <<'EOS'
#!/bin/sh
(sd-notify READY=1 STATUS=impostor)
echo nixbox-test-init: ready
trap 'exit 0' 37
while :; do sleep 0.1; done
EOS
        python3 "$TOP/tests/notify-listen.py" "$d/notify" 2 >"$d/listen" &
        lp=$!
        wait_for grep -q listening "$d/listen"
        NOTIFY_SOCKET=$d/notify "$NIXBOX" run -q -b --notify-ready=yes --init=/sbin/notifying-init "$r" </dev/null >"$d/out" 2>&1 &
        BOOT_PID=$!
        wait $lp || true
        kill -TERM $BOOT_PID; wait $BOOT_PID || true
        grep -q impostor "$d/listen" && fail "a message from a child of PID 1 was accepted"
        true
}

t_boot_refuses_trees_without_os_release_or_init() {
        local r out rc
        r=$(copy_fixture busybox)
        rm -f "$r/etc/os-release" "$r/usr/lib/os-release"
        rc=0; out=$(run_nb -b "$r" 2>&1) || rc=$?
        assert_eq $rc 125 "exit status without os-release"
        assert_match "$out" "os-release" "message names os-release"
        # --check-os-release=no skips the check.
        boot_bg "$r" "$(test_tmp)/out" -b --check-os-release=no "$r" -- nixbox-test-init.exit=0
        wait_ready "$(test_tmp)/out"; kill -TERM $BOOT_PID; wait $BOOT_PID || fail "boot without os-release check"
        r=$(copy_fixture busybox noinit)
        rm -f "$r/sbin/init"
        rc=0; out=$(run_nb -b "$r" 2>&1) || rc=$?
        assert_eq $rc 125 "exit status without init"
        assert_match "$out" "no init found" "message"
        # os-release reached through an absolute symlink chain into the store (NixOS).
        r=$(copy_fixture busybox nixos-like)
        mkdir -p "$r/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-etc/etc" "$r/etc/static-dir"
        mv "$r/etc/os-release" "$r/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-etc/etc/os-release"
        ln -s /nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-etc/etc "$r/etc/static"
        ln -s /etc/static/os-release "$r/etc/os-release"
        boot_bg "$r" "$(test_tmp)/out" -b "$r" -- nixbox-test-init.exit=0
        wait_ready "$(test_tmp)/out"; kill -TERM $BOOT_PID; wait $BOOT_PID || fail "boot with os-release in the store"
}
