/* hypercall.c - VMMCALL or VMCALL, whichever this CPU's vendor has. */
#include "hypercall.h"
#include "string.h"
#include "v3_abi.h"
#include "x86.h"

static char vendor[13];
static bool intel;

void hypercall_init(void)
{
	struct cpuid_regs r = cpuid(0);

	memcpy(vendor, &r.b, 4);
	memcpy(vendor + 4, &r.d, 4);
	memcpy(vendor + 8, &r.c, 4);
	vendor[12] = '\0';
	intel = memcmp(vendor, "GenuineIntel", 12) == 0;
}

bool cpu_is_intel(void)
{
	return intel;
}

const char *cpu_vendor(void)
{
	return vendor;
}

uint32_t hypercall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2,
		   uint32_t a3)
{
	/* Argument registers are declared clobbered: the library must not
	 * depend on the VMM preserving them (the io and hypercall tests
	 * check that separately). */
	if (intel)
		__asm__ volatile("vmcall"
				 : "+a"(nr), "+b"(a0), "+c"(a1), "+d"(a2),
				   "+S"(a3)
				 :
				 : "memory");
	else
		__asm__ volatile("vmmcall"
				 : "+a"(nr), "+b"(a0), "+c"(a1), "+d"(a2),
				   "+S"(a3)
				 :
				 : "memory");
	return nr;
}

uint32_t exit_count(uint32_t reason)
{
	return hypercall(V3_HC_EXIT_COUNT, reason, 0, 0, 0);
}

uint32_t gpa_checksum(uint32_t gpa, uint32_t len)
{
	return hypercall(V3_HC_GPA_CHECKSUM, gpa, len, 0, 0);
}
