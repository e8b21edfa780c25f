/* irq.h - the VM's platform interrupt lines (ISA IRQ 0-15, PCI INTx
 * routed through PIRQ, later GSIs up to 23).  Devices set line levels;
 * interrupt controller models (PIC, I/O APIC) register as sinks and see
 * every change.  Edge-triggered sources pulse the line. */
#ifndef V3_IRQ_H
#define V3_IRQ_H

#include "v3_types.h"

struct v3_vm;

#define V3_IRQ_LINES 24

struct v3_irq_sink {
	void (*set)(struct v3_vm *vm, void *priv, int line, bool level);
};

int v3_irq_add_sink(struct v3_vm *vm, const struct v3_irq_sink *ops,
		    void *priv);
void v3_irq_set(struct v3_vm *vm, int line, bool level);

static inline void v3_irq_raise(struct v3_vm *vm, int line)
{
	v3_irq_set(vm, line, true);
}

static inline void v3_irq_lower(struct v3_vm *vm, int line)
{
	v3_irq_set(vm, line, false);
}

/* An edge: raise then lower. */
static inline void v3_irq_pulse(struct v3_vm *vm, int line)
{
	v3_irq_set(vm, line, true);
	v3_irq_set(vm, line, false);
}

/* Legacy replacement (IA-PC HPET 1.0a §2.3.9.2.1, LEG_RT_CNF): the HPET
 * can take IRQ 0 and IRQ 8 away from the 8254 and the RTC.  Those two
 * sources set their line with v3_irq_set_legacy(); while the line is in
 * the replaced mask their level is remembered but does not reach it.
 * v3_irq_replace_legacy() sets the mask: a line leaving it gets its
 * legacy source's level back, a line entering it goes low until the
 * replacing device drives it with v3_irq_set(). */
void v3_irq_set_legacy(struct v3_vm *vm, int line, bool level);
void v3_irq_replace_legacy(struct v3_vm *vm, uint32_t lines);

static inline void v3_irq_pulse_legacy(struct v3_vm *vm, int line)
{
	v3_irq_set_legacy(vm, line, true);
	v3_irq_set_legacy(vm, line, false);
}

#endif
