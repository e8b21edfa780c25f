/* reset.c - guest reboots with on_reset = reset, through each of the
 * three ways a PC resets itself: port 0x92 (fast reset), the 8042's
 * reset pulse (command 0xFE) and the PIIX3 reset control register
 * (0xCF9).  Each time the VM must start over at its entry point with RAM
 * kept, as a PC keeps RAM across a warm reset.  A counter outside the
 * image tells the boots apart (the image and .bss are loaded/cleared
 * anew each time). */
#include "libguest.h"

#define BOOT_COUNT ((volatile uint32_t *)0x9000)
#define BOOT_MAGIC 0x5e7b0000u
#define PORT92 0x92
#define PORT92_FAST_RESET 0x01
#define I8042_CMD 0x64
#define I8042_PULSE_RESET 0xfe
#define RCR 0xcf9
#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04

static void reset_via(uint32_t boot)
{
	*BOOT_COUNT = BOOT_MAGIC | boot;
	switch (boot) {
	case 1:
		printf("boot 1: requesting a reset through port 0x92\n");
		outb(PORT92, PORT92_FAST_RESET);
		break;
	case 2:
		printf("boot 2: requesting a reset through the 8042\n");
		outb(I8042_CMD, I8042_PULSE_RESET);
		break;
	default:
		printf("boot 3: requesting a reset through 0xCF9\n");
		outb(RCR, RCR_SYS_RST);
		outb(RCR, RCR_SYS_RST | RCR_RST_CPU);
		break;
	}
	report(0, "still running after the reset request");
}

int main(void)
{
	uint32_t seen = *BOOT_COUNT;
	uint32_t resets = (seen & 0xffff0000u) == BOOT_MAGIC ? seen & 0xffff : 0;

	if (resets < 3) {
		reset_via(resets + 1);
		return report_summary();
	}
	report(resets == 3, "fourth boot after exactly three resets");
	report((inb(PORT92) & PORT92_FAST_RESET) == 0,
	       "port 0x92 reset bit reads back clear after the reset");
	return report_summary();
}
