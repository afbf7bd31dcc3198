#!/usr/bin/env bash
# Build and run every test twice: a warnings-as-errors build (with the
# emulated multi-node NUMA guests and the documentation check), then an
# AddressSanitizer + UndefinedBehaviorSanitizer build. Ends with the list of
# skipped tests, each with the reason it gave.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)
ran=()

# ctest in build folder $1 (further arguments go to ctest); its output is
# kept for the list of skips.
run_tests() {
	local dir=$1
	shift
	ran+=("$dir")
	(cd "$dir" && ctest --output-on-failure -j"$jobs" "$@") 2>&1 |
		tee "$dir/ctest.out"
}

# The reason a test gave for skipping: its output line that says "skip",
# else its last line, from ctest's log of the last run in folder $1.
skip_reason() {
	awk -v t="$2" '
		/^[0-9]+\/[0-9]+ Testing: / { on = ($3 == t); out = 0; next }
		on && /^Output:$/ { getline; out = 1; next }
		out && /^<end of output>$/ { exit }
		out && NF { last = $0; if (tolower($0) ~ /skip/) why = $0 }
		END { print (why != "" ? why : last) }
	' "$1/Testing/Temporary/LastTest.log"
}

# ctest itself only says "Skipped".
print_skips() {
	local dir name reason
	echo "== skipped tests, and why"
	for dir in "${ran[@]}"; do
		sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' \
			"$dir/ctest.out" | while read -r name; do
			reason=$(skip_reason "$dir" "$name")
			printf '%s: %-36s %s\n' "${dir##*/}" "$name" \
				"${reason:-(gave no reason)}"
		done
	done
}

bash "$root/scripts/deps.sh"

status=0
echo "== build 1/2: -Wall -Wextra -Werror"
cmake -S "$root" -B "$root/build/test" -DAML_WERROR=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$root/build/test" -j"$jobs"
run_tests "$root/build/test" || status=$?

if [ "$status" = 0 ]; then
	echo "== build 2/2: AddressSanitizer + UndefinedBehaviorSanitizer"
	cmake -S "$root" -B "$root/build/asan" -DAML_WERROR=ON -DAML_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=Debug -DAML_BUILD_BENCH=OFF
	cmake --build "$root/build/asan" -j"$jobs"
	# The guests run the first build's binaries; sanitized ones would not
	# fit their memory.
	run_tests "$root/build/asan" -LE numa-vm || status=$?
fi
print_skips
exit "$status"
