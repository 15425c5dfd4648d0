# SPDX-License-Identifier: LGPL-2.1-or-later
# nixbox run (command mode): exit codes, PID layout, namespaces, user
# namespace ranges and ownership, mounts, devices, network, binds,
# symlink escapes, errors, and what a killed nixbox leaves behind.

t_exit_status_propagates() {
        local r
        r=$(copy_fixture busybox)
        local rc=0
        run_nb "$r" -- sh -c 'exit 7' || rc=$?; assert_eq $rc 7 "exit status"
        run_nb "$r" -- true || fail "true failed"
        rc=0; run_nb "$r" -- sh -c 'kill -9 $$' || rc=$?; assert_eq $rc 137 "killed by SIGKILL -> 128+9"
        rc=0; run_nb --as-pid1 "$r" -- sh -c 'exit 3' || rc=$?; assert_eq $rc 3 "exit status as PID 1"
}

t_pid1_is_init_shim_and_command_is_pid2() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb "$r" -- sh -c 'echo $$; tr "\0" " " </proc/1/cmdline')
        assert_eq "$(sed -n 1p <<<"$out")" 2 "command's pid"
        assert_match "$(sed -n 2p <<<"$out")" '^nixbox-init ' "PID 1's command line"
        out=$(run_nb --as-pid1 "$r" -- sh -c 'echo $$')
        assert_eq "$out" 1 "pid with --as-pid1"
        # PID 1 runs from a sealed memfd, not from a file of the container.
        out=$(run_nb "$r" -- readlink /proc/1/exe)
        assert_match "$out" '^/memfd:nixbox-init' "PID 1's executable"
}

t_zombies_are_reaped() {
        local r out
        r=$(copy_fixture busybox)
        # The inner sh exits at once; its children become orphans of PID 1.
        out=$(run_nb "$r" -- sh -c 'sh -c "sleep 0.1 & sleep 0.1 & exit 0"; sleep 1; ps -o stat,comm')
        if grep -q '^Z' <<<"$out"; then fail "zombie left: $out"; fi
}

t_signals_are_forwarded_to_the_command() {
        local r pid out
        r=$(copy_fixture busybox)
        out=$(test_tmp)/out
        "$NIXBOX" run -q "$r" -- sh -c 'trap "echo got-TERM; exit 5" TERM; echo ready; while :; do sleep 0.05; done' >"$out" </dev/null &
        pid=$!
        wait_for grep -q ready "$out" || fail "container did not start"
        kill -TERM $pid
        local rc=0; wait $pid || rc=$?; assert_eq $rc 5 "exit status after SIGTERM"
        grep -q got-TERM "$out" || fail "SIGTERM not forwarded: $(cat "$out")"
}

t_hostname_defaults_to_machine_name() {
        local r
        r=$(copy_fixture busybox mybox)
        assert_eq "$(run_nb "$r" -- hostname)" mybox "default hostname"
        assert_eq "$(run_nb --hostname=other "$r" -- hostname)" other "--hostname"
        assert_eq "$(run_nb -M m2 "$r" -- hostname)" m2 "-M sets the hostname"
}

t_uid_map_is_the_picked_range() {
        local r map shift
        r=$(copy_fixture busybox)
        map=$(run_nb -M pick-test "$r" -- cat /proc/self/uid_map | awk '{print $1, $2, $3}')
        shift=$(expected_shift pick-test)
        assert_eq "$map" "0 $shift 65536" "uid_map"
        assert_eq "$(run_nb -M pick-test "$r" -- cat /proc/self/gid_map | awk '{print $1, $2, $3}')" "0 $shift 65536" "gid_map"
        assert_eq "$(run_nb --private-users=no "$r" -- cat /proc/self/uid_map | awk '{print $1, $2, $3}')" "0 0 4294967295" "--private-users=no"
        assert_eq "$(run_nb --private-users=identity "$r" -- cat /proc/self/uid_map | awk '{print $1, $2, $3}')" "0 0 65536" "identity"
        assert_eq "$(run_nb --private-users=1966080:65536 "$r" -- cat /proc/self/uid_map | awk '{print $1, $2, $3}')" "0 1966080 65536" "fixed range"
}

t_concurrent_containers_get_disjoint_ranges() {
        local r r2 a b out
        r=$(copy_fixture busybox)
        # Shift the tree first and copy it: both containers then try the same
        # first candidate (a tree itself is locked to one writer at a time).
        run_nb -M first --private-users-ownership=chown "$r" -- true
        r2=$(test_tmp)/busybox-2
        cp -a "$r" "$r2"
        out=$(test_tmp)
        "$NIXBOX" run -q -M first --private-users-ownership=chown "$r" -- sh -c 'cat /proc/self/uid_map; sleep 3' >"$out/a" </dev/null &
        a=$!
        wait_for grep -q . "$out/a"
        run_nb -M second --private-users-ownership=chown "$r2" -- cat /proc/self/uid_map >"$out/b" || true
        wait $a
        a=$(awk '{print $2}' "$out/a"); b=$(awk '{print $2}' "$out/b")
        [ -n "$a" ] && [ -n "$b" ] || fail "no maps: a='$a' b='$b'"
        [ "$a" != "$b" ] || fail "both containers got range $a"
        # Same name twice at once is refused.
        "$NIXBOX" run -q -M dup "$r" -- sleep 2 </dev/null &
        a=$!
        sleep 0.5
        out=$(run_nb -M dup "$r" -- true 2>&1) && fail "second container named dup started" || true
        assert_match "$out" "already running" "refusal message"
        wait $a
}

# uid_base_of NAME: the host uid of container root in `nixbox run -M NAME`
# as seen by a command inside (empty when it did not start).
uid_base_of() { awk '{print $2}' <<<"$1"; }

# A fixed range (--private-users=BASE:SIZE) must be locked like a picked one:
# a second fixed range over it is refused, naming the holder; a pick whose
# first candidate is that range (a tree already owned by it) goes elsewhere;
# nspawn's lock file for it is held, so systemd-nspawn never picks it.
t_fixed_range_is_locked_against_other_containers() {
        local r r2 b a out map rc
        r=$(copy_fixture busybox); r2=$(copy_fixture busybox second)
        b=$(( (0x100 + $$ % 0x6000) * 65536 ))
        "$NIXBOX" run -q -M sec-fixa-$$ --private-users=$b:65536 "$r" -- sleep 100 </dev/null >"$TEST_TMP/a.log" 2>&1 &
        a=$!
        wait_for test -s "/run/nixbox-uid/$b" || { kill $a; fail "no lock file for the fixed range: $(cat "$TEST_TMP/a.log")"; }
        rc=0; flock -n "/run/systemd/nspawn-uid/$b" true || rc=$?
        rc2=0; out=$(run_nb -M sec-fixb-$$ --private-users=$((b + 4096)):65536 "$r2" -- true 2>&1) || rc2=$?
        chown "$b:$b" "$r2"
        map=$(run_nb -M sec-fixp-$$ "$r2" -- cat /proc/self/uid_map 2>&1)
        kill -TERM $a; wait $a || true
        assert_eq $rc 1 "nspawn's lock file for $b is held"
        [ $rc2 -ne 0 ] || fail "an overlapping fixed range started"
        assert_match "$out" "overlaps the range of running container sec-fixa-$$ \\($b\\.\\.$((b + 65535))\\)" "refusal"
        [ -n "$(uid_base_of "$map")" ] || fail "pick container did not start: $map"
        [ "$(uid_base_of "$map")" != "$b" ] || fail "pick container got the running fixed range $b"
        [ ! -e "/run/nixbox-uid/$b" ] && [ ! -e "/run/systemd/nspawn-uid/$b" ] || fail "locks left after the end"
}

# A running systemd-nspawn holds /run/systemd/nspawn-uid/BASE for its
# range (played here by flock on such a file): nixbox must keep off it.
t_nspawn_range_lock_is_respected() {
        local r name c f map out rc=0
        r=$(copy_fixture busybox); name=sec-nsp-$$
        c=$(expected_shift "$name")
        mkdir -p /run/systemd/nspawn-uid
        f=/run/systemd/nspawn-uid/$c
        exec 8>"$f"
        flock -n 8 || fail "cannot lock $f"
        map=$(run_nb -M "$name" "$r" -- cat /proc/self/uid_map 2>&1)
        out=$(run_nb -M "$name-fixed" --private-users=$c:65536 "$r" -- true 2>&1) || rc=$?
        rm -f "$f"; exec 8>&-
        [ -n "$(uid_base_of "$map")" ] || fail "did not start: $map"
        [ "$(uid_base_of "$map")" != "$c" ] || fail "picked $c, the range systemd-nspawn holds"
        [ $rc -ne 0 ] || fail "a fixed range held by systemd-nspawn started"
        assert_match "$out" "systemd-nspawn \\(lock $f\\)" "refusal"
}

# A range delegated to a user in /etc/subuid is that user's: pick skips it;
# a fixed range over it starts with a warning.
t_subuid_range_is_skipped_by_pick() {
        local r name c map out tag=nixbox-test-$$
        r=$(copy_fixture busybox); name=sec-subuid-$$
        c=$(expected_shift "$name")
        echo "$tag:$c:65536" >>/etc/subuid
        map=$(run_nb -M "$name" "$r" -- cat /proc/self/uid_map 2>&1) || true
        out=$("$NIXBOX" run -M "$name" --private-users=$c:65536 "$r" -- true 2>&1 </dev/null) || true
        # Put the file back (same inode) before judging.
        grep -v "^$tag:" /etc/subuid >"$TEST_TMP/subuid" || true
        cat "$TEST_TMP/subuid" >/etc/subuid
        [ -n "$(uid_base_of "$map")" ] || fail "did not start: $map"
        [ "$(uid_base_of "$map")" != "$c" ] || fail "picked $c, delegated to $tag in /etc/subuid"
        assert_match "$out" "overlaps the range of $tag in /etc/subuid" "warning for a fixed range"
}

t_files_created_inside_are_shifted_in_chown_mode() {
        local r shift
        r=$(copy_fixture busybox)
        shift=$(expected_shift chowned)
        run_nb -M chowned --private-users-ownership=chown "$r" -- sh -c 'touch /root/new; mkdir -p /root/d'
        assert_eq "$(stat -c %u:%g "$r/root/new")" "$shift:$shift" "owner of a new file on the host"
        assert_eq "$(stat -c %u "$r/bin/busybox")" "$shift" "owner of an existing file after the shift"
        assert_eq "$(stat -c %u "$r")" "$shift" "owner of the root directory"
        # Inside, they belong to root.
        assert_eq "$(run_nb -M chowned --private-users-ownership=chown "$r" -- stat -c %u /root/new)" 0 "owner inside"
}

t_files_created_inside_are_root_owned_in_idmap_mode() {
        local r
        r=$(copy_fixture busybox)
        run_nb -M mapped --private-users-ownership=map "$r" -- sh -c 'touch /root/new' || fail "idmapped run failed"
        assert_eq "$(stat -c %u:%g "$r/root/new")" "0:0" "owner of a new file on the host"
        assert_eq "$(stat -c %u "$r/bin/busybox")" 0 "image not chowned"
        assert_eq "$(run_nb -M mapped "$r" -- stat -c %u /bin/busybox)" 0 "owner seen inside"
        grep -q idmapped <<<"$(run_nb -M mapped "$r" -- cat /proc/self/mountinfo | head -1)" || fail "root is not idmapped"
}

t_setuid_bits_survive_the_shift() {
        local r
        r=$(copy_fixture busybox)
        cp "$r/bin/busybox" "$r/bin/suid-prog"; chmod 4755 "$r/bin/suid-prog"
        ln "$r/bin/suid-prog" "$r/bin/suid-link"
        run_nb -M suid --private-users-ownership=chown "$r" -- true
        assert_eq "$(stat -c %a "$r/bin/suid-prog")" 4755 "mode after the shift"
        assert_eq "$(stat -c %u "$r/bin/suid-link")" "$(expected_shift suid)" "hard link shifted once"
}

t_device_nodes() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb "$r" -- sh -c 'for n in null zero full random urandom tty; do stat -c "%n %F %a %t:%T" /dev/$n; done; readlink /dev/ptmx; readlink /dev/fd; readlink /dev/stdout; ls /dev/kmsg 2>&1; echo x >/dev/null && echo null-ok; head -c 4 /dev/zero | wc -c')
        for n in "null character special file 666 1:3" "zero character special file 666 1:5" "full character special file 666 1:7" \
                 "random character special file 666 1:8" "urandom character special file 666 1:9" "tty character special file 666 5:0"; do
                grep -qx "/dev/$n" <<<"$out" || fail "device node: /dev/$n missing in: $out"
        done
        grep -qx pts/ptmx <<<"$out" || fail "/dev/ptmx link"
        grep -qx /proc/self/fd <<<"$out" || fail "/dev/fd link"
        grep -q 'kmsg: No such file' <<<"$out" || fail "/dev/kmsg must not exist"
        grep -qx null-ok <<<"$out" || fail "/dev/null not writable"
        out=$(run_nb "$r" -- sh -c 'grep -E " /dev/(pts|shm|mqueue) " /proc/self/mountinfo | awk "{print \$5, \$9}"')
        assert_eq "$out" "$(printf '/dev/shm tmpfs\n/dev/pts devpts\n/dev/mqueue mqueue')" "dev mounts"
}

t_proc_sys_and_sys_are_read_only() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb "$r" -- sh -c 'echo x > /proc/sys/kernel/domainname 2>/dev/null && echo proc-sys-writable;
                                     echo 1 > /proc/sys/net/ipv4/ip_forward && echo net-ok;
                                     touch /sys/x 2>/dev/null && echo sys-writable;
                                     grep " /sys " /proc/self/mountinfo | grep -q " ro," && echo sys-ro;
                                     grep " /sys/fs/cgroup " /proc/self/mountinfo | awk "{print \$9}"')
        grep -q proc-sys-writable <<<"$out" && fail "/proc/sys is writable"
        grep -q sys-writable <<<"$out" && fail "/sys is writable"
        grep -qx net-ok <<<"$out" || fail "/proc/sys/net not writable with a private network"
        grep -qx sys-ro <<<"$out" || fail "/sys not mounted read-only"
        grep -qx cgroup2 <<<"$out" || fail "no cgroup2 at /sys/fs/cgroup: $out"
}

t_masked_proc_entries_are_unreadable() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb "$r" -- sh -c 'for f in kallsyms kcore keys sysrq-trigger timer_list; do [ -e /proc/$f ] || continue; cat /proc/$f >/dev/null 2>&1 && echo "$f readable"; echo "$f checked"; done')
        grep -q readable <<<"$out" && fail "masked entries readable: $out"
        grep -q checked <<<"$out" || fail "no masked entry found to check"
}

t_network_has_only_lo() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb "$r" -- sh -c 'ls /sys/class/net; cat /sys/class/net/lo/flags')
        assert_eq "$out" "$(printf 'lo\n0x9')" "links (lo up)"
        out=$(run_nb --share-network "$r" -- ls /sys/class/net | tr '\n' ' ')
        assert_eq "$out" "$(ls /sys/class/net | tr '\n' ' ')" "links with --share-network"
}

t_bind_mounts_and_tmpfs() {
        local r d out
        r=$(copy_fixture busybox); d=$(test_tmp)
        mkdir -p "$d/rw" "$d/ro"; echo hello >"$d/ro/file"
        out=$(run_nb --private-users=no --bind="$d/rw:/mnt/rw" --bind-ro="$d/ro:/mnt/ro" --tmpfs=/scratch:mode=0700 "$r" -- \
                sh -c 'echo data >/mnt/rw/new; cat /mnt/ro/file; echo x >/mnt/ro/other 2>/dev/null && echo ro-writable; stat -c %a /scratch; grep " /scratch " /proc/self/mountinfo | awk "{print \$9}"')
        assert_eq "$(cat "$d/rw/new")" data "write through --bind"
        grep -qx hello <<<"$out" || fail "read through --bind-ro: $out"
        grep -q ro-writable <<<"$out" && fail "--bind-ro is writable"
        grep -qx 700 <<<"$out" || fail "tmpfs mode: $out"
        grep -qx tmpfs <<<"$out" || fail "tmpfs not mounted: $out"
        [ ! -e "$d/ro/other" ] || fail "file appeared in the read-only source"
}

t_read_only_root() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb --read-only "$r" -- sh -c 'touch /x 2>/dev/null && echo root-writable; touch /tmp/x && echo tmp-ok')
        grep -q root-writable <<<"$out" && fail "root writable with --read-only"
        grep -qx tmp-ok <<<"$out" || fail "/tmp not writable with --read-only"
        [ ! -e "$r/x" ] || fail "file created in a read-only root"
}

t_symlink_escapes_cannot_touch_the_host() {
        local r d out
        r=$(copy_fixture busybox); d=$(test_tmp)
        mkdir -p "$d/host-target" "$d/src"
        # A bind target that is an absolute symlink to a host path.
        ln -s "$d/host-target" "$r/mnt-link"
        run_nb --private-users=no --bind="$d/src:/mnt-link" "$r" -- true || fail "bind onto an in-root symlink failed"
        grep -q "$d/host-target" /proc/self/mountinfo && fail "host path was mounted on"
        [ -z "$(ls -A "$d/host-target")" ] || fail "host target was written"
        # /dev as a symlink to the host's /dev is refused.
        r=$(copy_fixture busybox bb-dev)
        rm -rf "$r/dev"; ln -s /dev "$r/dev"
        out=$(run_nb "$r" -- true 2>&1) && fail "a root with /dev -> /dev started" || true
        assert_match "$out" "/dev .*symlink" "refusal names /dev"
        # /etc as a symlink to a host directory: its machine-id is not used.
        r=$(copy_fixture busybox bb-etc)
        mkdir -p "$d/fake-etc"; echo 0123456789abcdef0123456789abcdef >"$d/fake-etc/machine-id"
        cp -a "$r/etc/." "$d/fake-etc/" 2>/dev/null; rm -rf "$r/etc"; ln -s "$d/fake-etc" "$r/etc"
        out=$(run_nb "$r" -- sh -c 'echo $container_uuid')
        [ "$out" != "01234567-89ab-cdef-0123-456789abcdef" ] || fail "the host's machine-id leaked through /etc"
}

t_errors_are_one_line_and_leave_nothing() {
        local r out rc
        r=$(copy_fixture busybox)
        rc=0; out=$("$NIXBOX" run /nonexistent -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit for a missing root"
        assert_eq "$(wc -l <<<"$out")" 1 "one line"; assert_match "$out" "/nonexistent" "names the root"
        rc=0; out=$("$NIXBOX" run /etc/passwd -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit for a root that is a file"; assert_match "$out" "Not a directory" "says why"
        rc=0; out=$(run_nb "$r" -- /no/such/command 2>&1) || rc=$?
        assert_eq $rc 127 "exit for a missing command"
        assert_eq "$out" "nixbox: execute /no/such/command (in $r): No such file or directory" "message"
        rc=0; out=$(run_nb "$r" -- /etc/passwd 2>&1) || rc=$?
        assert_eq $rc 126 "exit for a non-executable command"
        rc=0; out=$(run_nb --bind=/no/such/source:/mnt "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit for a bad bind"
        assert_match "$out" "bind /no/such/source on /mnt" "message names the step and path"
        rc=0; out=$("$NIXBOX" run --no-such-option "$r" 2>&1) || rc=$?
        assert_eq $rc 125 "exit for a bad option"
}

t_killed_nixbox_leaves_nothing() {
        local r pid i
        r=$(copy_fixture busybox)
        local marker=$((100000 + RANDOM))
        "$NIXBOX" run -q -M killed "$r" -- sleep $marker </dev/null &
        pid=$!
        wait_for test -d "$CG2/nixbox/killed/payload" || fail "container did not start"
        sleep 0.3
        local guard; guard=$(pgrep -P $pid -x nixbox-guard || true)
        kill -9 $pid; wait $pid 2>/dev/null || true
        for i in $(seq 50); do pgrep -xf "sleep $marker" >/dev/null || break; sleep 0.1; done
        [ -z "$guard" ] || wait_for test ! -e /proc/$guard || fail "guard $guard did not end"
        pgrep -xf "sleep $marker" && fail "container process survived its nixbox"
        grep -q "$r" /proc/self/mountinfo && fail "mounts left on the host"
        # The next run cleans the stale cgroup.
        run_nb -M other "$r" -- true
        [ ! -d "$CG2/nixbox/killed" ] || fail "stale cgroup not removed by the next run"
}

t_cgroup_layout() {
        local r out
        r=$(copy_fixture busybox)
        [ -n "$CG2" ] || skip "no cgroup2 mount on this host"
        out=$(run_nb -M cgt "$r" -- sh -c 'cat /proc/self/cgroup; ls -n -d /sys/fs/cgroup | awk "{print \$3}"; cat /sys/fs/cgroup/cgroup.procs | wc -l')
        assert_eq "$(grep "^0::" <<<"$out")" "0::/" "cgroup namespace rooted at payload/"
        out=$(grep -v ":" <<<"$out")
        assert_eq "$(sed -n 1p <<<"$out")" 0 "payload/ delegated to the container's root"
        [ ! -d "$CG2/nixbox/cgt" ] || fail "cgroup not removed at exit"
}
