#!/usr/bin/env bash
# Build AML and run its demo: the solved tutorials, each saying what it did,
# then where an interleaved buffer's pages landed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/demo"

bash "$root/scripts/deps.sh"
# The build speaks only when it fails: then its whole log is shown.
mkdir -p "$build"
log="$build/demo-build.log"
if ! { cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
	cmake --build "$build" -j"$(nproc)"; } >"$log" 2>&1; then
	cat "$log"
	echo "demo: the build failed (log above, kept in $log)"
	exit 1
fi

run() {
	local title=$1 exe=$2 rc=0 out
	[ -x "$exe" ] || return 0
	echo "== $title"
	out=$("$exe" 2>&1) || rc=$?
	[ -z "$out" ] || echo "$out"
	case $rc in
	0) ;;
	# A skipping program says why; one that does not gets a word here.
	77) [ -n "$out" ] && echo "(skipped: the reason is above)" ||
		echo "(skipped here: it needs something this machine lacks)" ;;
	*) echo "FAILED with status $rc"; exit 1 ;;
	esac
	echo
}

echo "AML demo on $(uname -sr), NUMA nodes: $(numactl --hardware 2>/dev/null | sed -n 's/^available: //p')"
echo
t="$build/examples/tutorials"
run "Tutorial 0: is a buffer interleaved? (raw mmap + mbind)" "$t/tutorial_0_isInterleaved"
run "Tutorial 1: the Linux area, default and interleaved" "$t/tutorial_1_aml_area_linux"
run "Tutorial 2: a custom area that interleaves page by page" "$t/tutorial_2_custom_interleave_area"
run "Tutorial 3: the CUDA area" "$t/tutorial_3_aml_area_cuda"
run "Where an interleaved buffer's pages are, and moving them" "$build/examples/example_linux_placement"
run "Newer kernel policies, huge pages" "$build/examples/example_linux_policies"
run "Memories of this machine (hwloc)" "$build/examples/example_hwloc_memories"
run "Small objects on areas: two hash tables on two heaps" "$build/examples/example_allocator_hash_table"
echo "Demo done."
