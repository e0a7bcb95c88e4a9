#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A guided tour of clone3(CLONE_EMPTY) and pidfd_config(), step by step,
# with the samples.  "make demo" runs it in a guest booted on the patched
# kernel; it runs anywhere the kernel has CLONE_EMPTY (as root, for the
# container step).
#
# The only argument is the directory that holds the built samples.
#
# Shell code for the programs is single-quoted on purpose.
# shellcheck disable=SC2016
set -u

dir=$(cd "${1:?usage: ${0##*/} DIR}" && pwd) || exit 1
tmp=$(mktemp -d /tmp/pidfd_spawn_tour.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
PATH=$dir:$PATH
step=0

# title TEXT: a new step.
title() {
	step=$((step + 1))
	printf '\n== %d. %s ==\n' "$step" "$*"
}

# say TEXT...: explanation, one line per argument.
say() {
	printf '   %s\n' "$@"
}

# show CMD...: print a command line as one would type it (samples by name).
show() {
	local a line=

	for a in "$@"; do
		a=${a//$dir\//}
		case $a in
		"<") ;;
		*[!A-Za-z0-9_/.:=,+-]*) a="'${a//\'/\'\\\'\'}'" ;;
		esac
		line+=" $a"
	done
	printf '\n$%s\n' "$line"
}

# run CMD...: show the command, run it, show its exit status.
run() {
	local rc

	show "$@"
	"$@" 2>&1
	rc=$?
	printf '(exit status %d)\n' "$rc"
	return $rc
}

# as run, with the standard input from a file: run_in FILE CMD...
run_in() {
	local in=$1 line rc

	shift
	show "$@" "<" "${in##*/}"
	while IFS= read -r line; do
		printf '     | %s\n' "$line"
	done < "$in"
	"$@" < "$in" 2>&1
	rc=$?
	printf '(exit status %d)\n' "$rc"
}

printf 'CLONE_EMPTY and pidfd_config() on Linux %s\n' \
	"$(< /proc/sys/kernel/osrelease)"
say "Each step runs a sample program of samples/pidfd_spawn/; their" \
    "comments explain the code."

title "An empty process, configured key by key"
say "clone3(CLONE_EMPTY | CLONE_PIDFD) creates a process that has no memory," \
    "no open file and runs no code: /proc shows no VmSize line and an empty" \
    "cmdline, and the fdinfo of the pidfd says it is a parked builder." \
    "pidfd_config() sets exe, argv and fds 0-2; CMD_EXEC commits it."
run spawn_minimal -v /bin/echo "hello from an empty process"
if [ $? = 125 ]; then
	echo "tour: stopped: this kernel cannot create empty processes" >&2
	exit 1
fi

title "A commit of a missing program fails, synchronously"
say "The commit itself returns -1 with errno ENOENT: no child exit status" \
    "127 to decode, no error pipe.  The process stays parked: it is" \
    "aborted and reaped."
run spawn_minimal -v /no/such/program

title "Retry on the same process: a failed exec can be committed again"
say "After a failed exec only exe, argv and envp may change.  spawn_capture" \
    "sets exe to each candidate of PATH in turn and commits again: the" \
    "first fails with ENOENT (the builder says exec-failed), the second runs."
run env PATH=/no/such/dir:/usr/bin:/bin "$dir/spawn_capture" -v echo retried

title "popen() done right: stdout and stderr through two pipes"
say "fd 0 is opened on /dev/null by the child at commit; fds 1 and 2 are" \
    "the write ends of two pipes, closed in the caller as soon as they are" \
    "handed over, so end of file comes exactly when the program is gone."
run spawn_capture sh -c 'echo to stdout; echo to stderr >&2; exit 3'

title "A PATH search: ENOTDIR, EACCES, found, in one process"
umask 022
mkdir d2 d3
: > d1
printf '#!/bin/sh\necho never\n' > d2/prog
printf '#!/bin/sh\necho "prog from d3 runs as pid $$"\n' > d3/prog
chmod 755 d3/prog
say "PATH=d1:d2:d3 (relative to the working directory) where d1 is a file," \
    "d2/prog is not executable and d3/prog is a script.  The kernel" \
    "resolves each candidate in the child, with its working directory and" \
    "credentials, as it executes it: no access() check that can go stale."
run env PATH=d1:d2:d3 "$dir/spawn_capture" -v prog

title "A container init: new namespaces, and no code of ours in the child"
say "The parked process is created in new PID, mount, UTS and IPC" \
    "namespaces; the program is the first code it runs, as pid 1."
if [ "$(id -u)" = 0 ]; then
	inside='h=/proc/sys/kernel/hostname; read -r n < $h'
	inside+='; echo "inside: pid $$, hostname $n"; echo box > $h'
	inside+='; read -r n < $h; echo "inside: hostname now $n"'
	run spawn_container -v /bin/sh -c "$inside"
	say "outside: hostname still $(< /proc/sys/kernel/hostname)"
else
	say "(skipped: creating namespaces needs root)"
fi

title "A job runner: many processes, one io_uring"
say "jobrunner polls every job's pidfd, stdin and a signalfd on one ring." \
    "A missing program is an exec error at spawn time, not a job."
printf '%s\n' "sleep 0.3" "true" "false" "no-such-tool --help" \
	"sh -c exit" > jobs.txt
run_in jobs.txt jobrunner -P 3
printf '%s\n' 'echo "a shell line, $((6 * 7))"' 'exit 5' > jobs.txt
run_in jobs.txt jobrunner -c

title "Ctrl-C: stopping a run"
say "4 'sleep 100' jobs, SIGINT after 1 s.  Each job gets SIGTERM through" \
    "its pidfd, is reaped, and the runner exits 130."
printf 'sleep 100\n%.0s' 1 2 3 4 > jobs.txt
printf '\n$ jobrunner -P 4 < jobs.txt & sleep 1; kill -INT $!\n'
jobrunner -P 4 < jobs.txt 2>&1 &
pid=$!
sleep 1
kill -INT $pid
wait $pid
printf '(exit status %d)\n' $?
say "'sleep 100' processes left: $(pgrep -cfx 'sleep 100')"

printf '\nEnd of the tour.\n'
