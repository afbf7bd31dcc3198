#!/usr/bin/env bash
# Build and run every test in four lanes, each timed:
# 1. a warnings-as-errors build: every test, with the emulated multi-node
#    NUMA guests, the documentation check and valgrind's memcheck on the
#    examples and tutorials (label valgrind), and, when run as root, the
#    benchmark and inspection tests again as user nobody (label
#    unprivileged);
# 2. an AddressSanitizer + UndefinedBehaviorSanitizer build;
# 3. a ThreadSanitizer build running the tests that start threads
#    (label threads);
# 4. the libFuzzer targets of fuzz/, AML_FUZZ_SECONDS (default 60) each.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
lane_times=()

# lane NAME COMMAND...: run one lane and record its time.
lane() {
	local name=$1 start=$SECONDS
	shift
	echo "== $name"
	"$@"
	lane_times+=("$name: $((SECONDS - start)) s")
}

build_and_test() {
	local dir=$1
	shift
	cmake -S "$root" -B "$root/build/$dir" "$@"
	cmake --build "$root/build/$dir" -j"$jobs"
}

lane_werror() {
	build_and_test test -DAML_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	(cd "$root/build/test" && ctest --output-on-failure -j"$jobs")
	
}

lane_asan() {
	build_and_test asan -DAML_WERROR=ON -DAML_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug -DAML_BUILD_BENCH=OFF
	# The guests run the first build's binaries; sanitized ones would
	# not fit their memory.
	(cd "$root/build/asan" &&
		ctest --output-on-failure -j"$jobs" -LE numa-vm)
}

lane_tsan() {
	build_and_test tsan -DAML_WERROR=ON -DAML_SANITIZE=thread \
		-DCMAKE_BUILD_TYPE=Debug -DAML_BUILD_BENCH=OFF \
		-DAML_BUILD_EXAMPLES=OFF
	(cd "$root/build/tsan" &&
		ctest --output-on-failure -j"$jobs" -L threads)
}

bash "$root/scripts/deps.sh"
lane "1/4 -Wall -Wextra -Werror, guests, valgrind, unprivileged" lane_werror
lane "2/4 AddressSanitizer + UndefinedBehaviorSanitizer" lane_asan
lane "3/4 ThreadSanitizer (label threads)" lane_tsan
lane "4/4 libFuzzer targets" bash "$root/scripts/fuzz.sh"
printf '== lane times\n'
printf '   %s\n' "${lane_times[@]}"
