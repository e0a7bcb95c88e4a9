#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Runs the whole libpidfd_spawn test suite and prints one closing line,
# "pidfd_spawn: N passed, N failed".
#
#   tests/run.sh [BUILD_DIR]        (make test runs it with $(OUTPUT))
#
# 1. tests/spawn_test (linked with libpidfd_spawn.a), twice: with the path
#    detected at run time, and with PIDFD_SPAWN_FORCE_FALLBACK=1.  The
#    expectations are the same in both modes.  Then tests/new_path_test: the
#    CLONE_EMPTY path against a scripted kernel (any kernel).
# 2. Unmodified programs with LD_PRELOAD=libpidfd_spawn.so.1 and
#    PIDFD_SPAWN_DEBUG=1, checking from the debug lines that every spawn
#    went through the library and took the expected path:
#    - python3 os.posix_spawn() / os.posix_spawnp() with file actions and
#      attributes;
#    - python3 subprocess: it calls posix_spawn() only for an executable
#      given with a directory, close_fds=False, no cwd, no preexec_fn, no
#      new session and standard streams that are not 0-2 inside the child
#      (Lib/subprocess.py, _USE_POSIX_SPAWN); with the default close_fds=True
#      it uses _posixsubprocess (vfork/exec) and never reaches posix_spawn(),
#      which is checked too;
#    - GNU make -j: make 4.3 as built by Debian imports posix_spawn@GLIBC_2.15
#      (nm -D /usr/bin/make) and starts every recipe with it, directly or
#      through /bin/sh -c;
#    - tests/old_abi (x86-64), a program bound to posix_spawn@GLIBC_2.2.5 and
#      posix_spawnp@GLIBC_2.2.5, which run a script without "#!" with
#      /bin/sh: its results must be glibc's.
# 3. The symbols libpidfd_spawn.so.1 exports: the list in
#    libpidfd_spawn.map and, on x86-64, glibc's two versions of posix_spawn
#    and posix_spawnp (needs readelf).
#
# EXPECT_PATH=clone_empty|fallback is the path the library must take when
# not forced (default: fallback, what a kernel without CLONE_EMPTY gives).
# With PIDFD_SPAWN_FORCE_FALLBACK=1 in the environment only the forced mode
# runs.

BUILD=${1:-$(dirname "$0")/..}
BUILD=$(cd "$BUILD" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
LIB=$BUILD/libpidfd_spawn.so.1
EXPECT_PATH=${EXPECT_PATH:-fallback}
PYTHON=${PYTHON:-python3}
MAKE_PROG=${MAKE_PROG:-make}

passed=0
failed=0
n=0

ok() {
	n=$((n + 1))
	passed=$((passed + 1))
	echo "ok $n - $*"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $*"
}

check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Runs a C test program (spawn_test unless "- PROGRAM" follows the mode)
# with the given environment and adds its counts.
run_c_suite() {
	mode=$1
	shift
	prog=$BUILD/tests/spawn_test
	if [ "${1:-}" = - ]; then
		prog=$2
		shift 2
	fi
	echo "# $(basename "$prog"), $mode"
	log=$(mktemp)
	env "$@" "$prog" > "$log" 2>&1
	rc=$?
	sed 's/^/    /' "$log"
	line=$(grep '^# pidfd_spawn [^:]*: [0-9]* passed' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
	rm -f "$log"
	if [ -z "$p" ] || [ -z "$f" ]; then
		not_ok "$(basename "$prog") ($mode) ran to completion (exit $rc)"
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	# Its cases are counted above; only a bad exit status adds a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		not_ok "$(basename "$prog") ($mode) exit status $rc"
	fi
}

# Counts the debug lines of $1 that say path=$2, and all of them.
count_path() {
	grep -c "^pidfd_spawn: path=$2\( \|\$\)" "$1"
}

count_all() {
	grep -c '^pidfd_spawn: path=' "$1"
}

# Every spawn of $1 (at least $3 of them) took path $2.
all_took() {
	total=$(count_all "$1")
	good=$(count_path "$1" "$2")
	if [ "$total" -ge "$3" ] && [ "$good" -eq "$total" ]; then
		return 0
	fi
	echo "# expected >= $3 spawns, all path=$2; got $good of $total:"
	sed 's/^/#   /' "$1"
	return 1
}

PY_SPAWN='
import os, signal, sys, tempfile
probe = sys.argv[1]
d = tempfile.mkdtemp()
out = os.path.join(d, "out")
env = {"A": "1"}

def run(fn, path, args, **kw):
    pid = fn(path, args, env, **kw)
    _, st = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(st)

# file actions: dup2 from the caller, close, open; the child writes its
# args to "out" (only actions the CLONE_EMPTY path expresses directly)
fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
fa = [(os.POSIX_SPAWN_DUP2, fd, 1),
      (os.POSIX_SPAWN_CLOSE, fd),
      (os.POSIX_SPAWN_OPEN, 7, os.path.join(d, "other"),
       os.O_WRONLY | os.O_CREAT, 0o600)]
assert run(os.posix_spawn, probe, ["probe", "args", "x"], file_actions=fa) == 0
os.close(fd)
assert open(out).read() == "argc=3\nargv[0]=probe\nargv[1]=args\nargv[2]=x\n"
os.unlink(os.path.join(d, "other"))

# environment
fa = [(os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_TRUNC, 0)]
assert run(os.posix_spawn, probe, ["probe", "env"], file_actions=fa) == 0
assert open(out).read() == "env=A=1\nenvc=1\n"

# attributes: setsid, setsigmask, setsigdef
assert run(os.posix_spawn, probe, ["probe", "ids"], file_actions=fa,
           setsid=True) == 0
assert "sid=self" in open(out).read()
assert run(os.posix_spawn, probe, ["probe", "signals"], file_actions=fa,
           setsigmask=[signal.SIGUSR1], setsigdef=[signal.SIGPIPE]) == 0
assert "blocked: %d\n" % signal.SIGUSR1 in open(out).read()

# posix_spawnp, errors
os.environ["PATH"] = os.path.dirname(probe)
assert run(os.posix_spawnp, "probe", ["probe", "exit", "3"]) == 3
try:
    os.posix_spawn(os.path.join(d, "missing"), ["x"], env)
    raise SystemExit("no error")
except FileNotFoundError:
    pass
os.unlink(out)
os.rmdir(d)
print("python posix_spawn OK")
'

PY_SUBPROCESS='
import subprocess, sys
mode = sys.argv[1]
if mode == "spawn":
    r = subprocess.run(["/bin/echo", "hello"], close_fds=False,
                       stdout=subprocess.PIPE)
else:
    r = subprocess.run(["/bin/echo", "hello"], stdout=subprocess.PIPE)
assert r.returncode == 0 and r.stdout == b"hello\n", r
print("python subprocess OK")
'

# tests/old_abi with glibc, then with the library: the same lines.
run_old_abi() {
	mode=$1
	expect=$2
	tmp=$3
	shift 3
	mkdir "$tmp/oa-glibc" "$tmp/oa-lib"
	env "$@" "$BUILD/tests/old_abi" "$tmp/oa-glibc" > "$tmp/oa-glibc.out" 2>&1
	env "$@" PIDFD_SPAWN_DEBUG=1 LD_PRELOAD="$LIB" \
		"$BUILD/tests/old_abi" "$tmp/oa-lib" > "$tmp/oa.out" 2> "$tmp/oa.err"
	check "old binary: posix_spawn@GLIBC_2.2.5 runs a script without #! with sh ($mode)" \
		grep -qx 'posix_spawn@GLIBC_2.2.5: ret=0 status=0 out=ran 2 a b c' "$tmp/oa.out"
	check "old binary: posix_spawnp@GLIBC_2.2.5 too ($mode)" \
		grep -qx 'posix_spawnp@GLIBC_2.2.5: ret=0 status=0 out=ran 1 a' "$tmp/oa.out"
	check "old binary: posix_spawn@@GLIBC_2.15 returns ENOEXEC ($mode)" \
		grep -qx 'posix_spawn: ret=8 status=-1 out=' "$tmp/oa.out"
	if ! cmp -s "$tmp/oa-glibc.out" "$tmp/oa.out"; then
		echo "# glibc:"
		sed 's/^/#   /' "$tmp/oa-glibc.out"
		echo "# lib:"
		sed 's/^/#   /' "$tmp/oa.out"
	fi
	check "old binary: same results as glibc ($mode)" \
		cmp -s "$tmp/oa-glibc.out" "$tmp/oa.out"
	check "old binary: every spawn through the library, path=$expect ($mode)" \
		all_took "$tmp/oa.err" "$expect" 6
}

# The exported functions are the API of libpidfd_spawn.map; on x86-64
# (where tests/old_abi is built), posix_spawn and posix_spawnp have glibc's
# two versions, GLIBC_2.15 the default.
check_exports() {
	syms=$(readelf --dyn-syms -W "$LIB" |
		awk '$4 == "FUNC" && $5 != "LOCAL" && $7 != "UND" { print $8 }')
	want=$(sed -n 's/^[[:space:]]*\([a-z_0-9]*\);$/\1/p' \
		"$SRC/libpidfd_spawn.map" | sort)
	got=$(echo "$syms" | sed 's/@.*//' | sort -u)
	if [ "$want" != "$got" ]; then
		echo "# exported: $got" | tr '\n' ' '
		echo
		return 1
	fi
	[ ! -x "$BUILD/tests/old_abi" ] && return 0
	for v in posix_spawn@@GLIBC_2.15 posix_spawn@GLIBC_2.2.5 \
		 posix_spawnp@@GLIBC_2.15 posix_spawnp@GLIBC_2.2.5; do
		echo "$syms" | grep -qx "$v" || { echo "# no $v"; return 1; }
	done
}

run_preload_suite() {
	mode=$1
	expect=$2
	shift 2
	tmp=$(mktemp -d)

	echo "# LD_PRELOAD tests, $mode, expecting path=$expect"
	if command -v "$PYTHON" > /dev/null 2>&1; then
		env "$@" PIDFD_SPAWN_DEBUG=1 LD_PRELOAD="$LIB" \
			"$PYTHON" -c "$PY_SPAWN" "$BUILD/tests/probe" \
			> "$tmp/py.out" 2> "$tmp/py.err"
		check "python os.posix_spawn ($mode)" \
			grep -q 'python posix_spawn OK' "$tmp/py.out"
		check "python os.posix_spawn went through the library, path=$expect ($mode)" \
			all_took "$tmp/py.err" "$expect" 6

		env "$@" PIDFD_SPAWN_DEBUG=1 LD_PRELOAD="$LIB" \
			"$PYTHON" -c "$PY_SUBPROCESS" spawn \
			> "$tmp/sp.out" 2> "$tmp/sp.err"
		check "python subprocess close_fds=False ($mode)" \
			grep -q 'python subprocess OK' "$tmp/sp.out"
		check "python subprocess close_fds=False uses posix_spawn, path=$expect ($mode)" \
			all_took "$tmp/sp.err" "$expect" 1

		env "$@" PIDFD_SPAWN_DEBUG=1 LD_PRELOAD="$LIB" \
			"$PYTHON" -c "$PY_SUBPROCESS" default \
			> "$tmp/sd.out" 2> "$tmp/sd.err"
		check "python subprocess default: works, does not call posix_spawn ($mode)" \
			test "$(cat "$tmp/sd.out")" = "python subprocess OK" -a \
			"$(count_all "$tmp/sd.err")" -eq 0
	else
		echo "# $PYTHON not found: python tests skipped"
	fi

	if [ -x "$BUILD/tests/old_abi" ]; then
		run_old_abi "$mode" "$expect" "$tmp" "$@"
	fi

	if command -v "$MAKE_PROG" > /dev/null 2>&1; then
		mkdir "$tmp/proj"
		# shellcheck disable=SC2016 # make's variables, not the shell's
		printf '%s\n' 'TARGETS := t1 t2 t3 t4 t5 t6 t7 t8' \
			'all: result' \
			'result: $(TARGETS)' \
			'	cat $(TARGETS) > $@' \
			't%:' \
			'	echo target $@ > $@' > "$tmp/proj/Makefile"
		env "$@" PIDFD_SPAWN_DEBUG=1 LD_PRELOAD="$LIB" \
			"$MAKE_PROG" -s -j4 -C "$tmp/proj" \
			> "$tmp/make.out" 2> "$tmp/make.err"
		check "make -j4 builds the project ($mode)" \
			test "$(wc -l < "$tmp/proj/result" 2>/dev/null)" = 8
		check "make -j4 spawns every recipe through the library, path=$expect ($mode)" \
			all_took "$tmp/make.err" "$expect" 9
	else
		echo "# $MAKE_PROG not found: make test skipped"
	fi
	rm -rf "$tmp"
}

if [ ! -x "$BUILD/tests/spawn_test" ] || [ ! -x "$BUILD/tests/new_path_test" ] ||
   [ ! -e "$LIB" ]; then
	echo "run.sh: build first (make tests)" >&2
	exit 2
fi

case "${PIDFD_SPAWN_FORCE_FALLBACK:-0}" in
0 | "")
	run_c_suite "auto, EXPECT_PATH=$EXPECT_PATH" EXPECT_PATH="$EXPECT_PATH"
	run_preload_suite auto "$EXPECT_PATH"
	;;
esac
# PIDFD_SPAWN_TEST_ONLY_AUTO=1 stops here: the guest run of make check
# checks the CLONE_EMPTY path, the host run the rest.
if [ "${PIDFD_SPAWN_TEST_ONLY_AUTO:-0}" != 1 ]; then
	run_c_suite "PIDFD_SPAWN_FORCE_FALLBACK=1" PIDFD_SPAWN_FORCE_FALLBACK=1
	run_preload_suite forced fallback PIDFD_SPAWN_FORCE_FALLBACK=1

	# The CLONE_EMPTY path against a scripted kernel: the same anywhere.
	run_c_suite "new path, scripted kernel" - "$BUILD/tests/new_path_test"

	if command -v readelf > /dev/null 2>&1; then
		check "libpidfd_spawn.so.1 exports the API, posix_spawn in glibc's versions" \
			check_exports
	else
		echo "# readelf not found: exported symbols not checked"
	fi
fi

echo "1..$n"
echo "pidfd_spawn: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
