/* reset.c - a guest reboot through port 0x92 with on_reset = reset: the
 * VM starts over at its entry point with RAM kept, as a PC keeps RAM
 * across a warm reset.  A counter outside the image tells the boots
 * apart (the image and .bss are loaded/cleared anew each time). */
#include "libguest.h"

#define BOOT_COUNT ((volatile uint32_t *)0x9000)
#define BOOT_MAGIC 0x5e7b0000u
#define PORT92 0x92
#define PORT92_FAST_RESET 0x01

int main(void)
{
	uint32_t seen = *BOOT_COUNT;

	if ((seen & 0xffff0000u) != BOOT_MAGIC) {
		printf("first boot: requesting a reset through port 0x92\n");
		*BOOT_COUNT = BOOT_MAGIC | 1;
		outb(PORT92, PORT92_FAST_RESET);
		report(0, "still running after the reset request");
		return report_summary();
	}
	report((seen & 0xffff) == 1, "second boot after exactly one reset");
	report(inb(PORT92) == 0 || (inb(PORT92) & PORT92_FAST_RESET) == 0,
	       "reset bit reads back clear after the reset");
	return report_summary();
}
