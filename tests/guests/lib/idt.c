/* idt.c - point every IDT vector at its isr.S stub.  Interrupt gates
 * (not trap gates) so handlers run with IF=0 and a test's interrupt
 * handler never nests. */
#include <stdint.h>

#include "idt.h"
#include "segments.h"
#include "trap_frame.h"

/* Present, DPL 0, 32-bit interrupt gate (SDM vol. 3 §6.11). */
#define GATE_INTR32 0x8e

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t attr;
	uint16_t offset_hi;
} __attribute__((packed));

struct table_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const char isr_stubs[];
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(8)));

static void load_idt(const void *base, uint16_t limit)
{
	struct table_desc d = { .limit = limit, .base = (uint32_t)base };

	__asm__ volatile("lidt %0" : : "m"(d) : "memory");
}

void idt_install(void)
{
	for (int v = 0; v < IDT_VECTORS; v++) {
		uint32_t stub = (uint32_t)(isr_stubs + v * IDT_STUB_SIZE);

		idt[v].offset_lo = (uint16_t)stub;
		idt[v].selector = GUEST_CODE_SEL;
		idt[v].zero = 0;
		idt[v].attr = GATE_INTR32;
		idt[v].offset_hi = (uint16_t)(stub >> 16);
	}
	load_idt(idt, sizeof(idt) - 1);
}

void idt_load(void)
{
	load_idt(idt, sizeof(idt) - 1);
}

void idt_load_empty(void)
{
	static const struct idt_gate none[1];

	load_idt(none, 0);
}
