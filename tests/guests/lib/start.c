/* start.c - what crt0.S calls around main(): tables and vendor set-up
 * before it, the testexit write after it. */
#include "hypercall.h"
#include "idt.h"
#include "start.h"
#include "v3_abi.h"
#include "x86.h"

void guest_init(void);
void guest_init(void)
{
	idt_install();
	/* Before main() so a test's exit counts never include it. */
	hypercall_init();
}

void guest_exit(int status)
{
	outl(V3_TESTEXIT_PORT, (uint32_t)status);
	/* The VMM should have stopped us; if it did not, stay put. */
	for (;;)
		__asm__ volatile("cli; hlt");
}
