#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check the output of the pidfd_spawn samples; TAP on stdout.
#
# The only argument is the directory that holds the built samples.
#
# Needs a kernel with CLONE_EMPTY: elsewhere it prints "1..0 # SKIP".  The
# container tests need root (they are skipped otherwise) and the
# leftover-process checks python3: the jobs runner is run under a child
# subreaper, so that any job it leaves behind, zombie or alive, becomes a
# child of the checker when it exits.  Exits 0 when every test passes.
#
# The conditions given to check() are single-quoted: check() evaluates them.
# shellcheck disable=SC2016,SC2034
set -u

dir=$(cd "${1:?usage: ${0##*/} DIR}" && pwd) || exit 1
tmp=$(mktemp -d /tmp/pidfd_spawn_samples.XXXXXX) || exit 1
cgroup=
cleanup() {
	[ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	# Diagnostics: the files named, indented.
	for f in "$@"; do
		[ -f "$f" ] && sed "s/^/#   ${f##*/}: /" "$f" | head -n 40
	done
}
# check DESC CONDITION-COMMAND [FILE...]: FILEs are shown on failure.
check() {
	local desc=$1 cond=$2
	shift 2
	if eval "$cond"; then ok "$desc"; else not_ok "$desc" "$@"; fi
}

# The probe: clone3(CLONE_EMPTY | CLONE_PIDFD).  Where it works, closing the
# builder kills the empty process, which is then reaped.
cat > "$tmp/probe.py" <<'EOF'
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
pidfd = ctypes.c_int(-1)
# struct clone_args, CLONE_ARGS_SIZE_VER2: flags, pidfd, child_tid,
# parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
# cgroup.
args = ctypes.create_string_buffer(struct.pack(
    '11Q', (1 << 38) | 0x1000, ctypes.addressof(pidfd), 0, 0, 17,
    0, 0, 0, 0, 0, 0), 88)
pid = libc.syscall(435, args, ctypes.c_size_t(88))
if pid < 0:
    e = ctypes.get_errno()
    print(errno.errorcode.get(e, str(e)))
    sys.exit(2 if e in (errno.EINVAL, errno.ENOSYS, errno.E2BIG) else 1)
os.close(pidfd.value)
os.waitpid(pid, 0)
EOF

# reaper.py SIGINT_AFTER INPUT OUTPUT CMD...: run CMD as a child subreaper
# (SIGINT after that many seconds if not 0), then report how it ended and
# what it left: "rc=N elapsed=S zombies=N live=N [pid:comm...]".
cat > "$tmp/reaper.py" <<'EOF'
import ctypes, os, signal, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0):		# PR_SET_CHILD_SUBREAPER
    sys.exit('prctl(PR_SET_CHILD_SUBREAPER) failed')
delay = float(sys.argv[1])
with open(sys.argv[2]) as fin, open(sys.argv[3], 'w') as fout:
    p = subprocess.Popen(sys.argv[4:], stdin=fin, stdout=fout,
                         stderr=subprocess.STDOUT)
    start = time.monotonic()
    if delay:
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        start = time.monotonic()
    try:
        rc = p.wait(timeout=300)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = 'timeout'
elapsed = time.monotonic() - start
zombies, live = 0, []
while True:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid:
        zombies += 1
        continue
    me = os.getpid()
    for d in filter(str.isdigit, os.listdir('/proc')):
        try:
            stat = open(f'/proc/{d}/stat').read()
        except OSError:
            continue
        if int(stat[stat.rindex(')') + 2:].split()[1]) == me:
            live.append(d + ':' + stat[stat.index('(') + 1:stat.rindex(')')])
    for entry in live:
        os.kill(int(entry.split(':')[0]), signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    break
print(f'rc={rc} elapsed={elapsed:.1f} zombies={zombies} live={len(live)}',
      *live)
EOF

probe=$(python3 "$tmp/probe.py" 2>&1)
case $? in
0) ;;
2) echo "1..0 # SKIP kernel lacks CLONE_EMPTY (clone3: $probe)"; exit 0 ;;
*) echo "1..0 # SKIP probe failed: $probe"; exit 1 ;;
esac

echo "1..19"
T="timeout -k 5 120"
sh=/bin/sh
readlink=$(command -v readlink)
cat=$(command -v cat)

# ---- spawn_minimal ----------------------------------------------------------
out=$tmp/out err=$tmp/err
$T "$dir/spawn_minimal" /bin/echo hello >"$out" 2>"$err"
rc=$?
check "spawn_minimal: /bin/echo hello prints hello" \
	'[ $rc = 0 ] && [ "$(cat "$out")" = hello ]' "$out" "$err"

$T "$dir/spawn_minimal" $sh -c 'exit 7' >"$out" 2>"$err"
rc=$?
check "spawn_minimal: the exit status is propagated (sh -c 'exit 7' -> $rc)" \
	'[ $rc = 7 ]' "$out" "$err"

$T "$dir/spawn_minimal" $sh -c 'kill -TERM $$' >"$out" 2>"$err"
rc=$?
check "spawn_minimal: death by SIGTERM gives 128 + 15 (got $rc)" \
	'[ $rc = 143 ]' "$out" "$err"

$T "$dir/spawn_minimal" /nonexistent/program >"$out" 2>"$err"
rc=$?
check "spawn_minimal: a missing program fails the commit with ENOENT, exit 127" \
	'[ $rc = 127 ] && grep -q "program: No such file or directory" "$err"' \
	"$out" "$err"

$T "$dir/spawn_minimal" -v /bin/echo verbose >"$out" 2>"$err"
rc=$?
check "spawn_minimal -v: the parked process: no memory, no cmdline, parked then committed" \
	'[ $rc = 0 ] && grep -q "no VmSize line" "$err" &&
	 grep -q "cmdline: 0 bytes" "$err" &&
	 grep -q "PidfdBuilder:.parked" "$err" &&
	 grep -q "PidfdBuilder:.committed" "$err" &&
	 [ "$(cat "$out")" = verbose ]' "$out" "$err"

# ---- spawn_capture ----------------------------------------------------------
$T "$dir/spawn_capture" $sh -c 'echo to-out; echo to-err >&2; echo more-out; exit 3' \
	>"$out" 2>"$err"
rc=$?
check "spawn_capture: stdout and stderr are captured apart, status 3" \
	'[ $rc = 3 ] &&
	 [ "$(grep "^stdout: " "$out")" = "$(printf "stdout: to-out\nstdout: more-out")" ] &&
	 [ "$(grep "^stderr: " "$out")" = "stderr: to-err" ] &&
	 grep -qx "status: exited 3" "$out"' "$out" "$err"

$T "$dir/spawn_capture" -v /nonexistent/program >"$out" 2>"$err"
rc=$?
check "spawn_capture: a missing program is ENOENT from the commit, no exit status" \
	'[ $rc = 127 ] &&
	 grep -q "^spawn_capture: /nonexistent/program: No such file or directory" "$err" &&
	 grep -q "PidfdBuilder:.exec-failed" "$err" &&
	 ! grep -q "^status:" "$out"' "$out" "$err"

# A PATH of three entries: a file (ENOTDIR), a directory holding a
# non-executable "prog" (EACCES), and the directory that has it.
p=$tmp/path
mkdir -p "$p/d2" "$p/d3"
: > "$p/d1"
printf '#!/bin/sh\necho "not me"\n' > "$p/d2/prog"
printf '#!/bin/sh\necho "found in d3, pid $$"\n' > "$p/d3/prog"
chmod 644 "$p/d2/prog"
chmod 755 "$p/d3/prog"
$T env PATH="$p/d1:$p/d2:$p/d3" "$dir/spawn_capture" -v prog >"$out" 2>"$err"
rc=$?
pid=$(sed -n 's/^tried 3 candidates, 1 process (pid \([0-9]*\))$/\1/p' "$err")
check "spawn_capture: the PATH search finds prog in the 3rd directory, 3 candidates, 1 process" \
	'[ $rc = 0 ] && [ -n "$pid" ] &&
	 grep -qx "stdout: found in d3, pid $pid" "$out" &&
	 grep -q "d1/prog\": Not a directory" "$err" &&
	 grep -q "d2/prog\": Permission denied" "$err"' "$out" "$err"

$T env PATH="$p/d1:$p/d2" "$dir/spawn_capture" -v prog >"$out" 2>"$err"
rc=$?
check "spawn_capture: no executable candidate: EACCES as execvp() reports it, exit 126" \
	'[ $rc = 126 ] && grep -q "tried 2 candidates, 1 process" "$err" &&
	 grep -q "^spawn_capture: prog: Permission denied" "$err"' "$out" "$err"

# ---- spawn_container --------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	for t in "pid 1" "new namespaces" "UTS isolation" "cgroup"; do
		skip "spawn_container: $t" "needs root"
	done
else
	$T "$dir/spawn_container" $sh -c 'echo $$' >"$out" 2>"$err"
	rc=$?
	check "spawn_container: the program runs as pid 1" \
		'[ $rc = 0 ] && [ "$(cat "$out")" = 1 ]' "$out" "$err"

	ns="/proc/self/ns/pid /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/mnt"
	$T "$dir/spawn_container" -v $sh -c "$readlink $ns" >"$out" 2>"$err"
	rc=$?
	# shellcheck disable=SC2086 # $ns is a list
	ours=$($readlink $ns)
	same=$(printf '%s\n' "$ours" | grep -cxF -f - "$out")
	check "spawn_container: pid, uts, ipc and mnt namespaces all differ from ours" \
		'[ $rc = 0 ] && [ "$(wc -l < "$out")" = 4 ] && [ "$same" = 0 ] &&
		 [ "$(grep -c "(new)$" "$err")" = 4 ]' "$out" "$err"

	before=$(cat /proc/sys/kernel/hostname)
	$T "$dir/spawn_container" $sh -c \
		'echo box > /proc/sys/kernel/hostname && cat /proc/sys/kernel/hostname' \
		>"$out" 2>"$err"
	rc=$?
	check "spawn_container: a hostname set inside ('box') leaves ours ('$before')" \
		'[ $rc = 0 ] && [ "$(cat "$out")" = box ] &&
		 [ "$(cat /proc/sys/kernel/hostname)" = "$before" ]' "$out" "$err"

	if [ -f /sys/fs/cgroup/cgroup.procs ] &&
	   mkdir "/sys/fs/cgroup/spawn_sample.$$" 2>/dev/null; then
		cgroup=/sys/fs/cgroup/spawn_sample.$$
		$T "$dir/spawn_container" -c "$cgroup" "$cat" /proc/self/cgroup \
			>"$out" 2>"$err"
		rc=$?
		check "spawn_container -c: the program starts in the cgroup" \
			'[ $rc = 0 ] && grep -qx "0::/spawn_sample.$$" "$out"' \
			"$out" "$err"
		rmdir "$cgroup" && cgroup=
	else
		skip "spawn_container -c: the program starts in the cgroup" \
			"no writable cgroup2 at /sys/fs/cgroup"
	fi
fi

# ---- jobrunner --------------------------------------------------------------
in=$tmp/in
enoent="No such file or directory"
reaper() { python3 "$tmp/reaper.py" "$@"; }

yes true | head -n 500 > "$in"
r=$(reaper 0 "$in" "$out" "$dir/jobrunner" -P 16)
check "jobrunner -P 16: 500 'true' jobs, 500 ok ($r)" \
	'[ "${r%% *}" = rc=0 ] &&
	 [ "$(tail -n 1 "$out")" = "jobs: 500 ok, 0 failed, 0 exec-errors" ] &&
	 [ "$(grep -c "^job [0-9]* pid [0-9]* exited 0$" "$out")" = 500 ]' \
	"$out"
check "jobrunner: no zombie and no process left after 500 jobs" \
	'[[ "$r" = *" zombies=0 live=0" ]]'

{
	for i in $(seq 1 25); do
		case $((i % 5)) in
		0) echo "no-such-program-$i --flag" ;;
		3) if [ "$i" -le 13 ]; then echo false; else echo true; fi ;;
		*) echo true ;;
		esac
	done
} > "$in"
r=$(reaper 0 "$in" "$out" "$dir/jobrunner" -P 4)
check "jobrunner: 5 missing programs are 5 exec-errors, reported at spawn ($r)" \
	'[ "${r%% *}" = rc=1 ] &&
	 [ "$(tail -n 1 "$out")" = "jobs: 17 ok, 3 failed, 5 exec-errors" ] &&
	 [ "$(grep -c "^job [0-9]* failed to exec: $enoent (no-such-program-[0-9]*)$" "$out")" = 5 ] &&
	 [[ "$r" = *" zombies=0 live=0" ]]' "$out"

printf '%s\n' 'echo shell says $((6 * 7))' 'exit 4' '' 'kill -KILL $$' > "$in"
r=$(reaper 0 "$in" "$out" "$dir/jobrunner" -c -P 2)
check "jobrunner -c: lines run by /bin/sh -c ($r)" \
	'[ "${r%% *}" = rc=1 ] && grep -qx "shell says 42" "$out" &&
	 grep -q "^job 2 pid [0-9]* exited 4$" "$out" &&
	 grep -q "^job 4 pid [0-9]* killed by signal 9 " "$out" &&
	 [ "$(tail -n 1 "$out")" = "jobs: 1 ok, 2 failed, 0 exec-errors" ]' "$out"

yes "sleep 100" | head -n 50 > "$in"
r=$(reaper 1 "$in" "$out" "$dir/jobrunner" -P 50)
elapsed=$(echo "$r" | sed -n 's/.* elapsed=\([0-9]*\)\..*/\1/p')
check "jobrunner: SIGINT after 1 s stops 50 'sleep 100' jobs, exit 130 (${elapsed:-?} s)" \
	'[ "${r%% *}" = rc=130 ] && [ -n "$elapsed" ] && [ "$elapsed" -lt 10 ] &&
	 grep -q "^jobs: 0 ok, [1-9][0-9]* failed, 0 exec-errors$" "$out" &&
	 [ "$(grep -c " killed by signal 15 " "$out")" = "$(tail -n 1 "$out" | cut -d" " -f4)" ]' \
	"$out"
sleeps=$(pgrep -cfx 'sleep 100')
check "jobrunner: after SIGINT no zombie, no surviving sleep ($r, 'sleep 100' processes: $sleeps)" \
	'[[ "$r" = *" zombies=0 live=0" ]] && [ $sleeps = 0 ]'

[ $n = 19 ] || { echo "# ran $n tests, planned 19"; exit 1; }
[ $failed = 0 ]
