#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Checks the formatting of the C lines changed since the house style was
# adopted: every line of runtime/ netsetup/ init-shim/ tests/ (*.c, *.h) that
# differs from the commit that last changed .clang-format, committed or not
# (uncommitted and untracked files included), must be as clang-format would
# write it. Lines untouched since then are never judged: the code is broken
# by hand in places no formatter reproduces.
#
# Exit 0: clean. Exit 1: the diff clang-format wants is printed.
# Exit 77 with "skip: REASON": clang-format is missing, or this is not a git
# checkout (a tarball), or no commit has a .clang-format.
#
# How: `git diff -M -U0 BASE` piped into clang-format-diff, both from Debian's
# clang-format package. Not `git clang-format --diff BASE`: it diffs with
# `git diff-index`, which sees a moved or renamed file as all new lines, so a
# `git mv` would make the whole file judged; `git diff -M` pairs it with its
# old name and only the lines edited after the move count.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
PATHS=(runtime netsetup init-shim tests)

skip() { echo "skip: $*"; exit 77; }

pick() {   # the first command found among the arguments
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null 2>&1 && { echo "$c"; return 0; }
        done
        return 1
}
CF=$(pick ${CLANG_FORMAT:-} clang-format clang-format-14) ||
        skip "clang-format is not installed (apt-get install clang-format)"
CFD=$(pick ${CLANG_FORMAT_DIFF:-} clang-format-diff clang-format-diff-14) ||
        skip "clang-format-diff is not installed (apt-get install clang-format)"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "not a git checkout: no history to find the changed lines"
[ "$(git rev-parse --show-toplevel)" = "$TOP" ] || skip "$TOP is not the top of its git checkout"
BASE=$(git log -1 --format=%H -- .clang-format 2>/dev/null)
[ -n "$BASE" ] || skip "no commit has .clang-format (a shallow clone without it?)"

# Untracked files count as wholly new: a throwaway index marks them
# intent-to-add so that `git diff` shows them; the real index is untouched.
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cp "$(git rev-parse --git-path index)" "$tmp/index" 2>/dev/null || : >"$tmp/index"
export GIT_INDEX_FILE=$tmp/index
git ls-files -z --others --exclude-standard -- "${PATHS[@]}" | xargs -0 -r git add -N --

git diff -M -U0 --no-color --no-ext-diff --diff-filter=d "$BASE" -- "${PATHS[@]/%//*.c}" "${PATHS[@]/%//*.h}" >"$tmp/changes" ||
        { echo "check-format: git diff $BASE failed"; exit 1; }
"$CFD" -p1 -binary "$CF" -regex '.*\.[ch]' <"$tmp/changes" >"$tmp/wanted" 2>"$tmp/err"
rc=$?
if [ $rc -ne 0 ] || [ -s "$tmp/err" ]; then
        echo "check-format: $CFD failed (exit $rc):"; cat "$tmp/err"
        exit 1
fi
if [ -s "$tmp/wanted" ]; then
        echo "check-format: lines changed since ${BASE:0:12} are not formatted as .clang-format says;"
        echo "reformat them in place with: git diff -U0 $BASE | $CFD -p1 -i"
        cat "$tmp/wanted"
        exit 1
fi
n=$(grep -c '^+++ ' "$tmp/changes")
echo "check-format: $n changed C files since ${BASE:0:12}, formatted as .clang-format says"
exit 0
