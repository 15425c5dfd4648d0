#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian 12 packages that building and testing nixbox need.
# Idempotent and quick: when every package is installed already it only asks
# dpkg and exits without calling apt. Run as root (`make deps` runs it).
set -euo pipefail

packages=(
	# build
	gcc make pkg-config libcap-dev libseccomp-dev libmnl-dev libinih-dev libjson-c-dev musl-tools
	# test tools and fixture builders (clang-format: tests/check-format.sh)
	mmdebstrap busybox-static iproute2 e2fsprogs python3 util-linux procps psmisc kmod tar xz-utils gzip zstd bzip2 nftables clang-format
	# the peer the nspawn parity tests run side by side (tests/integration/13-nspawn-compat.sh)
	systemd-container
	# the Python client's tests and the example harness (python/, examples/)
	python3-pytest
	# supervisors and shells of the service files and completions (tests/integration/77-services.sh)
	runit s6 zsh fish
	# the Debian package (tests/check-deb.sh)
	dpkg-dev debhelper lintian fakeroot
	# engines that drive nixbox-oci (tests/integration/65-oci.sh), and jq for its bundles
	jq podman conmon crun containerd
	# the VM lane (tests/vm/)
	qemu-system-x86 cpio
	# fuzz target (libFuzzer and the sanitizer runtimes)
	clang libclang-rt-14-dev
)

# One dpkg-query for all: it lists the known ones (and fails on unknown ones).
declare -A installed=()
while read -r pkg status; do
	[[ $status == installed ]] && installed[${pkg%%:*}]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${packages[@]}" 2>/dev/null || true)

missing=()
for pkg in "${packages[@]}"; do
	[[ -n ${installed[$pkg]:-} ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	exit 0
fi

if ((EUID != 0)); then
	echo "install-deps.sh: must run as root to install: ${missing[*]}" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for a concurrent apt/dpkg instead of failing on its lock.
apt_opts=(-q -o DPkg::Lock::Timeout=300)

echo "install-deps.sh: installing ${missing[*]}" >&2
# A fresh image may have no package lists, or stale ones whose files are gone
# from the mirror: refresh them, since something has to be installed anyway.
apt-get "${apt_opts[@]}" update
apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"
