#!/bin/sh
# mkinitrd.sh OUT BUSYBOX INIT WORKLOAD
# Builds the reference guest's initramfs: a gzip'ed newc cpio holding the
# static busybox (applet symlinks as `busybox --list-full` gives them), /init
# and /bin/v3-workload, plus a /dev/console node (written as a second,
# hand-made newc archive so no root or mknod is needed).  Reproducible:
# fixed owner and mtime (SOURCE_DATE_EPOCH, default 0), gzip -n.
set -eu
out=$1 busybox=$2 init=$3 workload=$4

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
"$(dirname "$0")/pack-initramfs.sh" "$r" "$out" 9
