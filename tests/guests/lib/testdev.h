/* testdev.h - the VMM's test device (ports 0xe0..0xef, see v3_abi.h). */
#ifndef GUEST_TESTDEV_H
#define GUEST_TESTDEV_H

#include <stdint.h>

#include "v3_abi.h"
#include "x86.h"

/* One-shot: after 'us' microseconds the device raises 'vector' (edge),
 * delivered once the guest has IF=1. */
static inline void testdev_arm_timer(uint32_t us, uint8_t vector)
{
	/* A byte: a wider write at 0xe8 would also cover debugcon's 0xe9. */
	outb(V3_TESTDEV_VECTOR, vector);
	outl(V3_TESTDEV_TIMER_US, us);
}

/* Sleep (HLT, interrupts on) until the timer armed for 'us' fired; it
 * uses the timer and TESTDEV_SLEEP_VECTOR, and returns with IF=0. */
#define TESTDEV_SLEEP_VECTOR 0x40
void testdev_sleep(uint32_t us);

/* TSC cycles per millisecond against the testdev timer: the shortest of
 * a few 10 ms sleeps, since a descheduled emulator only ever adds time. */
uint64_t testdev_tsc_per_ms(void);

/* How many times the timer has expired since the VM started. */
static inline uint32_t testdev_fired(void)
{
	return inl(V3_TESTDEV_FIRED);
}

#endif
