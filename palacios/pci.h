/* pci.h - the VM's PCI bus 0.  devices/pci.c implements configuration
 * mechanism #1 (0xCF8/0xCFC) and this registry; each PCI function model
 * (host bridge, ISA bridge, IDE, NVMe, ...) registers itself with a
 * 256-byte configuration space and callbacks. */
#ifndef V3_PCI_H
#define V3_PCI_H

#include "v3_types.h"

struct v3_vm;
struct v3_pci_func;

#define V3_PCI_DEVFN(dev, fn) (((dev) << 3) | (fn))

struct v3_pci_func_ops {
	/* Called after the generic code stored a config write (BAR sizing
	 * and read-only bits are applied by the generic code first). */
	void (*config_write)(struct v3_pci_func *f, uint32_t off, uint32_t len,
			     uint32_t val);
	/* Optional: refresh config space before a read (status bits). */
	void (*config_read)(struct v3_pci_func *f, uint32_t off, uint32_t len);
	/* A BAR's address or the command register's IO/MEM enable changed:
	 * move the device's hooks.  'addr' is 0 when decoding is off. */
	void (*bar_moved)(struct v3_pci_func *f, int bar, uint64_t addr);
};

struct v3_pci_func {
	struct v3_vm *vm;
	uint8_t devfn;
	uint8_t config[256];
	/* Bits of config[] the guest may change (1 = writable). */
	uint8_t wmask[256];
	uint64_t bar_size[6];	/* 0: BAR unused; IO BARs have bit 0 set */
	uint64_t bar_addr[6];	/* last address reported to bar_moved */
	const struct v3_pci_func_ops *ops;
	void *priv;
};

/* Create a function on bus 0 with vendor/device/class (class = base <<
 * 16 | sub << 8 | prog-if).  Returns NULL if the slot is taken or no PCI
 * bus was configured. */
struct v3_pci_func *v3_pci_add(struct v3_vm *vm, uint8_t devfn,
			       uint16_t vendor, uint16_t device,
			       uint32_t class_code,
			       const struct v3_pci_func_ops *ops, void *priv);
/* Declare BAR 'bar' of 'size' bytes (power of two); io = port space. */
void v3_pci_set_bar(struct v3_pci_func *f, int bar, uint64_t size, bool io);
/* Drive the function's INTx pin (config 0x3D) through the platform's
 * PIRQ router to an interrupt line. */
void v3_pci_set_irq(struct v3_pci_func *f, bool level);

/* The ISA bridge routes PIRQA-D: returns the platform line or -1. */
struct v3_pci_irq_router {
	int (*route)(struct v3_vm *vm, void *priv, int pirq);
};
int v3_pci_set_irq_router(struct v3_vm *vm,
			  const struct v3_pci_irq_router *ops, void *priv);

/* Accessors for config-space little-endian fields. */
static inline uint32_t v3_pci_cfg_read(const struct v3_pci_func *f,
				       uint32_t off, uint32_t len)
{
	uint32_t v = 0, i;

	for (i = 0; i < len && off + i < 256; i++)
		v |= (uint32_t)f->config[off + i] << (8 * i);
	return v;
}

static inline void v3_pci_cfg_set(struct v3_pci_func *f, uint32_t off,
				  uint32_t len, uint32_t val)
{
	uint32_t i;

	for (i = 0; i < len && off + i < 256; i++)
		f->config[off + i] = val >> (8 * i);
}

#endif
