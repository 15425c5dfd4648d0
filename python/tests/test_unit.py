# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unit tests of nixbox.py against a fake nixbox (tests/fake-nixbox): the
command lines it builds, the JSON status lines it parses, its errors, its
escalation and its cleanup. No root, no containers."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import nixbox

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake-nixbox")


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_DIR", str(tmp_path))
    monkeypatch.setenv("FAKE_MODE", "ok")
    monkeypatch.delenv("FAKE_VERBS", raising=False)
    monkeypatch.delenv("FAKE_STOP", raising=False)
    (tmp_path / "inside").mkdir()
    nixbox._verbs_cache.clear()
    made = []

    class Fake:
        dir = tmp_path

        def machine(self, name="m1", **kw):
            m = nixbox.Machine("/srv/tree", name, nixbox=FAKE, **kw)
            made.append(m)
            return m

        def calls(self):
            return [json.loads(line) for line in (tmp_path / "calls.jsonl").read_text().splitlines()]

        def verbs_called(self):
            return [c[0] for c in self.calls()]

    yield Fake()
    for m in made:
        m._close_quietly(5)
    nixbox._verbs_cache.clear()


def test_run_argv_of_a_boot():
    m = nixbox.Machine(
        "/srv/t",
        "web",
        ephemeral=True,
        network="veth",
        host_address="10.0.0.1/24",
        local_address=["10.0.0.2/24"],
        env={"A": "b c"},
        init_args=["systemd.unit=rescue.target"],
        options=["--bind-ro=/src"],
        private_users="pick",
    )
    assert m.run_argv(7, 12.5) == [
        "nixbox", "run", "-q", "-d", "-M", "web", "--json-status-fd=7", "--timeout=13", "-x", "-n",
        "--host-address=10.0.0.1/24", "--local-address=10.0.0.2/24", "--private-users=pick",
        "--setenv=A=b c", "--bind-ro=/src", "-b", "/srv/t", "--", "systemd.unit=rescue.target",
    ]  # fmt: skip


def test_run_argv_of_a_command_and_default_name():
    m = nixbox.Machine("/srv/t", command="echo hi; sleep 9", network="host")
    assert m.name.startswith("nbpy-") and len("ve-" + m.name) <= 15
    argv = m.run_argv(3, 90)
    assert argv[argv.index("--share-network") + 1:] == ["/srv/t", "--", "/bin/sh", "-c", "echo hi; sleep 9"]
    assert "-b" not in argv
    assert nixbox.Machine("/t", command=["true"]).run_argv(3, 1)[-2:] == ["--", "true"]


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="network='wifi'"):
        nixbox.Machine("/t", "x", network="wifi").run_argv(3, 1)
    with pytest.raises(ValueError, match="either boot=True or a command"):
        nixbox.Machine("/t", boot=True, command=["true"])
    with pytest.raises(ValueError, match="needs a command"):
        nixbox.Machine("/t", boot=False)


def test_verbs_are_read_from_help(fake, monkeypatch):
    assert {"run", "exec", "poweroff", "reboot", "help", "version"} <= nixbox.verbs(FAKE)
    assert "copy-to" not in nixbox.verbs(FAKE)
    nixbox._verbs_cache.clear()
    monkeypatch.setenv("FAKE_VERBS", "copy-to wait")
    assert {"copy-to", "wait"} <= nixbox.verbs(FAKE)


def test_start_parses_started_and_ready_then_stop_gives_the_outcome(fake):
    m = fake.machine()
    m.start(timeout=5)
    assert [e["event"] for e in m.events] == ["started", "ready"]
    assert m.pid > 0 and m.uid_shift == 1000 << 16 and m.uid_range == 65536
    assert m.running and m.outcome is None
    assert m.boot_to_ready is not None and 0 <= m.boot_to_ready < 5
    run = [c for c in fake.calls() if c[0] == "run"][0]
    assert run[:6] == ["run", "-q", "-d", "-M", "m1", run[5]] and run[5].startswith("--json-status-fd=")
    assert run[6] == "--timeout=5"
    (fake.dir / "m1.stop").write_text("3")  # the container ends by itself
    out = m.wait(timeout=5)
    assert out == m.outcome and out.status == 3 and out.signal is None and not out.ok
    assert not m.running
    m.close()
    assert "stop" not in fake.verbs_called()  # it had ended already


def test_stop_and_exited_by_a_signal(fake, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "signal")
    m = fake.machine()
    m.start()
    out = m.stop(timeout=3)
    assert (out.status, out.signal) == (137, 9)
    assert ["stop", "m1", "--timeout=3"] in fake.calls()


def test_garbled_and_split_lines(fake, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "garbage")
    m = fake.machine()
    m.start()
    m.wait_ready()
    deadline = time.monotonic() + 5
    while len(m.events) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [e["event"] for e in m.events] == ["started", "unparsed", "ready"]
    assert m.events[1]["line"] == "this is not json"


def test_a_failed_start_raises_with_nixbox_message_and_log(fake, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "fail")
    m = fake.machine("bad")
    with pytest.raises(nixbox.StartError) as ei:
        m.start()
    e = ei.value
    assert not isinstance(e, nixbox.StartTimeout)
    assert e.status == 127 and e.name == "bad"
    assert "execute /no/such: No such file" in str(e) and "nixbox run -d exited 127" in str(e)
    assert "console line 100" in e.log_tail and "console line 60" not in e.log_tail and "\r" not in e.log_tail
    assert [x["event"] for x in e.events] == ["started", "exited"]
    assert m.outcome.status == 127


def test_the_log_tail_of_a_start_that_took_its_log_along(fake, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "fail-log")
    monkeypatch.setattr(nixbox, "STATE_DIR", str(fake.dir / "state"))
    with pytest.raises(nixbox.StartError) as ei:
        fake.machine("gone").start()
    assert "Too many open files" in ei.value.log_tail and "\r" not in ei.value.log_tail
    assert "exited 255 (the init ran out of inotify instances" in str(ei.value)
    assert "fs.inotify.max_user_instances=1024" in str(ei.value)
    assert ei.value.host_limit == "fs.inotify.max_user_instances"


def test_nixbox_timeout_is_a_start_timeout(fake, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "timeout")
    with pytest.raises(nixbox.StartTimeout, match="did not become ready within 1 s"):
        fake.machine("slow").start(timeout=1)


def test_python_side_timeout_kills_and_stops(fake, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "hang")
    m = fake.machine("hung")
    m.start(wait_ready=False)
    assert [e["event"] for e in m.events] == ["started"]
    t = time.monotonic()
    with pytest.raises(nixbox.StartTimeout, match="did not return within 0.5 s"):
        m.wait_ready(timeout=0.5)
    assert time.monotonic() - t < 60
    assert "stop" in fake.verbs_called()
    assert not m.running and m.outcome.status == 0


def test_stop_escalates_to_terminate_when_stop_hangs(fake, monkeypatch):
    monkeypatch.setenv("FAKE_STOP", "hang")
    m = fake.machine()
    m.start()
    m.stop_grace = 4  # how long `nixbox stop` may hang beyond its timeout
    t = time.monotonic()
    out = m.stop(timeout=0)
    assert time.monotonic() - t < 30
    assert [v for v in fake.verbs_called() if v != "help"][-2:] == ["stop", "terminate"]
    assert out.status == 137


def test_exec_result_input_user_env_and_check(fake):
    m = fake.machine()
    m.start()
    r = m.exec("cat; echo err >&2; exit 4", input="in")
    assert r == (4, "in", "err\n") and not r.ok
    status, out, err = m.exec(["printf", "%s", "a b"])
    assert (status, out) == (0, "a b")
    assert m.exec(["cat"], input=b"\xff", text=False).stdout == b"\xff"
    assert m.exec("cat").stdout == ""  # stdin is /dev/null without input
    m.exec(["true"], user="nobody", env={"X": "1"}, cwd="/tmp")
    assert fake.calls()[-1] == ["exec", "-T", "--user=nobody", "--setenv=X=1", "--working-directory=/tmp", "m1", "--", "true"]
    with pytest.raises(nixbox.ExecError, match=r"m1: false exited 1"):
        m.exec(["false"], check=True)


def test_exec_timeout_kills_the_command(fake):
    m = fake.machine()
    m.start()
    t = time.monotonic()
    with pytest.raises(nixbox.ExecTimeout, match="did not end within 10 s") as ei:
        m.exec("echo partial; exec sleep 60", timeout=10)
    assert time.monotonic() - t < 40
    assert ei.value.result.stdout == "partial\n"


def test_copy_uses_the_verbs_when_nixbox_has_them(fake, monkeypatch, tmp_path):
    monkeypatch.setenv("FAKE_VERBS", "copy-to copy-from remove-state wait")
    m = fake.machine()
    m.start()
    src = tmp_path / "in.txt"
    src.write_text("hello")
    m.copy_to(src, "/in.txt")
    assert (fake.dir / "inside" / "in.txt").read_text() == "hello"
    m.copy_from("/in.txt", tmp_path / "out.txt")
    assert (tmp_path / "out.txt").read_text() == "hello"
    assert ["copy-to", "m1", str(src), "/in.txt"] in fake.calls()
    m.copy_to(src, "/in.txt", force=True)
    m.copy_from("/in.txt", tmp_path / "out.txt", force=True)
    assert ["copy-to", "--force", "m1", str(src), "/in.txt"] in fake.calls()
    assert ["copy-from", "--force", "m1", "/in.txt", str(tmp_path / "out.txt")] in fake.calls()
    out = m.close()
    # The outcome record of status --json is merged into the exited line.
    assert out.status == 0 and out.result == "exited"
    assert out.record["exit_status"] == 0 and out.record["stop_request"] == "stop"
    assert fake.verbs_called()[-1] == "remove-state"


def test_copy_falls_back_to_exec_without_the_verbs(fake, tmp_path):
    m = fake.machine()
    m.start()
    src = tmp_path / "in.sh"
    src.write_text("#!/bin/sh\n")
    src.chmod(0o751)
    m.copy_to(src, str(tmp_path / "copied"))  # the fake's exec runs on the host
    assert (tmp_path / "copied").read_text() == "#!/bin/sh\n"
    assert (tmp_path / "copied").stat().st_mode & 0o777 == 0o751
    m.copy_from(str(tmp_path / "copied"), tmp_path / "back")
    assert (tmp_path / "back").read_text() == "#!/bin/sh\n"
    with pytest.raises(nixbox.Unsupported, match="no copy-to verb"):
        m.copy_to(tmp_path, "/x")
    with pytest.raises(nixbox.NixboxError, match="copy /nonexistent from the container"):
        m.copy_from("/nonexistent", tmp_path / "y")


def test_context_manager_cleans_up_on_an_exception(fake, monkeypatch):
    monkeypatch.setenv("FAKE_VERBS", "remove-state")
    with pytest.raises(RuntimeError, match="boom"):
        with fake.machine("ctx") as m:
            assert m.running
            raise RuntimeError("boom")
    assert not m.running and m.outcome.status == 0
    assert fake.verbs_called()[-2:] == ["stop", "remove-state"] or fake.verbs_called()[-1] == "remove-state"
    assert ["stop", "ctx", "--timeout=30"] in fake.calls()
    assert m not in nixbox._live


def test_a_killed_harness_stops_its_machines_on_sigterm(fake, tmp_path):
    # A harness process that gets SIGTERM: the module's handler stops the
    # machine before the process dies of the signal.
    script = tmp_path / "harness.py"
    script.write_text(textwrap.dedent("""
        import os, signal, sys, time
        sys.path.insert(0, %r)
        import nixbox
        m = nixbox.Machine("/srv/t", "sig", nixbox=%r)
        m.start()
        print("ready", flush=True)
        time.sleep(60)
    """ % (os.path.dirname(nixbox.__file__), FAKE)))
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline() == "ready\n"
    assert (fake.dir / "sig.pid").exists()
    p.send_signal(signal.SIGTERM)
    assert p.wait(20) == -signal.SIGTERM
    assert ["stop", "sig", "--timeout=10"] in fake.calls()
    assert not (fake.dir / "sig.pid").exists()


def test_atexit_stops_machines_left_running(fake, tmp_path):
    script = tmp_path / "harness.py"
    script.write_text(textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        import nixbox
        nixbox.Machine("/srv/t", "left", nixbox=%r).start()
    """ % (os.path.dirname(nixbox.__file__), FAKE)))
    subprocess.run([sys.executable, str(script)], check=True, timeout=30)
    assert ["stop", "left", "--timeout=10"] in fake.calls()
    assert not (fake.dir / "left.pid").exists()


def test_the_pytest_fixture_closes_every_machine(fake, tmp_path):
    (tmp_path / "test_it.py").write_text(textwrap.dedent("""
        def test_two(nixbox_machine):
            a = nixbox_machine("/srv/t", "fa")
            b = nixbox_machine("/srv/t", "fb")
            assert a.running and b.running
            raise AssertionError("the test fails")
    """))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(nixbox.__file__), NIXBOX=FAKE)
    p = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "nixbox_pytest", "-p", "no:cacheprovider", str(tmp_path / "test_it.py")],
        env=env, capture_output=True, text=True, timeout=120, cwd=str(tmp_path),
    )
    assert "1 failed" in p.stdout, p.stdout + p.stderr
    assert ["stop", "fa", "--timeout=30"] in fake.calls() and ["stop", "fb", "--timeout=30"] in fake.calls()
    assert not (fake.dir / "fa.pid").exists() and not (fake.dir / "fb.pid").exists()
