/* cpuid-spin.c - a guest that spins on CPUID while it waits.  A CPUID
 * exit with nothing pending may go straight back into the guest (the
 * VMM's fast exit); this guest checks that such exits are still
 * answered right and counted, and never hold back what is pending: a
 * timer interrupt of the test device or of the local APIC ends the spin,
 * and an STI shadow over a CPUID ends with it (the interrupt comes right
 * after the CPUID, before the next instruction). */
#include "div64.h"
#include "libguest.h"

#define TESTDEV_VECTOR 0x50
#define LAPIC_VECTOR 0x60
#define SPINS 2000
#define ROUNDS 10
#define SHOT_US 300
#define COUNTS_PER_MS 1000000u /* the APIC timer counts at 1 GHz */
#define DCR_DIV1 0xb
#define GIVE_UP_MS 2000
#define MAX_LATE_SPINS 20

static volatile uint32_t testdev_runs, lapic_runs, marker, seen_marker;

static void on_testdev(struct trap_frame *f)
{
	(void)f;
	seen_marker = marker;
	testdev_runs++;
}

static void on_lapic(struct trap_frame *f)
{
	(void)f;
	lapic_runs++;
	lapic_eoi();
}

static bool is_signature(struct cpuid_regs r)
{
	return r.a >= V3_CPUID_HV_BASE && r.b == 0x45563356 &&
	       r.c == 0x33562045 && r.d == 0x20454556; /* "V3VEE V3VEE " */
}

static void test_answers_and_counts(void)
{
	uint32_t before, after, i, wrong = 0;

	exit_count(V3_EXIT_CPUID); /* any first-call setup out of the way */
	before = exit_count(V3_EXIT_CPUID);
	for (i = 0; i < SPINS; i++)
		if (!is_signature(cpuid(V3_CPUID_HV_BASE)))
			wrong++;
	after = exit_count(V3_EXIT_CPUID);
	report(wrong == 0, "%u CPUIDs in a row answered right (%u wrong)",
	       SPINS, wrong);
	report(after - before == SPINS, "and each counted as an exit (%u)",
	       after - before);
}

/* Spin on CPUID, interrupts on, until *runs moves.  Returns how many
 * CPUIDs ran past the due time (the arming exit came after it, so a
 * few), or -1 when the interrupt never came.  Counted in CPUIDs, not
 * time: an emulator descheduled meanwhile adds time, not CPUIDs, while
 * a VMM that held the interrupt back until some later host interrupt
 * would let hundreds run. */
static int spin_until(volatile uint32_t *runs, uint32_t before,
		      uint64_t due, uint64_t per_ms)
{
	uint64_t give_up = due + GIVE_UP_MS * per_ms, now;
	int late = 0;

	sti();
	while (*runs == before && (now = rdtsc()) < give_up) {
		if (now >= due)
			late++;
		cpuid(V3_CPUID_HV_BASE);
	}
	cli();
	return *runs == before ? -1 : late;
}

static void test_timer_ends_spin(const char *what, volatile uint32_t *runs,
				 bool lapic, uint64_t per_ms)
{
	uint64_t shot = per_ms * SHOT_US;
	int i, late, worst = 0, lost = 0;

	div64_u32(&shot, 1000);
	for (i = 0; i < ROUNDS; i++) {
		uint32_t before = *runs;
		uint64_t due = rdtsc() + shot;

		if (lapic)
			lapic_write(APIC_TIMER_ICR,
				    COUNTS_PER_MS / 1000 * SHOT_US);
		else
			testdev_arm_timer(SHOT_US, TESTDEV_VECTOR);
		late = spin_until(runs, before, due, per_ms);
		if (late < 0)
			lost++;
		else if (late > worst)
			worst = late;
	}
	report(lost == 0 && worst <= MAX_LATE_SPINS,
	       "%s: %d one-shots each ended a CPUID spin at once (%d lost, "
	       "at most %d CPUIDs past the due time, limit %d)",
	       what, ROUNDS, lost, worst, MAX_LATE_SPINS);
}

/* The interrupt is pending (raised while IF=0) when STI opens a one-
 * instruction shadow over CPUID: it must come right after the CPUID. */
static void test_sti_shadow(uint64_t per_ms)
{
	uint32_t before = testdev_runs;
	uint64_t end;

	cli();
	marker = 0;
	testdev_arm_timer(SHOT_US, TESTDEV_VECTOR);
	end = rdtsc() + per_ms * 2;
	while (rdtsc() < end)
		;
	cpuid(0); /* an exit after the due time: the VMM raises it now */
	__asm__ volatile("sti; cpuid; movl $1, %0"
			 : "=m"(marker)
			 : "a"(V3_CPUID_HV_BASE), "c"(0)
			 : "ebx", "edx", "memory");
	cli();
	report(testdev_runs == before + 1 && seen_marker == 0,
	       "interrupt pending under an STI shadow comes right after the "
	       "CPUID (runs %u, marker seen %u)",
	       testdev_runs - before, seen_marker);
}

int main(void)
{
	uint64_t per_ms;

	irq_set_handler(TESTDEV_VECTOR, on_testdev);
	irq_set_handler(LAPIC_VECTOR, on_lapic);
	lapic_enable();
	lapic_write(APIC_TIMER_DCR, DCR_DIV1);
	lapic_write(APIC_LVT_TIMER, LAPIC_VECTOR); /* one-shot */
	per_ms = testdev_tsc_per_ms();
	test_answers_and_counts();
	test_timer_ends_spin("test device timer", &testdev_runs, false,
			     per_ms);
	test_timer_ends_spin("local APIC timer", &lapic_runs, true, per_ms);
	test_sti_shadow(per_ms);
	return report_summary();
}
