#!/usr/bin/env bash
# Install the Debian packages AML's build, tests, demo and documentation use,
# when some are missing. Needs root or sudo; otherwise lists what is missing.
set -euo pipefail

packages=(build-essential g++ cmake pkg-config libnuma-dev numactl
	libhwloc-dev hwloc libtbb-dev libmemkind-dev doxygen python3
	qemu-system-x86 busybox-static cpio
	python3-dev python3-numpy python3-pytest python3-hypothesis
	python3-venv python3-setuptools python3-wheel
	clang libclang-rt-14-dev valgrind
	gfortran libopenmpi-dev openmpi-bin)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	sudo=(sudo)
else
	echo "Missing packages (install them as root): ${missing[*]}" >&2
	exit 0
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
