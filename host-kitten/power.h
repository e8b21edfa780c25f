/* power.h - stopping the machine. */
#ifndef KITTEN_POWER_H
#define KITTEN_POWER_H

/* Ends the run with 'status' (0 success, 1 failure): QEMU's
 * isa-debug-exit device at port 0x501 exits with (status << 1) | 1.
 * Without that device the CPU halts forever with interrupts off. */
void poweroff(int status) __attribute__((noreturn));

/* Prints "kitten: PANIC: <message>" and powers off with status 1. */
void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#endif
