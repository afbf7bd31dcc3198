#!/bin/sh
# A machine without the heap's engine (libtbbmalloc.so.2), made by hiding
# the library in a private mount namespace (root only; else skipped): the
# heap refuses with ENOTSUP (HEAP_TEST), `aml run --all-allocations` says
# why in one line and starts nothing, and the preload library asked for
# every allocation says why in one line and runs the program with the
# system allocator.
#   engine.sh AML PRELOAD_LIBRARY (empty: skip its part) HEAP_TEST
set -u
AML=$1 PRELOAD=${2:-} HEAP_TEST=$3
lib=$(ldconfig -p 2>/dev/null | sed -n 's/.*libtbbmalloc\.so\.2 .*=> //p' | head -n 1)
if [ -z "$lib" ]; then
	echo "skip: libtbbmalloc.so.2 is not installed, nothing to hide"
	exit 77
fi
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "skip: hiding the engine needs root (a private mount namespace)"
	exit 77
fi
if [ "${AML_ENGINE_HIDDEN:-}" != 1 ]; then
	AML_ENGINE_HIDDEN=1 exec unshare -m sh -c \
		'mount --bind /dev/null "$1" && exec sh "$0" "$2" "$3" "$4"' \
		"$0" "$lib" "$AML" "$PRELOAD" "$HEAP_TEST"
fi
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

"$HEAP_TEST" || fail "the heap test, engine hidden"

"$AML" run --all-allocations touch "$TMP/started" 2>"$TMP/err"
status=$? lines=$(wc -l <"$TMP/err")
cat "$TMP/err"
[ "$status" -eq 2 ] || fail "aml run --all-allocations: status $status, want 2"
[ "$lines" -eq 1 ] || fail "aml run --all-allocations: $lines stderr lines"
grep -q 'libtbbmalloc\.so\.2.*libtbbmalloc2' "$TMP/err" ||
	fail "aml run --all-allocations: the line names neither the library nor its package"
[ ! -e "$TMP/started" ] || fail "aml run --all-allocations started the program"

if [ -n "$PRELOAD" ]; then
	AML_PRELOAD_POLICY=interleave AML_PRELOAD_ALL=1 LD_PRELOAD=$PRELOAD \
		touch "$TMP/ran" 2>"$TMP/err"
	status=$? lines=$(wc -l <"$TMP/err")
	cat "$TMP/err"
	[ "$status" -eq 0 ] && [ -e "$TMP/ran" ] ||
		fail "preloaded: the program did not run (status $status)"
	[ "$lines" -eq 1 ] || fail "preloaded: $lines stderr lines"
	grep -q 'libtbbmalloc\.so\.2.*libtbbmalloc2.*system allocator' "$TMP/err" ||
		fail "preloaded: the line does not say why"
fi
[ "$failures" -eq 0 ] && echo "no engine: heap, aml run and preload say why"
exit "$failures"
