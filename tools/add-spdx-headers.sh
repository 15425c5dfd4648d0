#!/bin/bash
# Adds an SPDX licence header to every source file of nixbox that lacks one
# (idempotent: a file that has "SPDX-License-Identifier:" in its first three
# lines is left alone). With --check, changes nothing and lists the files
# without a header (exit 1 if there are any): tests/check-spdx.sh.
#
# Which files, and where the header goes (each in the file's own comment syntax):
#   *.c *.h *.S                        line 1: /* SPDX-License-Identifier: ... */
#   a #! script, #compdef (zsh)        line 2: # SPDX-License-Identifier: ...
#   Makefile, *.py, *.bash *.fish,     line 1: # SPDX-License-Identifier: ...
#   *.service, services/**, debian/rules
#   man pages (docs/*.[1-8])           line 1: .\" SPDX-License-Identifier: ...
# Data files (test corpora, s6's notification-fd, debian/control...) are not
# sources: LICENSE and debian/copyright cover them.
# Usage: tools/add-spdx-headers.sh [--check]
set -euo pipefail
LICENSE_ID=LGPL-2.1-or-later
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
check=0
case ${1:-} in
--check) check=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

files() {   # tracked and new (not ignored) files, or every file outside build/ without git
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
                git ls-files -co --exclude-standard
        else
                find . -path ./build -prune -o -path ./.git -prune -o -type f -print | sed 's|^\./||'
        fi
}

# The comment style of FILE: c, hash, hash-after-first (a #! or #compdef line
# must stay first), roff; nothing for a file that is not a source.
style() {
        local f=$1 first
        [ -f "$f" ] && [ ! -L "$f" ] || return 0
        case $f in
        # Data read by programs that know no comments (s6 reads a number).
        tests/unit/settings-corpus/* | tests/fuzz/*.dict | */notification-fd | */timeout-kill) return 0 ;;
        debian/rules) ;;
        debian/*) return 0 ;;
        *.c | *.h | *.S) echo c; return ;;
        docs/*.[1-8]) echo roff; return ;;
        esac
        IFS= read -r first <"$f" || first=""
        case $first in
        '#!'* | '#compdef'*) echo hash-after-first; return ;;
        esac
        case $f in
        Makefile | */Makefile | *.mk | *.py | *.sh | *.bash | *.zsh | *.fish | *.service | services/*/*) echo hash ;;
        completions/*) echo hash ;;
        esac
}

has_header() { head -n 3 "$1" | grep -q 'SPDX-License-Identifier:'; }

add_header() {   # FILE STYLE
        local f=$1 tmp
        tmp=$(mktemp "$f.spdx.XXXXXX")
        case $2 in
        c) { printf '/* SPDX-License-Identifier: %s */\n' "$LICENSE_ID"; cat "$f"; } >"$tmp" ;;
        roff) { printf '.\\" SPDX-License-Identifier: %s\n' "$LICENSE_ID"; cat "$f"; } >"$tmp" ;;
        hash) { printf '# SPDX-License-Identifier: %s\n' "$LICENSE_ID"; cat "$f"; } >"$tmp" ;;
        hash-after-first) { head -n 1 "$f"; printf '# SPDX-License-Identifier: %s\n' "$LICENSE_ID"; tail -n +2 "$f"; } >"$tmp" ;;
        esac
        chmod --reference="$f" "$tmp"
        mv "$tmp" "$f"
}

missing=0 added=0
while IFS= read -r f; do
        s=$(style "$f")
        [ -n "$s" ] || continue
        has_header "$f" && continue
        if [ $check = 1 ]; then
                echo "$f"
                missing=$((missing + 1))
        else
                add_header "$f" "$s"
                added=$((added + 1))
        fi
done < <(files)

if [ $check = 1 ]; then
        [ $missing -eq 0 ] || { echo "$missing files without an SPDX header (run tools/add-spdx-headers.sh)"; exit 1; }
        echo "every source file has an SPDX header"
else
        echo "added an SPDX header to $added files"
fi
