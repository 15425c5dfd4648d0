# SPDX-License-Identifier: LGPL-2.1-or-later
# Nested operation: nixbox as root of a user namespace that maps only part
# of the ID space (a CI container, rootless podman, LXD, nixbox itself):
# pick stays inside the map (or explains), device nodes are bound when
# mknod is refused, an unwritable cgroup2 is a warning; and the visible
# cgroup2 is used when one is over-mounted or shows a subtree.

NESTED_BASE=$((0x7A000000))     # host IDs of the sandboxes (outside nspawn's pick window)
NESTED_OUTER=$((0x7B000000))    # host IDs of the outer container with a large fixed range

# in_sandbox COUNT CMD...: runs CMD as root of a fresh user namespace mapping
# its 0..COUNT-1 to host NESTED_BASE.., with its own mount and PID
# namespaces, /proc and /run, as a CI container would be (the map is
# written from outside, as newuidmap would).
in_sandbox() {
        local count=$1 pid i rc=0; shift
        unshare --user sleep 600 &
        pid=$!
        for i in $(seq 100); do
                [ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
                sleep 0.05
        done
        if ! { echo "0 $NESTED_BASE $count" >/proc/$pid/uid_map && echo "0 $NESTED_BASE $count" >/proc/$pid/gid_map; }; then
                kill $pid; wait $pid 2>/dev/null
                fail "write the sandbox's maps"
                return 1
        fi
        nsenter -t $pid -U -- unshare -m -p -f --mount-proc sh -c 'mount -t tmpfs tmpfs /run && exec "$@"' _ "$@" || rc=$?
        kill $pid; wait $pid 2>/dev/null || true
        return $rc
}

# sandbox_tree: a busybox copy owned by the sandbox's root (its IDs must be
# mapped there for nixbox to shift them), reachable from the sandbox.
sandbox_tree() {
        local r
        r=$(copy_fixture busybox "${1:-nested}")
        chmod 711 "$(test_tmp)"
        chown -R "$NESTED_BASE:$NESTED_BASE" "$r"
        echo "$r"
}

t_nested_sandbox_pick_stays_inside_the_map() {
        local r err out rc=0
        r=$(sandbox_tree)
        err=$(test_tmp)/err
        # 0x90000 IDs: the one aligned 64K range at or above 0x80000 fits.
        # The sandbox tree sits below a 0711 directory (the sandbox root must
        # traverse it): reachable by others, so trusted explicitly here.
        out=$(in_sandbox $((0x90000)) "$NIXBOX" run -q -M nested-sb --trust-tree "$r" -- \
                sh -c 'cat /proc/self/uid_map /proc/self/gid_map; test -c /dev/null && echo x >/dev/null && echo null-ok; exit 3' \
                </dev/null 2>"$err") || rc=$?
        assert_eq $rc 3 "exit status inside the sandbox ($(cat "$err"))"
        assert_eq "$(sed -n 1p <<<"$out" | awk '{print $1, $2, $3}')" "0 524288 65536" "uid_map: a range inside the sandbox's map"
        assert_eq "$(sed -n 2p <<<"$out" | awk '{print $1, $2, $3}')" "0 524288 65536" "gid_map"
        grep -qx null-ok <<<"$out" || fail "/dev/null (bound from the sandbox's /dev) unusable: $out"
        # cgroup2 belongs to the real root: a warning, not a failure.
        grep -q 'warning: create cgroup .*Permission denied: running without a cgroup' "$err" || fail "no cgroup warning: $(cat "$err")"
        # The tree's files are now owned by the picked range (host IDs).
        assert_eq "$(stat -c %u "$r/bin")" $((NESTED_BASE + 0x80000)) "owner of the shifted tree on the host"
}

t_nested_sandbox_too_small_map_explains() {
        local r err rc=0
        r=$(sandbox_tree)
        err=$(test_tmp)/err
        in_sandbox 65536 "$NIXBOX" run -q -M nested-sb "$r" -- true </dev/null 2>"$err" || rc=$?
        assert_eq $rc 125 "pick with a 64K map"
        grep -q 'maps only uid_map 0-65535, gid_map 0-65535, and no 65536-ID range' "$err" || fail "no explanation: $(cat "$err")"
        rc=0
        in_sandbox 65536 "$NIXBOX" run -q -M nested-sb --private-users=100:65536 "$r" -- true </dev/null 2>"$err" || rc=$?
        assert_eq $rc 125 "a fixed range beyond the map"
        grep -q 'fixed UID range 100:65536 is not inside the IDs mapped into nixbox.s own user namespace (uid_map 0-65535' "$err" ||
                fail "no explanation for the fixed range: $(cat "$err")"
        # What fits: the namespace's own IDs.
        rc=0
        out=$(in_sandbox 65536 "$NIXBOX" run -q -M nested-sb --private-users=identity "$r" -- sh -c 'cat /proc/self/uid_map; exit 4' \
                </dev/null 2>"$err") || rc=$?
        assert_eq $rc 4 "identity inside a 64K map ($(cat "$err"))"
        assert_eq "$(awk '{print $1, $2, $3}' <<<"$out")" "0 0 65536" "uid_map with identity"
}

# outer_tree: a busybox tree holding build/nixbox, the libraries it links
# and an inner tree at /inner (a copy of fixture $1).
outer_tree() {
        local o lib
        o=$(copy_fixture busybox nested-outer)
        mkdir -p "$o/usr/bin"
        cp "$NIXBOX" "$o/usr/bin/nixbox"
        for lib in $(ldd "$NIXBOX" | grep -o '/lib[^ ]*'); do
                mkdir -p "$o$(dirname "$lib")"
                cp -L "$lib" "$o$lib"
        done
        rmdir "$o/inner" 2>/dev/null || true
        case $1 in
        busybox) cp -a --reflink=auto "$BUSYBOX_ROOT" "$o/inner" ;;
        debian) [ -n "${DEBIAN_ROOT:-}" ] || skip "debian fixture unavailable"; cp -a --reflink=auto "$DEBIAN_ROOT" "$o/inner" ;;
        esac
        echo "$o"
}

t_nested_nixbox_in_nixbox_runs() {
        local o out rc=0
        o=$(outer_tree busybox)
        # An outer container with 65536 IDs (pick): the inner pick cannot
        # fit and says so; the inner run with the outer's own IDs works.
        out=$(run_nb -M nested-outer "$o" -- sh -c '
                nixbox run -q -M nested-in /inner -- true 2>/err; echo pick=$?; cat /err
                nixbox run -q -M nested-in --private-users=identity /inner -- sh -c "echo inner >/root/written; exit 6"; echo identity=$?' 2>&1) || rc=$?
        assert_eq $rc 0 "outer exit status ($out)"
        grep -q '^pick=125$' <<<"$out" || fail "inner pick in a 64K container: $out"
        grep -q 'maps only uid_map 0-65535' <<<"$out" || fail "inner pick does not explain: $out"
        grep -q '^identity=6$' <<<"$out" || fail "inner run: $out"
        assert_eq "$(cat "$o/inner/root/written")" inner "file the inner container wrote"
        # An outer container with a larger fixed range: the inner pick fits.
        rc=0
        out=$(run_nb -M nested-outer --private-users=$NESTED_OUTER:$((0x90000)) "$o" -- \
                nixbox run -q -M nested-in --trust-tree /inner -- sh -c 'cat /proc/self/uid_map; exit 5' 2>/dev/null) || rc=$?
        assert_eq $rc 5 "inner exit status through the outer"
        assert_eq "$(awk '{print $1, $2, $3}' <<<"$out")" "0 524288 65536" "inner uid_map (outer's IDs)"
}

t_nested_nixbox_in_nixbox_boots_debian() {
        local o out rc=0
        o=$(outer_tree debian)
        mkdir -p "$o/inner/etc/systemd/system"
        cat >"$o/inner/etc/systemd/system/nested-status.service" <<'UNIT'
[Unit]
After=multi-user.target
[Service]
Type=simple
ExecStart=/bin/sh -c "echo STATE=$(systemctl is-system-running --wait) >/nixbox-test-state; systemctl --failed --no-legend --plain | sed s/^/FAILED-UNIT=/ >>/nixbox-test-state; systemctl --no-block poweroff"
UNIT
        out=$(timeout 150 "$NIXBOX" run -q -M nested-outer "$o" -- \
                nixbox run -q -M nested-in --private-users=identity -b /inner -- systemd.wants=nested-status.service </dev/null 2>&1) || rc=$?
        assert_eq $rc 0 "inner boot's exit status (poweroff): $(tail -5 <<<"$out")"
        grep -q '^STATE=running' "$o/inner/nixbox-test-state" || fail "inner system not running: $(cat "$o/inner/nixbox-test-state")"
        if grep -q FAILED-UNIT "$o/inner/nixbox-test-state"; then fail "failed units: $(cat "$o/inner/nixbox-test-state")"; fi
}

t_cgroup2_overmounted_the_visible_one_is_used() {
        local r out err rc=0
        r=$(copy_fixture busybox nested-cg)
        err=$(test_tmp)/err
        # A second cgroup2 on /sys/fs/cgroup hides the hybrid tree and its
        # unified/ (the first cgroup2 line in mountinfo) in this namespace.
        out=$(unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' _ \
                "$NIXBOX" run -q -M nested-cg "$r" -- sh -c 'test -w /sys/fs/cgroup/cgroup.procs && echo own-cgroup; exit 2' \
                </dev/null 2>"$err") || rc=$?
        assert_eq $rc 2 "exit status ($(cat "$err"))"
        assert_eq "$out" own-cgroup "the container's delegated cgroup"
        if grep -q warning "$err"; then fail "warnings: $(cat "$err")"; fi
}

t_cgroup2_showing_a_subtree_is_used() {
        local r out err cg rc=0
        r=$(copy_fixture busybox nested-cg)
        err=$(test_tmp)/err
        [ -n "$CG2" ] || skip "no cgroup2"
        cg=$CG2/nested-sub-$$
        mkdir "$cg"
        # A bind of our own cgroup over the cgroup2 mount (root field
        # /nested-sub-N), as a container manager hands a subtree down.
        out=$(bash -c 'echo $$ >"$1/cgroup.procs"; exec unshare -m bash -c "mount --bind \"\$1\" \"\$2\" && shift 2 && exec \"\$@\"" _ "$@"' _ \
                "$cg" "$CG2" "$NIXBOX" run -q -M nested-cg "$r" -- sh -c 'test -w /sys/fs/cgroup/cgroup.procs && echo own-cgroup; exit 2' \
                </dev/null 2>"$err") || rc=$?
        local made=no; [ -d "$cg/nixbox" ] && made=yes
        find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        assert_eq $rc 2 "exit status ($(cat "$err"))"
        assert_eq "$out" own-cgroup "the container's delegated cgroup"
        if grep -q warning "$err"; then fail "warnings: $(cat "$err")"; fi
        assert_eq $made no "nixbox/ left in the subtree"
        # In a cgroup namespace below the mount's root, the inherited mount
        # shows "/..": nixbox cannot place itself and says why (not "no
        # cgroup2"), and runs without a cgroup.
        mkdir "$cg"
        rc=0
        sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec unshare -C "$@"' _ "$cg" \
                "$NIXBOX" run -q -M nested-cg "$r" -- true </dev/null 2>"$err" || rc=$?
        find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
        assert_eq $rc 0 "exit status in a cgroup namespace ($(cat "$err"))"
        grep -q 'shows cgroup /\.\..*running without a cgroup' "$err" || fail "no explaining warning: $(cat "$err")"
}

# A per-owner namespace limit reached (here: none left in the sandbox's
# user.max_pid_namespaces) is named, with its sysctl, not an obscure errno.
t_nested_namespace_limit_is_named() {
        local r err rc=0
        r=$(sandbox_tree nested-limit)
        err=$(test_tmp)/err
        in_sandbox $((0x90000)) sh -c 'echo 0 >/proc/sys/user/max_pid_namespaces && exec "$@"' _ \
                "$NIXBOX" run -q -M nested-limit --trust-tree "$r" -- true </dev/null 2>"$err" || rc=$?
        assert_eq $rc 125 "exit status ($(cat "$err"))"
        grep -q "create the container's namespaces (clone3): a namespace count limit was reached (sysctls user.max_user_namespaces, user.max_pid_namespaces" "$err" ||
                fail "limit not named: $(cat "$err")"
}
