# SPDX-License-Identifier: LGPL-2.1-or-later
# machinectl's conventions where users expect them, and messages that say
# what is wrong: --no-legend and -q on listing verbs, stop -t, root needed,
# a user that does not exist in the container.

# A copy of nixbox that a non-root user may run (the build tree may be private).
nonroot_nixbox() {
        local d
        d=$(mktemp -d /tmp/nbtest-nonroot.XXXXXX)
        chmod 0755 "$d"
        cp "$NIXBOX" "$d/nixbox"
        chmod 0755 "$d/nixbox"
        echo "$d"
}

t_verbs_need_root_and_say_so() {
        local d rc verb
        d=$(nonroot_nixbox)
        trap 'rm -rf "$d"; remove_tree "$TEST_TMP"' EXIT
        for verb in "run /tmp true" "list" "status x" "stop x" "exec x true" "images" "import-tar x.tar" "logs x"; do
                rc=0
                setpriv --reuid=65534 --regid=65534 --clear-groups "$d/nixbox" $verb >"$TEST_TMP/out" 2>"$TEST_TMP/err" || rc=$?
                [ $rc -eq 125 ] || fail "'nixbox $verb' as non-root exited $rc"
                grep -q "'nixbox ${verb%% *}' needs root" "$TEST_TMP/err" || fail "'nixbox $verb': $(cat "$TEST_TMP/err")"
                [ ! -s "$TEST_TMP/out" ] || fail "'nixbox $verb' printed: $(cat "$TEST_TMP/out")"
        done
        # Help, version and unknown verbs need nothing.
        setpriv --reuid=65534 --regid=65534 --clear-groups "$d/nixbox" run --help >/dev/null || fail "run --help as non-root"
        setpriv --reuid=65534 --regid=65534 --clear-groups "$d/nixbox" --version >/dev/null || fail "--version as non-root"
        rc=0; setpriv --reuid=65534 --regid=65534 --clear-groups "$d/nixbox" bogus 2>"$TEST_TMP/err" || rc=$?
        grep -q "unknown command 'bogus'" "$TEST_TMP/err" || fail "unknown verb: $(cat "$TEST_TMP/err")"
}

t_unknown_user_is_named() {
        local r rc
        r=$(copy_fixture busybox)
        rc=0; run_nb --user=nbtest-nosuchuser "$r" true 2>"$TEST_TMP/err" || rc=$?
        [ $rc -eq 125 ] || fail "unknown user: exit $rc"
        assert_match "$(cat "$TEST_TMP/err")" "user 'nbtest-nosuchuser' does not exist in the container" "message"
        ! grep -q "No such process" "$TEST_TMP/err" || fail "errno text of ESRCH leaked: $(cat "$TEST_TMP/err")"
}

t_list_legend_quiet_and_stop_t() {
        local r name="conv-list-$$" out
        r=$(copy_fixture busybox)
        "$NIXBOX" run -q -d -M "$name" "$r" -- sleep 300 </dev/null || fail "run -d failed"
        out=$("$NIXBOX" list)
        assert_match "$out" "^NAME +STATE" "legend by default"
        out=$("$NIXBOX" list --no-legend)
        ! grep -q '^NAME' <<<"$out" || fail "--no-legend printed the legend: $out"
        assert_match "$out" "^$name " "machine listed without legend"
        grep -qx "$name" <("$NIXBOX" list -q) || fail "list -q does not print the bare name"
        ! "$NIXBOX" list -q | grep -q ' ' || fail "list -q prints more than names"
        "$NIXBOX" stop -t 5 "$name" || fail "stop -t 5 failed"
        "$NIXBOX" list --no-legend | grep -q "^$name " && fail "still running after stop -t"
        # Nothing running of ours: --no-legend prints nothing at all for an empty list.
        true
}
