# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drive nixbox containers from Python test harnesses.

A thin client of the nixbox command line (no dependencies beyond the
standard library, Python >= 3.9). A Machine is started with
``nixbox run -d --json-status-fd=N``; the JSON lines on that pipe
(``started``, ``ready``, ``exited``) tell this module what happens to the
container, and every other operation is one nixbox verb (``exec``,
``copy-to``, ``copy-from``, ``stop``, ``status --json``, ``logs``,
``remove-state``)::

    with nixbox.Machine("/var/lib/nixbox/web") as m:      # boots, waits for READY=1
        r = m.exec("systemctl is-system-running --wait")
        print(r.status, r.stdout)
    # here the container is stopped and its state removed, even after an exception

See python/README.md for the whole interface.
"""

import atexit
import json
import os
import re
import secrets
import shlex
import signal
import subprocess
import threading
import time
from typing import Dict, List, NamedTuple, Optional, Sequence, Union

__version__ = "0.1.0"
__all__ = [
    "Machine",
    "Result",
    "Outcome",
    "NixboxError",
    "StartError",
    "StartTimeout",
    "ExecError",
    "ExecTimeout",
    "Unsupported",
    "verbs",
]

# nixbox's documented exit status for its own failures (nixbox(1)).
EXIT_NIXBOX_ERROR = 125
STATE_DIR = "/run/nixbox"  # where nixbox keeps NAME/state and NAME/console.log
LOG_TAIL_LINES = 40


class NixboxError(Exception):
    """A nixbox command failed; the message names the machine and the command."""


class Unsupported(NixboxError):
    """The nixbox binary lacks a verb this call needs (`nixbox help` does not list it)."""


class StartError(NixboxError):
    """`nixbox run -d` failed: ``status`` is its exit status (None when it was
    killed), ``stderr`` nixbox's messages, ``log_tail`` the last lines of the
    console log (empty when the log was not available), ``events`` the JSON
    status lines seen."""

    def __init__(self, message, *, name, status=None, stderr="", log_tail="", events=(), host_limit=None):
        self.name, self.status, self.stderr, self.log_tail = name, status, stderr, log_tail
        self.host_limit = host_limit  # the host limit the start ran into, e.g. "fs.inotify.max_user_instances"
        self.events = list(events)
        text = message
        if stderr.strip():
            text += "\n--- nixbox said ---\n" + stderr.rstrip()
        if log_tail.strip():
            text += "\n--- console log (last %d lines) ---\n%s" % (LOG_TAIL_LINES, log_tail.rstrip())
        super().__init__(text)


class StartTimeout(StartError):
    """The container did not become ready in time (it was stopped)."""


class Result(NamedTuple):
    """What ``Machine.exec`` returns; unpacks as ``status, stdout, stderr``."""

    status: int
    stdout: Union[str, bytes]
    stderr: Union[str, bytes]

    @property
    def ok(self) -> bool:
        return self.status == 0


class ExecError(NixboxError):
    """``exec(..., check=True)`` of a command that did not exit 0."""

    def __init__(self, name, cmd, result):
        self.result = result
        err = result.stderr.decode(errors="replace") if isinstance(result.stderr, bytes) else result.stderr
        super().__init__(
            "%s: %s exited %d%s" % (name, _show(cmd), result.status, (": " + err.strip()[-2000:]) if err.strip() else "")
        )


class ExecTimeout(NixboxError):
    """``exec`` ran longer than its timeout; the command was killed. ``result``
    holds what it wrote until then (status None)."""

    def __init__(self, name, cmd, timeout, result):
        self.result = result
        super().__init__("%s: %s did not end within %s s; killed it" % (name, _show(cmd), timeout))


class Outcome(NamedTuple):
    """How a container ended: ``status`` is nixbox's exit code (the payload's
    status, 128+N for a signal N, 125 for nixbox's own failure), ``signal``
    the signal that killed the payload if one did, ``result`` nixbox's word
    for it where it says one (exited, signal, reboot, failed, abandoned), and
    ``record`` everything known: the ``exited`` line merged into the
    ``outcome`` object of ``nixbox status NAME --json`` where nixbox keeps
    outcomes (docs/harness.md: stop_request, start_usec, end_usec, ...)."""

    status: Optional[int]
    signal: Optional[int]
    result: Optional[str]
    record: Dict

    @property
    def ok(self) -> bool:
        return self.status == 0


def _show(cmd) -> str:
    return cmd if isinstance(cmd, str) else " ".join(shlex.quote(str(a)) for a in cmd)


_verbs_cache: Dict[str, frozenset] = {}
_verbs_lock = threading.Lock()


def verbs(nixbox: str = "nixbox") -> frozenset:
    """The verbs `nixbox help` lists (cached per binary)."""
    with _verbs_lock:
        if nixbox not in _verbs_cache:
            try:
                out = subprocess.run(
                    [nixbox, "help"], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30
                ).stdout
            except OSError as e:
                raise NixboxError("cannot run %s: %s" % (nixbox, e)) from e
            found = set()
            for line in out.splitlines():
                if not line.startswith("  ") or line[2:3] == " ":
                    continue
                # The command column ends at the first gap of two spaces;
                # "poweroff NAME | reboot NAME" and "help, version" name two.
                column = re.split(r"\s{2,}", line[2:], maxsplit=1)[0]
                found.update(re.findall(r"(?:^|\| |, )([a-z][a-z-]+)", column))
            _verbs_cache[nixbox] = frozenset(found)
        return _verbs_cache[nixbox]


def _read_int(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return "?"


def _random_name() -> str:
    # Short enough for the host side of a veth ("ve-" + name <= 15 bytes).
    return "nbpy-" + secrets.token_hex(3)


def _opt_list(value) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


# Machines started and not yet closed, for the atexit / signal cleanup.
_live = set()
_live_lock = threading.RLock()  # re-entered by the signal handler in the main thread
_handlers_installed = False


def _cleanup_live(timeout: float = 10) -> None:
    with _live_lock:
        machines = list(_live)
    threads = [threading.Thread(target=m._close_quietly, args=(timeout,), daemon=True) for m in machines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 30)


def _on_signal(signum, frame):
    _cleanup_live()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    """atexit always; SIGTERM and SIGHUP only when nobody handles them yet and
    only from the main thread (Python allows no other)."""
    global _handlers_installed
    with _live_lock:
        if _handlers_installed:
            return
        _handlers_installed = True
    atexit.register(_cleanup_live)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        try:
            if signal.getsignal(sig) == signal.SIG_DFL:
                signal.signal(sig, _on_signal)
        except (ValueError, OSError):
            pass


class Machine:
    """One container, started detached.

    root: the tree (or an image name under /var/lib/nixbox).
    name: the machine name (default: ``nbpy-`` and 6 random hex digits).
    boot: boot the tree's init (default: boot unless ``command`` is given).
    command: a command (list, or a string run by ``/bin/sh -c``) instead of booting.
    init_args: arguments for the init when booting.
    options: further ``nixbox run`` options, passed as given (e.g. ["--bind=/src:/src"]).
    ephemeral: ``-x``, a throwaway overlay over root (several machines may share root).
    network: None or "private" (only lo, nixbox's default), "host", "veth"
        (``-n``; with host_address/local_address), or a list of nixbox options.
    private_users: ``--private-users=`` (default nixbox's: pick a free range by name).
    trust_tree: ``--trust-tree`` (a tree other host users can reach).
    env: environment of the payload (``--setenv``).
    hostname: ``--hostname`` (default: the machine name).
    timeout: default readiness timeout of start() in seconds.
    """

    def __init__(
        self,
        root: str,
        name: Optional[str] = None,
        *,
        nixbox: str = "nixbox",
        boot: Optional[bool] = None,
        command: Union[None, str, Sequence[str]] = None,
        init_args: Sequence[str] = (),
        options: Sequence[str] = (),
        ephemeral: bool = False,
        network: Union[None, str, Sequence[str]] = None,
        host_address: Union[None, str, Sequence[str]] = None,
        local_address: Union[None, str, Sequence[str]] = None,
        private_users: Optional[str] = None,
        trust_tree: bool = False,
        env: Optional[Dict[str, str]] = None,
        hostname: Optional[str] = None,
        timeout: float = 90,
    ):
        self.root = os.fspath(root)
        self.name = name or _random_name()
        self.nixbox = nixbox
        self.boot = command is None if boot is None else bool(boot)
        if self.boot and command is not None:
            raise ValueError("Machine: give either boot=True or a command, not both")
        if not self.boot and command is None:
            raise ValueError("Machine: boot=False needs a command")
        self.command = command
        self.init_args = list(init_args)
        self.options = list(options)
        self.ephemeral = ephemeral
        self.network = network
        self.host_address = _opt_list(host_address)
        self.local_address = _opt_list(local_address)
        self.private_users = private_users
        self.trust_tree = trust_tree
        self.env = dict(env or {})
        self.hostname = hostname
        self.timeout = timeout
        self.stop_grace = 15  # s that stop/terminate may take beyond their timeout

        self.events: List[Dict] = []  # every JSON status line, in order
        self.started_at: Optional[float] = None  # time.monotonic() at start()
        self.ready_at: Optional[float] = None  # time.monotonic() when ready was seen
        self.info: Dict = {}  # `nixbox status NAME --json` once ready
        self._proc: Optional[subprocess.Popen] = None
        self._run_out = ""
        self._run_err = ""
        self._run_finished = False
        self._run_reader: Optional[threading.Thread] = None
        self._status_reader: Optional[threading.Thread] = None
        self._cond = threading.Condition()
        self._status_eof = False
        self._supervisor_pidfd: Optional[int] = None
        self._held_log: Optional[int] = None
        self._log_holder: Optional[threading.Thread] = None
        self._closed = False
        self._outcome: Optional[Outcome] = None

    # --- the command line -------------------------------------------------

    def _network_args(self) -> List[str]:
        n = self.network
        if n is None or n == "private":
            args = []
        elif n == "host":
            args = ["--share-network"]
        elif n == "veth":
            args = ["-n"]
        elif isinstance(n, str):
            raise ValueError("Machine: network=%r is not one of private, host, veth (or a list of options)" % n)
        else:
            args = [str(a) for a in n]
        args += ["--host-address=" + a for a in self.host_address]
        args += ["--local-address=" + a for a in self.local_address]
        return args

    def run_argv(self, status_fd: int, timeout: float) -> List[str]:
        """The `nixbox run` command line start() runs."""
        argv = [self.nixbox, "run", "-q", "-d", "-M", self.name, "--json-status-fd=%d" % status_fd]
        argv.append("--timeout=%d" % max(1, int(-(-timeout // 1))))
        if self.ephemeral:
            argv.append("-x")
        argv += self._network_args()
        if self.private_users is not None:
            argv.append("--private-users=" + str(self.private_users))
        if self.trust_tree:
            argv.append("--trust-tree")
        if self.hostname is not None:
            argv.append("--hostname=" + self.hostname)
        argv += ["--setenv=%s=%s" % kv for kv in self.env.items()]
        argv += self.options
        if self.boot:
            argv += ["-b", self.root]
            if self.init_args:
                argv += ["--"] + self.init_args
        else:
            cmd = ["/bin/sh", "-c", self.command] if isinstance(self.command, str) else list(self.command)
            argv += [self.root, "--"] + cmd
        return argv

    def _nixbox(self, *args, timeout: Optional[float] = 60, input=None) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(
                [self.nixbox] + [str(a) for a in args],
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
            )
        except OSError as e:
            raise NixboxError("%s: cannot run %s: %s" % (self.name, self.nixbox, e)) from e

    def _check(self, what: str, p: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
        if p.returncode != 0:
            raise NixboxError(
                "%s: nixbox %s exited %d: %s" % (self.name, what, p.returncode, p.stderr.decode(errors="replace").strip())
            )
        return p

    def has_verb(self, verb: str) -> bool:
        return verb in verbs(self.nixbox)

    # --- start ---------------------------------------------------------------

    def start(self, wait_ready: bool = True, timeout: Optional[float] = None) -> "Machine":
        """Runs ``nixbox run -d``. With wait_ready (the default) returns once the
        container is ready (a boot: its init sent READY=1; a command: it runs);
        else once nixbox reported ``started`` (then call wait_ready()). Raises
        StartError (StartTimeout after ``timeout`` s; the container is then stopped)."""
        if self._proc is not None:
            raise NixboxError("%s: already started" % self.name)
        timeout = self.timeout if timeout is None else timeout
        self._start_timeout = timeout
        r, w = os.pipe()
        try:
            self.started_at = time.monotonic()
            self._proc = subprocess.Popen(
                self.run_argv(w, timeout),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(w,),
            )
        except OSError as e:
            os.close(r)
            raise NixboxError("%s: cannot run %s: %s" % (self.name, self.nixbox, e)) from e
        finally:
            os.close(w)
        _install_handlers()
        with _live_lock:
            _live.add(self)
        self._status_reader = threading.Thread(target=self._read_status, args=(r,), daemon=True)
        self._status_reader.start()
        self._run_reader = threading.Thread(target=self._read_run, daemon=True)
        self._run_reader.start()
        self._log_holder = threading.Thread(target=self._hold_log, daemon=True)
        self._log_holder.start()
        if wait_ready:
            self.wait_ready()
        else:
            with self._cond:
                self._cond.wait_for(lambda: self._event("started") or self._run_done(), timeout)
            if self._run_done() and self._proc.returncode != 0:
                self.wait_ready()  # raises the StartError
        return self

    def _read_status(self, fd: int) -> None:
        buf = b""
        with os.fdopen(fd, "rb", buffering=0) as f:
            while True:
                chunk = f.read(65536)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self._add_event(line)
        if buf.strip():
            self._add_event(buf)  # a last line without its newline
        with self._cond:
            self._status_eof = True
            self._cond.notify_all()

    def _add_event(self, line: bytes) -> None:
        try:
            event = json.loads(line.decode("utf-8", errors="replace"))
        except ValueError:
            event = None
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            event = {"event": "unparsed", "line": line.decode("utf-8", errors="replace")}
        with self._cond:
            self.events.append(event)
            if event["event"] == "ready" and self.ready_at is None:
                self.ready_at = time.monotonic()
            self._cond.notify_all()

    def _read_run(self) -> None:
        out, err = self._proc.communicate()
        with self._cond:
            self._run_out = out.decode(errors="replace")
            self._run_err = err.decode(errors="replace")
            self._run_finished = True
            self._cond.notify_all()

    def _hold_log(self) -> None:
        """Opens the console log as soon as it exists and keeps it open until
        the start is over, so that its tail can be read after a failed start
        even where nixbox removes the log with the container."""
        path = os.path.join(STATE_DIR, self.name, "console.log")
        while self._held_log is None and not self._run_done():
            try:
                self._held_log = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
            except OSError:
                with self._cond:
                    self._cond.wait_for(self._run_done, 0.05)

    def _held_log_tail(self) -> str:
        if self._log_holder is not None:
            self._log_holder.join(5)  # it ends once `nixbox run -d` has
        fd, self._held_log = self._held_log, None
        if fd is None:
            return ""
        try:
            size = os.fstat(fd).st_size
            data = os.pread(fd, 65536, max(0, size - 65536))
        except OSError:
            return ""
        finally:
            os.close(fd)
        lines = data.decode(errors="replace").replace("\r", "").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    def _event(self, kind: str) -> Optional[Dict]:
        for e in self.events:
            if e["event"] == kind:
                return e
        return None

    def _run_done(self) -> bool:
        """`nixbox run -d` has exited and its output is read."""
        return self._run_finished

    @property
    def pid(self) -> Optional[int]:
        """Host pid of the container's PID 1 (from the ``started`` line)."""
        e = self._event("started")
        return e.get("pid") if e else None

    @property
    def uid_shift(self) -> Optional[int]:
        e = self._event("started")
        return e.get("uid_shift") if e else None

    @property
    def uid_range(self) -> Optional[int]:
        return self.info.get("uid_range")

    @property
    def boot_to_ready(self) -> Optional[float]:
        """Seconds from start() until ready."""
        if self.ready_at is None or self.started_at is None:
            return None
        return self.ready_at - self.started_at

    def wait_ready(self, timeout: Optional[float] = None) -> "Machine":
        """Waits until `nixbox run -d` returned (ready, or failed: StartError)."""
        if self._proc is None:
            raise NixboxError("%s: not started" % self.name)
        nixbox_timeout = getattr(self, "_start_timeout", self.timeout)
        # nixbox gives up itself after its --timeout, stops the container
        # (grace: at most 30 s, then up to 10 s for the state to go): wait
        # for that, then give up on nixbox too.
        limit = timeout if timeout is not None else nixbox_timeout + min(nixbox_timeout, 30) + 15
        with self._cond:
            done = self._cond.wait_for(self._run_done, limit)
        if not done:
            self._abort_start()
            log_tail = self._log_tail()
            self._close_quietly(10)
            raise StartTimeout(
                "%s: nixbox run -d did not return within %g s; killed it and stopped the container" % (self.name, limit),
                name=self.name,
                stderr=self._run_err,
                log_tail=log_tail,
                events=self.events,
            )
        rc = self._proc.returncode
        if rc == 0:
            if self.ready_at is None:
                self.ready_at = time.monotonic()
            self._held_log_tail()  # closes it
            self._load_info()
            return self
        # Failed: the supervisor is ending (or gone); collect its exited line.
        with self._cond:
            self._cond.wait_for(lambda: self._status_eof, 15)
        log_tail = self._log_tail()
        if self.has_verb("remove-state"):
            self._nixbox("remove-state", self.name, timeout=30)
        self._set_closed()
        cls = StartTimeout if "did not become ready" in self._run_err else StartError
        message = "%s: nixbox run -d exited %d" % (self.name, rc) if rc > 0 else "%s: nixbox run -d killed by signal %d" % (self.name, -rc)
        host_limit = None
        if re.search(r"inotify.*Too many open files", log_tail):
            host_limit = "fs.inotify.max_user_instances"
            message += (" (the init ran out of inotify instances: the containers' share the host root's "
                        "fs.inotify.max_user_instances, %s; raise it, e.g. sysctl fs.inotify.max_user_instances=1024)"
                        % _read_int("/proc/sys/fs/inotify/max_user_instances"))
        raise cls(
            message,
            name=self.name,
            status=rc,
            stderr=self._run_err,
            log_tail=log_tail,
            events=self.events,
            host_limit=host_limit,
        )

    def _load_info(self) -> None:
        try:
            p = self._nixbox("status", self.name, "--json", timeout=30)
            if p.returncode == 0:
                self.info = json.loads(p.stdout)
        except (ValueError, NixboxError, subprocess.TimeoutExpired):
            return
        sup = self.info.get("supervisor")
        if isinstance(sup, int) and sup > 0 and self._supervisor_pidfd is None and hasattr(os, "pidfd_open"):
            try:
                # Pinned now, while the state names it: a later SIGKILL cannot
                # hit a process that reused the pid.
                self._supervisor_pidfd = os.pidfd_open(sup)
            except OSError:
                pass

    def _abort_start(self) -> None:
        if self._proc and self._proc.returncode is None:
            self._proc.kill()
        self._load_info()
        self._stop_escalating(10)

    def _log_tail(self) -> str:
        held = self._held_log_tail()
        try:
            p = self._nixbox("logs", self.name, timeout=30)
        except (NixboxError, subprocess.TimeoutExpired):
            return held
        if p.returncode != 0:
            return held
        lines = p.stdout.decode(errors="replace").replace("\r", "").splitlines()
        return "\n".join(lines[-LOG_TAIL_LINES:])

    # --- while it runs ---------------------------------------------------------

    def exec(
        self,
        cmd: Union[str, Sequence[str]],
        *,
        input: Union[None, str, bytes] = None,
        timeout: Optional[float] = None,
        user: Optional[str] = None,
        env: Optional[Dict[str, str]] = None,
        cwd: Optional[str] = None,
        check: bool = False,
        text: bool = True,
    ) -> Result:
        """Runs cmd (a list, or a string for ``/bin/sh -c``) in the container
        with ``nixbox exec NAME -T``; returns Result(status, stdout, stderr),
        str (UTF-8, errors replaced) unless text=False. input: stdin (default
        /dev/null). After ``timeout`` s the command is killed (SIGTERM, then
        SIGKILL 5 s later) and ExecTimeout raised. check: raise ExecError unless
        it exited 0."""
        argv = [self.nixbox, "exec", "-T"]
        if user is not None:
            argv.append("--user=" + str(user))
        argv += ["--setenv=%s=%s" % kv for kv in (env or {}).items()]
        if cwd is not None:
            argv.append("--working-directory=" + cwd)
        argv += [self.name, "--"]
        argv += ["/bin/sh", "-c", cmd] if isinstance(cmd, str) else [str(a) for a in cmd]
        if isinstance(input, str):
            input = input.encode()
        try:
            p = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as e:
            raise NixboxError("%s: cannot run %s: %s" % (self.name, self.nixbox, e)) from e

        def decode(b):
            return b.decode(errors="replace") if text else b

        try:
            out, err = p.communicate(input, timeout=timeout)
        except subprocess.TimeoutExpired:
            # nixbox exec passes SIGTERM on to the command; a command that
            # ignores it dies with nixbox exec (its parent-death signal).
            p.terminate()
            try:
                out, err = p.communicate(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
            raise ExecTimeout(self.name, cmd, timeout, Result(None, decode(out), decode(err))) from None
        result = Result(p.returncode, decode(out), decode(err))
        if check and result.status != 0:
            raise ExecError(self.name, cmd, result)
        return result

    def copy_to(self, host_path: str, container_path: str, *, force: bool = False) -> None:
        """``nixbox copy-to NAME HOST CONTAINER``: a file, symlink or tree, mode,
        times and owners kept through the UID shift; the destination must not
        exist unless force (``--force``). A nixbox without that verb: a regular
        file only, through exec (``cat``; the mode is kept, the owner is the
        container's root, an existing file is replaced)."""
        host_path = os.fspath(host_path)
        if self.has_verb("copy-to"):
            args = ["copy-to"] + (["--force"] if force else []) + [self.name, host_path, container_path]
            self._check("copy-to", self._nixbox(*args, timeout=300))
            return
        if not os.path.isfile(host_path):
            raise Unsupported("%s: this nixbox has no copy-to verb; without it only regular files can be copied (%s)" % (self.name, host_path))
        with open(host_path, "rb") as f:
            data = f.read()
        mode = "%o" % (os.stat(host_path).st_mode & 0o7777)
        r = self.exec(['/bin/sh', '-c', 'cat >"$1" && chmod "$2" "$1"', "sh", container_path, mode], input=data, text=False)
        if r.status != 0:
            raise NixboxError("%s: copy %s to %s: %s" % (self.name, host_path, container_path, r.stderr.decode(errors="replace").strip()))

    def copy_from(self, container_path: str, host_path: str, *, force: bool = False) -> None:
        """``nixbox copy-from NAME CONTAINER HOST`` (``--force`` with force). A
        nixbox without that verb: a regular file only, through exec (``cat``;
        written with the caller's umask)."""
        host_path = os.fspath(host_path)
        if self.has_verb("copy-from"):
            args = ["copy-from"] + (["--force"] if force else []) + [self.name, container_path, host_path]
            self._check("copy-from", self._nixbox(*args, timeout=300))
            return
        r = self.exec(["/bin/cat", "--", container_path], text=False)
        if r.status != 0:
            raise NixboxError("%s: copy %s from the container: %s" % (self.name, container_path, r.stderr.decode(errors="replace").strip()))
        if os.path.isdir(host_path):
            host_path = os.path.join(host_path, os.path.basename(container_path.rstrip("/")))
        with open(host_path, "wb") as f:
            f.write(r.stdout)

    def status(self) -> Dict:
        """``nixbox status NAME --json`` (after the end: the outcome record, where
        this nixbox keeps outcomes)."""
        p = self._check("status", self._nixbox("status", self.name, "--json", timeout=30))
        try:
            return json.loads(p.stdout)
        except ValueError as e:
            raise NixboxError("%s: nixbox status --json printed no JSON: %s" % (self.name, e)) from e

    def logs(self) -> str:
        """The console log (``nixbox logs NAME``), carriage returns removed."""
        p = self._check("logs", self._nixbox("logs", self.name, timeout=60))
        return p.stdout.decode(errors="replace").replace("\r", "")

    # --- the end ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Started, and no ``exited`` line (nor the end of the status pipe) yet."""
        return self._proc is not None and not self._status_eof and self._event("exited") is None

    def wait(self, timeout: Optional[float] = None) -> Optional[Outcome]:
        """Blocks until the container ended (its ``exited`` line, or the end of
        the status pipe); returns the outcome, or None after timeout s."""
        if self._proc is None:
            raise NixboxError("%s: not started" % self.name)
        with self._cond:
            if not self._cond.wait_for(lambda: self._status_eof, timeout):
                return None
        return self.outcome

    @property
    def outcome(self) -> Optional[Outcome]:
        """How the container ended, or None while it runs (or when nothing said)."""
        if self._outcome is not None:
            return self._outcome
        exited = self._event("exited")
        if exited is None:
            return None
        record = dict(exited)
        if self.has_verb("remove-state") and not self._closed:
            # This nixbox keeps outcome records: add what status --json says.
            try:
                p = self._nixbox("status", self.name, "--json", timeout=30)
                kept = json.loads(p.stdout) if p.returncode == 0 else None
                if isinstance(kept, dict) and isinstance(kept.get("outcome"), dict):
                    record = {**kept["outcome"], **record}
            except (ValueError, NixboxError, subprocess.TimeoutExpired):
                pass
        self._outcome = Outcome(exited.get("status"), exited.get("signal"), record.get("result"), record)
        return self._outcome

    def stop(self, timeout: float = 30) -> Optional[Outcome]:
        """Stops the container and waits for its end: ``nixbox stop --timeout``
        (the kill signal, SIGKILL of PID 1 after timeout s); if that fails or
        hangs, ``nixbox terminate``, then SIGKILL of its nixbox (whose guard
        removes the cgroup and the state). Returns the outcome."""
        if self._proc is None:
            return None
        if self._proc.returncode is None and not self._run_done():
            self._proc.kill()  # still waiting for readiness: the caller only
            self._run_reader.join(10)
        if self.running:
            if not self.info:
                self._load_info()
            self._stop_escalating(timeout)
        return self.outcome

    def _stop_escalating(self, timeout: float) -> None:
        steps = [
            (("stop", self.name, "--timeout=%g" % timeout), timeout + self.stop_grace),
            (("terminate", self.name), self.stop_grace),
        ]
        for args, limit in steps:
            if self._status_eof:
                return
            try:
                self._nixbox(*args, timeout=limit)
            except subprocess.TimeoutExpired:
                continue  # hangs: the next step
            except NixboxError:
                pass
            with self._cond:
                if self._cond.wait_for(lambda: self._status_eof, 10):
                    return
        if self._supervisor_pidfd is not None:
            try:
                signal.pidfd_send_signal(self._supervisor_pidfd, signal.SIGKILL)
            except OSError:
                pass
            with self._cond:
                self._cond.wait_for(lambda: self._status_eof, 15)

    def remove_state(self) -> None:
        """``nixbox remove-state NAME``: forgets the outcome record and the log
        (nothing to do on a nixbox that keeps none)."""
        if self.has_verb("remove-state"):
            self._nixbox("remove-state", self.name, timeout=30)

    def close(self, timeout: float = 30) -> Optional[Outcome]:
        """stop() and remove_state(): nothing of this machine stays on the host."""
        if self._closed:
            return self._outcome
        try:
            outcome = self.stop(timeout)
        finally:
            try:
                self.remove_state()
            finally:
                self._set_closed()
        return outcome

    def _set_closed(self) -> None:
        self._closed = True
        with _live_lock:
            _live.discard(self)
        if self._supervisor_pidfd is not None:
            os.close(self._supervisor_pidfd)
            self._supervisor_pidfd = None

    def _close_quietly(self, timeout: float = 30) -> None:
        try:
            self.close(timeout)
        except Exception:
            pass

    def __enter__(self) -> "Machine":
        if self._proc is None:
            try:
                self.start()
            except BaseException:
                self._close_quietly()
                raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._close_quietly()  # never hide the exception that got us here

    def __repr__(self) -> str:
        state = "not started" if self._proc is None else ("running" if self.running else "ended")
        return "<nixbox.Machine %s %s (%s)>" % (self.name, self.root, state)
