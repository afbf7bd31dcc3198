#!/bin/sh
# expect-stop.sh PROGRAM CASE MESSAGE: PROGRAM CASE must stop with an
# error status (not 0, not a signal) and print MESSAGE (a fixed string).
prog=$1 case=$2 message=$3
out=$("$prog" "$case" 2>&1)
rc=$?
printf '%s\n[exit status %d]\n' "$out" "$rc"
if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
	echo "expected an error stop, got status $rc"
	exit 1
fi
case "$out" in
*"$message"*) exit 0 ;;
esac
echo "the output lacks: $message"
exit 1
