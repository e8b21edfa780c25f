/* mod_console.c - /dev/v3vee-vmN: a VM's console.  Reading returns the
 * guest's console bytes (debug port, UART) and end-of-file once the VM
 * stopped and everything was read; writing types into the guest's UART.
 * Guest output waits in a ring buffer; when nobody reads, the oldest
 * bytes are overwritten. */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mod_vm.h"

#define IO_CHUNK 512
/* How often a blocked reader looks whether the VM stopped. */
#define STOP_POLL (HZ / 20)

/* Called by vcpu threads, possibly under the core's spinlocks. */
static void console_out(void *priv, const char *s, size_t n)
{
	struct vm_rec *rec = priv;
	unsigned long flags;

	spin_lock_irqsave(&rec->con_lock, flags);
	while (n--) {
		size_t tail = (rec->con_head + rec->con_len) % CONSOLE_BUF;

		rec->con_buf[tail] = *s++;
		if (rec->con_len == CONSOLE_BUF) {
			rec->con_head = (rec->con_head + 1) % CONSOLE_BUF;
			rec->con_dropped++;
		} else {
			rec->con_len++;
		}
	}
	spin_unlock_irqrestore(&rec->con_lock, flags);
	wake_up_interruptible(&rec->con_wait);
}

static size_t take(struct vm_rec *rec, char *dst, size_t max)
{
	unsigned long flags;
	size_t n = 0;

	spin_lock_irqsave(&rec->con_lock, flags);
	while (n < max && rec->con_len) {
		dst[n++] = rec->con_buf[rec->con_head];
		rec->con_head = (rec->con_head + 1) % CONSOLE_BUF;
		rec->con_len--;
	}
	spin_unlock_irqrestore(&rec->con_lock, flags);
	return n;
}

static bool has_data(struct vm_rec *rec)
{
	return READ_ONCE(rec->con_len) != 0;
}

/* misc_open hands us our miscdevice and holds the misc lock, which
 * misc_deregister (in destroy) needs: the record is alive here.  No
 * lock of ours: ioctls hold ctl_lock while they register consoles. */
static int con_open(struct inode *inode, struct file *f)
{
	struct vm_rec *rec = container_of(f->private_data, struct vm_rec,
					  console);

	kref_get(&rec->ref);
	f->private_data = rec;
	return nonseekable_open(inode, f);
}

static int con_release(struct inode *inode, struct file *f)
{
	vm_rec_put(f->private_data);
	return 0;
}

static ssize_t con_read(struct file *f, char __user *buf, size_t len,
			loff_t *off)
{
	struct vm_rec *rec = f->private_data;
	char tmp[IO_CHUNK];
	size_t n;

	if (!len)
		return 0;
	for (;;) {
		/* Output precedes the stop: once stopped, what is in the
		 * buffer is all there will be. */
		bool stopped = vm_rec_stopped(rec);

		n = take(rec, tmp, min_t(size_t, len, sizeof(tmp)));
		if (n)
			break;
		if (stopped)
			return 0;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible_timeout(rec->con_wait,
						     has_data(rec),
						     STOP_POLL) < 0)
			return -ERESTARTSYS;
	}
	if (copy_to_user(buf, tmp, n))
		return -EFAULT;
	return n;
}

static ssize_t con_write(struct file *f, const char __user *buf, size_t len,
			 loff_t *off)
{
	struct vm_rec *rec = f->private_data;
	char tmp[IO_CHUNK];
	size_t n = min_t(size_t, len, sizeof(tmp));

	if (copy_from_user(tmp, buf, n))
		return -EFAULT;
	vm_rec_input(rec, tmp, n);
	return n;
}

static const struct file_operations con_fops = {
	.owner = THIS_MODULE,
	.open = con_open,
	.release = con_release,
	.read = con_read,
	.write = con_write,
	.llseek = no_llseek,
};

int console_init(struct vm_rec *rec)
{
	int rc;

	spin_lock_init(&rec->con_lock);
	init_waitqueue_head(&rec->con_wait);
	rec->con_buf = vmalloc(CONSOLE_BUF);
	if (!rec->con_buf)
		return -ENOMEM;
	snprintf(rec->console_name, sizeof(rec->console_name), "v3vee-vm%d",
		 rec->id);
	rec->console.minor = MISC_DYNAMIC_MINOR;
	rec->console.name = rec->console_name;
	rec->console.fops = &con_fops;
	rec->console.mode = 0600;
	rc = misc_register(&rec->console);
	if (rc) {
		vfree(rec->con_buf);
		rec->con_buf = NULL;
		return rc;
	}
	rec->console_registered = true;
	v3_vm_set_console(rec->vm, console_out, rec);
	return 0;
}

/* The VM is about to be destroyed: no new opens; readers still holding
 * the record see end-of-file. */
void console_exit(struct vm_rec *rec)
{
	if (rec->console_registered) {
		misc_deregister(&rec->console);
		rec->console_registered = false;
	}
}

void console_wake(struct vm_rec *rec)
{
	if (rec->con_buf)
		wake_up_interruptible(&rec->con_wait);
}
