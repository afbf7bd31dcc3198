#!/bin/busybox sh
# /init of the test guests (vm-run.sh fills in @TOPOLOGY@ and @LIBDIRS@):
# runs every program of /tests/list and reports each between
# "@@AML-VM BEGIN name" and "@@AML-VM END name status" on the console.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
# The initramfs is writable already; a tmpfs here would hide a build tree
# that lives under /tmp.
mkdir -p /tmp
export AML_VM_TOPOLOGY=@TOPOLOGY@
export LD_LIBRARY_PATH=@LIBDIRS@
export TMPDIR=/tmp
# Seconds one test may run.
TEST_TIMEOUT=240

begin() { printf '\n@@AML-VM BEGIN %s\n' "$1"; }
end() {
	printf '\n@@AML-VM END %s %d\n' "$1" "$2"
	echo "$1 $2" >>/tmp/aml-vm-status
}

topology() {
	echo "topology $AML_VM_TOPOLOGY, kernel $(uname -r), nodes $(cat /sys/devices/system/node/online)"
	for n in /sys/devices/system/node/node*; do
		echo "$(basename $n): cpus '$(cat $n/cpulist)'," \
			"$(awk '/MemTotal/ {print $4 " kB"}' $n/meminfo)," \
			"distances $(cat $n/distance)"
	done
}

begin topology
topology
end topology $?

if [ "$AML_VM_TOPOLOGY" = vmhmat ]; then
	begin hmat_sysfs
	/bin/hmat-check.sh
	end hmat_sysfs $?
fi

cd /tmp
while read -r t; do
	begin "$t"
	timeout $TEST_TIMEOUT "/tests/$t" </dev/null
	end "$t" $?
done </tests/list

# Every status again: a line lost on a loaded host's serial console must
# not lose a test's result.
while read -r name status; do
	printf '\n@@AML-VM STATUS %s %d\n' "$name" "$status"
done </tmp/aml-vm-status

# The serial port drains at the emulator's pace: on a loaded host the last
# lines were lost when the machine stopped right after writing them.
printf '\n@@AML-VM DONE\n'
sleep 2
poweroff -f
