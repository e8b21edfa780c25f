/* exitbench.c - what one exit costs, after kvm-unit-tests' vmexit.c:
 * each operation runs ITERATIONS times between two RDTSCs, ROUNDS
 * times, printing "BENCH <name> round=<i> cycles=<per iteration>" for
 * tests/bench/bench.py.  Nothing prints inside a timed loop.
 *
 * The rounds run twice: first with paging off (as the guest starts,
 * the classic vmexit.c setting), then with PAE paging and the paging
 * controls a Linux guest uses (CR0.WP, CR4.PSE/PAE/PGE, SMEP/SMAP when
 * offered), reported with a "_pg" suffix.  The world switch itself
 * costs more when guest and host disagree on those controls. */
#include "libguest.h"

#define ITERATIONS_LOG2 14
#define ITERATIONS (1u << ITERATIONS_LOG2)	/* 16384 */
#define ROUNDS 5

static void op_baseline(void)
{
	__asm__ volatile("" : : : "memory");
}

static void op_cpuid(void)
{
	cpuid(V3_CPUID_HV_BASE);
}

static void op_io_out(void)
{
	outl(V3_TESTDEV_SCRATCH, 0x5a5a5a5a);
}

static void op_io_in(void)
{
	inl(V3_TESTDEV_SCRATCH);
}

static void op_hypercall(void)
{
	hypercall(V3_HC_NOP, 0, 0, 0, 0);
}

/* The same CPUID exits, each handled by the backend's bare entry/exit
 * loop (V3_HC_BARE_CPUID): what the hardware's world switch alone
 * costs.  Only where the backend has that loop. */
static bool bare_cpuid_arm(void)
{
	return hypercall(V3_HC_BARE_CPUID, ITERATIONS, 0, 0, 0) == 0;
}

static const struct bench {
	const char *name;
	void (*op)(void);
	bool (*arm)(void); /* before the loop; false: not measured here */
} benches[] = {
	{ "baseline", op_baseline, 0 },	/* the loop alone, no exit */
	{ "cpuid", op_cpuid, 0 },
	{ "cpuid_bare", op_cpuid, bare_cpuid_arm },
	{ "io_out", op_io_out, 0 },
	{ "io_in", op_io_in, 0 },
	{ "hypercall", op_hypercall, 0 },
};

#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_SMEP (1u << 20)
#define CR4_SMAP (1u << 21)
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

/* PAE: 4 PDPT entries -> 4 page directories of 2 MiB pages, identity
 * over 4 GiB, supervisor-only. */
static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd[4][512] __attribute__((aligned(4096)));

static void paging_on(void)
{
	uint32_t cr4 = CR4_PSE | CR4_PAE | CR4_PGE, cr0;
	if (cpuid(0).a >= 7) {
		struct cpuid_regs r = cpuid_sub(7, 0);

		if (r.b & (1u << 7))
			cr4 |= CR4_SMEP;
		if (r.b & (1u << 20))
			cr4 |= CR4_SMAP;
	}
	for (int d = 0; d < 4; d++) {
		for (int i = 0; i < 512; i++)
			pd[d][i] = ((uint64_t)d << 30) | ((uint64_t)i << 21) |
				   PTE_P | PTE_RW | PTE_PS;
		pdpt[d] = (uint32_t)(uintptr_t)pd[d] | PTE_P;
	}
	__asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
	__asm__ volatile("mov %0, %%cr3" ::"r"((uint32_t)(uintptr_t)pdpt));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= CR0_PG | CR0_WP;
	__asm__ volatile("mov %0, %%cr0" ::"r"(cr0) : "memory");
}

static uint64_t time_op(void (*op)(void))
{
	uint64_t t0 = rdtsc();

	for (uint32_t i = 0; i < ITERATIONS; i++)
		op();
	return (rdtsc() - t0) >> ITERATIONS_LOG2;
}

int main(void)
{
	printf("BENCH-START iterations=%u rounds=%u vendor=%s\n", ITERATIONS,
	       ROUNDS, cpu_vendor());
	for (int paged = 0; paged < 2; paged++) {
		if (paged)
			paging_on();
		for (int round = 1; round <= ROUNDS; round++) {
			for (unsigned b = 0;
			     b < sizeof(benches) / sizeof(*benches); b++) {
				uint64_t c;

				if (benches[b].arm && !benches[b].arm())
					continue;
				c = time_op(benches[b].op);

				printf("BENCH %s%s round=%d cycles=%llu\n",
				       benches[b].name, paged ? "_pg" : "",
				       round, (unsigned long long)c);
			}
		}
	}
	printf("BENCH-DONE\n");
	return 0;
}
