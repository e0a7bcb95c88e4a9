#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The spawn benchmark sweep, run inside the guest (harness/bench.sh boots
# it).  Writes tab-separated results to OUTDIR:
#   spawn.tsv       one line per method and configuration (spawnbench)
#                   and request shape (spawnbench -s)
#   profile.tsv     median of each phase of a spawn (spawnbench -p, a run
#                   of its own at 8 MiB and 3 fds: the phase clock reads
#                   are not in the figures of spawn.tsv)
#   parked_mem.tsv  kernel memory of 1,000 parked empty processes against
#                   1,000 vfork children blocked before exec (parked_mem)
#   ftrace.tsv      where the kernel time goes (icount mode): function_graph
#                   on a set of kernel functions, for a few spawns of some
#                   methods; per traced function, calls and inclusive time
#                   per spawn (guest time under icount, tracing included)
#   syscount.tsv    the caller's system calls per spawn call, by number,
#                   for each request shape (syscount, ptrace; icount mode)
#   meta.tsv        kernel, mode, repetition counts
#
# usage: run.sh [--mode icount|smp|quick] [--reps N] [--reps-fork N]
#               [--reps-floor N] [--reps-shape N] [--chain K] [--emit]
#               BINDIR OUTDIR
#
#   icount  one thread: parent memory 8 MiB, 256 MiB, 1 GiB (3 fds);
#           3, 1,000, 10,000 fds close-on-exec and 1,000, 10,000
#           inheritable (8 MiB); the exec floor; the request shapes
#           (8 MiB): closefrom(3) with 10, 1,000 and 10,000 inheritable
#           fds, 3 dup2 + attributes, every signal ignored; syscount of
#           the spawn calls of each shape; parked_mem.  For a guest booted
#           with --icount (guest time counts instructions).
#   smp     1 and 4 threads spawning at once, 8 MiB, 3 fds: throughput.
#           For a guest with --smp 2, without icount.
#   quick   a short icount-like sweep, for trying things out.
#   --reps N        spawns per method and configuration (per thread)
#   --reps-fork N   the same for fork and clone3 at 256 MiB and 1 GiB,
#                   which copy the caller's page tables (slow under TCG)
#   --reps-floor N  exec-floor samples (each one is 2 chains)
#   --reps-shape N  spawns per method and request shape (default reps / 2)
#   --chain K       execs per exec-floor chain
#   --no-ftrace     leave out the function_graph breakdown
#   --emit          print each result file on stdout at the end, between
#                   "=== BEGIN name" and "=== END name" lines (the guest's
#                   root is read-only: that is how the host gets them)
#
# BINDIR holds spawnbench, exit0, parked_mem and syscount; they are copied
# to /tmp first, so that exit0 is executed from tmpfs (page cache), not
# over 9p.
set -euo pipefail

mode=icount reps=200 reps_fork=30 reps_floor=100 chain=20 emit=0 ftrace=1
reps_shape=
while [ $# -gt 0 ]; do
	case "$1" in
	--mode) mode=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--reps-fork) reps_fork=$2; shift 2 ;;
	--reps-floor) reps_floor=$2; shift 2 ;;
	--reps-shape) reps_shape=$2; shift 2 ;;
	--chain) chain=$2; shift 2 ;;
	--emit) emit=1; shift ;;
	--no-ftrace) ftrace=0; shift ;;
	--) shift; break ;;
	-*) sed -n '4,49s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# = 2 ] || { sed -n '4,49s/^# \{0,1\}//p' "$0" >&2; exit 2; }
bindir=$1 out=$2

bin=$(mktemp -d /tmp/spawnbench.XXXXXX)
cp "$bindir/spawnbench" "$bindir/exit0" "$bindir/parked_mem" \
	"$bindir/syscount" "$bin/"
mkdir -p "$out"
sb=$bin/spawnbench
cheap=vfork,posix_spawn,lib_posix_spawn,lib_pidfd_spawn,raw,raw_nofds
copying=fork,clone3
shaped=fork,vfork,posix_spawn,lib_posix_spawn,lib_pidfd_spawn
log() { echo "run.sh: [$(date +%T)] $*" >&2; }

{
	printf 'key\tvalue\n'
	printf 'kernel\t%s\n' "$(uname -srvm)"
	printf 'cmdline\t%s\n' "$(cat /proc/cmdline)"
	printf 'cpus\t%s\n' "$(nproc)"
	printf 'memtotal_kib\t%s\n' "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	printf 'mode\t%s\n' "$mode"
	printf 'reps\t%s\n' "$reps"
	printf 'reps_fork\t%s\n' "$reps_fork"
	printf 'reps_floor\t%s\n' "$reps_floor"
	printf 'reps_shape\t%s\n' "${reps_shape:-$(( reps / 2 ))}"
	printf 'chain\t%s\n' "$chain"
	printf 'clocksource_start\t%s\n' \
		"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo ?)"
} > "$out/meta.tsv"

spawn=$out/spawn.tsv profile=$out/profile.tsv
: > "$spawn"
printf 'profile\tmethod\tmem_mib\tfds\tinherit\tthreads\tphase\tmedian_us\n' \
	> "$profile"

# One spawnbench run: result lines to spawn.tsv, phases to profile.tsv.
bench() {
	local tmp rc=0

	tmp=$(mktemp /tmp/spawnbench.out.XXXXXX)
	log "spawnbench $*"
	"$sb" "$@" > "$tmp" || rc=$?
	grep -v '^profile' "$tmp" >> "$spawn" || true
	grep '^profile' "$tmp" >> "$profile" || true
	grep -v '^profile' "$tmp" | cut -f1-9,14,16 | sed 's/^/    /' >&2
	rm -f "$tmp"
	[ $rc = 0 ] || { log "spawnbench failed ($rc)"; failed=1; }
}

# Kernel functions whose inclusive time function_graph reports (only these
# are hooked, so the rest of the kernel runs untraced).  Static functions
# that the compiler inlined cannot be traced: their time shows in callers.
trace_funcs="__x64_sys_clone3 __x64_sys_clone __x64_sys_vfork kernel_clone
copy_process pidfd_spawn_clone alloc_empty_files dup_fd
__x64_sys_pidfd_config pidfd_spawn_set_inherit pidfd_spawn_child
__x64_sys_execve kernel_execveat bprm_execve begin_new_exec
load_elf_binary do_close_on_exec fd_install receive_fd replace_fd dup_fd_exec
handle_mm_fault mmput exit_mmap copy_page_range unmap_vmas free_pgtables
__x64_sys_exit_group do_exit exit_files release_task __x64_sys_waitid
__x64_sys_wait4 __x64_sys_rt_sigaction __x64_sys_rt_sigprocmask
__x64_sys_close __x64_sys_mmap __x64_sys_munmap schedule"

# Sum a function_graph trace (funcgraph-tail on): per function, calls and
# inclusive microseconds, divided by the number of spawns.
graph_sum() {
	awk -v label="$1" -v n="$2" -F'|' '
	NF >= 2 {
		text = $NF
		dur = $(NF - 1)
		gsub(/[^0-9.]/, "", dur)
		if (dur == "")
			next
		if (match(text, /\/\* [A-Za-z0-9_.]+ \*\//))
			f = substr(text, RSTART + 3, RLENGTH - 6)
		else if (match(text, /[A-Za-z0-9_.]+\(\);/))
			f = substr(text, RSTART, RLENGTH - 3)
		else
			next
		calls[f]++
		us[f] += dur
	}
	END {
		for (f in us)
			printf "ftrace\t%s\t%s\t%.1f\t%.3f\n", label, f,
			       calls[f] / n, us[f] / n
	}'
}

# usage: trace LABEL SPAWNBENCH-ARGS...   (3 traced spawns)
trace() {
	local label=$1 t=/sys/kernel/tracing
	shift
	log "ftrace $label: spawnbench $*"
	echo > $t/trace
	if "$sb" -T -n 3 -w 2 "$@" > /dev/null; then
		graph_sum "$label" 3 < $t/trace | sort -t$'\t' -k5,5nr \
			>> "$out/ftrace.tsv" || { log "ftrace $label: no summary"; failed=1; }
	else
		log "ftrace $label failed"
		failed=1
	fi
}

ftrace_all() {
	local t=/sys/kernel/tracing f

	[ -w $t/current_tracer ] || { log "no tracefs: no ftrace"; return; }
	printf 'ftrace\tlabel\tfunction\tcalls_per_spawn\tus_per_spawn\n' \
		> "$out/ftrace.tsv"
	echo 0 > $t/tracing_on
	echo function_graph > $t/current_tracer
	: > $t/set_ftrace_filter
	for f in $trace_funcs; do
		echo "$f" >> $t/set_ftrace_filter 2>/dev/null || true
	done
	echo 1 > $t/options/funcgraph-tail
	echo 1 > $t/options/funcgraph-proc
	echo 0 > $t/options/funcgraph-irqs
	echo 65536 > $t/buffer_size_kb
	trace "raw, 8 MiB, 3 fds" -m raw
	trace "lib_pidfd_spawn, 8 MiB, 3 fds" -m lib_pidfd_spawn
	trace "posix_spawn, 8 MiB, 3 fds" -m posix_spawn
	trace "vfork, 8 MiB, 3 fds" -m vfork
	trace "raw, 10000 cloexec fds" -f 10000 -m raw
	trace "posix_spawn, 10000 cloexec fds" -f 10000 -m posix_spawn
	trace "raw, 10000 inheritable fds" -f 10000 -i -m raw
	trace "posix_spawn, 10000 inheritable fds" -f 10000 -i -m posix_spawn
	echo nop > $t/current_tracer
	: > $t/set_ftrace_filter
	echo 1408 > $t/buffer_size_kb
}

# Request shapes, 8 MiB: closefrom(3) over inheritable fds, opened once
# per spawnbench run; the attributes; the ignored signals.
shapes() {
	local fds s

	for fds in 10 1000 10000; do
		bench -M 8 -f "$fds" -i -s closefrom -n "$reps_shape" -w "$w" \
			-m "$shaped"
	done
	for s in attrs_pgroup attrs_setsid sigignore; do
		bench -M 8 -s "$s" -n "$reps_shape" -w "$w" -m "$shaped"
	done
}

# The caller's system calls in each spawn call: syscount (ptrace) over
# spawnbench -Z, 3 spawns after 1 warm-up, pidfd_config (480) told apart
# by command and key.  The raw methods check the counter (base only).
syscounts() {
	local sc=$out/syscount.tsv err=/tmp/syscount.err a
	local lib=posix_spawn,lib_posix_spawn,lib_pidfd_spawn

	printf 'method\tmem_mib\tfds\tinherit\tshape\tspawns\tnr\tsyscall\tdetail\tcalls_per_spawn\n' \
		> "$sc"
	for a in "-s base -m $lib,raw,raw_nofds" "-s closefrom -f 10 -i -m $lib" \
		 "-s closefrom -f 10000 -i -m $lib" "-s attrs_pgroup -m $lib" \
		 "-s attrs_setsid -m $lib" "-s sigignore -m $lib"; do
		log "syscount: spawnbench -Z $a"
		# shellcheck disable=SC2086
		if ! "$bin/syscount" -a 480 -- "$sb" -Z -M 8 -n 3 -w 1 $a \
			>> "$sc" 2> "$err"; then
			log "syscount failed"
			sed 's/^/    /' "$err" >&2
			failed=1
		fi
	done
	rm -f "$err"
}

failed=0
case "$mode" in
icount|quick)
	if [ "$mode" = quick ]; then
		reps=20 reps_fork=5 reps_floor=10 chain=10
	fi
	reps_prof=$(( reps < 50 ? reps : 50 ))
	reps_shape=${reps_shape:-$(( reps / 2 ))}
	w=$(( reps < 10 ? 1 : 5 ))
	# Parent memory, 3 fds.  The exec floor at the base configuration.
	bench -H -M 8 -n "$reps" -w "$w" -m "$copying,$cheap"
	bench -M 8 -n "$reps_floor" -w 2 -k "$chain" -m exec_floor
	# The phases of one spawn; these result lines are not kept.
	log "spawnbench -p (phases)"
	"$sb" -p -M 8 -n "$reps_prof" -w 2 -m "$copying,$cheap" |
		grep '^profile' >> "$profile" || failed=1
	for mib in 256 1024; do
		bench -M "$mib" -n "$reps" -w "$w" -m "$cheap"
		bench -M "$mib" -n "$reps_fork" -w 2 -m "$copying"
	done
	# Descriptors, 8 MiB: close-on-exec, then inheritable.
	for fds in 1000 10000; do
		bench -M 8 -f "$fds" -n "$reps" -w "$w" -m "$copying,$cheap"
	done
	for fds in 1000 10000; do
		bench -M 8 -f "$fds" -i -n "$reps" -w "$w" \
			-m "$copying,$cheap"
	done
	shapes
	syscounts
	[ $ftrace = 0 ] || ftrace_all
	log "parked_mem"
	if "$bin/parked_mem" -H -n 1000 -r 3 > "$out/parked_mem.tsv"; then
		grep -v '^slab' "$out/parked_mem.tsv" | sed 's/^/    /' >&2
	else
		log "parked_mem failed"
		failed=1
	fi
	;;
smp)
	bench -H -M 8 -t 1 -n "$reps" -w 5 -m "$copying,$cheap"
	bench -M 8 -t 4 -n "$reps" -w 5 -m "$copying,$cheap"
	;;
*)
	echo "run.sh: unknown mode $mode" >&2
	exit 2
	;;
esac
rm -rf "$bin"
# The clock may have changed since the start (TSC watchdog under TCG).
printf 'clocksource_end\t%s\n' \
	"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null || echo ?)" \
	>> "$out/meta.tsv"

if [ $emit = 1 ]; then
	for f in "$out"/*.tsv; do
		echo "=== BEGIN $(basename "$f")"
		cat "$f"
		echo "=== END $(basename "$f")"
	done
fi
log "done"
exit $failed
