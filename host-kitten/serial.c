/* serial.c - COM1 as a polled 16550 UART (register layout: PC16550D
 * data sheet; port 0x3F8 is the PC's first serial port).  Polled rather
 * than interrupt driven so that printing works before the IDT exists
 * and from exception handlers, and no UART interrupt disturbs guests. */
#include "serial.h"
#include "spinlock.h"
#include "x86.h"

#define COM1 0x3f8
#define UART_THR 0	/* transmit holding (DLAB=0) */
#define UART_DLL 0	/* divisor latch low (DLAB=1) */
#define UART_IER 1	/* interrupt enable (DLAB=0) */
#define UART_DLM 1	/* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07	/* FIFO on, clear RX and TX FIFOs */
#define MCR_DTR_RTS 0x03
#define LSR_DR 0x01		/* a received byte is waiting */
#define LSR_THRE 0x20		/* transmit holding register empty */
#define LSR_TEMT 0x40		/* transmitter empty: the last byte left */
/* 1.8432 MHz / 16 = 115200: divisor 1. */
#define BAUD_DIVISOR 1

static struct spinlock serial_lock;
/* Set once the kernel is going down: the lock may be held by the code
 * that faulted, and the last words matter more than tidy output. */
static int serial_unlocked;
static char last_byte = '\n';

void serial_panic_mode(void)
{
	serial_unlocked = 1;
}

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, BAUD_DIVISOR & 0xff);
	outb(COM1 + UART_DLM, BAUD_DIVISOR >> 8);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

static void put_byte(char c)
{
	/* Bounded: a missing UART must not hang the kernel. */
	for (int i = 0; i < 100000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_relax();
	}
	outb(COM1 + UART_THR, (unsigned char)c);
	last_byte = c;
}

void serial_drain(void)
{
	for (int i = 0; i < 1000000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_TEMT)
			return;
		cpu_relax();
	}
}

void serial_start_line(void)
{
	unsigned long flags;

	if (serial_unlocked) {
		if (last_byte != '\n')
			put_byte('\n');
		return;
	}
	flags = spin_lock_irqsave(&serial_lock);
	if (last_byte != '\n')
		put_byte('\n');
	spin_unlock_irqrestore(&serial_lock, flags);
}

void serial_write(const char *s, size_t n)
{
	unsigned long flags;

	if (serial_unlocked) {
		while (n--)
			put_byte(*s++);
		return;
	}
	flags = spin_lock_irqsave(&serial_lock);
	while (n--)
		put_byte(*s++);
	spin_unlock_irqrestore(&serial_lock, flags);
}

size_t serial_read(char *buf, size_t max)
{
	size_t n = 0;

	while (n < max && (inb(COM1 + UART_LSR) & LSR_DR))
		buf[n++] = (char)inb(COM1 + UART_THR);
	return n;
}
