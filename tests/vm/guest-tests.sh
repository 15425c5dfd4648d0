# SPDX-License-Identifier: LGPL-2.1-or-later
# Tests that run inside the lane's VM (a pure cgroup v2 host on bookworm's
# 6.1 kernel; see guest-init and docs/vm-lane.md). Each t_* function runs
# in its own bash, in file order, as root; it returns 0 (pass) or 1 (fail,
# after a "FAIL: why" line on stderr), or exits 77 after "skip: why".
# t_bare_* run before the root cgroup hands its controllers down, the rest
# after. $NIXBOX is nixbox; the fixtures are /machines/{debian,nixos,busybox}
# (the VM's disk is a throwaway snapshot: trees may be written to).

CG=/sys/fs/cgroup
BB=/machines/busybox

fail() { echo "FAIL: $*" >&2; return 1; }
skip() { echo "skip: $*"; exit 77; }

# expect WHAT ACTUAL EXPECTED
expect() {
	[ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
}
# expect_match WHAT TEXT REGEX
expect_match() {
	[[ $2 =~ $3 ]] || fail "$1: '$2' does not match /$3/"
}
# value KEY TEXT: the VALUE of the first "KEY=VALUE" line in TEXT.
value() {
	sed -n "s/^$1=//p" <<<"$2" | head -n 1
}
# wait_for SECONDS COMMAND...: retries every 0.2 s (TCG is slow).
wait_for() {
	local n=$(($1 * 5))
	shift
	while ((n-- > 0)); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
has_controllers() { # FILE: lists cpu io memory pids
	local c list
	list=" $(cat "$1") "
	for c in cpu io memory pids; do
		[[ $list == *" $c "* ]] || return 1
	done
}
gone() { [ ! -e "$1" ]; }

# ---- the bare host: nobody has enabled the root's controllers -------------

t_bare_host_is_pure_cgroup_v2() {
	expect "file system at $CG" "$(stat -f -c %T $CG)" cgroup2fs || return 1
	! awk '$9 == "cgroup" { found = 1 } END { exit !found }' /proc/self/mountinfo ||
		fail "a cgroup v1 hierarchy is mounted" || return 1
	has_controllers $CG/cgroup.controllers ||
		fail "root controllers: $(cat $CG/cgroup.controllers)" || return 1
	echo "root cgroup.controllers: $(cat $CG/cgroup.controllers)"
	echo "root cgroup.subtree_control: '$(cat $CG/cgroup.subtree_control)'"
}

# Limits on a host whose root hands no controller down: the container still
# runs, and nixbox either says which limit it could not apply or has made
# the controller available itself.
t_bare_host_limits_warn_and_run() {
	local out rc=0
	out=$($NIXBOX run -M vmbare --property=MemoryMax=64M --property=TasksMax=50 $BB -- \
		sh -c 'echo memory.max=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || echo none)' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	if grep -qw memory $CG/cgroup.subtree_control; then
		echo "observed: nixbox enabled the root's controllers: '$(cat $CG/cgroup.subtree_control)'"
		expect "memory.max inside" "$(value memory.max "$out")" 67108864
	else
		echo "observed: root subtree_control stays empty; nixbox/ gets no controller"
		expect "memory.max inside" "$(value memory.max "$out")" none || return 1
		grep -q "controller 'memory' is not available.*memory.max" <<<"$out" ||
			fail "no warning about the missing memory controller"
	fi
}

# ---- the container's subtree ------------------------------------------------

t_subtree_layout_controllers_and_delegation() {
	local out=/tmp/layout.out d=$CG/nixbox/vmlayout pid shift f c
	$NIXBOX run -q -M vmlayout $BB -- sh -c \
		'echo cgroup=$(cat /proc/self/cgroup); echo controllers=$(cat /sys/fs/cgroup/cgroup.controllers); echo READY; exec sleep 600' \
		>$out 2>&1 &
	pid=$!
	wait_for 60 grep -q READY $out || { kill -9 $pid; fail "the container did not start: $(cat $out)"; return 1; }
	cat $out
	find $CG/nixbox -type d
	[ -d $d/payload ] && [ -d $d/supervisor ] || fail "no payload/ and supervisor/ in $d" || return 1
	grep -qx $pid $d/supervisor/cgroup.procs || fail "nixbox ($pid) is not in supervisor/" || return 1
	expect "processes in $d itself" "$(cat $d/cgroup.procs)" "" || return 1
	(($(wc -l <$d/payload/cgroup.procs) >= 2)) || fail "payload/ holds $(cat $d/payload/cgroup.procs)" || return 1
	for f in $CG/nixbox/cgroup.subtree_control $d/cgroup.subtree_control $d/payload/cgroup.controllers; do
		has_controllers $f || fail "$f: '$(cat $f)'" || return 1
	done
	# Delegated to the container's root (a user namespace by default).
	shift=$(stat -c %u $d/payload)
	((shift != 0)) || fail "payload/ is owned by the host's root" || return 1
	for f in cgroup.procs cgroup.subtree_control cgroup.threads; do
		expect "owner of payload/$f" "$(stat -c %u $d/payload/$f)" "$shift" || return 1
	done
	expect "owner of supervisor/" "$(stat -c %u $d/supervisor)" 0 || return 1
	# Inside: a cgroup namespace rooted at payload/, with its controllers.
	expect "/proc/self/cgroup inside" "$(value cgroup "$(cat $out)")" "0::/" || return 1
	for c in cpu io memory pids; do
		grep -qw $c <<<"$(value controllers "$(cat $out)")" || fail "controller $c not seen inside" || return 1
	done
	$NIXBOX terminate vmlayout || fail "nixbox terminate failed" || return 1
	wait_for 30 gone /proc/$pid || { kill -9 $pid; fail "nixbox did not exit after terminate"; return 1; }
	wait $pid
	gone $d || fail "$d left after exit" || return 1
	gone $CG/nixbox || fail "$CG/nixbox left after the last container"
}

# ---- limits -------------------------------------------------------------------

t_memory_max_oom_kills_the_payload_not_init() {
	local out rc=0
	out=$($NIXBOX run -q -M vmoom --property=MemoryMax=48M $BB -- sh -c '
		echo memory.max=$(cat /sys/fs/cgroup/memory.max)
		tail /dev/zero
		echo tail=$?
		echo oom_kill=$(sed -n "s/^oom_kill //p" /sys/fs/cgroup/memory.events)
		echo init=$(cat /proc/1/comm)' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	expect "memory.max" "$(value memory.max "$out")" 50331648 || return 1
	expect "status of the process over the limit" "$(value tail "$out")" 137 || return 1
	(($(value oom_kill "$out") >= 1)) || fail "memory.events counts no oom_kill" || return 1
	[ -n "$(value init "$out")" ] || fail "the container's init is gone"
}

# nixbox tells the user when its container met an OOM kill.
t_memory_oom_is_reported_by_nixbox() {
	local out rc=0
	out=$($NIXBOX run -M vmoom2 --property=MemoryMax=48M $BB -- sh -c 'tail /dev/zero; true' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	grep -qiE 'oom|out of memory|memory limit' <<<"$out" ||
		skip "nixbox does not report OOM kills in its container (memory.events oom_kill) yet"
}

t_tasks_max_fails_fork_past_the_limit() {
	local out rc=0
	# Only shell builtins once the limit is reached: every fork fails then.
	out=$($NIXBOX run -q -M vmpids --property=TasksMax=10 $BB -- sh -c '
		read max </sys/fs/cgroup/pids.max; echo pids.max=$max
		sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do sleep 300 & done" 2>/tmp/err
		read cur </sys/fs/cgroup/pids.current; echo pids.current=$cur
		while read k v; do [ "$k" = max ] && echo pids.events.max=$v; done </sys/fs/cgroup/pids.events
		while read l; do echo "error=$l"; done </tmp/err' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	expect "pids.max" "$(value pids.max "$out")" 10 || return 1
	(($(value pids.current "$out") <= 10)) || fail "more tasks than the limit" || return 1
	(($(value pids.events.max "$out") >= 1)) || fail "pids.events counts no refused fork" || return 1
	grep -q "^error=.*can't fork" <<<"$out" || fail "no fork failure seen"
}

t_cpu_io_memory_limits_from_options() {
	local out rc=0
	out=$($NIXBOX run -q -M vmcpu --property=CPUQuota=50% --property=CPUWeight=200 --property=IOWeight=300 \
		--property=MemoryHigh=100M $BB -- sh -c \
		'for f in cpu.max cpu.weight io.weight memory.high; do echo "$f=$(cat /sys/fs/cgroup/$f)"; done' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	expect cpu.max "$(value cpu.max "$out")" "50000 100000" || return 1
	expect cpu.weight "$(value cpu.weight "$out")" 200 || return 1
	expect io.weight "$(value io.weight "$out")" "default 300" || return 1
	expect memory.high "$(value memory.high "$out")" 104857600
}

t_limits_from_settings_file() {
	local out rc=0
	mkdir -p /etc/nixbox
	printf '%s\n' '[Resources]' MemoryMax=96M TasksMax=33 CPUQuota=150% CPUWeight=50 IOWeight=500 >/etc/nixbox/vmset.nspawn
	out=$($NIXBOX run -q -M vmset $BB -- sh -c \
		'for f in memory.max pids.max cpu.max cpu.weight io.weight; do echo "$f=$(cat /sys/fs/cgroup/$f)"; done' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	expect memory.max "$(value memory.max "$out")" 100663296 || return 1
	expect pids.max "$(value pids.max "$out")" 33 || return 1
	expect cpu.max "$(value cpu.max "$out")" "150000 100000" || return 1
	expect cpu.weight "$(value cpu.weight "$out")" 50 || return 1
	expect io.weight "$(value io.weight "$out")" "default 500" || return 1
	# The command line wins over the file, key by key.
	out=$($NIXBOX run -q -M vmset --property=TasksMax=44 $BB -- sh -c \
		'for f in memory.max pids.max; do echo "$f=$(cat /sys/fs/cgroup/$f)"; done' 2>&1)
	echo "$out"
	rm -f /etc/nixbox/vmset.nspawn
	expect "pids.max with --property" "$(value pids.max "$out")" 44 || return 1
	expect "memory.max with --property" "$(value memory.max "$out")" 100663296
}

# ---- the device policy ------------------------------------------------------------

t_device_policy_denies_disks() {
	local out rc=0 tries
	dd if=/dev/vda of=/dev/null bs=512 count=1 2>/dev/null || fail "the host cannot read /dev/vda itself" || return 1
	tries='
		echo x >/dev/null && echo null=ok
		head -c 4 /dev/urandom >/dev/null && echo urandom=ok
		dd if=/disk of=/dev/null bs=512 count=1 2>/tmp/e && echo disk=opened || echo "disk=$(cat /tmp/e)"
		dd if=/hostdev/vda of=/dev/null bs=512 count=1 2>/tmp/e && echo hostdev=opened || echo "hostdev=$(cat /tmp/e)"
		mknod /vdb b 254 16 2>/tmp/e && echo mknod-disk=made || echo "mknod-disk=$(cat /tmp/e)"
		mknod /pty9 c 136 9 2>/tmp/e && echo mknod-pty=made || echo "mknod-pty=$(cat /tmp/e)"
		mknod /null2 c 1 3 2>/tmp/e && echo x >/null2 && echo mknod-null=ok || echo "mknod-null=$(cat /tmp/e)"'
	# Without a user namespace the container's root has CAP_MKNOD: the
	# policy alone stops it. A device node bound by itself is allowed (as
	# nspawn adds it to DeviceAllow=); without that bind the same disk,
	# reached through a bound directory, is not (the policy goes by number).
	out=$($NIXBOX run -q -x -M vmdev --private-users=no --bind=/dev/vda:/disk $BB -- sh -c "$tries" 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || return 1
	expect "write /dev/null" "$(value null "$out")" ok || return 1
	expect "read /dev/urandom" "$(value urandom "$out")" ok || return 1
	expect "open a bound disk node (passed through)" "$(value disk "$out")" opened || return 1
	expect_match "mknod of a disk" "$(value mknod-disk "$out")" "Operation not permitted" || return 1
	expect_match "mknod of a pty" "$(value mknod-pty "$out")" "Operation not permitted" || return 1
	expect "mknod and use of c 1:3" "$(value mknod-null "$out")" ok || return 1
	out=$($NIXBOX run -q -x -M vmdevd --private-users=no --bind=/dev:/hostdev $BB -- sh -c "$tries" 2>&1) || rc=$?
	echo "$out"
	expect "exit status (bound /dev)" $rc 0 || return 1
	expect_match "open the disk through a bound /dev" "$(value hostdev "$out")" "Operation not permitted" || return 1
	# In a user namespace the disk stays closed as well.
	out=$($NIXBOX run -q -x -M vmdevu --bind=/dev:/hostdev $BB -- sh -c "$tries" 2>&1) || rc=$?
	echo "$out"
	expect "exit status (user namespace)" $rc 0 || return 1
	expect "write /dev/null (user namespace)" "$(value null "$out")" ok || return 1
	expect_match "open the disk through a bound /dev (user namespace)" "$(value hostdev "$out")" "not permitted|denied" || return 1
	expect_match "mknod of a disk (user namespace)" "$(value mknod-disk "$out")" "not permitted"
}

# ---- systemd and NixOS in containers ---------------------------------------------

# in NAME COMMAND...: runs COMMAND in the running container NAME.
inside() {
	local name=$1
	shift
	timeout 60 $NIXBOX exec "$name" "$@" </dev/null
}

# stop_and_check NAME: halts NAME and checks its cgroup is gone.
stop_and_check() {
	local rc=0
	timeout 90 $NIXBOX stop "$1" || rc=$?
	expect "status of nixbox stop $1" $rc 0 || return 1
	wait_for 30 gone $CG/nixbox/$1 || fail "$CG/nixbox/$1 left after stop"
}

# boot_ready NAME OPTIONS... ROOT: boots with --detach (which returns at
# READY=1); prints nixbox's output (the machine name).
boot_ready() {
	local name=$1 out rc=0
	shift
	out=$(timeout 200 $NIXBOX run -q -d --notify-ready=yes --timeout=180 -M "$name" "$@" 2>&1) || rc=$?
	echo "$out"
	((rc == 0)) || fail "boot to READY=1 failed (status $rc): $out"
}

# check_systemd NAME: the system runs, with no failed unit, systemd in
# init.scope seeing the controllers and enabling them for its own subtree.
check_systemd() {
	local name=$1 state failed d=$CG/nixbox/$1/payload
	state=$(inside "$name" systemctl is-system-running --wait)
	failed=$(inside "$name" systemctl --failed --plain --no-legend)
	[ "$state" = running ] || fail "system state '$state', failed units: $failed" || return 1
	expect "/proc/1/cgroup inside" "$(inside "$name" cat /proc/1/cgroup)" "0::/init.scope" || return 1
	expect "journald's cgroup" "$(inside "$name" systemctl show -P ControlGroup systemd-journald.service)" \
		/system.slice/systemd-journald.service || return 1
	[ -d $d/init.scope ] && [ -d $d/system.slice/systemd-journald.service ] ||
		fail "systemd's units are not under $d: $(ls $d)" || return 1
	inside "$name" cat /sys/fs/cgroup/cgroup.controllers >/tmp/controllers.inside
	has_controllers /tmp/controllers.inside || fail "controllers inside: '$(cat /tmp/controllers.inside)'" || return 1
	grep -qw memory $d/cgroup.subtree_control && grep -qw pids $d/cgroup.subtree_control ||
		fail "systemd did not enable memory and pids in payload/: '$(cat $d/cgroup.subtree_control)'" || return 1
}

# On ext4, in a user namespace (an idmapped mount of the tree on 6.1):
# systemd runs its own limits in the delegated subtree.
t_debian_boots_in_user_namespace_with_delegated_controllers() {
	local out owner
	owner=$(stat -c %u /machines/debian/etc/passwd)
	boot_ready vmdeb /machines/debian || return 1
	check_systemd vmdeb || { stop_and_check vmdeb; return 1; }
	out=$(inside vmdeb systemd-run --wait --pipe -q -p MemoryMax=20M -p TasksMax=7 /bin/sh -c \
		'c=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); echo memory.max=$(cat $c/memory.max); echo pids.max=$(cat $c/pids.max)')
	echo "$out"
	expect "MemoryMax= of a unit inside" "$(value memory.max "$out")" 20971520 || { stop_and_check vmdeb; return 1; }
	expect "TasksMax= of a unit inside" "$(value pids.max "$out")" 7 || { stop_and_check vmdeb; return 1; }
	stop_and_check vmdeb || return 1
	expect "owner of the tree's files after the boot (idmapped, not chowned)" \
		"$(stat -c %u /machines/debian/etc/passwd)" "$owner"
}

# Without a user namespace, and with bpf(2) allowed (nspawn's default
# filter, and so nixbox's, denies it: systemd then enforces no DevicePolicy=
# of its own), systemd attaches device programs of its own below nixbox's
# (BPF_F_ALLOW_MULTI): both apply, and a unit cannot widen nixbox's list.
t_debian_boots_without_user_namespace_under_the_device_policy() {
	local name out
	name=$(boot_ready vmdebnu -x --private-users=no --system-call-filter=bpf /machines/debian) || return 1
	check_systemd "$name" || { stop_and_check "$name"; return 1; }
	out=$(inside "$name" systemd-run --wait --pipe -q -p DevicePolicy=strict -p "DeviceAllow=/dev/null rw" /bin/sh -c \
		'echo >/dev/null && echo null=ok; head -c 1 /dev/zero >/dev/null 2>&1 && echo zero=ok || echo zero=denied')
	echo "$out"
	expect "/dev/null in a unit with DeviceAllow=/dev/null" "$(value null "$out")" ok || { stop_and_check "$name"; return 1; }
	expect "/dev/zero in that unit (systemd's own program)" "$(value zero "$out")" denied || { stop_and_check "$name"; return 1; }
	out=$(inside "$name" systemd-run --wait --pipe -q -p "DeviceAllow=block-* rwm" -p "DeviceAllow=char-* rwm" /bin/sh -c \
		'mknod /vdb b 254 16 2>&1 && echo mknod-disk=made; mknod /null2 c 1 3 && echo mknod-null=ok')
	echo "$out"
	expect_match "mknod of a disk in a unit allowing block-*" "$out" "Operation not permitted" || { stop_and_check "$name"; return 1; }
	expect "mknod of c 1:3 in that unit" "$(value mknod-null "$out")" ok || { stop_and_check "$name"; return 1; }
	stop_and_check "$name"
}

t_nixos_boots_to_ready_in_an_ephemeral_container() {
	local name
	name=$(boot_ready vmnixos -x /machines/nixos) || return 1
	check_systemd "$name" || { stop_and_check "$name"; return 1; }
	inside "$name" test -e /run/current-system || fail "no /run/current-system" || { stop_and_check "$name"; return 1; }
	grep -q "Welcome to .*NixOS" /run/nixbox/"$name"/console.log || fail "no NixOS welcome on the console" ||
		{ stop_and_check "$name"; return 1; }
	stop_and_check "$name"
}

# ---- nested: nixbox in a nixbox container -----------------------------------------

# The outer container is a host without systemd: a busybox tree with nixbox,
# the libraries it links and the NixOS-shaped tree at /inner. Its shell does
# what an init system does with a delegated cgroup (moves its processes into
# a leaf and hands the controllers down: payload/ may not both hold
# processes and enable controllers), then boots the inner NixOS tree with
# the outer's own IDs (--private-users=identity: the outer's 65536) and
# limits (identity: a nested user namespace cannot idmap the ext4 tree, and
# a pick would chown all of it). The unit vmnest-status.service records the
# state, waits for the VM host's checks (/vmnest-go) and powers the inner
# container off. Without the leaf step the inner nixbox runs too, but with
# no controller (it warns that memory is "not available on this host").
nested_outer_tree() {
	local o=/machines/vmnest lib
	rm -rf $o
	cp -a $BB $o || return 1
	mkdir -p $o/usr/bin $o/lib/x86_64-linux-gnu $o/lib64
	cp "$NIXBOX" $o/usr/bin/nixbox || return 1
	for lib in $(ldd "$NIXBOX" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		cp -L "$lib" $o/lib/x86_64-linux-gnu/ || return 1
	done
	cp -L /lib64/ld-linux-x86-64.so.2 $o/lib64/ || return 1
	# Hard links (the same ext4: fast, owners kept); /etc and /var, which
	# the boot writes to in place, are real copies.
	rmdir $o/inner 2>/dev/null
	cp -al /machines/nixos $o/inner && rm -rf $o/inner/etc $o/inner/var &&
		cp -a /machines/nixos/etc /machines/nixos/var $o/inner/ || return 1
	cat >$o/inner/vmnest-status <<-'EOF'
		echo STATE=$(systemctl is-system-running --wait) >/vmnest-state.new
		systemctl --failed --no-legend --plain | sed s/^/FAILED-UNIT=/ >>/vmnest-state.new
		mv /vmnest-state.new /vmnest-state
		for i in $(seq 600); do [ -e /vmnest-go ] && break; sleep 0.2; done
		systemctl --no-block poweroff
	EOF
	printf '%s\n' '[Unit]' After=multi-user.target '[Service]' 'ExecStart=/bin/sh /vmnest-status' \
		>$o/inner/etc/systemd/system/vmnest-status.service
}

t_nested_nixbox_boots_nixos_with_controllers() {
	local o=/machines/vmnest out=/tmp/vmnest.out pid rc=0 od=$CG/nixbox/vmnest-out id t0=$SECONDS
	nested_outer_tree || fail "cannot make the outer tree" || return 1
	echo "outer tree made in $((SECONDS - t0)) s"
	$NIXBOX run -q -M vmnest-out $o -- sh -c '
		cg=/sys/fs/cgroup
		mkdir $cg/init.leaf
		for p in $(cat $cg/cgroup.procs); do echo $p >$cg/init.leaf/cgroup.procs 2>/dev/null; done
		echo "+cpu +io +memory +pids" >$cg/cgroup.subtree_control
		echo outer-subtree-control=$(cat $cg/cgroup.subtree_control)
		nixbox run -q -M vmnest-in --private-users=identity --property=MemoryMax=256M --property=TasksMax=300 \
			-b /inner -- systemd.wants=vmnest-status.service
		echo inner-status=$?' >$out 2>&1 &
	pid=$!
	id=$od/payload/nixbox/vmnest-in
	if ! wait_for 120 test -e $o/inner/vmnest-state; then
		touch $o/inner/vmnest-go
		wait_for 30 gone /proc/$pid || kill -9 $pid
		fail "the inner NixOS did not report its state: $(tail -n 20 $out)"
		return 1
	fi
	echo "inner system up after $((SECONDS - t0)) s"
	cat $o/inner/vmnest-state
	find $od -type d | sed "s|^$CG/||"
	check_nested_cgroups $od $id || rc=1
	grep -q '^STATE=running' $o/inner/vmnest-state || fail "inner system state: $(cat $o/inner/vmnest-state)" || rc=1
	if grep -q FAILED-UNIT $o/inner/vmnest-state; then fail "failed units inside: $(cat $o/inner/vmnest-state)"; rc=1; fi
	touch $o/inner/vmnest-go
	wait_for 90 gone /proc/$pid || { kill -9 $pid; fail "the outer container did not end after the inner poweroff"; return 1; }
	wait $pid || { fail "outer exit status $?: $(tail -n 20 $out)"; return 1; }
	echo "both containers ended after $((SECONDS - t0)) s"
	grep -E '^(outer-subtree-control|inner-status)=' $out
	expect "outer's subtree_control" "$(value outer-subtree-control "$(cat $out)")" "cpu io memory pids" || return 1
	expect "inner nixbox's exit status (poweroff)" "$(value inner-status "$(cat $out)")" 0 || return 1
	grep -q "NixOS Stage 2" $out || fail "the inner console shows no NixOS stage 2" || return 1
	# Nothing left: the cgroups (so no process either), the state, mounts.
	gone $od || fail "$od left after exit: $(find $od -type d)" || return 1
	gone /run/nixbox/vmnest-out || fail "/run/nixbox/vmnest-out left after exit" || return 1
	! grep -q " $o[ /]" /proc/self/mountinfo || fail "mounts left: $(grep " $o[ /]" /proc/self/mountinfo)" || return 1
	return $rc
}

# check_nested_cgroups OUTER INNER: INNER (the inner container's cgroup) is
# below OUTER's payload/, got every controller and its limits, is delegated
# to the outer's root (identity), and its systemd uses them in turn.
check_nested_cgroups() {
	local od=$1 id=$2 f
	[ -d $id/payload ] && [ -d $id/supervisor ] || fail "no $id/{payload,supervisor}" || return 1
	for f in $od/payload/cgroup.subtree_control $od/payload/nixbox/cgroup.subtree_control \
		$id/cgroup.subtree_control $id/payload/cgroup.controllers; do
		has_controllers $f || fail "$f: '$(cat $f)'" || return 1
	done
	expect "inner memory.max" "$(cat $id/payload/memory.max)" 268435456 || return 1
	expect "inner pids.max" "$(cat $id/payload/pids.max)" 300 || return 1
	expect "owner of the inner payload/ (the outer's root)" "$(stat -c %u $id/payload)" "$(stat -c %u $od/payload)" || return 1
	(($(stat -c %u $id/payload) != 0)) || fail "the inner payload/ is owned by the host's root" || return 1
	[ -d $id/payload/init.scope ] || fail "no init.scope in the inner payload/: $(ls $id/payload)" || return 1
	grep -qw memory $id/payload/cgroup.subtree_control && grep -qw pids $id/payload/cgroup.subtree_control ||
		fail "the inner systemd did not enable memory and pids: '$(cat $id/payload/cgroup.subtree_control)'"
}

# ---- the older kernel --------------------------------------------------------------

# tmpfs has idmapped mounts only from 6.3 on: on 6.1 a user namespace on a
# tmpfs tree falls back to shifting the files' owners.
t_user_namespace_on_tmpfs_tree() {
	local dir=/run/vmtmpfs out rc=0 mapped
	mkdir -p $dir && mount -t tmpfs -o mode=0700 tmpfs $dir && cp -a $BB $dir/bb || fail "cannot make a tmpfs tree" || return 1
	out=$($NIXBOX run -M vmtmpfs $dir/bb -- sh -c 'echo uid=$(id -u); echo owner=$(stat -c %u /bin/busybox)' 2>&1) || rc=$?
	echo "$out"
	expect "exit status" $rc 0 || { umount $dir; return 1; }
	expect "uid inside" "$(value uid "$out")" 0 || { umount $dir; return 1; }
	expect "owner of /bin/busybox inside" "$(value owner "$out")" 0 || { umount $dir; return 1; }
	mapped=$(stat -c %u $dir/bb/bin/busybox)
	echo "owner on the host: $mapped (kernel $(uname -r))"
	umount $dir
	# Either mapped (a kernel with idmapped tmpfs) or shifted on disk.
	[ "$mapped" = 0 ] || (((mapped & 0xFFFF) == 0 && mapped > 0)) || fail "odd owner $mapped on the host"
}

t_user_namespace_fallback_is_explained() {
	local dir=/run/vmtmpfs2 out rc=0
	mkdir -p $dir && mount -t tmpfs -o mode=0700 tmpfs $dir && cp -a $BB $dir/bb && cp -a $BB $dir/bb2 ||
		fail "cannot make tmpfs trees" || return 1
	out=$($NIXBOX run -M vmtmpfs2 --private-users-ownership=map $dir/bb -- true 2>&1) || rc=$?
	echo "ownership=map: status $rc: $out"
	if ((rc == 0)); then
		umount $dir
		skip "this kernel ($(uname -r)) has idmapped mounts on tmpfs: nothing to fall back from"
	fi
	expect "status with ownership=map where idmapping is impossible" $rc 125 || { umount $dir; return 1; }
	grep -q "idmapped mount" <<<"$out" || fail "the error does not say what is missing: $out" || { umount $dir; return 1; }
	# The automatic fallback (shifting the files' owners) should say so.
	rc=0
	out=$($NIXBOX run -M vmtmpfs3 $dir/bb2 -- true 2>&1) || rc=$?
	echo "ownership=auto: status $rc: $out"
	umount $dir
	expect "status with ownership=auto" $rc 0 || return 1
	grep -qiE "idmap|chown|shift" <<<"$out" ||
		skip "the fallback to shifting file owners is silent (runtime/mounts.c logs it at debug level only)"
}

