/* demo.c - what `make run` shows: a guest saying hello from inside the
 * VMM, the hypervisor it found, and a few of its own exit counts. */
#include "libguest.h"

static void signature(char out[13])
{
	struct cpuid_regs r = cpuid(V3_CPUID_HV_BASE);

	memcpy(out, &r.b, 4);
	memcpy(out + 4, &r.c, 4);
	memcpy(out + 8, &r.d, 4);
	out[12] = '\0';
}

int main(void)
{
	char sig[13];
	uint32_t cpuids, ios, hypercalls;

	printf("Hello from a guest of the V3 VMM!\n");
	signature(sig);
	printf("CPU vendor \"%s\", hypervisor signature \"%s\"\n",
	       cpu_vendor(), sig);
	/* One at a time: argument order is unspecified in C. */
	cpuids = exit_count(V3_EXIT_CPUID);
	ios = exit_count(V3_EXIT_IO);
	hypercalls = exit_count(V3_EXIT_HYPERCALL);
	printf("Exits so far on this vcpu: cpuid=%u io=%u hypercall=%u\n",
	       cpuids, ios, hypercalls);
	printf("(every character of this text was one I/O exit)\n");
	printf("Goodbye.\n");
	return 0;
}
