# SPDX-License-Identifier: LGPL-2.1-or-later
# The caller's terminal never reaches a process in a container (a detached
# payload, a payload in pipe mode, a command of `nixbox exec` without a
# pty, and what any of them leaves in the background), and a detached
# container's console log on the host is capped. Each test attacks as a
# hostile payload would: it writes to and reads from every descriptor it
# has, and from the host we check that no process in the container holds a
# descriptor of the caller's pty (compared by device and inode, as
# /proc/PID/fd paths of another mount namespace can mislead).

HELPERS=$BUILD/tests/helpers

# holders_of ID CGROUP: every "PID FD" in CGROUP (recursively) whose
# descriptor is that file.
holders_of() {
        local id=$1 cg=$2 pid fd
        for pid in $(cat $(find "$cg" -name cgroup.procs) 2>/dev/null); do
                for fd in /proc/$pid/fd/*; do
                        [ "$(stat -L -c '%d %i' "$fd" 2>/dev/null)" != "$id" ] || echo "$pid ${fd##*/} $(readlink "$fd")"
                done
        done
        true
}

stop_machine() {
        local pid
        pid=$(sed -n 's/^SUPERVISOR=//p' "/run/nixbox/$1/state" 2>/dev/null)
        [ -n "$pid" ] && kill -TERM "$pid"
        wait_for test ! -e "/run/nixbox/$1" || fail "$1 left running"
}

# The payload, after the caller has returned, writes into every fd it has
# and tries to read what is typed at the caller's terminal.
ATTACK='sleep 1
for f in /proc/self/fd/*; do echo LEAK-$f >$f; done 2>/dev/null
for f in 0 1 2; do echo LEAK-$f >&$f; done 2>/dev/null
read -t 1 x </proc/self/fd/0 && echo GOT-$x >/tmp/got
sleep 300'

t_detached_payload_cannot_reach_the_callers_terminal() {
        local r out mode m id held got tmp
        r=$(copy_fixture busybox)
        tmp=$(test_tmp)
        for mode in "" "--console=pipe" "--console=read-only" "--console=interactive" "--console=passive"; do
                m=secterm-det-$$
                # Under a pty as a login shell would have it: nixbox returns,
                # the shell stays on the terminal (and types a line) while
                # the payload attacks.
                out=$("$HELPERS/pty-run" sh -c "stat -L -c '%d %i' /dev/stdin >$tmp/pty;
                        \"$NIXBOX\" run -q -d $mode -M $m \"$r\" -- sh -c '$ATTACK' || exit 9
                        sleep 3" </dev/null | tr -d '\r')
                assert_match "$out" "(^|$(printf '\n'))$m" "${mode:-default}: detach prints the name"
                [[ $out != *LEAK* ]] || fail "${mode:-default}: the payload wrote to the caller's terminal: $out"
                grep -qx "pty-run: pending-input 0" <<<"$out" || fail "${mode:-default}: input pushed: $out"
                id=$(cat "$tmp/pty")
                held=$(holders_of "$id" "$(sed -n 's/^CGROUP=//p' /run/nixbox/$m/state)")
                [ -z "$held" ] || fail "${mode:-default}: the container holds the caller's pty: $held"
                # Nor does the supervisor, once the caller has returned.
                held=$(for fd in /proc/$(sed -n 's/^SUPERVISOR=//p' /run/nixbox/$m/state)/fd/*; do
                        [ "$(stat -L -c '%d %i' "$fd" 2>/dev/null)" != "$id" ] || echo "$fd"; done)
                [ -z "$held" ] || fail "${mode:-default}: the supervisor holds the caller's pty: $held"
                got=$("$NIXBOX" exec -T $m cat /tmp/got 2>/dev/null </dev/null || true)
                [ -z "$got" ] || fail "${mode:-default}: the payload read the caller's input: $got"
                stop_machine $m
        done
}

# --console=pipe without --detach: the caller's terminals are replaced by
# pipes nixbox relays; output still reaches the terminal, files pass.
t_pipe_mode_relays_instead_of_passing_the_terminal() {
        local r out tmp
        r=$(copy_fixture busybox)
        tmp=$(test_tmp)
        out=$("$HELPERS/pty-run" sh -c "\"$NIXBOX\" run -q -P \"$r\" -- sh -c '
                [ -t 0 ] || [ -t 1 ] || [ -t 2 ] && echo HAS-A-TERMINAL
                echo out; echo err >&2; (sleep 2; echo BGLEAK >&2) &' 2>$tmp/err-file; sleep 3" </dev/null | tr -d '\r')
        [[ $out != *HAS-A-TERMINAL* ]] || fail "the payload got a terminal: $out"
        assert_match "$out" "(^|$(printf '\n'))out" "stdout relayed"
        assert_eq "$(cat $tmp/err-file)" err "a file is passed as it is"
        [[ $out != *BGLEAK* ]] || fail "a background process wrote after nixbox returned: $out"
        grep -qx "pty-run: pending-input 0" <<<"$out" || fail "input pushed: $out"
}

# exec/shell without a pty (stdout redirected while stdin is a terminal, or
# -T): the command and its background children get pipes, and nothing
# they write after exec returned reaches the terminal.
t_exec_without_pty_cannot_reach_the_callers_terminal() {
        local r out tmp m=secterm-exec-$$ id held flags
        r=$(copy_fixture busybox)
        tmp=$(test_tmp)
        "$NIXBOX" run -q -d -M $m "$r" -- sleep 300 </dev/null >/dev/null || { fail "detach"; return 1; }
        for flags in ">$tmp/out" "-T"; do
                local opt="" redir=""
                case $flags in -T) opt=-T ;; *) redir=$flags ;; esac
                out=$("$HELPERS/pty-run" sh -c "stat -L -c '%d %i' /dev/stdin >$tmp/pty
                        \"$NIXBOX\" exec $opt $m sh -c '
                        [ -t 0 ] || [ -t 1 ] || [ -t 2 ] && echo HAS-A-TERMINAL >&2
                        echo visible >&2
                        (trap \"\" HUP; sleep 2; for f in /proc/self/fd/*; do echo BGLEAK-\$f >\$f; done 2>/dev/null; sleep 300) &' $redir
                        sleep 4" </dev/null | tr -d '\r')
                [[ $out != *HAS-A-TERMINAL* ]] || fail "exec $flags: the command got a terminal: $out"
                assert_match "$out" "(^|$(printf '\n'))visible" "exec $flags: stderr relayed"
                [[ $out != *BGLEAK* ]] || fail "exec $flags: a background child wrote after exec returned: $out"
                grep -qx "pty-run: pending-input 0" <<<"$out" || fail "exec $flags: input pushed: $out"
                id=$(cat "$tmp/pty")
                held=$(holders_of "$id" "$(sed -n 's/^CGROUP=//p' /run/nixbox/$m/state)")
                [ -z "$held" ] || fail "exec $flags: the container holds the caller's pty: $held"
        done
        [ ! -s "$tmp/out" ] || fail "a background child wrote into the file after exec returned: $(cat $tmp/out)"
        stop_machine $m
}

# A detached payload floods its console (50 MB, and tries to fallocate the
# log through /proc/self/fd/1): the host keeps at most the cap per file,
# one rotation, and `nixbox logs` shows the tail.
t_detach_console_log_is_capped() {
        local r m=secterm-log-$$ mode size old out
        r=$(copy_fixture busybox)
        for mode in --console=pipe --console=read-only; do
                "$NIXBOX" run -q -d $mode --console-log-size=1M -M $m "$r" -- sh -c '
                        fallocate -l 200M /proc/self/fd/1 2>/dev/null && echo FALLOCATED
                        head -c 50000000 /dev/zero | tr "\0" x; echo; echo THE-TAIL; sleep 300' </dev/null >/dev/null ||
                        { fail "$mode: detach"; continue; }
                wait_for sh -c "\"$NIXBOX\" logs $m | grep -q THE-TAIL" || fail "$mode: the tail is not in the log"
                wait_for sh -c "\"$NIXBOX\" logs $m | grep -q THE-TAIL" || fail "$mode: the tail is not in the log"
                size=$(stat -c %s /run/nixbox/$m/console.log)
                old=$(stat -c %s /run/nixbox/$m/console.log.1 2>/dev/null || echo 0)
                [ "$size" -le 1048576 ] && [ "$old" -le 1048576 ] || fail "$mode: log over the cap: $size + $old"
                [ "$(du -k /run/nixbox/$m/console.log | cut -f1)" -le 1040 ] || fail "$mode: log allocated over the cap"
                out=$("$NIXBOX" logs $m | tail -c 100)
                assert_match "$out" "THE-TAIL" "$mode: logs shows the tail"
                [[ $("$NIXBOX" logs $m | head -c 1000000) != *FALLOCATED* ]] || fail "$mode: the payload fallocated the host's log"
                stop_machine $m
        done
        out=$("$NIXBOX" run -q -d --console-log-size=12 "$r" -- true </dev/null 2>&1) && fail "a 12-byte cap was accepted"
        assert_match "$out" "invalid --console-log-size" "message"
}
