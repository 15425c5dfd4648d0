#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""report.py: turns bench.py's results.json into results.md (tables with
min/median/max and ratios, the goals of issue 16 part 2 met or missed) and, when
gnuplot is there, latency.png and boot.png. `report.py DIR` redoes the
report of a finished run from DIR/results.json."""
import json
import os
import random
import shutil
import subprocess
import sys


def f1(x):
    return "–" if x is None else f"{x:.1f}"


def f2(x):
    return "–" if x is None else f"{x:.2f}"


def mmm(s, fmt=f1):
    return "–" if not s else f"{fmt(s['min'])} / **{fmt(s['median'])}** / {fmt(s['max'])}"


def med(s):
    return s["median"] if s else None


def ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def latency_by_name(res):
    lat = res["sections"].get("latency")
    return {v["name"]: v for v in lat["variants"]} if lat else {}


PEER_BINS = {"bwrap --unshare-all": "bwrap", "crun run": "crun", "systemd-nspawn": "systemd-nspawn"}


def absent(res, section, peer=None, variant=None):
    """Why a target has no figure: "not measured (REASON)"."""
    m = res.get("meta", {})
    if section not in m.get("sections", [section]):
        why = f"section {section} not run"
    elif peer and m.get("have", {}).get(peer) is False:
        why = f"{peer} not installed"
    elif peer and peer in res.get("skipped", {}):
        why = res["skipped"][peer]
    elif variant and variant.get("error"):
        why = f"failed: {variant['error'][:80]}"
    else:
        why = "no data"
    return f"not measured ({why})"


def verdict(ok):
    return "met" if ok else "**missed**"


def targets(res):
    """[(goal, measured, verdict)] for the goals of issue 16, part 2, each
    from this run's medians."""
    out = []
    lat = latency_by_name(res)
    nbv = lat.get("nixbox", {})
    nb = med(nbv.get("wall"))
    for name, factor, label in (("bwrap --unshare-all", 1.0, "≤ 1.0x bubblewrap's"),
                                ("bwrap --unshare-all", 0.8, "≤ 0.8x bubblewrap's (stretch)"),
                                ("crun run", 0.5, "≤ 0.5x crun's")):
        goal = f"`/bin/true` {label}"
        p = med(lat.get(name, {}).get("wall"))
        if nb is None or p is None:
            out.append((goal, absent(res, "latency", PEER_BINS[name], nbv if nb is None else lat.get(name)), "–"))
        else:
            out.append((goal, f"{nb:.1f} ms vs {p:.1f} ms: **{nb / p:.2f}x**", verdict(nb <= factor * p)))
    # nixbox's own share: main() to the exec of init (command mode: of
    # nixbox-init), the "inner: exec" line of --trace.
    tc = res["sections"].get("trace_command", {}).get("default", {})
    e = next((st["at_ms"] for st in tc.get("steps", []) if st["step"] == "inner: exec"), None)
    out.append(("own share < 3 ms, command mode (`--trace`: main() → exec)",
                absent(res, "trace") if e is None else f"{e:.1f} ms", "–" if e is None else verdict(e < 3)))
    boot = res["sections"].get("boot", {})

    def boot_absent(fx, rt):
        if fx not in boot:
            return absent(res, "boot") if "boot" not in res.get("meta", {}).get("sections", ["boot"]) \
                else f"not measured ({fx} fixture not booted in this run)"
        e = boot[fx].get(rt)
        if e is None:
            return absent(res, "boot", rt)
        return f"not measured ({rt} failed: {'; '.join(e.get('errors', []))[:80] or 'no data'})"

    for fx in ("debian", "nixos"):
        e = med(boot.get(fx, {}).get("nixbox", {}).get("exec_ms"))
        out.append((f"own share < 3 ms, boot of {fx}", boot_absent(fx, "nixbox") if e is None else f"{e:.1f} ms",
                    "–" if e is None else verdict(e < 3)))
    for fx in ("debian", "nixos"):
        rts = boot.get(fx, {})
        goal = f"boot to READY=1 ≤ 0.9x systemd-nspawn's, {fx}"
        a, b = med(rts.get("nixbox", {}).get("ready_s")), med(rts.get("systemd-nspawn", {}).get("ready_s"))
        if a is None or b is None:
            out.append((goal, boot_absent(fx, "nixbox" if a is None else "systemd-nspawn"), "–"))
        else:
            out.append((goal, f"{a:.3f} s vs {b:.3f} s: **{a / b:.2f}x**", verdict(a <= 0.9 * b)))
    return out


def md(res):
    m = res.get("meta", {})
    s = res["sections"]
    o = [f"# nixbox benchmark, {m.get('date', '')}\n"]
    o.append(f"- mode: {'quick (one repetition, tiny scale: a smoke test, not numbers)' if m.get('quick') else 'full'}; "
             f"duration {m.get('duration_s', 0):.0f} s; load average before {' '.join(m.get('load_before', []))}, "
             f"after {' '.join(m.get('load_after', []))}")
    o.append(f"- machine: {m.get('kernel', '?')}, {m.get('cpus', '?')} CPUs, {m.get('memory', '?')}; "
             f"cgroups: {m.get('cgroups', '?')}")
    o.append(f"- nixbox {m.get('nixbox_version', '?')} ({m.get('git', '?')}); peers: {m.get('peers', '?')}")
    o.append("- every runtime ran on the same in-memory copy of each fixture, inside one set of private mount, "
             "network, PID and cgroup namespaces with a pure cgroup v2 view; runs interleaved in shuffled rounds; times are wall-clock "
             "from spawn to reaping (CLOCK_MONOTONIC). Compare ratios within this run, not across machines.\n")
    if res.get("error"):
        o.append(f"**The run stopped early: {res['error']}** (the tables hold what was measured before).\n")
    for k, v in res.get("skipped", {}).items():
        o.append(f"- skipped {k}: {v}")
    o.append("\n## Targets (issue 16, part 2)\n")
    o.append("Medians from this run; a ratio is nixbox ÷ the peer.\n")
    o.append(table(["goal", "measured", "verdict"], targets(res)))

    lat = s.get("latency")
    if lat:
        nb = med(latency_by_name(res).get("nixbox", {}).get("wall"))
        floor = med(latency_by_name(res).get("floor: unshare -Urpf chroot", {}).get("wall"))
        o.append(f"\n## 1. Start-to-exit latency of `/bin/true` (Debian fixture, {lat['reps']} runs each)\n")
        rows = []
        groups = {"floor": 0, "nixbox": 1, "nixbox-variant": 2, "peer": 3}
        for v in sorted(lat["variants"], key=lambda v: (groups[v["group"]], med(v["wall"]) or 1e9)):
            rows.append([f"`{v['name']}`", v["note"], mmm(v["wall"]), f1(med(v["cpu"])),
                         ratio(med(v["wall"]), nb), ratio(med(v["wall"]), floor),
                         v["failures"] if v["wall"] else f"failed: {v['error'][:120]}"])
        o.append(table(["runtime", "isolation", "wall ms min / **median** / max", "CPU ms (median)",
                        "÷ nixbox", "÷ floor", "failures"], rows))
        if lat.get("nixbox_version"):
            o.append(f"\n`nixbox --version` (exec, dynamic linking, exit; no container): median "
                     f"{f1(med(lat['nixbox_version']))} ms.\n")
        if m.get("crun_mode"):
            o.append(f"crun's cgroup mode here: {m['crun_mode']}.\n")
        oci = med(latency_by_name(res).get("nixbox-oci run", {}).get("wall"))
        crun = med(latency_by_name(res).get("crun run", {}).get("wall"))
        if oci and crun:
            o.append(f"`nixbox-oci run` vs `crun run` on the same bundle: {oci:.1f} ms vs {crun:.1f} ms "
                     f"(ratio {oci / crun:.2f}).\n")

    boot = s.get("boot")
    if boot:
        o.append("\n## 2. Boot to READY=1, and from the stop request to exit\n")
        o.append("Stop request: SIGTERM to nixbox and nspawn (both halt the container with SIGRTMIN+3); "
                 "`lxc-stop` for LXC (lxc-start forwards SIGTERM to systemd, which reexecutes on it). "
                 "On the NixOS-shaped tree nspawn starts `/lib/systemd/systemd` directly and skips the "
                 "NixOS stage-2 init; nixbox and LXC run `/sbin/init`.\n")
        rows = []
        for fixture, rts in boot.items():
            base = med(rts.get("nixbox", {}).get("ready_s"))
            for rt, e in rts.items():
                rows.append([fixture, rt, mmm(e["ready_s"], f2) if e["ready_s"] else "–",
                             ratio(med(e["ready_s"]), base), mmm(e["stop_s"], f2) if e["stop_s"] else "–",
                             ",".join(map(str, e["exit_codes"])) or "–",
                             f"{e['failures']}/{e['runs']}" + (f" ({'; '.join(e['errors'])[:150]})" if e["errors"] else "")])
        o.append(table(["fixture", "runtime", "READY=1 s min / **median** / max", "÷ nixbox",
                        "stop s min / **median** / max", "exit", "failures"], rows))

        o.append("\n## 3. nixbox's own share\n")
        o.append("From `--trace` (monotonic ms since nixbox's `main()`); the step \"inner: exec\" is the exec of "
                 "init (boot) or of nixbox-init (command mode).\n")
        rows = []
        for fixture, rts in boot.items():
            for rt in ("nixbox", "nixbox-b"):
                e = rts.get(rt, {})
                if e.get("exec_ms"):
                    rows.append([fixture + ("" if rt == "nixbox" else " (nixbox-b)"), mmm(e["exec_ms"]), f2(med(e["ready_s"])),
                                 f"{100 * med(e['exec_ms']) / 1e3 / med(e['ready_s']):.1f} %" if e.get("ready_s") else "–"])
        o.append(table(["fixture", "main() → exec of init, ms min / **median** / max", "READY=1 s (median)",
                        "share"], rows))
    tc = s.get("trace_command")
    if tc:
        o.append("\nWhere the time goes, command mode (`/bin/true`): median (and minimum) ms of each step, "
                 "i.e. the time since the previous trace line. The minimum is the step's cost when nothing "
                 "else on the machine got in the way.\n")
        keys = list(tc)
        steps = []
        for k in keys:
            for st in tc[k]["steps"]:
                if st["step"] not in steps:
                    steps.append(st["step"])
        rows = [["(exec of nixbox, dynamic linking, until main)"] +
                [f"{f2(med(tc[k]['before_main_ms']))} ({f2(tc[k]['before_main_ms']['min']) if tc[k]['before_main_ms'] else '–'})" for k in keys]]
        for stp in steps:
            row = [stp]
            for k in keys:
                d = {x["step"]: x for x in tc[k]["steps"]}.get(stp)
                row.append(f"{f2(d['median_ms'])} ({f2(d.get('min_ms'))})" if d else "–")
            rows.append(row)
        rows.append(["(after the last line: payload runs and exits, teardown, nixbox exits)"] +
                    [f"{f2(med(tc[k]['after_last_line_ms']))} ({f2(tc[k]['after_last_line_ms']['min']) if tc[k]['after_last_line_ms'] else '–'})" for k in keys])
        rows.append(["**wall, median**"] + [f"**{f2(med(tc[k]['wall_ms']))}**" for k in keys])
        o.append(table(["step"] + [f"`{k}`" for k in keys], rows))
    if boot:
        o.append("\nBoot mode, the same steps (median ms):\n")
        rows = []
        fx = list(boot)
        steps = []
        for f in fx:
            for st in boot[f].get("nixbox", {}).get("trace", {}).get("steps", []):
                if st["step"] not in steps:
                    steps.append(st["step"])
        for stp in steps:
            row = [stp]
            for f in fx:
                d = {x["step"]: x for x in boot[f].get("nixbox", {}).get("trace", {}).get("steps", [])}.get(stp)
                row.append(f2(d["median_ms"]) if d else "–")
            rows.append(row)
        o.append(table(["step"] + fx, rows))

        o.append("\n## 4. Memory: the supervisor's peak RSS while the container runs\n")
        o.append("VmHWM of the process that stays on the host (nixbox, systemd-nspawn, lxc-start), read 0.2 s "
                 "after READY=1; RSS and PSS (shared pages split among their users) at the same moment.\n")
        rows = []
        for fixture, rts in boot.items():
            base = med(rts.get("nixbox", {}).get("vmhwm_kb"))
            for rt, e in rts.items():
                rows.append([fixture, rt, mmm(e["vmhwm_kb"], str) if e["vmhwm_kb"] else "–",
                             ratio(med(e["vmhwm_kb"]), base), med(e["vmrss_kb"]) or "–", med(e["pss_kb"]) or "–"])
        o.append(table(["fixture", "supervisor", "VmHWM kB min / **median** / max", "÷ nixbox",
                        "RSS kB", "PSS kB"], rows))

    sc = s.get("scale")
    if sc:
        fx = sc[0].get("fixture", "debian")
        o.append(f"\n## 5. Scale: N {'NixOS-shaped' if fx == 'nixos' else 'Debian'} containers booted at once\n")
        o.append("All N start together (each in a cgroup of its own, as a service manager would start them); "
                 "\"all READY=1\" is when the last one was ready, or when the wait ended (nothing changed for "
                 "30 s, or the time limit). A container that never got ready or did not exit 0 after SIGTERM is "
                 "a failure. Both boot all of them from the one primed tree, each with an overlay of its own "
                 "(nixbox `--ephemeral`, systemd-nspawn `--volatile=overlay`). PSS per "
                 "container: of the runtime's own processes (supervisor and helpers running its binary: "
                 "nixbox's guard) and of the whole tree (with the container's processes), medians. "
                 "\"left\" counts processes in the runs' cgroups and nixbox state directories after the "
                 "stop.\n")
        if m.get("inotify_max_user_instances"):
            o.append(f"Note: this host's fs.inotify.max_user_instances is {m['inotify_max_user_instances']}. "
                     "A booted systemd takes 7 to 8 inotify "
                     "instances, charged to the owner of its user namespace: nixbox makes each container's "
                     "shift UID the owner (docs/architecture.md §5), so each has its own 128; systemd-nspawn "
                     "creates them as host root, so all its containers share root's 128 (about 16 systemd's) "
                     "unless the sysctl is raised.\n")
        rows = [[r["n"], r["runtime"], f2(r["all_ready_s"]), f2(med(r["ready_s"])),
                 f"{r['failures']}/{r['n']}" + (" (timed out)" if r["timed_out"] else "") +
                 "".join(f"; {v}: {k}" for k, v in r.get("causes", {}).items()),
                 f2(r["stop_all_s"]), ",".join(r["exit_codes"]),
                 med(r.get("runtime_pss_kb")) or "–", med(r.get("tree_pss_kb")) or "–",
                 f"{r.get('left_processes', '?')} / {r.get('left_state', '?')}"] for r in sc]
        o.append(table(["N", "runtime", "all READY=1 (s)", "median READY=1 (s)", "failures",
                        "SIGTERM → all exited (s)", "exit codes", "runtime PSS/container (kB)",
                        "total PSS/container (kB)", "left: processes / state"], rows))

    bi = s.get("binds")
    if bi:
        o.append("\n## 6. Cost growth\n\n### Bind mounts (`/bin/true`, Debian fixture)\n")
        rows = []
        for r in bi:
            b0 = next((x for x in bi if x["runtime"] == r["runtime"] and x["binds"] == 0), None)
            rows.append([r["runtime"], r["binds"], mmm(r["wall"]),
                         ratio(med(r["wall"]), med(b0["wall"]) if b0 else None),
                         f"{(med(r['wall']) - med(b0['wall'])) / r['binds']:.3f}" if r["binds"] and b0 and r["wall"] and b0["wall"] else "–",
                         mmm(r["vmhwm_kb"], str) if r["vmhwm_kb"] else "–",
                         r["failures"] if r["wall"] else f"failed: {r['error'][:100]}"])
        o.append(table(["runtime", "binds", "wall ms min / **median** / max", "÷ 0 binds", "ms per bind",
                        "supervisor VmHWM kB", "failures"], rows))
    ch = s.get("chown")
    if ch:
        o.append("\n### Rootfs size, `--private-users-ownership=chown`\n")
        o.append("A fresh copy of the busybox tree plus N empty files; the first run shifts the tree, the second "
                 "finds it shifted. chown time = first − second.\n")
        rows = [[r["runtime"], r["inodes"], mmm(r["first_ms"]), mmm(r["second_ms"]), mmm(r["chown_s"], f2),
                 f"{med(r['inodes_per_s']):.0f}" if r["inodes_per_s"] else "–", r["failures"]] for r in ch]
        o.append(table(["runtime", "inodes", "first run ms", "second run ms", "chown s", "inodes/s (median)",
                        "failures"], rows))
    o.append("\n![/bin/true latency](latency.png)\n\n![boot to READY=1](boot.png)\n")
    return "\n".join(o)


def plots(res, out):
    if not shutil.which("gnuplot"):
        return
    lat = res["sections"].get("latency")
    if lat:
        vs = [v for v in lat["variants"] if v["times_ms"]]
        with open(os.path.join(out, "latency.dat"), "w") as f:
            for v in vs:
                xs = sorted(v["times_ms"])
                f.write(f"# {v['name']}\n{xs[0]:.3f} 0\n")
                for i, x in enumerate(xs):
                    f.write(f"{x:.3f} {(i + 1) / len(xs):.4f}\n")
                f.write("\n\n")
        colors = ["#000000", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2",
                  "#7f7f7f", "#bcbd22", "#17becf", "#ff7f0e", "#393b79", "#637939"]
        plot = ", ".join(f"'latency.dat' index {i} using 1:2 with steps lw {4 if v['name'] == 'nixbox' else 2} "
                         f"lc rgb '{colors[i % len(colors)]}' dt {1 + (i // len(colors))} title \"{v['name']}\""
                         for i, v in enumerate(vs))
        script = ("set terminal pngcairo size 1200,700 font 'sans,10'\nset output 'latency.png'\n"
                  "set title 'Start-to-exit latency of /bin/true in the Debian fixture (CDF)'\n"
                  "set xlabel 'ms (log scale)'\nset ylabel 'fraction of runs'\nset logscale x\nset yrange [0:1]\n"
                  "set key right bottom\nset grid\nplot " + plot + "\n")
        subprocess.run(["gnuplot"], input=script.encode(), cwd=out, stderr=subprocess.DEVNULL)
    boot = res["sections"].get("boot")
    if boot:
        cats = []
        with open(os.path.join(out, "boot.dat"), "w") as f:
            for fixture, rts in boot.items():
                for rt, e in rts.items():
                    cats.append(f"{rt}\\n{fixture}")
                    for y in e.get("ready_all_s", []):
                        f.write(f"{len(cats) - 1 + random.uniform(-0.15, 0.15):.3f} {y:.4f}\n")
        xt = ", ".join(f"\"{c}\" {i}" for i, c in enumerate(cats))
        script = ("set terminal pngcairo size 1000,600 font 'sans,10'\nset output 'boot.png'\n"
                  "set title 'Boot to READY=1 (each point one boot)'\nset ylabel 's'\nset grid y\nset bmargin 4\n"
                  f"set xtics ({xt})\nset xrange [-0.6:{len(cats) - 0.4}]\nset yrange [0:*]\n"
                  "plot 'boot.dat' using 1:2 with points pt 7 ps 1 notitle\n")
        subprocess.run(["gnuplot"], input=script.encode(), cwd=out, stderr=subprocess.DEVNULL)


def write(res, out):
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md(res))
    plots(res, out)


if __name__ == "__main__":
    d = sys.argv[1]
    with open(os.path.join(d, "results.json")) as f:
        write(json.load(f), d)
