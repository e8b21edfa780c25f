/* launcher.c - run the VMs the LWK was booted with, one after another,
 * and report on each in the line protocol the test harness parses:
 *
 *   V3-VM-BEGIN <cfg>
 *   V3-STAT <cfg> vcpu<i> <reason> count=<n> cycles=<total>   (non-zero)
 *   V3-MEM <cfg> guest=<bytes> vmm=<bytes>
 *   V3-VM-END <cfg> status=<status> reason=<text>
 *   V3-LEAK <cfg> pages=<n> heap=<bytes>      (only if memory leaked)
 *   ...
 *   V3-HOST-DONE
 *
 * Modules are named by the basename of their command line's first word;
 * every module whose name ends in ".cfg" is a VM configuration, and all
 * modules are offered to every VM as images. */
#include "v3_vm.h"

#include "cmdline.h"
#include "kitten_host.h"
#include "kstring.h"
#include "mm.h"
#include "multiboot.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "serial.h"
#include "time.h"

#define DEFAULT_VM_TIMEOUT_S 60
#define POLL_US 10000

static struct v3_image images[MB_MAX_MODULES];
static int nimages;

/* Guest console bytes go to COM1 untouched. */
/* What is typed on the host console goes to the running guest. */
static void forward_console_input(struct v3_vm *vm)
{
	char buf[64];
	size_t n = serial_read(buf, sizeof(buf));

	if (n)
		v3_vm_console_input(vm, buf, n);
}

static void guest_console(void *priv, const char *s, size_t n)
{
	(void)priv;
	serial_write(s, n);
}

static void print_stats(const char *cfg, struct v3_vm *vm)
{
	struct v3_exit_stat st[V3_EXIT_MAX];
	uint64_t guest = 0, vmm = 0;
	int n = v3_vm_num_vcpus(vm);

	for (int i = 0; i < n; i++) {
		if (v3_vm_exit_stats(vm, i, st) != 0)
			continue;
		for (int r = 0; r < V3_EXIT_MAX; r++)
			if (st[r].count)
				printk("V3-STAT %s vcpu%d %s count=%lu "
				       "cycles=%lu\n", cfg, i,
				       v3_exit_reason_name(r),
				       (unsigned long)st[r].count,
				       (unsigned long)st[r].cycles);
	}
	v3_vm_mem_usage(vm, &guest, &vmm);
	printk("V3-MEM %s guest=%lu vmm=%lu\n", cfg, (unsigned long)guest,
	       (unsigned long)vmm);
}

/* Everything the VMM took for a VM must be back after destroy (or
 * after a failed create). */
static void check_leak(const char *cfg, const struct mem_stats *before)
{
	struct mem_stats after;

	/* Let exited vcpu threads be reaped first. */
	yield();
	mem_stats(&after);
	if (after.pages_in_use != before->pages_in_use ||
	    after.heap_bytes != before->heap_bytes)
		printk("V3-LEAK %s pages=%ld heap=%ld\n", cfg,
		       (long)(after.pages_in_use - before->pages_in_use),
		       (long)(after.heap_bytes - before->heap_bytes));
}

static void run_vm(const struct mb_module *m, uint64_t timeout_us)
{
	const char *cfg = m->name;
	struct mem_stats before;
	char err[256] = "";
	struct v3_vm *vm;
	uint64_t start;
	int timed_out = 0;

	printk("V3-VM-BEGIN %s\n", cfg);
	mem_stats(&before);
	vm = v3_vm_create((const char *)m->start, m->end - m->start, images,
			  nimages, err, sizeof(err));
	if (!vm) {
		printk("V3-VM-END %s status=-1 reason=%s\n", cfg,
		       err[0] ? err : "unknown error");
		check_leak(cfg, &before);
		return;
	}
	v3_vm_set_console(vm, guest_console, NULL);
	if (v3_vm_launch(vm) != 0)
		printk("kitten: %s: launch failed\n", cfg);

	start = now_usec();
	while (v3_vm_state(vm) != V3_VM_STOPPED) {
		if (timeout_us && now_usec() - start >= timeout_us) {
			timed_out = 1;
			v3_vm_stop(vm);
			break;
		}
		forward_console_input(vm);
		sleep_usec(POLL_US);
	}

	/* A guest that stopped mid-line would glue its last words to the
	 * first marker. */
	serial_start_line();
	print_stats(cfg, vm);
	printk("V3-VM-END %s status=%d reason=%s\n", cfg,
	       v3_vm_exit_status(vm),
	       timed_out ? "timeout" : v3_vm_stop_reason(vm));
	v3_vm_destroy(vm);
	check_leak(cfg, &before);
}

int launcher_main(void *arg)
{
	uint64_t timeout_s = DEFAULT_VM_TIMEOUT_S;
	int ncfg = 0;

	(void)arg;
	if (cmdline_flag("selftest") && selftest_run() != 0)
		poweroff(1);
	cmdline_u64("vm_timeout", &timeout_s);

	if (v3_init(&kitten_host_ops) != 0) {
		printk("kitten: VMM unavailable\n");
		poweroff(1);
	}

	for (int i = 0; i < boot_info.nmodules; i++) {
		const struct mb_module *m = &boot_info.modules[i];

		images[i].name = m->name;
		images[i].data = (const void *)m->start;
		images[i].size = m->end - m->start;
		if (kends_with(m->name, ".cfg"))
			ncfg++;
	}
	nimages = boot_info.nmodules;
	if (!ncfg) {
		printk("kitten: no VM configuration given\n");
		poweroff(1);
	}

	for (int i = 0; i < boot_info.nmodules; i++)
		if (kends_with(boot_info.modules[i].name, ".cfg"))
			run_vm(&boot_info.modules[i], timeout_s * 1000000);

	v3_deinit();
	printk("V3-HOST-DONE\n");
	poweroff(0);
}
