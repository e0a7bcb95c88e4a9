#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke run of the spawn benchmark, for make check: one run in which every
# method spawns three times (one TAP line per method), one short run with
# two threads and inheritable descriptors, and the parked-process memory
# count.  TAP on stdout.
#
# usage: smoke.sh DIR      DIR holds the built spawnbench, exit0, parked_mem
#
# A method that fails is "not ok".  The CLONE_EMPTY methods are skipped on
# a kernel without CLONE_EMPTY, where the library methods take the
# library's fallback path (skipped too); on a kernel with CLONE_EMPTY, a
# library method that falls back is a failure.  The programs are copied to
# /tmp first (a tmpfs in the guest): executing exit0 over 9p would be most
# of the time.  Exits 0 when nothing failed.
set -u

src=$(cd "${1:?usage: smoke.sh DIR}" && pwd) || exit 1
methods="raw raw_nofds fork vfork clone3 posix_spawn lib_posix_spawn
lib_pidfd_spawn exec_floor"
n=0
failed=0
dir=/tmp/spawnbench_smoke.$$
mkdir "$dir" || exit 1
trap 'rm -rf "$dir"' EXIT
cp "$src/spawnbench" "$src/exit0" "$src/parked_mem" "$dir/" || exit 1
out=$dir/out

echo "1..11"

# Diagnostics: the output of the failed run, from bash builtins only (each
# program started in the debug guest costs about a second).
not_ok() {
	local line i=0

	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	while IFS= read -r line && [ $i -lt 20 ]; do
		echo "#   $line"
		i=$((i + 1))
	done < "$out"
}

# The result lines of $out by method: status, note, reps.
declare -A status note reps
lines=0
parse() {
	local f

	status=() note=() reps=()
	lines=0
	while IFS=$'\t' read -r -a f; do
		[ ${#f[@]} -ge 14 ] || continue
		status[${f[0]}]=${f[13]}
		note[${f[0]}]=${f[14]:-}
		reps[${f[0]}]=${f[5]}
		lines=$((lines + 1))
	done < "$out"
}

"$dir/spawnbench" -m all -n 3 -w 1 -k 3 -M 1 > "$out" 2>&1
rc=$?
parse
empty=${status[raw]:-}
for m in $methods; do
	case "${status[$m]:-}" in
	ok)
		if [ "${reps[$m]}" = 3 ]; then
			n=$((n + 1))
			echo "ok $n - $m runs"
		else
			not_ok "$m runs (reps '${reps[$m]}')"
		fi
		;;
	unavailable)
		if [ "$empty" = ok ]; then
			not_ok "$m runs (unavailable with CLONE_EMPTY: ${note[$m]})"
		else
			n=$((n + 1))
			echo "ok $n - $m runs # SKIP ${note[$m]}"
		fi
		;;
	"")
		not_ok "$m runs (no result line; spawnbench exit $rc)"
		;;
	*)
		not_ok "$m runs (status '${status[$m]}': ${note[$m]})"
		;;
	esac
done

# Threads, inheritable descriptors: the run must succeed and print one
# line per method, none of them an error.
"$dir/spawnbench" -t 2 -n 2 -w 1 -k 2 -M 1 -f 100 -i > "$out" 2>&1
rc=$?
parse
errors=0
for m in $methods; do
	[ "${status[$m]:-}" = error ] && errors=$((errors + 1))
done
if [ $rc = 0 ] && [ $lines = 9 ] && [ $errors = 0 ]; then
	n=$((n + 1))
	echo "ok $n - all methods run in 2 threads with 100 inheritable fds"
else
	not_ok "all methods run in 2 threads with 100 inheritable fds"
fi

kinds=both want=2
[ "$empty" = ok ] || { kinds=vfork; want=1; }
"$dir/parked_mem" -n 10 -r 1 -k $kinds > "$out" 2>&1
rc=$?
got=0
while IFS=$'\t' read -r kind _; do
	case "$kind" in empty|vfork) got=$((got + 1)) ;; esac
done < "$out"
if [ $rc = 0 ] && [ $got = $want ]; then
	n=$((n + 1))
	echo "ok $n - parked_mem runs ($kinds)"
else
	not_ok "parked_mem runs ($kinds)"
fi

[ $failed = 0 ]
