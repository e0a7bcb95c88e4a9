#!/bin/bash
# Assemble the kernel tree: pristine base + the project's new files + the
# patch series.  Incremental: only files whose content changes are rewritten,
# so the kernel's make rebuilds only what the edit touched.
#
# usage: assemble.sh BUILD_DIR      (the tree ends up in BUILD_DIR/src)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/base.env"
build=$(realpath -m "${1:?usage: assemble.sh BUILD_DIR}")
base="$build/base"
src="$build/src"

die() { echo "assemble: $*" >&2; exit 1; }

# 1. The pristine base, unpacked once and checked.
if [ ! -f "$base/.stamp" ] || [ "$(cat "$base/.stamp")" != "$BASE_KVER" ]; then
	[ -f "$BASE_TARBALL" ] || die "$BASE_TARBALL missing: run harness/deps.sh"
	have=$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null || true)
	[ "$have" = "$BASE_DEB_VERSION" ] ||
		die "installed $BASE_PKG is '$have', the project pins $BASE_DEB_VERSION"
	rm -rf "$base" "$src"
	mkdir -p "$base"
	echo "assemble: unpacking $BASE_TARBALL"
	tar -xf "$BASE_TARBALL" -C "$base" --strip-components=1
	v=$(make -s -C "$base" kernelversion)
	[ "$v" = "$BASE_KVER" ] || die "tarball is $v, expected $BASE_KVER"
	echo "$BASE_KVER" > "$base/.stamp"
fi
if [ ! -f "$src/.stamp" ]; then
	rm -rf "$src"
	echo "assemble: copying base to $src"
	cp -a "$base" "$src.tmp"
	: > "$src.tmp/.pidfd_spawn_files"
	mv "$src.tmp" "$src"
fi

# 2. The overlay: every file the series writes or touches, computed in a
#    scratch copy.
stage=$(mktemp -d "$build/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
series="$top/patches/series"
newfiles=$(cd "$top" && git ls-files --cached --others --exclude-standard -- \
	kernel include fs mm arch init samples Documentation/userspace-api \
	tools/testing/selftests/pidfd_spawn tools/lib/pidfd_spawn 2>/dev/null |
	while read -r f; do [ -f "$f" ] && echo "$f"; done)
touched=""
if [ -f "$series" ]; then
	while read -r p _; do
		case "$p" in ''|'#'*) continue ;; esac
		[ -f "$top/patches/$p" ] || die "series names missing patch $p"
		touched="$touched $(sed -n 's|^+++ b/||p; s|^--- a/||p' "$top/patches/$p")"
	done < "$series"
fi
for f in $touched; do
	[ -f "$base/$f" ] || continue
	mkdir -p "$stage/$(dirname "$f")"
	cp "$base/$f" "$stage/$f"
done
for f in $newfiles; do
	[ -e "$base/$f" ] && die "$f exists upstream: change it with a patch"
	mkdir -p "$stage/$(dirname "$f")"
	cp "$top/$f" "$stage/$f"
done
if [ -f "$series" ]; then
	while read -r p _; do
		case "$p" in ''|'#'*) continue ;; esac
		grep -q '^+++ ' "$top/patches/$p" || continue
		patch -s -p1 -d "$stage" --no-backup-if-mismatch -r - -F0 \
			< "$top/patches/$p" || die "patch $p does not apply"
	done < "$series"
fi

# 3. Sync: rewrite changed files, restore files no longer overlaid.
want=$(cd "$stage" && find . -type f | sed 's|^\./||' | sort)
old=$(sort "$src/.pidfd_spawn_files")
changed=0
for f in $(printf '%s\n%s\n' "$want" "$old" | sort -u); do
	if [ -f "$stage/$f" ]; then
		cmp -s "$stage/$f" "$src/$f" && continue
		mkdir -p "$src/$(dirname "$f")"
		cp "$stage/$f" "$src/$f"
	elif [ -f "$base/$f" ]; then
		cmp -s "$base/$f" "$src/$f" && continue
		cp "$base/$f" "$src/$f"
	else
		rm -f "$src/$f"
	fi
	changed=$((changed + 1))
done
echo "$want" > "$src/.pidfd_spawn_files"
echo "assemble: $src ($changed files updated)"
