/* intr-once.c - each external interrupt the VMM injects is delivered
 * exactly once, into code that ran with RFLAGS.IF set.
 *
 * QEMU's SVM emulation delivers an EVENTINJ interrupt at VMRUN but keeps
 * its vector as a pending exception until the guest's next exception or
 * exit; if its main loop is asked to stop meanwhile (its round-robin kick
 * of single-threaded TCG with several CPUs, every 100 ms), it delivers the
 * vector a second time, as an exception: RFLAGS.IF ignored, onto the
 * handler's first instruction.  With QEMU's -smp 2, an interrupt for the
 * other CPU is such a request, so vcpu1 keeps host CPU 1 busy (CPUID
 * exits) while vcpu0 keeps the window open: each
 * shot of the testdev timer wakes it from HLT, and the handler spins on
 * the TSC (no exit) for SPIN_MS before returning.  A second delivery
 * shows as a handler run whose frame has IF=0, and as more handler runs
 * than shots. */
#include "libguest.h"

#define TIMER_VECTOR 0x50
#define SHOT_US 200
#define SPIN_MS 2
#define RUN_MS 5000
#define MAX_SHOTS 5000
#define MAX_EXTRA_HLTS 100

static volatile uint32_t runs, masked_runs, ap_exits;
static volatile bool done;
static uint64_t spin_cycles;

static void on_timer(struct trap_frame *f)
{
	uint64_t end = rdtsc() + spin_cycles;

	runs++;
	if (!(f->eflags & EFLAGS_IF))
		masked_runs++;
	while (rdtsc() < end)
		;
}

static void ap_main(uint32_t apic_id)
{
	(void)apic_id;
	while (!done) {
		cpuid(0);
		ap_exits++;
	}
	for (;;)
		sti_hlt();
}

int main(void)
{
	uint64_t per_ms, t_end;
	uint32_t shots = 0, lost = 0, extra;

	irq_set_handler(TIMER_VECTOR, on_timer);
	report(smp_start_aps(ap_main, 1, 2000) == 1, "vcpu1 started");
	per_ms = testdev_tsc_per_ms();
	spin_cycles = per_ms * SPIN_MS;
	t_end = rdtsc() + per_ms * RUN_MS;
	while (rdtsc() < t_end && shots < MAX_SHOTS) {
		uint32_t before = runs;

		testdev_arm_timer(SHOT_US, TIMER_VECTOR);
		shots++;
		extra = 0;
		do {
			sti_hlt();
			cli();
		} while (runs == before && extra++ < MAX_EXTRA_HLTS);
		if (runs == before)
			lost++;
	}
	done = true;
	report_info("%u shots, %u handler runs, %llu TSC cycles per ms, "
		    "%u CPUID exits on vcpu1", shots, runs,
		    (unsigned long long)per_ms, ap_exits);
	report(lost == 0, "every shot delivered (%u lost)", lost);
	report(masked_runs == 0, "no delivery into IF=0 code (%u)",
	       masked_runs);
	report(runs == shots, "one handler run per shot (%u runs, %u shots)",
	       runs, shots);
	return report_summary();
}
