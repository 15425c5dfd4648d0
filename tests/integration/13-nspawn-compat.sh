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
