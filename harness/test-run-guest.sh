#!/bin/bash
# Tests of run-guest's choice of accelerator (TAP).  A QEMU wrapper put first
# on PATH plays a KVM that aborts at once (the MSR assertion seen on these
# machines), one whose guest never reaches user space, and one that works
# (it runs the guest under TCG in KVM's place); a regular file stands in
# for /dev/kvm, so that the tests mean the same on a machine with or
# without one.  Two tests boot a guest: the KVM that works (TCG in disguise)
# and this machine as it is.
set -u
here=$(cd "$(dirname "$0")" && pwd)
rg=$here/run-guest
real=$(command -v qemu-system-x86_64) || { echo "1..0 # SKIP no qemu-system-x86_64"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
cat > "$tmp/bin/qemu-system-x86_64" <<WRAP
#!/bin/bash
echo "\$*" >> "\$FAKE_LOG"
case " \$* " in
*" -accel kvm "*)
	case "\$FAKE_KVM" in
	abort)
		echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69' >&2
		echo "qemu-system-x86_64: ../../target/i386/kvm/kvm.c:3183: kvm_buf_set_msrs: Assertion \\\`ret == cpu->kvm_msr_buf->nmsrs' failed." >&2
		kill -ABRT \$\$ ;;
	hang)
		exec sleep 1000 ;;
	works)
		args=()
		for a in "\$@"; do
			case "\$a" in kvm) a=tcg ;; host) a=max ;; esac
			args+=("\$a")
		done
		exec "$real" "\${args[@]}" ;;
	esac ;;
esac
exec "$real" "\$@"
WRAP
chmod +x "$tmp/bin/qemu-system-x86_64"
: > "$tmp/kvm"

n=0 failed=0
check() {	# check NAME CONDITION...
	local name=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name"
		failed=$((failed + 1))
		sed 's/^/# stderr: /' "$tmp/err"
		sed 's/^/# stdout: /' "$tmp/out"
	fi
}
# fake MODE CACHE -- RUN-GUEST-ARGS...: run-guest with the wrapper and the
# fake device; sets rc, secs, and the wrapper's log in $tmp/log.
fake() {
	local mode=$1 cache=$2 t0=$SECONDS
	shift 3
	: > "$tmp/log"
	PATH=$tmp/bin:$PATH FAKE_LOG=$tmp/log FAKE_KVM=$mode \
	PIDFD_SPAWN_KVM_DEV=$tmp/kvm PIDFD_SPAWN_ACCEL_CACHE=$tmp/$cache \
		timeout -k 5 900 "$rg" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	secs=$((SECONDS - t0))
}
has() { grep -qF -- "$2" "$tmp/$1"; }
hasnt() { ! grep -qF -- "$2" "$tmp/$1"; }
is() { [ "$1" = "$2" ] || { echo "# got $1, want $2"; false; }; }
within() { [ "$secs" -le "$1" ] || { echo "# took ${secs}s, limit $1s"; false; }; }
kvm_runs() { grep -c -- '-accel kvm' "$tmp/log"; }

echo "1..12"

PIDFD_SPAWN_ACCEL=tcg fake abort c1 -- --print-accel
check "PIDFD_SPAWN_ACCEL=tcg: TCG without a probe" \
	eval 'is $rc 1 && has out "run-guest: accel=tcg cpu=max smp=2 (PIDFD_SPAWN_ACCEL=tcg)" && is $(kvm_runs) 0'

fake abort c2 -- --print-accel
check "probe, QEMU aborts: TCG, and the reason is QEMU's own message" \
	eval 'is $rc 1 && has out "accel=tcg cpu=max smp=2 (kvm probe: QEMU aborted: failed to set MSR 0x10a to 0x69)" && is $(kvm_runs) 1 && within 20'

fake abort c2 -- --print-accel
check "the verdict is cached: no second probe" \
	eval 'is $rc 1 && has out "QEMU aborted: failed to set MSR 0x10a to 0x69; cached" && is $(kvm_runs) 0'

PIDFD_SPAWN_KVM_PROBE_TIMEOUT=4 fake hang c4 -- --print-accel
check "probe, guest never reaches user space: TCG after the deadline" \
	eval 'is $rc 1 && has out "accel=tcg cpu=max smp=2 (kvm probe: the guest reached no user space within 4s)" && within 15'

PIDFD_SPAWN_ACCEL=kvm fake abort c5 -- -- sh -c 'exit 3'
check "PIDFD_SPAWN_ACCEL=kvm where QEMU aborts: exit 2 with the reason" \
	eval 'is $rc 2 && has err "PIDFD_SPAWN_ACCEL=kvm, but KVM does not work here (kvm probe: QEMU aborted: failed to set MSR 0x10a" && within 20'

PIDFD_SPAWN_ACCEL=kvm PIDFD_SPAWN_KVM_PROBE_TIMEOUT=4 fake hang c6 -- -- sh -c 'exit 3'
check "PIDFD_SPAWN_ACCEL=kvm where the guest hangs: exit 2 after the deadline, no hang" \
	eval 'is $rc 2 && has err "KVM does not work here (kvm probe: the guest reached no user space within 4s)" && within 15'

# The "working KVM" is TCG in disguise: give its probe all the time it needs.
PIDFD_SPAWN_KVM_PROBE_TIMEOUT=600 fake works c7 -- --mem 1G -- sh -c 'exit 3'
check "probe, KVM works: the command runs under KVM, exit status 3" \
	eval 'is $rc 3 && has err "run-guest: accel=kvm cpu=host smp=2 (kvm probe: user space reached)" && is $(kvm_runs) 2'

PIDFD_SPAWN_KVM_DEV=$tmp/absent PATH=$tmp/bin:$PATH FAKE_LOG=$tmp/log FAKE_KVM=abort \
	PIDFD_SPAWN_ACCEL_CACHE=$tmp/c8 "$rg" --print-accel >"$tmp/out" 2>"$tmp/err"
rc=$?
check "no KVM device: TCG without a probe" \
	eval 'is $rc 1 && has out "(no $tmp/absent)"'

PIDFD_SPAWN_ACCEL=xen fake abort c9 -- --print-accel
check "PIDFD_SPAWN_ACCEL=xen: exit 2, says what it takes" \
	eval 'is $rc 2 && has err "PIDFD_SPAWN_ACCEL=xen: use kvm or tcg"'

PIDFD_SPAWN_ACCEL=kvm fake works c10 -- --icount --print-accel
check "PIDFD_SPAWN_ACCEL=kvm with --icount: exit 2 (icount is TCG only)" \
	eval 'is $rc 2 && has err "--icount needs TCG" && is $(kvm_runs) 0'

fake abort c11 -- --icount --print-accel
check "--icount: TCG with icount, no probe" \
	eval 'is $rc 1 && has out "accel=tcg,icount cpu=max" && is $(kvm_runs) 0'

# This machine as it is: its own /dev/kvm (or none) and its own QEMU.
t0=$SECONDS
PIDFD_SPAWN_ACCEL_CACHE=$tmp/c12 timeout -k 5 900 "$rg" -- sh -c 'exit 3' \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
secs=$((SECONDS - t0))
grep '^run-guest: accel=' "$tmp/err" | sed 's/^/# this machine: /'
check "this machine: run-guest -- sh -c 'exit 3' returns 3" \
	eval 'is $rc 3 && has err "run-guest: accel="'
[ $failed = 0 ]
