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

#include "mod.h"

static int __init v3vee_init(void)
{
	int rc;

	if (v3_init(&linux_host_ops) != 0) {
		pr_err("v3vee: not loaded: this machine cannot run guests "
		       "(reason above)\n");
		return -ENODEV;
	}
	rc = ctl_init();
	if (rc) {
		v3_deinit();
		return rc;
	}
	pr_info("v3vee: loaded, %s backend, control device %s\n",
		v3_backend_name(), V3VEE_DEV);
	return 0;
}

static void __exit v3vee_exit(void)
{
	struct v3vee_host_mem m;

	ctl_exit();
	host_wait_threads();
	v3_deinit();
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
