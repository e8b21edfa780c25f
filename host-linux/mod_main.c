/* mod_main.c - loading and unloading the v3vee module.
 *
 * insmod: the core checks the CPU (SVM, nested paging) and enables
 * virtualization on every online CPU; on a CPU that cannot run guests it
 * says why and the module refuses to load.  rmmod: every VM still there
 * (running, stopped or crashed) is destroyed, the vcpu threads are gone,
 * virtualization is disabled on every CPU, and the module checks that it
 * gave back every page and byte it took. */
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <asm/msr.h>

#include "mod.h"

static int __init v3vee_init(void)
{
	int rc;

	if (v3_init(&linux_host_ops) != 0) {
		pr_err("v3vee: not loaded: this machine cannot run guests "
		       "(reason above)\n");
		return -ENODEV;
	}
	rc = pool_init();
	if (rc) {
		v3_deinit();
		return rc;
	}
	rc = ctl_init();
	if (rc) {
		pool_exit();
		v3_deinit();
		return rc;
	}
	pr_info("v3vee: loaded, %s backend, control device %s\n",
		v3_backend_name(), V3VEE_DEV);
	return 0;
}

static void read_efer(void *arg)
{
	rdmsrl(MSR_EFER, *(u64 *)arg);
}

/* Unload must leave no CPU with SVM on (EFER.SVME, APM vol. 2 §15.4). */
static void check_svm_off(void)
{
	int cpu, n = 0, on = 0;
	u64 efer;

	for_each_online_cpu(cpu) {
		n++;
		if (smp_call_function_single(cpu, read_efer, &efer, 1) == 0 &&
		    (efer & EFER_SVME)) {
			pr_err("v3vee: EFER.SVME still set on cpu %d\n", cpu);
			on++;
		}
	}
	if (!on)
		pr_info("v3vee: SVM off on all %d cpu(s)\n", n);
}

static void __exit v3vee_exit(void)
{
	struct v3vee_host_mem m;

	ctl_exit();
	host_wait_threads();
	v3_deinit();
	check_svm_off();
	pool_exit();
	host_mem_stats(&m);
	if (m.pages || m.bytes)
		pr_err("v3vee: LEAK at unload: %llu page(s), %llu byte(s) "
		       "never freed\n", m.pages, m.bytes);
	else
		pr_info("v3vee: unloaded, all memory returned\n");
}

module_init(v3vee_init);
module_exit(v3vee_exit);
MODULE_DESCRIPTION("v3vee virtual machine monitor");
MODULE_LICENSE("Dual BSD/GPL");
