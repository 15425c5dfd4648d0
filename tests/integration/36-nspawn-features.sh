# SPDX-License-Identifier: LGPL-2.1-or-later
# nspawn's file-system features, from the command line and from .nspawn
# keys: --timezone=/Timezone=, --link-journal=/LinkJournal=,
# --volatile=/Volatile=, --overlay=/Overlay=, --set-credential= and
# --load-credential=, the --resolv-conf=/ResolvConf= modes, --bind-user
# (refused). Each asserts what the payload sees and what is left on the host,
# and each defence against a hostile tree is written as the attack.

# nf_settings NAME CONTENT: a trusted settings file, removed when the test ends.
nf_settings() {
        mkdir -p /etc/nixbox
        printf '%s\n' "$2" >"/etc/nixbox/$1.nspawn"
        trap 'rm -f "/etc/nixbox/'"$1"'.nspawn"; rmdir /etc/nixbox 2>/dev/null; remove_tree "$TEST_TMP"' EXIT
}

# nf_listing DIR: every path with its type, mode, owner, size and content hash.
nf_listing() {
        (cd "$1" && find . -printf '%p %y %m %U:%G %s %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

t_timezone_modes_from_the_command_line() {
        local r d host_link out
        host_link=$(readlink /etc/localtime) || skip "the host's /etc/localtime is not a symlink"
        [[ $host_link == */usr/share/zoneinfo/* ]] || skip "the host's /etc/localtime does not point into zoneinfo"
        r=$(copy_fixture busybox nf-tz); d=$(test_tmp)
        zone=${host_link#*/usr/share/zoneinfo/}
        # auto: the tree has the zone, so a symlink into its own zoneinfo.
        mkdir -p "$r/usr/share/zoneinfo/$(dirname "$zone")"
        cp /etc/localtime "$r/usr/share/zoneinfo/$zone"
        run_nb -M nf-tz "$r" -- true
        assert_eq "$(readlink "$r/etc/localtime")" "../usr/share/zoneinfo/$zone" "auto: the tree's /etc/localtime"
        # copy: a regular file with the host's bytes.
        run_nb -M nf-tz --timezone=copy "$r" -- true
        [[ -f $r/etc/localtime && ! -L $r/etc/localtime ]] || fail "copy: not a regular file"
        cmp -s /etc/localtime "$r/etc/localtime" || fail "copy: not the host's content"
        # bind: a read-only bind the payload sees.
        out=$(run_nb -M nf-tz --timezone=bind "$r" -- sh -c 'grep " /etc/localtime " /proc/self/mountinfo')
        assert_match "$out" "/etc/localtime ro," "bind: the mount"
        # delete, and off (which leaves it alone).
        run_nb -M nf-tz --timezone=delete "$r" -- true
        [[ ! -e $r/etc/localtime && ! -L $r/etc/localtime ]] || fail "delete: still there"
        echo mine >"$r/etc/localtime"
        run_nb -M nf-tz --timezone=off "$r" -- true
        assert_eq "$(cat "$r/etc/localtime")" mine "off: the tree's file"
        out=$("$NIXBOX" run -M nf-tz --timezone=local "$r" -- true 2>&1) && fail "--timezone=local accepted"
        assert_match "$out" 'timezone.*invalid value "local"' "message"
}

t_timezone_key_and_hostile_localtime() {
        local r d
        r=$(copy_fixture busybox nf-tzkey); d=$(test_tmp)
        nf_settings nf-tzkey $'[Exec]\nTimezone=copy'
        # The tree's /etc/localtime points at a host file: the copy replaces
        # the link inside the tree and never writes through it.
        echo host-file >"$d/victim"
        ln -sf "../../../../../../../..$d/victim" "$r/etc/localtime"
        run_nb "$r" -- true
        assert_eq "$(cat "$d/victim")" host-file "the host file behind the tree's link"
        [[ -f $r/etc/localtime && ! -L $r/etc/localtime ]] || fail "Timezone=copy did not replace the link"
        cmp -s /etc/localtime "$r/etc/localtime" || fail "Timezone=copy: not the host's content"
        # /etc itself a link out of the tree: followed inside the root, where
        # it does not exist: a warning, nothing written on the host.
        mkdir "$d/hostetc"
        mv "$r/etc" "$r/etc.real"
        ln -s "../../../../../../../..$d/hostetc" "$r/etc"
        run_nb -M nf-tz2 --timezone=copy "$r" -- true 2>/dev/null || true
        [[ -z $(ls -A "$d/hostetc") ]] || fail "wrote into the host's directory: $(ls -A "$d/hostetc")"
}

t_read_only_tree_stays_byte_for_byte() {
        local r before
        r=$(copy_fixture busybox nf-ro)
        rm -f "$r/etc/localtime" "$r/etc/resolv.conf"
        before=$(nf_listing "$r")
        # Every default (auto) mode, the host's network (a resolv.conf), a guest journal.
        run_nb -M nf-ro --read-only --share-network --link-journal=try-guest "$r" -- true
        assert_eq "$(nf_listing "$r")" "$before" "the tree after --read-only"
        run_nb -M nf-ro --read-only --timezone=copy --resolv-conf=replace-host "$r" -- true
        assert_eq "$(nf_listing "$r")" "$before" "the tree after --read-only with writing modes"
}

# nf_journal_run SCRIPT: runs SCRIPT in a private mount namespace with an
# empty tmpfs on the host's /var/log/journal (so the host's stays untouched).
nf_journal_run() {
        NIXBOX=$NIXBOX unshare -m --propagation private bash -ec \
                'mkdir -p /var/log/journal; mount -t tmpfs tmpfs /var/log/journal; '"$1"
}

t_link_journal_guest_host_auto() {
        local r id out
        r=$(copy_fixture busybox nf-jr)
        id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
        echo "$id" >"$r/etc/machine-id"
        export r id
        # guest: the directory is the tree's, the host gets a symlink to it.
        out=$(nf_journal_run '"$NIXBOX" run -q -M nf-jr --link-journal=guest "$r" -- true </dev/null
                readlink /var/log/journal/$id')
        assert_eq "$out" "$r/var/log/journal/$id" "guest: the host's symlink"
        [[ -d $r/var/log/journal/$id ]] || fail "guest: no directory in the tree"
        # host: the host's directory (created) is bound in; the payload sees
        # what the host writes there (the container's root may not write to a
        # host-root directory in a user namespace, as under nspawn).
        out=$(nf_journal_run 'mkdir -p /var/log/journal/$id; echo from-host >/var/log/journal/$id/f; rmdir /var/log/journal/$id 2>/dev/null || true
                rm -rf /var/log/journal/$id
                "$NIXBOX" run -q -M nf-jr --link-journal=host "$r" -- \
                        sh -c "grep -c \" /var/log/journal/$id \" /proc/self/mountinfo" </dev/null
                test -d /var/log/journal/$id && echo host-dir-made')
        assert_eq "$out" $'1\nhost-dir-made' "host: the bind of the host's directory it made"
        # auto: only when the host has the directory.
        out=$(nf_journal_run '"$NIXBOX" run -q -M nf-jr "$r" -- sh -c "grep -c \" /var/log/journal/$id \" /proc/self/mountinfo || true" </dev/null
                mkdir /var/log/journal/$id
                "$NIXBOX" run -q -M nf-jr "$r" -- sh -c "grep -c \" /var/log/journal/$id \" /proc/self/mountinfo" </dev/null')
        assert_eq "$out" $'0\n1' "auto: no bind without the host's directory, one with it"
        # LinkJournal= from a trusted file (a privileged key).
        nf_settings nf-jr $'[Exec]\nLinkJournal=host'
        out=$(nf_journal_run '"$NIXBOX" run -q "$r" -- true </dev/null; test -d /var/log/journal/$id && echo made')
        assert_eq "$out" made "LinkJournal=host"
        # A volatile root's journal is not linked (the host could not reach it).
        out=$(nf_journal_run '"$NIXBOX" run -q -M nf-jr --volatile=overlay --link-journal=guest "$r" -- true </dev/null 2>&1; ls /var/log/journal | wc -l')
        assert_match "$out" "throwaway root.*0$" "--volatile=overlay: a warning and no link"
        # Explicit modes and --ephemeral: refused, as nspawn refuses them.
        out=$("$NIXBOX" run -M nf-jr2 -x --link-journal=guest "$r" -- true 2>&1) && fail "--ephemeral with --link-journal=guest ran"
        assert_match "$out" "--ephemeral and --link-journal=guest may not be combined" "message"
}

t_link_journal_hostile_tree_writes_only_inside() {
        local r d id out
        r=$(copy_fixture busybox nf-jh); d=$(test_tmp)
        id=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
        # NixOS's /etc/machine-id may be a symlink: resolved inside the tree.
        echo "$id" >"$r/etc/real-machine-id"
        ln -s /etc/real-machine-id "$r/etc/machine-id"
        mkdir -p "$d/hostdir" "$r/var/log"
        # The tree's journal directory points out of it (and at its /etc);
        # a writable run may have made the directory in the fixture.
        rm -rf "$r/var/log/journal"
        ln -s "../../../../../../../../..$d/hostdir" "$r/var/log/journal"
        export r id
        out=$(nf_journal_run '"$NIXBOX" run -q -M nf-jh --link-journal=try-guest "$r" -- true </dev/null; readlink /var/log/journal/$id')
        [[ -z $(ls -A "$d/hostdir") ]] || fail "wrote into the host's directory: $(ls -A "$d/hostdir")"
        [[ -d $r$d/hostdir/$id ]] || fail "the journal directory was not made inside the tree"
        # The host's link leads to it without the tree's symlink.
        assert_eq "$out" "$r$d/hostdir/$id" "the host's link"
        rm "$r/var/log/journal"
        ln -s /etc "$r/var/log/journal"
        nf_journal_run '"$NIXBOX" run -q -M nf-jh --link-journal=try-guest "$r" -- true </dev/null'
        [[ -d $r/etc/$id && ! -e /etc/$id ]] || fail "/var/log/journal -> /etc was followed on the host"
}

t_credentials_in_run_host_credentials() {
        local r d out
        r=$(copy_fixture busybox nf-cr); d=$(test_tmp)
        printf 'line1\nline2' >"$d/cred"
        chmod 0600 "$d/cred"
        # A tree that pre-made /run/host/credentials as a link to its /etc:
        # /run is nixbox's own tmpfs, so it is never used.
        mkdir -p "$r/run/host"
        ln -s /etc "$r/run/host/credentials"
        out=$(run_nb -M nf-cr --set-credential='pw:hello\nworld\x21' --load-credential=file:"$d/cred" "$r" -- sh -c '
                echo "dir=$CREDENTIALS_DIRECTORY"
                tr "\0" "\n" </proc/1/environ | grep "^CREDENTIALS_DIRECTORY="
                stat -c "%n %a %u:%g" /run/host/credentials /run/host/credentials/pw /run/host/credentials/file
                cat /run/host/credentials/pw; echo; cat /run/host/credentials/file; echo
                grep " /run/host/credentials " /proc/self/mountinfo | cut -d" " -f6,9
                echo x >/run/host/credentials/new 2>/dev/null || echo write-refused
                mount -o remount,rw /run/host/credentials 2>/dev/null || echo remount-refused')
        assert_eq "$out" "dir=/run/host/credentials
CREDENTIALS_DIRECTORY=/run/host/credentials
/run/host/credentials 500 0:0
/run/host/credentials/pw 400 0:0
/run/host/credentials/file 400 0:0
hello
world!
line1
line2
ro,nosuid,nodev,noexec,relatime ramfs
write-refused
remount-refused" "what the payload sees"
        [[ -L $r/run/host/credentials && ! -e $r/etc/pw ]] || fail "the tree's /run/host was written"
        # No credentials: no directory, no variable.
        out=$(run_nb -M nf-cr "$r" -- sh -c 'echo "[$CREDENTIALS_DIRECTORY]"; ls /run/host/credentials 2>&1 | head -1')
        assert_match "$out" "^\[\]" "no variable without credentials"
}

t_credentials_bad_input_is_refused() {
        local r d out rc
        r=$(copy_fixture busybox nf-crb); d=$(test_tmp)
        mkfifo "$d/fifo"
        for args in "--set-credential=novalue" "--set-credential=a/b:x" "--set-credential=a:1 --set-credential=a:2" \
                "--load-credential=x:$d/missing" "--load-credential=x:$d/fifo" "--set-credential=a:bad\\q"; do
                rc=0; out=$(timeout 20 "$NIXBOX" run -M nf-crb $args "$r" -- true 2>&1 </dev/null) || rc=$?
                assert_eq $rc 125 "exit status of $args"
                assert_match "$out" "credential" "message of $args"
        done
        [[ ! -e /run/nixbox/nf-crb.lock && ! -e /run/nixbox/nf-crb ]] || fail "state left behind"
}

t_resolv_conf_modes() {
        local r d out
        [[ -s /etc/resolv.conf ]] || skip "the host has no /etc/resolv.conf"
        r=$(copy_fixture busybox nf-rc); d=$(test_tmp)
        # replace-host: the tree's symlink is replaced by a regular file.
        echo host-file >"$d/victim"
        ln -sf "../../../../../..$d/victim" "$r/etc/resolv.conf"
        run_nb -M nf-rc --resolv-conf=replace-host "$r" -- true
        assert_eq "$(cat "$d/victim")" host-file "the host file behind the tree's link"
        [[ -f $r/etc/resolv.conf && ! -L $r/etc/resolv.conf ]] || fail "replace-host: not replaced"
        cmp -s /etc/resolv.conf "$r/etc/resolv.conf" || fail "replace-host: not the host's content"
        # bind-static: systemd's static file, bound read-only.
        if [[ -f /usr/lib/systemd/resolv.conf ]]; then
                out=$(run_nb -M nf-rc --resolv-conf=bind-static "$r" -- sh -c 'grep -c " /etc/resolv.conf ro," /proc/self/mountinfo; cat /etc/resolv.conf')
                assert_eq "$out" "1
$(cat /usr/lib/systemd/resolv.conf)" "bind-static"
        fi
        # copy-stub without resolved: a warning, the tree left alone (as nspawn).
        if [[ ! -e /run/systemd/resolve/stub-resolv.conf ]]; then
                echo mine >"$r/etc/resolv.conf"
                out=$("$NIXBOX" run -M nf-rc --resolv-conf=copy-stub "$r" -- true 2>&1 </dev/null)
                assert_match "$out" "stub-resolv.conf" "warning naming the missing file"
                assert_eq "$(cat "$r/etc/resolv.conf")" mine "copy-stub without resolved"
        fi
        # ResolvConf= from the file, with the host's network.
        nf_settings nf-rc $'[Exec]\nResolvConf=delete'
        run_nb --share-network "$r" -- true
        [[ ! -e $r/etc/resolv.conf ]] || fail "ResolvConf=delete"
}

t_volatile_modes_leave_the_tree_alone() {
        local r before out
        r=$(copy_fixture busybox nf-vo)
        mkdir -p "$r/var"
        before=$(nf_listing "$r")
        # state: the tree read-only, /var a tmpfs.
        out=$(run_nb -M nf-vo --volatile=state --timezone=off "$r" -- sh -c '
                touch /x 2>/dev/null && echo root-writable; touch /var/y && echo var-writable
                grep " /var " /proc/self/mountinfo | cut -d" " -f9')
        assert_eq "$out" $'var-writable\ntmpfs' "--volatile=state"
        # overlay: everything writable, nothing reaches the tree.
        out=$(run_nb -M nf-vo --volatile=overlay "$r" -- sh -c 'echo x >/x && rm /bin/true && echo written; grep " / / " /proc/self/mountinfo | cut -d" " -f9')
        assert_eq "$out" $'written\noverlay' "--volatile=overlay"
        assert_eq "$(nf_listing "$r")" "$before" "the tree after state and overlay"
        # yes: a tmpfs root with the tree's /usr read-only (a merged-/usr tree).
        cp -a "$r/bin/." "$r/usr/bin/" && cp -a "$r/sbin/." "$r/usr/sbin/"
        rm -rf "$r/bin" "$r/sbin" && ln -s usr/bin "$r/bin" && ln -s usr/sbin "$r/sbin"
        before=$(nf_listing "$r")
        out=$(run_nb -M nf-vo --volatile "$r" -- sh -c '
                awk '"'"'$5 == "/" || $5 == "/usr" { for (i = 7; i <= NF; i++) if ($i == "-") print $5, $(i + 1) }'"'"' /proc/self/mountinfo
                touch /x && echo root-writable; touch /usr/x 2>/dev/null || echo usr-read-only; readlink /bin')
        assert_match "$out" "^/ tmpfs./usr [a-z0-9]+.root-writable.usr-read-only.usr/bin$" "--volatile=yes"
        assert_eq "$(nf_listing "$r")" "$before" "the tree after --volatile=yes"
        # Volatile= from the file.
        nf_settings nf-vo $'[Files]\nVolatile=state'
        out=$(run_nb "$r" -- sh -c 'grep " /var " /proc/self/mountinfo | cut -d" " -f9')
        assert_eq "$out" tmpfs "Volatile=state"
        out=$("$NIXBOX" run -M nf-vo2 --volatile=yes --private-users-ownership=chown "$r" -- true 2>&1) && fail "chown with volatile ran"
        assert_match "$out" "may not be combined" "message"
}

t_overlay_mounts() {
        local r d out
        r=$(copy_fixture busybox nf-ov); d=$(test_tmp)
        mkdir -p "$d/l1" "$d/l2" "$d/up" "$r/srv/low"
        echo l1 >"$d/l1/a"; echo l1 >"$d/l1/b"; echo l2 >"$d/l2/a"; echo tree >"$r/srv/low/t"
        # A "+" layer that is a link to /etc is the tree's /etc, never the host's.
        ln -s /etc "$r/srv/evil"
        # The container's root writes to the host-root upper directory only
        # without a user namespace (as under nspawn).
        out=$(run_nb -M nf-ov --private-users=no --overlay="$d/l1:$d/l2:$d/up:/mnt/o" --overlay-ro="+/srv/low:+/srv/evil:/mnt/r" "$r" -- sh -c '
                cat /mnt/o/a /mnt/o/b; echo new >/mnt/o/c
                ls /mnt/r | tr "\n" " "; echo; touch /mnt/r/z 2>/dev/null || echo ro-refused')
        assert_match "$out" "^l2.l1." "the last lower is on top"
        assert_match "$out" " os-release .* t " "the read-only overlay: the tree's /etc over /srv/low"
        [[ -e /etc/fstab && $out == *fstab* && ! -e $r/etc/fstab ]] && fail "the host's /etc came in: $out"
        assert_match "$out" "ro-refused$" "the read-only overlay refuses writes"
        assert_eq "$(cat "$d/up/c")" new "the write landed in the upper directory"
        [[ ! -e $d/l1/c && ! -e $d/l2/c ]] || fail "a lower directory was written"
        assert_eq "$(ls -A "$d" | grep -c nixbox-overlay-work)" 0 "the work directory is removed"
        # Overlay= from a trusted file: LOWER:UPPER mounts on UPPER.
        nf_settings nf-ov "[Files]
Overlay=$d/l1:$d/up"
        out=$(run_nb "$r" -- sh -c "cat $d/up/b")
        assert_eq "$out" l1 "Overlay="
}

t_bind_user_is_refused_with_a_reason() {
        local r out rc=0
        r=$(copy_fixture busybox nf-bu)
        out=$("$NIXBOX" run -M nf-bu --bind-user=root "$r" -- true 2>&1) || rc=$?
        assert_eq $rc 125 "exit status"
        assert_match "$out" "option --bind-user(=root)? is not supported: it needs the user's own UID mapped" "message"
}
