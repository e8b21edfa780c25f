/* triplefault.c - an exception with an empty IDT escalates (#GP, then
 * #DF) to a triple fault: the VMM must stop this VM with reason "triple
 * fault" and a register dump, not hang or take the host down. */
#include "libguest.h"
#include "idt.h"

int main(void)
{
	printf("loading an empty IDT, then ud2\n");
	idt_load_empty();
	__asm__ volatile("ud2");
	printf("UNREACHABLE: survived ud2 without an IDT\n");
	return 1;
}
