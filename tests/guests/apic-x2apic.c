/* apic-x2apic.c - the local APIC in x2APIC mode (SDM vol. 3 §11.12):
 * CPUID shows it, IA32_APIC_BASE switches into it and out of it (and
 * refuses the transitions the SDM forbids), the registers are MSRs
 * (ID, LDR, version, SVR), IPIs to self (ICR and SELF IPI) and to the
 * other vcpu (physical and logical), the timer in one-shot mode, and
 * #GP for MSRs that do not exist and for writes the SDM refuses. */
#include "libguest.h"

#define CPUID1_ECX_X2APIC (1u << 21)
#define APIC_BASE_EXTD	  (1ull << 10)
#define APIC_BASE_EN	  (1ull << 11)

#define X2_ID	     0x802
#define X2_VERSION   0x803
#define X2_TPR	     0x808
#define X2_EOI	     0x80b
#define X2_LDR	     0x80d
#define X2_DFR	     0x80e /* xAPIC only */
#define X2_SVR	     0x80f
#define X2_ICR	     0x830
#define X2_ICR_HI    0x831 /* xAPIC only: the ICR is one MSR */
#define X2_LVT_TIMER 0x832
#define X2_TIMER_ICR 0x838
#define X2_TIMER_CCR 0x839
#define X2_TIMER_DCR 0x83e
#define X2_SELF_IPI  0x83f

#define SELF_VEC  0x40
#define PING	  0x50
#define PONG	  0x51
#define TICK	  0x60
#define ICR_LOGICAL 0x800
#define DCR_DIV1  0xb
#define COUNTS_PER_MS 1000000u /* 1 GHz bus clock */

static volatile uint32_t self_hits, pings, pongs, ticks, ap_ready, ap_id,
	ap_ldr;
static volatile uint64_t tick_tsc;

static void x2_eoi(void)
{
	wrmsr(X2_EOI, 0);
}

static void on_self(struct trap_frame *f)
{
	(void)f;
	self_hits++;
	x2_eoi();
}

static void on_ping(struct trap_frame *f)
{
	(void)f;
	pings++;
	wrmsr(X2_ICR, (0ull << 32) | PONG); /* to x2APIC ID 0 */
	x2_eoi();
}

static void on_pong(struct trap_frame *f)
{
	(void)f;
	pongs++;
	x2_eoi();
}

static void on_tick(struct trap_frame *f)
{
	(void)f;
	tick_tsc = rdtsc();
	ticks++;
	x2_eoi();
}

static bool enter_x2apic(void)
{
	return wrmsr_safe(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) |
					     APIC_BASE_EXTD) == NO_FAULT;
}

/* The AP switches to x2APIC mode itself and answers pings. */
static void ap_loop(uint32_t id)
{
	(void)id;
	if (enter_x2apic()) {
		wrmsr(X2_SVR, APIC_SVR_ENABLE | 0xff);
		ap_id = (uint32_t)rdmsr(X2_ID);
		ap_ldr = (uint32_t)rdmsr(X2_LDR);
		ap_ready = 1;
	} else {
		ap_ready = 2;
	}
	for (;;)
		sti_hlt();
}

static bool gp_on_read(uint32_t msr)
{
	uint64_t v;

	return rdmsr_safe(msr, &v) == GP_VECTOR;
}

static bool gp_on_write(uint32_t msr, uint64_t v)
{
	return wrmsr_safe(msr, v) == GP_VECTOR;
}

static void test_refusals(void)
{
	report(gp_on_write(X2_ID, 5), "write to the ID: #GP");
	report(gp_on_write(X2_LDR, 1), "write to the LDR: #GP");
	report(gp_on_write(X2_VERSION, 0), "write to the version: #GP");
	report(gp_on_write(X2_TIMER_CCR, 0), "write to the current count: #GP");
	report(gp_on_read(X2_EOI), "read of EOI: #GP");
	report(gp_on_read(X2_SELF_IPI), "read of SELF IPI: #GP");
	report(gp_on_read(X2_DFR) && gp_on_write(X2_DFR, 0),
	       "no DFR in x2APIC mode: #GP");
	report(gp_on_read(X2_ICR_HI), "no ICR high MSR: #GP");
	report(gp_on_read(0x801) && gp_on_read(0x8ff),
	       "reserved MSRs 0x801, 0x8ff: #GP");
	report(gp_on_write(X2_TPR, 0x100), "TPR reserved bits: #GP");
	report(gp_on_write(X2_EOI, 1), "non-zero EOI: #GP");
	report(gp_on_write(X2_SELF_IPI, 0x140), "SELF IPI reserved bits: #GP");
}

static void test_ipis(void)
{
	uint32_t before;

	wrmsr(X2_SELF_IPI, SELF_VEC);
	wait_change(&self_hits, 0);
	report(self_hits == 1, "SELF IPI delivered");
	wrmsr(X2_ICR, (0ull << 32) | SELF_VEC);
	wait_change(&self_hits, 1);
	report(self_hits == 2, "ICR MSR to my own x2APIC ID");
	report(rdmsr(X2_ICR) == ((0ull << 32) | SELF_VEC),
	       "ICR reads back as one 64-bit value");

	before = pongs;
	wrmsr(X2_ICR, ((uint64_t)ap_id << 32) | PING);
	report(wait_change(&pongs, before) && pings == 1,
	       "physical IPI to x2APIC ID %u answered", ap_id);
	before = pongs;
	/* Logical: cluster 0, member bit 1 (the AP's LDR). */
	wrmsr(X2_ICR, ((uint64_t)ap_ldr << 32) | ICR_LOGICAL | PING);
	report(wait_change(&pongs, before) && pings == 2,
	       "logical IPI to LDR 0x%x answered", ap_ldr);
}

static uint64_t tsc_per_ms;

static void test_timer(void)
{
	uint32_t c1, c2;
	uint64_t t0;

	tsc_per_ms = testdev_tsc_per_ms();
	wrmsr(X2_TIMER_DCR, DCR_DIV1);
	wrmsr(X2_LVT_TIMER, TICK);
	report(rdmsr(X2_LVT_TIMER) == TICK, "LVT timer MSR reads back");
	t0 = rdtsc();
	wrmsr(X2_TIMER_ICR, 20 * COUNTS_PER_MS);
	c1 = (uint32_t)rdmsr(X2_TIMER_CCR);
	testdev_sleep(2000);
	c2 = (uint32_t)rdmsr(X2_TIMER_CCR);
	report(c1 <= 20 * COUNTS_PER_MS && c2 < c1,
	       "current count runs down (%u, then %u)", c1, c2);
	wait_change(&ticks, 0);
	testdev_sleep(30000);
	report(ticks == 1, "one-shot 20 ms fired exactly once (%u)", ticks);
	/* tsc_per_ms errs high when the emulator was descheduled in
	 * every calibration wait; early means far earlier than that. */
	report(tick_tsc - t0 >= 20 * tsc_per_ms * 85 / 100,
	       "not before its 20 ms");
	report(rdmsr(X2_TIMER_CCR) == 0, "current count 0 after");
	wrmsr(X2_LVT_TIMER, APIC_LVT_MASKED);
}

int main(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	irq_set_handler(SELF_VEC, on_self);
	irq_set_handler(PING, on_ping);
	irq_set_handler(PONG, on_pong);
	irq_set_handler(TICK, on_tick);
	report(cpuid(1).c & CPUID1_ECX_X2APIC, "CPUID.1:ECX.x2APIC set");
	report(gp_on_read(X2_ID), "x2APIC MSRs #GP in xAPIC mode");
	report(gp_on_write(MSR_APIC_BASE, (base & ~APIC_BASE_EN) |
					      APIC_BASE_EXTD),
	       "EXTD without EN: #GP");
	/* The AP starts through the xAPIC ICR, then enters x2APIC mode. */
	lapic_enable();
	legacy_pic_off();
	report(smp_start_aps(ap_loop, 1, 5000) == 1, "AP started");
	while (!ap_ready)
		;
	report(ap_ready == 1 && ap_id == 1 && ap_ldr == 0x2,
	       "AP in x2APIC mode: ID %u, LDR 0x%x", ap_id, ap_ldr);

	report(enter_x2apic(), "xAPIC -> x2APIC");
	report(rdmsr(MSR_APIC_BASE) == (base | APIC_BASE_EXTD),
	       "IA32_APIC_BASE 0x%llx", (unsigned long long)rdmsr(MSR_APIC_BASE));
	report(rdmsr(X2_ID) == 0, "x2APIC ID 0");
	report(rdmsr(X2_LDR) == 0x1, "LDR 0x1: cluster 0, bit 0");
	report((rdmsr(X2_VERSION) & 0xff) == 0x14, "version MSR");
	wrmsr(X2_SVR, APIC_SVR_ENABLE | 0xff);
	report(rdmsr(X2_SVR) == (APIC_SVR_ENABLE | 0xff), "SVR MSR");
	wrmsr(X2_TPR, 0);
	test_refusals();
	test_ipis();
	test_timer();

	report(gp_on_write(MSR_APIC_BASE, base), "x2APIC -> xAPIC: #GP");
	report(wrmsr_safe(MSR_APIC_BASE, base & ~(APIC_BASE_EN |
						  APIC_BASE_EXTD)) == NO_FAULT &&
	       wrmsr_safe(MSR_APIC_BASE, base) == NO_FAULT,
	       "x2APIC -> disabled -> xAPIC");
	report(gp_on_read(X2_ID) && lapic_id() == 0 &&
	       lapic_read(APIC_SVR) == 0xff,
	       "back in xAPIC mode, reset: MMIO ID 0, SVR 0xff");
	return report_summary();
}
