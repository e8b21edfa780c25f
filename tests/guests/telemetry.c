/* telemetry.c - the VMM's per-reason exit counters, read through
 * V3_HC_EXIT_COUNT, move by exactly the number of exits the guest made.
 * The last line reports the final CPUID count, which the harness
 * compares with the host's V3-STAT line for this VM. */
#include "libguest.h"

#define CPUIDS 1000
#define PORT_WRITES 100
#define MSR_READS 50

/* Nothing may exit between the two counter reads but the loop itself:
 * no printing inside. */
static uint32_t count_cpuid(void)
{
	uint32_t before = exit_count(V3_EXIT_CPUID);

	for (int i = 0; i < CPUIDS; i++)
		cpuid(V3_CPUID_HV_BASE);
	return exit_count(V3_EXIT_CPUID) - before;
}

static uint32_t count_port_writes(void)
{
	uint32_t before = exit_count(V3_EXIT_IO);

	for (int i = 0; i < PORT_WRITES; i++)
		outl(V3_TESTDEV_SCRATCH, (uint32_t)i);
	return exit_count(V3_EXIT_IO) - before;
}

static uint32_t count_msr_reads(void)
{
	uint32_t before = exit_count(V3_EXIT_MSR_READ);

	for (int i = 0; i < MSR_READS; i++)
		rdmsr(V3_TESTDEV_MSR);
	return exit_count(V3_EXIT_MSR_READ) - before;
}

int main(void)
{
	uint32_t n, hc_before, hc_after, total;

	n = count_cpuid();
	report(n == CPUIDS, "%u CPUIDs counted as %u cpuid exits", CPUIDS, n);
	n = count_port_writes();
	report(n == PORT_WRITES, "%u port writes counted as %u io exits",
	       PORT_WRITES, n);
	n = count_msr_reads();
	report(n == MSR_READS, "%u RDMSRs counted as %u msr_read exits",
	       MSR_READS, n);
	hc_before = exit_count(V3_EXIT_HYPERCALL);
	hc_after = exit_count(V3_EXIT_HYPERCALL);
	report(hc_after - hc_before == 1, "a hypercall counts itself once "
	       "(%u then %u)", hc_before, hc_after);

	/* No CPUID from here on: the host's final count must match. */
	total = exit_count(V3_EXIT_CPUID);
	report(total >= CPUIDS, "cpuid exits so far %u >= %u", total, CPUIDS);
	printf("TELEMETRY cpuid_total=%u\n", total);
	return report_summary();
}
