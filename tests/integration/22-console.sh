# SPDX-License-Identifier: LGPL-2.1-or-later
# The console at a terminal (interactive: input relayed, ^] three times
# within a second kills the container), the other modes, and resolv.conf
# copied in with the host's network.

t_interactive_console_relays_input() {
        local r out i
        r=$(copy_fixture busybox)
        # (An old flake here, "the typed line never shows up", was
        # tests/pty-run.py leaving the last output unread when the command
        # exited quickly after it.)
        out=$(python3 "$TOP/tests/pty-run.py" 20 'hello\n' -- "$NIXBOX" run -q "$r" -- sh -c 'echo ready; read x; echo got-$x; tty')
        grep -q "got-hello" <<<"$out" || fail "input not relayed: $out"
        grep -q "/dev/console" <<<"$out" || fail "payload not on /dev/console: $out"
        grep -q "EXIT=0" <<<"$out" || fail "exit status: $out"
}

t_ctrl_bracket_three_times_kills_the_container() {
        local r out
        r=$(copy_fixture busybox)
        out=$(python3 "$TOP/tests/pty-run.py" 20 '\x1d\x1d\x1d' -- "$NIXBOX" run -q "$r" -- sh -c 'echo ready; sleep 100')
        grep -q "TIMEOUT" <<<"$out" && fail "^]^]^] did not end the container: $out"
        grep -q "EXIT=137" <<<"$out" || fail "exit status after ^]^]^]: $out"
}

t_window_size_is_passed_on() {
        local r out
        r=$(copy_fixture busybox)
        out=$(python3 "$TOP/tests/pty-run.py" 20 '' -- sh -c "stty rows 33 cols 101; exec \"$NIXBOX\" run -q \"$r\" -- sh -c 'stty size; echo ready'")
        grep -q "33 101" <<<"$out" || fail "window size not passed on: $out"
}

t_read_only_and_pipe_modes() {
        local r out
        r=$(copy_fixture busybox)
        # read-only: output arrives, input does not (stdin is the console, with nothing typed).
        out=$(echo typed | run_nb --console=read-only "$r" -- sh -c 'tty; read -t 1 x || echo no-input' | tr -d '\r')
        assert_eq "$out" "$(printf '/dev/console\nno-input')" "read-only console"
        # pipe: stdio passed through (the default for a command without a terminal).
        out=$(echo typed | "$NIXBOX" run -q "$r" -- sh -c 'read x; echo got-$x; tty || true')
        assert_eq "$(head -1 <<<"$out")" got-typed "pipe mode input"
        # passive: the console exists but nothing is relayed.
        out=$(run_nb --console=passive "$r" -- echo invisible)
        assert_eq "$out" "" "passive console"
}

t_resolv_conf_is_copied_with_the_host_network() {
        local r out
        [ -s /etc/resolv.conf ] || skip "the host has no /etc/resolv.conf"
        r=$(copy_fixture busybox)
        rm -f "$r/etc/resolv.conf"
        out=$(run_nb --share-network "$r" -- cat /etc/resolv.conf)
        assert_eq "$out" "$(cat /etc/resolv.conf)" "copied resolv.conf"
        rm -f "$r/etc/resolv.conf"
        run_nb "$r" -- true
        [ ! -e "$r/etc/resolv.conf" ] || fail "resolv.conf copied in with a private network"
}
