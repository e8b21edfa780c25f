#!/bin/bash
# check-reference.sh [-k] ISO
# Boots ISO under plain QEMU TCG and checks its serial output for
#   the ISOLINUX SAY line   v3vee reference guest: booting
#   GUEST-USERSPACE-UP uptime=<s> cpus=<n> mem=<kB>
#   GUEST-WORK-DONE result=<sha256>
# and that the guest powered off.  If <ISO without .iso>.result (written by
# the build) exists, the checksum must match it.  Prints the wall time from
# QEMU's start to each marker.  Exit 0 = pass.
#
# Environment: QEMU (default qemu-system-x86_64), TIMEOUT (s, default 90),
# QEMU_ARGS (extra arguments, e.g. "-smp 2"), LOG (keep the serial log there;
# default: a temp file, kept and named only on failure).
set -u
say_line='v3vee reference guest: booting'

iso=${1:-}
if [ -z "$iso" ] || [ ! -r "$iso" ]; then
	echo "usage: $0 ISO   (ISO not readable: '${iso}')" >&2
	exit 2
fi
qemu=${QEMU:-qemu-system-x86_64}
if ! command -v "$qemu" >/dev/null 2>&1; then
	echo "check-reference: $qemu not found (Debian package: qemu-system-x86)" >&2
	exit 2
fi
if ! command -v timeout >/dev/null 2>&1; then
	echo "check-reference: timeout not found (Debian package: coreutils)" >&2
	exit 2
fi
tmo=${TIMEOUT:-90}
expect=
[ -r "${iso%.iso}.result" ] && expect=$(cat "${iso%.iso}.result")

keep_log=${LOG:+1}
log=${LOG:-$(mktemp "${TMPDIR:-/tmp}/check-reference.XXXXXX")}

# Serial goes to stdout.  SeaBIOS's serial console (sercon) mirrors what
# ISOLINUX writes to the video console, so terminal escape sequences (cursor
# moves, clear screen) land in the middle of lines, even inside the SAY line:
# strip them (and CRs), then stamp each line with the seconds since QEMU
# started (when its newline arrives; within ~1 ms).
start=$EPOCHREALTIME
# shellcheck disable=SC2086
timeout -k 5 "$tmo" "$qemu" -accel tcg -m 512 -nographic -no-reboot -net none \
	-cdrom "$iso" -boot d ${QEMU_ARGS:-} < /dev/null 2>&1 |
sed -u -e 's/\x1b\[[0-9;?]*[@-~]//g' -e 's/\x1b[@-Z\\-_a-z]//g' -e 's/\r//g' |
while IFS= read -r line || [ -n "$line" ]; do
	now=$EPOCHREALTIME
	s=${start%.*}${start#*.} n=${now%.*}${now#*.}
	us=$((10#$n - 10#$s))
	printf '%d.%03d %s\n' $((us / 1000000)) $((us % 1000000 / 1000)) "$line"
done > "$log"
rc=${PIPESTATUS[0]}
end=$EPOCHREALTIME
s=${start%.*}${start#*.} n=${end%.*}${end#*.}
total_us=$((10#$n - 10#$s))
total=$(printf '%d.%01d' $((total_us / 1000000)) $((total_us % 1000000 / 100000)))

# first_at PATTERN -> "<seconds> <line>" of the first matching line
first_at() { grep -m1 -E "^[0-9.]+ .*$1" "$log"; }

fail=
say=$(first_at "$say_line") || fail="$fail no SAY line ('$say_line': ISOLINUX did not run);"
up=$(first_at 'GUEST-USERSPACE-UP uptime=[0-9.]+ cpus=[0-9]+ mem=[0-9]+') ||
	fail="$fail no GUEST-USERSPACE-UP;"
done_l=$(first_at 'GUEST-WORK-DONE result=[0-9a-f]+') || fail="$fail no GUEST-WORK-DONE;"
if [ -n "$done_l" ] && [ -n "$expect" ]; then
	got=${done_l##*result=}
	got=${got%%[!0-9a-f]*}
	[ "$got" = "$expect" ] || fail="$fail result $got != expected $expect;"
fi
if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
	fail="$fail timed out after ${tmo}s (no power-off);"
elif [ "$rc" != 0 ]; then
	fail="$fail qemu exited with status $rc;"
fi
grep -qE 'Kernel panic|BUG:|Oops' "$log" && fail="$fail kernel panic/BUG/Oops in the log;"

name=$(basename "$iso")
if [ -n "$fail" ]; then
	echo "check-reference: FAIL $name:$fail" >&2
	echo "--- last serial lines (seconds since start):" >&2
	tail -n 25 "$log" >&2
	echo "--- full serial log: $log" >&2
	exit 1
fi
echo "check-reference: PASS $name (plain QEMU TCG, wall seconds since start)"
echo "  isolinux SAY         ${say%% *} s"
echo "  GUEST-USERSPACE-UP   ${up%% *} s   (${up#* })"
echo "  GUEST-WORK-DONE      ${done_l%% *} s   (${done_l#* })"
echo "  powered off          $total s"
[ -n "$keep_log" ] || rm -f "$log"
exit 0
