#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# build-image.sh CACHE DEBIAN NIXOS BUSYBOX: prints the directory holding the
# VM lane's two ext4 disk images, building them when they are missing:
#   CACHE/images-KEY/root.img       the Debian fixture: the VM's own root
#                                   (the pure cgroup v2 "host"), /dev/vda
#   CACHE/images-KEY/machines.img   the three fixtures as debian/, nixos/,
#                                   busybox/: the VM's /machines, /dev/vdb
# Two images, so that the VM's root and the container tree made from the
# same fixture never share an inode, and no copy of the fixtures is needed
# (mke2fs reads them in place, or through hard links).
# KEY covers this script and the fixtures' keys (fixture.sh's NAME.hash): a
# fixture rebuild makes new images; older ones are removed. The VM opens the
# images with snapshot=on: they never change. nixbox and the tests are not in
# them (they come with each run's initramfs). Exit 1 with a reason.
set -euo pipefail

cache=${1:?usage: build-image.sh CACHE DEBIAN NIXOS BUSYBOX}
debian=${2:?} nixos=${3:?} busybox=${4:?}

die() {
	echo "build-image.sh: $*" >&2
	exit 1
}

fixture_key() {
	[[ -f $1.hash ]] || die "fixture $1 has no key file $1.hash"
	cat "$1.hash"
}

key=$({
	sha256sum <"${BASH_SOURCE[0]}"
	for f in "$debian" "$nixos" "$busybox"; do
		echo "$(basename "$f") $(fixture_key "$f")"
	done
} | sha256sum | cut -c1-16)
dir=$cache/images-$key
if [[ -f $dir/machines.img && -f $dir/root.img ]]; then
	echo "$dir"
	exit 0
fi

tmp=$(mktemp -d "$cache/.images.XXXXXX")
trap 'rm -rf --one-file-system "$tmp"' EXIT

# SOURCE-DIR IMAGE: an ext4 image of the tree, with room for what the
# non-ephemeral boots write (the snapshot keeps it off the file).
make_image() {
	local mb
	mb=$(($(du -sm --apparent-size "$1" | cut -f1) * 13 / 10 + 256))
	mke2fs -q -F -t ext4 -L "$(basename "$2" .img)" -d "$1" "$2" "${mb}M" >&2 ||
		die "mke2fs -d $1 failed"
}

make_image "$debian" "$tmp/root.img"
mkdir -p "$tmp/machines"
for f in "$debian" "$nixos" "$busybox"; do
	cp -al "$f" "$tmp/machines/$(basename "$f")" 2>/dev/null ||
		cp -a --reflink=auto "$f" "$tmp/machines/$(basename "$f")" || die "cannot stage $f"
done
make_image "$tmp/machines" "$tmp/machines.img"
rm -rf --one-file-system "$tmp/machines"

rm -rf "$dir"
mv -T "$tmp" "$dir"
chmod 0755 "$dir"
for old in "$cache"/images-*; do
	[[ $old == "$dir" ]] || rm -rf "$old"
done
echo "build-image.sh: built $dir" >&2
echo "$dir"
