/* mod_host.c - struct v3_host_ops on Linux services: everything the VMM
 * core may ask of its host.
 *
 * Notes for the core:
 * - Pages come from the buddy allocator, naturally aligned to their
 *   power-of-two size (so 'align' up to the block size is free); one
 *   allocation is at most MAX_ORDER-1 (4 MiB): larger requests fail and
 *   the core falls back to smaller blocks.
 * - malloc memory is zeroed and 16-byte aligned; large sizes come from
 *   vmalloc, so virt_to_phys is only valid on alloc_pages memory.
 * - Threads are kthreads bound to one CPU each: a vcpu never migrates
 *   between reading cpu_id and VMRUN.  Their handles stay valid until
 *   host_reap_threads() (after the VM that owns them is destroyed).
 * - call_on_cpu runs fn in process context on that CPU (a bound
 *   kworker), so fn may allocate.
 * - Locks are spinlocks taken with interrupts masked.
 * - Counters of pages and bytes still allocated prove that a destroyed VM
 *   gave everything back (host_mem_stats). */
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <asm/fpu/api.h>
#include <asm/tsc.h>

#include "mod.h"

static atomic64_t pages_in_use = ATOMIC64_INIT(0);
static atomic64_t bytes_in_use = ATOMIC64_INIT(0);

void host_mem_stats(struct v3vee_host_mem *out)
{
	out->pages = atomic64_read(&pages_in_use);
	out->bytes = atomic64_read(&bytes_in_use);
}

static gfp_t gfp_here(void)
{
	return (in_atomic() || irqs_disabled()) ? GFP_ATOMIC : GFP_KERNEL;
}

/* The VMM prints whole lines ending in '\n'. */
static void host_print(const char *s, size_t len)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	pr_info("%.*s\n", (int)len, s);
}

/* pfn of each allocation -> its order (and whether it came from the
 * pool), so free_pages (given only the page count) returns exactly the
 * block it got, to where it came from. */
static DEFINE_XARRAY(page_orders);
#define FROM_POOL 0x100

static uint64_t host_alloc_pages(size_t npages, size_t align, int node)
{
	size_t bytes = npages * PAGE_SIZE;
	unsigned int order = get_order(max(bytes, align));
	gfp_t gfp = gfp_here() | __GFP_NOWARN;
	unsigned long tag = 0;
	struct page *pg;

	if (!npages || order >= MAX_ORDER)
		return 0;
	/* Big blocks: try compaction, but fail rather than invoke the OOM
	 * killer for a guest. */
	if (order >= 9 && !(gfp & __GFP_ATOMIC))
		gfp |= __GFP_RETRY_MAYFAIL;
	pg = pool_take(order);
	if (pg)
		tag = FROM_POOL;
	else
		pg = node >= 0 ? alloc_pages_node(node, gfp, order)
			       : alloc_pages(gfp, order);
	if (!pg)
		return 0;
	if (xa_err(xa_store(&page_orders, page_to_pfn(pg),
			    xa_mk_value(order | tag), gfp_here()))) {
		if (tag)
			pool_give(pg);
		else
			__free_pages(pg, order);
		return 0;
	}
	atomic64_add(1ll << order, &pages_in_use);
	return PFN_PHYS(page_to_pfn(pg));
}

static void host_free_pages(uint64_t hpa, size_t npages)
{
	void *entry = xa_erase(&page_orders, PHYS_PFN(hpa));
	unsigned long v;
	unsigned int order;

	if (!xa_is_value(entry)) {
		pr_err("v3vee: free of %zu page(s) at %#llx never allocated\n",
		       npages, (unsigned long long)hpa);
		return;
	}
	v = xa_to_value(entry);
	order = v & ~FROM_POOL;
	atomic64_sub(1ll << order, &pages_in_use);
	if (v & FROM_POOL)
		pool_give(pfn_to_page(PHYS_PFN(hpa)));
	else
		__free_pages(pfn_to_page(PHYS_PFN(hpa)), order);
}

static void *host_phys_to_virt(uint64_t hpa)
{
	return __va(hpa);
}

static uint64_t host_virt_to_phys(const void *va)
{
	return __pa(va);
}

/* A header in front of each block remembers its size for the counter
 * and keeps the caller's pointer 16-byte aligned. */
struct alloc_hdr {
	size_t size;
	size_t pad;
};

static void *host_malloc(size_t size)
{
	struct alloc_hdr *h;
	size_t total = size + sizeof(*h);
	gfp_t gfp = gfp_here();

	if (total < size)
		return NULL;
	h = gfp == GFP_KERNEL ? kvzalloc(total, GFP_KERNEL)
			      : kzalloc(total, gfp);
	if (!h)
		return NULL;
	h->size = size;
	atomic64_add(size, &bytes_in_use);
	return h + 1;
}

static void host_free(void *p)
{
	struct alloc_hdr *h = (struct alloc_hdr *)p - 1;

	atomic64_sub(h->size, &bytes_in_use);
	kvfree(h);
}

/* ---- threads ---------------------------------------------------------- */

struct host_thread {
	struct list_head link;
	struct task_struct *task;	/* referenced until reaped */
	int (*fn)(void *arg);
	void *arg;
	void *owner;
	atomic_t wake_pending; /* see host_sleep */
};

static LIST_HEAD(threads);
static DEFINE_SPINLOCK(threads_lock);
/* Each exiting thread completes this once, from kernel text, so module
 * unload can wait until no thread runs module code any more. */
static DECLARE_COMPLETION(thread_exited);
static atomic_t threads_started = ATOMIC_INIT(0);
static void *thread_owner;

void host_set_thread_owner(void *owner)
{
	thread_owner = owner;
}

static int thread_main(void *data)
{
	struct host_thread *t = data;

	t->fn(t->arg);
	kthread_complete_and_exit(&thread_exited, 0);
}

static void *host_thread_create(int (*fn)(void *arg), void *arg, int cpu,
				const char *name)
{
	struct host_thread *t = kzalloc(sizeof(*t), GFP_KERNEL);
	struct task_struct *task;

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->owner = thread_owner;
	task = kthread_create(thread_main, t, "v3-%s", name);
	if (IS_ERR(task)) {
		kfree(t);
		return NULL;
	}
	if (cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu))
		kthread_bind(task, cpu);
	else
		kthread_bind(task, raw_smp_processor_id());
	get_task_struct(task);
	t->task = task;
	spin_lock(&threads_lock);
	list_add(&t->link, &threads);
	spin_unlock(&threads_lock);
	atomic_inc(&threads_started);
	wake_up_process(task);
	return task;
}

/* Drop the handles of 'owner's threads (NULL: all).  The core no longer
 * uses them once the VM is destroyed. */
void host_reap_threads(void *owner)
{
	struct host_thread *t, *n;
	LIST_HEAD(dead);

	spin_lock(&threads_lock);
	list_for_each_entry_safe(t, n, &threads, link)
		if (!owner || t->owner == owner)
			list_move(&t->link, &dead);
	spin_unlock(&threads_lock);
	list_for_each_entry_safe(t, n, &dead, link) {
		put_task_struct(t->task);
		kfree(t);
	}
}

/* Module unload: every thread ever started has left module code. */
void host_wait_threads(void)
{
	int n = atomic_xchg(&threads_started, 0);

	while (n-- > 0)
		wait_for_completion(&thread_exited);
	host_reap_threads(NULL);
}

static void host_yield(void)
{
	cond_resched();
}

static struct host_thread *our_thread(struct task_struct *task)
{
	if (!(task->flags & PF_KTHREAD) || kthread_func(task) != thread_main)
		return NULL;
	return kthread_data(task);
}

/* The core checks its wake-up condition and then sleeps.  A wake in
 * between finds the thread still running, and wake_up_process alone
 * would be lost until the timeout; so a wake also leaves a token that
 * the next sleep takes instead of sleeping. */
static void host_sleep(uint64_t usec)
{
	struct host_thread *t = our_thread(current);
	ktime_t time = ns_to_ktime(usec * NSEC_PER_USEC);

	set_current_state(TASK_INTERRUPTIBLE);
	if (t && atomic_xchg(&t->wake_pending, 0)) {
		__set_current_state(TASK_RUNNING);
		return;
	}
	schedule_hrtimeout_range(&time, 50 * NSEC_PER_USEC, HRTIMER_MODE_REL);
	if (t)
		atomic_set(&t->wake_pending, 0);
}

static void host_wake(void *thread)
{
	struct host_thread *t;

	if (!thread)
		return;
	t = our_thread(thread);
	if (t)
		atomic_xchg(&t->wake_pending, 1); /* ordered before the wake */
	wake_up_process(thread);
}

static void *host_current_thread(void)
{
	return current;
}

static int host_cpu_id(void)
{
	return raw_smp_processor_id();
}

static int host_num_cpus(void)
{
	return num_online_cpus();
}

struct cpu_call {
	void (*fn)(void *arg);
	void *arg;
};

static long cpu_call_fn(void *data)
{
	struct cpu_call *c = data;

	c->fn(c->arg);
	return 0;
}

/* A bound kworker rather than an IPI: fn may allocate memory. */
static int host_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	struct cpu_call c = { fn, arg };

	if (cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -1;
	work_on_cpu(cpu, cpu_call_fn, &c);
	return 0;
}

static int host_hook_irq(int irq, void (*handler)(int irq, void *priv),
			 void *priv)
{
	return -1; /* no device passthrough on this host yet */
}

static void host_ack_irq(int irq)
{
}

static uint64_t host_cycles(void)
{
	return rdtsc();
}

static uint64_t host_cpu_khz(void)
{
	return tsc_khz;
}

static void *host_lock_alloc(void)
{
	spinlock_t *l = kmalloc(sizeof(*l), gfp_here());

	if (l)
		spin_lock_init(l);
	return l;
}

static void host_lock_free(void *lock)
{
	kfree(lock);
}

static unsigned long host_lock_irqsave(void *lock)
{
	unsigned long flags;

	spin_lock_irqsave((spinlock_t *)lock, flags);
	return flags;
}

static void host_unlock_irqrestore(void *lock, unsigned long flags)
{
	spin_unlock_irqrestore((spinlock_t *)lock, flags);
}

/* Around each world switch: no preemption (the core uses per-CPU host
 * state between reading cpu_id and the exit) and the FPU registers are
 * the guest's (kernel_fpu_begin saved the interrupted user task's state
 * and makes it reload).  A host interrupt that ended the guest is taken
 * when VMRUN's caller restores RFLAGS.IF, inside this window. */
static void host_guest_enter(void)
{
	kernel_fpu_begin();
}

static void host_guest_exit(void)
{
	kernel_fpu_end();
}

/* Any interrupt makes a guest running on that CPU exit; a reschedule
 * IPI is the lightest one and may be sent with interrupts off, from
 * under the VMM's locks (KVM kicks its vcpus the same way). */
static void host_kick_cpu(int cpu)
{
	if (cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu))
		smp_send_reschedule(cpu);
}

const struct v3_host_ops linux_host_ops = {
	.print = host_print,
	.alloc_pages = host_alloc_pages,
	.free_pages = host_free_pages,
	.phys_to_virt = host_phys_to_virt,
	.virt_to_phys = host_virt_to_phys,
	.malloc = host_malloc,
	.free = host_free,
	.thread_create = host_thread_create,
	.yield = host_yield,
	.sleep = host_sleep,
	.wake = host_wake,
	.current_thread = host_current_thread,
	.cpu_id = host_cpu_id,
	.num_cpus = host_num_cpus,
	.call_on_cpu = host_call_on_cpu,
	.kick_cpu = host_kick_cpu,
	.hook_irq = host_hook_irq,
	.ack_irq = host_ack_irq,
	.cycles = host_cycles,
	.cpu_khz = host_cpu_khz,
	.lock_alloc = host_lock_alloc,
	.lock_free = host_lock_free,
	.lock_irqsave = host_lock_irqsave,
	.unlock_irqrestore = host_unlock_irqrestore,
	.guest_enter = host_guest_enter,
	.guest_exit = host_guest_exit,
};
