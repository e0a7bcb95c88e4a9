#!/bin/bash
# Configure and build one guest kernel out of tree.
# usage: build-kernel.sh BUILD_DIR test|bench
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath -m "${1:?usage: build-kernel.sh BUILD_DIR test|bench}")
kind=${2:?usage: build-kernel.sh BUILD_DIR test|bench}
src="$build/src"
obj="$build/obj-$kind"
frags="$here/config/common.config $here/config/$kind.config"
[ -f "$here/config/$kind.config" ] || { echo "no config $kind" >&2; exit 1; }

export CCACHE_BASEDIR="$build"
export CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP="2026-01-01"
export KBUILD_BUILD_USER=pidfd_spawn KBUILD_BUILD_HOST=guest
mk() { make -s -C "$src" O="$obj" ARCH=x86_64 CC="ccache gcc" "$@"; }

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

echo "kernel[$kind]: building bzImage in $obj"
start=$(date +%s)
mk -j"$(nproc)" bzImage
mk headers_install INSTALL_HDR_PATH="$obj/usr" >/dev/null
echo "kernel[$kind]: built in $(( $(date +%s) - start ))s: $obj/arch/x86/boot/bzImage"
