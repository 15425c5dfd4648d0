# SPDX-License-Identifier: LGPL-2.1-or-later
"""nixbox.py against the real nixbox (root; the busybox and nixos fixtures of
tests/fixtures, from $BUSYBOX_ROOT / $NIXOS_ROOT or fixture.sh). Each test
checks what is left on the host afterwards: nothing."""

import json
import os
import subprocess
import time

import pytest

import nixbox

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NIXBOX = os.environ.get("NIXBOX") or os.path.join(TOP, "build", "nixbox")

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (nixbox run)")


def fixture(kind):
    path = os.environ.get(kind.upper() + "_ROOT")
    if path is None:
        p = subprocess.run([os.path.join(TOP, "tests/fixtures/fixture.sh"), kind], capture_output=True, text=True)
        path = p.stdout.strip() if p.returncode == 0 else ""
    if not path:
        pytest.skip("%s fixture unavailable (tests/fixtures/fixture.sh %s)" % (kind, kind))
    return path


@pytest.fixture
def busybox(nixbox_tree):
    return nixbox_tree(fixture("busybox"))


def cgroup2():
    for line in open("/proc/self/mountinfo"):
        f = line.split()
        if f[f.index("-") + 1] == "cgroup2" and f[3] == "/":
            return f[4]
    return None


def assert_nothing_left(name):
    running = json.loads(subprocess.run([NIXBOX, "list", "--json"], capture_output=True, check=True).stdout)
    assert name not in [m["name"] for m in running]
    assert not os.path.exists("/run/nixbox/%s.lock" % name)
    if nixbox.verbs(NIXBOX) >= {"remove-state"}:
        assert not os.path.exists("/run/nixbox/" + name), "state of %s left after remove-state" % name
    else:
        assert not os.path.exists("/run/nixbox/" + name)
    cg = cgroup2()
    assert cg is None or not os.path.exists(os.path.join(cg, "nixbox", name)), "cgroup of %s left" % name


LOOP = "trap 'exit 0' TERM; while :; do sleep 0.1; done"


def test_command_machine_exec_copy_stop(busybox, tmp_path):
    m = nixbox.Machine(busybox, "pyi-cmd", nixbox=NIXBOX, command=LOOP)
    with m:
        assert [e["event"] for e in m.events][:1] == ["started"]
        assert m.uid_shift and m.uid_range == 65536
        st, out, err = m.exec("cat /proc/self/uid_map")
        assert st == 0 and out.split() == ["0", str(m.uid_shift), "65536"]
        assert m.exec("hostname").stdout.strip() == "pyi-cmd"
        assert m.exec(["id", "-u"], user="nobody").stdout.strip() == "65534"
        assert m.exec("tr a-z A-Z", input="shout\n").stdout == "SHOUT\n"
        assert m.exec("echo oops >&2; exit 7") == (7, "", "oops\n")
        with pytest.raises(nixbox.ExecTimeout):
            m.exec("sleep 60", timeout=1)
        src = tmp_path / "in.txt"
        src.write_text("payload\n")
        src.chmod(0o640)
        m.copy_to(src, "/tmp/in.txt")
        assert m.exec("stat -c %a /tmp/in.txt; cat /tmp/in.txt").stdout == "640\npayload\n"
        m.exec("sha1sum /tmp/in.txt >/tmp/out.txt", check=True)
        m.copy_from("/tmp/out.txt", tmp_path / "out.txt")
        assert (tmp_path / "out.txt").read_text().split()[0] == subprocess.run(
            ["sha1sum", str(src)], capture_output=True, text=True).stdout.split()[0]
    assert m.outcome is not None and m.outcome.status == 0, m.outcome
    assert [e["event"] for e in m.events] == ["started", "ready", "exited"]
    if nixbox.verbs(NIXBOX) >= {"remove-state"}:  # outcome records (docs/harness.md)
        assert m.outcome.result == "exited" and m.outcome.record["stop_request"] == "stop", m.outcome
    assert_nothing_left("pyi-cmd")


def test_copy_refuses_to_overwrite_unless_forced(busybox, tmp_path):
    if not nixbox.verbs(NIXBOX) >= {"copy-to", "copy-from"}:
        pytest.skip("this nixbox has no copy-to/copy-from (`nixbox help`)")
    src = tmp_path / "f"
    src.write_text("one\n")
    with nixbox.Machine(busybox, "pyi-copy", nixbox=NIXBOX, command=LOOP) as m:
        m.copy_to(src, "/tmp/f")
        src.write_text("two\n")
        with pytest.raises(nixbox.NixboxError, match="pyi-copy: nixbox copy-to exited 125"):
            m.copy_to(src, "/tmp/f")
        m.copy_to(src, "/tmp/f", force=True)
        assert m.exec("cat /tmp/f").stdout == "two\n"
        m.exec("mkdir -p /tmp/d/e && echo deep >/tmp/d/e/x", check=True)
        m.copy_from("/tmp/d", tmp_path / "d")
        assert (tmp_path / "d" / "e" / "x").read_text() == "deep\n"
    assert_nothing_left("pyi-copy")


def test_a_command_that_ends_has_its_outcome(busybox):
    m = nixbox.Machine(busybox, "pyi-boom", nixbox=NIXBOX, command="echo boom; exit 3")
    with m:
        out = m.wait(timeout=60)
        assert out.status == 3 and out.signal is None
        if nixbox.verbs(NIXBOX) >= {"remove-state"}:
            assert "boom" in m.logs()
    assert_nothing_left("pyi-boom")


def test_stop_of_a_payload_that_ignores_the_signal_escalates(busybox):
    m = nixbox.Machine(busybox, "pyi-deaf", nixbox=NIXBOX, command="trap '' TERM; while :; do sleep 0.1; done")
    m.start()
    t = time.monotonic()
    out = m.stop(timeout=1)
    assert time.monotonic() - t < 30
    assert out.status == 128 + 9 and out.signal == 9  # SIGKILL after the timeout
    m.close()
    assert_nothing_left("pyi-deaf")


def test_a_failed_start_says_why(busybox):
    m = nixbox.Machine(busybox, "pyi-fail", nixbox=NIXBOX, command=["/no/such/program"])
    with pytest.raises(nixbox.StartError) as ei:
        m.start()
    assert ei.value.status == 127
    assert "execute /no/such/program" in str(ei.value)
    assert m.outcome.status == 127
    assert_nothing_left("pyi-fail")


def test_not_ready_in_time_is_a_start_timeout_and_leaves_nothing(busybox):
    # The busybox fixture's init never sends READY=1.
    m = nixbox.Machine(busybox, "pyi-slow", nixbox=NIXBOX)
    t = time.monotonic()
    with pytest.raises(nixbox.StartTimeout, match="did not become ready within 1 s"):
        m.start(timeout=1)
    assert time.monotonic() - t < 30
    assert_nothing_left("pyi-slow")


def test_the_context_manager_cleans_up_after_an_exception(busybox):
    with pytest.raises(ZeroDivisionError):
        with nixbox.Machine(busybox, "pyi-exc", nixbox=NIXBOX, command=LOOP) as m:
            assert m.running
            1 / 0
    assert not m.running
    assert_nothing_left("pyi-exc")


def test_the_fixture_tears_down_its_machines(nixbox_machine, nixbox_tree):
    src = fixture("busybox")
    a = nixbox_machine(nixbox_tree(src), "pyi-fa", nixbox=NIXBOX, command=LOOP)
    b = nixbox_machine(nixbox_tree(src), "pyi-fb", nixbox=NIXBOX, command=LOOP, ephemeral=True)
    assert a.running and b.running and a.uid_shift != b.uid_shift
    # (teardown closes both; the next test checks that nothing was left)
    test_the_fixture_tears_down_its_machines.names = [a.name, b.name]


def test_after_the_fixture_nothing_is_left():
    for name in getattr(test_the_fixture_tears_down_its_machines, "names", []):
        assert_nothing_left(name)


def start_or_skip_on_host_limit(m):
    """A boot that ran into a host-wide limit others use up too (root's
    inotify instances) is skipped with the reason, not failed."""
    try:
        m.start()
    except nixbox.StartError as e:
        if e.host_limit:
            pytest.skip("%s: the host ran out of %s (shared by every container of root's): %s" % (m.name, e.host_limit, e))
        raise


def test_a_nixos_boot_is_ready_and_running(nixbox_machine, nixbox_tree):
    m = nixbox_machine(nixbox_tree(fixture("nixos")), "pyi-nixos", nixbox=NIXBOX, ephemeral=True, start=False)
    start_or_skip_on_host_limit(m)
    assert [e["event"] for e in m.events][:2] == ["started", "ready"]
    state = m.exec("systemctl is-system-running --wait", timeout=120).stdout.strip()
    assert state in ("running", "degraded")
    assert m.exec("cat /etc/os-release").stdout.count("ID=nixos") == 1
    out = m.stop()
    assert out.status == 0


def test_a_harness_killed_with_sigterm_or_exiting_leaves_nothing(busybox, tmp_path):
    # One harness is sent SIGTERM while its machine runs; another just exits
    # without closing its machine: the module's handlers stop both.
    import signal
    import sys
    import textwrap

    script = tmp_path / "harness.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        sys.path.insert(0, %r)
        import nixbox
        m = nixbox.Machine(sys.argv[1], sys.argv[2], nixbox=%r, command=%r)
        m.start()
        print("ready", flush=True)
        if sys.argv[3] == "sleep":
            time.sleep(120)
    """ % (os.path.dirname(nixbox.__file__), NIXBOX, LOOP)))
    p = subprocess.Popen([sys.executable, str(script), busybox, "pyi-term", "sleep"], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "ready\n"
    assert os.path.exists("/run/nixbox/pyi-term/state")
    p.send_signal(signal.SIGTERM)
    assert p.wait(60) == -signal.SIGTERM
    assert_nothing_left("pyi-term")
    p = subprocess.run([sys.executable, str(script), busybox, "pyi-exit", "exit"], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and p.stdout == "ready\n", p.stderr
    assert_nothing_left("pyi-exit")
