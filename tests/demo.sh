#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's first command (`make demo`): boots the NixOS-shaped fixture
# (built from Debian packages by tests/fixtures/) with nixbox, on a
# throwaway overlay, to multi-user.target, and powers it off again.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
NIXBOX=${NIXBOX:-$TOP/build/nixbox}

echo "== building the NixOS-shaped demo tree (first time: about a minute, then cached)"
root=$("$TOP/tests/fixtures/fixture.sh" nixos)
echo "== booting $root with nixbox (ephemeral: the tree stays untouched)"
echo "   systemd.wants=nixbox-test-poweroff.service powers it off once booted"
echo
# A private network namespace around it keeps the demo off the machine's network.
exec unshare --net -- "$NIXBOX" run --ephemeral --boot -M nixbox-demo "$root" -- systemd.wants=nixbox-test-poweroff.service
