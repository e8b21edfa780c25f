/* apic-ioapic.c - I/O APIC delivery to the local APIC: a level-triggered
 * pin re-asserts after EOI while its source stays high (remote IRR) and
 * goes quiet once it drops; an edge pin gives one interrupt per edge; a
 * masked pin holds its level until unmasked.  The source is a platform
 * interrupt line the testdev drives (V3_TESTDEV_IRQ_MSR). */
#include "libguest.h"

#define LEVEL_VECTOR 0x61
#define EDGE_VECTOR 0x62
#define MASKED_VECTOR 0x63
#define LEVEL_LINE 11
#define EDGE_LINE 10
#define MASKED_LINE 9
#define RTE_LEVEL 0x8000
#define RTE_REMOTE_IRR 0x4000
#define RTE_MASKED 0x10000
#define DROP_AFTER 3

static volatile uint32_t level_irqs, edge_irqs, masked_irqs;
static volatile uint32_t tmr_seen;

static void line_set(int line, int level)
{
	wrmsr(V3_TESTDEV_IRQ_MSR, (uint32_t)line | (level ? 0x100u : 0));
}

static void on_level(struct trap_frame *f)
{
	(void)f;
	level_irqs++;
	if (lapic_read(APIC_TMR + (LEVEL_VECTOR / 32) * 16) &
	    (1u << (LEVEL_VECTOR % 32)))
		tmr_seen++;
	/* The source stays high for the first DROP_AFTER - 1 EOIs. */
	if (level_irqs == DROP_AFTER)
		line_set(LEVEL_LINE, 0);
	lapic_eoi();
}

static void on_edge(struct trap_frame *f)
{
	(void)f;
	edge_irqs++;
	lapic_eoi();
}

/* Drops its source before the EOI: exactly one interrupt per assert. */
static void on_masked(struct trap_frame *f)
{
	(void)f;
	masked_irqs++;
	line_set(MASKED_LINE, 0);
	lapic_eoi();
}

static void test_level(void)
{
	ioapic_route(LEVEL_LINE, RTE_LEVEL | LEVEL_VECTOR, 0);
	line_set(LEVEL_LINE, 1);
	testdev_sleep(10000);
	report(level_irqs == DROP_AFTER,
	       "level pin: %u interrupts, re-asserted after each EOI while "
	       "high", level_irqs);
	report(tmr_seen == level_irqs, "TMR set for the level vector");
	report(!(ioapic_read(0x10 + 2 * LEVEL_LINE) & RTE_REMOTE_IRR),
	       "remote IRR clear after the last EOI");
	testdev_sleep(5000);
	report(level_irqs == DROP_AFTER, "quiet once the line dropped");
}

static void test_edge(void)
{
	ioapic_route(EDGE_LINE, EDGE_VECTOR, 0);
	line_set(EDGE_LINE, 1);
	testdev_sleep(2000);
	report(edge_irqs == 1, "edge pin: one interrupt for a rising edge");
	testdev_sleep(2000);
	report(edge_irqs == 1, "no more while the line stays high");
	line_set(EDGE_LINE, 0);
	line_set(EDGE_LINE, 1);
	line_set(EDGE_LINE, 0);
	testdev_sleep(2000);
	report(edge_irqs == 2, "a second edge, a second interrupt (%u)",
	       edge_irqs);
}

static void test_masked(void)
{
	ioapic_route(MASKED_LINE, RTE_MASKED | RTE_LEVEL | MASKED_VECTOR, 0);
	line_set(MASKED_LINE, 1);
	testdev_sleep(2000);
	report(masked_irqs == 0, "masked pin: nothing delivered");
	ioapic_route(MASKED_LINE, RTE_LEVEL | MASKED_VECTOR, 0);
	sti_nop_cli();
	report(masked_irqs == 1, "unmasking delivers the held level");
	testdev_sleep(2000);
	report(masked_irqs == 1, "and only once after the source dropped");
}

int main(void)
{
	irq_set_handler(LEVEL_VECTOR, on_level);
	irq_set_handler(EDGE_VECTOR, on_edge);
	irq_set_handler(MASKED_VECTOR, on_masked);
	lapic_enable();
	report(ioapic_read(1) == 0x170011, "IOAPICVER: 24 pins, version 0x11");
	report(ioapic_read(0x10 + 2 * LEVEL_LINE) & RTE_MASKED,
	       "entries masked at reset");
	test_level();
	test_edge();
	test_masked();
	return report_summary();
}
