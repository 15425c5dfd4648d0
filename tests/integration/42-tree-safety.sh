# SPDX-License-Identifier: LGPL-2.1-or-later
# Host-side safety of a container's tree (security issue items 1 and 2):
# the ownership walk never leaves the tree, a tree in use is locked (by
# dev+ino, like nspawn) against a second run or `remove`, and a tree (or an
# idmap bind source) whose files container root writes as host root is
# refused where other host users can reach it. Each test plays the hostile
# container or tree.
#
# $TEST_TMP is a mktemp -d directory (0700, root's): trees in it are private.
# A test that wants a reachable tree opens it up (chmod 0755 $TEST_TMP).

MACHINES=/var/lib/nixbox

# A copy of the busybox fixture named after the test (machine names are ours).
tree_copy() { copy_fixture busybox "ts42-$$-$1"; }

# start_bg VAR MACHINE ROOT ARGS...: runs a container in the background
# until SIGTERM; its nixbox's pid goes to VAR once it runs.
start_bg() {
        local var=$1 m=$2 root=$3
        shift 3
        "$NIXBOX" run -q -M "$m" "$@" "$root" -- /bin/sleep 600 </dev/null >/dev/null 2>&1 &
        printf -v "$var" %s $!
        # --ephemeral keeps the name given with -M.
        wait_for compgen -G "/run/nixbox/$m*/" >/dev/null || { kill -TERM $!; fail "background container $m did not start"; }
}

stop_bg() {   # PID
        kill -TERM "$1"
        wait "$1" || true
}

t_chown_walk_does_not_follow_planted_symlinks_to_host_files() {
        local r host out rc=0
        r=$(tree_copy walk)
        host=$TEST_TMP/host-file
        echo secret >"$host"
        chmod 0644 "$host"
        # What a hostile container root leaves in its tree for the next walk:
        # symlinks to a host file, one named like a setgid directory's entry.
        ln -s "$host" "$r/abs-link"
        ln -s "../../host-file" "$r/etc/rel-link"
        mkdir "$r/sgid"
        ln -s "$host" "$r/sgid/inner"
        chmod 06777 "$r/sgid"
        out=$(run_nb -M "ts42-$$-walk" --private-users-ownership=chown "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq $rc 0 "chown run: $out"
        assert_eq "$(stat -c '%u:%g %a' "$host")" "0:0 644" "host file owner and mode"
        [ "$(stat -c %u "$r/sgid")" != 0 ] || fail "tree not shifted"
        assert_eq "$(stat -c %a "$r/sgid")" 6777 "setgid/setuid bits of a directory kept through the shift"
        assert_eq "$(stat -c %u "$r/abs-link")" "$(stat -c %u "$r/sgid")" "the symlink itself shifted"
}

t_second_run_of_a_tree_in_use_fails_naming_the_machine() {
        local r host pid out rc=0 script
        r=$(tree_copy busy)
        host=$TEST_TMP/host-file
        echo secret >"$host"
        chmod 0644 "$host"
        # The first container swaps a setgid directory with a symlink to the
        # host file while a second run would be shifting the tree's owners.
        script='touch /ready; while [ ! -e /stop ]; do mkdir -p /d; chmod 6777 /d; mv /d /d2; ln -s '"$host"' /d;
                rm -f /d; mv /d2 /d; done'
        "$NIXBOX" run -q -M "ts42-$$-a" --private-users-ownership=chown "$r" -- /bin/sh -c "$script" </dev/null &
        pid=$!
        wait_for test -e "$r/ready" || fail "first container did not start"
        out=$(run_nb -M "ts42-$$-b" --private-users-ownership=chown "$r" -- /bin/true 2>&1) || rc=$?
        [ $rc -ne 0 ] || fail "a second run of a tree in use succeeded"
        assert_match "$out" "in use by the running machine 'ts42-$$-a'" "second run's message"
        rc=0
        out=$(run_nb -M "ts42-$$-c" --ephemeral "$r" -- /bin/true 2>&1) || rc=$?
        [ $rc -ne 0 ] || fail "an ephemeral run on a tree being written succeeded"
        touch "$r/stop"
        wait "$pid" || true
        assert_eq "$(stat -c '%u:%g %a' "$host")" "0:0 644" "host file owner and mode"
        [ -z "$(ls /run/systemd/nspawn/locks/ 2>/dev/null | grep "^inode-$(stat -c %d:%i "$r")$")" ] ||
                fail "tree lock file left behind"
        rc=0
        out=$(run_nb -M "ts42-$$-b" --private-users-ownership=chown "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq $rc 0 "run once the first one stopped: $out"
}

t_ephemeral_runs_share_a_tree() {
        local r pid out rc=0
        r=$(tree_copy shared)
        start_bg pid "ts42-$$-e1" "$r" --ephemeral
        out=$(run_nb -M "ts42-$$-e2" --ephemeral "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq $rc 0 "a second ephemeral run: $out"
        rc=0
        out=$(run_nb -M "ts42-$$-e3" "$r" -- /bin/true 2>&1) || rc=$?
        [ $rc -ne 0 ] || fail "a writable run beside an ephemeral one succeeded"
        assert_match "$out" "in use by the running machine 'ts42-$$-e1'" "writable run's message"
        stop_bg "$pid"
}

t_remove_of_an_image_in_use_under_another_path_fails() {
        local img="nbtest-img-ts42-$$" alias pid out rc=0
        trap 'umount -l "$TEST_TMP/alias" 2>/dev/null || true; remove_tree "$MACHINES/'"$img"'"; remove_tree "$TEST_TMP"; true' EXIT
        mkdir -p "$MACHINES"
        chmod 0700 "$MACHINES"
        cp -a "$BUSYBOX_ROOT" "$MACHINES/$img"
        # The same tree reached through a bind mount: no path names the image.
        alias=$TEST_TMP/alias
        mkdir "$alias"
        mount --bind "$MACHINES/$img" "$alias"
        start_bg pid "ts42-$$-alias" "$alias"
        out=$("$NIXBOX" remove "$img" 2>&1) || rc=$?
        [ $rc -ne 0 ] || fail "remove of an image in use succeeded"
        assert_match "$out" "in use by the running machine 'ts42-$$-alias'" "remove's message"
        [ -x "$MACHINES/$img/bin/sh" ] || fail "the image was (partly) removed"
        stop_bg "$pid"
        umount "$alias"
        rc=0
        out=$("$NIXBOX" remove "$img" 2>&1) || rc=$?
        assert_eq $rc 0 "remove once stopped: $out"
        [ ! -e "$MACHINES/$img" ] || fail "image still there"
}

t_reachable_tree_is_refused_with_an_idmapped_root() {
        local r out rc=0
        r=$(tree_copy open)
        chmod 0755 "$TEST_TMP"     # now /var/tmp/nixbox-tests/t.X/... is reachable by everyone
        out=$(run_nb -M "ts42-$$-open" "$r" -- /bin/true 2>&1) || rc=$?
        [ $rc -ne 0 ] || fail "an idmapped run of a reachable tree succeeded"
        assert_match "$out" "other host users can reach" "message says why"
        assert_match "$out" "0700 directory such as /var/lib/nixbox" "way out 1"
        assert_match "$out" "--private-users-ownership=chown" "way out 2"
        assert_match "$out" "--trust-tree" "way out 3"
        rc=0
        out=$(run_nb -M "ts42-$$-open" --private-users-ownership=map "$r" -- /bin/true 2>&1) || rc=$?
        [ $rc -ne 0 ] || fail "--private-users-ownership=map on a reachable tree succeeded"
        rc=0
        out=$(run_nb -M "ts42-$$-open" --trust-tree "$r" -- /bin/sh -c 'echo uid=$(stat -c %u /bin)' 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:uid=0" "--trust-tree runs it idmapped"
        rc=0
        out=$(run_nb -M "ts42-$$-open" --read-only "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:" "--read-only cannot plant anything: allowed"
        rc=0
        out=$(run_nb -M "ts42-$$-open" --private-users-ownership=chown "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:" "chown mode"
        [ "$(stat -c %u "$r/bin")" != 0 ] || fail "chown mode did not shift"
}

t_reachable_idmap_bind_source_is_refused() {
        local priv r src opt out rc
        priv=$TEST_TMP/priv
        mkdir -m 0700 "$priv"
        r=$priv/ts42-$$-bind
        cp -a "$BUSYBOX_ROOT" "$r"
        src=$TEST_TMP/src
        mkdir -m 0755 "$src"
        chmod 0755 "$TEST_TMP"
        for opt in idmap rootidmap owneridmap; do
                rc=0
                out=$(run_nb -M "ts42-$$-bind" --bind="$src:/mnt:$opt" "$r" -- /bin/true 2>&1) || rc=$?
                [ $rc -ne 0 ] || fail "$opt bind of a reachable source succeeded"
                assert_match "$out" "refusing to bind $src" "$opt: message"
        done
        rc=0
        out=$(run_nb -M "ts42-$$-bind" --bind-ro="$src:/mnt:idmap" "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:" "read-only idmap bind"
        rc=0
        out=$(run_nb -M "ts42-$$-bind" --trust-tree --bind="$src:/mnt:idmap" "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:" "--trust-tree idmap bind"
        rc=0
        out=$(run_nb -M "ts42-$$-bind" --bind="$src:/mnt" "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:" "plain bind"
        mkdir -m 0755 "$priv/src"
        rc=0
        out=$(run_nb -M "ts42-$$-bind" --bind="$priv/src:/mnt:idmap" "$r" -- /bin/true 2>&1) || rc=$?
        assert_eq "$rc:$out" "0:" "idmap bind of a private source"
}

t_private_users_no_warns_once_about_trusted_trees() {
        local r out
        r=$(tree_copy host)
        out=$(run_nb -M "ts42-$$-host" --private-users=no "$r" -- /bin/true 2>&1) || fail "private tree run failed: $out"
        assert_eq "$out" "" "no warning for a private tree"
        chmod 0755 "$TEST_TMP"
        out=$(run_nb -M "ts42-$$-host" --private-users=no "$r" -- /bin/true 2>&1) || fail "run failed: $out"
        assert_eq "$(grep -c 'trusted trees only' <<<"$out")" 1 "one warning"
        assert_match "$out" "--private-users=no" "warning names the option"
        out=$(run_nb -M "ts42-$$-host" --private-users=no --trust-tree "$r" -- /bin/true 2>&1) || fail "run failed: $out"
        assert_eq "$out" "" "--trust-tree silences it"
}
