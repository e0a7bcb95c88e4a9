#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Checks the syzkaller descriptions of this folder against the kernel:
#
#  - each constant of pidfd_spawn.txt.const has, on amd64 and arm64, the
#    value the uapi headers linux/pidfd.h and linux/sched.h give it, or that
#    of its 'define' in pidfd_spawn.txt evaluated with the headers' values,
#    or (__NR_*) the number of the x86-64 and of the generic system call
#    tables; the .const lists exactly the constants the .txt uses, every
#    PIDFD_CONFIG_* of linux/pidfd.h and CLONE_EMPTY;
#  - the keys of pidfd_spawn_keys[] and of the pidfd_spawn_*_key ("fd:N",
#    "dup:N") in kernel/pidfd_spawn.c, and the commands each accepts, are the
#    string flags pidfd_config_keys and pidfd_config_<command>_keys of the
#    .txt, a key "P:N" the template pidfd_config_P_key[NUM];
#    every pidfd_config$ variant gives its command only keys that accept it,
#    every (key, command) pair of the table has a variant, so do the
#    commands that take no key (CMD_*, SET_BATCH), and the
#    catch-all call covers every command of the header;
#  - the "fd:N" numbers of the .txt are spelled as the kernel parses them
#    (the malformed ones are not);
#  - each struct pidfd_config_* of the header, and clone_args_empty, have
#    the fields of the header's struct of that name and of struct clone_args,
#    in order and with their sizes, adding up to the header's latest
#    *_SIZE_VER*.
#
# usage: check.sh [TREE | UAPI_DIR] [KEY_TABLE]
#   TREE      an assembled kernel tree (default: the project's build/src);
#   UAPI_DIR  or a directory that holds pidfd.h and sched.h (the system call
#             numbers are then looked for in ../asm/unistd_64.h and
#             ../asm-generic/unistd.h);
#   KEY_TABLE the C file with pidfd_spawn_keys[] (default: the project's
#             kernel/pidfd_spawn.c).
# Reads files only: no network, no syzkaller.  Prints
# 'syzkaller descriptions: ok (N keys, M constants)' and exits 0, or prints
# each mismatch and exits 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../../.." && pwd)
txt=$here/pidfd_spawn.txt
cst=$here/pidfd_spawn.txt.const

# In the project the tree is build/src; in an assembled tree, the tree itself.
default_tree=$top/build/src
[ -f "$default_tree/include/uapi/linux/pidfd.h" ] || default_tree=$top
arg=${1:-$default_tree}
keys_c=${2:-$top/kernel/pidfd_spawn.c}

me="syzkaller descriptions"
die() { echo "$me: $*" >&2; exit 1; }
fails=0
# A list, one item a line, on one line.
words() { tr '\n' ' ' <<< "$1" | sed 's/ *$//'; }
fail() { echo "$me: $*" >&2; fails=$((fails + 1)); }

if [ -f "$arg/include/uapi/linux/pidfd.h" ]; then
	tree=$arg
	uapi=$arg/include/uapi/linux
elif [ -f "$arg/pidfd.h" ]; then
	tree=""
	uapi=$arg
else
	die "no include/uapi/linux/pidfd.h under $arg, nor pidfd.h in it"
fi
pidfd_h=$uapi/pidfd.h
sched_h=$uapi/sched.h
for f in "$txt" "$cst" "$pidfd_h" "$sched_h" "$keys_c"; do
	[ -r "$f" ] || die "cannot read $f"
done

# ---- values of the headers ------------------------------------------------

# The right-hand side of '#define NAME ...' in the uapi headers, comments
# and integer suffixes removed.
hdr_raw() {
	sed -n -E "s/^#[[:space:]]*define[[:space:]]+$1[[:space:]]+//p" \
		"$pidfd_h" "$sched_h" | head -n 1 |
		sed -E -e 's|/\*.*||' -e 's|//.*||' \
		       -e 's/\b(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]+\b/\1/g' \
		       -e 's/[[:space:]]+$//'
}

# Evaluates an integer expression whose names are defines of the headers
# (or defines of pidfd_spawn.txt, in txt_def); prints it as an unsigned 64-bit
# number.  Fails on anything else, rather than letting the shell read an
# unknown name as 0.
eval_expr() {
	local e=$1 depth=${2:-0} tok v re='^[0-9a-fA-FxX ()<>|&+~-]+$'
	[ "$depth" -lt 8 ] || return 1
	[ -n "$e" ] || return 1
	for tok in $(grep -oE '[A-Za-z0-9_]+' <<< "$e" | sort -u || true); do
		[[ $tok =~ ^[0-9] ]] && continue
		v=$(def_val "$tok" $((depth + 1))) || return 1
		e=$(sed -E "s/\b$tok\b/($v)/g" <<< "$e")
	done
	for tok in $(grep -oE '[A-Za-z0-9_]+' <<< "$e" || true); do
		[[ $tok =~ ^(0[xX][0-9a-fA-F]+|[0-9]+)$ ]] || return 1
	done
	[[ $e =~ $re ]] || return 1
	printf '%u\n' "$((e))"
}

declare -A txt_def=()
def_val() {
	if [ -n "${txt_def[$1]+x}" ]; then
		eval_expr "${txt_def[$1]}" "${2:-0}"
	else
		eval_expr "$(hdr_raw "$1")" "${2:-0}"
	fi
}

# A system call's number on ARCH, from the tree's tables.
nr_of() {
	local name=$1 arch=$2 n="" f
	case $arch in
	amd64)
		f=${tree:+$tree/arch/x86/entry/syscalls/syscall_64.tbl}
		if [ -n "$f" ] && [ -f "$f" ]; then
			n=$(awk -v s="$name" '$3 == s && ($2 == "common" || $2 == "64") { print $1; exit }' "$f")
		elif [ -f "$uapi/../asm/unistd_64.h" ]; then
			n=$(sed -n -E "s/^#define __NR_${name}[[:space:]]+([0-9]+)$/\1/p" "$uapi/../asm/unistd_64.h")
		fi
		;;
	arm64)
		f=${tree:+$tree/scripts/syscall.tbl}
		if [ -n "$f" ] && [ -f "$f" ]; then
			n=$(awk -v s="$name" '$1 ~ /^[0-9]+$/ && $3 == s { print $1; exit }' "$f")
		fi
		f=${tree:+$tree/include/uapi/asm-generic/unistd.h}
		[ -n "$f" ] || f=$uapi/../asm-generic/unistd.h
		if [ -z "$n" ] && [ -f "$f" ]; then
			n=$(sed -n -E "s/^#define __NR_${name}[[:space:]]+([0-9]+)$/\1/p" "$f")
		fi
		;;
	esac
	[ -n "$n" ] || return 1
	echo "$n"
}

# ---- the descriptions -----------------------------------------------------

# The .txt without its comment lines.
clean=$(grep -vE '^[[:space:]]*#' "$txt" || true)

while read -r name expr; do
	[ -n "$name" ] || continue
	txt_def[$name]=$expr
done < <(sed -n -E 's/^define[[:space:]]+([A-Z0-9_]+)[[:space:]]+(.*)$/\1 \2/p' <<< "$clean")

# The values of the string flags NAME, one a line.
strflags() {
	local line
	line=$(grep -E "^$1 = \"" <<< "$clean" || true)
	[ -n "$line" ] || return 1
	grep -oE '"[^"]*"' <<< "${line#*=}" | sed -e 's/^"//' -e 's/"$//'
}

# The values of the integer flags NAME, one a line.
intflags() {
	local line
	line=$(grep -E "^$1 = [A-Z0-9_]" <<< "$clean" || true)
	[ -n "$line" ] || return 1
	tr ',' '\n' <<< "${line#*=}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

# Splits the arguments of a call, "a t1[x, y], b t2", at the top-level
# commas: one "name type" a line.
split_args() {
	awk '{
		d = 0; s = ""
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "[") d++
			if (c == "]") d--
			if (c == "," && d == 0) { print s; s = ""; continue }
			s = s c
		}
		print s
	}' <<< "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//'
}

# The fields "name type" of the struct of the .txt whose line is "HEAD {".
txt_struct() {
	awk -v s="$1 {" 'index($0, s) == 1 { f = 1; next }
		f && /^}/ { exit }
		f { n = $1; $1 = ""; sub(/^[ \t]+/, ""); print n, $0 }' <<< "$clean"
}

# The fields "name size" of the struct NAME of a header.
hdr_struct() {
	awk -v s="struct $1 {" 'index($0, s) == 1 { f = 1; next }
		f && /^};/ { exit }
		f { sub(/\/\*.*/, ""); sub(/;.*/, ""); if (NF >= 2) print $NF, $(NF - 1) }' "$2" |
	while read -r name type; do
		case $type in
		__aligned_u64|__u64|__s64|__aligned_s64) echo "$name 8" ;;
		__u32|__s32) echo "$name 4" ;;
		__u16|__s16) echo "$name 2" ;;
		__u8|__s8) echo "$name 1" ;;
		*) echo "$name ?" ;;
		esac
	done
}

# The size of a struct field type of the .txt.
field_size() {
	local t
	case $1 in
	ptr64*|align64*|vma64*) echo 8; return ;;
	esac
	t=$(grep -oE '\bint(8|16|32|64)\b' <<< "$1" | tail -n 1 || true)
	[ -n "$t" ] || { echo "?"; return; }
	echo $(( ${t#int} / 8 ))
}

# ---- the key table --------------------------------------------------------

# "name CMD CMD..." for each entry of the table, then for each key outside
# it (pidfd_spawn_fd_key, "fd:N"...).  Entries are { .name = "...",
# .cmds = CMD(...) | ... } or the row macros PIDFD_SPAWN_INT("...", ...)
# (SET_INT) and PIDFD_SPAWN_FLAG("...", ...) (SET_FLAG).
table_block() {
	awk -v s="$1" 'index($0, s) == 1 { f = 1; next } f && /^};/ { exit } f' "$keys_c"
}
single_keys=$(sed -n -E 's/^static const struct pidfd_spawn_key (pidfd_spawn_[a-z0-9_]+_key) = \{$/\1/p' "$keys_c")
table=$( { table_block "static const struct pidfd_spawn_key pidfd_spawn_keys[] = {"
	   for k in $single_keys; do
		echo "{ $(table_block "static const struct pidfd_spawn_key $k = {")"
	   done; } |
	tr '\n\t' '  ' |
	sed -E -e 's/PIDFD_SPAWN_INT\( *("[^"]*")/{ \1 CMD(SET_INT)/g' \
	       -e 's/PIDFD_SPAWN_FLAG\( *("[^"]*")/{ \1 CMD(SET_FLAG)/g' \
	       -e 's/\{ *\.name *= */{ /g' -e 's/\{ *"/\n"/g' |
	while read -r entry || [ -n "$entry" ]; do
		case $entry in '"'*) ;; *) continue ;; esac
		name=${entry#\"}
		name=${name%%\"*}
		echo "$name $(grep -oE 'CMD\([A-Z_]+\)' <<< "$entry" |
			sed -E 's/CMD\((.*)\)/\1/' | tr '\n' ' ')"
	done)
declare -A accepts=()
nkeys=0
while read -r name cmds; do
	[ -n "$name" ] || continue
	[ -n "$cmds" ] || fail "$keys_c: key \"$name\" accepts no command"
	accepts[$name]=" $cmds "
	nkeys=$((nkeys + 1))
done <<< "$table"
[ -n "${accepts[fd:N]+x}" ] || fail "$keys_c: no pidfd_spawn_fd_key \"fd:N\""
[ "$nkeys" -gt 1 ] || die "$keys_c: no key table pidfd_spawn_keys[]"

# The commands of the header.
hdr_cmds=$(sed -n -E 's/^#define[[:space:]]+PIDFD_CONFIG_((SET|CMD)_[A-Z_]+)[[:space:]].*/\1/p' "$pidfd_h")
[ -n "$hdr_cmds" ] || die "$pidfd_h: no PIDFD_CONFIG_SET_* / PIDFD_CONFIG_CMD_*"
set_cmds=$(grep '^SET_' <<< "$hdr_cmds" || true)
for name in "${!accepts[@]}"; do
	for c in ${accepts[$name]}; do
		grep -qx "$c" <<< "$hdr_cmds" ||
			fail "$keys_c: key \"$name\" accepts $c, which $pidfd_h lacks"
	done
done

# ---- keys and commands ----------------------------------------------------

plain_keys=$(for k in "${!accepts[@]}"; do [[ $k == *:N ]] || echo "$k"; done | sort)
got=$(strflags pidfd_config_keys | sort || true)
[ "$got" = "$plain_keys" ] ||
	fail "pidfd_config_keys is {$(words "$got")}, the table has {$(words "$plain_keys")}"
for c in $set_cmds; do
	lc=$(tr '[:upper:]' '[:lower:]' <<< "${c#SET_}")
	want=$(for k in $plain_keys; do
		case ${accepts[$k]} in *" $c "*) echo "$k" ;; esac
	done)
	if ! got=$(strflags "pidfd_config_${lc}_keys" | sort); then
		[ -z "$want" ] || fail "no string flags pidfd_config_${lc}_keys (the keys accepting $c)"
		continue
	fi
	[ "$got" = "$want" ] ||
		fail "pidfd_config_${lc}_keys is {$(words "$got")}, the table's keys accepting $c are {$(words "$want")}"
done

# A key "P:N" is spelled by the template pidfd_config_P_key[NUM], whose
# prefix is "P:": the key type of its variants, with the numbers below.
declare -A numkey=()
for k in "${!accepts[@]}"; do
	[[ $k == *:N ]] || continue
	p=${k%:N}
	head=$(sed -n -E "s/^(type pidfd_config_${p}_key\[[A-Z]+\]) \{.*/\1/p" <<< "$clean")
	if [ -z "$head" ] || ! txt_struct "$head" | grep -qxF "prefix stringnoz[\"$p:\"]"; then
		fail "no template pidfd_config_${p}_key[NUM] whose prefix is stringnoz[\"$p:\"]"
	fi
	numkey["ptr[in, pidfd_config_${p}_key[stringnoz[pidfd_config_fd_nums]]]"]=$k
done

declare -A covered=()
ncalls=0
while IFS= read -r line; do
	variant=${line#pidfd_config\$}
	variant=${variant%%(*}
	args=$(sed -E 's/^[^(]*\((.*)\)[^)]*$/\1/' <<< "$line")
	fd="" cmd="" key=""
	while read -r aname atype; do
		case $aname in
		fd) fd=$atype ;;
		cmd) cmd=$atype ;;
		key) key=$atype ;;
		esac
	done < <(split_args "$args")
	ncalls=$((ncalls + 1))
	[ "$fd" = fd_pidfd_builder ] || fail "pidfd_config\$$variant: fd is $fd, not fd_pidfd_builder"
	if [[ $cmd =~ ^const\[PIDFD_CONFIG_([A-Z_]+)\]$ ]]; then
		c=${BASH_REMATCH[1]}
	else
		fail "pidfd_config\$$variant: cmd is '$cmd', not const[PIDFD_CONFIG_*]"
		continue
	fi
	case $variant in
	"PIDFD_CONFIG_$c"|"PIDFD_CONFIG_${c}_"*) ;;
	*) fail "pidfd_config\$$variant: named after another command than $c" ;;
	esac
	grep -qx "$c" <<< "$hdr_cmds" || fail "pidfd_config\$$variant: $pidfd_h has no PIDFD_CONFIG_$c"
	case $key in
	'const[0]')
		case $c in
		CMD_*|SET_BATCH) covered["|$c"]=1 ;;
		*) fail "pidfd_config\$$variant: $c needs a key" ;;
		esac
		continue
		;;
	'ptr[in, pidfd_config_'*'_key[stringnoz[pidfd_config_fd_nums]]]')
		if [ -z "${numkey[$key]+x}" ]; then
			fail "pidfd_config\$$variant: key type '$key' is no key \"P:N\" of the table"
			continue
		fi
		keys=${numkey[$key]}
		;;
	'ptr[in, string["'*'"]]')
		keys=${key#'ptr[in, string["'}
		keys=${keys%'"]]'}
		;;
	'ptr[in, string['*']]')
		fl=${key#'ptr[in, string['}
		fl=${fl%']]'}
		if ! keys=$(strflags "$fl"); then
			fail "pidfd_config\$$variant: no string flags $fl"
			continue
		fi
		;;
	*)
		fail "pidfd_config\$$variant: key type '$key' is not a known key"
		continue
		;;
	esac
	case $c in
	CMD_*|SET_BATCH) fail "pidfd_config\$$variant: $c takes no key" ;;
	esac
	while IFS= read -r k; do
		if [ -z "${accepts[$k]+x}" ]; then
			fail "pidfd_config\$$variant: \"$k\" is not a key of the table"
		elif [[ ${accepts[$k]} != *" $c "* ]]; then
			fail "pidfd_config\$$variant: \"$k\" does not accept $c"
		else
			covered["$k|$c"]=1
		fi
	done <<< "$keys"
done < <(grep -E '^pidfd_config\$' <<< "$clean")
[ "$ncalls" -gt 0 ] || fail "no pidfd_config\$ variant"

for k in "${!accepts[@]}"; do
	for c in ${accepts[$k]}; do
		[ -n "${covered[$k|$c]+x}" ] ||
			fail "no pidfd_config\$ variant sets \"$k\" with $c"
	done
done
for c in $hdr_cmds; do
	case $c in
	CMD_*|SET_BATCH) [ -n "${covered[|$c]+x}" ] || fail "no pidfd_config\$PIDFD_CONFIG_$c variant" ;;
	esac
done

# The catch-all call: any pidfd, every command of the header.
grep -qE '^pidfd_config\(fd fd_pidfd, cmd flags\[pidfd_config_cmds\], ' <<< "$clean" ||
	fail "no catch-all pidfd_config(fd fd_pidfd, cmd flags[pidfd_config_cmds], ...)"
got=$(intflags pidfd_config_cmds | sort || true)
want=$(for c in $hdr_cmds; do echo "PIDFD_CONFIG_$c"; done | sort)
[ "$got" = "$want" ] || fail "pidfd_config_cmds is {$(words "$got")}, the header has {$(words "$want")}"

# "fd:N": decimal, no sign, no leading zero, fits in an unsigned int.
fd_num_ok() {
	[[ $1 =~ ^(0|[1-9][0-9]*)$ ]] || return 1
	[ ${#1} -le 10 ] && (( 10#$1 <= 4294967295 ))
}
if nums=$(strflags pidfd_config_fd_nums); then
	while IFS= read -r v; do
		fd_num_ok "$v" || fail "pidfd_config_fd_nums: \"fd:$v\" is not a key the kernel accepts"
	done <<< "$nums"
else
	fail "no string flags pidfd_config_fd_nums"
fi
if nums=$(strflags pidfd_config_bad_fd_nums); then
	while IFS= read -r v; do
		! fd_num_ok "$v" || fail "pidfd_config_bad_fd_nums: \"fd:$v\" is a valid key"
	done <<< "$nums"
fi

# ---- structure layouts ----------------------------------------------------

check_struct() {	# TXT_STRUCT HEADER_STRUCT HEADER SIZE_DEFINE
	local want got sum=0 name type size
	want=$(hdr_struct "$2" "$3")
	[ -n "$want" ] || { fail "$3: no struct $2"; return; }
	got=$(txt_struct "$1" | while read -r name type; do
		echo "$name $(field_size "$type")"
	done)
	[ -n "$got" ] || { fail "no struct $1 in the descriptions"; return; }
	[ "$got" = "$want" ] ||
		fail "struct $1 is {$(words "$got")}, the header's struct $2 is {$(words "$want")}"
	while read -r name size; do
		case $size in ''|*[!0-9]*) fail "struct $2: field $name of unknown size"; return ;; esac
		sum=$((sum + size))
	done <<< "$want"
	size=$(def_val "$4") || { fail "$3: no $4"; return; }
	[ "$sum" = "$size" ] || fail "struct $2 adds up to $sum bytes, $4 is $size"
}
structs=$(sed -n -E 's/^struct (pidfd_config_[a-z0-9_]+) \{.*/\1/p' "$pidfd_h")
grep -qx pidfd_config_open <<< "$structs" || fail "$pidfd_h: no struct pidfd_config_open"
for st in $structs; do
	up=$(tr '[:lower:]' '[:upper:]' <<< "$st")
	latest=$(sed -n -E "s/^#define[[:space:]]+(${up}_SIZE_VER[0-9]+)[[:space:]].*/\1/p" "$pidfd_h" |
		sort -V | tail -n 1)
	check_struct "$st" "$st" "$pidfd_h" "${latest:-${up}_SIZE_VER?}"
done
latest=$(sed -n -E 's/^#define[[:space:]]+(CLONE_ARGS_SIZE_VER[0-9]+)[[:space:]].*/\1/p' "$sched_h" |
	sort -V | tail -n 1)
check_struct clone_args_empty clone_args "$sched_h" "${latest:-CLONE_ARGS_SIZE_VER?}"

for h in sched pidfd; do
	grep -qx "include <uapi/linux/$h.h>" <<< "$clean" || fail "no include <uapi/linux/$h.h>"
done

# ---- constants --------------------------------------------------------------

first=$(grep -vE '^[[:space:]]*(#|$)' "$cst" | head -n 1)
arches=$(sed -n -E 's/^arches[[:space:]]*=[[:space:]]*//p' <<< "$first" | tr -d ' ')
[ "$arches" = amd64,arm64 ] || fail "$cst: the first line is '$first', not 'arches = amd64, arm64'"

# VALUE for ARCH of a .const line's "default, arch:arch:value, ...".
const_for_arch() {
	local vals=$1 arch=$2 part v="" a
	IFS=, read -ra parts <<< "$vals"
	for part in "${parts[@]}"; do
		part=$(tr -d ' ' <<< "$part")
		if [[ $part != *:* ]]; then
			[ -n "$v" ] || v=$part
			continue
		fi
		IFS=: read -ra a <<< "$part"
		for x in "${a[@]:0:${#a[@]}-1}"; do
			[ "$x" = "$arch" ] && { echo "${a[-1]}"; return; }
		done
	done
	echo "$v"
}

declare -A in_const=()
nconst=0
while IFS= read -r line; do
	case $line in ''|'#'*|arches*) continue ;; esac
	name=$(sed -E 's/[[:space:]]*=.*//' <<< "$line")
	vals=$(sed -E 's/^[^=]*=[[:space:]]*//' <<< "$line")
	[ -z "${in_const[$name]+x}" ] || fail "$cst: $name twice"
	in_const[$name]=1
	nconst=$((nconst + 1))
	# The same value on every arch, except the system call numbers.
	want=""
	case $name in
	__NR_*) ;;
	*)
		want=$(def_val "$name") ||
			{ fail "$cst: $name is neither in the headers nor a define of the .txt"; continue; }
		;;
	esac
	for arch in amd64 arm64; do
		v=$(const_for_arch "$vals" "$arch")
		if [[ ! $v =~ ^(0[xX][0-9a-fA-F]+|[0-9]+)$ ]]; then
			fail "$cst: $name has no value for $arch ('$vals')"
			continue
		fi
		v=$(printf '%u' "$v")
		case $name in
		__NR_*)
			want=$(nr_of "${name#__NR_}" "$arch") ||
				{ fail "$name: no ${name#__NR_} in the $arch system call table"; continue; }
			;;
		esac
		[ "$v" = "$want" ] || fail "$cst: $name = $v on $arch, the kernel has $want"
	done
done < "$cst"

# The constants the .txt uses: upper-case names outside strings, variant
# names, template parameters and the bodies of defines; the defines
# themselves; __NR_ of each system call.
params=$(sed -n -E 's/^type [a-z0-9_]+\[([A-Z, ]+)\].*/\1/p' <<< "$clean" | sed -E 's/[ ,]+/\n/g' | sort -u)
used=$( {
	grep -vE '^define[[:space:]]' <<< "$clean" | sed -E -e 's/"[^"]*"//g' -e 's/\$[A-Za-z0-9_]+//g' |
		grep -oE '\b[A-Z_][A-Z0-9_]*\b' | grep '[A-Z]' | grep -vxF -f <(echo "$params"; echo "-") || true
	for n in "${!txt_def[@]}"; do echo "$n"; done
	sed -n -E 's/^([a-z0-9_]+)(\$[A-Za-z0-9_]+)?\(.*/__NR_\1/p' <<< "$clean"
} | sort -u)
listed=$(for n in "${!in_const[@]}"; do echo "$n"; done | sort)
extra=$(comm -13 <(echo "$used") <(echo "$listed"))
missing=$(comm -23 <(echo "$used") <(echo "$listed"))
[ -z "$missing" ] || fail "$cst lacks $(words "$missing"), which the .txt uses"
[ -z "$extra" ] || fail "$cst has $(words "$extra"), which the .txt does not use"
for n in CLONE_EMPTY $(sed -n -E 's/^#define[[:space:]]+(PIDFD_CONFIG_[A-Z0-9_]+)[[:space:]].*/\1/p' "$pidfd_h"); do
	[ -n "${in_const[$n]+x}" ] || fail "$cst lacks $n"
done

[ "$fails" -eq 0 ] || die "$fails mismatches"
echo "$me: ok ($nkeys keys, $nconst constants)"
