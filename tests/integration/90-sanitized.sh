# SPDX-License-Identifier: LGPL-2.1-or-later
# The same runtime built with AddressSanitizer and UBSan (build/san/nixbox,
# made by `make check`) through its main paths: a command, a failing
# command, a bad option, binds, a boot and its stop. Any sanitizer report
# fails the test.

san_check() {   # LOG
        if grep -E "ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:" "$1"; then
                fail "sanitizer report (see above)"
        fi
}

t_sanitized_runtime_main_paths() {
        local r d rc
        [ -x "$NIXBOX_SAN" ] || skip "no sanitizer build (make SANITIZE=1)"
        r=$(copy_fixture busybox); d=$(test_tmp)
        mkdir -p "$d/src"; chmod 0777 "$d/src"
        "$NIXBOX_SAN" run -q "$r" -- sh -c 'echo hi; exit 3' </dev/null >"$d/out" 2>"$d/log" && rc=0 || rc=$?
        assert_eq $rc 3 "exit status"
        "$NIXBOX_SAN" run -q --bind="$d/src:/mnt" --tmpfs=/scratch --private-users-ownership=chown "$r" -- touch /mnt/x </dev/null 2>>"$d/log" || fail "binds"
        "$NIXBOX_SAN" run -q "$r" -- /no/such </dev/null 2>>"$d/log" && fail "missing command ran" || true
        "$NIXBOX_SAN" run --bogus "$r" </dev/null 2>>"$d/log" && fail "bad option accepted" || true
        "$NIXBOX_SAN" run -q -b "$r" </dev/null >"$d/boot" 2>>"$d/log" &
        local pid=$!
        wait_for grep -q "nixbox-test-init: ready" "$d/boot" || fail "boot"
        kill -TERM $pid; wait $pid || true
        "$NIXBOX_SAN" run -q -x "$r" -- true </dev/null 2>>"$d/log" || fail "ephemeral"
        san_check "$d/log"
}
