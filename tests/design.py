#!/usr/bin/env python3
"""The design of src/ as doc/design.md states it.

- No circle among the files of src/: a source and its header (foo.c and
  foo.h in one folder) are one unit; unit A depends on unit B when A
  includes B's header or when A's object uses a symbol that B's object
  defines (read with nm from the library's objects). Any circle fails.
- No function longer than MAX_LINES lines, body included.
- A global symbol of the objects that libaml.so does not export is
  internal: its name starts with "aml__".

Usage: design.py --src DIR --nm NM --lib LIB --objects OBJ,OBJ,...
"""
import argparse
import os
import re
import subprocess
import sys

MAX_LINES = 60
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit(path):
    """Source and header of one name in one folder are one unit."""
    return os.path.splitext(path)[0]


def source_files(src):
    files = []
    for root, _, names in os.walk(src):
        for n in names:
            if n.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(root, n), src))
    return sorted(files)


def include_edges(src, files):
    edges = {}
    known = set(files)
    for f in files:
        with open(os.path.join(src, f)) as fh:
            text = fh.read()
        for inc in INCLUDE.findall(text):
            # Quoted includes resolve beside the file, then from src/.
            for cand in (os.path.normpath(os.path.join(os.path.dirname(f),
                                                       inc)), inc):
                if cand in known:
                    if unit(cand) != unit(f):
                        edges.setdefault(unit(f), {})[unit(cand)] = \
                            "includes " + cand
                    break
    return edges


def object_source(obj):
    """area/linux/sys.c for .../aml_objects.dir/area/linux/sys.c.o."""
    m = re.search(r"\.dir/(.*)\.o(bj)?$", obj)
    return m.group(1) if m else None


def symbols(nm, obj):
    out = subprocess.run([nm, obj], check=True, capture_output=True,
                         text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == "U":
            used.add(fields[1])
        elif len(fields) == 3 and fields[1] in "TDBRVWG":
            defined.add(fields[2])
    return defined, used


def call_edges(nm, objects, edges, definer):
    uses = {}
    for obj in objects:
        srcfile = object_source(obj)
        if srcfile is None:
            continue
        defined, used = symbols(nm, obj)
        for s in defined:
            definer[s] = unit(srcfile)
        uses[unit(srcfile)] = used
    for u, used in uses.items():
        for s in used:
            d = definer.get(s)
            if d is not None and d != u:
                edges.setdefault(u, {}).setdefault(d, "uses " + s)
    return len(uses)


def misnamed_internals(nm, lib, definer):
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    exported = {line.split()[-1].split("@")[0] for line in out.splitlines()
                if line.strip()}
    # A sanitizer adds globals of its own (ASan's "__odr_asan.NAME"
    # indicators); names starting with "__" are the compiler's.
    return sorted(s for s in definer
                  if s not in exported and not s.startswith("aml__")
                  and not s.startswith("__"))


def find_circle(edges):
    """A circle as a list of units, or None."""
    state, stack = {}, []

    def visit(u):
        state[u] = 1
        stack.append(u)
        for v in sorted(edges.get(u, {})):
            if state.get(v) == 1:
                return stack[stack.index(v):] + [v]
            if v not in state:
                found = visit(v)
                if found:
                    return found
        stack.pop()
        state[u] = 2
        return None

    for u in sorted(edges):
        if u not in state:
            found = visit(u)
            if found:
                return found
    return None


def long_functions(src, files):
    """Functions whose definition, from its first line to its closing
    brace, is longer than MAX_LINES."""
    found = []
    for f in files:
        with open(os.path.join(src, f)) as fh:
            lines = fh.read().split("\n")
        start = None
        for i, line in enumerate(lines):
            if line.startswith("{") and i > 0:
                # Back to the first line of the declarator.
                start = i
                while start > 0 and lines[start - 1].strip() and \
                        not lines[start - 1].startswith(("}", "#", "/*",
                                                          " *")):
                    start -= 1
            elif line.startswith("}") and start is not None:
                n = i - start + 1
                if n > MAX_LINES:
                    found.append("%s:%d: %s (%d lines)" %
                                 (f, start + 1, lines[start].strip(), n))
                start = None
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--lib", required=True)
    ap.add_argument("--objects", required=True)
    args = ap.parse_args()

    files = source_files(args.src)
    edges = include_edges(args.src, files)
    definer = {}
    nobjects = call_edges(args.nm, [o for o in args.objects.split(",") if o],
                          edges, definer)
    problems = 0
    for s in misnamed_internals(args.nm, args.lib, definer):
        problems += 1
        print("internal but not named aml__*: %s (%s)" % (s, definer[s]))
    circle = find_circle(edges)
    if circle:
        problems += 1
        print("circle in src/:")
        for a, b in zip(circle, circle[1:]):
            print("  %s -> %s (%s)" % (a, b, edges[a][b]))
    for f in long_functions(args.src, files):
        problems += 1
        print("longer than %d lines: %s" % (MAX_LINES, f))
    # The arrows doc/design.md lists, so that it can be kept true.
    for u in sorted(edges):
        print("    %-20s -> %s" % (u, " ".join(sorted(edges[u])) or
                                   "(libc only)"))
    nedges = sum(len(v) for v in edges.values())
    print("%d files, %d objects, %d dependencies between units, %d problems"
          % (len(files), nobjects, nedges, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
