/* msr.c - MSR exits: the testdev scratch MSR keeps all 64 bits, and an
 * MSR nobody emulates raises #GP(0) on read and on write. */
#include "libguest.h"

/* Near the scratch MSR, in the range nobody assigns. */
#define UNKNOWN_MSR 0x4b564dffu

static void test_scratch(void)
{
	static const uint64_t vals[] = { 0x0123456789abcdefull,
					 0xffffffff00000000ull,
					 0x00000000ffffffffull, 0 };

	for (unsigned i = 0; i < sizeof(vals) / sizeof(*vals); i++) {
		uint64_t got;

		wrmsr(V3_TESTDEV_MSR, vals[i]);
		got = rdmsr(V3_TESTDEV_MSR);
		report(got == vals[i], "scratch MSR wrote 0x%llx read 0x%llx",
		       (unsigned long long)vals[i], (unsigned long long)got);
	}
}

static void test_unknown(void)
{
	uint64_t v;
	int vec;

	wrmsr(V3_TESTDEV_MSR, 0x5555aaaa5555aaaaull);
	vec = rdmsr_safe(UNKNOWN_MSR, &v);
	report(vec == GP_VECTOR && fault_error() == 0,
	       "read of unknown MSR 0x%x: %s error %u", UNKNOWN_MSR,
	       vector_name(vec), fault_error());
	vec = wrmsr_safe(UNKNOWN_MSR, 0x1234);
	report(vec == GP_VECTOR && fault_error() == 0,
	       "write of unknown MSR 0x%x: %s error %u", UNKNOWN_MSR,
	       vector_name(vec), fault_error());
	report(rdmsr(V3_TESTDEV_MSR) == 0x5555aaaa5555aaaaull,
	       "scratch MSR unchanged by the faulting accesses");
	vec = rdmsr_safe(V3_TESTDEV_MSR, &v);
	report(vec == NO_FAULT, "scratch MSR read through the catch path: %s",
	       vector_name(vec));
}

int main(void)
{
	test_scratch();
	test_unknown();
	return report_summary();
}
