#!/bin/sh
# check-deps.sh KERNEL BUSYBOX ISOLINUX_BIN LDLINUX_C32
# Checks what the reference guest build needs; names the Debian package
# for each missing piece.  Silent and exit 0 when all is there.
kernel=$1 busybox=$2 isolinux=$3 ldlinux=$4
missing='' pkgs=''

need() { # need PACKAGE MESSAGE
	missing="${missing}  - $2 (Debian package: $1)
"
	case " $pkgs " in *" $1 "*) ;; *) pkgs="$pkgs $1" ;; esac
}

if [ -z "$kernel" ]; then
	need linux-image-amd64 "no kernel: no <ver> in /usr/lib/modules with a /boot/vmlinuz-<ver>"
elif [ ! -r "$kernel" ]; then
	need linux-image-amd64 "kernel $kernel missing or unreadable"
fi

if [ ! -x "$busybox" ]; then
	need busybox-static "$busybox missing"
elif LC_ALL=C ldd "$busybox" >/dev/null 2>&1; then
	need busybox-static "$busybox is dynamically linked (Debian's 'busybox' package); the initramfs needs the static busybox"
else
	applets=$("$busybox" --list 2>/dev/null)
	for a in sh mount grep awk cat seq sort sha256sum md5sum gzip gunzip cut \
		 setsid cttyhack poweroff sync mkdir; do
		printf '%s\n' "$applets" | grep -qx "$a" ||
			need busybox-static "$busybox lacks the applet '$a'"
	done
fi

for t in cpio:cpio gzip:gzip xorriso:xorriso; do
	command -v "${t%%:*}" >/dev/null 2>&1 || need "${t#*:}" "'${t%%:*}' not in PATH"
done
[ -r "$isolinux" ] || need isolinux "$isolinux missing"
[ -r "$ldlinux" ] || need syslinux-common "$ldlinux missing"

if [ -n "$missing" ]; then
	printf 'guest-images: cannot build the reference guest ISOs:\n%s' "$missing" >&2
	printf 'guest-images: install with: apt-get install -y%s\n' "$pkgs" >&2
	exit 1
fi
exit 0
