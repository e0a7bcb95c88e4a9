#!/bin/bash
# make fuzz SECONDS=N [SEED=S]: run the pidfd_spawn fuzzer
# (pidfd_spawn_fuzz_test) in the guest for N seconds, with seed S if given
# (a seed from the clock otherwise; the fuzzer prints it).
#
# usage: fuzz.sh SECONDS [SEED]
#
# The fuzzer's output and the guest console are kept in build/logs-fuzz/
# (fuzz-STAMP.log, fuzz-STAMP.err, console-STAMP.log; latest.log,
# latest.err and latest-console.log name the last run).  Fails if the
# fuzzer's TAP reports a failure, or if the guest run fails, a kernel report
# on its console included: that scan is run-guest's, the one make check
# relies on.
#
# PIDFD_SPAWN_FUZZ_DIR runs the fuzzer (and the probe next to it) from
# another directory than build/kselftest/pidfd_spawn.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
logs=$build/logs-fuzz
ks=${PIDFD_SPAWN_FUZZ_DIR:-$build/kselftest/pidfd_spawn}
test=pidfd_spawn_fuzz_test

die() { echo "fuzz: $*" >&2; exit 2; }

seconds=${1:-20}
seed=${2:-}
case "$seconds" in
''|*[!0-9]*|0) die "SECONDS=$seconds: a number of seconds above 0" ;;
esac
case "$seed" in
*[!0-9xXa-fA-F]*) die "SEED=$seed: a number" ;;
esac
[ -x "$ks/$test" ] ||
	die "no $ks/$test: the kernel tree predates the fuzzer (make kernel)"
[ -x "$ks/probe" ] || die "no $ks/probe (make selftests)"

mkdir -p "$logs"
stamp=$(date +%Y%m%d-%H%M%S)
log=$logs/fuzz-$stamp.log
err=$logs/fuzz-$stamp.err
console=$logs/console-$stamp.log

env="PIDFD_SPAWN_FUZZ_SECONDS=$seconds"
[ -n "$seed" ] && env+=" PIDFD_SPAWN_FUZZ_SEED=$seed"
# The fuzzer gives itself its run time plus 300 s; run-suites.sh a little
# more, run-guest the boot and kmemleak's scan on top.
suite_timeout=$((seconds + 400))
guest_timeout=$((seconds + 600))

echo "fuzz: $seconds s in the guest${seed:+, seed $seed}; logs in $logs"
# run-guest points last-console.log at its console log before it boots the
# guest: note where it points once it changes, in case other guests run.
link=$build/guest/last-console.log
old=$(readlink "$link" 2>/dev/null)
(
	for _ in $(seq 300); do
		cur=$(readlink "$link" 2>/dev/null)
		if [ -n "$cur" ] && [ "$cur" != "$old" ]; then
			echo "$build/guest/$cur" > "$logs/.console-$stamp"
			break
		fi
		sleep 0.1
	done
) &
watcher=$!
"$here/run-guest" --timeout "$guest_timeout" -- "$here/run-suites.sh" \
	"$suite_timeout" "pidfd_spawn/$test=cd $ks && $env ./$test" \
	2>"$err" | tee "$log"
grc=${PIPESTATUS[0]}
cat "$err" >&2

kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
new=$(cat "$logs/.console-$stamp" 2>/dev/null)
rm -f "$logs/.console-$stamp"
if [ -n "$new" ] && [ -f "$new" ]; then
	cp "$new" "$console"
else
	echo "fuzz: could not tell the console log of this run" >&2
fi
ln -sfn "$(basename "$console")" "$logs/latest-console.log"
ln -sfn "$(basename "$log")" "$logs/latest.log"
ln -sfn "$(basename "$err")" "$logs/latest.err"

extra=0
if [ "$grc" != 0 ]; then
	echo "FAILED: guest run exited $grc (console: $console)"
	extra=1
fi
grep -h '^# fuzz: seed .*calls' "$log" | tr -d '\r' | sed 's/^# //'
python3 "$here/tap-summary.py" --extra-failed "$extra" "$log"
