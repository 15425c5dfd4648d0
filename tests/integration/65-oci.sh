# SPDX-License-Identifier: LGPL-2.1-or-later
# nixbox-oci, the OCI runtime front end (issue 17, docs/oci.md): runc's
# command line and lifecycle on bundles the tests make (`nixbox-oci spec` +
# jq), one check per config.json field seen from inside the container, and
# real engines (podman with conmon) driving it.

OCI=$BUILD/nixbox-oci

need_oci() {
        [ -x "$OCI" ] || { fail "$OCI not built (run make)"; return 1; }
        command -v jq >/dev/null || skip "jq not installed (tests/install-deps.sh)"
}

# oci_bundle NAME JQ-FILTER: a bundle of the busybox fixture whose config is
# `nixbox-oci spec` (no terminal, a writable root) edited by JQ-FILTER;
# prints its path.
oci_bundle() {
        local b=$TEST_TMP/$1
        mkdir -p "$b"
        cp -a --reflink=auto "$(copy_fixture busybox "$1-root")" "$b/rootfs"
        (cd "$b" && "$OCI" spec)
        jq ".process.terminal=false | .root.readonly=false | $2" "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
        echo "$b"
}

ocirt() {
        # The first call arranges that a failing test leaves no container.
        [ -n "${OCI_TRAP:-}" ] || { OCI_TRAP=1; trap 'oci_cleanup; remove_tree "$TEST_TMP"' EXIT; }
        "$OCI" --root "$TEST_TMP/state" "$@"
}
oci_cleanup() {
        local d
        for d in "$TEST_TMP"/state/*/; do
                [ -d "$d" ] && "$OCI" --root "$TEST_TMP/state" delete --force "$(basename "$d")" 2>/dev/null
        done
        return 0
}

# oci_out BUNDLE ID: runs the bundle, its output on stdout, its status in $?.
oci_out() { ocirt run --bundle "$1" "$2" </dev/null; }

t_oci_run_exit_status_and_output() {
        need_oci
        local b out rc=0
        b=$(oci_bundle r1 '.process.args=["sh","-c","echo out-$(hostname); exit 7"]')
        out=$(oci_out "$b" oci-r1) || rc=$?
        assert_eq "$rc" 7 "exit status of run"
        assert_eq "$out" "out-nixbox" "output and hostname"
        assert_eq "$(ls -A "$TEST_TMP/state" 2>/dev/null)" "" "state left after run"
        [ ! -e "$CG2/nixbox-oci/oci-r1" ] || fail "cgroup left after run"
}

t_oci_lifecycle_create_start_state_kill_delete() {
        need_oci
        local b pid st
        b=$(oci_bundle l1 '.process.args=["sleep","100"]')
        ocirt create --bundle "$b" --pid-file "$TEST_TMP/pid" oci-l1 </dev/null
        pid=$(cat "$TEST_TMP/pid")
        st=$(ocirt state oci-l1)
        assert_eq "$(jq -r .status <<<"$st")" created "status after create"
        assert_eq "$(jq -r .pid <<<"$st")" "$pid" "pid in state"
        assert_eq "$(jq -r .bundle <<<"$st")" "$b" "bundle in state"
        assert_eq "$(jq -r .ociVersion <<<"$st")" 1.0.2 "ociVersion"
        [ -p "$TEST_TMP/state/oci-l1/exec.fifo" ] || fail "no exec.fifo while created"
        # Created: the process waits in its namespaces, not yet the payload.
        assert_eq "$(readlink /proc/"$pid"/exe)" "$OCI" "created process is still the runtime"
        [ "$(readlink /proc/"$pid"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] || fail "not in a new pid namespace"
        ocirt start oci-l1
        wait_for sh -c "[ \"\$(readlink /proc/$pid/exe)\" = $b/rootfs/bin/busybox ] || grep -q sleep /proc/$pid/cmdline"
        assert_eq "$(ocirt state oci-l1 | jq -r .status)" running "status after start"
        [ ! -e "$TEST_TMP/state/oci-l1/exec.fifo" ] || fail "exec.fifo left after start"
        assert_match "$(ocirt list)" "oci-l1 +$pid +running" "list"
        assert_eq "$(ocirt ps --format json oci-l1 | jq -c .)" "[$pid]" "ps json"
        # delete refuses a running container, as runc.
        if ocirt delete oci-l1 2>"$TEST_TMP/err"; then fail "delete of a running container succeeded"; fi
        assert_match "$(cat "$TEST_TMP/err")" "cannot delete container oci-l1 that is not stopped: running" "delete message"
        ocirt kill oci-l1 KILL
        wait_for sh -c "! [ -d /proc/$pid ] || grep -q '^State:.*Z' /proc/$pid/status"
        assert_eq "$(ocirt state oci-l1 | jq -r .status)" stopped "status after kill"
        ocirt delete oci-l1
        if ocirt state oci-l1 2>"$TEST_TMP/err"; then fail "state after delete succeeded"; fi
        assert_match "$(cat "$TEST_TMP/err")" 'container "oci-l1" does not exist' "state after delete"
        assert_eq "$(ls -A "$TEST_TMP/state" 2>/dev/null)" "" "state left after delete"
        [ ! -e "$CG2/nixbox-oci/oci-l1" ] || fail "cgroup left after delete"
}

t_oci_state_survives_the_caller() {
        need_oci
        local b
        b=$(oci_bundle s1 '.process.args=["sh","-c","echo started >/tmp/mark; sleep 100"]')
        # create from a shell that is gone before start.
        ocirt list >/dev/null
        ("$OCI" --root "$TEST_TMP/state" create --bundle "$b" oci-s1 </dev/null >/dev/null 2>&1 &
         wait)
        assert_eq "$(ocirt state oci-s1 | jq -r .status)" created "status from another caller"
        ocirt start oci-s1
        wait_for test -e "$b/rootfs/tmp/mark"
        ocirt delete --force oci-s1
        assert_eq "$(ls -A "$TEST_TMP/state" 2>/dev/null)" "" "state left after delete --force"
}

t_oci_errors_as_runc() {
        need_oci
        local b rc=0
        b=$(oci_bundle e1 '.process.args=["no-such-program"]')
        ocirt --log "$TEST_TMP/log" --log-format=json create --bundle "$b" oci-e1 </dev/null 2>"$TEST_TMP/err" || rc=$?
        assert_eq "$rc" 1 "exit status of a failed create"
        assert_match "$(cat "$TEST_TMP/err")" 'exec: "no-such-program": executable file not found in \$PATH' "stderr"
        assert_eq "$(jq -r .level "$TEST_TMP/log")" error "log level"
        assert_match "$(jq -r .msg "$TEST_TMP/log")" 'executable file not found' "log msg"
        jq -e .time "$TEST_TMP/log" >/dev/null || fail "no time in the log line"
        assert_eq "$(ls -A "$TEST_TMP/state" 2>/dev/null)" "" "state left after a failed create"
        # An unsupported field is named.
        b=$(oci_bundle e2 '.linux.intelRdt={"closID":"x"}')
        rc=0
        ocirt create --bundle "$b" oci-e2 </dev/null 2>"$TEST_TMP/err" || rc=$?
        assert_eq "$rc" 1 "exit status for an unsupported field"
        assert_match "$(cat "$TEST_TMP/err")" 'config.json: linux.intelRdt is not supported by nixbox-oci' "unsupported field message"
        rc=0
        "$OCI" --systemd-cgroup list 2>"$TEST_TMP/err" || rc=$?
        assert_eq "$rc" 1 "--systemd-cgroup refused"
        assert_match "$(cat "$TEST_TMP/err")" 'systemd-cgroup is not supported' "--systemd-cgroup message"
        assert_eq "$(ls -A "$TEST_TMP/state" 2>/dev/null)" "" "state left after refused configs"
}

t_oci_features_and_spec_are_json() {
        need_oci
        "$OCI" features | jq -e '.ociVersionMax and .linux.namespaces and .linux.seccomp.enabled' >/dev/null ||
                fail "features is not the expected JSON"
        mkdir "$TEST_TMP/sp"
        (cd "$TEST_TMP/sp" && "$OCI" spec)
        assert_eq "$(jq -r '.process.args[0]' "$TEST_TMP/sp/config.json")" sh "spec's process"
}

t_oci_exec_joins_the_container() {
        need_oci
        local b out rc=0
        b=$(oci_bundle x1 '.process.args=["sleep","100"] | .hostname="oci-x1-host"')
        ocirt run -d --bundle "$b" oci-x1 </dev/null
        out=$(ocirt exec oci-x1 sh -c 'hostname; echo $$' </dev/null)
        assert_eq "$(sed -n 1p <<<"$out")" oci-x1-host "exec's hostname"
        [ "$(sed -n 2p <<<"$out")" -gt 1 ] || fail "exec pid in the container: $out"
        ocirt exec oci-x1 sh -c 'exit 5' </dev/null || rc=$?
        assert_eq "$rc" 5 "exec's exit status"
        echo '{"args":["sh","-c","id -u; pwd"],"cwd":"/tmp","user":{"uid":1000,"gid":1000},"env":["PATH=/bin"]}' >"$TEST_TMP/p.json"
        out=$(ocirt exec --process "$TEST_TMP/p.json" oci-x1 </dev/null)
        assert_eq "$out" "1000
/tmp" "exec --process user and cwd"
        ocirt exec -d --pid-file "$TEST_TMP/xpid" oci-x1 sleep 50 </dev/null
        grep -q 'sleep' "/proc/$(cat "$TEST_TMP/xpid")/cmdline" || fail "exec -d pid file"
        ocirt delete --force oci-x1
        [ ! -d "/proc/$(cat "$TEST_TMP/xpid")" ] || grep -q '^State:.*Z' "/proc/$(cat "$TEST_TMP/xpid")/status" ||
                fail "exec'd process left after delete --force"
}

t_oci_pause_resume_freezes() {
        need_oci
        local b
        b=$(oci_bundle p1 '.process.args=["sleep","100"]')
        ocirt run -d --bundle "$b" oci-p1 </dev/null
        ocirt pause oci-p1
        assert_eq "$(ocirt state oci-p1 | jq -r .status)" paused "status after pause"
        ocirt resume oci-p1
        assert_eq "$(ocirt state oci-p1 | jq -r .status)" running "status after resume"
        ocirt delete --force oci-p1
}

# ---- podman (with conmon) driving nixbox-oci --------------------------------
#
# podman and crun need a pure cgroup v2 view, which this hybrid host lacks
# (docs/dev-machine.md §1): each podman call runs in a private mount and
# cgroup namespace whose /sys/fs/cgroup is cgroup2 rooted at a scratch cgroup
# of the test, so podman's own libpod_parent/ lands there. Storage, runroot and
# events are private to the test; images are imported from the fixture,
# nothing is pulled; no network (--network=none).

need_podman() {
        need_oci
        command -v podman >/dev/null || skip "podman not installed (tests/install-deps.sh)"
        command -v conmon >/dev/null || [ -x /usr/libexec/podman/conmon ] || skip "conmon not installed"
        PM_CG=$CG2/oci-podman-$$
        mkdir -p "$PM_CG"
        OCI_TRAP=1
        trap 'pm_cleanup; remove_tree "$TEST_TMP"' EXIT
        tar -C "$(copy_fixture busybox pm-root)" -c . | pm import - nbtest-busybox >/dev/null
}

# pm ARGS...: podman in the private view, nixbox-oci as its runtime. This
# host's hard RLIMIT_NOFILE is below podman's default for root and the
# bounding set lacks CAP_SYS_RESOURCE, so `run` gets limits it may set.
pm() {
        bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec unshare --mount --cgroup --propagation private bash -c "
                umount -l /sys/fs/cgroup/unified 2>/dev/null; umount -l /sys/fs/cgroup 2>/dev/null
                mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 99
                # podman keeps a blob cache in /var/lib/containers whatever --root says.
                mount -t tmpfs tmpfs /var/lib/containers 2>/dev/null || mount -t tmpfs tmpfs /var/lib || exit 99
                exec \"\$@\"" _ "$@"' _ "$PM_CG" \
                podman --root "$TEST_TMP/pm/storage" --runroot "$TEST_TMP/pm/run" --tmpdir "$TEST_TMP/pm/tmp" \
                --storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime "$OCI" "$@"
}
PM_RUN=(--network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

pm_cleanup() {
        [ -n "${PM_CG:-}" ] && [ -d "$PM_CG" ] || return 0
        pm rm -af -t 0 >/dev/null 2>&1 || true
        echo 1 >"$PM_CG/cgroup.kill" 2>/dev/null || true
        sleep 0.2
        find "$PM_CG" -depth -type d -exec rmdir {} + 2>/dev/null || true
        return 0
}

t_oci_podman_run_exit_codes() {
        need_podman
        local rc=0
        pm run --rm "${PM_RUN[@]}" nbtest-busybox true 2>"$TEST_TMP/err" || fail "podman run true: $(cat "$TEST_TMP/err")"
        assert_eq "$(pm run --rm "${PM_RUN[@]}" nbtest-busybox sh -c 'echo hi from $(cat /proc/1/comm)' 2>/dev/null)" \
                "hi from sh" "output of the container"
        pm run --rm "${PM_RUN[@]}" nbtest-busybox sh -c 'exit 7' 2>/dev/null || rc=$?
        assert_eq "$rc" 7 "exit status through podman"
        rc=0
        pm run --rm "${PM_RUN[@]}" nbtest-busybox no-such-command 2>"$TEST_TMP/err" || rc=$?
        assert_eq "$rc" 127 "podman's status for a missing command"
        assert_match "$(cat "$TEST_TMP/err")" "executable file not found" "podman's message"
        assert_eq "$(pm ps -aq)" "" "containers left by run --rm"
        assert_eq "$(find "$PM_CG" -mindepth 2 -name 'libpod-*' -type d)" "" "container cgroups left"
}

t_oci_podman_exec_stop_rm() {
        need_podman
        local rc=0 id
        id=$(pm run -d --name oci-pm1 "${PM_RUN[@]}" nbtest-busybox sleep 100 2>/dev/null)
        [ -d "/run/nixbox-oci/$id" ] || fail "no state in /run/nixbox-oci/$id (podman passes no --root)"
        assert_eq "$(pm exec oci-pm1 sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "' 2>/dev/null)" "in-exec
sleep 100 " "podman exec sees the container's pid 1"
        pm exec oci-pm1 sh -c 'exit 3' 2>/dev/null || rc=$?
        assert_eq "$rc" 3 "podman exec's status"
        pm stop -t 1 oci-pm1 >/dev/null 2>&1
        assert_match "$(pm ps -a --format '{{.Status}}')" "^Exited" "status after stop"
        pm rm oci-pm1 >/dev/null
        assert_eq "$(pm ps -aq)" "" "containers left after rm"
        assert_eq "$(find "$PM_CG" -mindepth 2 -name 'libpod-*' -type d)" "" "container cgroups left after rm"
        [ ! -e "/run/nixbox-oci/$id" ] || fail "runtime state /run/nixbox-oci/$id left after rm"
}

t_oci_podman_memory_pids_limits() {
        need_podman
        local out
        # No memory/pids controllers on this host's cgroup2: the limits are
        # warnings there, never a failed start; where they exist, they apply.
        out=$(pm run --rm --memory 64m --pids-limit 50 "${PM_RUN[@]}" nbtest-busybox \
                sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max 2>/dev/null; echo done' 2>/dev/null)
        assert_match "$out" "done$" "run with --memory/--pids-limit"
        if grep -qw memory "$PM_CG/cgroup.controllers"; then
                assert_match "$out" "^67108864" "memory.max in the container"
        fi
}

# ---- conformance: one config.json field at a time, seen from inside ---------

t_oci_conf_process_user_env_cwd_rlimits() {
        need_oci
        local b out
        b=$(oci_bundle c1 '.process.user={"uid":1000,"gid":1001,"additionalGids":[5,7]} | .process.env+=["FOO=bar"] |
                .process.cwd="/tmp" | .process.rlimits=[{"type":"RLIMIT_NOFILE","soft":321,"hard":654}] |
                .process.oomScoreAdj=123 | .process.args=["sh","-c",
                "id -u; id -g; id -G; echo $FOO; pwd; ulimit -Sn; ulimit -Hn; cat /proc/self/oom_score_adj"]')
        out=$(oci_out "$b" oci-c1)
        assert_eq "$out" "1000
1001
1001 5 7
bar
/tmp
321
654
123" "user, additionalGids, env, cwd, rlimits, oomScoreAdj"
}

t_oci_conf_capabilities_and_no_new_privileges() {
        need_oci
        local b out
        b=$(oci_bundle c2 '.process.capabilities={"bounding":["CAP_CHOWN","CAP_KILL","CAP_SYS_ADMIN"],
                "effective":["CAP_CHOWN","CAP_KILL"],"permitted":["CAP_CHOWN","CAP_KILL"],"inheritable":["CAP_KILL"],
                "ambient":["CAP_KILL"]} | .process.noNewPrivileges=true |
                .process.args=["sh","-c","grep -E \"^(Cap|NoNewPrivs)\" /proc/self/status"]')
        out=$(oci_out "$b" oci-c2)
        # Seen by the shell's grep, after an exec without file capabilities:
        # permitted/effective are the ambient set then.
        assert_match "$out" "CapInh:	0000000000000020" "inheritable"
        assert_match "$out" "CapBnd:	0000000000200021" "bounding (CHOWN KILL SYS_ADMIN)"
        assert_match "$out" "CapAmb:	0000000000000020" "ambient"
        assert_match "$out" "NoNewPrivs:	1" "noNewPrivileges"
}

t_oci_conf_root_readonly_hostname_masked_readonly_paths() {
        need_oci
        local b out
        b=$(oci_bundle c3 '.root.readonly=true | .hostname="conf-host" | .process.args=["sh","-c",
                "hostname; touch /x 2>/dev/null && echo root-writable; wc -c </proc/keys;
                 (echo 1 >/proc/sys/kernel/domainname) 2>/dev/null && echo procsys-writable; echo ok"]')
        out=$(oci_out "$b" oci-c3)
        assert_eq "$out" "conf-host
0
ok" "hostname, read-only root, masked /proc/kcore, read-only /proc/sys"
}

t_oci_conf_mounts_bind_tmpfs_options() {
        need_oci
        local b out
        mkdir -p "$TEST_TMP/shared" && echo from-host >"$TEST_TMP/shared/f"
        b=$(oci_bundle c4 '.mounts+=[{"destination":"/mnt/ro","type":"bind","source":"'"$TEST_TMP"'/shared","options":["rbind","ro","nosuid"]},
                {"destination":"/mnt/t","type":"tmpfs","source":"tmpfs","options":["size=1m","mode=700","noexec"]}] |
                .process.args=["sh","-c","cat /mnt/ro/f; touch /mnt/ro/g 2>/dev/null && echo ro-writable;
                 grep -E \" /mnt/(ro|t) \" /proc/self/mountinfo; stat -c %a /mnt/t"]')
        out=$(oci_out "$b" oci-c4)
        assert_match "$out" "^from-host
[^
]* /mnt/ro ro,nosuid[^
]*
[^
]* /mnt/t rw,[^ ]*noexec[^
]* tmpfs [^ ]* rw,[^ ]*size=1024k,mode=700" "bind ro and tmpfs options in mountinfo"
        assert_match "$out" "700$" "tmpfs mode"
        [ ! -e "$TEST_TMP/shared/g" ] || fail "read-only bind was written"
}

t_oci_conf_user_namespace_mappings() {
        need_oci
        local b out
        # The shifted root must be able to reach its tree.
        chmod 755 "$TEST_TMP"
        b=$(oci_bundle c5 '.linux.namespaces+=[{"type":"user"}] |
                .linux.uidMappings=[{"containerID":0,"hostID":1500000,"size":65536}] |
                .linux.gidMappings=[{"containerID":0,"hostID":1500000,"size":65536}] |
                .process.args=["sh","-c","cat /proc/self/uid_map /proc/self/gid_map | tr -s \" \"; id -u"]')
        out=$(oci_out "$b" oci-c5)
        assert_eq "$out" " 0 1500000 65536
 0 1500000 65536
0" "uid_map, gid_map, uid"
}

t_oci_conf_join_namespace_by_path() {
        need_oci
        local b out pid
        unshare --uts sh -c 'hostname joined-uts; exec sleep 60' &
        pid=$!
        wait_for sh -c "[ \"\$(readlink /proc/$pid/ns/uts)\" != \"\$(readlink /proc/self/ns/uts)\" ]"
        sleep 0.2
        b=$(oci_bundle c6 'del(.hostname) | .linux.namespaces=[.linux.namespaces[] | if .type=="uts" then .path="/proc/'"$pid"'/ns/uts" else . end] |
                .process.args=["hostname"]')
        out=$(oci_out "$b" oci-c6)
        kill "$pid"
        assert_eq "$out" joined-uts "hostname of the joined uts namespace"
}

t_oci_conf_seccomp_actions_and_conditions() {
        need_oci
        local b out
        b=$(oci_bundle c7 '.linux.seccomp={"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],
                "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
                {"names":["kill"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"args":[{"index":1,"value":0,"op":"SCMP_CMP_EQ"}]}]} |
                .process.args=["sh","-c","mkdir /tmp/d 2>&1; kill -0 1 2>&1 || echo kill0-refused; kill -CONT 1 && echo cont-allowed"]')
        out=$(oci_out "$b" oci-c7)
        assert_match "$out" "Permission denied" "mkdir refused with errnoRet 13"
        assert_match "$out" "kill0-refused" "kill with signal 0 refused by the argument condition"
        assert_match "$out" "cont-allowed" "kill with another signal allowed"
}

t_oci_conf_sysctl_and_cgroups_path() {
        need_oci
        local b out
        b=$(oci_bundle c8 '.linux.sysctl={"net.ipv4.ip_forward":"1"} | .linux.cgroupsPath="oci-conf/c8" |
                .process.args=["sh","-c","cat /proc/sys/net/ipv4/ip_forward; grep ^0:: /proc/self/cgroup; sleep 30"]')
        ocirt create --bundle "$b" oci-c8 >"$TEST_TMP/out" </dev/null
        [ -d "$CG2/nixbox-oci/oci-conf/c8" ] || fail "no cgroup at cgroupsPath"
        grep -qx "$(ocirt state oci-c8 | jq -r .pid)" "$CG2/nixbox-oci/oci-conf/c8/cgroup.procs" || fail "process not in its cgroup"
        ocirt start oci-c8
        wait_for grep -q '^0::' "$TEST_TMP/out"
        assert_eq "$(cat "$TEST_TMP/out")" "1
0::/" "sysctl in the container's netns, cgroup namespace rooted at cgroupsPath"
        ocirt delete -f oci-c8
        [ ! -e "$CG2/nixbox-oci/oci-conf" ] || fail "cgroupsPath levels left after delete"
}

t_oci_conf_devices_program() {
        need_oci
        local b out
        b=$(oci_bundle c9 '.linux.devices=[{"path":"/dev/tun2","type":"c","major":10,"minor":200,"fileMode":420}] |
                .linux.resources.devices=[{"allow":false,"access":"rwm"}] |
                .process.args=["sh","-c","head -c0 /dev/tun2 2>&1 && echo tun2-open; head -c1 /dev/zero | wc -c"]')
        out=$(oci_out "$b" oci-c9)
        assert_match "$out" "Operation not permitted" "/dev/tun2 denied by the device program"
        assert_match "$out" "1$" "/dev/zero allowed (implicit default)"
        b=$(oci_bundle c10 '.linux.devices=[{"path":"/dev/tun2","type":"c","major":10,"minor":200,"fileMode":420}] |
                .linux.resources.devices=[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":200,"access":"rw"}] |
                .process.args=["sh","-c","head -c0 /dev/tun2 && echo tun2-open"]')
        assert_eq "$(oci_out "$b" oci-c10)" tun2-open "/dev/tun2 allowed by a later rule"
}

t_oci_conf_hooks() {
        need_oci
        local b
        b=$(oci_bundle c11 '.hooks={"prestart":[{"path":"/bin/sh","args":["sh","-c","cat >'"$TEST_TMP"'/prestart"]}],
                "poststop":[{"path":"/bin/sh","args":["sh","-c","cat >'"$TEST_TMP"'/poststop"]}]} | .process.args=["true"]')
        oci_out "$b" oci-c11
        assert_eq "$(jq -r '.id + " " + .status' "$TEST_TMP/prestart")" "oci-c11 created" "prestart hook's state"
        [ "$(jq -r .pid "$TEST_TMP/prestart")" -gt 0 ] || fail "prestart hook's pid"
        assert_eq "$(jq -r '.id + " " + .status' "$TEST_TMP/poststop")" "oci-c11 stopped" "poststop hook's state"
}

t_oci_podman_tty_through_the_console_socket() {
        need_podman
        local out rc=0
        # podman -it: conmon hands nixbox-oci a console socket, which gets the
        # pty master made inside the container.
        out=$(timeout 60 "$BUILD/tests/helpers/pty-run" bash -c "$(declare -f pm); PM_CG=$PM_CG TEST_TMP=$TEST_TMP OCI=$OCI pm run --rm -it ${PM_RUN[*]} nbtest-busybox sh -c 'tty; [ -t 0 ] && echo stdin-is-tty; exit 4' 2>/dev/null") || rc=$?
        assert_eq "$rc" 4 "exit status of run -it"
        assert_match "$out" "/dev/pts/0" "the container's tty"
        assert_match "$out" "stdin-is-tty" "stdin is the terminal"
        pm run -d --name oci-pm-t "${PM_RUN[@]}" nbtest-busybox sleep 100 >/dev/null 2>&1
        rc=0
        out=$(timeout 60 "$BUILD/tests/helpers/pty-run" bash -c "$(declare -f pm); PM_CG=$PM_CG TEST_TMP=$TEST_TMP OCI=$OCI pm exec -it oci-pm-t sh -c 'tty; exit 5' 2>/dev/null") || rc=$?
        assert_eq "$rc" 5 "exit status of exec -it"
        assert_match "$out" "/dev/pts/" "exec's tty"
        pm rm -f -t 0 oci-pm-t >/dev/null 2>&1
}

t_oci_podman_systemd_boot_of_debian() {
        need_podman
        local st i
        tar -C "$(copy_fixture debian pm-debian)" -c . | pm import - nbtest-debian >/dev/null 2>&1
        # --systemd=always: tmpfs with tmpcopyup on /run, /tmp, ...; a
        # writable cgroup2 in the container's cgroup namespace.
        pm run -d --name oci-pm-sd --systemd=always "${PM_RUN[@]}" nbtest-debian /sbin/init >/dev/null 2>&1
        for i in $(seq 60); do
                st=$(pm exec oci-pm-sd systemctl is-system-running 2>/dev/null) || true
                case $st in running | degraded) break ;; esac
                sleep 0.5
        done
        assert_match "$st" "^(running|degraded)$" "systemd's state in the container"
        pm stop -t 20 oci-pm-sd >/dev/null 2>&1
        assert_eq "$(pm ps -a --format '{{.Status}}' | cut -d' ' -f1-2)" "Exited (0)" "systemd powered off on podman stop"
        pm rm oci-pm-sd >/dev/null
        assert_eq "$(find "$PM_CG" -mindepth 2 -name 'libpod-*' -type d)" "" "container cgroups left after rm"
}

# ---- containerd's ctr: nixbox-oci as the runc binary of the runc v2 shim ----

t_oci_ctr_runc_shim() {
        need_podman
        command -v containerd >/dev/null && command -v ctr >/dev/null || skip "containerd not installed (tests/install-deps.sh)"
        command -v containerd-shim-runc-v2 >/dev/null || skip "containerd-shim-runc-v2 not installed"
        local c=$TEST_TMP/ctr out
        mkdir -p "$c"
        # The image as an OCI archive, made by podman from the fixture import.
        pm save --format oci-archive -o "$c/bb.tar" nbtest-busybox >/dev/null 2>&1
        # One private view for containerd and ctr: pure cgroup v2 rooted at the
        # test's scratch cgroup, and a private tmpfs on /run (the shim's runc
        # root and fifos: a directory made in /run would be the host's).
        out=$(bash -c 'echo $$ >"$1/cgroup.procs" && exec unshare --mount --cgroup --propagation private bash -c "$2" _ "$3" "$4"' _ \
                "$PM_CG" '
                umount -l /sys/fs/cgroup/unified 2>/dev/null; umount -l /sys/fs/cgroup 2>/dev/null
                mount -t cgroup2 cgroup2 /sys/fs/cgroup || exit 99
                mount -t tmpfs tmpfs /run || exit 99
                c=$1 oci=$2
                printf "version = 2\nroot = \"%s\"\nstate = \"%s\"\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n[grpc]\n  address = \"%s\"\n[ttrpc]\n  address = \"%s\"\n" \
                        "$c/root" "$c/state" "$c/sock" "$c/sock.ttrpc" >"$c/config.toml"
                containerd --config "$c/config.toml" >"$c/containerd.log" 2>&1 &
                for i in $(seq 100); do [ -S "$c/sock" ] && break; sleep 0.1; done
                ctr -a "$c/sock" -n nbtest images import "$c/bb.tar" >/dev/null
                ctr -a "$c/sock" -n nbtest run --runc-binary "$oci" --rm localhost/nbtest-busybox:latest oci-ctr1 \
                        sh -c "echo hello from ctr; exit 6"
                echo "status=$?"
                ctr -a "$c/sock" -n nbtest containers ls -q
                kill %1; wait
                ' "$c" "$OCI" 2>&1)
        assert_match "$out" "hello from ctr" "output through the runc shim"
        assert_match "$out" "status=6" "exit status through ctr"
        assert_match "$out" "status=6"$'\n'"?$" "containers left in containerd"
        assert_eq "$(find "$PM_CG" -mindepth 1 -type d -path '*oci-ctr1*')" "" "cgroups left by ctr run --rm"
}

# podman with an explicit user namespace mapping: nixbox-oci writes the
# maps podman puts in config.json; inside, root is host uid 200000.
t_oci_podman_explicit_uid_mapping() {
        need_podman
        local out
        out=$(pm run --rm "${PM_RUN[@]}" --uidmap 0:200000:65536 --gidmap 0:200000:65536 nbtest-busybox \
                sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u' 2>"$TEST_TMP/err") ||
                fail "podman run --uidmap: $(cat "$TEST_TMP/err")"
        assert_match "$out" "^ +0 +200000 +65536" "uid_map of the container"
        assert_eq "$(tail -1 <<<"$out")" 0 "root inside"
        assert_eq "$(pm ps -aq)" "" "containers left by run --rm"
}
