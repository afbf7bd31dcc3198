#!/usr/bin/env bash
# Build and run every test twice: a warnings-as-errors build (with the
# emulated multi-node NUMA guests and the documentation check), then an
# AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

bash "$root/scripts/deps.sh"

echo "== build 1/2: -Wall -Wextra -Werror"
cmake -S "$root" -B "$root/build/test" -DAML_WERROR=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$root/build/test" -j"$jobs"
(cd "$root/build/test" && ctest --output-on-failure -j"$jobs")

echo "== build 2/2: AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S "$root" -B "$root/build/asan" -DAML_WERROR=ON -DAML_SANITIZE=ON \
	-DCMAKE_BUILD_TYPE=Debug -DAML_BUILD_BENCH=OFF
cmake --build "$root/build/asan" -j"$jobs"
# The guests run the first build's binaries; sanitized ones would not
# fit their memory.
(cd "$root/build/asan" && ctest --output-on-failure -j"$jobs" -LE numa-vm)
