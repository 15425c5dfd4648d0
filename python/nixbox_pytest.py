# SPDX-License-Identifier: LGPL-2.1-or-later
"""pytest plugin for nixbox: fixtures that start machines and leave nothing behind.

Load it with ``-p nixbox_pytest``, ``pytest_plugins = ["nixbox_pytest"]`` in
a top-level conftest.py, or by installing the package (entry point
``pytest11``). Fixtures:

nixbox_machine
    a factory: ``nixbox_machine(root, name=None, start=True, **options)``
    makes a nixbox.Machine (options as Machine's), starts it (waiting for
    readiness) unless start=False, and returns it. Every machine it made is
    closed (stopped, its state removed) when the test ends, pass or fail,
    all at once in parallel.
nixbox_tree
    a factory: ``nixbox_tree(src)`` copies the tree src into a fresh
    directory below a root-owned 0700 directory (as nixbox's default UID
    mapping wants) and returns the copy's path; removed after the test.

Options: ``--nixbox=PATH`` (default: $NIXBOX, else ``nixbox`` on PATH),
``--nixbox-tmp=DIR`` (where nixbox_tree copies go; default
$NIXBOX_TMP, else /var/tmp/nixbox-pytest).
"""

import os
import shutil
import subprocess
import tempfile
import threading

import pytest

import nixbox


def pytest_addoption(parser):
    group = parser.getgroup("nixbox")
    group.addoption("--nixbox", dest="nixbox_path", default=None, help="the nixbox binary (default: $NIXBOX or nixbox)")
    group.addoption("--nixbox-tmp", dest="nixbox_tmp", default=None, help="directory of nixbox_tree copies")


def _nixbox_path(config):
    return config.getoption("nixbox_path", None) or os.environ.get("NIXBOX") or "nixbox"


def _close_all(machines):
    errors = []

    def close(m):
        try:
            m.close()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append("%s: %s" % (m.name, e))

    threads = [threading.Thread(target=close, args=(m,)) for m in machines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.fixture
def nixbox_machine(request):
    made = []
    binary = _nixbox_path(request.config)

    def factory(root, name=None, *, start=True, **options):
        options.setdefault("nixbox", binary)
        m = nixbox.Machine(root, name, **options)
        made.append(m)
        if start:
            m.start()
        return m

    yield factory
    errors = _close_all(made)
    if errors:
        pytest.fail("nixbox_machine: cleanup failed: " + "; ".join(errors), pytrace=False)


def remove_tree(path):
    """rm -rf that also lifts the immutable bit (a booted NixOS tree's /var/empty)."""
    if not os.path.lexists(path):
        return
    subprocess.run(["chattr", "-R", "-f", "-i", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(path)


@pytest.fixture
def nixbox_tree(request):
    base = request.config.getoption("nixbox_tmp", None) or os.environ.get("NIXBOX_TMP") or "/var/tmp/nixbox-pytest"
    os.makedirs(base, mode=0o700, exist_ok=True)
    made = []

    def factory(src):
        d = tempfile.mkdtemp(prefix="tree.", dir=base)  # 0700, owned by us
        made.append(d)
        dst = os.path.join(d, os.path.basename(os.path.normpath(src)))
        subprocess.run(["cp", "-a", "--reflink=auto", os.fspath(src), dst], check=True)
        return dst

    yield factory
    for d in made:
        remove_tree(d)
    try:
        os.rmdir(base)
    except OSError:
        pass
