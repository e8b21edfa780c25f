/* hlt.c - interrupts from the testdev timer: HLT with IF=1 sleeps until
 * the vector arrives, the handler runs once per shot, and an interrupt
 * raised while IF=0 waits for STI. */
#include "libguest.h"

#define TIMER_VECTOR 0x40
#define OTHER_VECTOR 0x41
#define TIMER_US 20000
#define MASKED_TIMER_US 1000
/* Each poll is an exit (~10 us or more under TCG): well over a second. */
#define MAX_POLLS 200000
#define MAX_EXTRA_HLTS 100

static volatile uint32_t ticks[256];

static void on_timer(struct trap_frame *f)
{
	ticks[f->vector]++;
}

static void test_hlt_shot(uint32_t shot)
{
	uint32_t before = ticks[TIMER_VECTOR], extra = 0;
	uint64_t t0, t1;

	testdev_arm_timer(TIMER_US, TIMER_VECTOR);
	t0 = rdtsc();
	sti_hlt();
	cli();
	t1 = rdtsc();
	report(ticks[TIMER_VECTOR] == before + 1,
	       "shot %u: sti; hlt woke with the handler run once (ticks %u)",
	       shot, ticks[TIMER_VECTOR] - before);
	/* A wake-up without the interrupt: wait for it so the rest of the
	 * test still means something. */
	while (ticks[TIMER_VECTOR] == before && extra++ < MAX_EXTRA_HLTS) {
		sti_hlt();
		cli();
	}
	report(testdev_fired() == shot, "shot %u: testdev counts %u "
	       "expirations", shot, testdev_fired());
	report_info("shot %u: slept %llu TSC cycles for %u us", shot,
		    (unsigned long long)(t1 - t0), TIMER_US);
}

/* The device raises the vector while IF=0: it must stay pending until
 * the guest opens the window, then arrive exactly once. */
static void test_masked(uint32_t fired_before)
{
	uint32_t polls = 0;

	testdev_arm_timer(MASKED_TIMER_US, OTHER_VECTOR);
	while (testdev_fired() == fired_before && polls < MAX_POLLS)
		polls++;
	report(testdev_fired() == fired_before + 1,
	       "timer expired while IF=0 (after %u polls)", polls);
	report(ticks[OTHER_VECTOR] == 0, "vector 0x%x not delivered while "
	       "IF=0", OTHER_VECTOR);
	sti_nop_cli();
	report(ticks[OTHER_VECTOR] == 1, "vector 0x%x delivered once after "
	       "sti (ticks %u)", OTHER_VECTOR, ticks[OTHER_VECTOR]);
	report(ticks[TIMER_VECTOR] == 2, "vector 0x%x not raised again",
	       TIMER_VECTOR);
}

int main(void)
{
	irq_set_handler(TIMER_VECTOR, on_timer);
	irq_set_handler(OTHER_VECTOR, on_timer);
	report(testdev_fired() == 0, "no expirations before arming");
	test_hlt_shot(1);
	test_hlt_shot(2);
	test_masked(2);
	return report_summary();
}
