# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn compatibility: nixbox against Debian's systemd-nspawn 252 on the
# same trees (run_nspawn gives nspawn the pure cgroup v2 view it needs here),
# and nspawn's command lines run through nixbox invoked as systemd-nspawn.

# The UID range picked for a machine name is nspawn's, for names whose hash
# lands inside the window (nc-nixos) and outside it (nc-bb); before the fix
# the first kind differed by exactly 0x80000. Each run gets its own
# root-owned copy: a tree already shifted is reused by both, which would
# hide the hash.
t_pick_matches_systemd_nspawn() {
        local n r nb ns
        command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
        for n in nixos bb; do
                r=$(copy_fixture busybox "nb-$n")
                nb=$(run_nb -M "nc-$n" --private-users=pick "$r" -- cat /proc/self/uid_map | awk '{ print $2 }')
                r=$(copy_fixture busybox "ns-$n")
                ns=$(run_nspawn -q -U -M "nc-$n" -D "$r" /bin/cat /proc/self/uid_map | awk '{ print $2 }')
                assert_eq "$nb" "$ns" "base picked for nc-$n (nixbox vs systemd-nspawn)"
                assert_eq "$nb" "$(expected_shift "nc-$n")" "base picked for nc-$n (nixbox vs tests/uid-pick.py)"
        done
}

# The payload's RLIMIT_NOFILE is nspawn's (soft 1024, hard min(nr_open, 512K)
# or the closest the caller may set), not the caller's soft limit; an
# explicit --rlimit still wins.
t_rlimit_nofile_as_nspawn() {
        local r hard want nb
        r=$(copy_fixture busybox)
        hard=$(ulimit -Hn)
        want=$(( $(cat /proc/sys/fs/nr_open) < 524288 ? $(cat /proc/sys/fs/nr_open) : 524288 ))
        # Without CAP_SYS_RESOURCE (this host's bounding set) the hard limit cannot rise.
        capsh --has-p=cap_sys_resource 2>/dev/null || { [ "$hard" = unlimited ] || [ "$hard" -ge "$want" ] || want=$hard; }
        nb=$(ulimit -Sn 50; run_nb "$r" -- sh -c 'echo $(ulimit -Sn):$(ulimit -Hn)')
        assert_eq "$nb" "1024:$want" "RLIMIT_NOFILE of the payload (caller's soft limit 50)"
        nb=$(run_nb --rlimit=RLIMIT_NOFILE=77:88 "$r" -- sh -c 'echo $(ulimit -Sn):$(ulimit -Hn)')
        assert_eq "$nb" "77:88" "RLIMIT_NOFILE given by --rlimit"
        if command -v systemd-nspawn >/dev/null; then
                r=$(copy_fixture busybox ns)
                assert_eq "$(ulimit -Sn 50; run_nspawn -q -D "$r" /bin/sh -c 'echo $(ulimit -Sn):$(ulimit -Hn)' | tr -d '\r')" "1024:$want" \
                        "RLIMIT_NOFILE under systemd-nspawn"
        fi
}

# tree_sum DIR: one checksum of every name, type, mode, owner, size, mtime,
# symlink target and file content under DIR.
tree_sum() {
        (
                cd "$1"
                find . -printf '%p %y %m %U:%G %s %T@ %l\n' | LC_ALL=C sort
                find . -type f -exec sha256sum {} + | LC_ALL=C sort
        ) | sha256sum | cut -d' ' -f1
}

# --read-only leaves the image byte for byte as it was, in every network
# mode (with the host's network a resolv.conf copy used to be written into
# it; now the host's file is bound over the image's, as nspawn does).
t_read_only_leaves_tree_untouched() {
        local r before mode out
        r=$(copy_fixture busybox)
        echo "nameserver 192.0.2.53" >"$r/etc/resolv.conf"
        before=$(tree_sum "$r")
        for mode in --share-network --private-network --network-veth "--resolv-conf=copy-host --share-network" \
                "--resolv-conf=delete --share-network" "--resolv-conf=bind-host --share-network"; do
                # shellcheck disable=SC2086
                out=$(run_nb --read-only -M nc-ro $mode "$r" -- cat /etc/resolv.conf 2>&1) || fail "--read-only $mode: $out"
                assert_eq "$(tree_sum "$r")" "$before" "checksum of the tree after --read-only $mode"
        done
        # With the host's network the payload still sees the host's resolv.conf.
        out=$(run_nb --read-only --share-network "$r" -- cat /etc/resolv.conf)
        assert_eq "$out" "$(cat /etc/resolv.conf)" "resolv.conf seen with --read-only --share-network"
}

# nspawn_link: a systemd-nspawn symlink to nixbox in the scratch dir; prints it.
nspawn_link() {
        ln -sf "$NIXBOX" "$TEST_TMP/systemd-nspawn"
        echo "$TEST_TMP/systemd-nspawn"
}

# Invoked as systemd-nspawn, nixbox takes nspawn's defaults: no user
# namespace, the host's network, the command as PID 1 (-a: PID 2), a login
# shell without a command, the tree from -D or the current directory, and
# nspawn's exit codes (the payload's, 1 for its own failures); invoked as
# nixbox, the same tree keeps nixbox's defaults.
t_nspawn_mode_defaults() {
        local r ns out rc
        r=$(copy_fixture busybox)
        ns=$(nspawn_link)
        out=$("$ns" -q -D "$r" --trust-tree sh -c 'echo $$; cat /proc/self/uid_map; readlink /proc/self/ns/net' </dev/null)
        assert_eq "$(sed -n 1p <<<"$out")" 1 "the command's PID (nspawn mode)"
        assert_match "$(sed -n 2p <<<"$out")" '^ *0 +0 +4294967295$' "uid_map (nspawn mode: no user namespace)"
        assert_eq "$(sed -n 3p <<<"$out")" "$(readlink /proc/self/ns/net)" "network namespace (nspawn mode: the host's)"
        assert_eq "$("$ns" -q -D "$r" --trust-tree -a sh -c 'echo $$' </dev/null)" 2 "the command's PID with -a"
        out=$("$ns" -q -D "$r" -U --private-users-ownership=chown -M nc-mode cat /proc/self/uid_map </dev/null)
        assert_eq "$(awk '{ print $2 }' <<<"$out")" "$(expected_shift nc-mode)" "uid_map with -U"
        out=$(run_nb --private-users-ownership=chown "$r" -- sh -c 'echo $$; readlink /proc/self/ns/net')
        assert_eq "$(sed -n 1p <<<"$out")" 2 "the command's PID (nixbox)"
        [ "$(sed -n 2p <<<"$out")" != "$(readlink /proc/self/ns/net)" ] || fail "nixbox shares the host's network by default"
        chown -R 0:0 "$r"
        # The current directory as the tree; a login shell without a command.
        assert_eq "$(cd "$r" && "$ns" -q --trust-tree pwd </dev/null)" / "pwd with the tree from the current directory"
        assert_eq "$(echo 'echo shell:$0; exit 4' | "$ns" -q -D "$r" --trust-tree; echo "rc=$?")" \
                "$(printf 'shell:/bin/sh\nrc=4')" "the shell without a command"
        # Exit codes: the payload's, 1 when nspawn (here: nixbox) fails.
        rc=0; "$ns" -q -D "$r" --trust-tree sh -c 'exit 7' </dev/null || rc=$?
        assert_eq $rc 7 "exit status of the payload"
        rc=0; "$ns" -q -D "$r/nonexistent" true </dev/null 2>/dev/null || rc=$?
        assert_eq $rc 1 "exit status when nixbox fails in nspawn mode"
        rc=0; "$ns" -q -D "$r" --image=x true </dev/null 2>/dev/null || rc=$?
        assert_eq $rc 1 "exit status of a refused option in nspawn mode"
        rc=0; run_nb --image=x "$r" true 2>/dev/null || rc=$?
        assert_eq $rc 125 "exit status of a refused option as nixbox"
}

# -M NAME without a ROOTFS runs the image of that name.
t_machine_name_finds_image() {
        local img=/var/lib/nixbox/nc-img-$$ out ns
        [ -n "${BUSYBOX_ROOT:-}" ] || skip "busybox fixture unavailable"
        mkdir -p /var/lib/nixbox
        cp -a "$BUSYBOX_ROOT" "$img"
        trap 'remove_tree "'"$img"'"; remove_tree "$TEST_TMP"' EXIT
        out=$("$NIXBOX" run -q --trust-tree -M "nc-img-$$" -- sh -c 'echo $(hostname)' </dev/null) || fail "run -M NAME: $out"
        assert_eq "$out" "nc-img-$$" "hostname of the image run by name"
        ns=$(nspawn_link)
        out=$("$ns" -q --trust-tree -M "nc-img-$$" sh -c 'echo $$' </dev/null) || fail "systemd-nspawn -M NAME: $out"
        assert_eq "$out" 1 "systemd-nspawn -M NAME runs the image"
        out=$("$NIXBOX" run -q -M nc-no-such-image </dev/null 2>&1) && fail "ran without an image"
        assert_match "$out" "no image named nc-no-such-image" "error without an image"
}

# Every option of the real systemd-nspawn's --help is known to nixbox:
# it parses, or it is refused naming itself and the reason, never as an
# unknown option.
t_every_nspawn_option_known() {
        local r opt out
        command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
        r=$(copy_fixture busybox)
        for opt in $(systemd-nspawn --help | grep -oE '^ +(-[a-zA-Z] )?--[a-z0-9-]+|^ +-[a-zA-Z] ' | grep -oE -- '--[a-z0-9-]+|-[a-zA-Z]' | sort -u); do
                case $opt in -h | --help | --version) continue ;; esac
                out=$("$NIXBOX" run --print-settings "$opt" "$r" </dev/null 2>&1 || true)
                [[ $out != *"neither nixbox nor systemd-nspawn"* ]] || fail "$opt unknown to nixbox: $out"
                [[ $out != *"unknown or incomplete option"* ]] || fail "$opt: a generic error: $out"
        done
}

# Device nodes: a bound node is allowed (read-only for --bind-ro), another
# stays EPERM, --property=DeviceAllow= allows one, DevicePolicy=strict
# drops even /dev/null. The nodes are made in the scratch dir (fuse's
# numbers, mode 0666), so no host device is touched.
t_device_nodes_passed_through() {
        local r d out
        r=$(copy_fixture busybox)
        d=$TEST_TMP/devs
        mkdir "$d"
        mknod -m 666 "$d/fuse" c 10 229
        out=$(run_nb --bind="$d/fuse:/dev/fuse" "$r" -- sh -c ': <>/dev/fuse && echo rw-ok' 2>&1)
        assert_eq "$out" rw-ok "open of a bound device node"
        out=$(run_nb --bind-ro="$d/fuse:/dev/fuse" "$r" -- sh -c ': </dev/fuse && echo r-ok; : <>/dev/fuse' 2>&1 || true)
        assert_match "$out" '^r-ok' "read of a read-only bound node"
        assert_match "$out" 'Operation not permitted' "write of a read-only bound node"
        out=$(run_nb --bind="$d:/mnt/devs" "$r" -- sh -c ': </mnt/devs/fuse' 2>&1 || true)
        assert_match "$out" 'Operation not permitted' "a node that is not bound itself"
        out=$(run_nb --bind="$d:/mnt/devs" --property="DeviceAllow=$d/fuse rw" "$r" -- sh -c ': <>/mnt/devs/fuse && echo ok' 2>&1)
        assert_eq "$out" ok "a node allowed with --property=DeviceAllow="
        out=$(run_nb --property=DevicePolicy=strict "$r" -- sh -c ': </dev/null' 2>&1 || true)
        assert_match "$out" 'Operation not permitted' "/dev/null with DevicePolicy=strict"
        out=$(run_nb --bind="$d/fuse:/dev/fuse" "$r" -- sh -c 'mknod /tmp/x c 10 229' 2>&1 || true)
        assert_match "$out" 'Operation not permitted|Permission denied' "mknod of the bound node's number"
}

# --property= names what it cannot do, and warns when a controller is absent.
t_property_refusals_and_warnings() {
        local r out
        r=$(copy_fixture busybox)
        out=$(run_nb --property=CPUShares=100 "$r" -- true 2>&1 || true)
        assert_match "$out" 'CPUShares is not supported: a cgroup v1 property' "refused property"
        out=$(run_nb --property=AllowedCPUs=0 --property="IOReadBandwidthMax=/ 1M" "$r" -- true 2>&1)
        if ! grep -qw cpuset "$CG2/cgroup.controllers"; then
                assert_match "$out" "controller 'cpuset' is not available" "warning without the cpuset controller"
        fi
}

# Network conflicts are judged on the final options, not their order: an
# explicit --share-network (or --private-network=no) with any option that
# needs a network namespace of its own is refused either way round, naming
# both; nothing runs and nothing is left.
t_network_conflicts_in_any_order() {
        local r a b out rc want
        r=$(copy_fixture busybox)
        for b in -n --network-zone=nc --network-veth-extra=nc-vx --host-address=10.9.0.1/24 --network-macvlan=lo \
                --network-namespace-path=/proc/self/ns/net; do
                for a in --share-network --private-network=no; do
                        for order in 1 2; do
                                rc=0
                                if [ $order = 1 ]; then
                                        out=$(run_nb -M nc-conflict "$a" "$b" "$r" -- echo ran 2>&1) || rc=$?
                                else
                                        out=$(run_nb -M nc-conflict "$b" "$a" "$r" -- echo ran 2>&1) || rc=$?
                                fi
                                assert_eq $rc 125 "exit status of $a with $b (order $order)"
                                want=${b%%=*}
                                [ "$b" = -n ] && want=--network-veth
                                assert_match "$out" "cannot be combined with $want" "message for $a with $b (order $order)"
                        done
                done
        done
        # Without the explicit choice the same options run, as do nspawn's defaults.
        assert_eq "$(run_nb --network-namespace-path=/proc/self/ns/net "$r" -- echo ran)" ran "--network-namespace-path= alone"
}

# boot_vector FILE NAME [SED-EXPR...]: runs the argument vector in
# tests/nspawn-argv/FILE (placeholders replaced by the sed expressions)
# through nixbox invoked as systemd-nspawn, as a unit would: in the
# background with a NOTIFY_SOCKET. The NixOS-shaped tree must report READY=1
# and reach a running systemd; `systemctl poweroff` inside then ends it
# with status 0.
boot_vector() {
        local file=$1 name=$2 d ns lp pid rc=0 i state
        shift 2
        d=$(test_tmp)
        ns=$(nspawn_link)
        mapfile -t argv < <(grep -v '^#' "$TOP/tests/nspawn-argv/$file" | sed -e "s|@NAME@|$name|g" "$@")
        python3 "$TOP/tests/notify-listen.py" "$d/notify-$name" 90 >"$d/listen-$name" &
        lp=$!
        wait_for grep -q listening "$d/listen-$name"
        NOTIFY_SOCKET=$d/notify-$name "$ns" "${argv[@]}" </dev/null >"$d/console-$name" 2>&1 &
        pid=$!
        wait $lp || true
        if ! grep -q READY=1 "$d/listen-$name"; then
                kill -9 $pid 2>/dev/null || true
                fail "$file: no READY=1 ($(cat "$d/listen-$name")): $(tail -5 "$d/console-$name")"
                return 1
        fi
        state=$(timeout 60 "$NIXBOX" exec "$name" -- /bin/systemctl is-system-running --wait 2>&1 || true)
        [[ $state == running || $state == degraded ]] || fail "$file: systemd is '$state'"
        # As the test driver ends a node: systemctl poweroff inside.
        "$NIXBOX" exec "$name" -- /bin/systemctl poweroff >/dev/null 2>&1 || true
        for i in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
        kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "$file: still running 30 s after poweroff"; }
        wait $pid || rc=$?
        assert_eq $rc 0 "$file: exit status after poweroff"
}

# Acceptance: nixos-container's start script, systemd-nspawn@.service and
# the NixOS test driver's run-nspawn, their argument vectors unchanged
# (tests/nspawn-argv/), boot the NixOS-shaped tree through the symlink.
t_nixos_container_start_script_boots() {
        local r h name=nc-acc-ctr
        r=$(copy_fixture nixos)
        h=$TEST_TMP/hostnix
        mkdir -p "$h/var/nix/db" "$h/var/nix/daemon-socket" "$h/var/nix/gcroots/per-container/$name" \
                "$h/var/nix/profiles/per-container/$name"
        # The host's per-container profile holds the container's system link.
        cp -a "$r/nix/var/nix/profiles/." "$h/var/nix/profiles/per-container/$name/"
        # nixos-container's containerInit (a store script): sources stage 2.
        printf '#!%s -e\ntrap "exit 0" SIGRTMIN+3\nset +e\n. "$1"\n' "$(ls -d "$r"/nix/store/*-bash-5.2 | sed "s|^$r||")/bin/bash" \
                >"$r/nix/store/nc-container-init"
        chmod 0555 "$r/nix/store/nc-container-init"
        boot_vector nixos-container.argv $name -e "s|@ROOT@|$r|g" -e "s|@STORE@|$r/nix/store|g" -e "s|@HOSTNIX@|$h|g" \
                -e "s|@CONTAINER_INIT@|/nix/store/nc-container-init|g"
}

t_systemd_nspawn_service_boots() {
        local name=nc-acc-svc-$$
        [ -n "${NIXOS_ROOT:-}" ] || skip "nixos fixture unavailable"
        # nspawn@.service finds the tree by name; nixbox's machines directory
        # is root's alone (0700), as -U's idmapped mount requires.
        install -d -m 0700 /var/lib/nixbox
        cp -a "$NIXOS_ROOT" "/var/lib/nixbox/$name"
        trap 'remove_tree "/var/lib/nixbox/'"$name"'"; remove_tree "$TEST_TMP"' EXIT
        boot_vector systemd-nspawn@.service.argv "$name"
}

t_run_nspawn_of_the_test_driver_boots() {
        local r name=nc-acc-drv netns=nc-acc-drv-$$ init
        r=$(copy_fixture nixos)
        ip netns add $netns
        trap 'ip netns delete '"$netns"' 2>/dev/null; remove_tree "$TEST_TMP"' EXIT
        init=$(readlink "$r/nix/var/nix/profiles/system-1-link")/init
        boot_vector run-nspawn.argv $name -e "s|@ROOT@|$r|g" -e "s|@STORE@|$r/nix/store|g" -e "s|@NETNS@|/run/netns/$netns|g" \
                -e "s|@INIT@|$init|g"
}

# Side by side, the same tree under systemd-nspawn and under nixbox invoked
# as systemd-nspawn, with the same arguments (-U -n -M): the UID range, the
# bounding/permitted/effective capability sets, the container's interface
# names and the system-call filter's verdicts agree. The inheritable set
# is the documented deviation (nspawn: the bounding set; nixbox: empty).
t_parity_with_systemd_nspawn() {
        local r1 r2 ns probe a b calls="kexec_load kexec_file_load open_by_handle_at init_module finit_module delete_module add_key request_key keyctl perf_event_open bpf clock_settime adjtimex swapon fanotify_init syslog getpid"
        command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
        probe=$TOP/build/tests/helpers/confine-probe
        [ -x "$probe" ] || skip "build/tests/helpers/confine-probe not built (make)"
        r1=$(copy_fixture busybox ns-tree)
        r2=$(copy_fixture busybox nb-tree)
        cp "$probe" "$r1/bin/confine-probe"
        cp "$probe" "$r2/bin/confine-probe"
        ns=$(nspawn_link)
        # shellcheck disable=SC2016
        local script='cat /proc/self/uid_map; grep -E "^Cap(Bnd|Prm|Eff|Inh)" /proc/self/status; ls /sys/class/net | tr "\n" " "; echo; /bin/confine-probe syscall '"$calls"'; /bin/confine-probe audit-socket'
        a=$(run_nspawn -q -U --private-users-ownership=chown -n -M nc-par -D "$r1" /bin/sh -c "$script" </dev/null | tr -d '\r')
        b=$("$ns" -q -U --private-users-ownership=chown -n -M nc-par -D "$r2" /bin/sh -c "$script" </dev/null)
        [ -n "$a" ] || fail "no output under systemd-nspawn"
        assert_eq "$(grep -v CapInh <<<"$b")" "$(grep -v CapInh <<<"$a")" "uid_map, capabilities, links and syscall verdicts (nixbox vs nspawn)"
        assert_eq "$(grep CapInh <<<"$b" | awk '{ print $2 }')" 0000000000000000 "inheritable set under nixbox (empty)"
        assert_eq "$(grep CapInh <<<"$a" | awk '{ print $2 }')" "$(grep CapBnd <<<"$a" | awk '{ print $2 }')" \
                "inheritable set under nspawn 252 (the bounding set)"
}
