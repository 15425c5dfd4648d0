# SPDX-License-Identifier: LGPL-2.1-or-later
# nixbox run --detach (returns once ready, console to a log) and
# --ephemeral (writes vanish, the image is untouched), and finding an image
# by name in the machines directory.

t_detach_returns_when_ready_and_logs_the_console() {
        local r out pid
        r=$(copy_fixture busybox)
        out=$("$NIXBOX" run -q -d -b --notify-ready=no -M det "$r" </dev/null)
        assert_eq "$out" det "detach prints the machine name"
        grep -q '^STATE=running' /run/nixbox/det/state || fail "not registered as running"
        wait_for grep -q "nixbox-test-init: ready" /run/nixbox/det/console.log || fail "console not logged"
        pid=$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/det/state)
        kill -TERM "$pid"
        wait_for sh -c "! kill -0 $pid 2>/dev/null" || fail "supervisor still running after SIGTERM"
        [ ! -e /run/nixbox/det ] || fail "state left behind"
}

# add_slow_init TREE: /sbin/slow-init, an init that reports READY=1 after a
# second; the halt signal (37) ends it before and after (PID 1 ignores what it
# does not trap).
add_slow_init() {
        cp "$BUILD/tests/helpers/sd-notify" "$1/bin/sd-notify"
        cat >"$1/sbin/slow-init" <<'EOS'
#!/bin/sh
trap "exit 0" 37
sleep 1
exec sd-notify READY=1 --exec /bin/sh -c 'trap "exit 0" 37; while :; do sleep 0.1; done'
EOS
        chmod +x "$1/sbin/slow-init"
}

t_detach_waits_for_ready_1_with_notify_ready() {
        local r start end
        r=$(copy_fixture busybox)
        add_slow_init "$r"
        start=$(date +%s%N)
        "$NIXBOX" run -q -d -b --notify-ready=yes --init=/sbin/slow-init -M slow "$r" </dev/null >/dev/null || fail "detach failed"
        end=$(date +%s%N)
        [ $(((end - start) / 1000000)) -ge 900 ] || fail "returned before READY=1 ($(((end - start) / 1000000)) ms)"
        kill -TERM "$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/slow/state)"
        wait_for test ! -e /run/nixbox/slow || fail "state left behind"
}

# A boot detaches once the init sent READY=1 by default; --notify-ready=no
# returns once it was started.
t_detach_of_a_boot_waits_for_ready_1_by_default() {
        local r start ms
        r=$(copy_fixture busybox)
        add_slow_init "$r"
        start=$(date +%s%N)
        "$NIXBOX" run -q -d -b --init=/sbin/slow-init -M slowdef "$r" </dev/null >/dev/null || fail "detach failed"
        ms=$((($(date +%s%N) - start) / 1000000))
        [ "$ms" -ge 900 ] || fail "returned before READY=1 ($ms ms)"
        grep -q '^STATE=running' /run/nixbox/slowdef/state || fail "not running after detach"
        kill -TERM "$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/slowdef/state)"
        wait_for test ! -e /run/nixbox/slowdef || fail "state left behind"

        start=$(date +%s%N)
        "$NIXBOX" run -q -d -b --notify-ready=no --init=/sbin/slow-init -M slowno "$r" </dev/null >/dev/null || fail "detach failed"
        ms=$((($(date +%s%N) - start) / 1000000))
        [ "$ms" -lt 900 ] || fail "--notify-ready=no waited for READY=1 ($ms ms)"
        kill -TERM "$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/slowno/state)"
        wait_for test ! -e /run/nixbox/slowno || fail "state left behind"
}

# An init that ignores the stop signal is killed after the grace: nothing
# of the container is left when nixbox exits.
t_detach_timeout_kills_an_init_that_ignores_the_stop_signal() {
        local r rc=0 out cg
        r=$(copy_fixture busybox)
        cat >"$r/sbin/deaf-init" <<'EOS'
#!/bin/sh
trap "" 37 15
while :; do sleep 0.1; done
EOS
        chmod +x "$r/sbin/deaf-init"
        cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)/nixbox/deaf
        out=$(timeout 30 "$NIXBOX" run -q -d -b --timeout=1 --init=/sbin/deaf-init -M deaf "$r" </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "exit status when not ready in time"
        assert_match "$out" "did not become ready within 1 s" "message"
        assert_match "$out" "did not stop within 1 s; killing it" "escalation message"
        [ ! -e /run/nixbox/deaf ] || fail "state left behind"
        [ ! -e "$cg" ] || fail "cgroup $cg left behind"
}

# held_by_container NAME PATH: whether a process of the container (not its
# nixbox, whose cgroup is a sibling of the payload's) holds PATH open.
held_by_container() {
        local cg p sup
        cg=$(sed -n 's/^CGROUP=//p' "/run/nixbox/$1/state")
        sup=$(sed -n 's/^SUPERVISOR=//p' "/run/nixbox/$1/state")
        [ -n "$cg" ] || return 1
        case $cg in /sys/*) ;; *) cg=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)$cg ;; esac
        for p in $(cat "$cg"/cgroup.procs "$cg"/*/cgroup.procs 2>/dev/null); do
                [ "$p" != "$sup" ] || continue
                ls -l "/proc/$p/fd" 2>/dev/null | grep -qF -- "$2" && return 0
        done
        return 1
}

# json_events FILE: "event key=value ..." per line, from the JSON lines.
json_events() {
        python3 -c '
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    print(" ".join([e["event"]] + ["%s=%s" % (k, type(v).__name__) for k, v in sorted(e.items()) if k != "event"]))
' "$1"
}

t_ready_fd_and_json_status_fd_in_command_mode() {
        local r d
        r=$(copy_fixture busybox); d=$(test_tmp)
        "$NIXBOX" run -q -d --ready-fd=3 --json-status-fd=4 -M statusfd "$r" -- sh -c 'while :; do sleep 0.1; done' \
                </dev/null >/dev/null 3>"$d/ready" 4>"$d/status" || fail "detach failed"
        cmp -s "$d/ready" <(printf '\n') || fail "ready fd: $(od -c "$d/ready")"
        held_by_container statusfd "$d/ready" && fail "the container holds the --ready-fd"
        held_by_container statusfd "$d/status" && fail "the container holds the --json-status-fd"
        assert_eq "$(json_events "$d/status")" "started cgroup=str name=str pid=int uid_shift=int
ready" "started and ready"
        assert_match "$(head -1 "$d/status")" '"name":"statusfd"' "name in started"
        kill -TERM "$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/statusfd/state)"
        wait_for test ! -e /run/nixbox/statusfd || fail "state left behind"
        wait_for grep -q exited "$d/status" || fail "no exited event"
        assert_match "$(json_events "$d/status" | tail -1)" '^exited result=str (signal=int )?status=int$' "exited"
        assert_eq "$(wc -l <"$d/ready")" 1 "one line on the ready fd"
}

t_notify_ready_on_a_command_is_not_silently_ignored() {
        local r out
        r=$(copy_fixture busybox)
        out=$("$NIXBOX" run -q --notify-ready=yes "$r" -- echo ran </dev/null 2>&1) || fail "run failed: $out"
        assert_match "$out" "--notify-ready has no effect on a command" "warning"
        assert_match "$out" "ran" "the command ran"
}

t_ready_fd_of_a_boot_waits_for_ready_1() {
        local r d pid
        r=$(copy_fixture busybox); d=$(test_tmp)
        add_slow_init "$r"
        "$NIXBOX" run -q -b --notify-ready=yes --ready-fd=5 --init=/sbin/slow-init -M readyboot "$r" \
                </dev/null >/dev/null 2>&1 5>"$d/ready" &
        pid=$!
        wait_for test -e /run/nixbox/readyboot/state || { kill -TERM $pid; fail "did not start"; }
        sleep 0.3
        [ ! -s "$d/ready" ] || { kill -TERM $pid; fail "ready fd written before READY=1"; }
        wait_for test -s "$d/ready" || { kill -TERM $pid; fail "ready fd not written after READY=1"; }
        cmp -s "$d/ready" <(printf '\n') || fail "ready fd: $(od -c "$d/ready")"
        kill -TERM $pid
        wait $pid || true
        [ ! -e /run/nixbox/readyboot ] || fail "state left behind"
}

# -x with -M: the name as given, so that a harness can find it.
t_ephemeral_keeps_a_given_name() {
        local r out rc=0
        r=$(copy_fixture busybox)
        out=$("$NIXBOX" run -q -d -x -M ephname "$r" -- sh -c 'while :; do sleep 0.1; done' </dev/null) || fail "detach failed"
        assert_eq "$out" ephname "the given name"
        [ -e /run/nixbox/ephname/state ] || fail "no state under the given name"
        out=$("$NIXBOX" run -q -x -M ephname "$r" -- true </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "a second one with the name fails"
        assert_match "$out" "a container named ephname is already running" "message"
        kill -TERM "$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/ephname/state)"
        wait_for test ! -e /run/nixbox/ephname || fail "state left behind"
}

t_detach_timeout_stops_the_container() {
        local r rc=0 out
        r=$(copy_fixture busybox)
        cat >"$r/sbin/never-ready" <<'EOS'
#!/bin/sh
trap "exit 0" 37
while :; do sleep 0.1; done
EOS
        chmod +x "$r/sbin/never-ready"
        out=$("$NIXBOX" run -q -d -b --notify-ready=yes --timeout=1 --init=/sbin/never-ready -M nr "$r" </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "exit status when not ready in time"
        assert_match "$out" "did not become ready within 1 s" "message"
        wait_for test ! -e /run/nixbox/nr || fail "container left running after the timeout"
}

t_detach_failure_is_reported_to_the_caller() {
        local r rc=0 out
        r=$(copy_fixture busybox)
        out=$("$NIXBOX" run -q -d "$r" -- /no/such/program </dev/null 2>&1) || rc=$?
        assert_eq $rc 127 "exit status"
        assert_match "$out" "execute /no/such/program" "message"
}

t_ephemeral_writes_vanish() {
        local r before after out
        r=$(copy_fixture busybox)
        before=$(cd "$r" && find . -printf '%p %s %m %U\n' | sort | md5sum)
        out=$(run_nb -x "$r" -- sh -c 'echo x >/etc/new; rm /bin/ls; chmod 700 /etc; hostname; ls -ln /etc/new')
        after=$(cd "$r" && find . -printf '%p %s %m %U\n' | sort | md5sum)
        assert_eq "$after" "$before" "image unchanged"
        assert_match "$(sed -n 1p <<<"$out")" '^busybox-[0-9a-f]{16}$' "ephemeral machine name with a random suffix"
        assert_match "$(sed -n 2p <<<"$out")" ' 0 +0 ' "new file owned by root inside"
        out=$(run_nb -x --private-users=no "$r" -- sh -c 'echo x >/etc/new && echo wrote')
        assert_eq "$out" wrote "ephemeral without user namespace"
        [ ! -e "$r/etc/new" ] || fail "ephemeral write reached the image"
}

t_ephemeral_nixos_with_immutable_var_empty() {
        local r before out rc=0
        [ -n "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        r=$(copy_fixture nixos)
        mkdir -p "$r/etc/systemd/system"
        printf '%s\n' '[Unit]' 'After=multi-user.target' '[Service]' 'Type=simple' \
                'ExecStart=/bin/sh -c "touch /ephemeral-marker; systemctl --no-block poweroff"' \
                >"$r/etc/systemd/system/nixbox-test-eph.service"
        before=$(cd "$r" && find . -xdev -printf '%p %s\n' | sort | md5sum)
        timeout 120 "$NIXBOX" run -q -x -b "$r" -- systemd.wants=nixbox-test-eph.service </dev/null >/dev/null 2>&1 || rc=$?
        assert_eq $rc 0 "ephemeral NixOS boot and power-off"
        assert_eq "$(cd "$r" && find . -xdev -printf '%p %s\n' | sort | md5sum)" "$before" "image unchanged"
}

t_run_finds_an_image_by_name_in_the_machines_directory() {
        local name=nbtest-name-$RANDOM out
        mkdir -p -m 0700 /var/lib/nixbox
        cp -a "$BUSYBOX_ROOT" "/var/lib/nixbox/$name"
        out=$(run_nb "$name" -- hostname) || { rm -rf "/var/lib/nixbox/$name"; fail "run by name failed"; }
        rm -rf "/var/lib/nixbox/$name"
        assert_eq "$out" "$name" "machine name from the image name"
}

# systemd: `run -d` returns once it sent READY=1, so it is no longer starting.
t_detach_of_systemd_returns_when_it_is_up() {
        local r out state rc=0 name=detsd
        [ -n "$DEBIAN_ROOT" ] || skip "debian fixture unavailable"
        r=$(copy_fixture debian)
        out=$(timeout 120 "$NIXBOX" run -q -d -b --timeout=100 -M $name "$r" </dev/null 2>&1) || rc=$?
        assert_eq $rc 0 "detached boot: $out"
        out=$("$NIXBOX" exec $name systemctl is-system-running 2>&1) || true
        state=$(sed -n 's/^STATE=//p' /run/nixbox/$name/state)
        "$NIXBOX" stop $name || fail "stop failed"
        wait_for test ! -e /run/nixbox/$name || fail "state left behind"
        assert_match "$out" '^(running|degraded)$' "systemd's state right after run -d"
        assert_eq "$state" running "state entry right after run -d"
}
