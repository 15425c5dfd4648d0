# SPDX-License-Identifier: LGPL-2.1-or-later
# Hosts other than a bare root shell: --keep-unit (the container's cgroup
# below the cgroup nixbox was started in, as under a service manager) and
# the host configuration file nixbox.conf(5) (relocated state and images,
# for a read-only root with a separate writable disk).

# keep_unit_start SVC NAME ROOT: starts `nixbox run --keep-unit` from a shell
# moved into the cgroup SVC (as a service manager would start it), waits for
# the container to run; the supervisor's pid is in $TEST_TMP/NAME.pid.
keep_unit_start() {
        local svc=$1 name=$2 r=$3
        mkdir "$svc" || return 1
        bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" run -q --keep-unit -M "$3" "$4" -- /bin/sh -c "sleep 300"' \
                _ "$svc" "$NIXBOX" "$name" "$r" </dev/null >/dev/null 2>"$TEST_TMP/$name.err" &
        echo $! >"$TEST_TMP/$name.pid"
        for _ in $(seq 300); do grep -qs "^STATE=running" "/run/nixbox/$name/state" && break; sleep 0.1; done
        grep -qs "^STATE=running" "/run/nixbox/$name/state" || { fail "not running: $(cat "$TEST_TMP/$name.err")"; return 1; }
}

# remove_svc SVC: removes the test's service cgroup (and anything under it).
remove_svc() {
        [ -d "$1" ] || return 0
        [ -e "$1/cgroup.kill" ] && echo 1 >"$1/cgroup.kill" 2>/dev/null
        sleep 0.2
        find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
        true
}

t_keep_unit_places_the_container_below_its_cgroup() {
        [ -n "$CG2" ] || skip "no cgroup2 mount"
        local r svc=$CG2/nbtest-svc-$$ name=hc-keep-$$ rel leader sup out
        rel=${svc#"$CG2"}
        r=$(copy_fixture busybox)
        trap 'remove_svc "'"$svc"'"; remove_tree "$TEST_TMP"' EXIT
        keep_unit_start "$svc" "$name" "$r" || return 1
        leader=$(sed -n 's/^LEADER=//p' "/run/nixbox/$name/state")
        sup=$(sed -n 's/^SUPERVISOR=//p' "/run/nixbox/$name/state")
        assert_eq "$(grep '^0::' "/proc/$leader/cgroup")" "0::$rel/nixbox/$name/payload" "PID 1's cgroup" || return 1
        assert_eq "$(grep '^0::' "/proc/$sup/cgroup")" "0::$rel/nixbox/$name/supervisor" "the supervisor's cgroup" || return 1
        [ ! -e "$CG2/nixbox/$name" ] || fail "a cgroup at the root as well" || return 1
        out=$("$NIXBOX" status "$name" 2>&1) || fail "status: $out" || return 1
        assert_match "$out" "$rel/nixbox/$name" "status shows the cgroup" || return 1
        "$NIXBOX" list | grep -q "^$name " || fail "not listed" || return 1
        out=$("$NIXBOX" exec "$name" -- /bin/sh -c 'cat /proc/self/cgroup' </dev/null 2>&1) || fail "exec: $out" || return 1
        grep -qx '0::/' <<<"$out" || fail "exec did not join the container's cgroup: $out" || return 1
        "$NIXBOX" terminate "$name" || fail "terminate" || return 1
        wait_for sh -c "! kill -0 $sup 2>/dev/null" || fail "supervisor still running" || return 1
        [ ! -e "$svc/nixbox" ] || fail "left behind: $(find "$svc/nixbox")" || return 1
        [ ! -e "/run/nixbox/$name" ] || fail "state left behind" || return 1
        rmdir "$svc" || fail "the service cgroup is not empty"
}

t_keep_unit_service_kill_kills_the_container() {
        [ -n "$CG2" ] || skip "no cgroup2 mount"
        local r svc=$CG2/nbtest-svc-$$ name=hc-kill-$$ leader sup
        r=$(copy_fixture busybox)
        trap 'remove_svc "'"$svc"'"; remove_tree "$TEST_TMP"' EXIT
        keep_unit_start "$svc" "$name" "$r" || return 1
        [ -e "$svc/cgroup.kill" ] || skip "no cgroup.kill (kernel < 5.14)"
        leader=$(sed -n 's/^LEADER=//p' "/run/nixbox/$name/state")
        sup=$(sed -n 's/^SUPERVISOR=//p' "/run/nixbox/$name/state")
        # The service manager stops the service: everything in its cgroup dies.
        echo 1 >"$svc/cgroup.kill"
        wait "$(cat "$TEST_TMP/$name.pid")" || true    # reap the supervisor (our child)
        wait_for sh -c "! kill -0 $leader 2>/dev/null && ! kill -0 $sup 2>/dev/null" || fail "container survived its service" || return 1
        # The next nixbox command sweeps what the killed supervisor left.
        "$NIXBOX" list >/dev/null 2>"$TEST_TMP/list.err" || fail "list: $(cat "$TEST_TMP/list.err")" || return 1
        [ ! -e "$svc/nixbox" ] || fail "stale cgroup not swept: $(find "$svc/nixbox")" || return 1
        [ ! -e "/run/nixbox/$name" ] || fail "stale state not swept" || return 1
        rmdir "$svc" || fail "the service cgroup is not empty"
}

# write_conf: a configuration moving every path under $TEST_TMP.
write_conf() {
        mkdir -p "$TEST_TMP/images"
        cat >"$TEST_TMP/nixbox.conf" <<EOC
# relocated, as on a read-only root with a writable state disk
[paths]
ImageDir=$TEST_TMP/images
StateDir=$TEST_TMP/state
UidLockDir=$TEST_TMP/uid
EOC
        echo "$TEST_TMP/nixbox.conf"
}

t_config_relocates_state_and_images() {
        local conf name=hcimg$$ out sup svc=$CG2/nbtest-svc-$$
        conf=$(write_conf)
        copy_fixture busybox "images/$name" >/dev/null
        # Started from a cgroup of its own with --keep-unit: a nixbox built
        # before StateDir= existed (other runs on this machine) would take a
        # container at $CG2/nixbox/NAME whose lock is not in /run/nixbox for
        # stale and kill it.
        [ -n "$CG2" ] && mkdir "$svc" && trap 'remove_svc "'"$svc"'"; remove_tree "$TEST_TMP"' EXIT
        # (Into a file: the payload keeps a pipe open for its whole life.)
        NIXBOX_CONFIG=$conf bash -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs"; exec "$2" run -q -d --keep-unit "$3" -- /bin/sh -c "sleep 300"' \
                _ "${CG2:+$svc}" "$NIXBOX" "$name" </dev/null >"$TEST_TMP/run.out" 2>&1 || fail "run by image name: $(cat "$TEST_TMP/run.out")" || return 1
        out=$(cat "$TEST_TMP/run.out")
        assert_eq "$out" "$name" "machine name" || return 1
        [ -f "$TEST_TMP/state/$name/state" ] || fail "no state in the configured StateDir" || return 1
        [ -n "$(ls "$TEST_TMP/uid")" ] || fail "no UID-range lock in the configured UidLockDir" || return 1
        out=$(find /run/nixbox /var/lib/nixbox -name "*$name*" 2>/dev/null || true)
        [ -z "$out" ] || fail "written to the default directories: $out" || return 1
        NIXBOX_CONFIG=$conf "$NIXBOX" list | grep -q "^$name " || fail "not listed" || return 1
        if "$NIXBOX" list | grep -q "^$name "; then fail "listed without the configuration"; return 1; fi
        out=$(NIXBOX_CONFIG=$conf "$NIXBOX" status "$name" 2>&1) || fail "status: $out" || return 1
        assert_match "$out" "$TEST_TMP/images/$name" "status shows the root" || return 1
        sup=$(sed -n 's/^SUPERVISOR=//p' "$TEST_TMP/state/$name/state")
        NIXBOX_CONFIG=$conf "$NIXBOX" terminate "$name" || fail "terminate" || return 1
        wait_for sh -c "! kill -0 $sup 2>/dev/null" || fail "supervisor still running" || return 1
        [ ! -e "$TEST_TMP/state/$name" ] || fail "state left behind" || return 1
        [ -z "$(ls "$TEST_TMP/uid")" ] || fail "UID lock left behind" || return 1
}

t_config_runs_with_read_only_default_dirs() {
        local conf name=hcro$$ out svc=$CG2/nbtest-svc-$$
        conf=$(write_conf)
        # --keep-unit from a cgroup of its own, for the reason given above.
        [ -n "$CG2" ] && mkdir "$svc" && trap 'remove_svc "'"$svc"'"; remove_tree "$TEST_TMP"' EXIT
        copy_fixture busybox "images/$name" >/dev/null
        mkdir -p /run/nixbox /run/nixbox-uid /var/lib/nixbox
        # A private mount namespace where the default directories are read-only.
        out=$(unshare -m bash -c '
                mount --make-rprivate / &&
                for d in /run/nixbox /run/nixbox-uid /var/lib/nixbox; do mount --bind -o ro "$d" "$d" || exit 2; done
                touch /run/nixbox/.hc-probe 2>/dev/null && { rm -f /run/nixbox/.hc-probe; echo "not read-only"; exit 2; }
                [ -z "$4" ] || echo $$ >"$4/cgroup.procs"
                NIXBOX_CONFIG=$1 "$2" run -q --keep-unit "$3" -- /bin/echo inside' _ "$conf" "$NIXBOX" "$name" "${CG2:+$svc}" </dev/null 2>&1) ||
                fail "run: $out" || return 1
        assert_eq "$out" inside "output"
}

t_config_errors_name_the_line() {
        local out rc=0 r
        printf '[paths]\nStateDir=/run/x\nStatedir=/run/y\n' >"$TEST_TMP/bad.conf"
        out=$(NIXBOX_CONFIG=$TEST_TMP/bad.conf "$NIXBOX" list 2>&1) || rc=$?
        assert_eq $rc 125 "exit status of a bad configuration" || return 1
        assert_match "$out" "bad.conf:3: unknown key Statedir in section \[paths\]" "message" || return 1
        rc=0
        r=$(copy_fixture busybox)
        out=$(NIXBOX_CONFIG=$TEST_TMP/bad.conf "$NIXBOX" run -q -M hc-err-$$ "$r" -- /bin/true </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "run with a bad configuration" || return 1
        out=$(NIXBOX_CONFIG=$TEST_TMP/missing.conf "$NIXBOX" run -q -M hc-err-$$ "$r" -- /bin/echo ok </dev/null 2>&1) || fail "missing file: $out" || return 1
        assert_eq "$out" ok "a missing file means the defaults"
}

t_config_default_zone_only_without_a_network_choice() {
        local r out
        r=$(copy_fixture busybox hczone)
        printf '[network]\nDefaultZone=lab\n' >"$TEST_TMP/zone.conf"
        out=$(NIXBOX_CONFIG=$TEST_TMP/zone.conf "$NIXBOX" settings "$r" 2>&1)
        assert_match "$out" $'\nZone=lab' "the default zone applies" || return 1
        out=$(NIXBOX_CONFIG=$TEST_TMP/zone.conf "$NIXBOX" settings --network-veth "$r" 2>&1)
        [[ "$out" != *$'\nZone=lab'* ]] || fail "the default zone overrode --network-veth" || return 1
        printf '[Network]\nPrivate=yes\n' >"$TEST_TMP/hczone.nspawn"
        out=$(NIXBOX_CONFIG=$TEST_TMP/zone.conf "$NIXBOX" settings --settings=trusted "$r" 2>&1)
        [[ "$out" != *$'\nZone=lab'* ]] || fail "the default zone overrode the settings file" || return 1
}

# [console] LogSize= is the default cap of the detach console log
# (--console-log-size still wins).
t_config_log_size_caps_the_detach_log() {
        local r conf m=hclog$$ size old
        r=$(copy_fixture busybox)
        conf=$TEST_TMP/log.conf
        printf '[console]\nLogSize=64K\n' >"$conf"
        NIXBOX_CONFIG=$conf "$NIXBOX" run -q -d --console=pipe -M $m "$r" -- sh -c '
                head -c 1000000 /dev/zero | tr "\0" x; echo; echo THE-TAIL; sleep 300' </dev/null >/dev/null ||
                fail "detach" || return 1
        wait_for sh -c "NIXBOX_CONFIG=$conf \"$NIXBOX\" logs $m | grep -q THE-TAIL" || fail "the tail is not in the log"
        size=$(stat -c %s /run/nixbox/$m/console.log)
        old=$(stat -c %s /run/nixbox/$m/console.log.1 2>/dev/null || echo 0)
        [ "$size" -le 65536 ] && [ "$old" -le 65536 ] || fail "log over the configured 64K cap: $size + $old"
        NIXBOX_CONFIG=$conf "$NIXBOX" terminate $m
        wait_for sh -c "! test -e /run/nixbox/$m" || fail "state left behind"
}
