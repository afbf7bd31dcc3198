#!/bin/bash
# Report what vm-run.sh stored for one program: print its guest output and
# exit with its guest exit status (77 stays a skip).
#   vm-report.sh OUTDIR NAME
set -u
OUTDIR=$1 NAME=$2

if [ -f "$OUTDIR/skip" ]; then
	cat "$OUTDIR/skip"
	exit 77
fi
if [ ! -f "$OUTDIR/$NAME.status" ]; then
	echo "no result for $NAME in $OUTDIR: the guest did not report it" \
		"(see $OUTDIR/console.log)"
	exit 1
fi
cat "$OUTDIR/$NAME.out" 2>/dev/null
status=$(cat "$OUTDIR/$NAME.status")
echo "[$NAME exited $status in the guest, $(basename "$OUTDIR")]"
exit "$status"
