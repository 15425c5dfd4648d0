# SPDX-License-Identifier: LGPL-2.1-or-later
# The module and its pytest plugin from this checkout (unless installed).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

try:
    from importlib.metadata import entry_points

    _eps = entry_points()
    _group = _eps.select(group="pytest11") if hasattr(_eps, "select") else _eps.get("pytest11", [])
    _installed = any(ep.value == "nixbox_pytest" for ep in _group)
except Exception:  # noqa: BLE001 - no metadata: load it ourselves
    _installed = False
if not _installed:
    pytest_plugins = ["nixbox_pytest"]
