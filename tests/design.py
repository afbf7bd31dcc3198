#!/usr/bin/env python3
"""The design of src/ as doc/design.md states it.

- No circle among the files of src/: a source and its header (foo.c and
  foo.h in one folder) are one unit; unit A depends on unit B when A
  includes B's header (quoted or in angle brackets, paths with "../"
  resolved) or when A's object uses a symbol that B's object defines in
  the same link: the library, and each program or other library built
  from src/ (the aml command, the preload library), with the objects they
  share. Symbols are read with nm; only the project's names (aml*) count,
  since a program's main and the preload library's malloc stand in for
  the system's. Any circle fails.
- No function longer than MAX_LINES lines, body included.
- A global symbol of the objects that libaml.so does not export is
  internal: its name starts with "aml__".

Usage: design.py --src DIR --objdir DIR --nm NM --lib LIB --objects OBJ,...
                 [--link NAME=OBJ,...]...
(--objdir: the build folder of src/; --objects: the library's objects;
--link: objects of another link, those of one NAME merged.)
"""
import argparse
import os
import re
import subprocess
import sys

MAX_LINES = 60
INCLUDE = re.compile(r'^\s*#\s*include\s+(["<])([^">]+)[">]', re.M)


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
        for kind, inc in INCLUDE.findall(text):
            # Quoted includes resolve beside the file, then from src/ (on
            # every target's include path); angle ones from src/ only.
            cands = [os.path.normpath(inc)]
            if kind == '"':
                cands.insert(0, os.path.normpath(
                    os.path.join(os.path.dirname(f), inc)))
            for cand in cands:
                if cand in known:
                    if unit(cand) != unit(f):
                        edges.setdefault(unit(f), {})[unit(cand)] = \
                            "includes " + cand
                    break
    return edges


def object_source(obj, objdir):
    """The source, relative to src/, of an object that CMake built at
    B/CMakeFiles/TARGET.dir/SOURCE.o: B is the target's build folder (under
    `objdir`, as its source folder is under src/), SOURCE the source's path
    from the target's source folder with ".." written "__"."""
    m = re.match(r"(.*)/CMakeFiles/[^/]+\.dir/(.*)\.o(bj)?$", obj)
    if m is None:
        return None
    base = os.path.relpath(m.group(1), objdir)
    parts = [".." if p == "__" else p for p in m.group(2).split("/")]
    path = os.path.normpath(os.path.join(base, *parts))
    return None if path.startswith("..") else path


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


def call_edges(nm, objdir, objects, edges, definer):
    """Edges of one link: `definer` receives, for each symbol its objects
    define, the defining unit. Returns the units seen."""
    uses = {}
    for obj in objects:
        srcfile = object_source(obj, objdir)
        if srcfile is None:
            continue
        defined, used = symbols(nm, obj)
        for s in defined:
            definer.setdefault(s, unit(srcfile))
        uses.setdefault(unit(srcfile), set()).update(used)
    for u, used in uses.items():
        for s in sorted(used):
            d = definer.get(s)
            if d is not None and d != u and s.startswith("aml"):
                edges.setdefault(u, {}).setdefault(d, "uses " + s)
    return set(uses)


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


def split(objects):
    return [o for o in objects.split(",") if o]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--lib", required=True)
    ap.add_argument("--objdir", required=True)
    ap.add_argument("--objects", required=True)
    ap.add_argument("--link", action="append", default=[])
    args = ap.parse_args()

    files = source_files(args.src)
    edges = include_edges(args.src, files)
    definer = {}
    seen = call_edges(args.nm, args.objdir, split(args.objects), edges,
                      definer)
    links = {}
    for link in args.link:
        name, _, objs = link.partition("=")
        links.setdefault(name, []).extend(split(objs))
    for name in sorted(links):
        seen |= call_edges(args.nm, args.objdir, links[name], edges, {})
    nobjects = len(seen)
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
    print("%d files, %d units with objects, %d dependencies between units, "
          "%d problems"
          % (len(files), nobjects, nedges, problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
