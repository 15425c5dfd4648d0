#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Service files (services/) and shell completions (completions/), as
# `make install` puts them: one NixOS-shaped container started through each
# supervisor available here, ready, rebooted, powered off and stopped, with
# nothing left behind; the systemd unit verified; bash completion driven.

# svc_install: `make install` into the scratch dir (PREFIX=/usr); prints the root.
svc_install() {
        local root
        root=$(test_tmp)/root
        make -s -C "$TOP" install DESTDIR="$root" PREFIX=/usr BUILD="$BUILD" >/dev/null || return 1
        echo "$root"
}

# svc_machine NAME: a copy of the nixos fixture and NAME.conf pointing the
# service files at it and at the nixbox under test (NIXBOX_MACHINES_DIR).
svc_machine() {
        local d r
        d=$(test_tmp)
        r=$(copy_fixture nixos "tree-$1")
        mkdir -p "$d/machines"
        printf 'NIXBOX_BIN=%s\nNIXBOX_IMAGE=%s\nNIXBOX_READY_TIMEOUT=60\n' "$NIXBOX" "$r" >"$d/machines/$1.conf"
        export NIXBOX_MACHINES_DIR=$d/machines
}

svc_leader() { "$NIXBOX" status "$1" --json 2>/dev/null | grep -oE '"leader":[0-9]+' | cut -d: -f2; }
svc_running() { "$NIXBOX" status "$1" --json 2>/dev/null | grep -q '"state":"running"'; }
# Gone: not running (an ended machine's outcome is kept, docs/harness.md).
svc_gone() { ! "$NIXBOX" list -q | grep -qx "$1" && [ ! -e "/run/nixbox/$1" ] && [ ! -e "$CG2/nixbox/$1" ]; }

# A failed test still leaves nothing: the supervisor PID and the machine go.
svc_cleanup() {   # SUPERVISOR-PID MACHINE
        trap "kill -9 $1 2>/dev/null; \"$NIXBOX\" terminate $2 >/dev/null 2>&1; sleep 0.5; remove_tree \"\$TEST_TMP\"" EXIT
}

t_make_install_lists_the_expected_files() {
        local root got expected
        root=$(svc_install)
        got=$(cd "$root" && find . -type f -o -type l | sort)
        expected=$(printf '%s\n' ./etc/init.d/nixbox ./usr/bin/nixbox ./usr/bin/nixbox-netsetup ./usr/bin/nixbox-oci \
                ./usr/lib/python3/dist-packages/nixbox.py ./usr/lib/python3/dist-packages/nixbox_pytest.py \
                ./usr/lib/systemd/system/nixbox@.service \
                ./usr/share/bash-completion/completions/nixbox \
                ./usr/share/doc/nixbox/examples/example.nspawn \
                ./usr/share/doc/nixbox/examples/machines/example.conf \
                ./usr/share/fish/vendor_completions.d/nixbox.fish \
                ./usr/share/man/man1/nixbox-netsetup.1 ./usr/share/man/man1/nixbox-oci.1 ./usr/share/man/man1/nixbox.1 ./usr/share/man/man5/nixbox.conf.5 ./usr/share/man/man5/nixbox.nspawn.5 \
                ./usr/share/nixbox/runit/nixbox/check ./usr/share/nixbox/runit/nixbox/finish ./usr/share/nixbox/runit/nixbox/run \
                ./usr/share/nixbox/s6/nixbox/finish ./usr/share/nixbox/s6/nixbox/notification-fd \
                ./usr/share/nixbox/s6/nixbox/run ./usr/share/nixbox/s6/nixbox/timeout-kill \
                ./usr/share/zsh/site-functions/_nixbox | sort)
        assert_eq "$got" "$expected" "files of make install DESTDIR=... PREFIX=/usr"
        grep -q '^NIXBOX_BIN=/usr/bin/nixbox$' "$root/etc/init.d/nixbox" || fail "init.d script does not name /usr/bin/nixbox"
        grep -q '^ExecStart=/usr/bin/nixbox run ' "$root/usr/lib/systemd/system/nixbox@.service" || fail "unit does not name /usr/bin/nixbox"
        ! grep -rq '@BINDIR@' "$root" || fail "@BINDIR@ left in an installed file"
        # PREFIX=/usr/local: configuration below the prefix too.
        make -s -C "$TOP" install DESTDIR="$(test_tmp)/local" BUILD="$BUILD" >/dev/null
        [ -x "$(test_tmp)/local/usr/local/etc/init.d/nixbox" ] || fail "PREFIX=/usr/local: no usr/local/etc/init.d/nixbox"
        [ -x "$(test_tmp)/local/usr/local/bin/nixbox" ] || fail "PREFIX=/usr/local: no usr/local/bin/nixbox"
}

# runit: `sv start` waits for ./check (ready); a reboot (exit 133) restarts
# the container; a power-off (exit 0) leaves the service down; `sv down`
# halts it; nothing is left.
t_runit_service_boots_reboots_and_stops() {
        local root sv m=pkg-svc-rn pid old new
        command -v runsv >/dev/null || skip "runit is not installed (apt-get install runit)"
        root=$(svc_install); svc_machine $m
        sv=$(test_tmp)/sv/nixbox-$m
        mkdir -p "${sv%/*}" && cp -a "$root/usr/share/nixbox/runit/nixbox" "$sv"
        setsid runsv "$sv" >"$(test_tmp)/runsv.log" 2>&1 </dev/null &
        pid=$!
        svc_cleanup $pid $m
        wait_for test -p "$sv/supervise/control" || fail "runsv did not start"
        sv -w 90 start "$sv" || fail "sv start: $(tail -5 "$(test_tmp)/runsv.log")"
        svc_running $m || fail "not running after sv start"
        old=$(svc_leader $m)
        "$NIXBOX" reboot $m
        for _ in $(seq 300); do new=$(svc_leader $m); [ -n "$new" ] && [ "$new" != "$old" ] && svc_running $m && break; sleep 0.2; done
        [ -n "$new" ] && [ "$new" != "$old" ] || fail "no new container after reboot (runsv log: $(tail -5 "$(test_tmp)/runsv.log"))"
        "$NIXBOX" poweroff $m
        wait_for svc_gone $m || wait_for svc_gone $m || fail "container still there after poweroff"
        sleep 3
        assert_match "$(sv status "$sv")" '^down: ' "runit status after poweroff"
        svc_gone $m || fail "power-off was restarted"
        sv -w 90 start "$sv" || fail "sv start again"
        sv -w 60 down "$sv" || fail "sv down"
        svc_gone $m || fail "container left after sv down"
        sv exit "$sv"
        wait_for eval "! kill -0 $pid 2>/dev/null" || fail "runsv did not exit"
        trap 'remove_tree "$TEST_TMP"' EXIT
}

# s6: ready through ./notification-fd (nixbox --ready-fd=3); reboot
# restarts, power-off stays down (finish exits 125); `s6-svc -d` halts.
t_s6_service_is_ready_through_the_notification_fd() {
        local root sv m=pkg-svc-s6 pid old new
        command -v s6-supervise >/dev/null || skip "s6 is not installed (apt-get install s6)"
        root=$(svc_install); svc_machine $m
        sv=$(test_tmp)/sv/nixbox-$m
        mkdir -p "${sv%/*}" && cp -a "$root/usr/share/nixbox/s6/nixbox" "$sv"
        setsid s6-supervise "$sv" >"$(test_tmp)/s6.log" 2>&1 </dev/null &
        pid=$!
        svc_cleanup $pid $m
        wait_for test -e "$sv/supervise/status" || fail "s6-supervise did not start"
        s6-svc -u -wU -T 90000 "$sv" || fail "not ready: $(tail -5 "$(test_tmp)/s6.log")"
        assert_match "$(s6-svstat "$sv")" '^up .* ready ' "s6-svstat after start"
        svc_running $m || fail "nixbox's state is not running when s6 says ready"
        old=$(svc_leader $m)
        "$NIXBOX" reboot $m
        for _ in $(seq 300); do new=$(svc_leader $m); [ -n "$new" ] && [ "$new" != "$old" ] && svc_running $m && break; sleep 0.2; done
        [ -n "$new" ] && [ "$new" != "$old" ] || fail "no new container after reboot (log: $(tail -5 "$(test_tmp)/s6.log"))"
        "$NIXBOX" poweroff $m
        wait_for svc_gone $m || wait_for svc_gone $m || fail "container still there after poweroff"
        sleep 3
        assert_match "$(s6-svstat "$sv")" '^down \(exitcode 0\)' "s6 status after poweroff"
        svc_gone $m || fail "power-off was restarted"
        s6-svc -u -wU -T 90000 "$sv" || fail "not ready again"
        s6-svc -d -wD -T 60000 "$sv" || fail "s6-svc -d"
        svc_gone $m || fail "container left after s6-svc -d"
        s6-svc -x "$sv"
        wait_for eval "! kill -0 $pid 2>/dev/null" || fail "s6-supervise did not exit"
        trap 'remove_tree "$TEST_TMP"' EXIT
}

# OpenRC: the script's own logic, as supervise-daemon would run it. OpenRC
# itself is not installed here: Debian's openrc package imports the
# machine's /etc/rc?.d into OpenRC runlevels when installed (its postinst runs
# rc-update), which changes the host's init configuration.
t_openrc_script_boots_waits_for_ready_and_halts_on_term() {
        local root m=pkg-svc-orc pid out rc=0
        root=$(svc_install); svc_machine $m
        sh -n "$root/etc/init.d/nixbox" || fail "sh -n of the OpenRC script"
        # Source it as openrc-run does, with OpenRC's helpers stubbed out.
        out=$(cd "$(test_tmp)" && RC_SVCNAME=nixbox.$m RC_LIBEXECDIR=/nonexistent sh -c '
                checkpath() { :; }; eerror() { echo "eerror: $*"; }
                . "$1"
                printf "%s\n" "$supervisor" "$command" "$command_args" "$retry" "$notify"' sh "$root/etc/init.d/nixbox")
        assert_eq "$(sed -n 1p <<<"$out")" supervise-daemon "supervisor"
        assert_eq "$(sed -n 2p <<<"$out")" "$NIXBOX" "command (NIXBOX_BIN of $m.conf)"
        assert_match "$(sed -n 3p <<<"$out")" "^run --boot --machine=$m --notify-ready=yes --on-reboot=exit --console=read-only +$(test_tmp)/tree-$m\$" "command_args"
        assert_eq "$(sed -n 4p <<<"$out")" "TERM/30/KILL/5" "stop schedule"
        # The command as supervise-daemon runs it; start_post waits for ready.
        # shellcheck disable=SC2086
        setsid "$NIXBOX" $(sed -n 3p <<<"$out") </dev/null >"$(test_tmp)/orc.log" 2>&1 &
        pid=$!
        svc_cleanup $pid $m
        (cd "$(test_tmp)" && RC_SVCNAME=nixbox.$m RC_LIBEXECDIR=/nonexistent sh -c '
                checkpath() { :; }; eerror() { echo "eerror: $*"; }
                . "$1"; start_post' sh "$root/etc/init.d/nixbox") || fail "start_post: not ready: $(tail -5 "$(test_tmp)/orc.log")"
        svc_running $m || fail "not running after start_post"
        kill -TERM $pid
        for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
        wait $pid || rc=$?
        assert_eq $rc 0 "nixbox's exit after supervise-daemon's SIGTERM"
        svc_gone $m || fail "container left after SIGTERM"
        trap 'remove_tree "$TEST_TMP"' EXIT
        command -v supervise-daemon >/dev/null ||
                skip "script checked without OpenRC; supervise-daemon itself not run: OpenRC is not installed (Debian's openrc postinst rewrites the host's runlevels)"
}

t_systemd_unit_verifies() {
        local root d
        command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
        root=$(svc_install)
        d=$(test_tmp)/units
        mkdir -p "$d"
        sed "s|^ExecStart=/usr/bin/nixbox|ExecStart=$NIXBOX|" "$root/usr/lib/systemd/system/nixbox@.service" >"$d/nixbox@.service"
        out=$(cd "$d" && systemd-analyze verify --man=no "./nixbox@pkg-svc.service" 2>&1) || fail "systemd-analyze verify: $out"
        [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
        grep -q '^Type=notify$' "$d/nixbox@.service" || fail "not Type=notify"
}

# bash: a verb, an option of run, and a running machine's name complete.
t_bash_completion_completes_verbs_options_and_machines() {
        local root r m=pkg-comp-m out
        root=$(svc_install)
        complete_with() {   # WORDS...: the last word is completed
                bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                        complete -p nixbox >/dev/null || exit 3
                        _nixbox; printf "%s\n" "${COMPREPLY[@]}"' sh "$root/usr/share/bash-completion/completions/nixbox" "$@"
        }
        out=$(complete_with "$NIXBOX" sta)
        assert_eq "$out" status "verb completion of 'sta'"
        out=$(complete_with "$NIXBOX" run --private-users-o)
        assert_eq "$out" --private-users-ownership= "option completion of run --private-users-o"
        out=$(complete_with "$NIXBOX" run --console=rea)
        assert_eq "$out" read-only "value completion of --console=rea"
        out=$(complete_with "$NIXBOX" stop --ti)
        assert_eq "$out" --timeout= "option completion of stop --ti"
        r=$(copy_fixture busybox)
        "$NIXBOX" run -q -d -M $m "$r" -- sleep 60 </dev/null >/dev/null 2>&1 || fail "detached busybox run"
        trap "\"$NIXBOX\" terminate $m >/dev/null 2>&1; sleep 0.5; remove_tree \"\$TEST_TMP\"" EXIT
        out=$(complete_with "$NIXBOX" status pkg-comp-)
        "$NIXBOX" terminate $m >/dev/null 2>&1 || true
        wait_for svc_gone $m || fail "machine left after terminate"
        trap 'remove_tree "$TEST_TMP"' EXIT
        assert_eq "$out" $m "machine name completion"
}

# zsh and fish: the files parse (each shell's syntax check), when installed.
t_zsh_and_fish_completions_parse() {
        local root n=0
        root=$(svc_install)
        if command -v zsh >/dev/null; then zsh -n "$root/usr/share/zsh/site-functions/_nixbox" || fail "zsh -n"; n=$((n + 1)); fi
        if command -v fish >/dev/null; then
                fish --no-execute "$root/usr/share/fish/vendor_completions.d/nixbox.fish" || fail "fish --no-execute"
                n=$((n + 1))
        fi
        [ $n -gt 0 ] || skip "neither zsh nor fish is installed"
}
