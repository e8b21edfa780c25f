# l2-console.awk -- timestamps L2's console and snapshots KVM's counters
# (busybox awk; part of the L1 initramfs, see l1-init.sh and README.md).
#
#   mode=base     print "name value" for every counter (the baseline)
#   mode=snap     print one KVM-RESULT line for phase=<phase>, <extra>
#   mode=console  copy stdin as "L2 <seconds since t0> | <line>"; at
#                 GUEST-USERSPACE-UP and at the first line matching
#                 done_re (GUEST-WORK-DONE unless given) add a KVM-RESULT
#                 line (phase=userspace, phase=done).
# Variables: dir (the kvm debugfs directory), stats (a file naming its
# counters, one a line), base (the baseline file), t0 (L1 uptime when L2's
# QEMU started), tracing (the tracefs directory, if tracing: stopped at
# GUEST-USERSPACE-UP).
#
# Counters are read straight from debugfs here, in the same process that
# sees the marker line, so no fork sits between the two.

function now(   line, f) {
	getline line < "/proc/uptime"
	close("/proc/uptime")
	split(line, f, " ")
	return f[1]
}

# Read every counter into cur[], the headline ones first (they are read
# closest to the marker line); names in order into names[1..n].
function read_counters(   k, name) {
	n = 0
	for (k = 1; k <= nhead; k++)
		read_counter(head[k])
	while ((getline name < stats) > 0)
		if (!(name in ishead))
			read_counter(name)
	close(stats)
}

function read_counter(name,   path, v) {
	path = dir "/" name
	v = ""
	getline v < path
	close(path)
	if (v ~ /^[0-9]+$/) {
		names[++n] = name
		cur[name] = v
	}
}

# The headline counters first (exits printed as total_exits), then the
# rest in directory order.
function result(phase, t, extra,   line, i, k, name) {
	read_counters()
	line = "KVM-RESULT phase=" phase " time_to_" phase "=" sprintf("%.3f", t - t0)
	if (extra != "")
		line = line " " extra
	for (k = 1; k <= nhead; k++) {
		name = head[k]
		if (name in cur)
			line = line " " (name == "exits" ? "total_exits" : name) "=" delta(name)
	}
	for (i = 1; i <= n; i++)
		if (!(names[i] in ishead))
			line = line " " names[i] "=" delta(names[i])
	print line
	fflush()
}

function delta(name,   d) {
	d = cur[name] - ((name in b) ? b[name] : 0)
	return sprintf("%d", d)
}

BEGIN {
	nhead = split("exits io_exits mmio_exits irq_injections halt_exits irq_window_exits", head, " ")
	for (k = 1; k <= nhead; k++)
		ishead[head[k]] = 1
	if (base != "") {
		while ((getline l < base) > 0) {
			split(l, f, " ")
			b[f[1]] = f[2]
		}
		close(base)
	}
	if (done_re == "")
		done_re = "GUEST-WORK-DONE"
	if (mode == "base") {
		read_counters()
		for (i = 1; i <= n; i++)
			print names[i], cur[names[i]]
		exit 0
	}
	if (mode == "snap") {
		result(phase, now(), extra)
		exit 0
	}
}

mode == "console" {
	t = now()
	sub(/\r+$/, "")
	gsub(/\r/, " ")
	printf "L2 %8.3f | %s\n", t - t0, $0
	fflush()
	if (index($0, "GUEST-USERSPACE-UP") && !done_up) {
		done_up = 1
		if (tracing != "") {
			printf "0\n" > (tracing "/tracing_on")
			close(tracing "/tracing_on")
		}
		result("userspace", t, "")
	} else if ($0 ~ done_re && !done_work) {
		done_work = 1
		result("done", t, "")
	}
}
