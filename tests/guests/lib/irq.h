/* irq.h - handlers for external interrupt vectors (32..255), such as the
 * one the testdev timer raises.  The testdev injects its vector
 * directly (no EOI); vectors from a local APIC (device = lapic) need
 * lapic_eoi() in the handler (lib/apic.h). */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "trap_frame.h"

typedef void (*irq_handler)(struct trap_frame *f);

#define FIRST_IRQ_VECTOR 32

/* Install 'fn' for 'vector' (>= 32); NULL makes the vector unexpected
 * again.  An interrupt without a handler is fatal. */
void irq_set_handler(int vector, irq_handler fn);

/* HLT (with IF=1 around each HLT, IF=0 after) until '*counter', which
 * an interrupt handler bumps, moves past 'before'; false after 1000
 * wake-ups without that. */
bool wait_change(volatile uint32_t *counter, uint32_t before);

#endif
