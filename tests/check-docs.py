#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Docs agree with the binary: every option `nixbox run --help` lists has an
entry in nixbox(1)'s OPTIONS section and every option there is in the help;
every command of `nixbox help` has an entry in COMMANDS and the other way
round. Prints the differences and exits 1 when there are any.

Usage: check-docs.py NIXBOX MANPAGE"""
import re
import subprocess
import sys

nixbox, manpage = sys.argv[1], sys.argv[2]


def run(*args):
    return subprocess.run([nixbox, *args], capture_output=True, text=True, check=True).stdout


def deroff(line):
    line = line.replace("\\-", "-").replace("\\(em", "-")
    line = re.sub(r"\\f[BIRP]", "", line)
    line = re.sub(r'^\.(B|BR|BI|RB|IR|RI|I)\s+', "", line)
    return line.replace('"', "")


def sections(text):
    out, name = {}, None
    for line in text.splitlines():
        m = re.match(r'^\.SH\s+"?([^"]+)"?', line)
        if m:
            name = m.group(1).strip()
            out[name] = []
        elif name:
            out[name].append(line)
    return out


def headings(lines):
    """The tag lines of .TP paragraphs (the line after each .TP or .TQ)."""
    return [deroff(lines[i + 1]) for i, l in enumerate(lines[:-1]) if l.startswith((".TP", ".TQ"))]


man = sections(open(manpage, encoding="utf-8").read())
problems = []

help_opts = set()
for line in run("run", "--help").splitlines():
    if re.match(r"^\s+-", line):
        spec = re.split(r"\s{2,}", line.strip())[0]
        help_opts.update(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)", spec))
man_opts = set()
for h in headings(man.get("OPTIONS", [])):
    man_opts.update(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)", h))
for o in sorted(help_opts - man_opts):
    problems.append(f"option {o}: in 'nixbox run --help' but not in {manpage} (OPTIONS)")
for o in sorted(man_opts - help_opts):
    problems.append(f"option {o}: in {manpage} (OPTIONS) but not in 'nixbox run --help'")

help_verbs = set()
in_cmds = False
for line in run("help").splitlines():
    if line.startswith("Commands:"):
        in_cmds = True
        continue
    if in_cmds and re.match(r"^\s{2}\S", line):
        for part in re.split(r"\s*[|,]\s*", re.split(r"\s{2,}", line.strip())[0]):
            w = part.split()[0] if part.split() else ""
            if re.fullmatch(r"[a-z][a-z-]*", w):
                help_verbs.add(w)
man_verbs = set()
for h in headings(man.get("COMMANDS", [])):
    for part in re.split(r"\s*[|,]\s*", h):
        w = part.split()[0] if part.split() else ""
        if re.fullmatch(r"[a-z][a-z-]*", w):
            man_verbs.add(w)
for v in sorted(help_verbs - man_verbs):
    problems.append(f"command {v}: in 'nixbox help' but not in {manpage} (COMMANDS)")
for v in sorted(man_verbs - help_verbs):
    problems.append(f"command {v}: in {manpage} (COMMANDS) but not in 'nixbox help'")

for p in problems:
    print(p)
print(f"{len(help_opts)} options, {len(help_verbs)} commands compared; {len(problems)} differences")
sys.exit(1 if problems else 0)
