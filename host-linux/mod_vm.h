/* mod_vm.h - one VM as the module keeps it: the core's VM, the images
 * copied in for it, and its console device /dev/v3vee-vmN. */
#ifndef V3VEE_MOD_VM_H
#define V3VEE_MOD_VM_H

#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "mod.h"

#define CONSOLE_BUF (64u << 10)	/* guest output kept for the reader */

struct vm_rec {
	struct kref ref;	/* the table's, plus one per open console */
	int id;
	struct v3_vm *vm;	/* NULL once destroyed */

	int nimages;
	struct v3_image images[V3VEE_MAX_IMAGES];
	char image_names[V3VEE_MAX_IMAGES][V3VEE_NAME_LEN];
	void *image_data[V3VEE_MAX_IMAGES];

	struct miscdevice console;
	char console_name[24];
	bool console_registered;
	spinlock_t con_lock;
	wait_queue_head_t con_wait;
	char *con_buf;		/* ring of CONSOLE_BUF bytes */
	size_t con_head, con_len;
	u64 con_dropped;	/* overwritten before anyone read them */

	struct dentry *dbg_dir;	/* debugfs v3vee/vmN */
	struct dbg_counter {
		struct vm_rec *rec;
		int reason;	/* -1: all reasons */
		bool cycles;	/* else the count */
	} dbg[1 + 2 * V3_EXIT_MAX];
};

/* mod_ctl.c */
void vm_rec_put(struct vm_rec *rec);
bool vm_rec_stopped(struct vm_rec *rec);
void vm_rec_input(struct vm_rec *rec, const char *s, size_t n);

/* mod_debugfs.c */
void dbg_init(void);
void dbg_exit(void);
void dbg_vm_add(struct vm_rec *rec);
void dbg_vm_remove(struct vm_rec *rec);

/* mod_console.c */
int console_init(struct vm_rec *rec);
void console_exit(struct vm_rec *rec);
void console_wake(struct vm_rec *rec);

#endif
