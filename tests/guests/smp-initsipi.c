/* smp-initsipi.c - application processors start only through INIT and
 * SIPI: each comes up in real mode at the SIPI vector (the trampoline in
 * lib/smp_tramp.S), reports its own APIC ID and IA32_APIC_BASE without
 * the BSP flag, then parks with CLI; HLT.  A second INIT-SIPI-SIPI
 * restarts the parked APs. */
#include "libguest.h"

#define NAPS 3
#define START_MS 5000

static volatile uint32_t cpuid_id[8], base_lo[8], runs[8];
static volatile uint64_t ap_tsc[8];
/* The guest's TSC starts at 0 when the VM is created (one offset for all
 * its vcpus): well under this many cycles (4 s at 2.5 GHz) when main()
 * runs, while the host's TSC has counted since the host booted. */
#define TSC_START_BOUND 10000000000ull

static void ap_report(uint32_t id)
{
	struct cpuid_regs r = cpuid(1);

	if (id >= 8)
		return;
	ap_tsc[id] = rdtsc();
	cpuid_id[id] = r.b >> 24;
	base_lo[id] = (uint32_t)rdmsr(MSR_APIC_BASE);
	__atomic_add_fetch(&runs[id], 1, __ATOMIC_SEQ_CST);
}

/* An AP checks in (smp.c) before it runs ap_report: wait for the
 * reports themselves. */
static void wait_reports(uint32_t round)
{
	uint64_t t0 = rdtsc();

	while (runs[1] + runs[2] + runs[3] < NAPS * round &&
	       rdtsc() - t0 < 10000000000ull)
		__asm__ volatile("pause");
}

static bool ids_are_1_to_n(void)
{
	uint32_t seen = 0;
	int i;

	for (i = 0; i < NAPS; i++)
		seen |= 1u << smp_ap_ids[i];
	return seen == ((1u << (NAPS + 1)) - 2);
}

int main(void)
{
	uint64_t t0 = rdtsc(), before_sipi;
	int n, i;

	report(t0 < TSC_START_BOUND, "guest TSC starts near 0 (%llu)",
	       (unsigned long long)t0);
	lapic_enable();
	report(lapic_id() == 0 && (rdmsr(MSR_APIC_BASE) & 0x100),
	       "BSP: APIC ID 0 with IA32_APIC_BASE.BSP");
	/* Without a SIPI nobody runs: nothing may have checked in. */
	while (rdtsc() - t0 < 50000000ull)
		;
	report(runs[1] + runs[2] + runs[3] == 0, "APs idle before the SIPI");
	before_sipi = rdtsc();
	n = smp_start_aps(ap_report, NAPS, START_MS);
	report(n == NAPS, "INIT/SIPI started %d of %d APs", n, NAPS);
	wait_reports(1);
	report(ids_are_1_to_n(), "APIC IDs 1..%d, each once", NAPS);
	for (i = 1; i <= NAPS; i++) {
		report(cpuid_id[i] == (uint32_t)i,
		       "AP %d: CPUID initial APIC ID %u", i, cpuid_id[i]);
		report(ap_tsc[i] > before_sipi && ap_tsc[i] < rdtsc(),
		       "AP %d: its TSC lies between the BSP's readings "
		       "around its start (one TSC for all vcpus)", i);
		report(base_lo[i] == 0xfee00800,
		       "AP %d: IA32_APIC_BASE 0x%x (enabled, not BSP)", i,
		       base_lo[i]);
	}
	n = smp_start_aps(ap_report, NAPS, START_MS);
	report(n == NAPS, "a second INIT/SIPI restarts %d parked APs", n);
	wait_reports(2);
	for (i = 1; i <= NAPS; i++)
		report(runs[i] == 2, "AP %d ran twice", i);
	return report_summary();
}
