#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian package (debian/): `dpkg-buildpackage -us -uc -b` in a copy of
# the source tree (the tree itself stays clean), lintian (errors fail; its
# other findings are printed), then the installed files of the .deb, unpacked
# into a scratch root, are checked and run: `nixbox --version`, and, as root
# with the busybox fixture ($BUSYBOX_ROOT), a command in a container.
# Exit 0: passed; 1: failed; 77 with "skip: REASON".
# NIXBOX_DEB_KEEP=1 keeps the scratch directory (its path is printed).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

for t in dpkg-buildpackage dh dpkg-deb; do
        command -v $t >/dev/null || skip "$t is not installed (apt-get install dpkg-dev debhelper)"
done
scratch=$(mktemp -d /var/tmp/nixbox-deb.XXXXXX)
chmod 0700 "$scratch"
if [ "${NIXBOX_DEB_KEEP:-0}" = 1 ]; then echo "scratch: $scratch"; else trap 'rm -rf "$scratch"' EXIT; fi
version=$(cat "$TOP/VERSION")
src=$scratch/nixbox-$version
mkdir -p "$src"

# The source as it is (committed or not), without build/ and ignored files.
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$TOP" && git ls-files -co --exclude-standard -z | xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
                tar --null -T - -cf -) | tar -xf - -C "$src" || fail "copy the source tree"
else
        (cd "$TOP" && tar --exclude=./build -cf - .) | tar -xf - -C "$src" || fail "copy the source tree"
fi

echo "building in $src"
# The package builds as on a fresh machine: not with the caller's make variables.
(cd "$src" && env -u BUILD -u SANITIZE -u PREFIX -u DESTDIR -u CFLAGS -u LDFLAGS -u MAKEFLAGS -u MFLAGS \
        dpkg-buildpackage -us -uc -b >"$scratch/build.log" 2>&1) ||
        { tail -30 "$scratch/build.log"; fail "dpkg-buildpackage failed"; }
deb=$(ls "$scratch"/nixbox_"$version"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no .deb in $scratch"
echo "built $(basename "$deb") ($(stat -c %s "$deb") bytes)"

if command -v lintian >/dev/null; then
        lintian --fail-on=error "$scratch"/nixbox_"$version"_*.changes >"$scratch/lintian.log" 2>&1; rc=$?
        grep -v "running with root privileges" "$scratch/lintian.log" | sed 's/^/lintian: /'
        [ $rc -eq 0 ] || fail "lintian reports errors"
else
        echo "note: lintian is not installed: not run"
fi

root=$scratch/root
dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x"
for f in usr/bin/nixbox usr/bin/nixbox-netsetup usr/bin/nixbox-oci usr/share/man/man1/nixbox.1.gz usr/share/man/man1/nixbox-netsetup.1.gz usr/share/man/man1/nixbox-oci.1.gz usr/share/man/man5/nixbox.nspawn.5.gz \
        usr/share/man/man5/nixbox.conf.5.gz usr/share/nixbox/openrc/nixbox lib/systemd/system/nixbox@.service \
        usr/share/nixbox/runit/nixbox/run usr/share/nixbox/s6/nixbox/notification-fd \
        usr/share/bash-completion/completions/nixbox usr/share/zsh/vendor-completions/_nixbox \
        usr/share/fish/vendor_completions.d/nixbox.fish usr/share/nixbox/python/nixbox.py usr/share/doc/nixbox/examples/example.nspawn \
        usr/share/doc/nixbox/examples/machines/example.conf usr/share/doc/nixbox/copyright; do
        [ -e "$root/$f" ] || fail "the package lacks /$f"
done
out=$("$root/usr/bin/nixbox" --version) || fail "nixbox --version exited $?"
[ "$out" = "nixbox $version" ] || fail "nixbox --version says '$out', expected 'nixbox $version'"
"$root/usr/bin/nixbox-netsetup" --help >/dev/null 2>&1 || "$root/usr/bin/nixbox-netsetup" 2>&1 | grep -qi usage ||
        fail "nixbox-netsetup does not run"
grep -q '^ExecStart=/usr/bin/nixbox ' "$root/lib/systemd/system/nixbox@.service" || fail "the unit does not run /usr/bin/nixbox"

if [ "$(id -u)" -eq 0 ] && [ -n "${BUSYBOX_ROOT:-}" ]; then
        cp -a "$BUSYBOX_ROOT" "$scratch/box"
        out=$(unshare --net -- "$root/usr/bin/nixbox" run -q -M pkg-deb-smoke "$scratch/box" -- /bin/sh -c 'echo hello from $container' </dev/null 2>&1) ||
                fail "busybox run with the packaged nixbox: $out"
        [ "$out" = "hello from nixbox" ] || fail "busybox run printed '$out'"
        [ ! -e /run/nixbox/pkg-deb-smoke ] || fail "the smoke run left /run/nixbox/pkg-deb-smoke"
        # Its outcome record (docs/harness.md) is the only thing a run keeps.
        "$root/usr/bin/nixbox" remove-state pkg-deb-smoke >/dev/null 2>&1 || true
        echo "packaged nixbox ran a busybox container"
else
        echo "note: not root or no busybox fixture: the container smoke run is left out"
fi
echo "nixbox_${version} builds, passes lintian and runs from its installed files"
