#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""notify-listen.py SOCKET TIMEOUT: binds an sd_notify socket and prints every
message received ("+SECONDS MESSAGE", one line per key), until READY=1 arrived
and the socket stayed quiet for 0.5 s, or TIMEOUT seconds passed."""
import os, socket, sys, time

path, timeout = sys.argv[1], float(sys.argv[2])
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
start = time.monotonic()
ready = False
print("listening", flush=True)
while time.monotonic() - start < timeout:
    s.settimeout(0.5 if ready else max(0.05, timeout - (time.monotonic() - start)))
    try:
        data = s.recv(4096)
    except socket.timeout:
        if ready:
            break
        continue
    for line in data.decode(errors="replace").splitlines():
        print("+%.3f %s" % (time.monotonic() - start, line), flush=True)
        if line == "READY=1":
            ready = True
os.unlink(path)
