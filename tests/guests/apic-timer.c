/* apic-timer.c - the local APIC timer in periodic, one-shot and
 * TSC-deadline mode, timed against the testdev timer (the host's clock):
 * tick counts over a known interval, one-shot fires exactly once, the
 * deadline fires at or after its TSC value.  Also CPUID and
 * IA32_APIC_BASE as a BSP sees them with the local APIC configured. */
#include "libguest.h"

#define TICK_VECTOR 0x60
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_ECX_DEADLINE (1u << 24)
/* The timer counts at 1 GHz: one count per nanosecond, divide by 1. */
#define COUNTS_PER_MS 1000000u
#define DCR_DIV1 0xb
#define MAX_TICKS 64

static volatile uint32_t ticks;
static volatile uint64_t tick_tsc;
/* When each periodic tick arrived (TSC). */
static volatile uint64_t tick_at[MAX_TICKS];

static void on_tick(struct trap_frame *f)
{
	(void)f;
	tick_tsc = rdtsc();
	if (ticks < MAX_TICKS)
		tick_at[ticks] = tick_tsc;
	ticks++;
	lapic_eoi();
}

static uint64_t tsc_per_ms;

/* Intervals between periodic ticks that are one period (+-10%) long.
 * The test machines are shared: the emulator is descheduled for
 * milliseconds at a time, a tick then comes late and the next one, on
 * the programmed grid, early; ticks missed altogether are dropped (as
 * an APIC whose IRR bit is still set would).  So single intervals and
 * the count mean little; a wrong period makes no interval exact. */
static uint32_t exact_intervals(uint32_t n, uint64_t period)
{
	uint32_t i, good = 0;

	for (i = 1; i < n && i < MAX_TICKS; i++) {
		uint64_t d = tick_at[i] - tick_at[i - 1];

		if (d * 10 >= period * 9 && d * 10 <= period * 11)
			good++;
	}
	return good;
}

static void test_periodic(void)
{
	uint64_t span;
	uint32_t n, good, last;

	ticks = 0;
	lapic_write(APIC_TIMER_DCR, DCR_DIV1);
	lapic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | TICK_VECTOR);
	lapic_write(APIC_TIMER_ICR, COUNTS_PER_MS);
	testdev_sleep(50000);
	n = ticks;
	lapic_write(APIC_TIMER_ICR, 0);
	last = n < MAX_TICKS ? n : MAX_TICKS;
	good = exact_intervals(n, tsc_per_ms);
	span = last > 1 ? tick_at[last - 1] - tick_at[0] : 0;
	report(n >= 10 && n <= 51, "periodic 1 ms: %u ticks in 50 ms", n);
	report(good * 4 >= n - 1, "%u of %u intervals are 1 ms +-10%%", good,
	       n - 1);
	report(span * 10 >= (uint64_t)(last - 1) * tsc_per_ms * 9,
	       "never faster than programmed on average");
	testdev_sleep(5000);
	report(ticks == n, "initial count 0 stops the periodic timer");
}

/* Only lower bounds on time are robust on a shared machine: a timer
 * may fire late, never early. */
static void test_oneshot(void)
{
	uint32_t c1, c2;
	uint64_t t0;

	ticks = 0;
	lapic_write(APIC_LVT_TIMER, TICK_VECTOR);
	t0 = rdtsc();
	lapic_write(APIC_TIMER_ICR, 20 * COUNTS_PER_MS);
	c1 = lapic_read(APIC_TIMER_CCR);
	testdev_sleep(5000);
	c2 = lapic_read(APIC_TIMER_CCR);
	report(c1 <= 20 * COUNTS_PER_MS && c2 < c1,
	       "current count runs down (%u, then %u)", c1, c2);
	testdev_sleep(40000);
	report(ticks == 1, "one-shot 20 ms fired exactly once in 45 ms (%u)",
	       ticks);
	/* tsc_per_ms errs high when the emulator was descheduled in
	 * every calibration wait; early means far earlier than that. */
	report(tick_tsc - t0 >= 20 * tsc_per_ms * 85 / 100,
	       "not before its 20 ms");
	report(lapic_read(APIC_TIMER_CCR) == 0, "current count 0 after");
}

static void test_deadline(void)
{
	uint64_t deadline, late, late_us;

	ticks = 0;
	lapic_write(APIC_LVT_TIMER, APIC_TIMER_DEADLINE | TICK_VECTOR);
	deadline = rdtsc() + 5 * tsc_per_ms;
	wrmsr(MSR_TSC_DEADLINE, deadline);
	report(rdmsr(MSR_TSC_DEADLINE) == deadline, "deadline MSR reads back");
	while (ticks == 0)
		sti_hlt();
	cli();
	late = tick_tsc - deadline;
	report(tick_tsc >= deadline, "TSC deadline fired at or after it");
	late_us = late * 1000;
	div64_u32(&late_us, (uint32_t)tsc_per_ms);
	report(late < 50 * tsc_per_ms, "and within 50 ms (%llu us late)",
	       (unsigned long long)late_us);
	report(rdmsr(MSR_TSC_DEADLINE) == 0, "deadline MSR is 0 after");
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 2 * tsc_per_ms);
	wrmsr(MSR_TSC_DEADLINE, 0);
	testdev_sleep(10000);
	report(ticks == 1, "writing 0 disarms the deadline");
	wrmsr(MSR_TSC_DEADLINE, 1);
	testdev_sleep(2000);
	report(ticks == 2, "a deadline in the past fires at once");
	lapic_write(APIC_LVT_TIMER, APIC_LVT_MASKED);
}

int main(void)
{
	struct cpuid_regs r = cpuid(1);
	uint64_t base = rdmsr(MSR_APIC_BASE);

	report(r.d & CPUID1_EDX_APIC, "CPUID.1:EDX.APIC set");
	report(r.c & CPUID1_ECX_DEADLINE, "CPUID.1:ECX.TSC_DEADLINE set");
	report(base == 0xfee00900, "IA32_APIC_BASE 0x%llx: BSP, enabled",
	       (unsigned long long)base);
	report(lapic_id() == 0 && (lapic_read(APIC_VERSION) & 0xff) == 0x14,
	       "APIC ID 0, version 0x14");
	irq_set_handler(TICK_VECTOR, on_tick);
	lapic_enable();
	tsc_per_ms = testdev_tsc_per_ms();
	report_info("TSC: %llu cycles per ms", (unsigned long long)tsc_per_ms);
	test_periodic();
	test_oneshot();
	test_deadline();
	return report_summary();
}
