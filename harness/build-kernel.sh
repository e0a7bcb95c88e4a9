#!/bin/bash
# Configure and build one guest kernel out of tree.
# usage: build-kernel.sh BUILD_DIR test|bench|arm64
#   test, bench: x86_64 (bzImage); arm64: cross-built with Debian's
#   gcc-aarch64-linux-gnu (Image)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
use="usage: build-kernel.sh BUILD_DIR test|bench|arm64"
build=$(realpath -m "${1:?$use}")
kind=${2:?$use}
src="$build/src"
obj="$build/obj-$kind"
case "$kind" in
test|bench)
	arch=(ARCH=x86_64 CC="ccache gcc") image=bzImage karch=x86
	frags="$here/config/common.config $here/config/x86.config $here/config/$kind.config" ;;
arm64)
	arch=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
	      CC="ccache aarch64-linux-gnu-gcc") image=Image karch=arm64
	frags="$here/config/common.config $here/config/arm64.config" ;;
*)	echo "$use" >&2; exit 1 ;;
esac

export CCACHE_BASEDIR="$build"
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="2026-01-01"
export KBUILD_BUILD_USER=pidfd_spawn KBUILD_BUILD_HOST=guest
mk() { make -s -C "$src" O="$obj" "${arch[@]}" "$@"; }

mkdir -p "$obj"
sum=$(cat $frags | sha1sum | cut -d' ' -f1)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.frags" 2>/dev/null)" != "$sum" ]; then
	echo "kernel[$kind]: configuring (tinyconfig + fragments)"
	mk tinyconfig >/dev/null
	(cd "$src" && KCONFIG_CONFIG="$obj/.config" \
		scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
		$frags >/dev/null)
	mk olddefconfig >/dev/null
	echo "$sum" > "$obj/.frags"
fi
# merge_config drops options whose dependencies are missing: refuse that.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" || {
			echo "kernel[$kind]: $line requested but .config has:" \
			     "$(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo unset)" >&2
			bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$obj/.config" || {
			echo "kernel[$kind]: $opt should be off" >&2; bad=1; } ;;
	esac
done < <(cat $frags)
[ $bad = 0 ] || { rm -f "$obj/.frags"; exit 1; }

echo "kernel[$kind]: building $image in $obj"
start=$(date +%s)
mk -j"$(nproc)" $image
mk headers_install INSTALL_HDR_PATH="$obj/usr" >/dev/null
echo "kernel[$kind]: built in $(( $(date +%s) - start ))s: $obj/arch/$karch/boot/$image"
