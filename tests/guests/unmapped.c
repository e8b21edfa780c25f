/* unmapped.c - a read from a guest-physical address that is neither RAM
 * nor emulated must stop this VM (and only it).  The harness checks the
 * VMM's reason names the address and that UNREACHABLE never appears. */
#include "libguest.h"

#define UNMAPPED_GPA 0xe0000000u

int main(void)
{
	uint32_t v;

	printf("reading unmapped guest-physical address 0x%x\n",
	       UNMAPPED_GPA);
	v = *(volatile uint32_t *)UNMAPPED_GPA;
	printf("UNREACHABLE: the read returned 0x%x\n", v);
	return 1;
}
