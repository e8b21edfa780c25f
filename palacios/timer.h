/* timer.h - per-VM one-shot timers on the host cycle counter.  vcpus
 * fire expired timers at every exit and sleep until the next one when the
 * guest halts. */
#ifndef V3_TIMER_H
#define V3_TIMER_H

#include "v3_types.h"

struct v3_vm;

struct v3_timer {
	uint64_t deadline; /* host cycles */
	void (*fn)(struct v3_vm *vm, void *priv);
	void *priv;
	bool armed;
	struct v3_timer *next;
};

struct v3_timer_list {
	struct v3_timer *head; /* sorted by deadline */
};

void v3_timer_arm(struct v3_vm *vm, struct v3_timer *t, uint64_t usec);
/* Same, at an absolute host cycle count (no rounding to microseconds). */
void v3_timer_arm_at(struct v3_vm *vm, struct v3_timer *t, uint64_t deadline);
void v3_timer_cancel(struct v3_vm *vm, struct v3_timer *t);
/* Fire every expired timer; returns the earliest remaining deadline, or 0
 * when none is armed. */
uint64_t v3_timers_run(struct v3_vm *vm);
/* The earliest deadline, 0 when none is armed: a lock-free peek.  The
 * list only holds timers embedded in the VM's own device state, so the
 * head stays readable; a stale peek just defers the timer to the next
 * exit, which is what a concurrent arm would do anyway. */
static inline uint64_t v3_timers_first(struct v3_timer_list *l)
{
	struct v3_timer *first = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE);

	return first ? __atomic_load_n(&first->deadline, __ATOMIC_RELAXED) : 0;
}
uint64_t v3_usec_to_cycles(uint64_t usec);

#endif
