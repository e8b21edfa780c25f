/* smp.c - see smp.h. */
#include "apic.h"
#include "idt.h"
#include "smp.h"
#include "string.h"
#include "x86.h"

#define SMP_HLT_FILL_START 0x1000u
#define SMP_HLT_FILL_END 0x10000u

extern const char ap_trampoline[], ap_trampoline_end[];
/* Read by ap_entry32 (smp_tramp.S): which stack the next AP takes. */
volatile uint32_t smp_ap_next;
volatile uint32_t smp_ap_ids[SMP_MAX_APS];
static volatile int checked_in;
static ap_entry_fn ap_fn;

void ap_main(void);
void ap_main(void)
{
	uint32_t id;
	int slot;

	idt_load();
	lapic_enable();
	id = lapic_id();
	slot = __atomic_fetch_add(&checked_in, 1, __ATOMIC_SEQ_CST);
	if (slot < SMP_MAX_APS)
		smp_ap_ids[slot] = id;
	ap_fn(id);
}

/* Time by the TSC; at least 2 cycles per ns on the machines we run on,
 * so the bound is generous. */
static int wait_for(int target, uint32_t max_ms)
{
	uint64_t t0 = rdtsc(), limit = (uint64_t)max_ms * 4000000ull;

	while (checked_in < target && rdtsc() - t0 < limit)
		__asm__ volatile("pause");
	return checked_in;
}

int smp_start_aps(ap_entry_fn fn, int expected, uint32_t max_ms)
{
	int before = checked_in;

	ap_fn = fn;
	smp_ap_next = 0;
	/* HLT (0xf4) around the trampoline: an AP started anywhere but
	 * at the SIPI vector halts there and never checks in. */
	memset((void *)SMP_HLT_FILL_START, 0xf4,
	       SMP_HLT_FILL_END - SMP_HLT_FILL_START);
	memcpy((void *)SMP_TRAMPOLINE, ap_trampoline,
	       (size_t)(ap_trampoline_end - ap_trampoline));
	lapic_write(APIC_ICR_HI, 0);
	lapic_write(APIC_ICR_LO, APIC_DEST_ALL_BUT_ME | APIC_LEVEL_ASSERT |
				     APIC_DM_INIT);
	lapic_write(APIC_ICR_LO, APIC_DEST_ALL_BUT_ME | APIC_DM_SIPI |
				     (SMP_TRAMPOLINE >> 12));
	if (wait_for(before + expected, max_ms / 2) < before + expected)
		lapic_write(APIC_ICR_LO, APIC_DEST_ALL_BUT_ME | APIC_DM_SIPI |
					     (SMP_TRAMPOLINE >> 12));
	return wait_for(before + expected, max_ms / 2) - before;
}
