#!/bin/sh
# mkinitramfs.sh OUT
# Builds the L1 initramfs of the QEMU+KVM reference benchmark (README.md):
# a gzip'ed newc cpio holding
#   /bin/busybox + applet links        static, the whole L1 userland
#   /init, /lib/kvm-bench/l2-console.awk   (l1-init.sh, l2-console.awk)
#   /lib/kvm-bench/modules             "name file" lines, in insmod order
#   /lib/modules/<ver>/...             kvm, kvm_amd, virtio_blk and their
#                                      modules.dep dependencies, uncompressed
#   /usr/bin/qemu-system-x86_64        + every library ldd names + ld.so
#   /usr/share/seabios/bios-256k.bin   + the option ROMs QEMU loads
# The reference ISO is not in it: run_kvm_ref.py attaches the ISO to L1 as
# a virtio disk, so one initramfs serves every ISO (see README.md).
#
# Environment: KVER (default: newest <ver> in /usr/lib/modules with a
# /boot/vmlinuz-<ver>), QEMU, BUSYBOX, SOURCE_DATE_EPOCH (default 0).
# Needs no root: /dev/console is written as a hand-made cpio entry.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }

if [ -z "${KVER:-}" ]; then
	KVER=$(ls /usr/lib/modules 2>/dev/null | sort -V | while read -r v; do
		[ -f "/boot/vmlinuz-$v" ] && echo "$v"; done | tail -n 1)
fi
[ -n "$KVER" ] || die "no kernel: install linux-image-amd64 (or set KVER)"
moddir=/usr/lib/modules/$KVER
[ -f "$moddir/modules.dep" ] || die "no $moddir/modules.dep (KVER=$KVER)"
QEMU=$(command -v "${QEMU:-qemu-system-x86_64}") ||
	die "no qemu-system-x86_64: apt-get install qemu-system-x86"
BUSYBOX=${BUSYBOX:-/bin/busybox}
"$BUSYBOX" --list 2>/dev/null | grep -qx insmod ||
	die "$BUSYBOX is not a full busybox: apt-get install busybox-static"
if command -v file > /dev/null &&
	file -L "$BUSYBOX" | grep -q 'dynamically linked'; then
	die "$BUSYBOX is dynamically linked: apt-get install busybox-static"
fi
command -v cpio > /dev/null || die "no cpio: apt-get install cpio"

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
r=$tmp/root
mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/dev" "$r/proc" \
	"$r/sys" "$r/tmp" "$r/root" "$r/etc" "$r/lib/kvm-bench" "$r/lib64" \
	"$r/usr/share/qemu" "$r/usr/share/seabios"

# --- busybox -------------------------------------------------------------
cp "$BUSYBOX" "$r/bin/busybox"
for a in $("$BUSYBOX" --list-full); do
	[ -e "$r/$a" ] || [ -L "$r/$a" ] || ln -s /bin/busybox "$r/$a"
done

# --- kernel modules ------------------------------------------------------
# modules.dep: "kernel/x/a.ko: kernel/y/b.ko kernel/z/c.ko" -- the deps of
# a.ko, which must be loaded before it.  Emit a depth-first post-order so
# every module follows its dependencies; busybox insmod takes plain ELF
# only, so compressed modules are unpacked here.
want="kvm kvm_amd virtio_pci virtio_blk"
order=$tmp/order
: > "$order"
visit() { # RELPATH
	grep -qxF "$1" "$order" && return 0
	deps=$(awk -v m="$1:" '$1 == m { $1 = ""; print; exit }' \
		"$moddir/modules.dep")
	for d in $deps; do visit "$d"; done
	echo "$1" >> "$order"
}
for m in $want; do
	# Module names use '_' but files may use '-' (kvm-amd.ko).
	pat=$(echo "$m" | sed 's/[-_]/[-_]/g')
	rel=$(grep -E "(^|/)$pat\.ko(\.(xz|zst|gz))?:" "$moddir/modules.dep" |
		head -n 1 | cut -d: -f1)
	if [ -z "$rel" ]; then
		# Built into this kernel: nothing to load.
		grep -qE "(^|/)$pat\.ko\$" "$moddir/modules.builtin" 2>/dev/null ||
			die "module $m not in $moddir (KVER=$KVER)"
		continue
	fi
	visit "$rel"
done
: > "$r/lib/kvm-bench/modules"
while read -r rel; do
	src=$moddir/$rel
	dst=$r/lib/modules/$KVER/${rel%.xz}
	dst=${dst%.zst}; dst=${dst%.gz}
	mkdir -p "$(dirname "$dst")"
	case $rel in
	*.ko.xz)  xz -dc "$src" > "$dst" ;;
	*.ko.zst) zstd -qdc "$src" > "$dst" ;;
	*.ko.gz)  gzip -dc "$src" > "$dst" ;;
	*.ko)     cp "$src" "$dst" ;;
	*)        die "unexpected module file $rel" ;;
	esac
	name=$(basename "${dst%.ko}" | tr - _)
	echo "$name /lib/modules/$KVER/${dst#"$r/lib/modules/$KVER/"}" \
		>> "$r/lib/kvm-bench/modules"
done < "$order"

# --- QEMU, its libraries and its firmware --------------------------------
cp "$QEMU" "$r/usr/bin/qemu-system-x86_64"
# ldd prints "libx.so => /path (addr)" and the loader as "/lib64/ld... (addr)";
# copy each to the same path (glibc's ld.so searches the multiarch dirs
# without an ld.so.cache), following symlinks to the real file.
libs=$(ldd "$QEMU" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }')
[ -n "$libs" ] || die "ldd found no libraries for $QEMU"
for l in $libs; do
	[ -f "$l" ] || die "ldd names $l, which does not exist"
	mkdir -p "$r$(dirname "$l")"
	cp -L "$l" "$r$l"
done
ldd "$QEMU" | grep -q 'not found' && die "ldd: $QEMU misses libraries"
# What QEMU opens for "-enable-kvm -vga none -net none -cdrom": SeaBIOS and
# kvmvapic.bin (checked with strace).  linuxboot_dma.bin / multiboot_dma.bin
# make "-kernel" work too.  QEMU looks for them relative to its binary
# (/usr/bin/../share/{qemu,seabios}).
cp -L /usr/share/seabios/bios-256k.bin "$r/usr/share/seabios/" ||
	die "no SeaBIOS: apt-get install seabios"
for f in kvmvapic.bin linuxboot_dma.bin multiboot_dma.bin; do
	cp -L "/usr/share/qemu/$f" "$r/usr/share/qemu/" ||
		die "no /usr/share/qemu/$f (qemu-system-data)"
done
ln -s ../seabios/bios-256k.bin "$r/usr/share/qemu/bios-256k.bin"

# --- /init and friends ---------------------------------------------------
cp "$here/l1-init.sh" "$r/init"
cp "$here/l2-console.awk" "$r/lib/kvm-bench/l2-console.awk"
chmod 755 "$r/init"
chmod 1777 "$r/tmp"
echo "$KVER" > "$r/lib/kvm-bench/kver"
echo 'root:x:0:0:root:/root:/bin/sh' > "$r/etc/passwd"
echo 'root:x:0:' > "$r/etc/group"
"$here/../../../guest-images/pack-initramfs.sh" "$r" "$out" 6
