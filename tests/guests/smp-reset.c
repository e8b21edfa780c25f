/* smp-reset.c - an application processor resets the VM (0xCF9) while
 * the BSP is parked with CLI; HLT, as an SMP kernel's panic path leaves
 * the other CPUs.  The reset must still happen: the BSP starts over at
 * the entry point, and its AP waits for a SIPI again and answers it.
 * A counter outside the image tells the boots apart (see reset.c). */
#include "libguest.h"

/* Above the HLT fill smp_start_aps() puts below 64 KiB. */
#define BOOT_COUNT ((volatile uint32_t *)0x20000)
#define BOOT_MAGIC 0x5e7c0000u
#define RCR 0xcf9
#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04

static volatile uint32_t ap_alive;

static void ap_resets(uint32_t id)
{
	(void)id;
	outb(RCR, RCR_SYS_RST);
	outb(RCR, RCR_SYS_RST | RCR_RST_CPU);
	for (;;)
		__asm__ volatile("pause");
}

static void ap_answers(uint32_t id)
{
	(void)id;
	ap_alive = 1;
	for (;;)
		sti_hlt();
}

int main(void)
{
	uint32_t seen = *BOOT_COUNT;
	uint32_t resets = (seen & 0xffff0000u) == BOOT_MAGIC ? seen & 0xffff : 0;

	lapic_enable();
	if (resets == 0) {
		*BOOT_COUNT = BOOT_MAGIC | 1;
		/* Printed before the AP starts: the two would interleave on
		 * the console.  An AP that never starts never resets, and the
		 * second boot's checks are missing. */
		printf("boot 1: the AP requests a reset through 0xCF9\n");
		smp_start_aps(ap_resets, 1, 5000);
		cli();
		for (;;)
			__asm__ volatile("hlt");
	}
	report(resets == 1, "second boot after the AP's reset (%u)", resets);
	report(smp_start_aps(ap_answers, 1, 5000) == 1,
	       "the AP answers INIT/SIPI again after the reset");
	while (!ap_alive)
		;
	return report_summary();
}
