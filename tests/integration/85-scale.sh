# SPDX-License-Identifier: LGPL-2.1-or-later
# Many containers at once on one host with its default sysctls: each
# container's user namespace is owned by its own shift UID, so the per-user
# limits the kernel charges to a namespace's owner (inotify instances,
# namespace counts) are per container, not all shared by host root; a mass
# boot of NixOS-shaped systems reaches READY=1 and leaves nothing behind.

# stop_machine NAME: SIGTERM to its supervisor, then wait until it is gone.
stop_machine() {
        local pid
        pid=$(sed -n 's/^SUPERVISOR=//p' "/run/nixbox/$1/state" 2>/dev/null)
        [ -n "$pid" ] || return 0
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        return 1
}

# ns_owner PID: the owner UID of PID's user namespace (ioctl NS_GET_OWNER_UID).
ns_owner() {
        python3 -c '
import fcntl, os, struct, sys
fd = os.open("/proc/%s/ns/user" % sys.argv[1], os.O_RDONLY)
b = bytearray(4)
fcntl.ioctl(fd, 0xb704, b)
print(struct.unpack("I", b)[0])' "$1"
}

t_user_namespace_is_owned_by_the_shift() {
        local r d pid owner shift
        r=$(copy_fixture busybox); d=$(test_tmp)
        "$NIXBOX" run -q -d -M sc-owner "$r" -- sh -c 'cat /proc/self/uid_map >/uid-map; while :; do sleep 1; done' \
                </dev/null >/dev/null || fail "detach failed"
        wait_for test -s "$r/uid-map" || { stop_machine sc-owner; fail "no uid_map written"; }
        pid=$(sed -n 's/^LEADER=//p' /run/nixbox/sc-owner/state)
        owner=$(ns_owner "$pid") || { stop_machine sc-owner; fail "NS_GET_OWNER_UID failed"; }
        shift=$(awk '{ print $2 }' "$r/uid-map")
        stop_machine sc-owner || fail "sc-owner did not stop"
        [ "$shift" != 0 ] || fail "no shift: $(cat "$r/uid-map")"
        assert_eq "$owner" "$shift" "owner of the container's user namespace"
}

# Without a user namespace there is no shift to own anything: the namespaces
# stay host root's.
t_no_user_namespace_keeps_host_root() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb --private-users=no -M sc-nouserns "$r" -- sh -c 'cat /proc/self/uid_map') || fail "run failed"
        assert_match "$out" "^ +0 +0 +4294967295" "uid_map"
}

# Two containers hold 100 inotify instances each: 200 in all, more than the
# default fs.inotify.max_user_instances (128) of one user. With both user
# namespaces owned by host root the second gets at most 28; owned by their
# shifts, each has its own 128.
t_inotify_instances_are_charged_per_container() {
        local a b max
        max=$(cat /proc/sys/fs/inotify/max_user_instances)
        [ "$max" -lt 200 ] || skip "fs.inotify.max_user_instances is $max: two holders of 100 cannot exceed it"
        a=$(copy_fixture busybox sc-ino-a); b=$(copy_fixture busybox sc-ino-b)
        cp "$BUILD/tests/helpers/inotify-hold" "$a/bin/"
        cp "$BUILD/tests/helpers/inotify-hold" "$b/bin/"
        "$NIXBOX" run -q -d -M sc-ino-a "$a" -- /bin/inotify-hold 100 /held </dev/null >/dev/null || fail "detach a failed"
        wait_for test -s "$a/held" || { stop_machine sc-ino-a; fail "a: no result"; }
        "$NIXBOX" run -q -d -M sc-ino-b "$b" -- /bin/inotify-hold 100 /held </dev/null >/dev/null || { stop_machine sc-ino-a; fail "detach b failed"; }
        wait_for test -s "$b/held" || true
        stop_machine sc-ino-a || fail "sc-ino-a did not stop"
        stop_machine sc-ino-b || fail "sc-ino-b did not stop"
        assert_eq "$(cat "$a/held")" "held 100" "first container"
        assert_eq "$(cat "$b/held" 2>/dev/null)" "held 100" "second container"
}

# 40 NixOS-shaped systems (stage-2, then systemd; about 8 inotify
# instances each, 320 in all) booted at once from one ephemeral tree, with
# the host's default sysctls: all reach READY=1 (run -d returns 0 only
# then), all stop on SIGTERM, and nothing of them is left (the runner's
# leak check covers cgroups, mounts, locks and processes; links here).
t_forty_nixos_containers_boot_at_once() {
        local r d i n=40 failed=0 links rc
        [ -n "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        r=$(copy_fixture nixos); d=$(test_tmp)
        links=$(ip -o link | wc -l)
        for i in $(seq $n); do
                { rc=0; timeout 300 "$NIXBOX" run -q -d -x -b -M "sc-many-$i" "$r" </dev/null >/dev/null 2>"$d/err-$i" || rc=$?
                  echo $rc >"$d/rc-$i"; } &
        done
        wait
        for i in $(seq $n); do
                [ "$(cat "$d/rc-$i")" = 0 ] && grep -q '^STATE=running' "/run/nixbox/sc-many-$i/state" 2>/dev/null && continue
                failed=$((failed + 1))
                echo "sc-many-$i: exit $(cat "$d/rc-$i"), $(grep STATE= "/run/nixbox/sc-many-$i/state" 2>/dev/null): $(tail -5 "$d/err-$i")"
        done
        for i in $(seq $n); do stop_machine "sc-many-$i" & done
        wait
        for i in $(seq $n); do
                [ ! -e "/run/nixbox/sc-many-$i" ] || fail "sc-many-$i: state left behind"
        done
        assert_eq "$failed" 0 "containers that did not reach READY=1"
        assert_eq "$(ip -o link | wc -l)" "$links" "network links"
}
