#!/bin/bash
# Install the Debian packages the build needs, or say which to install.
# usage: deps.sh [arm64]     (arm64: also what make check-arm64 needs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/base.env"

# lib32gcc-12-dev and libc6-dev-i386 (gcc -m32) rather than gcc-multilib,
# which Debian declares in conflict with its cross compilers.
pkgs="build-essential flex bison bc libelf-dev libssl-dev cpio ccache rsync
qemu-system-x86 busybox-static liburing-dev libcap-dev gnuplot-nox python3 strace make
groff-base man-db python3-docutils lib32gcc-12-dev libc6-dev-i386 file"
[ "${1:-}" = arm64 ] &&
	pkgs="$pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
base_ok=1
[ "$(dpkg-query -W -f='${Version}' "$BASE_PKG" 2>/dev/null)" = "$BASE_DEB_VERSION" ] ||
	base_ok=0
[ -z "$missing" ] && [ $base_ok = 1 ] && exit 0

want="$missing"
[ $base_ok = 1 ] || want="$want $BASE_PKG=$BASE_DEB_VERSION"
if [ "$(id -u)" != 0 ]; then
	echo "Missing packages. Run as root:" >&2
	echo "  apt-get update && apt-get install -y$want" >&2
	exit 1
fi
echo "deps: installing$want"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $want >/dev/null
