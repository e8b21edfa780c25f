/* pci_bus.h - what the platform's PCI function models (devices/i440fx.c,
 * piix3.c, piix4_pm.c, ide.c, ...) share beyond palacios/pci.h: the
 * type-0 configuration header layout and a hook for the ISA bridge.
 *
 * Offsets and bits: PCI Local Bus Specification 3.0, §6.1 (header),
 * §6.2.2 (command), §6.2.3 (status), §6.2.5 (base address registers). */
#ifndef V3_DEVICES_PCI_BUS_H
#define V3_DEVICES_PCI_BUS_H

#include "pci.h"

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_BAR_COUNT		6
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

#define PCI_COMMAND_IO		 0x0001
#define PCI_COMMAND_MEMORY	 0x0002
#define PCI_COMMAND_MASTER	 0x0004
#define PCI_COMMAND_PARITY	 0x0040
#define PCI_COMMAND_SERR	 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400

#define PCI_STATUS_INTERRUPT	 0x0008 /* INTx asserted inside the function */
#define PCI_STATUS_FAST_BACK	 0x0080
#define PCI_STATUS_DEVSEL_MEDIUM 0x0200

#define PCI_HEADER_MULTI_FUNCTION 0x80

#define PCI_BAR_SPACE_IO 0x1
#define PCI_BAR_IO_MASK	 0xfffffffcu
#define PCI_BAR_MEM_MASK 0xfffffff0u

#define PCI_VENDOR_INTEL 0x8086

/* The ISA bridge changed its PIRQ routing: move every asserted INTx to
 * the line it routes to now. */
void v3_pci_irq_routing_changed(struct v3_vm *vm);
/* The router registered with 'priv' goes away (its device is destroyed):
 * asserted INTx lines drop and nothing routes until a new one is set. */
void v3_pci_clear_irq_router(struct v3_vm *vm, const void *priv);

/* Does the config access [off, off+len) touch [reg, reg+n)? */
static inline bool v3_pci_touches(uint32_t off, uint32_t len, uint32_t reg,
				  uint32_t n)
{
	return off < reg + n && reg < off + len;
}

#endif
