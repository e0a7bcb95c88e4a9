#!/bin/bash
# The documentation check of 'make check', in TAP:
#   - each man page under Documentation/man/man*/ passes when
#     'groff -man -ww -z PAGE' prints nothing, 'MANWIDTH=80 man -l PAGE'
#     succeeds with nothing on stderr and, if mandoc is installed,
#     'mandoc -Tlint -W warning PAGE' reports nothing above style level;
#   - each example program Documentation/man/examples/*.c compiles with
#     'gcc -Wall -Werror' (against the host's headers, and against the
#     test kernel's exported headers too when they have been built);
#   - each copy of an example in a page ('.\" SRC BEGIN (NAME.c)' ... '.EE')
#     or in Documentation/userspace-api/pidfd_spawn.rst ('.. SRC BEGIN
#     (NAME.c)' before a literal block) is the example file, to the byte;
#   - Documentation/userspace-api/pidfd_spawn.rst parses with docutils
#     without an error or a warning (skipped if docutils is not installed).
# groff and man are required: without them the pages fail, they are not
# skipped.  Exits 0 if every test passed, 1 otherwise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
doc=$top/Documentation
mandir=$doc/man
exdir=$mandir/examples
rst=$doc/userspace-api/pidfd_spawn.rst
khdr=$top/build/obj-test/usr/include

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# Indents a message as TAP diagnostics.
diag() { sed 's/^/# /' "$@"; }

# A UTF-8 locale if there is one: man-db complains on stderr about a
# locale that is not installed.
loc=C
if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
	loc=C.UTF-8
fi

shopt -s nullglob
pages=("$mandir"/man[1-8]/*.[1-8]*)
examples=("$exdir"/*.c)
copies=()
for f in "${pages[@]}" "$rst"; do
	[ -f "$f" ] || continue
	for name in $(sed -n -e 's/^\.\\" SRC BEGIN (\([^)]*\)).*/\1/p' \
			    -e 's/^\.\. SRC BEGIN (\([^)]*\)).*/\1/p' "$f"); do
		copies+=("$f:$name")
	done
done
echo "1..$(( ${#pages[@]} + ${#examples[@]} + ${#copies[@]} + 1 ))"

have_groff=0
command -v groff >/dev/null 2>&1 && have_groff=1
have_man=0
command -v man >/dev/null 2>&1 && have_man=1
have_mandoc=0
command -v mandoc >/dev/null 2>&1 && have_mandoc=1

for page in "${pages[@]}"; do
	rel=${page#"$top"/}
	out=$tmp/out
	: > "$out"
	if [ $have_groff = 0 ]; then
		echo "groff is not installed (harness/deps.sh installs groff-base)" >> "$out"
	else
		groff -man -ww -z "$page" >> "$out" 2>&1 ||
			echo "groff exited with status $?" >> "$out"
	fi
	if [ $have_man = 0 ]; then
		echo "man is not installed (harness/deps.sh installs man-db)" >> "$out"
	else
		LC_ALL=$loc MANWIDTH=80 man -l "$page" 2>> "$out" > /dev/null ||
			echo "man -l exited with status $?" >> "$out"
	fi
	if [ $have_mandoc = 1 ]; then
		mandoc -Tlint -W warning "$page" >> "$out" 2>&1
		rc=$?
		# 0: nothing to report; 1: style messages only.
		[ $rc -le 1 ] || echo "mandoc -Tlint exited with status $rc" >> "$out"
	fi
	if [ -s "$out" ]; then
		not_ok "man lint $rel"
		diag "$out"
	else
		ok "man lint $rel"
	fi
done

for ex in "${examples[@]}"; do
	rel=${ex#"$top"/}
	out=$tmp/out
	: > "$out"
	if ! command -v gcc >/dev/null 2>&1; then
		echo "gcc is not installed" > "$out"
	else
		gcc -Wall -Werror -o "$tmp/example" "$ex" >> "$out" 2>&1 ||
			echo "gcc failed (host headers)" >> "$out"
		if [ -d "$khdr" ]; then
			gcc -Wall -Werror -isystem "$khdr" -o "$tmp/example" "$ex" \
				>> "$out" 2>&1 ||
				echo "gcc failed (headers of $khdr)" >> "$out"
		fi
	fi
	if [ -s "$out" ]; then
		not_ok "example $rel compiles with gcc -Wall -Werror"
		diag "$out"
	else
		ok "example $rel compiles with gcc -Wall -Werror"
	fi
done

# The copy of example NAME in FILE, as plain text on stdout.
extract_copy() {
	local file=$1 name=$2
	case "$file" in
	*.rst)
		# The literal block after the marker: its lines start with a tab.
		M=".. SRC BEGIN ($name)" awk '
			index($0, ENVIRON["M"]) == 1 { state = 1; next }
			state == 1 && /::$/ { state = 2; next }
			state == 2 && /^$/ { state = 3; next }
			state == 3 {
				if ($0 != "" && substr($0, 1, 1) != "\t")
					exit
				print
			}' "$file" | sed 's/^\t//' |
			sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}'
		;;
	*)
		# Between .EX and .EE after the marker, with the roff escapes
		# man pages use in code turned back into characters.
		M=".\\\" SRC BEGIN ($name)" awk '
			index($0, ENVIRON["M"]) == 1 { state = 1; next }
			state == 1 && /^\.EX/ { state = 2; next }
			state == 2 && /^\.EE/ { exit }
			state == 2 { print }' "$file" |
			sed -e 's/^\\&//' -e 's/\\\[aq\]/'"'"'/g' \
			    -e 's/\\(aq/'"'"'/g' -e 's/\\\[dq\]/"/g' \
			    -e 's/\\-/-/g' -e 's/\\e/\\/g'
		;;
	esac
}

for c in "${copies[@]}"; do
	file=${c%:*}
	name=${c##*:}
	rel=${file#"$top"/}
	out=$tmp/out
	if [ ! -f "$exdir/$name" ]; then
		echo "no $exdir/$name" > "$out"
	else
		extract_copy "$file" "$name" > "$tmp/copy"
		diff -u "$exdir/$name" "$tmp/copy" > "$out" 2>&1
	fi
	if [ -s "$out" ]; then
		not_ok "the example in $rel is examples/$name"
		diag "$out"
	else
		ok "the example in $rel is examples/$name"
	fi
done

# docutils: from the python3 on PATH, or Debian's python3-docutils.
py=
for p in python3 /usr/bin/python3; do
	if command -v "$p" >/dev/null 2>&1 &&
	   "$p" -c 'import docutils' >/dev/null 2>&1; then
		py=$p
		break
	fi
done
rel=${rst#"$top"/}
if [ ! -f "$rst" ]; then
	not_ok "rst $rel: missing"
elif [ -z "$py" ]; then
	ok "rst # SKIP python3-docutils not installed"
else
	out=$tmp/out
	if ! "$py" - "$rst" > "$out" 2>&1 <<'EOF'
import io
import sys

import docutils.core

path = sys.argv[1]
messages = io.StringIO()
with open(path, encoding='utf-8') as f:
    text = f.read()
# Report warnings (level 2) and above; never stop early.
docutils.core.publish_doctree(text, source_path=path, settings_overrides={
    'report_level': 2, 'halt_level': 5, 'warning_stream': messages})
sys.stdout.write(messages.getvalue())
EOF
	then
		echo "docutils failed" >> "$out"
	fi
	if [ -s "$out" ]; then
		not_ok "rst $rel parses with docutils"
		diag "$out"
	else
		ok "rst $rel parses with docutils"
	fi
fi

[ $failed = 0 ]
