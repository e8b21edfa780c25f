#!/bin/sh
# /init of the L1 initramfs of the QEMU+KVM reference benchmark (README.md).
# busybox ash (read -t is not POSIX).
#
# Runs in a Debian kernel booted under `qemu -accel tcg -cpu EPYC,+svm,+npt`:
# loads kvm + kvm_amd, copies the reference ISO from the disk L1 was given,
# boots it with QEMU+KVM (L2), timestamps L2's console and prints the KVM
# exit counters of /sys/kernel/debug/kvm at three points:
#   KVM-RESULT phase=userspace time_to_userspace=<s> total_exits=<n> ...
#   KVM-RESULT phase=done      time_to_done=<s>      total_exits=<n> ...
#   KVM-RESULT phase=exit      time_to_exit=<s> reason=<r> total_exits=<n> ...
# (at the guest's GUEST-USERSPACE-UP line, at its GUEST-WORK-DONE line, and
# once L2 has shut down -- QEMU is told to pause rather than exit then, so
# the VM, and with it its counters, still exists).  Times are seconds since
# L2's QEMU was started, on L1's clock.  Then L1 powers off.
#
# With l1.kernel=1 the disk holds a Multiboot ELF (a test guest) instead:
# L2 boots it with -kernel, its console is the debugcon port 0xe9 and it
# ends through isa-debug-exit at 0xf4, which makes QEMU exit at once.
# The counters are snapshot at the guest's first BENCH-IPI, BENCH-DONE or
# SUMMARY line (phase=done), and "KVM-L2-GUEST-EXIT qemu_status=<n>" gives
# QEMU's exit status ((guest status << 1) | 1).
#
# Kernel command line:
#   l1.npt=0|1         kvm_amd's npt parameter (default 1)
#   l1.kvm_amd=a=1,b=2 more kvm_amd parameters
#   l1.smp=N l1.mem=MiB  L2's vCPUs (default 1) and memory (default 256)
#   l1.disk=DEV        the ISO's block device (default /dev/vda)
#   l1.kernel=1        the disk holds a Multiboot ELF, not an ISO
#   l1.timeout=S       give up on L2 after S seconds (default 300)
#   l1.stall=S         give up when KVM counts no exit for S s (default 30)
#   l1.trace=1         also trace every exit until GUEST-USERSPACE-UP and print
#                      "KVM-TRACE ..." tallies by exit reason, port and MMIO
#                      address (a diagnosis: tracing slows L2 down)
# A stuck L2 (timeout/stall) gets "KVM-RESULT phase=timeout|stalled", its
# registers and interrupt controllers as L2-STATE lines, then KVM-FAIL.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
B=/lib/kvm-bench
DBG=/sys/kernel/debug/kvm

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs -o mode=1777 tmpfs /tmp

uptime_s() { read -r u _ < /proc/uptime; echo "$u"; }

end() { # STATUS
	echo "KVM-END status=$1 uptime=$(uptime_s)"
	sync
	poweroff -f
	sleep 10
	echo "KVM-FAIL poweroff -f did not power off"
	exit 1
}

fail() { # MESSAGE
	echo "KVM-FAIL $*"
	dmesg | tail -n 25 | sed 's/^/L1-DMESG /'
	end fail
}

npt=1 smp=1 mem=256 disk=/dev/vda timeout=300 stall=30 trace=0 kvm_amd_extra=
kernel=0
for arg in $(cat /proc/cmdline); do
	case $arg in
	l1.npt=*)     npt=${arg#*=} ;;
	l1.kvm_amd=*) kvm_amd_extra=$(echo "${arg#*=}" | tr , ' ') ;;
	l1.smp=*)     smp=${arg#*=} ;;
	l1.mem=*)     mem=${arg#*=} ;;
	l1.disk=*)    disk=${arg#*=} ;;
	l1.timeout=*) timeout=${arg#*=} ;;
	l1.stall=*)   stall=${arg#*=} ;;
	l1.trace=*)   trace=${arg#*=} ;;
	l1.kernel=*)  kernel=${arg#*=} ;;
	esac
done
case $npt in 0|1) ;; *) fail "l1.npt=$npt: want 0 or 1" ;; esac
for v in "$smp" "$mem" "$timeout" "$stall"; do
	case $v in ''|*[!0-9]*) fail "bad number '$v' in l1.smp/l1.mem/l1.timeout/l1.stall" ;; esac
done

echo "KVM-L1-UP uptime=$(uptime_s) kernel=$(uname -r)" \
	"cpus=$(grep -c '^processor' /proc/cpuinfo)" \
	"mem=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
grep -qw svm /proc/cpuinfo || fail "L1 CPU has no svm flag (qemu -cpu ...,+svm?)"

# --- kvm, kvm_amd, virtio_blk --------------------------------------------
while read -r name path; do
	params=
	[ "$name" = kvm_amd ] && params="npt=$npt $kvm_amd_extra"
	# shellcheck disable=SC2086 # params are separate words
	insmod "$path" $params || fail "insmod $name $params failed"
done < $B/modules
dmesg | grep -iE 'kvm|svm|nested pag' | grep -v 'ommand line:' | sed 's/^/L1-DMESG /'
# The kernel only warns about a parameter it does not know: make it an error.
bad=$(dmesg | sed -n 's/.*kvm_amd: unknown parameter .\([^ ]*\). ignored.*/\1/p')
[ -z "$bad" ] || fail "kvm_amd has no parameter '$bad'"
[ -c /dev/kvm ] || fail "no /dev/kvm after loading kvm_amd"
got=$(cat /sys/module/kvm_amd/parameters/npt)
case $npt$got in
1Y|1y|11|0N|0n|00) ;;
*) fail "kvm_amd has npt=$got, wanted $npt (L1 CPU without +npt?)" ;;
esac
[ -d $DBG ] || fail "no $DBG (debugfs)"
echo "KVM-MODULES-LOADED kvm_amd.npt=$got uptime=$(uptime_s)"

# --- the reference ISO (or test guest) -----------------------------------
# Read from the disk into L1's RAM before L2 starts, so L2's CD reads cost
# what they would from memory, not L1 virtio-blk I/O inside the timing.
i=0
while [ ! -b "$disk" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -b "$disk" ] || fail "no $disk: the guest image is not attached to L1"
if [ "$kernel" = 1 ]; then
	# The image is the ELF padded to whole sectors; QEMU's ELF loader
	# reads only what the program headers name.
	cat "$disk" > /tmp/guest.elf || fail "cannot read the guest from $disk"
	magic=$(dd if=/tmp/guest.elf bs=1 skip=1 count=3 2>/dev/null)
	[ "$magic" = ELF ] || fail "$disk holds no ELF image"
	echo "KVM-KERNEL bytes=$(wc -c < /tmp/guest.elf) uptime=$(uptime_s)"
	media="-kernel /tmp/guest.elf -display none -serial none -debugcon stdio
		-device isa-debug-exit,iobase=0xf4,iosize=4"
	done_re='^(BENCH-IPI|BENCH-DONE|SUMMARY:)'
else
	cat "$disk" > /tmp/ref.iso || fail "cannot read the ISO from $disk"
	magic=$(dd if=/tmp/ref.iso bs=1 skip=32769 count=5 2>/dev/null)
	[ "$magic" = CD001 ] || fail "$disk holds no ISO 9660 image"
	echo "KVM-ISO bytes=$(wc -c < /tmp/ref.iso) uptime=$(uptime_s)"
	media="-nographic -cdrom /tmp/ref.iso -boot d"
	done_re=GUEST-WORK-DONE
fi

# --- L2 ------------------------------------------------------------------
# Counters: every plain numeric file of $DBG (sums over all VMs; L2 is the
# only one).  Baseline now, deltas later.
for f in $DBG/*; do [ -f "$f" ] && echo "${f##*/}"; done > /tmp/stats
awk -v mode=base -v dir=$DBG -v stats=/tmp/stats -f $B/l2-console.awk \
	> /tmp/base < /dev/null

T=
if [ "$trace" = 1 ]; then
	T=/sys/kernel/debug/tracing
	[ -d $T/events/kvm ] || fail "no kvm trace events in $T"
	echo 0 > $T/tracing_on
	echo 65536 > $T/buffer_size_kb || fail "cannot size the trace buffer"
	for e in kvm_exit kvm_pio kvm_mmio; do
		echo 1 > $T/events/kvm/$e/enable || fail "cannot enable $e"
	done
	echo > $T/trace
	echo 1 > $T/tracing_on
	echo "KVM-TRACE on events=kvm_exit,kvm_pio,kvm_mmio"
fi

# QMP on two FIFOs (QEMU opens <path>.in and <path>.out read-write, so
# nobody blocks): the SHUTDOWN/STOP events tell when L2 is done, and
# "-action shutdown=pause" keeps the VM (and its counters) until "quit".
mkfifo /tmp/qmp.in /tmp/qmp.out
# shellcheck disable=SC2086 # $media holds separate words
set -- qemu-system-x86_64 -enable-kvm -cpu host -smp "$smp" -m "$mem" \
	-no-reboot -net none -vga none $media \
	-action shutdown=pause \
	-chardev pipe,id=qmp,path=/tmp/qmp -mon chardev=qmp,mode=control
echo "KVM-L2-CMD $*"
t0=$(uptime_s)
echo "KVM-L2-START uptime=$t0"
(
	"$@" < /dev/null 2>&1 &
	echo $! > /tmp/qemu.pid
	wait $!
	st=$?
	echo "$st" > /tmp/qemu.status
	echo "KVM-L2-QEMU-EXIT status=$st"
) | awk -v mode=console -v t0="$t0" -v dir=$DBG -v stats=/tmp/stats \
	-v base=/tmp/base -v tracing="$T" -v done_re="$done_re" \
	-f $B/l2-console.awk &
pipeline=$!

i=0
while [ ! -s /tmp/qemu.pid ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
qpid=$(cat /tmp/qemu.pid 2>/dev/null)
[ -n "$qpid" ] || fail "L2 QEMU did not start"
exec 3<> /tmp/qmp.out 4<> /tmp/qmp.in
echo '{"execute": "qmp_capabilities"}' >&4

snapshot() { # PHASE [KEY=VALUE]
	awk -v mode=snap -v phase="$1" -v extra="$2" -v t0="$t0" -v dir=$DBG \
		-v stats=/tmp/stats -v base=/tmp/base -f $B/l2-console.awk \
		< /dev/null
}

elapsed() { awk -v t0="$t0" '{ printf "%.3f", $1 - t0 }' /proc/uptime; }

# Every 10 s a line of raw counters, so a log shows whether L2 is moving.
progress() {
	line="KVM-PROGRESS time=$(elapsed)"
	for c in exits io_exits mmio_exits irq_injections halt_exits irq_window_exits; do
		read -r v < $DBG/$c
		line="$line $c=$v"
	done
	echo "$line"
}

# Where a stuck L2 is: its registers and interrupt controllers (from its
# QEMU's monitor) and what the threads of that QEMU wait on in L1.
l2_state() {
	for cmd in "info registers" "info lapic" "info pic"; do
		printf '{"execute": "human-monitor-command", "arguments": {"command-line": "%s"}}\n' "$cmd" >&4
		i=0
		while [ $i -lt 20 ] && read -t 3 -r resp <&3; do
			case $resp in
			*'"return"'*|*'"error"'*)
				printf "%s\n" "$resp" | awk -v p="L2-STATE $cmd | " '{
					sub(/^\{"return": "/, ""); sub(/"\}$/, "")
					gsub(/\\t/, " "); gsub(/\\r\\n|\\n/, "\n")
					n = split($0, l, "\n")
					for (i = 1; i <= n; i++) print p l[i] }'
				break ;;
			esac
			i=$((i + 1))
		done
	done
	for t in /proc/"$qpid"/task/*; do
		echo "L2-STATE thread $(cat "$t/comm") state=$(awk '{ print $3 }' "$t/stat")" \
			"wchan=$(cat "$t/wchan" 2>/dev/null)"
	done
}

# L2 is stalled when KVM counts no exit for l1.stall seconds: a guest that
# runs takes timer interrupts, and firmware and boot loader poll ports.
deadline=$(( ${t0%.*} + timeout ))
next_progress=$(( ${t0%.*} + 10 ))
last_exits=-1 last_change=${t0%.*}
outcome='' reason=''
while :; do
	if read -t 1 -r ev <&3; then
		case $ev in
		*'"event": "SHUTDOWN"'*)
			reason=$(echo "$ev" | sed -n 's/.*"reason": "\([^"]*\)".*/\1/p')
			echo "KVM-L2-SHUTDOWN reason=${reason:-unknown} time=$(elapsed)"
			;;
		*'"event": "STOP"'*)
			[ -n "$reason" ] && { outcome=shutdown; break; } ;;
		esac
	fi
	kill -0 "$qpid" 2>/dev/null || { outcome=died; break; }
	now=$(uptime_s)
	now=${now%.*}
	[ "$now" -ge "$deadline" ] && { outcome=timeout; break; }
	read -r exits < $DBG/exits
	if [ "$exits" != "$last_exits" ]; then
		last_exits=$exits last_change=$now
	elif [ $((now - last_change)) -ge "$stall" ]; then
		outcome=stalled; break
	fi
	if [ "$now" -ge "$next_progress" ]; then
		progress
		next_progress=$((now + 10))
	fi
done

case $outcome in
shutdown)
	snapshot exit "reason=$reason"
	echo '{"execute": "quit"}' >&4
	;;
timeout|stalled)
	snapshot "$outcome"
	l2_state
	kill "$qpid" 2>/dev/null
	;;
esac
i=0
while kill -0 "$qpid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 "$qpid" 2>/dev/null
wait $pipeline
# Tallies of the trace (stopped by l2-console.awk at GUEST-USERSPACE-UP):
# "KVM-TRACE <kind> count=<n> <what>", most frequent first.
trace_summary() {
	echo 0 > $T/tracing_on
	for f in $T/per_cpu/cpu*/stats; do
		awk -v c="${f%/stats}" '$1 == "overrun:" && $2 > 0 {
			print "KVM-TRACE overrun cpu=" c " lost=" $2 }' "$f"
	done
	awk '
	# where: the guest code that exited, by RIP -- firmware (below 1 MiB:
	# SeaBIOS, ISOLINUX), boot (below 4 GiB: the kernel decompressor) or
	# kernel (the kernel proper).  PIO and MMIO events follow their exit.
	/ kvm_exit: / {
		r = ""; w = ""
		for (i = 1; i < NF; i++) {
			if ($i == "reason") r = $(i + 1)
			if ($i == "rip") {
				h = $(i + 1); sub(/^0x0*/, "", h)
				w = length(h) <= 5 ? "firmware" : length(h) <= 8 ? "boot" : "kernel"
			}
		}
		where = w
		exits["reason=" r " where=" w]++
	}
	/ kvm_pio: / {
		for (i = 1; i < NF; i++) if ($i ~ /^pio_/) {
			pio["dir=" substr($i, 5) " port=" $(i + 2) " size=" $(i + 4) \
			    " where=" where]++
			break
		}
	}
	/ kvm_mmio: / {
		for (i = 1; i < NF; i++) if ($i == "mmio") {
			mmio["type=" $(i + 1) " gpa=" $(i + 5) " where=" where]++; break }
	}
	END {
		for (k in exits) print exits[k], "exit " k
		for (k in pio) print pio[k], "pio " k
		for (k in mmio) print mmio[k], "mmio " k
	}' $T/trace | sort -rn | awk '{ n = $1; k = $2; $1 = ""; $2 = ""
		sub(/^ +/, ""); print "KVM-TRACE " k " count=" n " " $0 }'
}
[ -n "$T" ] && trace_summary

if [ "$kernel" = 1 ] && [ "$outcome" = died ] && [ -s /tmp/qemu.status ]; then
	echo "KVM-L2-GUEST-EXIT qemu_status=$(cat /tmp/qemu.status) time=$(elapsed)"
	end ok
fi
case $outcome in
shutdown) end ok ;;
timeout)  fail "L2 did not shut down within l1.timeout=$timeout s" ;;
stalled)  fail "L2 stalled: no VM exit for l1.stall=$stall s (exits=$last_exits)" ;;
*)        fail "L2 QEMU exited without a guest shutdown (see its output above)" ;;
esac
