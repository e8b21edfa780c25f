/* irq.h - handlers for external interrupt vectors (32..255), such as the
 * one the testdev timer raises.  There is no interrupt controller in
 * the test VMs: the device injects the vector directly, so handlers
 * send no EOI. */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include "trap_frame.h"

typedef void (*irq_handler)(struct trap_frame *f);

#define FIRST_IRQ_VECTOR 32

/* Install 'fn' for 'vector' (>= 32); NULL makes the vector unexpected
 * again.  An interrupt without a handler is fatal. */
void irq_set_handler(int vector, irq_handler fn);

#endif
