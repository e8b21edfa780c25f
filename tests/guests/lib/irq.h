/* irq.h - handlers for external interrupt vectors (32..255), such as the
 * one the testdev timer raises.  The testdev injects its vector
 * directly (no EOI); vectors from a local APIC (device = lapic) need
 * lapic_eoi() in the handler (lib/apic.h). */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include "trap_frame.h"

typedef void (*irq_handler)(struct trap_frame *f);

#define FIRST_IRQ_VECTOR 32

/* Install 'fn' for 'vector' (>= 32); NULL makes the vector unexpected
 * again.  An interrupt without a handler is fatal. */
void irq_set_handler(int vector, irq_handler fn);

#endif
