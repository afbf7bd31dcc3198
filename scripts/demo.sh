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
	shift 2
	[ -x "$exe" ] || return 0
	echo "== $title"
	out=$("$exe" "$@" 2>&1) || rc=$?
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
run "Stage a block into the highest-bandwidth memory, copy it back" "$build/examples/example_dma_stage"
run "A lookup table replicated on every node, read by a thread per node" "$build/examples/example_replicated_table"
run "Memories of this machine (aml nodes)" "$build/src/cli/aml" nodes

# One node shows no interleave: with QEMU, the placement part also runs in
# an emulated 4-node machine (the test guests of tests/vm).
vm4_demo() {
	local nodes out="$build/demo-vm4" kernel="$build/vm-cache/vmlinuz"
	nodes=$(ls -d /sys/devices/system/node/node* 2>/dev/null | wc -l)
	[ "$nodes" -le 1 ] || return 0
	command -v qemu-system-x86_64 >/dev/null || {
		echo "(one NUMA node and no QEMU: install qemu-system-x86 to see interleave in an emulated 4-node machine)"
		return 0
	}
	echo "== This machine has one NUMA node: the same in an emulated 4-node machine (QEMU, about a minute)"
	"$root/tests/vm/vm-kernel.sh" "$build/vm-cache" "" 6.1 >/dev/null 2>&1 || {
		echo "(no guest kernel could be fetched: $(cat "$build/vm-cache/unavailable" 2>/dev/null))"
		return 0
	}
	sed "s|@BUILD@|$build|" "$root/scripts/demo-guest.sh" >"$build/demo-guest"
	chmod +x "$build/demo-guest"
	if "$root/tests/vm/vm-run.sh" vm4 "$out" "$kernel" \
		"+$build/src/cli/aml" "+$build/src/preload/libaml-preload.so" \
		"+$build/tests/cli/cli_sizes" \
		"+$build/examples/example_linux_placement" \
		"+$build/examples/example_allocator_hash_table" \
		"+$build/examples/example_replicated_table" \
		"$build/demo-guest" >"$out.log" 2>&1; then
		cat "$out/demo-guest.out"
	else
		echo "(the emulated machine did not run: see $out.log)"
	fi
	echo
}
vm4_demo
echo "Demo done."
