#!/bin/sh
# Bad input to the aml command and to the preload library: one line on
# stderr naming the problem, the documented exit status, and never a
# started program (each command would create a marker file).
#   errors.sh AML PRELOAD_LIBRARY (empty: skip the library's part, as in
#   sanitizer builds, which cannot preload)
set -u
AML=$1 PRELOAD=${2:-}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
MARK=$TMP/started
failures=0
nodes=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
absent=$((${nodes##*[-,]} + 1))

# expect STATUS ARGS...: run aml ARGS, check status, one stderr line, no marker.
expect() {
	want=$1
	shift
	rm -f "$MARK"
	"$AML" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	lines=$(wc -l <"$TMP/err")
	if [ "$got" -ne "$want" ] || [ "$lines" -ne 1 ] || [ -e "$MARK" ]; then
		echo "FAIL: aml $*: status $got (want $want), $lines stderr lines," \
			"started: $([ -e "$MARK" ] && echo yes || echo no)"
		cat "$TMP/err"
		failures=$((failures + 1))
	else
		echo "ok: aml $* -> $got: $(cat "$TMP/err")"
	fi
}

expect 2
expect 2 frob
expect 2 run
expect 2 run --
expect 2 run --bogus touch "$MARK"
expect 2 run --interleave=0- touch "$MARK"
expect 2 run --interleave=a touch "$MARK"
expect 2 run --interleave= touch "$MARK"
expect 2 run --interleave=0,,1 touch "$MARK"
expect 2 run --bind=$absent touch "$MARK"
expect 2 run --interleave=!all touch "$MARK"
expect 2 run --preferred=0-1 touch "$MARK"
expect 2 run --weights=0 touch "$MARK"
expect 2 run --weights=0:300 touch "$MARK"
expect 2 run --best=speed touch "$MARK"
expect 2 run --tier=0 touch "$MARK"
expect 2 run --tier=0:0 touch "$MARK"
expect 2 run --tier=0:$absent touch "$MARK"
expect 2 run --tier=:0 touch "$MARK"
expect 2 run --tier=0: touch "$MARK"
expect 2 run --tier=0:1 --bind=0 touch "$MARK"
expect 2 run --fast-capacity=1M touch "$MARK"
expect 2 run --tier=0:1 --fast-capacity=3X touch "$MARK"
expect 2 run --interleave=all --bind=0 touch "$MARK"
expect 2 run --min-size=3X touch "$MARK"
expect 2 run --min-size=-1 touch "$MARK"
expect 2 run --min-size=99999999999999999999 touch "$MARK"
expect 2 run --preload=/nonexistent.so touch "$MARK"
expect 127 run no-such-program-anywhere
expect 127 run /nonexistent/program
printf 'not a program\n' >"$TMP/plain"
expect 126 run "$TMP/plain"
expect 126 run "$TMP"
expect 2 show abc
expect 2 show 1 2
expect 2 show --width=0
expect 2 show --bogus
expect 2 nodes --bogus
expect 2 nodes extra
# A process that has ended.
sh -c 'exit 0' &
dead=$!
wait $dead
expect 1 show $dead
# Another user's process (init), unless we may read it.
if [ "$(id -u)" -ne 0 ] && [ ! -r /proc/1/numa_maps ] 2>/dev/null; then
	expect 1 show 1
fi

# The preload library given bad settings by hand: one line, and the
# program runs with the system allocator.
preload_bad() {
	out=$(env LD_PRELOAD="$PRELOAD" "$@" /bin/echo works 2>"$TMP/err")
	lines=$(wc -l <"$TMP/err")
	if [ "$out" != works ] || [ "$lines" -ne 1 ] ||
		! grep -q '^aml-preload: .*system allocator' "$TMP/err"; then
		echo "FAIL: preload with $*: output '$out', $lines stderr lines"
		cat "$TMP/err"
		failures=$((failures + 1))
	else
		echo "ok: preload with $*: $(cat "$TMP/err")"
	fi
}
if [ -n "$PRELOAD" ]; then
	preload_bad AML_PRELOAD_NODES=abc
	preload_bad AML_PRELOAD_NODES=$absent
	preload_bad AML_PRELOAD_POLICY=fast
	preload_bad AML_PRELOAD_POLICY=preferred
	preload_bad AML_PRELOAD_POLICY=weighted AML_PRELOAD_WEIGHTS=0:0
	preload_bad AML_PRELOAD_MIN_SIZE=1Q
	preload_bad AML_PRELOAD_ALL=yes
	preload_bad AML_PRELOAD_POPULATE=2
else
	echo "skipped: the preload library's part (no preloading here)"
fi

[ $failures -eq 0 ] && echo "all bad inputs handled" && exit 0
echo "$failures failures"
exit 1
