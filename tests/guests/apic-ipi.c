/* apic-ipi.c - fixed IPIs between two vcpus: a ping-pong of ROUNDS
 * round trips counted on both sides, a logical-destination IPI, and the
 * all-excluding-self shorthand.  Prints the round-trip cost for
 * `make bench` (BENCH-IPI); it needs nothing of our VMM, so `make bench`
 * also runs its ELF under QEMU+KVM as the reference. */
#include "libguest.h"

#define PING 0x50
#define PONG 0x51
#define LOGICAL 0x52
#define ROUNDS 200

static volatile uint32_t pings, pongs, logical_hits, ap_ready;

static void on_ping(struct trap_frame *f)
{
	(void)f;
	pings++;
	lapic_send_ipi(0, PONG);
	lapic_eoi();
}

static void on_pong(struct trap_frame *f)
{
	(void)f;
	pongs++;
	lapic_eoi();
}

static void on_logical(struct trap_frame *f)
{
	(void)f;
	if (lapic_id() == 1)
		logical_hits++;
	lapic_send_ipi(0, PONG); /* wakes the BSP */
	lapic_eoi();
}

/* The AP answers pings forever, halted in between. */
static void ap_loop(uint32_t id)
{
	(void)id;
	lapic_write(APIC_DFR, 0xffffffff); /* flat model */
	lapic_write(APIC_LDR, 0x02000000); /* logical ID bit 1 */
	ap_ready = 1;
	for (;;)
		sti_hlt();
}

int main(void)
{
	uint64_t t0, t1, per;
	uint32_t i, lost = 0;

	irq_set_handler(PING, on_ping);
	irq_set_handler(PONG, on_pong);
	irq_set_handler(LOGICAL, on_logical);
	lapic_enable();
	/* A Multiboot boot under QEMU leaves the PIT ticking through the
	 * 8259 on LINT0: only IPIs may wake us here. */
	legacy_pic_off();
	report(smp_start_aps(ap_loop, 1, 5000) == 1, "AP started");
	while (!ap_ready)
		;
	t0 = rdtsc();
	for (i = 0; i < ROUNDS; i++) {
		uint32_t before = pongs;

		lapic_send_ipi(1, PING);
		if (!wait_change(&pongs, before))
			lost++;
	}
	t1 = rdtsc();
	report(lost == 0, "every ping answered (%u lost)", lost);
	report(pings == ROUNDS && pongs == ROUNDS,
	       "ping-pong: %u pings, %u pongs of %u", pings, pongs, ROUNDS);
	per = (t1 - t0) / ROUNDS;
	report_info("IPI round trip: %llu TSC cycles",
		    (unsigned long long)per);
	printf("BENCH-IPI roundtrip_cycles=%llu rounds=%u\n",
	       (unsigned long long)per, ROUNDS);
	i = pongs;
	lapic_write(APIC_ICR_HI, 0x02000000);
	lapic_write(APIC_ICR_LO, 0x800 | LOGICAL); /* logical, flat */
	wait_change(&pongs, i);
	report(logical_hits == 1, "logical destination 0x02 reaches the AP");
	/* All-excluding-self from the BSP: a ping the AP answers. */
	i = pongs;
	lapic_write(APIC_ICR_LO, APIC_DEST_ALL_BUT_ME | PING);
	wait_change(&pongs, i);
	report(pings == ROUNDS + 1 && pongs == ROUNDS + 2,
	       "all-but-self IPI reaches the AP only");
	return report_summary();
}
