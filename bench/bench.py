#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench.py: measures nixbox side by side with bubblewrap, crun,
systemd-nspawn and LXC (and `unshare chroot` as the floor) on the same root
file systems, and writes results.json, results.md and the plots.

bench/run.sh prepares everything (packages, fixtures, a fresh cgroup, a
private mount, network and PID namespace with a pure cgroup v2 view) and
runs this inside it; see docs/benchmark.md. Run alone it would measure
against the host's real cgroup mounts: don't.

Every runtime is run the same way: spawned directly (posix_spawn, no shell),
stdin from /dev/null, timed from just before the spawn to its reaping with
CLOCK_MONOTONIC; rounds are interleaved in a shuffled order so that load
from elsewhere on the machine spreads over all of them alike."""
import argparse
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

DEVNULL = os.open("/dev/null", os.O_RDWR | os.O_CLOEXEC)
LXC_ENV_PATH = "/usr/sbin:/sbin"  # without /usr/bin: LXC would use newuidmap, which needs /etc/subuid entries for root
LXC_UID_BASE = 0x70000000         # above nspawn's and nixbox's pick range (0x00080000-0x6FFF0000)
live = set()                      # pids we spawned and have not reaped


# The trees are the bench's own copies of the fixtures, under a work
# directory that must stay 0755 (LXC's container root walks through it):
# nixbox would refuse to idmap them there, so they are declared trusted.
NB_TRUST = ("--trust-tree",)

def now():
    return time.perf_counter()    # CLOCK_MONOTONIC on Linux


T0 = now()


def log(*a):
    print(f"bench: [{now() - T0:5.0f} s]", *a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

def spawn(argv, env=None, out=None, err=None):
    env = dict(os.environ if env is None else env)
    fa = [(os.POSIX_SPAWN_DUP2, DEVNULL, 0),
          (os.POSIX_SPAWN_DUP2, DEVNULL if out is None else out, 1),
          (os.POSIX_SPAWN_DUP2, DEVNULL if err is None else err, 2)]
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=fa)
    live.add(pid)
    return pid


def spawn_in_cgroup(argv, cgroup, env, out, err):
    """Like spawn, in a fresh cgroup of its own, as a service manager would
    start it: concurrent nspawns with --keep-unit must not share one."""
    os.makedirs(cgroup, exist_ok=True)
    pid = os.fork()
    if pid == 0:
        try:
            with open(os.path.join(cgroup, "cgroup.procs"), "w") as f:
                f.write("0")
            os.dup2(DEVNULL, 0)
            os.dup2(out, 1)
            os.dup2(err, 2)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    live.add(pid)
    return pid


def reap(pid, flags=0):
    """(exit code, rusage) or None if still running (WNOHANG)."""
    p, status, ru = os.wait4(pid, flags)
    if p == 0:
        return None
    live.discard(pid)
    return os.waitstatus_to_exitcode(status), ru


def kill_all():
    for pid in list(live):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass
        live.discard(pid)


def timed_run(argv, env=None, errfile=None):
    """Runs argv once: (wall ms, exit code, CPU ms of it and its reaped children)."""
    errfd = os.open(errfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644) if errfile else None
    try:
        t0 = now()
        pid = spawn(argv, env, None, errfd)
        code, ru = reap(pid)
        t1 = now()
    finally:
        if errfd is not None:
            os.close(errfd)
    return (t1 - t0) * 1e3, code, (ru.ru_utime + ru.ru_stime) * 1e3


def proc_mem(pid):
    """VmHWM, VmRSS and Pss of a process in kB (None when it is gone)."""
    m = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmHWM", "VmRSS"):
                    m[k] = int(v.split()[0])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    m["Pss"] = int(line.split()[1])
    except (OSError, ValueError):
        return None
    return m


def tail(path, n=6):
    try:
        with open(path, errors="replace") as f:
            lines = [l.rstrip() for l in f if l.strip()]
        return " | ".join(lines[-n:])
    except OSError:
        return ""


def run_ok(cmd):
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def copy_tree(src, dst):
    subprocess.run(["cp", "-a", "--reflink=auto", src + "/.", dst], check=True)


def remove_tree(path):
    if os.path.lexists(path):
        subprocess.run(["chattr", "-R", "-f", "-i", path], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)


def count_inodes(path):
    n = 0
    for _, dirs, files in os.walk(path):
        n += len(dirs) + len(files)
    return n + 1


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    return {"n": len(xs), "min": min(xs), "median": statistics.median(xs), "max": max(xs)}


# ---------------------------------------------------------------- sd_notify

class Notify:
    """A datagram socket that sd_notify senders (nixbox, nspawn, or a
    container's systemd for LXC) can write READY=1 to."""

    def __init__(self, path, world_writable=False):
        self.path = path
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.bind(path)
        if world_writable:
            os.chmod(path, 0o777)
        self.sock.setblocking(False)
        self.ready_at = None

    def fileno(self):
        return self.sock.fileno()

    def drain(self):
        """Reads what is queued; returns True once READY=1 has arrived."""
        while True:
            try:
                data = self.sock.recv(4096)
            except BlockingIOError:
                break
            if self.ready_at is None and b"READY=1" in data.split(b"\n"):
                self.ready_at = now()
        return self.ready_at is not None

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------- the context

class Ctx:
    def __init__(self, a):
        self.a = a
        self.quick = a.quick
        self.work = a.work
        self.nixbox = a.nixbox
        self.nixbox_b = a.nixbox_b            # --ab: a second build, booted beside the first
        self.cgbase = a.cgroup_base          # our cgroup in the run's cgroup namespace ("" if none)
        self.results = {"sections": {}, "skipped": {}, "notes": []}
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.trees = os.path.join(self.work, "trees")
        os.makedirs(self.trees, exist_ok=True)
        self.have = {t: shutil.which(t) is not None for t in
                     ("bwrap", "crun", "systemd-nspawn", "lxc-execute", "lxc-start", "unshare", "gnuplot")}
        self.crun_mode = None

    def reps(self, full):
        return 1 if self.quick else (self.a.reps or full)

    def warmup(self, full=3):
        return 0 if self.quick else full

    def skip(self, what, why):
        log(f"skipping {what}: {why}")
        self.results["skipped"][what] = why

    def errfile(self, name):
        return os.path.join(self.logs, re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".err")


# ---------------------------------------------------------------- runtimes

def nixbox_cmd(ctx, machine, root, extra=(), cmd=("/bin/true",)):
    return [ctx.nixbox, "run", "-q", "-M", machine, *NB_TRUST, *extra, root, "--", *cmd]


def nspawn_cmd(machine, root, extra=(), cmd=("/bin/true",), strong=True):
    iso = ["-U", "--private-network"] if strong else []
    return ["systemd-nspawn", "--register=no", "--keep-unit", "-q", *iso, "-M", machine, *extra, "-D", root, *cmd]


def lxc_config(ctx, name, root, boot, notify_dir=None, console=None):
    """An LXC config at LXC's strongest: user namespace with an idmapped
    root, empty network namespace, the common seccomp policy and capability
    drops, cgroup2 (relative: below our own cgroup, not the root)."""
    lines = [
        f"lxc.uts.name = {name}",
        f"lxc.rootfs.path = dir:{root}",
        "lxc.rootfs.options = idmap=container",
        f"lxc.idmap = u 0 {LXC_UID_BASE} 65536",
        f"lxc.idmap = g 0 {LXC_UID_BASE} 65536",
        "lxc.net.0.type = empty",
        "lxc.apparmor.profile = unconfined",
        "lxc.include = /usr/share/lxc/config/common.conf",
        "lxc.include = /usr/share/lxc/config/userns.conf",
        "lxc.cgroup.relative = 1",
    ]
    if boot:
        lines += ["lxc.signal.halt = SIGRTMIN+3",
                  "lxc.environment = NOTIFY_SOCKET=/bench-notify/notify",
                  f"lxc.mount.entry = {notify_dir} bench-notify none bind,create=dir 0 0",
                  f"lxc.console.logfile = {console}"]
    else:
        lines += ["lxc.console.path = none"]
    path = os.path.join(ctx.work, "lxc", name + (".boot" if boot else ".exec") + ".conf")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def lxc_env():
    env = dict(os.environ)
    env["PATH"] = LXC_ENV_PATH
    return env


# Denied to the container by the crun config: the system calls that
# nspawn's and Docker's policies deny too (crun's own `spec` has no policy).
CRUN_DENY = ["kexec_load", "kexec_file_load", "open_by_handle_at", "init_module", "finit_module",
             "delete_module", "bpf", "perf_event_open", "swapon", "swapoff", "reboot", "acct",
             "add_key", "keyctl", "request_key", "lookup_dcookie", "ptrace", "process_vm_readv",
             "process_vm_writev", "userfaultfd", "iopl", "ioperm", "quotactl", "settimeofday",
             "clock_settime", "adjtimex", "syslog", "nfsservctl", "uselib", "pivot_root",
             "mount", "umount2", "unshare", "setns", "fsopen", "fsmount", "move_mount", "open_tree"]


def crun_bundle(ctx, root):
    """An OCI bundle at crun's strongest: crun's default spec plus user and
    cgroup namespaces, a seccomp deny list and a cgroup under ours. Tries
    the cgroupfs manager with the default device rules, then without them
    (crun raises RLIMIT_MEMLOCK for the device BPF program, which a host
    without CAP_SYS_RESOURCE refuses), then --cgroup-manager=disabled."""
    bundle = os.path.join(ctx.work, "crun")
    os.makedirs(bundle, exist_ok=True)
    subprocess.run(["crun", "spec"], cwd=bundle, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(bundle, "config.json")) as f:
        spec = json.load(f)
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/bin/true"]
    spec["root"] = {"path": root, "readonly": True}
    lx = spec["linux"]
    # crun's spec may list cgroup already; a repeated type is an error to nixbox-oci.
    lx["namespaces"] += [{"type": t} for t in ("user", "cgroup") if {"type": t} not in lx["namespaces"]]
    lx["uidMappings"] = [{"containerID": 0, "hostID": LXC_UID_BASE + 0x10000, "size": 65536}]
    lx["gidMappings"] = [{"containerID": 0, "hostID": LXC_UID_BASE + 0x10000, "size": 65536}]
    lx["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW",
                     "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                     "syscalls": [{"names": CRUN_DENY, "action": "SCMP_ACT_ERRNO"}]}
    state = os.path.join(ctx.work, "crun-state")
    attempts = []
    if ctx.cgbase:
        lx["cgroupsPath"] = "/crun"     # in the run's cgroup namespace: a sibling of ours
        attempts.append(("cgroupfs, device rules", dict(spec), []))
        nodev = json.loads(json.dumps(spec))
        nodev["linux"]["resources"] = {}
        attempts.append(("cgroupfs, no device rules (device BPF needs RLIMIT_MEMLOCK)", nodev, []))
    nocg = json.loads(json.dumps(spec))
    nocg["linux"].pop("cgroupsPath", None)
    nocg["linux"]["resources"] = {}
    attempts.append(("cgroups disabled", nocg, ["--cgroup-manager=disabled"]))
    for mode, sp, extra in attempts:
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(sp, f, indent=1)
        argv = ["crun", "--root", state, *extra, "run", "--bundle", bundle, "nbb-crun"]
        _, code, _ = timed_run(argv, errfile=ctx.errfile("crun-probe"))
        if code == 0:
            ctx.crun_mode = mode
            return argv, mode
        log(f"crun ({mode}) failed: {tail(ctx.errfile('crun-probe'), 2)}")
    return None, None


# ---------------------------------------------------------------- 1. /bin/true latency

def latency_variants(ctx, root):
    v = []

    def add(name, argv, group, note="", env=None):
        v.append({"name": name, "argv": argv, "group": group, "note": note, "env": env})

    nb = lambda *extra: nixbox_cmd(ctx, "nbb-lat", root, extra)
    add("floor: unshare -Urpf chroot", ["unshare", "-Urpf", "chroot", root, "/bin/true"], "floor",
        "user+pid namespaces, chroot; no mounts, no seccomp")
    add("nixbox", nb(), "nixbox", "default: user (idmapped root), pid, mount, uts, ipc, net, cgroup ns; seccomp; caps")
    add("nixbox --private-users=0x60000000:65536", nb("--private-users=1610612736:65536"), "nixbox-variant",
        "a fixed UID range: no pick (no NSS lookups, no range lock)")
    add("nixbox --private-users=no", nb("--private-users=no"), "nixbox-variant", "no user namespace")
    add("nixbox --share-network", nb("--share-network"), "nixbox-variant", "no network namespace")
    add("nixbox --private-users=no --share-network", nb("--private-users=no", "--share-network"),
        "nixbox-variant", "neither")
    add("nixbox --as-pid1", nb("--as-pid1"), "nixbox-variant", "payload is PID 1, no nixbox-init")
    if ctx.have["bwrap"]:
        add("bwrap --unshare-all", ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                                    "--bind", root, "/", "--proc", "/proc", "--dev", "/dev", "/bin/true"],
            "peer", "user, pid, mount, uts, ipc, net, cgroup ns; no seccomp")
    else:
        ctx.skip("bwrap", "bwrap is not installed")
    if ctx.have["crun"]:
        argv, mode = crun_bundle(ctx, root)
        if argv:
            add("crun run", argv, "peer", f"user, pid, mount, uts, ipc, net, cgroup ns; seccomp deny list; {mode}")
            # nixbox's OCI front end on the very bundle crun ran (docs/oci.md).
            oci = os.path.join(os.path.dirname(ctx.nixbox), "nixbox-oci")
            bundle = argv[argv.index("--bundle") + 1]
            if os.access(oci, os.X_OK):
                add("nixbox-oci run", [oci, "--root", os.path.join(ctx.work, "oci-state"), "run", "--bundle", bundle,
                                       "nbb-oci"], "nixbox-variant", "crun's bundle, as crun ran it")
            else:
                ctx.skip("nixbox-oci", f"{oci} is not built")
        else:
            ctx.skip("crun", "crun run failed in every cgroup mode (see logs/crun-probe.err)")
            ctx.skip("nixbox-oci", "no bundle: crun run failed (nixbox-oci is measured on crun's bundle)")
    else:
        ctx.skip("crun", "crun is not installed")
        ctx.skip("nixbox-oci", "crun is not installed (nixbox-oci is measured on crun's bundle)")
    if ctx.have["lxc-execute"]:
        conf = lxc_config(ctx, "nbb-lxc", root, boot=False)
        add("lxc-execute", ["/usr/bin/lxc-execute", "-n", "nbb-lxc", "-P", os.path.join(ctx.work, "lxc"),
                            "-f", conf, "--", "/bin/true"], "peer",
            "user (idmapped root), pid, mount, uts, ipc, net, cgroup ns; seccomp; caps", lxc_env())
    else:
        ctx.skip("lxc", "lxc is not installed")
    if ctx.have["systemd-nspawn"]:
        add("systemd-nspawn", nspawn_cmd("nbb-lat", root, strong=False), "peer",
            "--register=no --keep-unit -q: pid, mount, uts, ipc, cgroup ns; host network, no user ns")
        add("systemd-nspawn -U --private-network", nspawn_cmd("nbb-lat", root), "peer",
            "as nixbox's default: adds user (idmapped root) and network ns")
    else:
        ctx.skip("systemd-nspawn", "systemd-container is not installed")
    return v


def run_rounds(ctx, variants, reps, warmup, what):
    """Interleaved, shuffled rounds; drops a variant whose first run fails."""
    for v in variants:
        v.update(times=[], cpu=[], failures=0, error="")
    active = []
    for v in variants:
        ms, code, _ = timed_run(v["argv"], v["env"], ctx.errfile(v["name"]))
        if code == 0:
            active.append(v)
        else:
            v["error"] = f"exit {code}: {tail(ctx.errfile(v['name']), 3)}"
            log(f"{what}: {v['name']} failed ({v['error']}); left out")
    for r in range(warmup + reps):
        order = list(active)
        random.shuffle(order)
        for v in order:
            ms, code, cpu = timed_run(v["argv"], v["env"], ctx.errfile(v["name"]))
            if code != 0:
                v["failures"] += 1
                v["error"] = f"exit {code}: {tail(ctx.errfile(v['name']), 3)}"
            elif r >= warmup:
                v["times"].append(ms)
                v["cpu"].append(cpu)
    return variants


def section_latency(ctx, root):
    reps = ctx.reps(50)
    variants = latency_variants(ctx, root)
    log(f"1. /bin/true latency: {len(variants)} variants x {reps} runs")
    run_rounds(ctx, variants, reps, ctx.warmup(), "latency")
    out = []
    for v in variants:
        out.append({"name": v["name"], "group": v["group"], "note": v["note"], "argv": v["argv"],
                    "times_ms": v["times"], "cpu_ms": v["cpu"], "failures": v["failures"],
                    "error": v["error"], "wall": stats(v["times"]), "cpu": stats(v["cpu"])})
    # The fixed cost of the nixbox process itself: exec, dynamic linking, exit.
    vv = [{"name": "nixbox --version", "argv": [ctx.nixbox, "--version"], "env": None}]
    run_rounds(ctx, vv, reps, ctx.warmup(), "latency")
    ctx.results["sections"]["latency"] = {"variants": out, "reps": reps,
                                          "nixbox_version": stats(vv[0]["times"])}


# ---------------------------------------------------------------- 3. nixbox trace (command mode)

TRACE_RE = re.compile(r"nixbox-trace:\s+([\d.]+) ms pid (\d+) (.*)")


def traced_run(argv, env=None):
    """Runs nixbox --trace with stderr on a pipe; returns (spawn time, exit
    time, [(ms since nixbox's main, arrival time, pid, step)], exit code)."""
    r, w = os.pipe2(os.O_CLOEXEC)
    t0 = now()
    pid = spawn(argv, env, None, w)
    os.close(w)
    buf, lines = b"", []
    while True:
        chunk = os.read(r, 65536)
        t = now()
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = TRACE_RE.search(line.decode(errors="replace"))
            if m:
                lines.append((float(m.group(1)), t, int(m.group(2)), m.group(3).strip()))
    os.close(r)
    code, _ = reap(pid)
    return t0, now(), lines, code


def trace_breakdown(runs):
    """Median duration of each step (time since the previous trace line, in
    the order of the timestamps), plus the time before main() and after the
    last line."""
    per = {}
    order = {}
    pre, post, total = [], [], []
    for t0, t1, lines, _ in runs:
        if not lines:
            continue
        lines = sorted(lines)
        prev = 0.0
        for ms, _, _, step in lines:
            per.setdefault(step, []).append(ms - prev)
            order.setdefault(step, []).append(ms)
            prev = ms
        if t0 is None:
            continue      # no arrival times: steps only
        first_ms, first_arrival = lines[0][0], lines[0][1]
        pre.append((first_arrival - t0) * 1e3 - first_ms)
        post.append((t1 - lines[-1][1]) * 1e3)
        total.append((t1 - t0) * 1e3)
    steps = sorted(per, key=lambda s: statistics.median(order[s]))
    return {"steps": [{"step": s, "median_ms": statistics.median(per[s]), "min_ms": min(per[s]),
                       "at_ms": statistics.median(order[s]), "n": len(per[s])} for s in steps],
            "before_main_ms": stats(pre), "after_last_line_ms": stats(post), "wall_ms": stats(total)}


def section_trace(ctx, root):
    reps = ctx.reps(30)
    log(f"3. nixbox --trace, command mode: {reps} runs per variant")
    variants = {"default": (), "--private-users=no": ("--private-users=no",),
                "--private-users=no --share-network": ("--private-users=no", "--share-network")}
    runs = {k: [] for k in variants}
    for r in range(ctx.warmup(2) + reps):
        for k in random.sample(list(variants), len(variants)):
            res = traced_run(nixbox_cmd(ctx, "nbb-trace", root, ("--trace",) + variants[k]))
            if res[3] == 0 and r >= ctx.warmup(2):
                runs[k].append(res)
    ctx.results["sections"]["trace_command"] = {k: trace_breakdown(v) for k, v in runs.items()}


# ---------------------------------------------------------------- 2./4. boot

def boot_argv(ctx, runtime, machine, root, fixture):
    if runtime in ("nixbox", "nixbox-b"):
        nb = ctx.nixbox if runtime == "nixbox" else ctx.nixbox_b
        return [nb, "run", "-q", "-M", machine, *NB_TRUST, "-b", "--notify-ready=yes", "--console=read-only",
                "--trace", root]
    if runtime == "systemd-nspawn":
        return nspawn_cmd(machine, root, ("-b", "--notify-ready=yes", "--console=read-only"), ())
    raise ValueError(runtime)


def boot_once(ctx, runtime, root, fixture, machine, timeout):
    """Boots root until READY=1, reads the supervisor's memory, asks it to
    stop (SIGTERM; LXC: lxc-stop, since lxc-start passes SIGTERM on to
    systemd, which takes it as 'reexecute') and waits for its exit."""
    d = os.path.join(ctx.work, "notify", f"{runtime}-{machine}")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    note = Notify(os.path.join(d, "notify"), world_writable=(runtime == "lxc"))
    tag = f"boot-{fixture}-{runtime}"
    con = os.open(os.path.join(ctx.logs, tag + ".console"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    err = os.open(ctx.errfile(tag), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    res = {"ok": False}
    env = dict(os.environ)
    if runtime == "lxc":
        conf = lxc_config(ctx, machine, root, boot=True, notify_dir=d,
                          console=os.path.join(ctx.logs, tag + ".lxc-console"))
        argv = ["/usr/bin/lxc-start", "-n", machine, "-P", os.path.join(ctx.work, "lxc"), "-f", conf, "-F"]
        env = lxc_env()
    else:
        argv = boot_argv(ctx, runtime, machine, root, fixture)
        env["NOTIFY_SOCKET"] = note.path
    try:
        t0 = now()
        pid = spawn(argv, env, con, err)
        exited = None
        while not note.drain():
            if now() - t0 > timeout:
                break
            select.select([note], [], [], 0.05)
            exited = reap(pid, os.WNOHANG)
            if exited:
                break
        if note.ready_at is None:
            res["error"] = (f"exited {exited[0]} before READY=1" if exited else f"no READY=1 in {timeout} s") + \
                f": {tail(ctx.errfile(tag), 3)}"
            if not exited:
                os.kill(pid, signal.SIGKILL)
                reap(pid)
            return res
        res["ready_s"] = note.ready_at - t0
        time.sleep(0.2)            # let the supervisor settle, then read its peak
        res["mem"] = proc_mem(pid)
        t1 = now()
        if runtime == "lxc":
            subprocess.run(["/usr/bin/lxc-stop", "-n", machine, "-P", os.path.join(ctx.work, "lxc"), "-t", "60"],
                           env=lxc_env(), stdout=subprocess.DEVNULL, stderr=err)
        else:
            os.kill(pid, signal.SIGTERM)
        deadline = t1 + 60
        while True:
            exited = reap(pid, os.WNOHANG)
            if exited or now() > deadline:
                break
            time.sleep(0.005)
        if not exited:
            os.kill(pid, signal.SIGKILL)
            reap(pid)
            res["error"] = "did not exit within 60 s of the stop request"
            return res
        res["stop_s"] = now() - t1
        res["exit"] = exited[0]
        res["ok"] = True
        if runtime in ("nixbox", "nixbox-b"):
            # PID 1's last lines go to the container's console (its stderr
            # by then), the others to nixbox's stderr.
            res["trace"] = []
            for path in (ctx.errfile(tag), os.path.join(ctx.logs, tag + ".console")):
                with open(path, errors="replace") as f:
                    res["trace"] += [(float(m.group(1)), m.group(3).strip()) for m in map(TRACE_RE.search, f) if m]
        return res
    finally:
        note.close()
        os.close(con)
        os.close(err)


def prime(ctx, root, fixture):
    """Boots a fresh copy once (first boot: machine-id, presets), so that
    every measured boot is an ordinary later boot of the same tree."""
    r = boot_once(ctx, "nixbox", root, fixture, "nbb-prime", 120)
    if not r["ok"]:
        raise RuntimeError(f"priming boot of {fixture} with nixbox failed: {r.get('error')}")


def section_boot(ctx, roots):
    reps = ctx.reps(6)
    runtimes = ["nixbox"] + (["nixbox-b"] if ctx.nixbox_b else [])
    runtimes += ["systemd-nspawn"] if ctx.have["systemd-nspawn"] else []
    runtimes += ["lxc"] if ctx.have["lxc-start"] else []
    out = {}
    for fixture, root in roots.items():
        log(f"2. boot of {fixture}: {', '.join(runtimes)} x {reps} (+1 warm-up)")
        res = {rt: [] for rt in runtimes}
        for r in range(ctx.warmup(1) + reps):
            for rt in random.sample(runtimes, len(runtimes)):
                b = boot_once(ctx, rt, root, fixture, f"nbb-boot-{'nixboxb' if rt == 'nixbox-b' else rt[:6]}", 90)
                if not b["ok"]:
                    log(f"boot {fixture} {rt}: {b.get('error')}")
                if r >= ctx.warmup(1) or not b["ok"]:
                    res[rt].append(b)
        out[fixture] = {}
        for rt, bs in res.items():
            ok = [b for b in bs if b["ok"]]
            e = {"runs": len(bs), "failures": len(bs) - len(ok),
                 "errors": sorted({b.get("error", "") for b in bs if not b["ok"]}),
                 "ready_s": stats([b["ready_s"] for b in ok]),
                 "stop_s": stats([b["stop_s"] for b in ok]),
                 "exit_codes": sorted({b["exit"] for b in ok}),
                 "vmhwm_kb": stats([b["mem"]["VmHWM"] for b in ok if b.get("mem")]),
                 "vmrss_kb": stats([b["mem"]["VmRSS"] for b in ok if b.get("mem")]),
                 "pss_kb": stats([b["mem"].get("Pss") for b in ok if b.get("mem")]),
                 "ready_all_s": [b["ready_s"] for b in ok]}
            if rt in ("nixbox", "nixbox-b"):
                runs = [[(ms, None, 0, s) for ms, s in b.get("trace", [])] for b in ok]
                e["trace"] = trace_breakdown([(None, None, l, 0) for l in runs if l])
                e["exec_ms"] = stats([next((ms for ms, s in b.get("trace", []) if s == "inner: exec"), None)
                                      for b in ok])
            out[fixture][rt] = e
    ctx.results["sections"]["boot"] = out


# ---------------------------------------------------------------- 5. scale

def descendants(pid):
    """pid and every process below it (children by PPid), in the run's PID
    namespace: the supervisor, nixbox's guard, the container's processes."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def tree_pss(pid):
    """(PSS kB of the runtime's own processes: the supervisor and its
    helpers running the same binary, PSS kB of the whole tree)."""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None, None
    own = total = 0
    for p in descendants(pid):
        m = proc_mem(p)
        if not m or "Pss" not in m:
            continue
        total += m["Pss"]
        try:
            if os.readlink(f"/proc/{p}/exe") == exe:
                own += m["Pss"]
        except OSError:
            pass
    return own, total


def scale_argv(ctx, runtime, machine, root, fixture):
    """Every container boots from the one primed tree with an overlay of
    its own on it: nixbox's --ephemeral; nspawn's --volatile=overlay (its
    --ephemeral would copy the whole tree on a file system without
    snapshots)."""
    if runtime == "nixbox":
        return boot_argv(ctx, runtime, machine, root, fixture)[:-1] + ["-x", root]
    if runtime == "systemd-nspawn":
        return nspawn_cmd(machine, root, ("-b", "--notify-ready=yes", "--console=read-only", "--volatile=overlay"), ())
    raise ValueError(runtime)


def leftovers():
    """Processes still in the run's scale cgroups, and nixbox's state left."""
    procs = 0
    for d, _, files in os.walk("/sys/fs/cgroup/scale"):
        if "cgroup.procs" in files:
            try:
                with open(os.path.join(d, "cgroup.procs")) as f:
                    procs += len(f.read().split())
            except OSError:
                pass
    state = [e for e in os.listdir("/run/nixbox") if e.startswith("nbb-s")] if os.path.isdir("/run/nixbox") else []
    return procs, len(state)


def boot_many(ctx, runtime, roots, fixture, timeout, stall=30):
    """Boots all roots at once (to READY=1, through NOTIFY_SOCKET: the
    moment `run -d` would return); waits until each is ready or gone, for
    at most timeout s, or until nothing has changed for stall s once
    something did (a container whose boot hangs never sends READY=1)."""
    n = len(roots)
    notes, pids, fds = [], [], []
    env0 = dict(os.environ)
    t0 = now()
    try:
        for i, root in enumerate(roots):
            machine = f"nbb-s{n}-{i}"
            d = os.path.join(ctx.work, "notify", f"scale-{runtime}-{i}")
            os.makedirs(d, exist_ok=True)
            note = Notify(os.path.join(d, "notify"))
            notes.append(note)
            fd = os.open(os.path.join(ctx.logs, f"scale{n}-{runtime}-{i}.log"),
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            fds.append(fd)
            env = dict(env0, NOTIFY_SOCKET=note.path)
            argv = scale_argv(ctx, runtime, machine, root, fixture)
            if ctx.cgbase:
                pids.append(spawn_in_cgroup(argv, f"/sys/fs/cgroup/scale/{n}-{runtime}-{i}", env, fd, fd))
            else:
                pids.append(spawn(argv, env, fd, fd))
        exited = {}
        last_change = t0
        while now() - t0 < timeout:
            pending = [nt for i, nt in enumerate(notes) if nt.ready_at is None and i not in exited]
            if not pending:
                break
            if now() - last_change > stall and last_change > t0:
                break
            select.select(pending, [], [], 0.05)
            for nt in pending:
                if nt.drain():
                    last_change = now()
            for i, pid in enumerate(pids):
                if i not in exited and notes[i].ready_at is None:
                    e = reap(pid, os.WNOHANG)
                    if e:
                        exited[i] = e[0]
                        last_change = now()
        ready = [nt.ready_at - t0 for nt in notes if nt.ready_at is not None]
        all_ready = now() - t0 if len(ready) < n else max(ready)
        mem = [proc_mem(p) for i, p in enumerate(pids) if i not in exited]
        pss = [tree_pss(p) for i, p in enumerate(pids) if i not in exited and notes[i].ready_at is not None]
        pss = [x for x in pss if x[0] is not None]
        t1 = now()
        for i, pid in enumerate(pids):
            if i not in exited:
                os.kill(pid, signal.SIGTERM)
        codes = dict(exited)
        while now() - t1 < 120 and len(codes) < n:
            for i, pid in enumerate(pids):
                if i not in codes:
                    e = reap(pid, os.WNOHANG)
                    if e:
                        codes[i] = e[0]
            time.sleep(0.01)
        stop = now() - t1
        for i, pid in enumerate(pids):
            if i not in codes:
                os.kill(pid, signal.SIGKILL)
                reap(pid)
                codes[i] = "killed after 120 s"
        time.sleep(0.5)    # cgroups empty asynchronously
        left_procs, left_state = leftovers()
        failed = [i for i in range(n) if notes[i].ready_at is None or codes[i] != 0]
        causes = {}
        for i in failed:
            text = open(os.path.join(ctx.logs, f"scale{n}-{runtime}-{i}.log"), errors="replace").read()
            err = next((l.strip() for l in text.splitlines() if l.startswith(("nixbox:", "Failed to"))), None)
            cause = ("inotify instances exhausted (Too many open files)" if "inotify" in text and "Too many open files" in text
                     else err[:160] if err
                     else "no READY=1" if notes[i].ready_at is None else f"exit {codes[i]}")
            causes[cause] = causes.get(cause, 0) + 1
        return {"n": n, "ready": len(ready), "failures": len(failed), "causes": causes, "all_ready_s": all_ready,
                "ready_s": stats(ready), "stop_all_s": stop,
                "exit_codes": sorted({str(c) for c in codes.values()}),
                "supervisor_vmhwm_kb_sum": sum(m["VmHWM"] for m in mem if m),
                "runtime_pss_kb": stats([x[0] for x in pss]), "tree_pss_kb": stats([x[1] for x in pss]),
                "left_processes": left_procs, "left_state": left_state,
                "timed_out": len(ready) + len(exited) < n}
    finally:
        for nt in notes:
            nt.close()
        for fd in fds:
            os.close(fd)


def section_scale(ctx, primed, fixture):
    sizes = [2] if ctx.quick else (ctx.a.scale or [10, 50, 100, 200])
    runtimes = ["nixbox"] + (["systemd-nspawn"] if ctx.have["systemd-nspawn"] else [])
    with open("/proc/sys/fs/inotify/max_user_instances") as f:
        ctx.results["meta"]["inotify_max_user_instances"] = int(f.read())
    out = []
    for n in sizes:
        for rt in random.sample(runtimes, len(runtimes)):
            log(f"5. scale: {n} x {rt} booting at once")
            r = boot_many(ctx, rt, [primed] * n, fixture, 60 + 3 * n)
            r["runtime"] = rt
            r["fixture"] = fixture
            log(f"   {r['ready']}/{n} ready, all in {r['all_ready_s']:.2f} s, {r['failures']} failed, "
                f"stopped in {r['stop_all_s']:.2f} s, left: {r['left_processes']} processes")
            out.append(r)
    ctx.results["sections"]["scale"] = out


# ---------------------------------------------------------------- 6. growth: bind mounts

def peak_mem_run(argv, env=None):
    """Runs argv, polling its VmHWM until it exits: (peak kB, exit code)."""
    pid = spawn(argv, env)
    peak = None
    while True:
        e = reap(pid, os.WNOHANG)
        if e:
            return peak, e[0]
        m = proc_mem(pid)
        if m:
            peak = max(peak or 0, m["VmHWM"])
        time.sleep(0.01)


def section_binds(ctx, root):
    counts = [0, 10, 100]
    srcdir = os.path.join(ctx.work, "binds")
    for i in range(max(counts)):
        os.makedirs(os.path.join(srcdir, f"b{i:03d}"), exist_ok=True)
    variants = []
    runtimes = ["nixbox"] + (["systemd-nspawn"] if ctx.have["systemd-nspawn"] else [])
    for n in counts:
        binds = [f"--bind={srcdir}/b{i:03d}:/mnt/nbb{i:03d}" for i in range(n)]
        for rt in runtimes:
            argv = nixbox_cmd(ctx, "nbb-binds", root, binds) if rt == "nixbox" else nspawn_cmd("nbb-binds", root, binds)
            variants.append({"name": f"{rt} {n} binds", "runtime": rt, "binds": n, "argv": argv, "env": None,
                             "mem_argv": argv[:-1] + ["/bin/sleep", "0.3"]})
    reps = ctx.reps(20)
    log(f"6a. bind mounts {counts}: {reps} runs each")
    run_rounds(ctx, variants, reps, ctx.warmup(2), "binds")
    out = []
    for v in variants:
        peaks = []
        if not v["error"] or v["times"]:
            for _ in range(ctx.reps(3)):
                p, code = peak_mem_run(v["mem_argv"])
                if code == 0:
                    peaks.append(p)
        out.append({"runtime": v["runtime"], "binds": v["binds"], "wall": stats(v["times"]),
                    "failures": v["failures"], "error": v["error"], "vmhwm_kb": stats(peaks)})
    ctx.results["sections"]["binds"] = out


# ---------------------------------------------------------------- 6. growth: chown

def make_tree(base, dst, nfiles):
    copy_tree(base, dst)
    data = os.path.join(dst, "data")
    for i in range(nfiles):
        d = os.path.join(data, f"d{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(d, exist_ok=True)
        os.close(os.open(os.path.join(d, f"f{i:04d}"), os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))


def section_chown(ctx, busybox):
    sizes = [1000] if ctx.quick else [1000, 10000, 100000]
    runtimes = ["nixbox"] + (["systemd-nspawn"] if ctx.have["systemd-nspawn"] else [])
    reps = ctx.reps(3)
    base = os.path.join(ctx.trees, "chown")   # in memory, like the other trees
    os.makedirs(base, exist_ok=True)
    out = []
    for n in sizes:
        tpl = os.path.join(base, f"tpl-{n}")
        os.makedirs(tpl)
        make_tree(busybox, tpl, n)
        inodes = count_inodes(tpl)
        log(f"6b. chown ownership mode: {inodes} inodes, {reps} runs per runtime")
        res = {rt: [] for rt in runtimes}
        for _ in range(reps):
            for rt in random.sample(runtimes, len(runtimes)):
                tree = os.path.join(base, "run")
                remove_tree(tree)
                os.makedirs(tree)
                copy_tree(tpl, tree)
                subprocess.run(["sync", "-f", tree])
                if rt == "nixbox":
                    argv = nixbox_cmd(ctx, "nbb-chown", tree, ("--private-users-ownership=chown",))
                else:
                    argv = nspawn_cmd("nbb-chown", tree, ("--private-users-ownership=chown",))
                first, c1, _ = timed_run(argv, errfile=ctx.errfile(f"chown-{rt}"))
                second, c2, _ = timed_run(argv, errfile=ctx.errfile(f"chown-{rt}"))
                st = os.stat(tree)
                shifted = st.st_uid != 0
                if c1 == 0 and c2 == 0 and shifted:
                    res[rt].append((first, second))
                else:
                    log(f"chown {rt}: exit {c1}/{c2}, root dir owner {st.st_uid}: {tail(ctx.errfile(f'chown-{rt}'), 2)}")
                remove_tree(tree)
        remove_tree(tpl)
        for rt, rs in res.items():
            cost = [(a - b) / 1e3 for a, b in rs]
            rate = [inodes / c for c in cost if c > 0]
            out.append({"runtime": rt, "inodes": inodes, "runs": len(rs), "failures": reps - len(rs),
                        "first_ms": stats([a for a, _ in rs]), "second_ms": stats([b for _, b in rs]),
                        "chown_s": stats(cost), "inodes_per_s": stats(rate)})
    ctx.results["sections"]["chown"] = out


# ---------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--nixbox", required=True)
    p.add_argument("--nixbox-b", default="")
    p.add_argument("--debian")
    p.add_argument("--nixos")
    p.add_argument("--busybox")
    p.add_argument("--cgroup-base", default="")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--reps", type=int, default=0)
    p.add_argument("--scale", type=lambda s: [int(x) for x in s.replace(",", " ").split()], default=None)
    p.add_argument("--sections", default="latency trace boot scale binds chown")
    p.add_argument("--meta", default="{}")
    a = p.parse_args()
    ctx = Ctx(a)
    ctx.results["meta"] = json.loads(a.meta)
    ctx.results["meta"].update(quick=a.quick, sections=a.sections.split(), crun_mode=None, have=ctx.have)
    ctx.results["meta"]["load_before"] = open("/proc/loadavg").read().split()[:3]
    sections = a.sections.split()
    t_start = now()
    status = 0
    try:
        roots = {}
        if a.debian:
            log("copying the Debian fixture")
            roots["debian"] = os.path.join(ctx.trees, "debian")
            os.makedirs(roots["debian"])
            copy_tree(a.debian, roots["debian"])
        if a.nixos and any(s in sections for s in ("boot", "scale")) and not a.quick:
            log("copying the NixOS-shaped fixture")
            roots["nixos"] = os.path.join(ctx.trees, "nixos")
            os.makedirs(roots["nixos"])
            copy_tree(a.nixos, roots["nixos"])
        if any(s in sections for s in ("boot", "scale")) and not a.quick:
            for f, r in roots.items():
                log(f"priming {f} (one boot)")
                prime(ctx, r, f)
        deb = roots.get("debian")
        for s in sections:
            if s in ("latency", "trace", "binds", "scale") and not deb:
                ctx.skip(s, "no Debian fixture")
                continue
            if s == "latency":
                section_latency(ctx, deb)
            elif s == "trace":
                section_trace(ctx, deb)
            elif s == "boot":
                if roots:
                    section_boot(ctx, roots)
                else:
                    ctx.skip("boot", "no fixture")
            elif s == "scale":
                # NixOS-shaped systems when there is that fixture (stage-2,
                # then systemd), else Debian.
                if roots.get("nixos"):
                    section_scale(ctx, roots["nixos"], "nixos")
                else:
                    section_scale(ctx, deb, "debian")
            elif s == "binds":
                section_binds(ctx, deb)
            elif s == "chown":
                if a.busybox:
                    section_chown(ctx, a.busybox)
                else:
                    ctx.skip("chown", "no busybox fixture")
    except KeyboardInterrupt:
        log("interrupted")
        status = 130
    except Exception as e:       # a benchmark reports what it got
        import traceback
        traceback.print_exc()
        ctx.results["error"] = f"{type(e).__name__}: {e}"
        status = 1
    finally:
        kill_all()
    ctx.results["meta"]["crun_mode"] = ctx.crun_mode
    ctx.results["meta"]["load_after"] = open("/proc/loadavg").read().split()[:3]
    ctx.results["meta"]["duration_s"] = now() - t_start
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(ctx.results, f, indent=1)
    import report
    report.write(ctx.results, a.out)
    return status


if __name__ == "__main__":
    sys.exit(main())
