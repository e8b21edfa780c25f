/* pic.c - 8259A programming (Intel 8259A data sheet: ICW1-ICW4, OCW1-3).
 *
 * The BIOS leaves the master on vectors 0x08-0x0F, on top of the CPU
 * exceptions, so the first thing to do is to move both PICs. */
#include "pic.h"
#include "x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11	/* edge triggered, cascade, ICW4 follows */
#define ICW3_MASTER_SLAVE_ON_IR2 0x04
#define ICW3_SLAVE_ID 0x02
#define ICW4_8086 0x01
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0b
#define CASCADE_IRQ 2

static uint8_t mask1 = 0xff, mask2 = 0xff;

static void write_masks(void)
{
	outb(PIC1_DATA, mask1);
	outb(PIC2_DATA, mask2);
}

void pic_init(int base)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	io_delay();
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	io_delay();
	outb(PIC1_DATA, base);
	io_delay();
	outb(PIC2_DATA, base + 8);
	io_delay();
	outb(PIC1_DATA, ICW3_MASTER_SLAVE_ON_IR2);
	io_delay();
	outb(PIC2_DATA, ICW3_SLAVE_ID);
	io_delay();
	outb(PIC1_DATA, ICW4_8086);
	io_delay();
	outb(PIC2_DATA, ICW4_8086);
	io_delay();
	mask1 = mask2 = 0xff;
	write_masks();
}

void pic_unmask(int irq)
{
	unsigned long flags = irq_save();

	if (irq >= 8) {
		mask2 &= ~(1u << (irq - 8));
		mask1 &= ~(1u << CASCADE_IRQ);
	} else {
		mask1 &= ~(1u << irq);
	}
	write_masks();
	irq_restore(flags);
}

void pic_mask(int irq)
{
	unsigned long flags = irq_save();

	if (irq >= 8)
		mask2 |= 1u << (irq - 8);
	else
		mask1 |= 1u << irq;
	write_masks();
	irq_restore(flags);
}

void pic_eoi(int irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}

bool pic_spurious(int irq)
{
	if (irq == 7) {
		outb(PIC1_CMD, OCW3_READ_ISR);
		return !(inb(PIC1_CMD) & 0x80);
	}
	if (irq == 15) {
		outb(PIC2_CMD, OCW3_READ_ISR);
		if (!(inb(PIC2_CMD) & 0x80)) {
			/* The master did see the cascade line. */
			outb(PIC1_CMD, OCW2_EOI);
			return true;
		}
	}
	return false;
}
