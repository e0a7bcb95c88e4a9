#!/bin/bash
# Edit one patch of patches/series.
#
#   edit-patch.sh NAME            prepare build/pedit/{a,b}: a = the files the
#                                 patch touches as the series leaves them just
#                                 before it, b = the same after it; edit in b
#   edit-patch.sh --refresh NAME  rewrite patches/NAME from a and b, keeping
#                                 its header (From, Subject, message, ---)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$top/build
refresh=0
[ "${1:-}" = --refresh ] && { refresh=1; shift; }
name=${1:?usage: edit-patch.sh [--refresh] PATCH}
name=$(basename "$name")
patch=$top/patches/$name
[ -f "$patch" ] || { echo "no $patch" >&2; exit 1; }
pe=$build/pedit
files=$(sed -n 's|^+++ b/||p' "$patch")

if [ $refresh = 1 ]; then
	hdr=$(awk '{print} /^---$/ {exit}' "$patch")
	{
		echo "$hdr"
		for f in $files; do
			echo "diff --git a/$f b/$f"
			diff -u --label "a/$f" --label "b/$f" "$pe/a/$f" "$pe/b/$f" || true
		done
	} > "$patch.new"
	mv "$patch.new" "$patch"
	echo "refreshed $patch"
	exit 0
fi

"$here/assemble.sh" "$build" >/dev/null
rm -rf "$pe"
mkdir -p "$pe/a" "$pe/b"
for f in $files; do
	mkdir -p "$pe/a/$(dirname "$f")"
	cp "$build/base/$f" "$pe/a/$f"
done
while read -r p _; do
	case "$p" in ''|'#'*) continue ;; esac
	[ "$p" = "$name" ] && break
	grep -q '^+++ ' "$top/patches/$p" || continue
	patch -s -t -p1 -d "$pe/a" --no-backup-if-mismatch -r - -F0 \
		< "$top/patches/$p" >/dev/null 2>&1 || true
done < "$top/patches/series"
cp -a "$pe/a/." "$pe/b/"
patch -s -p1 -d "$pe/b" --no-backup-if-mismatch -F0 < "$patch"
echo "edit the files under $pe/b, then: $0 --refresh $name"
