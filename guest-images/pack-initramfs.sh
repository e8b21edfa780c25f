#!/bin/sh
# pack-initramfs.sh ROOT OUT [GZIP_LEVEL] - pack the tree ROOT into the
# gzipped newc cpio OUT, reproducibly (every time stamp SOURCE_DATE_EPOCH,
# default 0; owner root; sorted names).  A /dev/console node is appended
# by hand so that a non-root build still gives the kernel the console it
# opens before /init runs.  Shared by every initramfs the project builds.
set -eu

root=$1 out=$2 level=${3:-9}
epoch=${SOURCE_DATE_EPOCH:-0}

find "$root" -exec touch -h -d "@$epoch" {} +

# One newc header + name (no data), padded to 4 bytes.
newc() { # NAME MODE RDEVMAJOR RDEVMINOR INO
	ns=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$5" "$2" 0 0 1 "$epoch" 0 0 0 "$3" "$4" "$ns" 0
	printf '%s\0' "$1"
	pad=$(((4 - (110 + ns) % 4) % 4))
	while [ "$pad" -gt 0 ]; do printf '\0'; pad=$((pad - 1)); done
}

{
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet)
	newc dev/console $((0020600)) 5 1 1048575
	newc TRAILER!!! 0 0 0 0
} | gzip -n "-$level" > "$out.part"
mv -f "$out.part" "$out"
