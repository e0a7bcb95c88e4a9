#!/bin/bash
# make bench: the spawn benchmark on the bench kernel (no debug options).
#
# Builds what it needs (packages, kernel tree, bench kernel, library,
# bench/), then boots the bench kernel twice:
#   1. --icount --smp 1: the one-thread sweep (parent memory, open fds,
#      exec floor) and the parked-process memory; guest time counts
#      instructions, so the figures repeat from run to run;
#   2. --smp 2 without icount: 1 and 4 threads spawning at once
#      (throughput in TCG real time).
# Real time under KVM is a third mode where KVM works (run-guest's probe
# decides: a /dev/kvm can be present and still not work); elsewhere it is
# skipped, with the probe's reason.  Results go to bench/results/: results.md
# (every table, the targets), headline.md, plots/*.png, and the raw TSV
# files under icount/ and smp/.
#
# Environment (defaults chosen so that the guest runs take ~7 minutes on a
# 2-core machine without KVM; building the bench kernel the first time
# adds 15-30 minutes):
#   BENCH_REPS=N         spawns per method and configuration (icount)
#   BENCH_REPS_FORK=N    fork and clone3 at 256 MiB and 1 GiB (icount)
#   BENCH_REPS_FLOOR=N   exec-floor samples (2 chains each)
#   BENCH_REPS_SMP=N     spawns per thread (smp)
#   BENCH_MODES="icount smp kvm"   which runs to do
#   BENCH_RESULTS=DIR    where to write (default bench/results)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
results=${BENCH_RESULTS:-$top/bench/results}
reps=${BENCH_REPS:-1000}
reps_fork=${BENCH_REPS_FORK:-100}
reps_floor=${BENCH_REPS_FLOOR:-300}
reps_smp=${BENCH_REPS_SMP:-500}
modes=${BENCH_MODES:-icount smp kvm}
logs=$build/bench-logs
start=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - start ))s)"; }
die() { echo "bench: $*" >&2; exit 1; }

step "dependencies"
"$here/deps.sh" || die "missing packages"
step "assemble the kernel tree"
"$here/assemble.sh" "$build" || die "assembly failed"
step "build the bench kernel"
nice -n 19 "$here/build-kernel.sh" "$build" bench || die "kernel build failed"
step "build the library and the benchmark"
make -s -C "$top" lib || die "library build failed"
make -s -C "$top/bench" OUTPUT="$build/bench/" LIBDIR="$build/lib" \
	KHDR_INCLUDES="-isystem $build/obj-bench/usr/include" ||
	die "benchmark build failed"

mkdir -p "$logs" "$results"

# Runs run.sh in a guest; the result files come back on its stdout.
# usage: guest NAME RUN-GUEST-OPTIONS... -- RUN.SH-OPTIONS...
guest() {
	local name=$1 log=$logs/$1.log t0 rc
	shift
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	t0=$(date +%s)
	"$here/run-guest" --kernel bench "${opts[@]}" -- \
		"$top/bench/run.sh" "$@" --emit "$build/bench" /tmp/results \
		> "$log" 2>&1
	rc=$?
	tr -d '\r' < "$log" | grep '^run.sh: ' >&2
	printf -v "accel_$name" '%s' \
		"$(grep -m1 '^run-guest: accel=' "$log" | sed 's/^run-guest: //')"
	rm -rf "${results:?}/$name"
	mkdir -p "$results/$name"
	tr -d '\r' < "$log" | awk -v dir="$results/$name" '
		/^=== BEGIN / { f = dir "/" $3; printf "" > f; next }
		/^=== END / { close(f); f = ""; next }
		f != "" { print >> f }'
	echo "bench: $name guest: exit $rc after $(( $(date +%s) - t0 ))s" \
	     "(log $log)"
	eval "secs_$name=$(( $(date +%s) - t0 ))"
	[ -s "$results/$name/spawn.tsv" ] || {
		echo "bench: $name: no results; log tail:" >&2
		tail -n 30 "$log" >&2
		return 1
	}
	return $rc
}

failed=0
secs_icount=- secs_smp=- accel_icount=- accel_smp=- accel_kvm=-
cmd_icount="harness/run-guest --kernel bench --icount --smp 1 --mem 3G -- bench/run.sh --mode icount --reps $reps --reps-fork $reps_fork --reps-floor $reps_floor"
cmd_smp="PIDFD_SPAWN_ACCEL=tcg harness/run-guest --kernel bench --smp 2 --mem 3G -- bench/run.sh --mode smp --reps $reps_smp"
case " $modes " in *" icount "*)
	step "guest 1/2: icount, one thread (reps $reps, fork/clone3 at 256 MiB+ $reps_fork, floor $reps_floor)"
	guest icount --icount --smp 1 --mem 3G --timeout 2400 -- \
		--mode icount --reps "$reps" --reps-fork "$reps_fork" \
		--reps-floor "$reps_floor" || failed=1
	;;
esac
case " $modes " in *" smp "*)
	step "guest 2/2: smp 2, 1 and 4 threads (reps $reps_smp per thread)"
	# TCG even where KVM works: these figures are compared run to run.
	PIDFD_SPAWN_ACCEL=tcg guest smp --smp 2 --mem 3G --timeout 1200 -- \
		--mode smp --reps "$reps_smp" || failed=1
	;;
esac
kvm=
case " $modes " in *" kvm "*)
	if probe=$("$here/run-guest" --kernel bench --print-accel 2>&1); then
		step "guest 3/3: KVM real time, one thread"
		PIDFD_SPAWN_ACCEL=kvm guest kvm --smp 1 --mem 3G --timeout 1200 -- \
			--mode icount --reps "$reps" --reps-fork "$reps_fork" \
			--reps-floor "$reps_floor" || failed=1
		kvm="done: results/kvm"
	else
		why=$(echo "$probe" | sed -n 's/^run-guest: accel=[^(]*(\(.*\))$/\1/p')
		kvm="skipped: KVM does not work on this machine (${why:-$probe}); QEMU TCG only"
		echo "bench: KVM real-time mode $kvm"
	fi
	;;
*)	kvm="not asked for (BENCH_MODES=$modes)" ;;
esac

step "report"
cp "$build/obj-bench/.config" "$results/bench-kernel.config"
{
	printf 'key\tvalue\n'
	printf 'command\tmake bench (harness/bench.sh)\n'
	printf 'icount run\t%s\n' "$cmd_icount"
	printf 'smp run\t%s\n' "$cmd_smp"
	printf 'date\t%s\n' "$(date -u +%Y-%m-%dT%H:%MZ)"
	printf 'host\t%s CPUs, %s\n' "$(nproc)" \
		"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	printf 'qemu\t%s\n' "$(qemu-system-x86_64 --version | head -n 1)"
	printf 'kernel\t%s (bench kernel: harness/config/common.config + bench.config, no debug options; .config in bench-kernel.config)\n' \
		"$(make -s -C "$build/src" O="$build/obj-bench" kernelversion 2>/dev/null)"
	printf 'mode\ticount: -accel tcg,thread=single -icount shift=0,sleep=off, 1 vCPU, 3 GiB; threads: TCG, -smp 2 (the CPUs the guest brought up are in the threads section), 3 GiB, real time\n'
	printf 'kvm\t%s\n' "$kvm"
	printf 'accelerator\ticount run: %s; smp run: %s; kvm run: %s\n' \
		"$accel_icount" "$accel_smp" "$accel_kvm"
	printf 'repetitions\t%s per method and configuration; fork and clone3 at 256 MiB and 1 GiB: %s; exec floor: %s pairs of chains of 20; threads: %s per thread\n' \
		"$reps" "$reps_fork" "$reps_floor" "$reps_smp"
	printf 'guest runs\ticount %ss, smp %ss of host wall-clock time\n' \
		"$secs_icount" "$secs_smp"
} > "$results/run-info.tsv"
python3 "$top/bench/report.py" "$results" || die "report failed"
echo "bench: results in $results/results.md; headline:"
cat "$results/headline.md" 2>/dev/null
step "done"
exit $failed
