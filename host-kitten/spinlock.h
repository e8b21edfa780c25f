/* spinlock.h - spinlocks that also mask interrupts on this CPU.
 *
 * The scheduler is cooperative, so on one CPU a lock is only ever
 * contended by an interrupt handler or by a thread that broke the rule
 * of not sleeping with a lock held: both are deadlocks, and spinning
 * forever would hide them.  After a generous bound we panic instead. */
#ifndef KITTEN_SPINLOCK_H
#define KITTEN_SPINLOCK_H

#include "x86.h"

struct spinlock {
	volatile uint32_t locked;
};

void spin_deadlock(struct spinlock *l);

static inline unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = irq_save();
	unsigned long spins = 0;

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE)) {
		cpu_relax();
		if (++spins == (1ul << 28))
			spin_deadlock(l);
	}
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l,
					  unsigned long flags)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

#endif
