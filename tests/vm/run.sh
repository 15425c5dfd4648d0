#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/vm/run.sh: the VM lane. Boots bookworm's cloud kernel (6.1) under
# QEMU with software emulation (TCG: no KVM needed) on a pure cgroup v2 root
# made of the Debian fixture, and runs tests/vm/guest-tests.sh there in one
# boot: nixbox's cgroup subtree and limits, the device policy, systemd and
# the NixOS-shaped fixture booting in containers, directly and from a nested
# nixbox. See docs/vm-lane.md.
#
# Prints one line per test ("ok - vm:NAME", "not ok - vm:NAME: why",
# "skip - vm:NAME: why") and closes with "N passed, N failed, N skipped".
# When the lane cannot run here (not root, no QEMU or QEMU cannot start, no
# kernel and no mirror, no fixtures) every test counts as skipped, with the
# reason, and the exit status is 0. Exit 1 only when the lane itself broke
# (the VM died or timed out before its closing line, an image failed to
# build); failed tests are counted in the closing line, exit 0.
#
# Environment: NIXBOX (default $BUILD/nixbox), NIXBOX_VM_CACHE (default
# /var/cache/nixbox-vm: kernel packages and disk images, keyed by content),
# NIXBOX_VM_KERNEL (meta package, default linux-image-cloud-amd64),
# NIXBOX_VM_TIMEOUT (seconds for the VM, default 480), NIXBOX_VM_FILTER (a
# regular expression on test names; the others are not run or counted).
# Never reads stdin.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${TOP:-$(cd "$here/../.." && pwd)}
BUILD=${BUILD:-$TOP/build}
NIXBOX=${NIXBOX:-$BUILD/nixbox}
cache=${NIXBOX_VM_CACHE:-/var/cache/nixbox-vm}
kernel_meta=${NIXBOX_VM_KERNEL:-linux-image-cloud-amd64}
vm_timeout=${NIXBOX_VM_TIMEOUT:-480}
filter=${NIXBOX_VM_FILTER:-.}

exec </dev/null
echo "== vm lane (QEMU TCG, $kernel_meta)"

tests=$(grep -o '^t_[a-z0-9_]*()' "$here/guest-tests.sh" | tr -d '()' | grep -E -- "$filter")
ntests=$(grep -c . <<<"$tests")

skip_lane() {
	echo "skip - vm: $*"
	echo "0 passed, 0 failed, $ntests skipped"
	exit 0
}

pass=0 fail=0 skip=0 qpid="" run=""
broke() {
	echo "not ok - vm:lane: $*"
	if [[ -n $run && -s $run/console.log ]]; then
		echo "#   --- VM console (end) ---"
		tr -d '\r' <"$run/console.log" | tail -n 30 | sed 's/^/#   /'
	fi
	echo "$pass passed, $((fail + 1)) failed, $skip skipped"
	exit 1
}

cleanup() {
	if [[ -n $qpid ]] && kill -0 "$qpid" 2>/dev/null; then
		kill -TERM "$qpid" 2>/dev/null
		sleep 1
		kill -KILL "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	if [[ -n $run ]]; then
		# The last run's logs stay in the cache, for a look after a failure.
		mkdir -p "$cache/last-run" && cp "$run"/*.log "$cache/last-run/" 2>/dev/null
		rm -rf "$run"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

((ntests > 0)) || { echo "0 passed, 0 failed, 0 skipped"; exit 0; }
((EUID == 0)) || skip_lane "needs root (the fixtures and images are root's)"
qemu=$(command -v qemu-system-x86_64) || skip_lane "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v busybox >/dev/null || skip_lane "busybox not installed (apt-get install busybox-static)"
# QEMU must be able to make the machine with TCG: it sets it up paused,
# answers one QMP command, and quits.
probe=$(printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"quit"}' |
	timeout 30 "$qemu" -nodefaults -machine q35,accel=tcg -m 64 -display none -S -qmp stdio 2>&1) ||
	skip_lane "QEMU cannot run here: $(grep -v '^{' <<<"$probe" | head -n 1)"
[[ -x $NIXBOX ]] || broke "no nixbox binary at $NIXBOX (run make)"

mkdir -p "$cache" || skip_lane "cannot create the cache $cache"
exec {lockfd}>>"$cache/lock"
flock "$lockfd"

t0=$SECONDS
fixtures=$("$TOP/tests/fixtures/fixture.sh" debian nixos busybox 2>"$cache/fixtures.log") ||
	skip_lane "fixtures unavailable: $(tail -n 1 "$cache/fixtures.log")"
read -r -d '' debian nixos busybox <<<"$fixtures"
kernel=$("$here/fetch-kernel.sh" "$cache" "$kernel_meta" 2>"$cache/kernel.log") ||
	skip_lane "no kernel: $(tail -n 1 "$cache/kernel.log")"
images=$("$here/build-image.sh" "$cache" "$debian" "$nixos" "$busybox" 2>"$cache/image.log") ||
	broke "cannot build the disk images: $(tail -n 1 "$cache/image.log")"
flock -u "$lockfd"

run=$(mktemp -d /var/tmp/nixbox-vm.XXXXXX)
"$here/build-initrd.sh" "$run/initrd" "$kernel" "$NIXBOX" 2>"$run/initrd.log" ||
	broke "cannot build the initramfs: $(tail -n 1 "$run/initrd.log")"
echo "vm: kernel $(cat "$kernel/release") ($(cat "$kernel/package")), images $(basename "$images"), prepared in $((SECONDS - t0)) s"

# Only the tests asked for: the guest reads their names from the command line.
cmdline="console=ttyS0 loglevel=4 panic=-1 cgroup_no_v1=all nixbox_vm.tests=$(tr '\n' ',' <<<"$tests")"
: >"$run/console.log"
: >"$run/results.log"
# No network device, bounded memory; the snapshots keep the images unchanged
# (their temporary files go to $run). The pid is ours to kill.
TMPDIR=$run "$qemu" -nodefaults -no-user-config -machine q35,accel=tcg -cpu max -smp 2 -m 1G \
	-display none -no-reboot -nic none \
	-kernel "$kernel/vmlinuz" -initrd "$run/initrd" -append "$cmdline" \
	-drive "file=$images/root.img,format=raw,if=virtio,snapshot=on" \
	-drive "file=$images/machines.img,format=raw,if=virtio,snapshot=on" \
	-serial "file:$run/console.log" -serial "file:$run/results.log" \
	>"$run/qemu.log" 2>&1 &
qpid=$!

shown=0 closing=""
show_results() {
	local n line
	n=$(wc -l <"$run/results.log")
	while ((shown < n)); do
		shown=$((shown + 1))
		line=$(sed -n "${shown}p" "$run/results.log" | tr -d '\r')
		case $line in
		"ok - "*) pass=$((pass + 1)) ;;
		"not ok - "*) fail=$((fail + 1)) ;;
		"skip - "*) skip=$((skip + 1)) ;;
		*" passed, "*" failed"*) closing=$line; continue ;;
		esac
		echo "$line"
	done
}

start=$SECONDS
while kill -0 "$qpid" 2>/dev/null; do
	show_results
	if ((SECONDS - start > vm_timeout)); then
		kill -TERM "$qpid" 2>/dev/null
		show_results
		broke "the VM did not finish within ${vm_timeout}s"
	fi
	sleep 1
done
wait "$qpid"
qrc=$?
qpid=""
show_results
echo "vm: VM ran $((SECONDS - start)) s"
if [[ -z $closing ]]; then
	broke "the VM stopped (QEMU status $qrc) before the tests' closing line $(tail -n 1 "$run/qemu.log")"
fi
expected="$pass passed, $fail failed, $skip skipped"
[[ $closing == "$expected" ]] || broke "the guest closed with '$closing' but reported $expected"
echo "$expected"
exit 0
