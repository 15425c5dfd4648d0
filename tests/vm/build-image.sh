#!/bin/bash
# build-image.sh CACHE DEBIAN NIXOS BUSYBOX: prints the path of the VM lane's
# root disk image, building it when it is missing:
#   CACHE/root-KEY.img   ext4: the Debian fixture as the VM's own root (the
#                        pure cgroup v2 "host"), plus copies of the three
#                        fixtures as /machines/{debian,nixos,busybox}
# KEY covers this script and the fixtures' keys (fixture.sh's NAME.hash), so
# a fixture rebuild makes a new image; older images are removed. The VM opens
# the image with snapshot=on: it never changes. nixbox itself and the tests
# are not in it (they come with each run's initramfs). Exit 1 with a reason.
set -euo pipefail

cache=${1:?usage: build-image.sh CACHE DEBIAN NIXOS BUSYBOX}
debian=${2:?} nixos=${3:?} busybox=${4:?}

die() {
	echo "build-image.sh: $*" >&2
	exit 1
}

fixture_key() {
	local f=$1.hash
	[[ -f $f ]] || die "fixture $1 has no key file $f"
	cat "$f"
}

key=$({
	sha256sum <"${BASH_SOURCE[0]}"
	for f in "$debian" "$nixos" "$busybox"; do
		echo "$(basename "$f") $(fixture_key "$f")"
	done
} | sha256sum | cut -c1-16)
img=$cache/root-$key.img
if [[ -f $img ]]; then
	echo "$img"
	exit 0
fi

stage=$(mktemp -d "$cache/.stage.XXXXXX")
trap 'rm -rf --one-file-system "$stage" "$img.tmp"' EXIT
chmod 0755 "$stage"
cp -a --reflink=auto "$debian/." "$stage/" || die "cannot copy $debian"
mkdir -p "$stage/machines" "$stage/nixbox-vm"
for f in "$debian" "$nixos" "$busybox"; do
	cp -a --reflink=auto "$f" "$stage/machines/$(basename "$f")" || die "cannot copy $f"
done
# The VM's own root: it runs no systemd (the lane's bash script is PID 1).
echo nixbox-vm >"$stage/etc/hostname"

# Room for what the non-ephemeral boots write (the snapshot keeps it off the file).
size_mb=$(($(du -sm --apparent-size "$stage" | cut -f1) * 13 / 10 + 512))
mke2fs -q -F -t ext4 -L nixbox-vm -d "$stage" "$img.tmp" "${size_mb}M" >&2 ||
	die "mke2fs -d failed for $img"
mv -T "$img.tmp" "$img"
rm -f $(ls "$cache"/root-*.img | grep -vxF "$img") 2>/dev/null || true
echo "build-image.sh: built $img (${size_mb} MB)" >&2
echo "$img"
