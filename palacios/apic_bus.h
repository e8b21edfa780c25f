/* apic_bus.h - interrupt messages between the I/O APIC, the local APICs
 * and inter-processor interrupts, the way the xAPIC system bus carries
 * them (SDM vol. 3 §11.6, "Issuing Interprocessor Interrupts", and the
 * I/O APIC redirection entries of the 82093AA datasheet).
 *
 * The local APIC model (devices/lapic.c) attaches as the receiver of
 * every message; the I/O APIC model (devices/ioapic.c) attaches as the
 * listener for EOIs of level-triggered vectors.  Neither knows the
 * other's file. */
#ifndef V3_APIC_BUS_H
#define V3_APIC_BUS_H

#include "v3_types.h"

struct v3_vm;

/* Delivery modes, as encoded in the ICR and in I/O APIC redirection
 * entries (SDM vol. 3 §11.6.1, ICR bits 10:8). */
#define V3_APIC_DM_FIXED  0
#define V3_APIC_DM_LOWEST 1
#define V3_APIC_DM_SMI	  2
#define V3_APIC_DM_NMI	  4
#define V3_APIC_DM_INIT	  5
#define V3_APIC_DM_SIPI	  6
#define V3_APIC_DM_EXTINT 7

/* Destination shorthands (ICR bits 19:18). */
#define V3_APIC_SH_NONE	      0
#define V3_APIC_SH_SELF	      1
#define V3_APIC_SH_ALL	      2
#define V3_APIC_SH_ALL_BUT_ME 3

struct v3_apic_msg {
	uint8_t vector;
	uint8_t delivery;  /* V3_APIC_DM_* */
	uint32_t dest;	   /* APIC ID or logical destination */
	bool x2apic;	   /* dest in x2APIC format: 32 bits, 0xffffffff
			      broadcast (else 8 bits, 0xff) */
	uint8_t shorthand; /* V3_APIC_SH_* (IPIs only) */
	bool logical;	   /* destination mode */
	bool level;	   /* level triggered: the receiver sets TMR */
	bool assert;	   /* INIT level de-assert has this clear */
	int src;	   /* sending vcpu for shorthands, -1: I/O APIC */
};

struct v3_apic_bus_rx {
	/* Returns how many local APICs accepted the message. */
	int (*deliver)(struct v3_vm *vm, void *priv,
		       const struct v3_apic_msg *msg);
};

/* Both return -1 when a receiver/listener is attached already. */
int v3_apic_bus_attach_lapics(struct v3_vm *vm,
			      const struct v3_apic_bus_rx *rx, void *priv);
int v3_apic_bus_attach_eoi(struct v3_vm *vm,
			   void (*eoi)(struct v3_vm *vm, void *priv,
				       uint8_t vector),
			   void *priv);
bool v3_apic_bus_has_lapics(const struct v3_vm *vm);

/* Send a message; returns the number of APICs that took it (0 when no
 * local APIC model exists). */
int v3_apic_bus_send(struct v3_vm *vm, const struct v3_apic_msg *msg);
/* A local APIC finished a level-triggered vector (EOI with TMR set). */
void v3_apic_bus_eoi(struct v3_vm *vm, uint8_t vector);

#endif
