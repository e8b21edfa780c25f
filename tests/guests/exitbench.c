/* exitbench.c - what one exit costs, after kvm-unit-tests' vmexit.c:
 * each operation runs ITERATIONS times between two RDTSCs, ROUNDS
 * times, printing "BENCH <name> round=<i> cycles=<per iteration>" for
 * tests/bench/bench.py.  Nothing prints inside a timed loop. */
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

static const struct bench {
	const char *name;
	void (*op)(void);
} benches[] = {
	{ "baseline", op_baseline },	/* the loop alone, no exit */
	{ "cpuid", op_cpuid },
	{ "io_out", op_io_out },
	{ "io_in", op_io_in },
	{ "hypercall", op_hypercall },
};

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
	for (int round = 1; round <= ROUNDS; round++) {
		for (unsigned b = 0; b < sizeof(benches) / sizeof(*benches);
		     b++) {
			uint64_t c = time_op(benches[b].op);

			printf("BENCH %s round=%d cycles=%llu\n",
			       benches[b].name, round, (unsigned long long)c);
		}
	}
	printf("BENCH-DONE\n");
	return 0;
}
