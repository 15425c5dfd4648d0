#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pty-run.py TIMEOUT SEND -- COMMAND...: runs COMMAND on a new pseudo-terminal
(as a user at a terminal would), writes SEND to it once the output contains
"ready" (escapes like \\n and \\x1d are decoded), and prints everything the
command printed, then "EXIT=<status>". Kills the command after TIMEOUT s."""
import os, pty, select, signal, sys, time

timeout = float(sys.argv[1])
send = sys.argv[2].encode().decode('unicode_escape').encode('latin-1')
cmd = sys.argv[sys.argv.index('--') + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out = b''
sent = False
deadline = time.monotonic() + timeout
status = None
while time.monotonic() < deadline:
    r, _, _ = select.select([fd], [], [], 0.05)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b''
        if not data:
            break
        out += data
    if not sent and b'ready' in out:
        time.sleep(0.2)
        for ch in send:          # one byte at a time, as typed
            os.write(fd, bytes([ch]))
            time.sleep(0.02)
        sent = True
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = st
        break
# What the command printed just before it exited may still be unread (its
# status can be there before the last output is read): drain the terminal.
while True:
    r, _, _ = select.select([fd], [], [], 0.05)
    if not r:
        break
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
# The terminal closes a moment before the command's status is there: wait.
while status is None and time.monotonic() < deadline:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = st
    else:
        time.sleep(0.02)
if status is None:
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    print("TIMEOUT")
sys.stdout.write(out.decode(errors='replace'))
print("\nEXIT=%d" % (os.waitstatus_to_exitcode(status) if status is not None else -1))
