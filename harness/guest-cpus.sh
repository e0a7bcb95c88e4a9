#!/bin/bash
# In the guest: are the CPUs QEMU was given all online?  (TAP)
# usage: guest-cpus.sh N
want=${1:?usage: guest-cpus.sh N}
online=$(cat /sys/devices/system/cpu/online)
n=$(getconf _NPROCESSORS_ONLN)
echo "1..1"
echo "# guest-cpus: $n CPUs online ($online), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
if [ "$n" -ge "$want" ]; then
	echo "ok 1 $want CPUs online"
else
	dmesg | grep -Ei 'smp|cpu|apic|mptable|mp-bios' | head -n 20 | sed 's/^/# /'
	echo "not ok 1 $want CPUs online: the guest has $n"
	exit 1
fi
