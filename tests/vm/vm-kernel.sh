#!/bin/bash
# Provide the test guests' kernel as CACHE/vmlinuz.
#
#   vm-kernel.sh CACHE [KERNEL]
#
# With KERNEL (a bzImage, used in its place), only check that it exists.
# Otherwise fetch, once, Debian's linux-image-6.1.*-amd64 package (the one
# linux-image-amd64 depends on, or the newest 6.1 one) with apt-get
# download and extract only its /boot/vmlinuz-*; nothing is installed.
# Exit status: 0 when the kernel is ready; 77 when it cannot be had.
set -u

# The reason is kept for vm-run.sh to repeat.
skip() {
	echo "vm-kernel: skipped: $*" >&2
	echo "$*" >"$CACHE/unavailable" 2>/dev/null
	exit 77
}

[ $# -ge 1 ] || { echo "usage: $0 CACHE [KERNEL]" >&2; exit 1; }
CACHE=$1 KERNEL=${2:-}
mkdir -p "$CACHE" || skip "cannot create $CACHE"
rm -f "$CACHE/unavailable"

if [ -n "$KERNEL" ]; then
	[ -s "$KERNEL" ] || skip "AML_VM_KERNEL=$KERNEL does not exist"
	echo "vm-kernel: using $KERNEL"
	exit 0
fi
if [ -s "$CACHE/vmlinuz" ]; then
	echo "vm-kernel: cached $(cat "$CACHE/version" 2>/dev/null) in $CACHE"
	exit 0
fi

command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
	skip "no apt-get/dpkg-deb to fetch a kernel; set AML_VM_KERNEL to a bzImage"
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-6\.1[.0-9-]*-amd64$/ {print $2; exit}')
[ -n "$pkg" ] || pkg=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$' 2>/dev/null |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || skip "no linux-image-6.1.*-amd64 package known to apt; set AML_VM_KERNEL"

tmp=$(mktemp -d "$CACHE/fetch.XXXXXX") || skip "cannot create a directory in $CACHE"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download "$pkg") >"$tmp/log" 2>&1 || {
	cat "$tmp/log" >&2
	skip "apt-get download $pkg failed (no network?); set AML_VM_KERNEL"
}
# Only the kernel image is needed: skip the modules (hundreds of MB).
dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb |
	tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
	skip "no /boot/vmlinuz-* in $pkg"
mv "$tmp"/boot/vmlinuz-* "$CACHE/vmlinuz" || skip "cannot store the kernel"
echo "$pkg" >"$CACHE/version"
echo "vm-kernel: fetched $pkg into $CACHE"
