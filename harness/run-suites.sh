#!/bin/bash
# Run test suites, each framed for tap-summary.py.
# usage: run-suites.sh TIMEOUT NAME=COMMAND...
# Each COMMAND runs under bash with the given timeout in seconds.
t=$1
shift
for spec in "$@"; do
	name=${spec%%=*}
	cmd=${spec#*=}
	echo "### suite $name"
	timeout -k 5 "$t" bash -c "$cmd" 2>&1
	rc=$?
	[ $rc = 124 ] && echo "# $name: killed after ${t}s"
	echo "### exit $name $rc"
done
exit 0
