# nspawn compatibility: nixbox against Debian's systemd-nspawn 252 on the
# same trees (run_nspawn gives nspawn the pure cgroup v2 view it needs here),
# and nspawn's command lines run through nixbox invoked as systemd-nspawn.

# The UID range picked for a machine name is nspawn's, for names whose hash
# lands inside the window and outside it (before the fix the first kind
# differed by exactly 0x80000). Each run gets its own root-owned copy: a
# tree already shifted is reused by both, which would hide the hash.
t_pick_matches_systemd_nspawn() {
        local n r nb ns
        command -v systemd-nspawn >/dev/null || skip "systemd-nspawn not installed (apt-get install systemd-container)"
        for n in nixos x nc-pick bb; do
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
