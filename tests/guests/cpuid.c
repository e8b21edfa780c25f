/* cpuid.c - the CPUID a guest sees: the hypervisor leaves and signature,
 * the hypervisor bit, virtualization features hidden, and the testdev
 * leaf that echoes its subleaf and the scratch register. */
#include "libguest.h"

#define BIT(n) (1u << (n))
#define LEAF1_ECX_VMX BIT(5)
#define LEAF1_ECX_X2APIC BIT(21)
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define EXT1_ECX_SVM BIT(2)

static void test_signature(void)
{
	struct cpuid_regs r = cpuid(V3_CPUID_HV_BASE);
	char sig[13];

	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	sig[12] = '\0';
	report(memcmp(sig, V3_CPUID_SIGNATURE, 12) == 0,
	       "leaf 0x40000000 signature \"%s\"", sig);
	/* The testdev leaf must be inside the advertised range. */
	report(r.a >= V3_TESTDEV_CPUID && r.a < V3_CPUID_HV_BASE + 0x100,
	       "leaf 0x40000000 max hypervisor leaf 0x%x", r.a);
}

static void test_leaf1(void)
{
	struct cpuid_regs r = cpuid(1);

	report(r.c & LEAF1_ECX_HYPERVISOR, "CPUID.1:ECX hypervisor bit set");
	report(!(r.c & LEAF1_ECX_VMX), "CPUID.1:ECX VMX hidden");
	report(!(r.c & LEAF1_ECX_X2APIC), "CPUID.1:ECX x2APIC hidden");
}

static void test_ext_leaf(void)
{
	struct cpuid_regs max = cpuid(0x80000000);

	if (max.a < 0x80000001) {
		report_skip("no leaf 0x80000001 (max ext 0x%x)", max.a);
		return;
	}
	report(!(cpuid(0x80000001).c & EXT1_ECX_SVM),
	       "CPUID.80000001:ECX SVM hidden");
}

static void test_vendor(void)
{
	const char *v = cpu_vendor();

	report(!memcmp(v, "AuthenticAMD", 12) || !memcmp(v, "GenuineIntel", 12),
	       "vendor \"%s\"", v);
	report(cpuid(0).a >= 1, "leaf 0 max basic leaf %u", cpuid(0).a);
}

static void test_testdev_leaf(void)
{
	static const uint32_t subleaves[] = { 0, 1, 7, 0x12345678,
					      0x80000000, 0xffffffff };
	static const uint32_t scratch[] = { 0xdeadbeef, 0x01234567 };

	for (unsigned i = 0; i < sizeof(subleaves) / sizeof(*subleaves); i++) {
		uint32_t sub = subleaves[i];
		struct cpuid_regs r = cpuid_sub(V3_TESTDEV_CPUID, sub);

		report(r.a == V3_TESTDEV_CPUID_MAGIC && r.c == sub &&
			       r.d == ~sub,
		       "testdev leaf subleaf 0x%x: eax=0x%x ecx=0x%x edx=0x%x",
		       sub, r.a, r.c, r.d);
	}
	for (unsigned i = 0; i < 2; i++) {
		struct cpuid_regs r;

		outl(V3_TESTDEV_SCRATCH, scratch[i]);
		r = cpuid_sub(V3_TESTDEV_CPUID, 0);
		report(r.b == scratch[i],
		       "testdev leaf ebx=0x%x follows scratch 0x%x", r.b,
		       scratch[i]);
	}
}

int main(void)
{
	test_vendor();
	test_signature();
	test_leaf1();
	test_ext_leaf();
	test_testdev_leaf();
	return report_summary();
}
