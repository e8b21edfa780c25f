/* timer.c - sorted list of one-shot timers per VM. */
#include "timer.h"
#include "vm.h"
#include "vmm.h"

uint64_t v3_usec_to_cycles(uint64_t usec)
{
	return usec * v3_host->cpu_khz() / 1000;
}

static void unlink(struct v3_vm *vm, struct v3_timer *t)
{
	struct v3_timer **pp;

	for (pp = &vm->timers.head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

void v3_timer_arm(struct v3_vm *vm, struct v3_timer *t, uint64_t usec)
{
	v3_timer_arm_at(vm, t, v3_cycles() + v3_usec_to_cycles(usec));
}

void v3_timer_arm_at(struct v3_vm *vm, struct v3_timer *t, uint64_t deadline)
{
	unsigned long flags = v3_host->lock_irqsave(vm->lock);
	struct v3_timer **pp;

	if (t->armed)
		unlink(vm, t);
	t->deadline = deadline;
	for (pp = &vm->timers.head; *pp && (*pp)->deadline <= t->deadline;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = true;
	v3_host->unlock_irqrestore(vm->lock, flags);
}

void v3_timer_cancel(struct v3_vm *vm, struct v3_timer *t)
{
	unsigned long flags = v3_host->lock_irqsave(vm->lock);

	if (t->armed)
		unlink(vm, t);
	v3_host->unlock_irqrestore(vm->lock, flags);
}

uint64_t v3_timers_run(struct v3_vm *vm)
{
	/* Almost always nothing is due: peek without the lock first. */
	uint64_t due = v3_timers_first(&vm->timers);

	if (!due || due > v3_cycles())
		return due;
	for (;;) {
		unsigned long flags = v3_host->lock_irqsave(vm->lock);
		struct v3_timer *t = vm->timers.head;
		uint64_t next;

		if (!t || t->deadline > v3_cycles()) {
			next = t ? t->deadline : 0;
			v3_host->unlock_irqrestore(vm->lock, flags);
			return next;
		}
		unlink(vm, t);
		v3_host->unlock_irqrestore(vm->lock, flags);
		/* Called unlocked so the callback may re-arm its timer;
		 * serialized with the device models' hook calls. */
		flags = v3_dev_enter(vm);
		t->fn(vm, t->priv);
		v3_dev_exit(vm, flags);
	}
}
