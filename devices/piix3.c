/* piix3.c - function 0 of the Intel 82371SB PIIX3 at 01.0 (8086:7000): the
 * PCI-to-ISA bridge, as the platform's PIRQ router, and the Reset Control
 * register at I/O port 0CF9h.
 *
 * References: Intel 82371FB/82371SB (PIIX/PIIX3) datasheet, function 0
 * configuration registers (IORT 4Ch, XBCS 4Eh, PIRQRC[A:D] 60h-63h, TOM
 * 69h, MBIRQ0 70h, MBDMA 76h-77h, APICBASE 80h, DLC 82h, SMI registers
 * A0h-AFh) and the Reset Control register (RC, 0CF9h).
 *
 * PIRQRC[n]: bit 7 = routing disabled, bits 3:0 = ISA IRQ; IRQ 0-2, 8 and
 * 13 are reserved values and route nowhere.  The ELCR (4D0h/4D1h) lives
 * with the interrupt controller (devices/pic8259.c).
 *
 * RC: bit 1 (SRST) picks a hard or soft reset, a 0-to-1 transition of
 * bit 2 (RCPU) performs it.  Either stops the VM for now; the core will
 * turn it into a reboot per the configuration's on_reset.
 */
#include "device.h"
#include "pci_bus.h"
#include "vm.h"

#define PIIX3_DEVFN	V3_PCI_DEVFN(1, 0)
#define PIIX3_DEVICE_ID 0x7000
#define PIIX3_CLASS	0x060100 /* bridge, ISA */

#define PIRQRC	      0x60
#define PIRQS	      4
#define PIRQ_DISABLED 0x80
#define PIRQ_IRQ_MASK 0x0f
#define PIRQ_WMASK    (PIRQ_DISABLED | PIRQ_IRQ_MASK)
/* IRQ 0, 1, 2, 8 and 13 are reserved routing values. */
#define PIRQ_RESERVED_IRQS                                                     \
	((1u << 0) | (1u << 1) | (1u << 2) | (1u << 8) | (1u << 13))

#define RC_PORT 0xcf9
#define RC_SRST 0x02
#define RC_RCPU 0x04

struct piix3 {
	struct v3_vm *vm;
	struct v3_pci_func *pci;
	uint8_t rc; /* SRST as written; RCPU reads 0 once the reset ran */
};

/* Writable registers and their reset values (datasheet defaults). */
static const struct piix3_reg {
	uint8_t off, len;
	uint32_t reset; /* little-endian over 'len' bytes */
	uint8_t wmask;	/* per byte */
} piix3_regs[] = {
    {0x4c, 1, 0x4d, 0xff},		 /* IORT */
    {0x4e, 2, 0x0003, 0xff},		 /* XBCS */
    {PIRQRC, 4, 0x80808080, PIRQ_WMASK}, /* PIRQRC[A:D] */
    {0x69, 1, 0x02, 0xff},		 /* TOM */
    {0x6a, 2, 0x0000, 0xff},		 /* MSTAT */
    {0x70, 1, 0x80, 0xff},		 /* MBIRQ0 */
    {0x76, 2, 0x0c0c, 0xff},		 /* MBDMA0, MBDMA1 */
    {0x80, 1, 0x00, 0xff},		 /* APICBASE */
    {0x82, 1, 0x00, 0xff},		 /* DLC */
    {0xa0, 1, 0x08, 0xff},		 /* SMICNTL */
    {0xa2, 2, 0x0000, 0xff},		 /* SMIEN */
    {0xa4, 4, 0x00000000, 0xff},	 /* SEE */
    {0xa8, 1, 0x0f, 0xff},		 /* FTMR */
    {0xaa, 2, 0x0000, 0xff},		 /* SMIREQ */
    {0xac, 1, 0x00, 0xff},		 /* CTLTMR */
    {0xae, 1, 0x00, 0xff},		 /* CTHTMR */
};

static int piix3_route(struct v3_vm *vm, void *priv, int pirq)
{
	struct piix3 *d = priv;
	uint8_t reg, irq;

	(void)vm;
	if (pirq < 0 || pirq >= PIRQS)
		return -1;
	reg = d->pci->config[PIRQRC + pirq];
	irq = reg & PIRQ_IRQ_MASK;
	if ((reg & PIRQ_DISABLED) || (PIRQ_RESERVED_IRQS & (1u << irq)))
		return -1;
	return irq;
}

static const struct v3_pci_irq_router piix3_router = {.route = piix3_route};

static void piix3_config_write(struct v3_pci_func *f, uint32_t off,
			       uint32_t len, uint32_t val)
{
	(void)val;
	if (v3_pci_touches(off, len, PIRQRC, PIRQS))
		v3_pci_irq_routing_changed(f->vm);
}

static const struct v3_pci_func_ops piix3_ops = {
    .config_write = piix3_config_write,
};

static int reset_control_io(struct v3_vcpu *vcpu, struct v3_access *acc,
			    void *priv)
{
	struct piix3 *d = priv;
	uint8_t val = (uint8_t)acc->val[0];

	(void)vcpu;
	if (acc->len != 1)
		return -1; /* word/dword at 0xCF8 are the PCI host's */
	if (!acc->write) {
		acc->val[0] = __atomic_load_n(&d->rc, __ATOMIC_SEQ_CST);
		return 0;
	}
	__atomic_store_n(&d->rc, val & RC_SRST, __ATOMIC_SEQ_CST);
	if (val & RC_RCPU)
		v3_vm_request_reset(d->vm, "guest reset (0xCF9)");
	return 0;
}

static void piix3_init_config(struct v3_pci_func *f)
{
	unsigned i;

	f->config[PCI_HEADER_TYPE] |= PCI_HEADER_MULTI_FUNCTION;
	/* PCICMD: I/O, memory and bus master enable are hardwired on. */
	v3_pci_cfg_set(f, PCI_COMMAND, 2,
		       PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
			   PCI_COMMAND_MASTER);
	f->wmask[PCI_COMMAND] = 0;
	f->wmask[PCI_COMMAND + 1] = PCI_COMMAND_SERR >> 8;
	v3_pci_cfg_set(f, PCI_STATUS, 2, PCI_STATUS_DEVSEL_MEDIUM);
	f->wmask[PCI_INTERRUPT_LINE] = 0;
	for (i = 0; i < sizeof(piix3_regs) / sizeof(piix3_regs[0]); i++) {
		const struct piix3_reg *r = &piix3_regs[i];

		v3_pci_cfg_set(f, r->off, r->len, r->reset);
		v3_memset(&f->wmask[r->off], r->wmask, r->len);
	}
}

static int piix3_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			void **priv, char *err, size_t errlen)
{
	struct piix3 *d = v3_vm_zalloc(vm, sizeof(*d));

	*priv = d;
	if (!d)
		return -1;
	d->vm = vm;
	d->pci = v3_pci_add(vm, PIIX3_DEVFN, PCI_VENDOR_INTEL, PIIX3_DEVICE_ID,
			    PIIX3_CLASS, &piix3_ops, d);
	if (!d->pci) {
		v3_snprintf(err, errlen,
			    "line %d: piix3: needs 'device = pci' before it "
			    "and a free slot 01.0",
			    cfg->line);
		return -1;
	}
	piix3_init_config(d->pci);
	if (v3_pci_set_irq_router(vm, &piix3_router, d) != 0) {
		v3_snprintf(err, errlen,
			    "line %d: piix3: a PIRQ router is already set",
			    cfg->line);
		return -1;
	}
	if (v3_hook_add(vm, V3_HOOK_IO, RC_PORT, RC_PORT, reset_control_io,
			d)) {
		v3_snprintf(err, errlen, "line %d: piix3: port 0xcf9 is taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

static void piix3_destroy(struct v3_vm *vm, void *priv)
{
	v3_pci_clear_irq_router(vm, priv);
	v3_vm_free(vm, priv, sizeof(struct piix3));
}

V3_DEVICE(piix3_device, .name = "piix3", .create = piix3_create,
	  .destroy = piix3_destroy);
