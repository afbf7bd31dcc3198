#!/bin/sh
# Run a test program as user nobody, without capabilities (so without page
# frame numbers in /proc/self/pagemap): the path that ordinary users get.
# Run as another user, there is nothing to drop: the test itself already
# runs unprivileged, so this twin is skipped.
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: not root, the plain test already runs unprivileged"
	exit 77
fi
if ! command -v setpriv >/dev/null; then
	echo "skipped: setpriv (util-linux) is missing"
	exit 77
fi
drop="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
if ! $drop test -x "$1"; then
	echo "skipped: user nobody cannot reach $1 (make the build tree readable)"
	exit 77
fi
exec $drop "$@"
