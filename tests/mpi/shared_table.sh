#!/bin/sh
# Run examples/mpi_shared_table.c with 4 ranks on this machine, sharing one
# replica set and then with a set per rank: every rank must read its own
# node's copy, and the shared replicas must take a quarter of the memory
# of the private ones (one set instead of four).
#   shared_table.sh MPIEXEC PROGRAM
set -u
mpiexec=$1 program=$2
ranks=4
args="-n $ranks"
# Open MPI refuses more ranks than cores, and root, unless told (its
# documented switches); other MPIs take neither.
if "$mpiexec" --version 2>&1 | grep -Eqi 'open ?mpi|open-mpi|openrte|prrte'; then
	args="$args --oversubscribe"
	[ "$(id -u)" -eq 0 ] && args="$args --allow-run-as-root"
fi

run() {
	# shellcheck disable=SC2086
	out=$("$mpiexec" $args "$program" "$@" 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || { echo "FAILED: mpirun exited $rc"; exit 1; }
	echo "$out" | sed -n 's/^replica memory on this machine: \([0-9]*\) kB.*/\1/p'
}

shared=$(run | tee /dev/stderr | tail -n 1)
private=$(run --private | tee /dev/stderr | tail -n 1)
case "$shared$private" in
*[!0-9]* | "") echo "FAILED: no memory figures"; exit 1 ;;
esac
echo "replica memory: $shared kB shared, $private kB with a set per rank"
awk -v s="$shared" -v p="$private" -v n="$ranks" 'BEGIN {
	r = s / p
	printf "ratio shared / private: %.3f (expected 1/%d)\n", r, n
	exit !(r > 0.9 / n && r < 1.1 / n)
}'
