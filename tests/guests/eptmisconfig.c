/* eptmisconfig.c - the VMM is told (through testdev) to map one RAM page
 * write-only in the nested page tables, which EPT calls a
 * misconfiguration (SDM vol. 3 §29.3.3.1): reading it must stop the VM
 * with a reason that names the guest-physical address.  NPT has no such
 * combination (it is "not present" there): a vmx-* test. */
#include "libguest.h"

static volatile uint32_t page[1024] __attribute__((aligned(4096)));

int main(void)
{
	uint32_t gpa = (uint32_t)(uintptr_t)page;
	uint32_t v;

	printf("making guest-physical 0x%x write-only in the nested tables\n",
	       gpa);
	outl(V3_TESTDEV_SCRATCH, gpa);
	outl(V3_TESTDEV_BREAK_STATE, V3_TESTDEV_BREAK_NESTED);
	v = page[0];
	printf("UNREACHABLE: the read returned 0x%x\n", v);
	return 1;
}
