#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every source file carries an SPDX licence header (tools/add-spdx-headers.sh
# says which files and where). Exit 0: all do; 1: the files without one are
# listed.
TOP=$(cd "$(dirname "$0")/.." && pwd)
exec "$TOP/tools/add-spdx-headers.sh" --check
