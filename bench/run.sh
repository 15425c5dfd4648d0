#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/run.sh: how nixbox compares with the runtimes its users would pick
# instead (bubblewrap, crun, systemd-nspawn, LXC; `unshare chroot` as the
# floor), side by side on the same root file systems in one run. `make bench`
# runs it; docs/benchmark.md says what is measured and how.
#
#   bench/run.sh [--quick] [--reps N] [--scale "10 50"] [--sections "..."] [--no-install] [--no-peers] [--ab BIN]
#
#   --quick        one repetition of everything, two containers for the scale
#                  test, no NixOS fixture, no package installs: a smoke test
#                  for `make check` (about half a minute)
#   --reps N       repetitions per measurement (default: per section, 3 to 50)
#   --scale LIST   container counts booted at once (default "10 50 100 200";
#                  spaces or commas; `make bench SCALE=LIST` runs only this)
#   --sections S   any of: latency trace boot scale binds chown (default all)
#   --no-install   do not apt-get install missing peers (they are skipped)
#   --no-peers     run as on a machine without any peer: they are hidden from
#                  PATH and each is skipped with its reason (`make check` runs
#                  this, so that the path of a fresh machine keeps working)
#   --ab BIN       boot section: boots this second nixbox build too ("nixbox-b"),
#                  interleaved with build/nixbox in the same shuffled rounds (A/B)
#
# Results go to bench/results/STAMP/ (results.md, results.json, latency.png,
# boot.png, logs/) and bench/results/latest points there. It is a benchmark,
# not a test: the exit status is 0 unless the script itself broke.
#
# Host safety: everything runs in private mount, network, PID and cgroup
# namespaces, rooted at a fresh cgroup under the cgroup2 mount. Inside, the
# cgroup v1 hierarchies of a hybrid host are unmounted and cgroup2 (showing
# only that fresh cgroup) is at /sys/fs/cgroup; the host's mounts are
# untouched. nixbox's lock and state directories and nspawn's and LXC's run
# directories are private to the run too. Afterwards the script checks that
# nothing new appeared in any cgroup v1 hierarchy, removes what did and says
# so loudly.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BENCH=$TOP/bench
PEERS=(systemd-container crun bubblewrap lxc gnuplot-nox)

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: [+${SECONDS}s] $*" >&2; }

# ------------------------------------------------------------ inside the view
# run.sh --inner HAS_CGROUP2 WORK ARGS...: PID 1 of the private namespaces; makes the
# pure cgroup v2 view and the private run directories, then runs bench.py.
RUN_DIRS="/run/nixbox /run/nixbox-uid /run/systemd/nspawn /run/lxc"
if [ "${1:-}" = --inner ]; then
	shift
	hascg=$1 work=$2
	shift 2
	if [ "$hascg" = 1 ]; then
		# A cgroup2 mount made in our cgroup namespace shows our own cgroup as
		# its root: every cgroup the runtimes make lands in there, and (on a
		# hybrid host) the v1 hierarchies leave the view. Only this private
		# mount namespace changes; the host's mounts stay as they are.
		umount -R /sys/fs/cgroup 2>/dev/null || true
		if awk '$9 == "cgroup" { found = 1 } END { exit !found }' /proc/self/mountinfo; then
			echo "bench: cannot unmount the cgroup v1 hierarchies in the private view; stopping" >&2
			exit 1
		fi
		mount -t cgroup2 cgroup2 /sys/fs/cgroup
		# The namespace's root cgroup holds unshare's parent process, so the
		# run sits in a leaf below it.
		mkdir -p /sys/fs/cgroup/driver/main
		echo $$ >/sys/fs/cgroup/driver/main/cgroup.procs
	fi
	for d in $RUN_DIRS; do
		mkdir -p "$d"
		mount -t tmpfs -o mode=0755 bench-private "$d"
	done
	# The root file systems live in memory: copying one takes a second or
	# two instead of ten on a busy disk, other people's disk I/O does not
	# reach the boots, and the copies vanish with this mount namespace.
	# tmpfs supports the idmapped mounts that all the runtimes use.
	mkdir -p "$work/trees"
	mount -t tmpfs -o size=75%,mode=0755 bench-trees "$work/trees"
	ip link set lo up
	export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
	# Not exec: bash stays PID 1 here and reaps whatever gets orphaned.
	python3 "$BENCH/bench.py" "$@" && rc=0 || rc=$?
	exit $rc
fi

# ------------------------------------------------------------ outside
quick=0 install=1 nopeers=0 ab="" args=()
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; install=0; args+=(--quick) ;;
	--no-install) install=0 ;;
	--no-peers) nopeers=1; install=0 ;;
	--reps) args+=(--reps "$2"); shift ;;
	--scale) args+=(--scale "$2"); shift ;;
	--sections) args+=(--sections "$2"); shift ;;
	--ab) ab=$2; [ -x "$ab" ] || die "--ab $ab: not an executable"; shift ;;
	-h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option '$1' (see --help)" ;;
	esac
	shift
done

if [ "$(id -u)" -ne 0 ]; then
	say "needs root (it runs containers as root); nothing measured"
	[ $quick = 1 ] && exit 0 || exit 1
fi
[ -x "$TOP/build/nixbox" ] || die "build/nixbox is missing: run make first"
command -v python3 >/dev/null || die "python3 is missing"

# Peers, from Debian. A policy-rc.d keeps the packages' services (lxc-net would
# make a bridge and start dnsmasq) from starting on the host.
missing=()
[ $nopeers = 1 ] && PEERS=()
for p in "${PEERS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ $install = 1 ] && command -v apt-get >/dev/null; then
		say "installing ${missing[*]}"
		made_policy=0
		if [ ! -e /usr/sbin/policy-rc.d ]; then
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
			chmod 0755 /usr/sbin/policy-rc.d
			made_policy=1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 ||
			say "warning: apt-get install failed; the missing peers are left out"
		[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
	else
		say "not installed, left out: ${missing[*]}"
	fi
fi

# Fixtures (their builders need the network, so before the private namespaces).
fixture() {
	local path
	if path=$("$TOP/tests/fixtures/fixture.sh" "$1" 2>"$work/fixture-$1.log"); then
		echo "$path"
	else
		say "fixture $1 unavailable: $(tail -n 1 "$work/fixture-$1.log")"
	fi
}

stamp=$(date +%Y%m%d-%H%M%S)$([ $quick = 1 ] && echo -quick || true)
out=$BENCH/results/$stamp
mkdir -p "$out"
work=$(mktemp -d /var/tmp/nixbox-bench.XXXXXX)
chmod 0755 "$work" # LXC's container root walks to its rootfs through it
mkdir -p "$work/bin"
# A private copy: a rebuild during the run cannot change what is measured.
cp "$TOP/build/nixbox" "$work/bin/nixbox"
[ -x "$TOP/build/nixbox-oci" ] && cp "$TOP/build/nixbox-oci" "$work/bin/nixbox-oci"
if [ -n "$ab" ]; then
	cp "$ab" "$work/bin/nixbox-b"
	args+=(--nixbox-b "$work/bin/nixbox-b")
fi
if [ $nopeers = 1 ]; then
	# A PATH of links to every command but the peers' (first one wins, as in
	# a PATH search): bench.py and the probe below see them as absent.
	mkdir "$work/path"
	IFS=: read -ra dirs <<<"$PATH"
	for d in "${dirs[@]}"; do
		for f in "$d"/*; do
			n=${f##*/}
			case $n in systemd-nspawn | crun | bwrap | lxc-* | gnuplot) continue ;; esac
			if [ -f "$f" ] && [ -x "$f" ] && [ ! -e "$work/path/$n" ]; then
				ln -s "$f" "$work/path/$n"
			fi
		done
	done
	PATH=$work/path
	say "--no-peers: the peers are hidden from PATH"
fi

cg2=$(awk '$9 == "cgroup2" && $4 == "/" { print $5; exit }' /proc/self/mountinfo)
hybrid=0
[ -n "$cg2" ] && [ "$cg2" != /sys/fs/cgroup ] && hybrid=1
cg=""

# Every directory in the cgroup v1 hierarchies, but the machinery's own.
v1_dirs() {
	awk '$9 == "cgroup" { print $5 }' /proc/self/mountinfo | while read -r h; do
		find "$h" -mindepth 1 -type d 2>/dev/null
	done | grep -v '^/sys/fs/cgroup/memory/process_api' | sort || true
}
v1_before=$(v1_dirs)
# The run directories the view covers with private tmpfs mounts (RUN_DIRS);
# those that do not exist yet get made (empty) and are removed afterwards.
made_dirs=""
for d in $RUN_DIRS; do
	[ -d "$d" ] || made_dirs="$d $made_dirs"
done

cleanup() {
	local rc=$? i leftover new
	trap - EXIT INT TERM
	if [ -n "$cg" ]; then
		# The PID namespace is gone with its init, so every process in it is
		# dead; cgroups empty asynchronously: retry for a while.
		for i in $(seq 50); do
			find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
			[ -d "$cg" ] || break
			sleep 0.1
		done
		[ -d "$cg" ] && say "WARNING: could not remove $cg: $(find "$cg" -type d | head -5 | tr '\n' ' ')"
	fi
	new=$(comm -13 <(echo "$v1_before") <(v1_dirs) | sed '/^$/d')
	if [ -n "$new" ]; then
		{
			echo "bench: ####################################################################"
			echo "bench: WARNING: new directories appeared in cgroup v1 hierarchies during"
			echo "bench: the run (something wrote to the machine's v1 cgroups). Removing:"
			echo "$new" | sed 's/^/bench:     /'
			echo "bench: ####################################################################"
		} >&2
		echo "$new" | sort -r | while read -r leftover; do rmdir "$leftover" 2>/dev/null || true; done
		echo "$new" >"$out/v1-cgroup-leak.txt"
	fi
	for d in $made_dirs; do rmdir "$d" 2>/dev/null || true; done
	chattr -R -f -i "$work" 2>/dev/null || true
	rm -rf --one-file-system "$work"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

debian=$(fixture debian)
nixos=$(fixture nixos)
busybox=$(fixture busybox)

if [ -n "$cg2" ]; then
	# The run's cgroup namespace is rooted at $cg/view, which keeps unshare's
	# parent process. Nothing is enabled in $cg's cgroup.subtree_control, so
	# nothing is offered below it: crun and LXC would otherwise try (crun for
	# seconds) to enable controllers in a cgroup that holds a process. The
	# containers get no controllers; resource limits are not measured here.
	cg=$cg2/$(basename "$work")
	mkdir -p "$cg/view"
fi

# Each absent peer is said once here and skipped with its reason by bench.py.
# (An `if`, not `&&`: under set -e a last absent peer must not end the run.)
peers=""
for p in systemd-nspawn crun bwrap lxc-start; do
	if command -v $p >/dev/null; then
		peers+="$p $($p --version 2>/dev/null | head -n 1 | tr -d '()' | awk '{ print $NF }'); "
	else
		say "skipped: $p not installed"
	fi
done
meta=$(python3 -c 'import json, sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' \
	date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
	kernel "$(uname -sr)" cpus "$(nproc)" memory "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)" \
	cgroups "$([ $hybrid = 1 ] && echo 'hybrid host; pure v2 view in private mount and cgroup namespaces' || echo "${cg2:+unified}${cg2:-none}")" \
	nixbox_version "$("$work/bin/nixbox" --version 2>/dev/null | awk '{ print $NF }')" \
	git "$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)" \
	peers "$peers")

say "work directory $work, results in $out"
(
	[ -n "$cg" ] && echo $BASHPID >"$cg/view/cgroup.procs"
	exec unshare --cgroup --mount --net --pid --fork --mount-proc --propagation private -- \
		"$BENCH/run.sh" --inner "$([ -n "$cg" ] && echo 1 || echo 0)" "$work" \
		--work "$work" --out "$out" --nixbox "$work/bin/nixbox" \
		${debian:+--debian "$debian"} ${nixos:+--nixos "$nixos"} ${busybox:+--busybox "$busybox"} \
		${cg:+--cgroup-base /driver/main} --meta "$meta" "${args[@]}"
) && rc=0 || rc=$?
[ -d "$work/logs" ] && cp -a "$work/logs" "$out/" 2>/dev/null || true
ln -sfn "$stamp" "$BENCH/results/latest"
if [ -f "$out/results.md" ]; then
	say "results: $out/results.md"
	sed -n '/^## Targets/,/^## 1/p' "$out/results.md" | sed '$d' >&2
fi
[ $rc -eq 0 ] || say "bench.py exited $rc (see above)"
# A benchmark, not a test: only a broken script is a failure.
[ $rc -eq 0 ] || [ $rc -eq 130 ]
