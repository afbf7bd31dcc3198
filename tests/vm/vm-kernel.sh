#!/bin/bash
# Provide the test guests' kernel as CACHE/vmlinuz.
#
#   vm-kernel.sh CACHE [KERNEL] [SERIES]
#
# With KERNEL (a bzImage, used in its place), only check that it exists.
# Otherwise fetch, once, Debian's linux-image-SERIES.*-amd64 package
# (SERIES 6.1 by default, from bookworm; 6.12 from bookworm-backports) with
# apt-get download and extract only its /boot/vmlinuz-*; nothing is
# installed. The package is the one linux-image-amd64 depends on, or the
# newest of the series. For a series the system's apt sources lack
# (6.12), apt reads a source list of its own: the Debian archive the
# system's apt sources already name (so a local mirror is used), with the
# backports suite added, and lists kept in CACHE; the system's apt state is
# left alone. AML_APT_SOURCES (default /etc/apt) is where they are read.
# Exit status: 0 when the kernel is ready; 77 when it cannot be had.
set -u

# The reason is kept for vm-run.sh to repeat.
skip() {
	echo "vm-kernel: skipped: $*" >&2
	echo "$*" >"$CACHE/unavailable" 2>/dev/null
	# CI sets AML_VM_REQUIRED=1: there a missing kernel is a failure.
	[ "${AML_VM_REQUIRED:-0}" = 1 ] && exit 1
	exit 77
}

[ $# -ge 1 ] || { echo "usage: $0 CACHE [KERNEL] [SERIES]" >&2; exit 1; }
CACHE=$1 KERNEL=${2:-} SERIES=${3:-6.1}
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
tmp=$(mktemp -d "$CACHE/fetch.XXXXXX") || skip "cannot create a directory in $CACHE"
trap 'rm -rf "$tmp"' EXIT

# "[OPTIONS] URI" of a one-line "deb [OPTIONS] URI SUITE COMPONENT..." entry
# of a release suite (no "-updates", "-security"...), first one only.
archive_one_line() {
	awk '$1 == "deb" {
		i = 2; o = ""
		if ($2 ~ /^\[/) {
			while (i < NF && $i !~ /\]$/) o = o $(i++) " "
			o = o $(i++) " "
		}
		if ($(i + 1) !~ /[-\/]/) { print o $i; exit }
	}' "$1"
}

# The same from a deb822 file: a stanza of type deb, not disabled, with a
# release suite; its first URI and its Signed-By when that is a file.
archive_deb822() {
	awk 'BEGIN { RS = ""; FS = "\n" }
	{
		t = u = s = k = ""; e = "yes"
		for (j = 1; j <= NF; j++) {
			if ($j ~ /^#/) continue
			n = split($j, w, /[ \t]+/)
			f = tolower(w[1])
			if (f == "types:") for (x = 2; x <= n; x++) t = t " " w[x]
			if (f == "uris:") u = w[2]
			if (f == "suites:") for (x = 2; x <= n; x++) s = s " " w[x]
			if (f == "signed-by:" && w[2] ~ /^\//) k = w[2]
			if (f == "enabled:") e = tolower(w[2])
		}
		if (t !~ / deb( |$)/ || e == "no" || u == "") next
		m = split(s, sv, " ")
		for (x = 1; x <= m; x++)
			if (sv[x] !~ /[-\/]/) {
				print (k == "" ? "" : "[signed-by=" k "] ") u
				exit
			}
	}' "$1"
}

# "[OPTIONS] URI" of the Debian archive the system's apt sources name, in
# apt's order (sources.list, then sources.list.d/ by name).
debian_archive() {
	local dir=${AML_APT_SOURCES:-/etc/apt} f found
	for f in "$dir/sources.list" "$dir"/sources.list.d/*; do
		[ -r "$f" ] || continue
		case $f in
		*.list) found=$(archive_one_line "$f") ;;
		*.sources) found=$(archive_deb822 "$f") ;;
		*) continue ;;
		esac
		[ -n "$found" ] && { echo "$found"; return 0; }
	done
	return 1
}

APT=() VAR=AML_VM_KERNEL
case "$SERIES" in
6.1) ;;
6.12)
	VAR=AML_VM_KERNEL_612
	archive=$(debian_archive) ||
		skip "no Debian archive in the system's apt sources to take bookworm-backports from; set $VAR"
	APT_SOURCE="deb $archive bookworm-backports main"
	mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
	echo "$APT_SOURCE" >"$tmp/sources.list"
	APT=(-o Dir::Etc::SourceList="$tmp/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$tmp/lists" -o Dir::Cache="$tmp/cache")
	apt-get "${APT[@]}" update >"$tmp/log" 2>&1 || {
		cat "$tmp/log" >&2
		skip "apt-get update of $APT_SOURCE failed (no network?); set $VAR"
	} ;;
*) skip "unknown kernel series $SERIES (6.1, 6.12)" ;;
esac
# Release and ABI: 6.1.0-28 (bookworm), 6.12.95+deb12 (backports); not
# -cloud or -rt.
re="^linux-image-${SERIES//./\\.}\\.[0-9]+[-+][0-9a-z.]+-amd64\$"
pkg=$(apt-cache "${APT[@]}" depends linux-image-amd64 2>/dev/null |
	awk '/Depends: / {print $2}' | grep -E "$re" | head -n 1)
[ -n "$pkg" ] || pkg=$(apt-cache "${APT[@]}" search --names-only "$re" 2>/dev/null |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || skip "no linux-image-$SERIES.*-amd64 package known to apt (no network?); set $VAR"

(cd "$tmp" && apt-get "${APT[@]}" download "$pkg") >"$tmp/log" 2>&1 || {
	cat "$tmp/log" >&2
	skip "apt-get download $pkg failed (no network?); set $VAR"
}
# Only the kernel image is needed: skip the modules (hundreds of MB).
dpkg-deb --fsys-tarfile "$tmp"/"$pkg"_*.deb |
	tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
	skip "no /boot/vmlinuz-* in $pkg"
mv "$tmp"/boot/vmlinuz-* "$CACHE/vmlinuz" || skip "cannot store the kernel"
echo "$pkg" >"$CACHE/version"
echo "vm-kernel: fetched $pkg into $CACHE"
