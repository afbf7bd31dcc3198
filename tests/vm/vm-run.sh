#!/bin/bash
# Boot one emulated NUMA topology and run test programs in it.
#
#   vm-run.sh TOPOLOGY OUTDIR KERNEL [+FILE...] TEST...
#
# TOPOLOGY is vm2, vm3, vm4, vmhmat, vm3k612 or vmtier612 (see README.md); KERNEL a bzImage
# (vm-kernel.sh fetches one); each TEST a program, run in the guest with
# AML_VM_TOPOLOGY=TOPOLOGY. Each +FILE (a program or library the tests
# start, such as the aml command) is copied to the same path in the guest,
# with the libraries it loads; +@LIST does so for each file named in LIST
# (one path a line: an interpreter and its modules, say). For each TEST,
# OUTDIR receives NAME.out (its output) and NAME.status (its exit status);
# OUTDIR/console.log keeps the whole serial console. By hand, from a build
# directory:
#
#   ../tests/vm/vm-run.sh vm3 /tmp/vm3 vm-cache/vmlinuz tests/test_area_placement
#
# Exit status: 0 when the guest reported every test (whatever their
# statuses), 77 when qemu, busybox or the kernel is missing, 1 otherwise.
set -u

die() { echo "vm-run: $*" >&2; exit 1; }
# CI sets AML_VM_REQUIRED=1: there a guest that cannot run is a failure.
skip() {
	echo "vm-run: skipped: $*" | tee "$OUTDIR/skip" >&2
	[ "${AML_VM_REQUIRED:-0}" = 1 ] && exit 1
	exit 77
}

[ $# -ge 3 ] || die "usage: $0 TOPOLOGY OUTDIR KERNEL TEST..."
TOPOLOGY=$1 OUTDIR=$2 KERNEL=$3
shift 3
HERE=$(cd "$(dirname "$0")" && pwd)
QEMU=${AML_VM_QEMU:-qemu-system-x86_64}
BUSYBOX=${AML_VM_BUSYBOX:-/bin/busybox}
# Seconds the whole guest may run before it is killed.
VM_TIMEOUT=${AML_VM_TIMEOUT:-540}

mkdir -p "$OUTDIR" || die "cannot create $OUTDIR"
rm -rf "$OUTDIR"/*.out "$OUTDIR"/*.status "$OUTDIR/skip" "$OUTDIR/root"

command -v "$QEMU" >/dev/null ||
	skip "$QEMU not found (Debian: apt-get install qemu-system-x86)"
# The guest has no libc of its own: busybox must be static.
[ -x "$BUSYBOX" ] && ! ldd "$BUSYBOX" >/dev/null 2>&1 ||
	skip "no static busybox at $BUSYBOX (Debian: apt-get install busybox-static)"
[ -s "$KERNEL" ] ||
	skip "no kernel at $KERNEL: $(cat "$(dirname "$KERNEL")/unavailable" 2>/dev/null ||
		echo "see the vm_kernel test")"
command -v cpio >/dev/null || skip "cpio not found (Debian: apt-get install cpio)"

# Memory of node i: NODE_MEM[i]; CPUs: NODE_CPU[i] ("" for none).
case "$TOPOLOGY" in
vm2) NODE_MEM=(256 256) NODE_CPU=(0 1) ;;
vm3 | vm3k612) NODE_MEM=(256 256 256) NODE_CPU=(0 1 2) ;;
vm4) NODE_MEM=(256 256 256 256) NODE_CPU=(0 1 2 3) ;;
vmhmat) NODE_MEM=(256 256 128 512) NODE_CPU=(0 1 "" "") ;;
vmtier612) NODE_MEM=(256 256) NODE_CPU=(0 "") ;;
*) die "unknown topology $TOPOLOGY (vm2, vm3, vm4, vmhmat, vm3k612, vmtier612)" ;;
esac

qemu_numa_args() {
	local i ncpu=0 mem=0 node
	for i in "${!NODE_MEM[@]}"; do
		mem=$((mem + NODE_MEM[i]))
		ARGS+=(-object "memory-backend-ram,id=m$i,size=${NODE_MEM[i]}M")
		node="node,nodeid=$i,memdev=m$i"
		if [ -n "${NODE_CPU[i]}" ]; then
			node+=",cpus=${NODE_CPU[i]}"
			ncpu=$((ncpu + 1))
		fi
		ARGS+=(-numa "$node")
	done
	ARGS+=(-smp "$ncpu" -m "${mem}M")
}

# vmhmat: memory-only nodes 2 and 3 are nearest to CPU nodes 0 and 1; the
# table in README.md gives these values, which tests check against.
HMAT_LB=(
	# initiator target latency(ns) bandwidth
	0 0 100 20G
	0 1 200 10G
	0 2 120 80G
	0 3 300 5G
	1 0 200 10G
	1 1 100 20G
	1 2 250 15G
	1 3 150 30G
)

# vmtier612: node 1 has no CPU and is three times slower and a quarter as
# wide as node 0, so that Linux 6.12 puts it in a lower memory tier.
TIER612_LB=(
	0 0 100 20G
	0 1 300 5G
)

qemu_hmat_args() {
	local i
	ARGS=(-machine pc,hmat=on)
	qemu_numa_args
	# initiator= must be given where the node has no CPU of its own.
	ARGS=("${ARGS[@]/memdev=m2/memdev=m2,initiator=0}")
	ARGS=("${ARGS[@]/memdev=m3/memdev=m3,initiator=1}")
	if [ "$TOPOLOGY" = vmtier612 ]; then
		ARGS=("${ARGS[@]/memdev=m1/memdev=m1,initiator=0}")
		HMAT_LB=("${TIER612_LB[@]}")
	fi
	for ((i = 0; i < ${#HMAT_LB[@]}; i += 4)); do
		local lb="hmat-lb,initiator=${HMAT_LB[i]},target=${HMAT_LB[i + 1]}"
		lb+=",hierarchy=memory"
		ARGS+=(-numa "$lb,data-type=access-latency,latency=${HMAT_LB[i + 2]}")
		ARGS+=(-numa "$lb,data-type=access-bandwidth,bandwidth=${HMAT_LB[i + 3]}")
	done
}

# Copy a file into the guest root at the same path, links resolved.
add_file() {
	local dst="$ROOT$2"
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")" && cp -L "$1" "$dst" || die "cannot copy $1"
}

# Libraries libaml opens at run time (dlopen), which ldd does not list:
# the heap allocator's engine.
AML_DLOPENED="libtbbmalloc.so.2"

# A program and every shared library it loads, dynamic loader included.
add_program() {
	local lib name
	add_file "$1" "$2"
	for lib in $(ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}'); do
		add_file "$lib" "$lib"
		LIBDIRS+=":$(dirname "$lib")"
	done
	ldd "$1" 2>/dev/null | grep -q 'libaml\.so' || return 0
	for name in $AML_DLOPENED; do
		lib=$(ldconfig -p | awk -v n="$name" '$1 == n {print $NF; exit}')
		if [ -n "$lib" ]; then add_program "$lib" "$lib"; fi
	done
}

build_initramfs() {
	local t name
	ROOT="$OUTDIR/root"
	LIBDIRS=""
	mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,tests} || die "cannot create $ROOT"
	cp "$BUSYBOX" "$ROOT/bin/busybox" || die "cannot copy $BUSYBOX"
	for t in "$@"; do
		case "$t" in +@*)
			[ -f "${t#+@}" ] || die "file list ${t#+@} not found"
			while read -r f; do add_program "$f" "$f"; done <"${t#+@}"
			continue ;;
		esac
		case "$t" in +*)
			[ -e "${t#+}" ] || die "file ${t#+} not found"
			add_program "${t#+}" "${t#+}"
			continue ;;
		esac
		[ -x "$t" ] || die "test program $t not found"
		name=$(basename "$t")
		add_program "$t" "/tests/$name"
		echo "$name" >>"$ROOT/tests/list"
	done
	cp "$HERE/hmat-check.sh" "$ROOT/bin/hmat-check.sh" || die "no hmat-check.sh"
	sed -e "s|@TOPOLOGY@|$TOPOLOGY|" -e "s|@LIBDIRS@|${LIBDIRS#:}|" \
		"$HERE/init.sh" >"$ROOT/init" || die "cannot write init"
	chmod +x "$ROOT/init" "$ROOT/bin/hmat-check.sh"
	(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$OUTDIR/initramfs.cpio" ||
		die "cannot build the initramfs"
	rm -rf "$ROOT"
}

# Split the console into NAME.out and NAME.status, from the guest's
# "@@AML-VM BEGIN NAME" and "@@AML-VM END NAME STATUS" lines.
split_console() {
	tr -d '\r' <"$OUTDIR/console.log" | awk -v dir="$OUTDIR" '
		match($0, /@@AML-VM BEGIN [^ ]+/) {
			name = substr($0, RSTART + 15, RLENGTH - 15)
			out = dir "/" name ".out"; printf "" > out; blank = 0; next
		}
		match($0, /@@AML-VM END [^ ]+ [0-9]+/) {
			split(substr($0, RSTART, RLENGTH), f, " ")
			pre = substr($0, 1, RSTART - 1)
			if (out != "" && pre != "") print pre > out
			print f[4] > (dir "/" f[3] ".status")
			close(dir "/" f[3] ".status"); close(out); out = ""; next
		}
		# The summary at the end: only for a test whose END line was lost.
		match($0, /@@AML-VM STATUS [^ ]+ [0-9]+/) {
			split(substr($0, RSTART, RLENGTH), f, " ")
			if (out != "") { close(out); out = "" }
			st = dir "/" f[3] ".status"
			if ((getline line < st) <= 0) {
				print f[4] > st
				print "(status from the guest'"'"'s summary: its END line was lost on the console)" >> (dir "/" f[3] ".out")
			}
			close(st); next
		}
		# Blank lines wait: the guest ends its output with one.
		out != "" && $0 == "" { blank++; next }
		out != "" { for (; blank > 0; blank--) print "" > out; print > out }'
}

build_initramfs "$@"

ARGS=()
if [ "$TOPOLOGY" = vmhmat ] || [ "$TOPOLOGY" = vmtier612 ]; then
	qemu_hmat_args
else
	qemu_numa_args
fi
start=$(date +%s)
timeout "$VM_TIMEOUT" "$QEMU" -accel tcg -nographic -no-reboot -net none \
	"${ARGS[@]}" -kernel "$KERNEL" -initrd "$OUTDIR/initramfs.cpio" \
	-append "console=ttyS0 loglevel=3 panic=-1 numa_balancing=disable" \
	</dev/null >"$OUTDIR/console.log" 2>&1
rc=$?
echo "vm-run: $TOPOLOGY: qemu exited $rc after $(($(date +%s) - start)) s"
[ $rc -eq 124 ] && echo "vm-run: $TOPOLOGY: killed after AML_VM_TIMEOUT=$VM_TIMEOUT s" >&2
split_console
rm -f "$OUTDIR/initramfs.cpio"
[ -s "$OUTDIR/topology.out" ] && cat "$OUTDIR/topology.out"

missing=0
for t in "$@" topology; do
	case "$t" in +*) continue ;; esac
	name=$(basename "$t")
	[ -f "$OUTDIR/$name.status" ] && continue
	echo "vm-run: $TOPOLOGY: no status for $name" >&2
	missing=1
done
if [ $missing -ne 0 ]; then
	echo "vm-run: console output (last lines of $OUTDIR/console.log):" >&2
	tail -n 40 "$OUTDIR/console.log" >&2
	exit 1
fi
exit 0
