#!/bin/sh
# deps.sh - install the Debian packages the build and the tests need,
# only those missing: `apt-get update` once, then one install.  Safe to
# run again (it does nothing when all are there).  Uses sudo when not
# root.
set -eu

PACKAGES="qemu-system-x86 seabios bochs bochsbios vgabios linux-image-amd64
linux-headers-amd64 busybox-static cpio xorriso isolinux syslinux-common
ipxe build-essential python3"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	"install ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all packages installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "deps: need root (or sudo) to install:$missing" >&2
	exit 1
fi

echo "deps: installing:$missing"
$SUDO apt-get update
# shellcheck disable=SC2086 # one word per package
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing
