/* msr.c - MSR exits: the testdev scratch MSR keeps all 64 bits, an MSR
 * nobody emulates raises #GP(0) on read and on write, and the SYSCALL
 * MSRs (CPU state the backends switch) keep the guest's values across
 * exits. */
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

static void test_syscall_msrs(void)
{
	static const struct {
		uint32_t msr;
		const char *name;
		uint64_t val;
	} m[] = {
		{ 0xc0000081u, "STAR", 0x0023001000000000ull },
		{ 0xc0000082u, "LSTAR", 0xffffffff81a00000ull },
		{ 0xc0000083u, "CSTAR", 0xffffffff81a00040ull },
		{ 0xc0000084u, "SFMASK", 0x47700ull },
		{ 0xc0000102u, "KERNEL_GS_BASE", 0xffff888012340000ull },
	};
	unsigned i;

	for (i = 0; i < sizeof(m) / sizeof(*m); i++)
		wrmsr(m[i].msr, m[i].val);
	/* Exits in between: the values must survive the world switches. */
	for (i = 0; i < 8; i++)
		cpuid(0);
	for (i = 0; i < sizeof(m) / sizeof(*m); i++) {
		uint64_t got = rdmsr(m[i].msr);

		report(got == m[i].val, "%s wrote 0x%llx read 0x%llx",
		       m[i].name, (unsigned long long)m[i].val,
		       (unsigned long long)got);
		wrmsr(m[i].msr, 0);
	}
	report(rdmsr(0xc0000082u) == 0, "LSTAR back to 0");
}

int main(void)
{
	test_scratch();
	test_unknown();
	test_syscall_msrs();
	return report_summary();
}
