#!/bin/bash
# make check-arm64: the pidfd_spawn selftests on a second architecture.
#
# Cross-builds an arm64 kernel from the same assembled tree (tinyconfig +
# common.config + arm64.config: no debug options) with Debian's
# gcc-aarch64-linux-gnu, the pidfd_spawn selftests and a small init
# (harness/arm64/init.c), all statically linked, packs them into an
# initramfs, boots it with qemu-system-aarch64 -M virt -cpu max (TCG), and
# reports the TAP with make check's closing line.  The console is scanned
# for kernel reports as run-guest does; a report fails the run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
obj=$build/obj-arm64
ks=$build/kselftest-arm64
logs=$build/logs-arm64
start=$(date +%s)
step() { echo "== $* ($(( $(date +%s) - start ))s)"; }
fail() { echo "check-arm64: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

step "dependencies"
"$here/deps.sh" arm64 || fail "missing packages"
step "assemble the kernel tree"
"$here/assemble.sh" "$build" || fail "assembly failed"
step "build the arm64 kernel"
"$here/build-kernel.sh" "$build" arm64 || fail "kernel build failed"

step "build the selftests and init (aarch64, static)"
rm -rf "$ks" "$logs"
mkdir -p "$ks/tests" "$logs"
make -s -C "$build/src/tools/testing/selftests/pidfd_spawn" ARCH=arm64 \
	CROSS_COMPILE=aarch64-linux-gnu- LDFLAGS=-static \
	OUTPUT="$ks/tests" KHDR_INCLUDES="-isystem $obj/usr/include" all \
	>"$logs/build.log" 2>&1 || { tail -20 "$logs/build.log"; fail "selftest build failed"; }
tests=$(make -s --no-print-directory -C "$build/src/tools/testing/selftests/pidfd_spawn" \
	OUTPUT="$ks/tests" -f Makefile -f "$here/print-tests.mk" print-tests |
	xargs -n1 basename)
for t in $tests; do
	file "$ks/tests/$t" | grep -q 'ARM aarch64.*statically linked' ||
		fail "$t is not a static aarch64 program"
done
echo "$tests" > "$ks/tests/list"
aarch64-linux-gnu-gcc -O2 -Wall -static -o "$ks/init" "$here/arm64/init.c" ||
	fail "init build failed"
{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	for d in proc sys tmp run tests; do echo "dir /$d 755 0 0"; done
	echo "file /init $ks/init 755 0 0"
	for f in $(ls "$ks/tests"); do
		echo "file /tests/$f $ks/tests/$f 755 0 0"
	done
} > "$ks/initramfs.list"
"$obj/usr/gen_init_cpio" "$ks/initramfs.list" > "$ks/initramfs.cpio" ||
	fail "initramfs failed"

step "guest: qemu-system-aarch64 -M virt -cpu max -smp 2 (TCG)"
log=$logs/console.log
timeout -k 10 3000 qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on \
	-accel tcg -smp 2 -m 2G -nographic -no-reboot -nodefaults \
	-serial "file:$log" -monitor none \
	-kernel "$obj/arch/arm64/boot/Image" -initrd "$ks/initramfs.cpio" \
	-append "console=ttyAMA0 rdinit=/init panic=-1 oops=panic" </dev/null
qrc=$?
extra=0
[ $qrc = 0 ] || { echo "FAILED: QEMU exited $qrc"; extra=1; }
tr -d '\r' < "$log" | sed -n '/^### suite /,$p' > "$logs/tap.log"
grep -q '^init: done' "$log" || { echo "FAILED: the guest did not finish its list"; extra=1; }
cat "$logs/tap.log" | grep -v '^init: done'

pat='BUG:|WARNING:|Kernel panic|Oops|general protection fault|'
pat+='Unable to handle kernel|Internal error:|UBSAN:|'
pat+='list_add corruption|list_del corruption|soft lockup|INFO: task .* blocked'
if grep -Eq "$pat" "$log"; then
	echo "FAILED: kernel report on the console ($log):"
	grep -En -m1 "$pat" "$log"
	first=$(grep -En -m1 "$pat" "$log" | cut -d: -f1)
	sed -n "$((first > 5 ? first - 5 : 1)),$((first + 40))p" "$log" | sed 's/^/  | /'
	extra=1
fi

step "summary"
echo "guest: arm64, $(grep -m1 -o 'Brought up.*' "$log" || echo 'CPUs unknown'), $(grep -m1 -o 'Linux version [^ ]*' "$log")"
echo "check-arm64: took $(( $(date +%s) - start ))s"
python3 "$here/tap-summary.py" --extra-failed "$extra" "$logs/tap.log"
