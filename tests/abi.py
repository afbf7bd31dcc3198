#!/usr/bin/env python3
"""Exported ABI = documented API.

Lists the dynamic symbols that libaml.so defines and the functions and
variables that the installed headers declare, and fails on:
- a symbol exported but declared in no installed header;
- a declaration that is not exported;
- a declaration without AML_EXPORT.

The headers are read as the compiler sees them: every installed header is
preprocessed (so macros and conditionals are resolved), the text that comes
from the installed headers is kept, and its top-level declarations are
read. New headers are found by themselves.

Usage: abi.py --lib LIB --nm NM --cc CC --header-dir DIR... [-I DIR...]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# Symbols the linker itself defines in some toolchains' dynamic tables.
LINKER_SYMBOLS = {"_init", "_fini", "_edata", "_end", "__bss_start"}
# Symbols that compiler instrumentation (sanitizers) adds.
INSTRUMENTATION = re.compile(r"^(__asan|__odr_asan|__ubsan|__sanitizer|__tsan)")

TOKEN = re.compile(
    r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[A-Za-z_]\w*|\d[\w.]*|\.\.\.|\S'
)
TAG_KEYWORDS = {"struct", "union", "enum"}
QUALIFIERS = {"const", "volatile", "restrict", "__restrict", "_Atomic"}


def exported_symbols(nm, lib):
    out = subprocess.run(
        [nm, "-D", "--defined-only", lib],
        check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        name = fields[2].split("@")[0]
        if name in LINKER_SYMBOLS or INSTRUMENTATION.match(name):
            continue
        names.add(name)
    return names


def installed_headers(dirs):
    headers = {}
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in files:
                if f.endswith(".h"):
                    path = os.path.join(root, f)
                    headers[os.path.relpath(path, d)] = path
    return headers


def preprocess(cc, headers, includes):
    """The text of the installed headers, preprocessed, one TU for all."""
    with tempfile.NamedTemporaryFile("w", suffix=".c", delete=False) as tu:
        for rel in sorted(headers):
            tu.write("#include <%s>\n" % rel)
        name = tu.name
    try:
        out = subprocess.run(
            [cc, "-E", "-std=gnu11"] + ["-I" + d for d in includes] + [name],
            check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(name)
    ours = {os.path.realpath(p) for p in headers.values()}
    kept, keep = [], False
    for line in out.splitlines():
        m = re.match(r'^# \d+ "(.*)"', line)
        if m:
            keep = os.path.realpath(m.group(1)) in ours
        elif keep:
            kept.append(line)
    return "\n".join(kept)


def matching(tokens, i, open_, close):
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j] == open_:
            depth += 1
        elif tokens[j] == close:
            depth -= 1
            if depth == 0:
                return j
    raise ValueError("unbalanced %s" % open_)


def top_level_statements(tokens):
    """Declarations at file scope, with bodies of structs folded to '{}';
    function definitions (static inline ones) are dropped."""
    stmt, i = [], 0
    while i < len(tokens):
        t = tokens[i]
        if t == "{":
            j = matching(tokens, i, "{", "}")
            if stmt and stmt[-1] == ")":
                stmt = []  # a function definition
            else:
                stmt.append("{}")
            i = j + 1
            continue
        if t == ";":
            if stmt:
                yield stmt
            stmt = []
        else:
            stmt.append(t)
        i += 1


def strip_attributes(stmt):
    """The statement without __attribute__((...)) and __asm__(...), and
    whether it carried visibility("default")."""
    out, exported, i = [], False, 0
    while i < len(stmt):
        if stmt[i] in ("__attribute__", "__asm__", "__asm") and \
                i + 1 < len(stmt) and stmt[i + 1] == "(":
            j = matching(stmt, i + 1, "(", ")")
            body = stmt[i:j + 1]
            if "visibility" in body and '"default"' in body:
                exported = True
            i = j + 1
            continue
        if stmt[i] != "__extension__":
            out.append(stmt[i])
        i += 1
    return out, exported


def split_declarators(stmt):
    parts, cur, depth = [], [], 0
    for t in stmt:
        if t in "([":
            depth += 1
        elif t in ")]":
            depth -= 1
        if t == "," and depth == 0:
            parts.append(cur)
            cur = []
        else:
            cur.append(t)
    parts.append(cur)
    return parts


def is_identifier(t):
    return re.match(r"^[A-Za-z_]\w*$", t) is not None


def declarator_name(tokens):
    """(name, 'function' or 'variable') of one declarator, or None."""
    end = len(tokens)
    for k, t in enumerate(tokens):
        if t == "(":
            if k + 1 < len(tokens) and tokens[k + 1] == "*":
                # A pointer to function: (*name)(...)
                ids = [x for x in tokens[k + 1:]
                       if is_identifier(x) and x not in QUALIFIERS]
                return (ids[0], "variable") if ids else None
            if k > 0 and is_identifier(tokens[k - 1]):
                return tokens[k - 1], "function"
            return None
        if t in ("[", "="):
            end = k
            break
    for t in reversed(tokens[:end]):
        if is_identifier(t) and t not in QUALIFIERS:
            return t, "variable"
    return None


def declarations(text):
    """{name: (kind, exported)} of the functions and variables declared."""
    decls = {}
    for stmt in top_level_statements(TOKEN.findall(text)):
        stmt, exported = strip_attributes(stmt)
        if not stmt or stmt[0] in ("typedef", "_Static_assert") or \
                "static" in stmt:
            continue
        # Drop a leading "struct tag {}" (or enum/union): what remains
        # names the declared objects, if any.
        k = 0
        while k < len(stmt) and stmt[k] in QUALIFIERS | {"extern"}:
            k += 1
        if k < len(stmt) and stmt[k] in TAG_KEYWORDS:
            k += 1
            if k < len(stmt) and is_identifier(stmt[k]):
                k += 1
            if k < len(stmt) and stmt[k] == "{}":
                k += 1
            if all(t in QUALIFIERS for t in stmt[k:]):
                continue  # a tag declaration or definition only
        for part in split_declarators(stmt):
            found = declarator_name(part)
            if found:
                # Marked once is enough: visibility follows the first.
                marked = exported or decls.get(found[0], ("", False))[1]
                decls[found[0]] = (found[1], marked)
    return decls


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--header-dir", action="append", required=True)
    ap.add_argument("-I", dest="includes", action="append", default=[])
    args = ap.parse_args()

    headers = installed_headers(args.header_dir)
    if not headers:
        print("no installed header found")
        return 1
    decls = declarations(preprocess(
        args.cc, headers, args.header_dir + args.includes))
    exported = exported_symbols(args.nm, args.lib)
    errors = []
    for name in sorted(exported - set(decls)):
        errors.append("exported but in no installed header: %s" % name)
    for name, (kind, marked) in sorted(decls.items()):
        if not marked:
            errors.append("%s %s: declared without AML_EXPORT" % (kind, name))
        if name not in exported:
            errors.append("%s %s: declared but not exported" % (kind, name))
    for e in errors:
        print(e)
    print("%d headers, %d declarations, %d exported symbols, %d problems" %
          (len(headers), len(decls), len(exported), len(errors)))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
