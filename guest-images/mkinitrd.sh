#!/bin/sh
# mkinitrd.sh OUT BUSYBOX INIT WORKLOAD
# Builds the reference guest's initramfs: a gzip'ed newc cpio holding the
# static busybox (applet symlinks as `busybox --list-full` gives them), /init
# and /bin/v3-workload, plus a /dev/console node (written as a second,
# hand-made newc archive so no root or mknod is needed).  Reproducible:
# fixed owner and mtime (SOURCE_DATE_EPOCH, default 0), gzip -n.
set -eu
out=$1 busybox=$2 init=$3 workload=$4
epoch=${SOURCE_DATE_EPOCH:-0}

tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/dev" "$r/proc" \
	"$r/sys" "$r/tmp" "$r/root" "$r/etc"
cp "$busybox" "$r/bin/busybox"
for a in $("$busybox" --list-full); do
	[ -e "$r/$a" ] || [ -L "$r/$a" ] || ln -s /bin/busybox "$r/$a"
done
cp "$init" "$r/init"
cp "$workload" "$r/bin/v3-workload"
chmod 755 "$r/bin/busybox" "$r/init" "$r/bin/v3-workload"
chmod 1777 "$r/tmp"
chmod 700 "$r/root"
cat > "$r/etc/profile" <<'PROFILE'
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
PS1='guest:\w# '
cd /root
PROFILE
echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
echo 'root:x:0:' > "$r/etc/group"
find "$r" -exec touch -h -d "@$epoch" {} +

# One newc header + name (+ no data), padded to 4 bytes.
newc() { # NAME MODE RDEVMAJOR RDEVMINOR INO
	ns=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$5" "$2" 0 0 1 "$epoch" 0 0 0 "$3" "$4" "$ns" 0
	printf '%s\0' "$1"
	pad=$(((4 - (110 + ns) % 4) % 4))
	while [ "$pad" -gt 0 ]; do printf '\0'; pad=$((pad - 1)); done
}

{
	(cd "$r" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet)
	newc dev/console $((0020600)) 5 1 1048575
	newc TRAILER!!! 0 0 0 0
} | gzip -n -9 > "$tmp/initrd.gz"
mv -f "$tmp/initrd.gz" "$out"
