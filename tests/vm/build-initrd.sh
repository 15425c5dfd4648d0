#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-initrd.sh OUT KERNEL-DIR NIXBOX: writes the VM lane's initramfs (an
# uncompressed newc cpio, a few MB: built on every run, in well under a
# second) to OUT. It holds
#   /init, /bin/busybox             tests/vm/initrd-init and the static busybox
#   /modules/*.ko, /modules.load    from fetch-kernel.sh's KERNEL-DIR
#   /payload/                       copied to /nixbox-vm/ on the root image:
#       nixbox, lib/ (its libraries but libc), busybox,
#       guest-init, guest-tests.sh (this directory's)
# Exit 1 with a reason.
set -euo pipefail

out=${1:?usage: build-initrd.sh OUT KERNEL-DIR NIXBOX}
kernel=${2:?} nixbox=${3:?}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() {
	echo "build-initrd.sh: $*" >&2
	exit 1
}

busybox=$(readlink -f "$(command -v busybox)") || die "busybox not found (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && die "$busybox is dynamically linked (apt-get install busybox-static)"
[[ -x $nixbox ]] || die "no nixbox binary at $nixbox (run make)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$tmp.err"' EXIT
mkdir -p "$tmp/bin" "$tmp/dev" "$tmp/proc" "$tmp/sys" "$tmp/newroot" "$tmp/modules" "$tmp/payload/lib"
install -m 0755 "$busybox" "$tmp/bin/busybox"
install -m 0755 "$here/initrd-init" "$tmp/init"
cp "$kernel"/modules/*.ko "$tmp/modules/" 2>/dev/null || true
cp "$kernel/modules.load" "$tmp/modules.load"

install -m 0755 "$nixbox" "$tmp/payload/nixbox"
install -m 0755 "$busybox" "$tmp/payload/busybox"
install -m 0755 "$here/guest-init" "$tmp/payload/guest-init"
install -m 0644 "$here/guest-tests.sh" "$tmp/payload/guest-tests.sh"
# The libraries this build of nixbox was linked with (the root image's may
# differ); libc and the dynamic loader stay the image's own.
{ ldd "$nixbox" || true; } | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r lib; do
	case ${lib##*/} in
	libc.so.* | ld-linux*) continue ;;
	esac
	cp -L "$lib" "$tmp/payload/lib/"
done

if command -v cpio >/dev/null; then
	archive=(cpio --quiet -o -H newc -R 0:0)
else
	archive=("$busybox" cpio -o -H newc)
fi
(cd "$tmp" && find . -mindepth 1 | LC_ALL=C sort | "${archive[@]}") >"$out" 2>"$tmp.err" ||
	die "cpio failed: $(cat "$tmp.err")"
rm -f "$tmp.err"
