/* v3_host.h - everything the VMM core needs from its host kernel.
 *
 * The core and devices reach the host only through one const struct of
 * operations, registered once with v3_init().  A host (the LWK in
 * host-kitten/, the Linux module in host-linux/) implements it in a single
 * file.  All functions may be called from vcpu threads; none may sleep while
 * a lock from lock_* is held unless noted.
 */
#ifndef V3_HOST_H
#define V3_HOST_H

#include "v3_types.h"

struct v3_host_ops {
	/* Console output of the VMM (not of guests): one NUL-free chunk. */
	void (*print)(const char *s, size_t len);

	/* Physically contiguous pages: 'npages' 4 KiB pages aligned to
	 * 'align' bytes (a power of two >= 4096) on NUMA node 'node' (-1: any).
	 * Returns the host-physical address, 0 on failure. */
	uint64_t (*alloc_pages)(size_t npages, size_t align, int node);
	void (*free_pages)(uint64_t hpa, size_t npages);
	void *(*phys_to_virt)(uint64_t hpa);
	uint64_t (*virt_to_phys)(const void *va);

	/* Small allocations (control structures); zeroed, 16-byte aligned
	 * (a vcpu holds its FXSAVE image). */
	void *(*malloc)(size_t size);
	void (*free)(void *p);

	/* Threads.  thread_create starts fn(arg) on 'cpu' (-1: any);
	 * returns an opaque handle or NULL. */
	void *(*thread_create)(int (*fn)(void *arg), void *arg, int cpu,
			       const char *name);
	void (*yield)(void);
	/* Sleep up to 'usec' microseconds or until wake(thread) is called. */
	void (*sleep)(uint64_t usec);
	void (*wake)(void *thread);
	void *(*current_thread)(void);
	int (*cpu_id)(void);
	int (*num_cpus)(void);
	/* Run fn(arg) on 'cpu' and wait for it to finish. */
	int (*call_on_cpu)(int cpu, void (*fn)(void *arg), void *arg);
	/* Optional (NULL on one-CPU hosts): interrupt 'cpu' now, so that a
	 * guest running there exits and the vcpu sees an interrupt another
	 * CPU raised for it.  Must not block; callable with locks held. */
	void (*kick_cpu)(int cpu);

	/* Host interrupts: route host IRQ 'irq' to handler (passthrough). */
	int (*hook_irq)(int irq, void (*handler)(int irq, void *priv),
			void *priv);
	void (*ack_irq)(int irq);

	/* Time. */
	uint64_t (*cycles)(void);
	uint64_t (*cpu_khz)(void);

	/* Spinlocks that also mask host interrupts. */
	void *(*lock_alloc)(void);
	void (*lock_free)(void *lock);
	unsigned long (*lock_irqsave)(void *lock);
	void (*unlock_irqrestore)(void *lock, unsigned long flags);

	/* Optional (may be NULL): bracket each guest entry on the vcpu
	 * thread.  Between the two the thread must stay on its CPU and own
	 * the FPU registers (the core loads the guest's x87/SSE state into
	 * them).  A host that preempts kernel threads or uses the FPU
	 * itself claims both here; guest_exit is its chance to reschedule. */
	void (*guest_enter)(void);
	void (*guest_exit)(void);
};

#endif
