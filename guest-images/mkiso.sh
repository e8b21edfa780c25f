#!/bin/sh
# mkiso.sh OUT KERNEL INITRD CFG_TEMPLATE DEFAULT_LABEL ISOLINUX_BIN LDLINUX_C32 [ISOHDPFX]
# Builds an El Torito (no-emulation) ISOLINUX ISO:
#   /isolinux/{isolinux.bin,ldlinux.c32,isolinux.cfg}  /vmlinuz  /initrd.gz
# isolinux.cfg is CFG_TEMPLATE with @DEFAULT@ replaced by DEFAULT_LABEL.
# With ISOHDPFX (isolinux's isohdpfx.bin) the image is also isohybrid, i.e.
# bootable as a raw disk.  Reproducible through SOURCE_DATE_EPOCH (default 0).
set -eu
out=$1 kernel=$2 initrd=$3 cfg=$4 label=$5 isolinux=$6 ldlinux=$7 hybrid=${8:-}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
export SOURCE_DATE_EPOCH

tmp=$(mktemp -d "$out.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
d=$tmp/iso
mkdir -p "$d/isolinux"
cp "$isolinux" "$d/isolinux/isolinux.bin"
cp "$ldlinux" "$d/isolinux/ldlinux.c32"
sed "s/@DEFAULT@/$label/" "$cfg" > "$d/isolinux/isolinux.cfg"
grep -q "^LABEL $label\$" "$d/isolinux/isolinux.cfg" || {
	echo "mkiso.sh: no 'LABEL $label' in $cfg" >&2; exit 1; }
cp "$kernel" "$d/vmlinuz"
cp "$initrd" "$d/initrd.gz"
chmod 644 "$d/isolinux/"* "$d/vmlinuz" "$d/initrd.gz"
find "$d" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

set -- -as mkisofs -o "$tmp/out.iso" -V V3VEE_REF -r \
	-b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table
[ -n "$hybrid" ] && set -- "$@" -isohybrid-mbr "$hybrid"
if ! xorriso "$@" "$d" > "$tmp/xorriso.log" 2>&1; then
	cat "$tmp/xorriso.log" >&2
	echo "mkiso.sh: xorriso failed building $out" >&2
	exit 1
fi
mv -f "$tmp/out.iso" "$out"
