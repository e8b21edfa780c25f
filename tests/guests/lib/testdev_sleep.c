/* testdev_sleep.c - HLT until the test device's one-shot timer fires: a
 * reference clock for guests that time something else (APIC timers,
 * interrupt lines) against it. */
#include "irq.h"
#include "testdev.h"

static volatile uint32_t fired;

static void on_fire(struct trap_frame *f)
{
	(void)f;
	fired++; /* raised straight into the vcpu: no EOI */
}

void testdev_sleep(uint32_t us)
{
	static int installed;
	uint32_t before = fired;

	if (!installed) {
		irq_set_handler(TESTDEV_SLEEP_VECTOR, on_fire);
		installed = 1;
	}
	testdev_arm_timer(us, TESTDEV_SLEEP_VECTOR);
	while (fired == before)
		sti_hlt();
	cli();
}

uint64_t testdev_tsc_per_ms(void)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < 5; i++) {
		uint64_t t = rdtsc();

		testdev_sleep(10000);
		t = rdtsc() - t;
		if (t < best)
			best = t;
	}
	return best / 10;
}
