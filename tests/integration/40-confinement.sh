# SPDX-License-Identifier: LGPL-2.1-or-later
# Confinement of the container's root (issue 4): capability sets and the
# system-call filter as systemd-nspawn sets them by default, and regression
# tests for escapes known from other runtimes (each names its CVE class):
# leaked descriptors, writable runtime binaries, symlinked /dev and mount
# targets, bind targets racing to symlinks, /proc and cgroup v1 dangers,
# TIOCSTI into the caller's terminal; and nested namespaces as the Nix
# sandbox needs them. "systemd boot still works" under this confinement is
# tests/integration/30-systemd.sh.
#
# Probes: tests/helpers/confine-probe.c (tries one dangerous thing, prints
# "WHAT ok" or "WHAT ERRNO") and tests/helpers/pty-run.c (gives a command a
# real terminal and reports what was pushed into its input queue).

HELPERS=$BUILD/tests/helpers

# nspawn's default bounding set (container-interface.md §2.1), by number:
# CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
# LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_RAW IPC_OWNER SYS_CHROOT
# SYS_PTRACE SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TTY_CONFIG MKNOD
# LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP.
NSPAWN_CAPS="0 1 2 3 4 5 6 7 8 9 10 11 13 15 18 19 21 22 23 24 26 27 28 29 30 31"
CAP_NET_ADMIN=12 CAP_NET_BIND_SERVICE=10 CAP_SYS_ADMIN=21 CAP_SYS_TIME=25 CAP_MKNOD=27

# A private copy of the busybox fixture with the probe in /bin. Its name
# (the machine name) is our own: others run containers named busybox at the
# same time.
probe_root() {
        local r
        [ -x "$HELPERS/confine-probe" ] && [ -x "$HELPERS/pty-run" ] || { fail "helpers not built (run make)"; return 1; }
        r=$(copy_fixture busybox "c40-$$-${1:-box}")
        cp "$HELPERS/confine-probe" "$r/bin/"
        echo "$r"
}

# cap_mask NUMBERS...: the 16-hex-digit mask /proc/PID/status shows.
cap_mask() {
        local m=0 c
        for c; do m=$((m | (1 << c))); done
        printf '%016x' "$m"
}

# cap_lines INH PRM EFF BND AMB: the Cap* lines of /proc/PID/status.
cap_lines() {
        printf 'CapInh:\t%s\nCapPrm:\t%s\nCapEff:\t%s\nCapBnd:\t%s\nCapAmb:\t%s' "$@"
}

# The Cap* lines of PID 1 and of a child of the payload, after a marker each.
caps_probe='echo pid1; grep ^Cap /proc/1/status; echo child; grep ^Cap /proc/self/status'

# expect_caps OUTPUT WHAT PID1-LINES CHILD-LINES
expect_caps() {
        assert_eq "$(sed -n '/^pid1$/,/^child$/p' <<<"$1" | grep ^Cap)" "$3" "$2: PID 1's capability sets"
        assert_eq "$(sed -n '/^child$/,$p' <<<"$1" | grep ^Cap)" "$4" "$2: a child's capability sets"
}

t_capability_sets_of_a_root_payload() {
        local r z all net out
        r=$(probe_root)
        z=$(cap_mask)
        # The default private network adds CAP_NET_ADMIN.
        net=$(cap_mask $NSPAWN_CAPS $CAP_NET_ADMIN)
        out=$(run_nb "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "default" "$(cap_lines $z $net $net $net $z)" "$(cap_lines $z $net $net $net $z)"

        out=$(run_nb --as-pid1 "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--as-pid1" "$(cap_lines $z $net $net $net $z)" "$(cap_lines $z $net $net $net $z)"

        # Host network in a shifted user namespace: no NET_ADMIN, and no
        # binding of the host's low ports.
        local host
        host=$(cap_mask $(tr ' ' '\n' <<<"$NSPAWN_CAPS" | grep -vx $CAP_NET_BIND_SERVICE))
        out=$(run_nb --share-network "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--share-network" "$(cap_lines $z $host $host $host $z)" "$(cap_lines $z $host $host $host $z)"

        local more less
        more=$(cap_mask $NSPAWN_CAPS $CAP_NET_ADMIN $CAP_SYS_TIME)
        out=$(run_nb --capability=CAP_SYS_TIME "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--capability=CAP_SYS_TIME" "$(cap_lines $z $more $more $more $z)" "$(cap_lines $z $more $more $more $z)"
        less=$(cap_mask $(tr ' ' '\n' <<<"$NSPAWN_CAPS $CAP_NET_ADMIN" | grep -vx -e $CAP_SYS_ADMIN -e $CAP_MKNOD))
        out=$(run_nb --drop-capability=CAP_SYS_ADMIN,mknod "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--drop-capability" "$(cap_lines $z $less $less $less $z)" "$(cap_lines $z $less $less $less $z)"
        out=$(run_nb --drop-capability=all "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--drop-capability=all" "$(cap_lines $z $z $z $z $z)" "$(cap_lines $z $z $z $z $z)"
        # In its own user namespace the container may hold every capability
        # the kernel knows (they count only there).
        all=$(cap_mask $(seq 0 "$(cat /proc/sys/kernel/cap_last_cap)"))
        out=$(run_nb --capability=all "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--capability=all" "$(cap_lines $z $all $all $all $z)" "$(cap_lines $z $all $all $all $z)"

        # Without a user namespace the host's bounding set caps it (here it
        # may lack CAP_SYS_RESOURCE).
        local hostbnd priv
        hostbnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
        priv=$(printf '%016x' $((0x$net & 0x$hostbnd)))
        out=$(run_nb --private-users=no "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--private-users=no" "$(cap_lines $z $priv $priv $priv $z)" "$(cap_lines $z $priv $priv $priv $z)"
}

t_capability_sets_of_a_non_root_payload() {
        local r z net out
        r=$(probe_root)
        z=$(cap_mask)
        net=$(cap_mask $NSPAWN_CAPS $CAP_NET_ADMIN)
        # The init-shim runs as the user too: nothing holds capabilities.
        out=$(run_nb --user=nobody "$r" -- sh -c "id -u; $caps_probe")
        assert_eq "$(head -1 <<<"$out")" 65534 "uid"
        expect_caps "$out" "--user=nobody" "$(cap_lines $z $z $z $net $z)" "$(cap_lines $z $z $z $net $z)"
        out=$(run_nb --user=nobody --as-pid1 "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--user=nobody --as-pid1" "$(cap_lines $z $z $z $net $z)" "$(cap_lines $z $z $z $net $z)"
        # A capability granted by option only widens the bounding set of a
        # non-root payload; a dropped one narrows it.
        local b
        b=$(cap_mask $(tr ' ' '\n' <<<"$NSPAWN_CAPS $CAP_NET_ADMIN $CAP_SYS_TIME" | grep -vx $CAP_SYS_ADMIN))
        out=$(run_nb --user=65534 --capability=CAP_SYS_TIME --drop-capability=CAP_SYS_ADMIN "$r" -- sh -c "$caps_probe")
        expect_caps "$out" "--user=65534 with options" "$(cap_lines $z $z $z $b $z)" "$(cap_lines $z $z $z $b $z)"
}

# Harmless arguments: an allowed call would fail otherwise (EFAULT, EINVAL,
# EBADF, ENOSYS...), so EPERM comes from nixbox's filter.
DANGEROUS_CALLS="kexec_load kexec_file_load open_by_handle_at init_module finit_module delete_module
                 add_key request_key keyctl perf_event_open bpf swapon fanotify_init syslog"

t_dangerous_system_calls_fail_with_eperm() {
        local r out c mode
        r=$(probe_root)
        # Without the filter (a user namespace's root on the host), the calls
        # that are not capability-checked first get through: the probe can
        # tell the filter's EPERM from the kernel's refusals.
        if grep -q '^Seccomp:[[:space:]]*0' /proc/self/status; then
                out=$(unshare -Ur "$HELPERS/confine-probe" syscall open_by_handle_at add_key perf_event_open bpf)
                if grep -q EPERM <<<"$out"; then fail "probe cannot tell the filter's EPERM: $out"; fi
        fi
        for mode in "" --private-users=no --as-pid1; do
                out=$(run_nb $mode "$r" -- confine-probe syscall $DANGEROUS_CALLS getpid)
                for c in $DANGEROUS_CALLS; do
                        grep -qx "$c EPERM" <<<"$out" || fail "${mode:-default}: $c: $(grep "^$c " <<<"$out")"
                done
                grep -qx "getpid ok" <<<"$out" || fail "${mode:-default}: getpid: $out"
                out=$(run_nb $mode "$r" -- sh -c 'confine-probe audit-socket; grep ^Seccomp: /proc/self/status')
                grep -qx "audit EAFNOSUPPORT" <<<"$out" || fail "${mode:-default}: audit netlink socket: $out"
                grep -qx "route ok" <<<"$out" || fail "${mode:-default}: route netlink socket: $out"
                assert_match "$out" $'Seccomp:\t2' "${mode:-default}: filter mode"
        done
}

t_system_call_filter_option() {
        local r out
        r=$(probe_root)
        # @clock is allowed only with CAP_SYS_TIME (not in the default set).
        # A NULL time makes an allowed clock_settime fail with EFAULT; adjtimex
        # with modes 0 only reads.
        out=$(run_nb "$r" -- confine-probe syscall clock_settime adjtimex)
        assert_eq "$out" "$(printf 'clock_settime EPERM\nadjtimex EPERM')" "default @clock"
        out=$(run_nb --capability=CAP_SYS_TIME "$r" -- confine-probe syscall clock_settime adjtimex)
        assert_eq "$out" "$(printf 'clock_settime EFAULT\nadjtimex ok')" "@clock with CAP_SYS_TIME"
        out=$(run_nb --capability=CAP_SYS_TIME --system-call-filter='~@clock' "$r" -- \
                sh -c 'confine-probe syscall clock_settime adjtimex getpid; date +%Y >/dev/null && echo date-ok')
        assert_eq "$out" "$(printf 'clock_settime EPERM\nadjtimex EPERM\ngetpid ok\ndate-ok')" "~@clock"
        # An entry also allows: add_key (@keyring) then fails in the kernel.
        out=$(run_nb --system-call-filter='add_key' "$r" -- confine-probe syscall add_key keyctl)
        assert_eq "$out" "$(printf 'add_key EFAULT\nkeyctl EPERM')" "allowing add_key"
}

t_ordinary_programs_still_work() {
        local r out
        r=$(probe_root)
        out=$(run_nb "$r" -- sh -c 'set -e
                ls -la / >/dev/null; ps >/dev/null; df >/dev/null; date >/dev/null; id -u
                mkfifo /tmp/f; (echo via-fifo >/tmp/f &); cat /tmp/f
                tar -cf /tmp/t.tar /etc 2>/dev/null; tar -tf /tmp/t.tar >/dev/null
                ping -c 1 -W 2 127.0.0.1 >/dev/null
                mount -t tmpfs none /mnt; touch /mnt/x; umount /mnt
                hostname renamed; hostname
                echo all-ok')
        assert_eq "$out" "$(printf '0\nvia-fifo\nrenamed\nall-ok')" "busybox programs"
}

# CVE-2024-21626 class: a descriptor nixbox was started with (a host file,
# a host directory, the host's cgroup2 directory) must not reach the payload.
# fds_of OUTPUT: the descriptor numbers the probe listed, one line.
fds_of() { tr -d '\r' <<<"$1" | awk '/^fd / { print $2 }' | sort -n | tr '\n' ' ' | sed 's/ $//'; }

t_leaked_descriptors_do_not_reach_the_payload() {
        local r d out
        r=$(probe_root); d=$(test_tmp)
        mkdir -p "$d/hostdir"; echo secret >"$d/hostdir/file"
        # Command mode: the payload, and PID 1 (the init-shim).
        out=$(run_nb "$r" -- sh -c 'confine-probe fds; echo pid1: $(ls /proc/1/fd); cat /proc/self/fd/3 2>/dev/null && echo fd3-readable; true' \
                3</etc/passwd 4<"$d/hostdir" 5>>"$d/w" 7<"${CG2:-/}")
        assert_eq "$(fds_of "$out")" "0 1 2" "payload's descriptors in command mode"
        grep -qx "pid1: 0 1 2" <<<"$out" || fail "PID 1's descriptors in command mode: $out"
        grep -q fd3-readable <<<"$out" && fail "fd 3 readable: $out"
        # --as-pid1: the payload is PID 1.
        out=$(run_nb --as-pid1 "$r" -- confine-probe fds 3</etc/passwd 4<"$d/hostdir" 7<"${CG2:-/}")
        assert_eq "$(fds_of "$out")" "0 1 2" "PID 1's descriptors with --as-pid1"
        # Boot mode: the init is PID 1; its stdio is the console.
        out=$(run_nb -b --init=/bin/confine-probe "$r" -- fds 3</etc/passwd 4<"$d/hostdir" 7<"${CG2:-/}")
        assert_eq "$(fds_of "$out")" "0 1 2" "init's descriptors in boot mode"
        grep -q "^fd 0 /dev/console" <<<"$(tr -d '\r' <<<"$out")" || fail "init's stdin is not the console: $out"
        [ ! -s "$d/w" ] || fail "the payload wrote to a host file: $(cat "$d/w")"
}

# CVE-2024-21626 also used the working directory: it is always inside the root.
t_working_directory_is_inside_the_root() {
        local r d out
        r=$(probe_root); d=$(test_tmp)
        mkdir -p "$d/hostcwd"
        out=$(cd "$d/hostcwd" && run_nb "$r" -- sh -c 'pwd; readlink /proc/self/cwd; readlink /proc/1/cwd')
        assert_eq "$out" "$(printf '/\n/\n/')" "command mode"
        out=$(cd "$d/hostcwd" && run_nb --as-pid1 --chdir=/etc "$r" -- sh -c 'pwd; readlink /proc/self/cwd; readlink /proc/1/cwd')
        assert_eq "$out" "$(printf '/etc\n/etc\n/etc')" "--as-pid1 --chdir=/etc"
        out=$(cd "$d/hostcwd" && run_nb --user=nobody "$r" -- sh -c 'pwd; readlink /proc/self/cwd')
        assert_eq "$out" "$(printf '/\n/')" "a user whose home does not exist"
        out=$(cd "$d/hostcwd" && run_nb -b --init=/bin/sh "$r" -- -c 'readlink /proc/1/cwd' | tr -d '\r')
        assert_eq "$out" / "boot mode"
}

# CVE-2019-5736 class: container root rewrites the runtime's binary through
# /proc/PID/exe. Under the init-shim it is a sealed memfd; with --as-pid1
# and in boot mode no nixbox code runs inside at all.
shim_probe='readlink /proc/1/exe; confine-probe seals /proc/1/exe; confine-probe open /proc/1/exe w;
            confine-probe open /proc/1/exe rw; md5sum </proc/1/exe; (echo x >/proc/1/exe) 2>/dev/null && echo shell-wrote;
            md5sum </proc/1/exe'

t_init_shim_cannot_be_overwritten() {
        local r out mode
        r=$(probe_root)
        for mode in "" --private-users=no; do
                out=$(run_nb $mode "$r" -- sh -c "$shim_probe")
                assert_eq "$(sed -n 1p <<<"$out")" "/memfd:nixbox-init (deleted)" "${mode:-default}: PID 1's executable"
                assert_eq "$(sed -n 2p <<<"$out")" "seals seal shrink grow write" "${mode:-default}: seals"
                assert_match "$(sed -n 3p <<<"$out")" '^open E(ACCES|TXTBSY|PERM)$' "${mode:-default}: open /proc/1/exe for writing"
                assert_match "$(sed -n 4p <<<"$out")" '^open E(ACCES|TXTBSY|PERM)$' "${mode:-default}: open /proc/1/exe read-write"
                grep -q shell-wrote <<<"$out" && fail "${mode:-default}: the shell wrote /proc/1/exe"
                assert_eq "$(sed -n 6p <<<"$out")" "$(sed -n 5p <<<"$out")" "${mode:-default}: the shim's bytes"
        done
        # The host's nixbox binary is mapped by no process inside.
        out=$(run_nb "$r" -- sh -c 'cat /proc/[0-9]*/maps' | awk '{ print $6 }' | sort -u)
        grep -qx "$NIXBOX" <<<"$out" && fail "the nixbox binary is mapped inside"
        for mode in --as-pid1 -b; do
                if [ "$mode" = -b ]; then
                        out=$(run_nb -b --init=/bin/sh "$r" -- -c 'readlink /proc/1/exe; cat /proc/[0-9]*/maps | grep -c -e memfd -e nixbox; true' | tr -d '\r')
                else
                        out=$(run_nb --as-pid1 "$r" -- sh -c 'readlink /proc/1/exe; cat /proc/[0-9]*/maps | grep -c -e memfd -e nixbox; true')
                fi
                assert_eq "$out" "$(printf '/bin/busybox\n0')" "$mode: PID 1's executable; nixbox code mapped inside"
        done
}

# CVE-2025-31133 / -52565 class and crun's CVE-2026-88264: the image's /dev
# is never used. Device nodes, /dev/null and /dev/console as symlinks to a
# secret: inside, /dev is nixbox's fresh tmpfs with its own nodes.
t_dev_is_a_fresh_tmpfs() {
        local r out sum
        r=$(probe_root)
        rm -rf "$r/dev"; mkdir "$r/dev"
        mknod "$r/dev/sda" b 8 0; mknod "$r/dev/mem" c 1 1
        ln -s /etc/shadow "$r/dev/null"; ln -s /etc/shadow "$r/dev/console"; ln -s /dev/sda "$r/dev/zero"
        sum=$(md5sum </etc/shadow)
        out=$(run_nb --console=read-only "$r" -- sh -c 'stat -f -c %T /dev; ls /dev/sda /dev/mem 2>&1 | grep -c "No such file";
                for n in null zero console; do stat -c "%n %F %t" /dev/$n; done; echo x >/dev/null && echo null-ok' | tr -d '\r')
        assert_eq "$(sed -n 1p <<<"$out")" tmpfs "/dev's file system"
        assert_eq "$(sed -n 2p <<<"$out")" 2 "the image's device nodes are absent"
        grep -qx "/dev/null character special file 1" <<<"$out" || fail "/dev/null: $out"
        grep -qx "/dev/zero character special file 1" <<<"$out" || fail "/dev/zero: $out"
        # The console is a pty (Unix 98 pty slaves: majors 136-143, 0x88-0x8f).
        grep -qx "/dev/console character special file 8[89a-f]" <<<"$out" || fail "/dev/console: $out"
        grep -qx null-ok <<<"$out" || fail "/dev/null not writable: $out"
        assert_eq "$(md5sum </etc/shadow)" "$sum" "the host's /etc/shadow"
        assert_eq "$(readlink "$r/dev/null") $(readlink "$r/dev/console")" "/etc/shadow /etc/shadow" "the image's own links, untouched"
}

# CVE-2026-41579 class: an image whose API mount points are symlinks (here
# to the host's /dev, or to a host directory) is refused, and nothing is
# mounted on or written to the link's target.
t_api_mount_points_as_symlinks_are_refused() {
        local r d out rc dir target
        d=$(test_tmp); mkdir -p "$d/hostdir"
        for dir in dev proc sys run tmp; do
                r=$(copy_fixture busybox "c40-$$-$dir")
                target=$d/hostdir; [ $dir = dev ] && target=/dev
                rm -rf "${r:?}/$dir"; ln -s "$target" "$r/$dir"
                rc=0; out=$(run_nb "$r" -- true 2>&1) || rc=$?
                assert_eq $rc 125 "exit status with /$dir -> $target"
                assert_eq "$out" "nixbox: check mount point /$dir (in $r): not a directory but a symlink; refusing: Not a directory" "message for /$dir"
        done
        [ -z "$(ls -A "$d/hostdir")" ] || fail "the host directory was written: $(ls -A "$d/hostdir")"
        grep -q "$d/hostdir" /proc/self/mountinfo && fail "a mount on the host directory"
        return 0
}

# CVE-2021-30465 class: a bind target swapped for a symlink to a host
# directory (absolute, or climbing out with ..) in a tight loop while nixbox
# starts. Targets are resolved inside the root and mounted on through an fd,
# so the bind always lands inside the container and the host directory
# never gets it.
t_bind_target_racing_to_a_symlink() {
        local r d i out swapper where="" link
        r=$(copy_fixture busybox "c40-$$-race"); d=$(test_tmp)
        mkdir -p "$d/src" "$d/host"; echo marker >"$d/src/marker"
        mkdir "$r/target"
        for i in $(seq 50); do
                # Half the starts race against an absolute link, half a relative one.
                link=$d/host; [ $((i % 2)) = 0 ] && link=../../../../../../../..$d/host
                rm -rf "${r:?}/target.swap"; ln -s "$link" "$r/target.swap"
                "$HELPERS/confine-probe" exchange "$r/target" "$r/target.swap" &
                swapper=$!
                out=$(run_nb --bind="$d/src:/target" "$r" -- awk -v s="$d/src" '$4 == s { print $5 }' /proc/self/mountinfo) ||
                        { kill $swapper; fail "start $i failed: $out"; }
                kill $swapper; wait $swapper 2>/dev/null || true
                [ -n "$out" ] || fail "start $i: the bind is not inside the container"
                where+="$out"$'\n'
                # Put the directory back under its name for the next start.
                if [ -L "$r/target" ]; then rm "$r/target"; mv -T "$r/target.swap" "$r/target"; fi
                grep -q "$d/host" /proc/self/mountinfo && fail "start $i: the host directory got a mount"
                [ -z "$(ls -A "$d/host")" ] || fail "start $i: the host directory was written"
        done
        # Where the bind landed (inside the container): the race was real
        # when some starts found the link.
        echo "bind mount points inside, over 50 starts:"
        sort <<<"$where" | uniq -c | sed '/^ *[0-9]* $/d'
}

# Dangerous /proc and /sys files: the masked /proc, and the fully visible
# proc that user-namespace mode pins at /run/host/proc for nested proc
# mounts. Files are only opened (r or w), never written; those this kernel
# lacks (no sysrq, no kcore...) are left out and named.
t_proc_and_sys_dangerous_files() {
        local r out f procs="" syss="" np=0 ns=0 script
        r=$(probe_root)
        for f in sysrq-trigger:w kcore:r sys/kernel/core_pattern:w sys/kernel/modprobe:w sys/vm/drop_caches:w \
                 sys/kernel/panic:w sys/fs/binfmt_misc/register:w; do
                if [ -e "/proc/${f%:*}" ]; then procs+=" $f"; np=$((np + 1)); else echo "absent on this kernel: /proc/${f%:*}"; fi
        done
        for f in kernel/uevent_helper:w power/state:w kernel/mm/transparent_hugepage/enabled:w; do
                if [ -e "/sys/${f%:*}" ]; then syss+=" $f"; ns=$((ns + 1)); else echo "absent on this kernel: /sys/${f%:*}"; fi
        done
        [ $((np + ns)) -gt 0 ] || fail "none of the files exists on this kernel"
        script="for f in $procs; do for p in /proc /run/host/proc; do confine-probe open \$p/\${f%:*} \${f#*:}; done; done
                for f in $syss; do confine-probe open /sys/\${f%:*} \${f#*:}; done
                test -d /run/host/proc/1 && echo pinned-proc"
        out=$(run_nb "$r" -- sh -c "$script")
        assert_eq "$(grep -c '^open ok' <<<"$out")" 0 "opened a dangerous file: $out"
        assert_eq "$(grep -c '^open E' <<<"$out")" $((2 * np + ns)) "refused attempts: $out"
        grep -qx pinned-proc <<<"$out" || fail "no proc at /run/host/proc: $out"
        # Without a user namespace the container's root is the host's: the
        # masks and read-only binds are all that stop it. A masked file
        # reads as empty.
        script="for f in $procs; do case \$f in *:w) confine-probe open /proc/\${f%:*} w ;;
                                            *) echo \$f \$(head -c 64 /proc/\${f%:*} | wc -c) ;; esac; done
                for f in $syss; do confine-probe open /sys/\${f%:*} w; done
                test -e /run/host/proc/1 || echo no-pinned-proc"
        out=$(run_nb --private-users=no "$r" -- sh -c "$script")
        assert_eq "$(grep -c . <<<"$out")" $((np + ns + 1)) "--private-users=no: attempts: $out"
        assert_eq "$(grep -v -e '^open EROFS$' -e '^[a-z/]*:r 0$' <<<"$out")" no-pinned-proc "--private-users=no: $out"
}

# The container's root tries to take the /proc masks and the read-only
# /proc binds away. With a user namespace they are locked (made by the host
# before PID 1's mount namespace): umount fails with EINVAL and /proc/sys
# stays read-only. Without one, the container's root is the host's and can
# unmount them: documented, the masks are then no barrier.
t_proc_masks_cannot_be_unmounted() {
        local r out script m n=0
        r=$(probe_root)
        for m in kallsyms kcore keys sysrq-trigger timer_list; do [ -e "/proc/$m" ] && n=$((n + 1)); done
        script='for m in kallsyms kcore keys sysrq-trigger timer_list; do
                        grep -q " /proc/$m " /proc/self/mountinfo || continue
                        umount /proc/$m 2>/dev/null && echo "unmounted $m"
                        umount -l /proc/$m 2>/dev/null && echo "detached $m"
                        grep -q " /proc/$m " /proc/self/mountinfo && echo "masked $m"
                done
                for d in sys sys/net acpi bus fs irq; do
                        grep -q " /proc/$d " /proc/self/mountinfo || continue
                        umount -l /proc/$d 2>/dev/null && echo "detached $d"
                done
                mount -o remount,rw /proc/sys 2>/dev/null && echo "remounted sys"
                mount -o remount,bind,rw /proc/sys 2>/dev/null && echo "remounted sys bind"
                touch /proc/sys/kernel/panic 2>/dev/null && echo "writable sys"
                true'
        out=$(run_nb "$r" -- sh -c "$script" 2>&1)
        assert_eq "$(grep -c '^masked ' <<<"$out")" "$n" "masks in place: $out"
        assert_eq "$(grep -v '^masked ' <<<"$out")" "" "the container's root undid a mask or bind"
        out=$(run_nb --private-users=no "$r" -- sh -c "$script" 2>&1)
        [ "$n" -eq 0 ] || grep -q '^unmounted ' <<<"$out" || fail "without a user namespace the masks are documented as removable: $out"
}

# cgroup v1 from inside: a new v1 hierarchy can never be made. On a host that
# has v1 hierarchies (like these machines), the kernel lets the root of a
# user namespace mount an EXISTING one in its own cgroup namespace; that is a
# host property (boot with cgroup_no_v1=all to remove it), and nspawn behaves
# the same. What matters, and what is checked: nothing in such a view belongs
# to the container's root, and nothing can be created in it, so a payload's
# systemd can never write into the host's v1 hierarchies.
t_cgroup_v1_hierarchy_cannot_be_used() {
        local r out
        r=$(probe_root)
        out=$(run_nb "$r" -- sh -c 'for o in none,name=nixbox-test memory none,name=systemd; do
                        if mount -t cgroup -o $o cgroup /mnt 2>/dev/null; then
                                if mkdir /mnt/nixbox-probe 2>/dev/null; then rmdir /mnt/nixbox-probe; w=writable; else w=read-only; fi
                                echo "mounted $o: $(stat -c "%u %A" /mnt) $w"; umount /mnt
                        else echo "refused $o"; fi
                done')
        echo "$out"
        grep -qx "refused none,name=nixbox-test" <<<"$out" || fail "a new cgroup v1 hierarchy was created: $out"
        if grep '^mounted' <<<"$out" | grep -v '^mounted [^:]*: 65534 .* read-only$'; then
                fail "a cgroup v1 hierarchy inside is writable or belongs to the container's root"
        fi
        true
}

# CVE-2017-5226 class: TIOCSTI pushes bytes into a terminal's input. The
# payload runs in a session of its own, and the filter refuses TIOCSTI (its
# own session alone does not stop a root with the host's CAP_SYS_ADMIN).
t_tiocsti_cannot_reach_the_callers_terminal() {
        local r out mode
        r=$(probe_root)
        echo "dev.tty.legacy_tiocsti=$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null || echo absent)"
        # The detector works: on its own terminal the probe pushes a byte.
        out=$("$HELPERS/pty-run" "$HELPERS/confine-probe" tiocsti </dev/null | tr -d '\r')
        grep -qx "pty-run: pending-input 1 x" <<<"$out" || fail "pty-run does not see a pushed byte: $out"
        for mode in "--console=pipe" "--console=pipe --as-pid1" "--console=pipe --private-users=no" "--console=interactive"; do
                out=$("$HELPERS/pty-run" "$NIXBOX" run -q $mode "$r" -- sh -c 'confine-probe tiocsti; awk "{ print \"sid\", \$6, \"tty\", \$7 }" /proc/self/stat' </dev/null | tr -d '\r')
                assert_match "$out" $'(^|\n)[^\n]*tiocsti E(PERM|IO)\n' "$mode: TIOCSTI"
                grep -qx "pty-run: pending-input 0" <<<"$out" || fail "$mode: bytes reached the caller's terminal: $out"
                # A session inside the container's pid namespace (the caller's
                # would show as 0); with pipe, no controlling terminal at all.
                grep -q '^sid [1-9]' <<<"$out" || fail "$mode: the payload is in the caller's session: $out"
                case $mode in --console=pipe*) grep -q '^sid [0-9]* tty 0$' <<<"$out" || fail "$mode: controlling terminal: $out" ;; esac
        done
}

# Nested namespaces, the way the Nix sandbox uses them inside a container:
# works through the fully visible proc pinned at /run/host/proc.
t_nested_user_and_pid_namespaces_work() {
        local r out
        r=$(probe_root)
        out=$(run_nb "$r" -- sh -c 'unshare -Ur true && echo userns-ok
                unshare -Urpf --mount-proc sh -c "echo pid \$\$; test -r /proc/1/status && echo proc-ok"
                unshare -Urm sh -c "mount -t tmpfs none /mnt && echo nested-mount-ok"' 2>&1)
        assert_eq "$out" "$(printf 'userns-ok\npid 1\nproc-ok\nnested-mount-ok')" "nested namespaces"
        out=$(run_nb --as-pid1 "$r" -- unshare -Urpf --mount-proc true 2>&1) || fail "unshare -Urpf --mount-proc with --as-pid1: $out"
}

# A hostile /etc/group: one line longer than the reader's buffer, whose
# tail, were it read as a line of its own, would put the user in group 4242.
# The lookup refuses the file instead (nothing runs), for PID 1 as for exec.
t_long_group_line_is_not_split() {
        local r rc out pad
        r=$(probe_root grp)
        echo 'tester:x:1000:1000::/:/bin/sh' >>"$r/etc/passwd"
        pad=$(head -c 4085 /dev/zero | tr '\0' a)
        printf 'pad:x:999:%sevil:x:4242:tester\n' "$pad" >>"$r/etc/group"
        rc=0; out=$(run_nb --user=tester "$r" -- id -G 2>&1) || rc=$?
        [[ "$out" != *4242* ]] || fail "the tail of a long /etc/group line was read as a group: $out" || return 1
        assert_eq "$rc" 125 "exit status" || return 1
        assert_match "$out" "/etc/group" "the error names the file"
}
