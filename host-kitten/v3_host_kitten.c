/* v3_host_kitten.c - the LWK's struct v3_host_ops: everything the VMM
 * core may ask of its host, mapped onto this kernel's services.
 *
 * Notes for the core:
 * - Memory is identity mapped: phys_to_virt/virt_to_phys are casts.
 * - alloc_pages ignores 'node' (one NUMA node) and returns 0 on failure.
 * - malloc returns zeroed, 16-byte aligned memory of any size.
 * - Threads are cooperative and stay on the CPU they were created for
 *   (every CPU the machine has; kick_cpu is an IPI): a vcpu thread keeps
 *   the CPU until it yields or sleeps, so it must yield after a VM exit caused
 *   by a host interrupt.  Stacks are THREAD_STACK_SIZE (64 KiB) above an
 *   unmapped guard page.
 * - The only host interrupt is the PIT tick (IRQ 0, 100 Hz).
 * - hook_irq returns -1 and ack_irq does nothing: device passthrough
 *   is not supported by this host yet.
 * - Locks mask interrupts (RFLAGS.IF saved and restored); never sleep
 *   or yield while holding one. */
#include "v3_host.h"

#include "kitten_host.h"
#include "mm.h"
#include "sched.h"
#include "serial.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"
#include "x86.h"

/* The core prints whole lines; start them on a fresh line even if a
 * guest's console output stopped mid-line. */
static void host_print(const char *s, size_t len)
{
	serial_start_line();
	serial_write(s, len);
}

static uint64_t host_alloc_pages(size_t npages, size_t align, int node)
{
	(void)node;
	return page_alloc(npages, align);
}

static void host_free_pages(uint64_t hpa, size_t npages)
{
	page_free(hpa, npages);
}

static void *host_phys_to_virt(uint64_t hpa)
{
	return (void *)hpa;
}

static uint64_t host_virt_to_phys(const void *va)
{
	return (uint64_t)va;
}

static void *host_thread_create(int (*fn)(void *arg), void *arg, int cpu,
				const char *name)
{
	return thread_create(fn, arg, cpu, name);
}

static void host_wake(void *thread)
{
	wake(thread);
}

static void *host_current_thread(void)
{
	return current_thread();
}

/* The APs are parked and run calls from an IPI (smp.c). */
static int host_call_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	return smp_call_on_cpu(cpu, fn, arg);
}

static int host_hook_irq(int irq, void (*handler)(int irq, void *priv),
			 void *priv)
{
	(void)irq;
	(void)handler;
	(void)priv;
	return -1;
}

static void host_ack_irq(int irq)
{
	(void)irq;
}

static uint64_t host_cycles(void)
{
	return rdtsc();
}

static uint64_t host_cpu_khz(void)
{
	return cpu_khz;
}

static void *host_lock_alloc(void)
{
	return kmalloc(sizeof(struct spinlock));
}

static void host_lock_free(void *lock)
{
	kfree(lock);
}

static unsigned long host_lock_irqsave(void *lock)
{
	return spin_lock_irqsave(lock);
}

static void host_unlock_irqrestore(void *lock, unsigned long flags)
{
	spin_unlock_irqrestore(lock, flags);
}

const struct v3_host_ops kitten_host_ops = {
	.print = host_print,
	.alloc_pages = host_alloc_pages,
	.free_pages = host_free_pages,
	.phys_to_virt = host_phys_to_virt,
	.virt_to_phys = host_virt_to_phys,
	.malloc = kmalloc,
	.free = kfree,
	.thread_create = host_thread_create,
	.yield = yield,
	.sleep = sleep_usec,
	.wake = host_wake,
	.current_thread = host_current_thread,
	.cpu_id = cpu_id,
	.num_cpus = num_cpus,
	.call_on_cpu = host_call_on_cpu,
	.kick_cpu = smp_kick,
	.hook_irq = host_hook_irq,
	.ack_irq = host_ack_irq,
	.cycles = host_cycles,
	.cpu_khz = host_cpu_khz,
	.lock_alloc = host_lock_alloc,
	.lock_free = host_lock_free,
	.lock_irqsave = host_lock_irqsave,
	.unlock_irqrestore = host_unlock_irqrestore,
};
