#!/bin/sh
# The placement part of the demo, inside the emulated 4-node machine:
# scripts/demo.sh writes BUILD (the build tree, at the same path in the
# guest) and boots tests/vm's vm4 guest with this script as its program.
BUILD=@BUILD@
AML=$BUILD/src/cli/aml

echo "== Where an interleaved buffer's pages are (4 nodes)"
"$BUILD/examples/example_linux_placement"
echo
echo "== Small objects on heaps: a hash table interleaved, one bound (4 nodes)"
"$BUILD/examples/example_allocator_hash_table"
echo
echo "== A lookup table replicated on every node, read by a thread per node"
"$BUILD/examples/example_replicated_table"
echo
echo "== aml nodes"
"$AML" nodes
echo
echo "== aml run --interleave=all --min-size=1M: an ordinary program's"
echo "   buffers from 16 B to 64 MiB, by its own move_pages (policy 3 ="
echo "   interleave; small buffers keep the default policy 0)"
mkfifo /tmp/go
AML_TEST_WAIT=1 "$AML" run --interleave=all --min-size=1M \
	"$BUILD/tests/cli/cli_sizes" </tmp/go >/tmp/sizes.out &
pid=$!
exec 3>/tmp/go
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	grep -q ready /tmp/sizes.out 2>/dev/null && break
	sleep 1
done
cat /tmp/sizes.out
echo
echo "== aml show $pid (the same program, seen from outside; its large"
echo "   buffers are the anonymous mappings with policy interleave:0-3)"
"$AML" show "$pid" | grep -E "^address|interleave|heap"
echo >&3
exec 3>&-
wait $pid
