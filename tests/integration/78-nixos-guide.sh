# SPDX-License-Identifier: LGPL-2.1-or-later
# docs/nixos-on-any-host.md, run as written: every ```sh block of the guide,
# in order, in one bash -e, as root. The guide's ```console blocks need Nix,
# nixpkgs or an init system this machine lacks; the test stands in for them:
#  - the tarball of way A is the NixOS-shaped fixture's tree (zstd-compressed
#    for speed under the file name nixpkgs gives it: import-tar goes by the
#    content, not the name);
#  - the host's /nix is, in a private mount namespace of the test, a copy of
#    the fixture's store with the per-container profile pointing at its
#    system (what `nix-env -p ... --set` makes);
#  - /var/lib/nixbox/web holds the fixture's userland (a real NixOS root is
#    empty: its store provides everything; the fixture's stage 2 uses the
#    Debian tools underneath), without its store and os-release link, so
#    that the guide's placeholders are what the container boots with;
#  - /etc/nixbox is a scratch directory (private mount namespace again).
# The guide uses the names web and webtar: the test skips when the host has
# either, and removes both afterwards.

guide_blocks() {
        awk '/^```sh$/ { inblock = 1; next } /^```/ { inblock = 0 } inblock' "$TOP/docs/nixos-on-any-host.md"
}

t_nixos_guide_commands_run_as_written() {
        local t=$TEST_TMP made_nix=0 made_etc=0 sys
        [ -n "${NIXOS_ROOT:-}" ] && [ -d "$NIXOS_ROOT" ] || skip "nixos fixture unavailable"
        for n in web webtar; do
                [ ! -e "/var/lib/nixbox/$n" ] && [ ! -e "/run/nixbox/$n" ] ||
                        skip "the host has a machine or image named $n, which the guide uses"
        done
        [ ! -e /etc/nixbox/web.nspawn ] || skip "the host has /etc/nixbox/web.nspawn, which the guide writes"
        [ -d /nix ] || { mkdir /nix; made_nix=1; }
        [ -d /etc/nixbox ] || { mkdir -m 0755 /etc/nixbox; made_etc=1; }
        # set -e holds in the trap too: every step of it may fail.
        trap '"$NIXBOX" terminate web webtar >/dev/null 2>&1 || true; sleep 0.2
              remove_tree /var/lib/nixbox/web; remove_tree /var/lib/nixbox/webtar
              [ $made_nix = 0 ] || rmdir /nix || true; [ $made_etc = 0 ] || rmdir /etc/nixbox || true
              remove_tree "$TEST_TMP"' EXIT

        # The stand-ins for the console steps.
        mkdir -p "$t/cwd" "$t/bin" "$t/etc-nixbox" "$t/nix/var/nix/profiles/per-container/web"
        ln -s "$NIXBOX" "$t/bin/nixbox"
        tar --numeric-owner -C "$NIXOS_ROOT" -c . | zstd -q -1 -T2 >"$t/cwd/nixos-system-x86_64-linux.tar.xz"
        cp -a "$NIXOS_ROOT/nix/store" "$t/nix/store"
        sys=$(readlink "$NIXOS_ROOT/nix/var/nix/profiles/system-1-link")
        ln -s "$sys" "$t/nix/var/nix/profiles/per-container/web/system"
        mkdir -m 0700 -p /var/lib/nixbox
        cp -a "$NIXOS_ROOT" /var/lib/nixbox/web
        rm -rf /var/lib/nixbox/web/nix/* /var/lib/nixbox/web/etc/os-release /var/lib/nixbox/web/etc/static \
                /var/lib/nixbox/web/etc/machine-id

        guide_blocks >"$t/guide.sh"
        [ "$(grep -c . "$t/guide.sh")" -gt 20 ] || fail "no runnable blocks found in the guide"
        unshare -m --propagation private bash -c '
                set -e
                mount --bind "$1/nix" /nix
                mount --bind "$1/etc-nixbox" /etc/nixbox
                cd "$1/cwd"
                PATH=$1/bin:$PATH bash -e -o pipefail -x "$1/guide.sh"' guide "$t" >"$t/out" 2>&1 ||
                fail "the guide's commands failed: $(tail -25 "$t/out")"

        # What a reader sees at the steps that show something.
        assert_match "$(cat "$t/out")" "webtar +NixOS" "images lists the imported image"
        grep -qx 'running\|degraded' "$t/out" || fail "is-system-running did not answer: $(tail -20 "$t/out")"
        grep -q "^$sys\$" "$t/out" || fail "the container did not boot the profile's system: $(tail -20 "$t/out")"
        grep -q "inet 10.231.136.2/24" "$t/out" || fail "host0 lacks the local address"
        # The guide cleaned up after itself: nothing of it runs or stays.
        [ ! -e /var/lib/nixbox/web ] && [ ! -e /var/lib/nixbox/webtar ] || fail "the guide's removal left images"
        [ -z "$("$NIXBOX" list -q | grep -x 'web\|webtar')" ] || fail "a guide machine still runs"
}
