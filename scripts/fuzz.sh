#!/usr/bin/env bash
# Build every libFuzzer target of fuzz/ (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) and run each for AML_FUZZ_SECONDS seconds
# (default 60), starting from its seed corpus fuzz/corpus/<name>/ and
# fuzz/<name>.dict when present. New inputs go to build/fuzz/work/<name>/
# (the tree's corpus is not modified); a crash, a leak or a timeout fails
# the script and leaves its input in build/fuzz/crashes/. Usage:
#   scripts/fuzz.sh [name...]     (default: every target)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/fuzz"
seconds=${AML_FUZZ_SECONDS:-60}

# Not -Werror: clang warns of things the gcc builds of CI do not, and
# those fail the warnings-as-errors lane there, not the fuzzing.
CC=${AML_FUZZ_CC:-clang} cmake -S "$root" -B "$build" -DAML_BUILD_FUZZ=ON \
	-DAML_WERROR=OFF -DCMAKE_BUILD_TYPE=Debug -DAML_BUILD_TESTS=OFF \
	-DAML_BUILD_EXAMPLES=OFF -DAML_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)"

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for src in "$root"/fuzz/*.c; do
		names+=("$(basename "$src" .c)")
	done
fi

mkdir -p "$build/crashes"
failed=()
for name in "${names[@]}"; do
	work="$build/work/$name"
	mkdir -p "$work"
	args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=4096
		-artifact_prefix="$build/crashes/$name-" -print_final_stats=1)
	[ -f "$root/fuzz/$name.dict" ] && args+=(-dict="$root/fuzz/$name.dict")
	corpus=()
	[ -d "$root/fuzz/corpus/$name" ] && corpus=("$root/fuzz/corpus/$name")
	log="$build/$name.log"
	echo "== fuzz $name (${seconds}s)"
	if "$build/fuzz/fuzz_$name" "${args[@]}" "$work" "${corpus[@]}" \
		>"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "   $name: ${runs:-?} executions, no failure"
	else
		tail -n 40 "$log"
		echo "   $name: FAILED (log: $log)"
		failed+=("$name")
	fi
done
if [ ${#failed[@]} -gt 0 ]; then
	echo "Fuzz targets that failed: ${failed[*]}" >&2
	exit 1
fi
