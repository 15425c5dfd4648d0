# SPDX-License-Identifier: LGPL-2.1-or-later
# .nspawn settings files end to end: the form NixOS's tooling writes boots
# the NixOS fixture from /etc/nixbox (trusted); a file next to the image is
# untrusted (privileged keys ignored, with a warning naming key and file);
# --settings=no and override; refused trusted files. The parser itself is
# covered by tests/unit/test-settings.c over a corpus.

# settings_file NAME CONTENT: a trusted file, removed when the test ends.
settings_file() {
        mkdir -p /etc/nixbox
        printf '%s\n' "$2" >"/etc/nixbox/$1.nspawn"
        chmod 0644 "/etc/nixbox/$1.nspawn"
        trap 'rm -f "/etc/nixbox/'"$1"'.nspawn"; rmdir /etc/nixbox 2>/dev/null; remove_tree "$TEST_TMP"' EXIT
}

t_nixos_tooling_nspawn_file_boots_the_nixos_fixture() {
        local r name=nbset$RANDOM init out rc=0 port=$((20000 + RANDOM % 20000))
        [ -n "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        r=$(copy_fixture nixos "$name")
        init=$(readlink "$r/sbin/init")
        mkdir -p "$r/etc/systemd/system"
        printf '%s\n' '[Unit]' 'After=multi-user.target' '[Service]' 'Type=simple' \
                'ExecStart=/bin/sh -c "echo STATE=$(systemctl is-system-running --wait) >/nixbox-test-state; systemctl --no-block poweroff"' \
                >"$r/etc/systemd/system/nixbox-test-status.service"
        settings_file "$name" "# As python-nixos-nspawn / nixos-container write it
[Exec]
NotifyReady=yes
Boot=no
Parameters=$init systemd.wants=nixbox-test-status.service
KillSignal=SIGRTMIN+3
PrivateUsers=pick
Environment=NIXBOX_TEST=a;b

[Files]
PrivateUsersOwnership=auto
BindReadOnly=$r/nix/store:/nix/store:idmap

[Network]
Private=yes
VirtualEthernet=yes
Zone=nbz$((RANDOM % 1000))
Port=tcp:$port:80"
        out=$("$NIXBOX" run --print-settings "$r" 2>&1)
        assert_match "$out" "Parameters=$init" "merged Parameters"
        assert_match "$out" "Port=tcp:$port:80" "merged Port"
        timeout 120 "$NIXBOX" run -q "$r" </dev/null >"$r.console" 2>&1 || rc=$?
        assert_eq $rc 0 "exit status after power-off"
        grep -q "STATE=running" "$r/nixbox-test-state" 2>/dev/null || fail "not running: $(cat "$r/nixbox-test-state" 2>&1; tail -20 "$r.console")"
        grep -q "NixOS Stage 2" "$r.console" || fail "stage-2 did not run"
}

t_file_next_to_the_image_is_untrusted() {
        local r d out
        r=$(copy_fixture busybox untrusted); d=$(test_tmp)
        mkdir -p "$d/host-secret"
        printf '%s\n' '[Exec]' 'Environment=FROM_FILE=yes' 'DropCapability=CAP_NET_RAW' 'Capability=CAP_SYS_MODULE' \
                '[Files]' "Bind=$d/host-secret:/mnt/secret" >"$d/untrusted.nspawn"
        out=$(run_nb "$r" -- sh -c 'echo env=$FROM_FILE; ls -d /mnt/secret 2>/dev/null || echo no-bind; grep CapBnd /proc/self/status' 2>"$d/err")
        grep -qx "env=yes" <<<"$out" || fail "unprivileged key not applied: $out"
        grep -qx "no-bind" <<<"$out" || fail "Bind= from an untrusted file applied"
        grep -q "Bind" "$d/err" && grep -q "untrusted.nspawn" "$d/err" || fail "no warning naming the key and file: $(cat "$d/err")"
        local bnd; bnd=$(sed -n 's/^CapBnd:\t*//p' <<<"$out")
        (( (0x$bnd >> 13) & 1 )) && fail "DropCapability=CAP_NET_RAW not applied ($bnd)"
        (( (0x$bnd >> 16) & 1 )) && fail "Capability=CAP_SYS_MODULE from an untrusted file applied ($bnd)"
        # --settings=no ignores the file; --settings=trusted applies the Bind.
        out=$(run_nb --settings=no "$r" -- sh -c 'echo env=$FROM_FILE')
        assert_eq "$out" "env=" "--settings=no"
        out=$(run_nb --settings=trusted --private-users=no "$r" -- sh -c 'ls -d /mnt/secret' 2>/dev/null)
        assert_eq "$out" /mnt/secret "--settings=trusted applies privileged keys"
        true
}

t_command_line_wins_unless_override() {
        local r name=nbprec$RANDOM
        r=$(copy_fixture busybox "$name")
        settings_file "$name" "[Exec]
Hostname=fromfile"
        assert_eq "$(run_nb "$r" -- hostname)" fromfile "file value"
        assert_eq "$(run_nb --hostname=fromcli "$r" -- hostname)" fromcli "command line wins"
        assert_eq "$(run_nb --settings=override --hostname=fromcli "$r" -- hostname)" fromfile "--settings=override"
}

# --print-settings prints a file that loads back to the same settings, and
# the command line and the file take the same SystemCallFilter= grammar.
t_print_settings_output_loads_back() {
        local r name=nbprint$RANDOM out1 out2 file rc=0
        r=$(copy_fixture busybox "$name")
        settings_file "$name" "[Exec]
SystemCallFilter=~ptrace ~kexec_load
Environment=A=1 B=\"two words\"
LimitNOFILE=100:200
KillSignal=SIGRTMIN+3
[Files]
BindReadOnly=/etc:/mnt/etc:norbind
[Network]
Port=tcp:8080:80
[Resources]
CPUWeight=50"
        out1=$("$NIXBOX" run --print-settings "$r")
        assert_match "$out1" "SystemCallFilter=~ptrace kexec_load " "deny list printed as nspawn writes it"
        [[ $out1 != *"=="* ]] || fail "printed '==': $out1"
        # The printed file, without its provenance comments, is the settings file now.
        file=$(sed -e '/^#/d' -e 's/ *# [^#]*$//' <<<"$out1")
        printf '%s\n' "$file" >"/etc/nixbox/$name.nspawn"
        # (Warnings on stderr: the printed file sets keys not implemented yet.)
        out2=$("$NIXBOX" run --print-settings "$r" 2>/dev/null)
        assert_eq "$(sed -e '/^#/d' -e 's/ *# [^#]*$//' <<<"$out2")" "$file" "printed, loaded and printed again"
        # The deny list works from the file as from the command line.
        run_nb "$r" -- true || fail "the printed file does not run"
        out1=$("$NIXBOX" run --settings=no --print-settings --system-call-filter='~ptrace ~kexec_load' "$r" 2>&1)
        assert_match "$out1" "SystemCallFilter=~ptrace kexec_load " "the command line takes the same list"
        out1=$("$NIXBOX" run --settings=no --system-call-filter='read ~ptrace' "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "a ~ word in an allow list is refused"
        assert_match "$out1" "in an allow list" "says why"
}

t_bad_trusted_files_are_refused() {
        local r name=nbbad$RANDOM out rc=0
        r=$(copy_fixture busybox "$name")
        settings_file "$name" "[Exec]
Boot=perhaps"
        out=$(run_nb "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit status for an invalid value"
        assert_match "$out" "/etc/nixbox/$name.nspawn:2" "error names file:line"
        chmod 0666 "/etc/nixbox/$name.nspawn"
        rc=0; out=$(run_nb "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit status for a world-writable trusted file"
        assert_match "$out" "writable" "says why"
        rm -f "/etc/nixbox/$name.nspawn"
        ln -s /tmp/whatever.nspawn "/etc/nixbox/$name.nspawn"
        rc=0; out=$(run_nb "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit status for a symlinked trusted file"
        rm -f "/etc/nixbox/$name.nspawn"
}
