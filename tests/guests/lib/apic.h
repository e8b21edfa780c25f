/* apic.h - the local APIC (xAPIC page at 0xFEE00000) and the I/O APIC
 * (0xFEC00000) as test guests program them; paging is off, so the
 * physical addresses are used directly (SDM vol. 3 chapter 11). */
#ifndef GUEST_APIC_H
#define GUEST_APIC_H

#include <stdint.h>

#define LAPIC_BASE 0xfee00000u
#define IOAPIC_BASE 0xfec00000u

#define APIC_ID	       0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_PPR       0x0a0
#define APIC_EOI       0x0b0
#define APIC_LDR       0x0d0
#define APIC_DFR       0x0e0
#define APIC_SVR       0x0f0
#define APIC_ISR       0x100
#define APIC_TMR       0x180
#define APIC_IRR       0x200
#define APIC_ESR       0x280
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_LINT0 0x350
#define APIC_TIMER_ICR 0x380
#define APIC_TIMER_CCR 0x390
#define APIC_TIMER_DCR 0x3e0

#define APIC_SVR_ENABLE	     0x100
#define APIC_LVT_MASKED	     (1u << 16)
#define APIC_TIMER_PERIODIC  (1u << 17)
#define APIC_TIMER_DEADLINE  (2u << 17)
#define APIC_DM_NMI	     0x400
#define APIC_DM_INIT	     0x500
#define APIC_DM_SIPI	     0x600
#define APIC_LEVEL_ASSERT    0x4000
#define APIC_DEST_ALL_BUT_ME 0xc0000

#define MSR_APIC_BASE	 0x1b
#define MSR_TSC_DEADLINE 0x6e0

static inline uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(LAPIC_BASE + reg) = v;
}

static inline uint32_t lapic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

/* Software-enable with spurious vector 0xff. */
static inline void lapic_enable(void)
{
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

static inline void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

/* Keep firmware's 8259 (and the PIT behind it) off the BSP: mask both
 * PICs, so their INT line drops, then LINT0.  A VM without a PIC
 * ignores the port writes. */
static inline void legacy_pic_off(void)
{
	__asm__ volatile("outb %%al, $0x21; outb %%al, $0xa1" : : "a"(0xff));
	lapic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
}

/* Fixed IPI, physical destination. */
static inline void lapic_send_ipi(uint32_t apic_id, uint32_t icr_lo)
{
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, icr_lo);
}

static inline void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = v;
}

static inline uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	return *(volatile uint32_t *)(IOAPIC_BASE + 0x10);
}

/* Redirection entry for 'pin': low word (vector, mode, mask...) and the
 * destination APIC ID. */
static inline void ioapic_route(int pin, uint32_t lo, uint32_t dest)
{
	ioapic_write(0x11 + 2 * pin, dest << 24);
	ioapic_write(0x10 + 2 * pin, lo);
}

#endif
