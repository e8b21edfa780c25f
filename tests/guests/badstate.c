/* badstate.c - the VMM is told (through testdev) to give this vcpu a TR
 * that is not a busy TSS, which VM entry refuses.  The VM must stop with
 * a reason naming the failed check, and nothing after the write may
 * run.  The check is Intel's (SDM vol. 3 §26.3.1.2): a vmx-* test. */
#include "libguest.h"

int main(void)
{
	printf("asking the VMM to break TR\n");
	outl(V3_TESTDEV_BREAK_STATE, V3_TESTDEV_BREAK_TR);
	printf("UNREACHABLE: the entry with a broken TR succeeded\n");
	return 1;
}
