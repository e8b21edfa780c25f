/* mod_debugfs.c - exit statistics in debugfs, one file per counter as
 * KVM keeps them: /sys/kernel/debug/v3vee/vmN/<reason>_exits and
 * <reason>_cycles (summed over the VM's vcpus), and exits (all
 * reasons).  A VM's directory goes before the VM does; debugfs waits for
 * readers still inside a file, so no read sees a destroyed VM. */
#include <linux/debugfs.h>

#include "mod_vm.h"

static struct dentry *root;

static int counter_get(void *data, u64 *val)
{
	struct dbg_counter *c = data;
	struct v3_exit_stat st[V3_EXIT_MAX];
	int n = v3_vm_num_vcpus(c->rec->vm), v, r;

	*val = 0;
	for (v = 0; v < n; v++) {
		if (v3_vm_exit_stats(c->rec->vm, v, st) != 0)
			continue;
		for (r = 0; r < V3_EXIT_MAX; r++)
			if (c->reason < 0 || c->reason == r)
				*val += c->cycles ? st[r].cycles : st[r].count;
	}
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(counter_fops, counter_get, NULL, "%llu\n");

void dbg_init(void)
{
	root = debugfs_create_dir("v3vee", NULL);
}

void dbg_exit(void)
{
	debugfs_remove(root);
}

static void add(struct vm_rec *rec, struct dbg_counter *c, const char *name,
		int reason, bool cycles)
{
	c->rec = rec;
	c->reason = reason;
	c->cycles = cycles;
	debugfs_create_file_unsafe(name, 0444, rec->dbg_dir, c, &counter_fops);
}

void dbg_vm_add(struct vm_rec *rec)
{
	char name[48];
	int r;

	snprintf(name, sizeof(name), "vm%d", rec->id);
	rec->dbg_dir = debugfs_create_dir(name, root);
	add(rec, &rec->dbg[0], "exits", -1, false);
	for (r = 0; r < V3_EXIT_MAX; r++) {
		snprintf(name, sizeof(name), "%s_exits",
			 v3_exit_reason_name(r));
		add(rec, &rec->dbg[1 + 2 * r], name, r, false);
		snprintf(name, sizeof(name), "%s_cycles",
			 v3_exit_reason_name(r));
		add(rec, &rec->dbg[2 + 2 * r], name, r, true);
	}
}

void dbg_vm_remove(struct vm_rec *rec)
{
	debugfs_remove(rec->dbg_dir);
	rec->dbg_dir = NULL;
}
