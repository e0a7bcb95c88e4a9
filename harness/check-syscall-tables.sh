#!/bin/bash
# Check that pidfd_config() is wired in every system call table of a tree:
# each .tbl that carries mseal (the last 6.12 addition, 462) must carry
# pidfd_config 18 numbers after it (480; 590 on alpha, whose numbers are
# offset by 110; the MIPS tables add their ABI offset when built), with
# sys_pidfd_config as its entry point (both of s390's columns), and the
# generic unistd.h headers must define it.  Reads the tables, builds nothing.
#
# usage: check-syscall-tables.sh TREE
set -uo pipefail
tree=${1:?usage: check-syscall-tables.sh TREE}
cd "$tree" || exit 2
bad=0 n=0
while IFS= read -r tbl; do
	n=$((n + 1))
	mseal=$(awk '$3 == "mseal" { print $1 }' "$tbl" | head -n 1)
	want=$((mseal + 18))
	row=$(awk '$3 == "pidfd_config"' "$tbl")
	if [ -z "$row" ]; then
		echo "syscall tables: $tbl: no pidfd_config (mseal is $mseal)"
		bad=1
		continue
	fi
	nr=$(echo "$row" | awk '{ print $1 }')
	entries=$(echo "$row" | awk '{ for (i = 4; i <= NF; i++) print $i }' | sort -u)
	if [ "$nr" != "$want" ]; then
		echo "syscall tables: $tbl: pidfd_config is $nr, want $want (mseal + 18)"
		bad=1
	elif [ "$entries" != sys_pidfd_config ]; then
		echo "syscall tables: $tbl: pidfd_config entry points: $(echo $entries)"
		bad=1
	fi
done < <(grep -rlw --include='*.tbl' mseal arch scripts tools | sort)
for h in include/uapi/asm-generic/unistd.h tools/include/uapi/asm-generic/unistd.h; do
	grep -q '^#define __NR_pidfd_config 480$' "$h" &&
	grep -q '^__SYSCALL(__NR_pidfd_config, sys_pidfd_config)$' "$h" &&
	grep -q '^#define __NR_syscalls 481$' "$h" ||
		{ echo "syscall tables: $h: no __NR_pidfd_config 480 / __NR_syscalls 481"; bad=1; }
done
[ $n -gt 0 ] || { echo "syscall tables: no table with mseal under $tree"; bad=1; }
[ $bad = 0 ] && echo "syscall tables: pidfd_config in all $n tables that carry mseal, and in both unistd.h"
exit $bad
