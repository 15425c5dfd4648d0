# SPDX-License-Identifier: LGPL-2.1-or-later
"""Example harness: boots N NixOS machines in parallel with nixbox.py and
proves they do not interfere.

For each machine (in parallel, one thread each): start it (ephemeral, on one
shared tree; its own name, UID range and network), wait for READY=1, run
``systemctl is-system-running --wait`` (running or degraded), copy a file in,
compute a result inside, copy the result out, and end it: odd machines
with an exit status of their own (``systemctl exit 10+I``), even ones with
stop(). Then check: distinct hostnames, disjoint UID ranges, distinct
network namespaces (and addresses with veth), no machine sees another's
files, each result and each outcome is the machine's own (its exit status;
and who ended it, where nixbox keeps outcome records).

    sudo python3 -m pytest -s examples/harness/test_boot.py     # as a pytest test
    sudo python3 examples/harness/test_boot.py                  # as a script

Environment: NIXBOX_EXAMPLE_N (machines, default 3), NIXBOX_EXAMPLE_ROOT (a
NixOS tree; default: the test fixture from tests/fixtures/fixture.sh nixos,
copied), NIXBOX_EXAMPLE_NET (private: only lo, the default; veth: a veth per
machine with 10.213.I.1/24 on the host side and 10.213.I.2/24 inside; use it
in a network namespace of its own, e.g. `unshare --net`), NIXBOX (the
binary), NIXBOX_EXAMPLE_REPORT (also write the table to this file).
"""

import concurrent.futures
import hashlib
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "python"))  # the module of this checkout, unless installed

import nixbox  # noqa: E402

N = int(os.environ.get("NIXBOX_EXAMPLE_N", "3"))
NET = os.environ.get("NIXBOX_EXAMPLE_NET", "private")
NIXBOX = os.environ.get("NIXBOX") or (
    os.path.join(TOP, "build", "nixbox") if os.path.exists(os.path.join(TOP, "build", "nixbox")) else "nixbox"
)
TIMEOUT = 600  # s: ten boots on a loaded two-core machine take a while


def exit_code(i):
    """How machine i ends: odd ones by themselves (``systemctl exit 10+i``),
    even ones by the harness (``stop()``: a clean halt, exit 0)."""
    return 10 + i % 200 if i % 2 else 0


def network_options(i):
    if NET == "veth":
        return dict(network="veth", host_address="10.213.%d.1/24" % i, local_address="10.213.%d.2/24" % i)
    if NET == "private":
        return {}
    raise SystemExit("NIXBOX_EXAMPLE_NET=%s: expected private or veth" % NET)


def boot(make_machine, root, i, tmp):
    """Phase 1, one machine: start, readiness, system state, facts, a file in."""
    name = "nbex-%02d" % i
    m = make_machine(root, name, ephemeral=True, **network_options(i))
    m.start(timeout=TIMEOUT)
    state = m.exec("systemctl is-system-running --wait", timeout=TIMEOUT)
    facts = m.exec(
        "cat /proc/self/uid_map; hostname; readlink /proc/self/ns/net; ip -4 -o addr show host0 2>/dev/null | awk '{print $4}'",
        check=True,
    ).stdout.split("\n")
    inside, shift, size = (int(x) for x in facts[0].split())
    infile = os.path.join(tmp, name + ".in")
    with open(infile, "w") as f:
        f.write("input for %s, made by the harness at %f\n" % (name, time.time()))
    m.copy_to(infile, "/root/input.txt")
    m.exec("sha256sum /root/input.txt | cut -c1-16 >/root/result.txt; hostname >>/root/result.txt; "
           "touch /root/written-by-%s" % name, check=True)
    return dict(
        machine=m, name=name, ready=m.boot_to_ready, state=state.stdout.strip() or "(%s)" % state.stderr.strip(),
        uids=(shift, shift + size - 1), uid_map_inside=inside, hostname=facts[1], netns=facts[2],
        address=facts[3] or "-", input=infile,
    )


def collect(r, tmp):
    """Phase 2, once every machine wrote its files: what it sees, its result out."""
    m = r["machine"]
    r["markers"] = sorted(x for x in m.exec("ls /root", check=True).stdout.split() if x.startswith("written-by-"))
    out = os.path.join(tmp, r["name"] + ".result")
    m.copy_from("/root/result.txt", out)
    with open(out) as f:
        r["result"] = f.read().split()
    return r


def finish(r):
    """Phase 3: the machine ends (itself, or stopped); its outcome."""
    m, i = r["machine"], int(r["name"][5:])
    if exit_code(i):
        m.exec("systemctl exit %d" % exit_code(i), timeout=60)
        r["outcome"] = m.wait(timeout=TIMEOUT)
        r["ended"] = "systemctl exit"
    else:
        r["outcome"] = m.stop(timeout=60)
        r["ended"] = "stop()"
    return r


def in_parallel(fn, items):
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        return list(pool.map(fn, items))


def run_harness(make_machine, root, n, tmp):
    t0 = time.monotonic()
    results = in_parallel(lambda i: boot(make_machine, root, i, tmp), range(1, n + 1))
    all_ready = time.monotonic() - t0
    in_parallel(lambda r: collect(r, tmp), results)
    in_parallel(finish, results)
    return results, all_ready


def table(results, all_ready):
    lines = ["%d machines booted in parallel, all ready and running after %.1f s (network: %s)" % (len(results), all_ready, NET),
             "%-8s %-23s %7s  %-10s %-14s %-28s %s" % ("name", "uid range (host)", "ready", "state", "address", "result (copied out)", "outcome")]
    for r in results:
        o = r.get("outcome")
        lines.append("%-8s %-23s %6.1fs  %-10s %-14s %-28s %s" % (
            r["name"], "%d..%d" % r["uids"], r["ready"], r["state"], r["address"],
            " ".join(r.get("result", [])), "%s: exit %s" % (r["ended"], o.status) if o else "-"))
    return "\n".join(lines)


def verdict(results, bad):
    if bad:
        return "\n".join("FAIL: " + b for b in bad)
    return ("no interference: %d distinct hostnames, %d disjoint UID ranges, %d network namespaces; each machine "
            "saw only its own files; each result and each outcome is its own" % ((len(results),) * 3))


def check(results):
    """Every proof of non-interference; returns a list of failures."""
    bad = []
    names = [r["name"] for r in results]
    for r in results:
        name = r["name"]
        if r["state"] not in ("running", "degraded"):
            bad.append("%s: is-system-running said %s" % (name, r["state"]))
        if r["hostname"] != name:
            bad.append("%s: hostname %s" % (name, r["hostname"]))
        if r["uid_map_inside"] != 0:
            bad.append("%s: uid_map does not start at 0" % name)
        if r["markers"] != ["written-by-" + name]:
            bad.append("%s: sees %s in /root (only its own marker expected)" % (name, r["markers"]))
        with open(r["input"], "rb") as f:
            want = [hashlib.sha256(f.read()).hexdigest()[:16], name]
        if r.get("result") != want:
            bad.append("%s: result %s, expected %s" % (name, r.get("result"), want))
        o = r.get("outcome")
        want_stop = None if exit_code(int(name[5:])) else "stop"
        if o is None or o.status != exit_code(int(name[5:])):
            bad.append("%s: outcome %s, expected exit %d" % (name, o, exit_code(int(name[5:]))))
        elif "stop_request" in o.record and o.record["stop_request"] != want_stop:
            # nixbox keeps outcome records: it also says who ended it
            bad.append("%s: stop_request %s, expected %s" % (name, o.record["stop_request"], want_stop))
        if NET == "veth" and r["address"] != "10.213.%d.2/24" % int(name[5:]):
            bad.append("%s: address %s" % (name, r["address"]))
    ranges = sorted(r["uids"] for r in results)
    for a, b in zip(ranges, ranges[1:]):
        if b[0] <= a[1]:
            bad.append("UID ranges overlap: %d..%d and %d..%d" % (a + b))
    if len({r["netns"] for r in results}) != len(results):
        bad.append("network namespaces shared: %s" % [r["netns"] for r in results])
    if len(set(names)) != len(names):
        bad.append("names not distinct")
    return bad


def default_root(copy_tree):
    root = os.environ.get("NIXBOX_EXAMPLE_ROOT")
    if root:
        return root
    p = subprocess.run([os.path.join(TOP, "tests/fixtures/fixture.sh"), "nixos"], capture_output=True, text=True)
    if p.returncode != 0:
        return None
    return copy_tree(p.stdout.strip())  # never boot the shared master; -x machines share this copy


def report(text):
    print("\n" + text, flush=True)
    path = os.environ.get("NIXBOX_EXAMPLE_REPORT")
    if path:
        with open(path, "w") as f:
            f.write(text + "\n")


# --- as a pytest test (fixtures from nixbox_pytest) ---------------------------

def test_parallel_boots_do_not_interfere(nixbox_machine, nixbox_tree, tmp_path, capsys):
    import pytest

    if os.geteuid() != 0:
        pytest.skip("needs root (nixbox run)")
    root = default_root(nixbox_tree)
    if root is None:
        pytest.skip("nixos fixture unavailable (tests/fixtures/fixture.sh nixos)")

    def make(root, name, **kw):
        return nixbox_machine(root, name, start=False, nixbox=NIXBOX, **kw)

    try:
        results, all_ready = run_harness(make, root, N, str(tmp_path))
    except nixbox.StartError as e:
        if e.host_limit:  # used up by every container of root's on the host, not only ours
            pytest.skip("the host ran out of %s: %s" % (e.host_limit, str(e).splitlines()[0]))
        raise
    bad = check(results)
    with capsys.disabled():
        report(table(results, all_ready) + "\n" + verdict(results, bad))
    assert bad == []


# --- as a script ----------------------------------------------------------------

def main():
    made = []
    tmp = tempfile.mkdtemp(prefix="nixbox-example.", dir="/var/tmp")  # 0700

    def copy_tree(src):
        dst = os.path.join(tmp, "root")
        subprocess.run(["cp", "-a", "--reflink=auto", src, dst], check=True)
        return dst

    def make(root, name, **kw):
        m = nixbox.Machine(root, name, nixbox=NIXBOX, **kw)
        made.append(m)
        return m

    try:
        root = default_root(copy_tree)
        if root is None:
            sys.exit("no NixOS tree: set NIXBOX_EXAMPLE_ROOT or build the fixture (tests/fixtures/fixture.sh nixos)")
        results, all_ready = run_harness(make, root, N, tmp)
        bad = check(results)
        report(table(results, all_ready) + "\n" + verdict(results, bad))
        return 1 if bad else 0
    finally:
        in_parallel(lambda m: m._close_quietly(), made)
        subprocess.run(["chattr", "-R", "-f", "-i", tmp], stderr=subprocess.DEVNULL)
        subprocess.run(["rm", "-rf", "--one-file-system", tmp])


if __name__ == "__main__":
    sys.exit(main())
