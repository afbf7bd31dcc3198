#!/bin/sh
# `pip install ./python` works on an installed libaml, offline:
#
#   pip_install.sh BUILD_DIR PYTHON SOURCE_DIR WORK_DIR
#
# installs the build into WORK_DIR/prefix, makes a virtual environment
# that sees PYTHON's packages (numpy), pip-installs a copy of SOURCE_DIR
# (so that the build leaves nothing in the tree) with PKG_CONFIG_PATH
# pointing at the prefix and no package index, then, from elsewhere than
# the sources, maps an array and checks that the installed package and
# the prefix's libaml are the ones loaded. Exit status 77 (skip) where
# the interpreter cannot make a virtual environment with pip.
set -eu
build=$1 python=$2 src=$3 work=$4
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
if ! "$python" -m venv --system-site-packages "$work/venv" >"$work/venv.log" 2>&1; then
	echo "skip: $python -m venv fails (Debian: apt-get install python3-venv):"
	cat "$work/venv.log"
	exit 77
fi
mkdir "$work/src"
cp -R "$src/setup.py" "$src/aml" "$src/ext" "$work/src/"
libdir=$(ls -d "$work"/prefix/lib*/pkgconfig | head -n 1)
PKG_CONFIG_PATH=$libdir "$work/venv/bin/pip" install --no-index \
	"$work/src" >"$work/pip.log" 2>&1 || {
	cat "$work/pip.log"
	exit 1
}
cd "$work"
"$work/venv/bin/python" -I - "$work" <<'PY'
import os, sys
import aml
work = sys.argv[1]
assert aml.__file__.startswith(os.path.join(work, "venv")), aml.__file__
a = aml.zeros((512, 512), area=aml.Area.interleave("all"))
a += 1
assert a.sum() == 512 * 512 and aml.check(a), aml.where(a)
with open("/proc/self/maps") as maps:
    libs = {line.split()[-1] for line in maps if "libaml.so" in line}
assert libs and all(p.startswith(os.path.join(work, "prefix")) for p in libs), libs
print("installed:", aml.__file__, "on", *libs)
print(aml.where(a))
PY
