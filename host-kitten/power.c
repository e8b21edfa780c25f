/* power.c - poweroff and software panics. */
#include "power.h"
#include "printk.h"
#include "serial.h"
#include "spinlock.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0x501
#define BOCHS_SHUTDOWN_PORT 0x8900

/* QEMU's isa-debug-exit ends QEMU with the status; Bochs ends when the
 * string "Shutdown" is written to its shutdown port.  Each machine
 * ignores the other's port. */
void poweroff(int status)
{
	const char *s = "Shutdown";

	cli();
	serial_drain();
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	while (*s)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s++);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
	va_list ap;

	cli();
	serial_panic_mode();
	serial_start_line();
	printk("kitten: PANIC: ");
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	printk("\n");
	poweroff(1);
}

void spin_deadlock(struct spinlock *lock)
{
	panic("spinlock %p still held after 2^28 spins: deadlock",
	      (void *)lock);
}
