/* mod_ctl.c - /dev/v3vee, the control device, and the table of VMs.
 *
 * Every request is checked before the core sees it: ids in range, VMs
 * that exist, sizes under the limits of v3vee_ioctl.h, user pointers
 * copied with copy_from_user (a bad one is EFAULT).  Requests are
 * serialised by one mutex; the vcpus run in their own threads. */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mod.h"
#include "mod_vm.h"

static DEFINE_MUTEX(ctl_lock);
static struct vm_rec *vms[V3VEE_MAX_VMS];

/* Caller holds ctl_lock. */
static struct vm_rec *vm_get(unsigned long id)
{
	if (id >= V3VEE_MAX_VMS)
		return NULL;
	return vms[id];
}

static enum v3vee_state state_of(struct v3_vm *vm)
{
	switch (v3_vm_state(vm)) {
	case V3_VM_CREATED: return V3VEE_CREATED;
	case V3_VM_RUNNING: return V3VEE_RUNNING;
	case V3_VM_PAUSED: return V3VEE_PAUSED;
	default: return V3VEE_STOPPED;
	}
}

bool vm_rec_stopped(struct vm_rec *rec)
{
	bool stopped;

	mutex_lock(&ctl_lock);
	stopped = !rec->vm || v3_vm_state(rec->vm) == V3_VM_STOPPED;
	mutex_unlock(&ctl_lock);
	return stopped;
}

void vm_rec_input(struct vm_rec *rec, const char *s, size_t n)
{
	mutex_lock(&ctl_lock);
	if (rec->vm)
		v3_vm_console_input(rec->vm, s, n);
	mutex_unlock(&ctl_lock);
}

static void free_images(struct vm_rec *rec)
{
	int i;

	for (i = 0; i < rec->nimages; i++)
		vfree(rec->image_data[i]);
	rec->nimages = 0;
}

static void vm_rec_release(struct kref *ref)
{
	struct vm_rec *rec = container_of(ref, struct vm_rec, ref);

	free_images(rec);
	vfree(rec->con_buf);
	kfree(rec);
}

void vm_rec_put(struct vm_rec *rec)
{
	kref_put(&rec->ref, vm_rec_release);
}

/* Images are copied in: the core reads disks from them while the guest
 * runs, long after the ioctl returned. */
static int copy_images(struct vm_rec *rec, u64 uptr, u32 n)
{
	struct v3vee_image *desc;
	int i, rc = 0;

	if (n > V3VEE_MAX_IMAGES)
		return -E2BIG;
	if (!n)
		return 0;
	desc = kcalloc(n, sizeof(*desc), GFP_KERNEL);
	if (!desc)
		return -ENOMEM;
	if (copy_from_user(desc, u64_to_user_ptr(uptr), n * sizeof(*desc))) {
		rc = -EFAULT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct v3vee_image *d = &desc[i];

		if (!memchr(d->name, 0, sizeof(d->name)) || !d->name[0]) {
			rc = -EINVAL;
			goto out;
		}
		if (d->size > V3VEE_MAX_IMAGE_SIZE) {
			rc = -E2BIG;
			goto out;
		}
		strscpy(rec->image_names[i], d->name, V3VEE_NAME_LEN);
		rec->image_data[i] = vmalloc(d->size ? d->size : 1);
		if (!rec->image_data[i]) {
			rc = -ENOMEM;
			goto out;
		}
		rec->nimages = i + 1;
		if (copy_from_user(rec->image_data[i],
				   u64_to_user_ptr(d->data), d->size)) {
			rc = -EFAULT;
			goto out;
		}
		rec->images[i].name = rec->image_names[i];
		rec->images[i].data = rec->image_data[i];
		rec->images[i].size = d->size;
	}
out:
	kfree(desc);
	return rc;
}

static long ioc_create(void __user *uarg)
{
	struct v3vee_create *c;
	struct vm_rec *rec = NULL;
	char *cfg = NULL;
	long rc;
	int id;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	if (copy_from_user(c, uarg, sizeof(*c))) {
		rc = -EFAULT;
		goto out;
	}
	c->err[0] = 0;
	if (!c->cfg_len || c->cfg_len > V3VEE_MAX_CFG) {
		rc = c->cfg_len ? -E2BIG : -EINVAL;
		goto out;
	}
	for (id = 0; id < V3VEE_MAX_VMS && vms[id]; id++)
		;
	if (id == V3VEE_MAX_VMS) {
		rc = -ENOSPC;
		goto out;
	}
	cfg = memdup_user(u64_to_user_ptr(c->cfg), c->cfg_len);
	if (IS_ERR(cfg)) {
		rc = PTR_ERR(cfg);
		cfg = NULL;
		goto out;
	}
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec) {
		rc = -ENOMEM;
		goto out;
	}
	kref_init(&rec->ref);
	rec->id = id;
	rc = copy_images(rec, c->images, c->nimages);
	if (rc)
		goto out;
	rec->vm = v3_vm_create(cfg, c->cfg_len, rec->images, rec->nimages,
			       c->err, sizeof(c->err));
	if (!rec->vm) {
		rc = -EINVAL;
		if (copy_to_user(uarg, c, sizeof(*c)))
			rc = -EFAULT;
		goto out;
	}
	rc = console_init(rec);
	if (rc) {
		v3_vm_destroy(rec->vm);
		rec->vm = NULL;
		goto out;
	}
	c->id = id;
	if (copy_to_user(uarg, c, sizeof(*c))) {
		/* The VM exists; destroying it keeps the table honest. */
		console_exit(rec);
		v3_vm_destroy(rec->vm);
		rec->vm = NULL;
		rc = -EFAULT;
		goto out;
	}
	vms[id] = rec;
	dbg_vm_add(rec);
	rec = NULL;
	rc = 0;
out:
	if (rec)
		vm_rec_put(rec);
	kfree(cfg);
	kfree(c);
	return rc;
}

static void destroy_rec(struct vm_rec *rec)
{
	dbg_vm_remove(rec);
	console_exit(rec);
	v3_vm_destroy(rec->vm);
	rec->vm = NULL;
	host_reap_threads(rec);
	vms[rec->id] = NULL;
	console_wake(rec);
	vm_rec_put(rec);
}

static long ioc_info(void __user *uarg)
{
	struct v3vee_info in;
	struct vm_rec *rec;

	if (copy_from_user(&in, uarg, sizeof(in)))
		return -EFAULT;
	rec = in.id >= 0 ? vm_get(in.id) : NULL;
	if (!rec)
		return -ENOENT;
	memset(&in, 0, sizeof(in));
	in.id = rec->id;
	in.state = state_of(rec->vm);
	in.exit_status = v3_vm_exit_status(rec->vm);
	in.nvcpus = v3_vm_num_vcpus(rec->vm);
	v3_vm_mem_usage(rec->vm, &in.guest_bytes, &in.vmm_bytes);
	strscpy(in.name, v3_vm_name(rec->vm), sizeof(in.name));
	strscpy(in.stop_reason, v3_vm_stop_reason(rec->vm),
		sizeof(in.stop_reason));
	in.console_dropped = READ_ONCE(rec->con_dropped);
	return copy_to_user(uarg, &in, sizeof(in)) ? -EFAULT : 0;
}

static long ioc_stats(void __user *uarg)
{
	struct v3_exit_stat st[V3_EXIT_MAX];
	struct v3vee_stats *out;
	struct vm_rec *rec;
	long rc = 0;
	s32 id;
	u32 vcpu;
	int r;

	BUILD_BUG_ON(V3_EXIT_MAX > V3VEE_EXIT_REASONS);
	if (get_user(id, (s32 __user *)uarg) ||
	    get_user(vcpu, (u32 __user *)(uarg + sizeof(s32))))
		return -EFAULT;
	rec = id >= 0 ? vm_get(id) : NULL;
	if (!rec)
		return -ENOENT;
	if (v3_vm_exit_stats(rec->vm, vcpu, st) != 0)
		return -EINVAL;
	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	out->id = id;
	out->vcpu = vcpu;
	out->nreasons = V3_EXIT_MAX;
	for (r = 0; r < V3_EXIT_MAX; r++) {
		out->reason[r].count = st[r].count;
		out->reason[r].cycles = st[r].cycles;
		strscpy(out->reason[r].name, v3_exit_reason_name(r),
			sizeof(out->reason[r].name));
	}
	if (copy_to_user(uarg, out, sizeof(*out)))
		rc = -EFAULT;
	kfree(out);
	return rc;
}

static long ioc_vm_op(unsigned int cmd, unsigned long id)
{
	struct vm_rec *rec = vm_get(id);
	int rc = 0;

	if (!rec)
		return -ENOENT;
	switch (cmd) {
	case V3VEE_LAUNCH:
		host_set_thread_owner(rec);
		rc = v3_vm_launch(rec->vm);
		host_set_thread_owner(NULL);
		break;
	case V3VEE_PAUSE:
		rc = v3_vm_pause(rec->vm);
		break;
	case V3VEE_RESUME:
		rc = v3_vm_resume(rec->vm);
		break;
	case V3VEE_STOP:
		if (v3_vm_state(rec->vm) != V3_VM_STOPPED)
			rc = v3_vm_stop(rec->vm);
		break;
	case V3VEE_DESTROY:
		destroy_rec(rec);
		break;
	}
	return rc ? -EBUSY : 0;
}

static long ctl_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct v3vee_host_mem m;
	long rc;

	mutex_lock(&ctl_lock);
	switch (cmd) {
	case V3VEE_CREATE:
		rc = ioc_create(uarg);
		break;
	case V3VEE_LAUNCH:
	case V3VEE_PAUSE:
	case V3VEE_RESUME:
	case V3VEE_STOP:
	case V3VEE_DESTROY:
		rc = ioc_vm_op(cmd, arg);
		break;
	case V3VEE_INFO:
		rc = ioc_info(uarg);
		break;
	case V3VEE_STATS:
		rc = ioc_stats(uarg);
		break;
	case V3VEE_HOST_MEM:
		host_mem_stats(&m);
		rc = copy_to_user(uarg, &m, sizeof(m)) ? -EFAULT : 0;
		break;
	default:
		rc = -ENOTTY;
	}
	mutex_unlock(&ctl_lock);
	return rc;
}

static const struct file_operations ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice ctl_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "v3vee",
	.fops = &ctl_fops,
	.mode = 0600,
};

int ctl_init(void)
{
	int rc;

	dbg_init();
	rc = misc_register(&ctl_dev);
	if (rc)
		dbg_exit();
	return rc;
}

/* Unload: whatever VMs are left (running, stopped, crashed) go. */
void ctl_exit(void)
{
	int i;

	misc_deregister(&ctl_dev);
	mutex_lock(&ctl_lock);
	for (i = 0; i < V3VEE_MAX_VMS; i++)
		if (vms[i]) {
			pr_info("v3vee: destroying VM %d (%s) at unload\n", i,
				v3_vm_name(vms[i]->vm));
			destroy_rec(vms[i]);
		}
	mutex_unlock(&ctl_lock);
	dbg_exit();
}
