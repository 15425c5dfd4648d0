#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# fetch-kernel.sh CACHE [META-PACKAGE]: prints the directory of an unpacked
# Debian kernel for the VM lane, fetching it first when needed:
#   CACHE/debs/PKG_VERSION_amd64.deb         as `apt-get download` left it
#   CACHE/kernel-SHA/{vmlinuz,release,config,modules/,modules.load}
# where SHA covers the package's content and this script (the module list).
# META-PACKAGE (default linux-image-cloud-amd64, i.e. bookworm's 6.1 cloud
# kernel) is resolved with `apt-cache depends` to the versioned image package.
# The package is unpacked, never installed. Without the mirror, the newest
# kernel already in the cache is used. Exit 1 with the reason on stderr.
set -euo pipefail

cache=${1:?usage: fetch-kernel.sh CACHE [META-PACKAGE]}
meta=${2:-linux-image-cloud-amd64}
debs=$cache/debs
# The cloud kernel has ext4 built in; these are modules there (with their
# dependencies, found by depmod): the disk, and overlayfs for --ephemeral.
modules=(virtio_pci virtio_blk overlay)

die() {
	echo "fetch-kernel.sh: $*" >&2
	exit 1
}

mkdir -p "$debs"
apt_opts=(-q -o DPkg::Lock::Timeout=120 -o APT::Sandbox::User=root)

# The versioned image package META depends on ("linux-image-6.1.0-NN-cloud-amd64").
resolve() {
	apt-cache depends "$meta" 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# What the package lists say about PKG: "FILENAME SHA256".
describe() {
	apt-cache show --no-all-versions "$1" 2>/dev/null |
		awk '/^Filename:/ { f = $2 } /^SHA256:/ { s = $2 } END { if (f && s) print f, s }'
}

updated=0
update_lists() {
	((updated)) && return 1
	updated=1
	echo "fetch-kernel.sh: refreshing the package lists" >&2
	apt-get "${apt_opts[@]}" update >&2 || true
}

deb=""
pkg=$(resolve || true)
if [[ -z $pkg ]] && update_lists; then
	pkg=$(resolve || true)
fi
if [[ -n $pkg ]]; then
	for _ in 1 2; do
		read -r filename sha < <(describe "$pkg" || true) || true
		if [[ -n ${filename:-} ]]; then
			candidate=$debs/${filename##*/}
			if [[ -f $candidate ]] && [[ $(sha256sum <"$candidate" | cut -d' ' -f1) == "$sha" ]]; then
				deb=$candidate
				break
			fi
			rm -f "$candidate"
			if (cd "$debs" && apt-get "${apt_opts[@]}" download "$pkg" >&2) && [[ -f $candidate ]] &&
				[[ $(sha256sum <"$candidate" | cut -d' ' -f1) == "$sha" ]]; then
				deb=$candidate
				break
			fi
		fi
		# Stale lists name a version the mirror no longer has.
		update_lists || break
	done
fi
if [[ -z $deb ]]; then
	# Offline: any kernel of this flavour fetched before.
	flavour=${meta#linux-image-}
	deb=$(ls -t "$debs"/linux-image-*"$flavour"_*.deb 2>/dev/null | head -n 1 || true)
	[[ -n $deb ]] || die "cannot download ${pkg:-the package that $meta depends on} (Debian mirror unreachable?) and no kernel is cached in $debs"
	echo "fetch-kernel.sh: cannot download ${pkg:-$meta}: using the cached $(basename "$deb")" >&2
fi

key=$({
	sha256sum <"$deb"
	sha256sum <"${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-16)
dir=$cache/kernel-$key
if [[ -f $dir/done ]]; then
	echo "$dir"
	exit 0
fi

tmp=$(mktemp -d "$cache/.kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/x" || die "cannot unpack $deb"
vmlinuz=$(ls "$tmp"/x/boot/vmlinuz-* 2>/dev/null | head -n 1)
[[ -n $vmlinuz ]] || die "$deb has no /boot/vmlinuz-*"
release=${vmlinuz##*/vmlinuz-}
moddir=$tmp/x/lib/modules/$release
depmod -b "$tmp/x" "$release" || die "depmod failed on $deb"

mkdir -p "$tmp/out/modules"
cp "$vmlinuz" "$tmp/out/vmlinuz"
cp "$tmp/x/boot/config-$release" "$tmp/out/config" 2>/dev/null || true
echo "$release" >"$tmp/out/release"
basename "$deb" >"$tmp/out/package"

# Load order: each module after its dependencies, once.
declare -A loaded=()
order=()
add_module() {
	local name=$1 line path dep
	[[ -n ${loaded[$name]:-} ]] && return 0
	line=$(grep -E "/${name//_/[_-]}\.ko(\.[a-z]+)?:" "$moddir/modules.dep" | head -n 1) || {
		# Built into this kernel: nothing to load.
		grep -qE "/${name//_/[_-]}\.ko\$" "$moddir/modules.builtin" 2>/dev/null && return 0
		die "module $name not found in $release"
	}
	path=${line%%:*}
	for dep in ${line#*:}; do
		dep=${dep##*/}
		add_module "${dep%%.ko*}"
	done
	loaded[$name]=1
	case $path in
	*.ko) cp "$moddir/$path" "$tmp/out/modules/$name.ko" ;;
	*.ko.xz) xz -dc "$moddir/$path" >"$tmp/out/modules/$name.ko" ;;
	*.ko.zst) zstd -qdc "$moddir/$path" >"$tmp/out/modules/$name.ko" ;;
	*) die "module $path: unknown compression" ;;
	esac
	order+=("$name")
}
for m in "${modules[@]}"; do
	add_module "$m"
done
printf '%s\n' "${order[@]}" >"$tmp/out/modules.load"
touch "$tmp/out/done"
rm -rf "$dir"
mv -T "$tmp/out" "$dir"
# Unpacked by an older version of this script: not used any more.
for old in "$cache"/kernel-*; do
	[[ $old != "$dir" && $(cat "$old/package" 2>/dev/null) == "$(basename "$deb")" ]] && rm -rf "$old"
done
echo "fetch-kernel.sh: unpacked $release from $(basename "$deb") into $dir" >&2
echo "$dir"
