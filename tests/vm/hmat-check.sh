#!/bin/busybox sh
# In the vmhmat guest: print what the kernel shows of the HMAT in
# /sys/devices/system/node/node*/access0/initiators, and check it against
# the table of README.md. Bandwidths are in MB/s, latencies in ns.
#   target best-initiator read/write-latency read/write-bandwidth
EXPECT="0 0 100 20480
1 1 100 20480
2 0 120 81920
3 1 150 30720"
status=0

for n in /sys/devices/system/node/node*; do
	echo "$(basename $n): access0 initiators:" $(ls $n/access0/initiators 2>/dev/null)
	for f in $n/access0/initiators/*_*; do
		[ -f "$f" ] && echo "  $(basename $f) $(cat $f)"
	done
done

echo "$EXPECT" | while read -r target init lat bw; do
	d=/sys/devices/system/node/node$target/access0/initiators
	if [ ! -e "$d/node$init" ]; then
		echo "FAIL: node$target: best initiator is not node$init"
		exit 1
	fi
	for f in read_latency write_latency; do
		v=$(cat $d/$f 2>/dev/null)
		[ "$v" = "$lat" ] || { echo "FAIL: node$target $f '$v' != $lat"; exit 1; }
	done
	for f in read_bandwidth write_bandwidth; do
		v=$(cat $d/$f 2>/dev/null)
		[ "$v" = "$bw" ] || { echo "FAIL: node$target $f '$v' != $bw"; exit 1; }
	done
done || status=1
[ $status -eq 0 ] && echo "HMAT access0 values match the table"
exit $status
