# SPDX-License-Identifier: LGPL-2.1-or-later
# A hostile tree's special files, opened on the host side by nixbox (host
# root): /etc/machine-id, /etc/os-release, /etc/resolv.conf and the
# .nspawn file next to the tree may be FIFOs (a blocking open would hang
# nixbox for ever, holding the machine lock) or device nodes (opening one
# as host root bypasses every device policy: a tty node hands over what is
# typed on that terminal). nixbox opens them O_PATH, checks the type and
# only then opens a regular file; writes go to a new file renamed over the
# old one. Every run here is wrapped in `timeout`: a hang is a failure.

# _hf_on_tty OUT TTYLOG TYPED CMD...: runs CMD with a pty as its controlling
# terminal ("the admin's terminal"), TYPED waiting there as if typed; CMD's
# stdin is /dev/null and its stdout and stderr go to OUT, so whatever reaches
# the terminal (TTYLOG) was written through /dev/tty. A tree's node c 5 0
# is /dev/tty: opened by nixbox, it is that terminal. Returns CMD's status.
_hf_on_tty() {
        python3 -c '
import os, pty, sys
out, log, typed = sys.argv[1:4]
pid, m = pty.fork()
if pid == 0:
    os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1); os.dup2(fd, 2)
    os.execvp(sys.argv[4], sys.argv[4:])
if typed:
    os.write(m, typed.encode())
got = b""
while True:
    try:
        b = os.read(m, 4096)
    except OSError:
        break
    if not b:
        break
    got += b
open(log, "wb").write(got)
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st) & 255)
' "$@"
}

t_machine_id_fifo_or_tty_is_not_read() {
        local r d out rc typed=0123456789abcdef0123456789abcdef
        command -v python3 >/dev/null || skip "needs python3"
        r=$(copy_fixture busybox hfmid); d=$(test_tmp)
        rm -f "$r/etc/machine-id"
        mkfifo "$r/etc/machine-id"
        rc=0; out=$(timeout 20 "$NIXBOX" run -M hfmid "$r" -- sh -c 'echo uuid=$container_uuid' </dev/null 2>&1) || rc=$?
        assert_eq $rc 0 "exit status with a FIFO as /etc/machine-id (124: nixbox hung)"
        assert_match "$out" "ignoring /etc/machine-id in .*: a FIFO, not a regular file" "warning"
        assert_match "$out" "uuid=[0-9a-f]{8}-" "container_uuid derived from the name"
        # /dev/tty's node: the "keystrokes" waiting on the admin's terminal
        # must not be read (they would become the uuid).
        rm -f "$r/etc/machine-id"
        mknod "$r/etc/machine-id" c 5 0
        rc=0; _hf_on_tty "$d/out" "$d/tty" "$typed
" timeout 20 "$NIXBOX" run -M hfmid "$r" -- sh -c 'echo uuid=$container_uuid' || rc=$?
        out=$(cat "$d/out")
        assert_eq $rc 0 "exit status with /dev/tty's node as /etc/machine-id"
        assert_match "$out" "a character device, not a regular file" "warning"
        [[ $out == *uuid=01234567-89ab-cdef-0123-456789abcdef* ]] && fail "nixbox read the tty's input: $out"
        true
}

t_os_release_fifo_or_device_refuses_boot_quickly() {
        local r out rc
        r=$(copy_fixture busybox hfos)
        rm -f "$r/etc/os-release" "$r/usr/lib/os-release"
        mkfifo "$r/etc/os-release"
        rc=0; out=$(timeout 20 "$NIXBOX" run -q -M hfos -b "$r" </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "exit status with a FIFO as os-release (124: nixbox hung)"
        assert_match "$out" "does not look like an OS tree" "message"
        # Symlinks to the host's devices resolve inside the tree.
        rm -f "$r/etc/os-release"
        ln -s /dev/tty "$r/etc/os-release"
        ln -s ../../dev/zero "$r/usr/lib/os-release"
        rc=0; out=$(timeout 20 "$NIXBOX" run -q -M hfos -b "$r" </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "exit status with os-release symlinks to /dev"
        assert_match "$out" "does not look like an OS tree" "message"
        # `nixbox import-tar`'s check of the tree's os-release only looks too.
        true
}

t_resolv_conf_special_files_are_not_opened() {
        local r d out rc
        command -v python3 >/dev/null || skip "needs python3"
        [[ -f /etc/resolv.conf ]] || skip "the host has no /etc/resolv.conf"
        r=$(copy_fixture busybox hfres); d=$(test_tmp)
        # A FIFO: the old code's open for writing blocked for ever.
        rm -f "$r/etc/resolv.conf"
        mkfifo "$r/etc/resolv.conf"
        rc=0; out=$(timeout 20 "$NIXBOX" run -M hfres --resolv-conf=copy-host "$r" -- true </dev/null 2>&1) || rc=$?
        assert_eq $rc 0 "exit status with a FIFO as resolv.conf (124: nixbox hung)"
        assert_match "$out" "not copying /etc/resolv.conf into .*: it is a FIFO, not a regular file" "warning"
        [[ -p $r/etc/resolv.conf ]] || fail "the FIFO was replaced"
        # /dev/tty's node: the host's resolv.conf must not reach the admin's terminal.
        rm -f "$r/etc/resolv.conf"
        mknod "$r/etc/resolv.conf" c 5 0
        rc=0; _hf_on_tty "$d/out" "$d/tty" "" timeout 20 "$NIXBOX" run -M hfres --resolv-conf=copy-host "$r" -- true || rc=$?
        out=$(cat "$d/out")
        assert_eq $rc 0 "exit status with /dev/tty's node as resolv.conf"
        assert_match "$out" "a character device, not a regular file" "warning"
        [[ -s $d/tty ]] && fail "the host's resolv.conf was written to the terminal: $(cat "$d/tty")"
        [[ -c $r/etc/resolv.conf ]] || fail "the node was replaced"
        # A symlink out of the tree is followed inside it; the host file is untouched.
        rm -f "$r/etc/resolv.conf"
        echo host-file >"$d/victim"
        ln -s "../../../../../../..$d/victim" "$r/etc/resolv.conf"
        rc=0; timeout 20 "$NIXBOX" run -q -M hfres --resolv-conf=copy-host "$r" -- true </dev/null || rc=$?
        assert_eq $rc 0 "exit status with resolv.conf pointing out of the tree"
        assert_eq "$(cat "$d/victim")" host-file "the host file"
        cmp -s /etc/resolv.conf "$r$d/victim" || fail "the copy did not land inside the tree at $r$d/victim"
        # A regular file: replaced by the host's (the plain case still works).
        rm -f "$r/etc/resolv.conf"
        echo old >"$r/etc/resolv.conf"
        timeout 20 "$NIXBOX" run -q -M hfres --resolv-conf=copy-host "$r" -- true </dev/null || fail "plain copy"
        cmp -s /etc/resolv.conf "$r/etc/resolv.conf" || fail "resolv.conf not copied"
}

t_nspawn_file_fifo_or_device_next_to_the_tree_is_refused() {
        local r d out rc
        command -v python3 >/dev/null || skip "needs python3"
        r=$(copy_fixture busybox hfnsp); d=$(test_tmp)
        mkfifo "$(dirname "$r")/hfnsp.nspawn"
        rc=0; out=$(timeout 20 "$NIXBOX" run -q "$r" -- true </dev/null 2>&1) || rc=$?
        assert_eq $rc 125 "exit status with a FIFO as the settings file (124: nixbox hung)"
        assert_match "$out" "refusing settings file .*hfnsp.nspawn: a FIFO, not a regular file" "message"
        rm -f "$(dirname "$r")/hfnsp.nspawn"
        mknod "$(dirname "$r")/hfnsp.nspawn" c 5 0
        rc=0; _hf_on_tty "$d/out" "$d/tty" "[Exec]
" timeout 20 "$NIXBOX" run -q "$r" -- true || rc=$?
        out=$(cat "$d/out")
        assert_eq $rc 125 "exit status with /dev/tty's node as the settings file"
        assert_match "$out" "a character device, not a regular file" "message"
}
