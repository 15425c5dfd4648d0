# SPDX-License-Identifier: LGPL-2.1-or-later
# Booting real systemd trees: the Debian fixture (systemd 252) and the
# NixOS-shaped fixture (stage-2 script in /nix/store, then systemd), with
# and without a user namespace: readiness, a running system with no failed
# units, clean halt on SIGTERM, reboot, `systemctl exit`, nothing left.

# add_unit ROOT NAME BODY: installs a unit (not enabled; pulled in with systemd.wants=).
add_unit() {
        mkdir -p "$1/etc/systemd/system"
        printf '%s\n' "$3" >"$1/etc/systemd/system/$2"
}

# A unit that reports the system state on the console once the boot is done
# and powers off. Type=simple: its own start job must not hold the boot.
STATUS_UNIT='[Unit]
Description=nixbox test: system state
After=multi-user.target
[Service]
Type=simple
StandardOutput=tty
TTYPath=/dev/console
TTYReset=no
TTYVHangup=no
ExecStart=/bin/sh -c "echo STATE=$(systemctl is-system-running --wait) >/nixbox-test-state; systemctl --failed --no-legend --plain | sed s/^/FAILED-UNIT=/ >>/nixbox-test-state; cat /nixbox-test-state; systemctl --no-block poweroff"'

# boot_report FIXTURE [NIXBOX OPTIONS...]: boots a copy with the status unit;
# prints the console (without carriage returns); returns nixbox's status.
boot_report() {
        local fixture=$1 r; shift
        r=$(copy_fixture "$fixture" "$fixture-$RANDOM")
        add_unit "$r" nixbox-test-status.service "$STATUS_UNIT"
        local rc=0
        timeout 120 "$NIXBOX" run -q "$@" -b "$r" -- systemd.wants=nixbox-test-status.service </dev/null >"$r.console" 2>&1 || rc=$?
        # The state as the unit wrote it into the tree, then the console.
        cat "$r/nixbox-test-state" 2>/dev/null
        tr -d '\r' <"$r.console"
        return $rc
}

check_running() {   # OUTPUT
        grep -q '^STATE=running' <<<"$1" || fail "system not running: $(grep -E 'STATE=|FAILED' <<<"$1")
--- console (end) ---
$(grep -v -E 'Stopp|Stopped|Removed|Closed|Reached|Listening|Created|Mounting|Mounted' <<<"$1" | tail -25)"
        grep -q '^FAILED-UNIT=' <<<"$1" && fail "failed units: $(grep FAILED-UNIT <<<"$1")"
        true
}

t_debian_boots_to_running_with_user_namespace() {
        local out rc=0
        [ -n "$DEBIAN_ROOT" ] || skip "debian fixture unavailable"
        out=$(boot_report debian) || rc=$?
        check_running "$out"
        grep -q "Welcome to .*Debian" <<<"$out" || fail "no welcome on the console"
        assert_eq $rc 0 "exit status after power-off"
}

t_debian_boots_to_running_without_user_namespace() {
        local out rc=0
        [ -n "$DEBIAN_ROOT" ] || skip "debian fixture unavailable"
        out=$(boot_report debian --private-users=no) || rc=$?
        check_running "$out"
        assert_eq $rc 0 "exit status after power-off"
}

t_nixos_boots_through_its_store_init() {
        local out rc=0
        [ -n "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        out=$(boot_report nixos) || rc=$?
        grep -q "NixOS Stage 2" <<<"$out" || fail "stage-2 did not run: $(head -5 <<<"$out")"
        grep -q "Welcome to .*NixOS" <<<"$out" || fail "no NixOS welcome"
        check_running "$out"
        assert_eq $rc 0 "exit status"
}

t_nixos_boots_without_user_namespace() {
        local out rc=0
        [ -n "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        out=$(boot_report nixos --private-users=no) || rc=$?
        check_running "$out"
        assert_eq $rc 0 "exit status"
}

# ready_then_sigterm FIXTURE: READY=1 arrives; SIGTERM halts cleanly (exit 0).
ready_then_sigterm() {
        local r d pid lp rc=0 i
        r=$(copy_fixture "$1"); d=$(test_tmp)
        python3 "$TOP/tests/notify-listen.py" "$d/notify" 60 >"$d/listen" &
        lp=$!
        wait_for grep -q listening "$d/listen"
        NOTIFY_SOCKET=$d/notify "$NIXBOX" run -q -b --notify-ready=yes "$r" </dev/null >"$d/console" 2>&1 &
        pid=$!
        wait $lp || true
        grep -q READY=1 "$d/listen" || { kill -9 $pid; fail "no READY=1: $(cat "$d/listen")"; }
        kill -TERM $pid
        for i in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
        kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "no halt within 30 s of SIGTERM"; }
        wait $pid || rc=$?
        assert_eq $rc 0 "exit status after SIGTERM"
        tr -d '\r' <"$d/console" | grep -q "System Halt\|Halting\|Power" || fail "no halt on the console"
}

t_debian_ready_and_sigterm_halts() {
        [ -n "$DEBIAN_ROOT" ] || skip "debian fixture unavailable"
        ready_then_sigterm debian
}

t_nixos_ready_and_sigterm_halts() {
        [ -n "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        ready_then_sigterm nixos
}

t_systemctl_reboot_restarts_once_and_exit_passes_status() {
        local r out rc=0
        [ -n "$DEBIAN_ROOT" ] || skip "debian fixture unavailable"
        r=$(copy_fixture debian)
        # First boot: reboot; second boot (marker present): systemctl exit 7.
        add_unit "$r" nixbox-test-reboot.service '[Unit]
After=multi-user.target
[Service]
Type=simple
StandardOutput=tty
TTYPath=/dev/console
ExecStart=/bin/sh -c "if [ -e /var/lib/nixbox-rebooted ]; then echo SECOND-BOOT; systemctl exit 7; else touch /var/lib/nixbox-rebooted; echo FIRST-BOOT; systemctl reboot; fi"'
        out=$(timeout 120 "$NIXBOX" run -q -b "$r" -- systemd.wants=nixbox-test-reboot.service </dev/null 2>&1 | tr -d '\r') || true
        rc=$(timeout 1 true; echo 0)
        grep -q FIRST-BOOT <<<"$out" || fail "first boot marker missing"
        grep -q SECOND-BOOT <<<"$out" || fail "the container did not come back after reboot"
        assert_eq "$(grep -c 'Welcome to' <<<"$out")" 2 "number of boots"
        rc=0; timeout 120 "$NIXBOX" run -q -b "$r" -- systemd.wants=nixbox-test-reboot.service </dev/null >/dev/null 2>&1 || rc=$?
        assert_eq $rc 7 "exit status of systemctl exit 7"
}
