#!/bin/bash
# make series: export the change as an ordered git format-patch series
# against the pinned base, one commit per line of patches/series, and check
# that each commit applies and builds (x86_64, test config) in order, and
# that every architecture's system call table has pidfd_config (a reading
# of the tables, harness/check-syscall-tables.sh, not a build of each).
#
# usage: series.sh BUILD_DIR     (SERIES_BUILD=0 skips the build checks)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=$(realpath -m "${1:?usage: series.sh BUILD_DIR}")
. "$here/base.env"
"$here/assemble.sh" "$build" >/dev/null
base=$build/base
work=$build/series
tree=$work/tree
out=$work/patches
die() { echo "series: $*" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$work" "$out"
echo "series: copying the base"
cp -a "$base" "$tree"
cd "$tree"
git init -q
git config user.name "pidfd_spawn project"
git config user.email "pidfd-spawn@localhost"
git add -A -f  # Debian's tree ignores "/*" in its .gitignore
git commit -q -m "Linux $BASE_KVER ($BASE_PKG $BASE_DEB_VERSION)"
git tag base

covered=$(mktemp)
trap 'rm -f "$covered"' EXIT
n=0
while read -r p rest; do
	case "$p" in ''|'#'*) continue ;; esac
	n=$((n + 1))
	msg=$(mktemp)
	sed -n 's/^Subject: \[PATCH\] //p' "$top/patches/$p" > "$msg"
	echo >> "$msg"
	awk 'f && /^---$/ {exit} f {print} /^Subject:/ {f=1}' \
		"$top/patches/$p" | sed '1{/^$/d}' >> "$msg"
	if grep -q '^diff --git' "$top/patches/$p"; then
		git apply --index "$top/patches/$p" || die "$p does not apply"
	fi
	for f in $rest; do
		[ -e "$top/$f" ] || die "$f (line $n) does not exist"
		(cd "$top" && git ls-files --cached --others --exclude-standard -- "$f") |
		while read -r g; do
			mkdir -p "$(dirname "$g")"
			cp "$top/$g" "$g"
			echo "$g" >> "$covered"
		done
	done
	git add -A -f
	git commit -q -F "$msg" || die "line $n made no change"
	rm -f "$msg"
done < "$top/patches/series"

# Every file the assembled tree gets from the project must be in a commit.
missing=$(cd "$top" && git ls-files --cached --others --exclude-standard -- \
	kernel include fs mm arch init samples Documentation/userspace-api \
	tools/testing/selftests/pidfd_spawn tools/lib/pidfd_spawn |
	sort | comm -23 - <(sort -u "$covered"))
[ -z "$missing" ] || die "not in any commit of patches/series: $missing"

git format-patch -q -o "$out" base..HEAD
echo "series: $(ls "$out" | wc -l) patches in $out"
"$here/check-syscall-tables.sh" "$tree" | sed 's/^/series: /' ||
	die "a system call table lacks pidfd_config"

if [ "${SERIES_BUILD:-1}" = 1 ]; then
	obj=$build/obj-series
	mkdir -p "$obj"
	cp "$build/obj-test/.config" "$obj/.config" 2>/dev/null ||
		die "build the test kernel first (make kernel)"
	for c in $(git rev-list --reverse base..HEAD); do
		git checkout -q "$c"
		echo "series: building $(git log -1 --format=%s "$c")"
		make -s -C "$tree" O="$obj" CC="ccache gcc" olddefconfig >/dev/null
		make -s -C "$tree" O="$obj" CC="ccache gcc" -j"$(nproc)" bzImage \
			>"$work/build.log" 2>&1 ||
			{ tail -30 "$work/build.log"; die "commit $c does not build"; }
	done
	git checkout -q master 2>/dev/null || git checkout -q main
	echo "series: every commit builds"
fi
