/* pci.c - the VM's PCI bus 0: configuration mechanism #1 and the registry
 * of PCI functions declared in palacios/pci.h.
 *
 * References: PCI Local Bus Specification 3.0 §3.2.2.3.2 (configuration
 * mechanism #1), §6.1-§6.2 (type-0 header, BAR sizing, Interrupt
 * Disable); Intel 82441FX (440FX PMC) datasheet §3.1 (CONFADD at 0CF8h,
 * CONFDATA at 0CFCh).
 *
 * Only 32-bit accesses to 0xCF8 reach the address register: byte accesses
 * in 0xCF8-0xCFB belong to other devices (the PIIX3's reset control
 * register is 0xCF9), so this device hooks 0xCF8 alone.
 *
 * INTx: a function's pin goes to PIRQ[A-D] by the i440FX board wiring that
 * QEMU's pc machine uses and that SeaBIOS (pciinit.c piix_pci_slot_get_irq)
 * and its DSDT _PRT assume: PIRQ = (pin - 1 + dev - 1) mod 4.  The ISA
 * bridge's router maps a PIRQ to a platform line; lines are wired-OR, so a
 * line stays high while any function routed to it asserts.
 *
 * BARs are 32-bit; memory BARs are non-prefetchable.  The status
 * register's error bits (write-1-to-clear) are read-only: no model sets
 * them.  Config accesses are not locked: guests serialise 0xCF8/0xCFC
 * themselves (the address register is shared state by design).
 */
#include "device.h"
#include "irq.h"
#include "pci_bus.h"
#include "vm.h"

#define CONF_ADDR_PORT 0xcf8
#define CONF_DATA_PORT 0xcfc
#define CONF_ENABLE    0x80000000u
/* Bits 30:24 and 1:0 of CONFADD are reserved and read 0 (440FX §3.1.1). */
#define CONF_ADDR_MASK 0x80fffffcu
#define CONF_BUS(a)    (((a) >> 16) & 0xff)
#define CONF_DEVFN(a)  (((a) >> 8) & 0xff)
#define CONF_REG(a)    ((a)&0xfc)

#define NO_PIRQ 0xff
#define PIRQS	4

/* Default writable header bits (PCI 3.0 §6.2.2, §6.2.4). */
#define COMMAND_WMASK                                                          \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |            \
	 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

/* QEMU's subsystem IDs on every function: SeaBIOS's qemu_detect() reads
 * them at 00.0 to decide it runs on QEMU (and then uses fw_cfg). */
#define SUBSYS_VENDOR_REDHAT 0x1af4
#define SUBSYS_ID_QEMU	     0x1100

struct v3_pci_bus {
	struct v3_vm *vm;
	uint32_t conf_addr;
	struct v3_pci_func *funcs[256]; /* bus 0, by devfn */
	const struct v3_pci_irq_router *router;
	void *router_priv;
	void *irq_lock;
	bool intx_want[256];	/* the function's INTx, as it drives it */
	uint8_t intx_pirq[256]; /* PIRQ it holds low on the bus, or NO_PIRQ */
	uint16_t pirq_users[PIRQS];
	uint32_t driven_lines; /* platform lines this bus holds high */
};

/* ---- interrupts ---------------------------------------------------------- */

static int pin_to_pirq(const struct v3_pci_func *f)
{
	int pin = f->config[PCI_INTERRUPT_PIN];
	int dev = f->devfn >> 3;

	if (pin < 1 || pin > 4)
		return -1;
	return (pin - 1 + dev + PIRQS - 1) % PIRQS;
}

/* Raise or lower every line whose wired-OR of PIRQs changed. */
static void drive_lines(struct v3_pci_bus *bus)
{
	uint32_t want = 0, changed;
	int p, line;

	for (p = 0; p < PIRQS && bus->router; p++) {
		if (!bus->pirq_users[p])
			continue;
		line = bus->router->route(bus->vm, bus->router_priv, p);
		if (line >= 0 && line < V3_IRQ_LINES)
			want |= 1u << line;
	}
	changed = want ^ bus->driven_lines;
	bus->driven_lines = want;
	for (line = 0; line < V3_IRQ_LINES; line++)
		if (changed & (1u << line))
			v3_irq_set(bus->vm, line, want & (1u << line));
}

/* What the function puts on the bus: its INTx unless Interrupt Disable
 * is set (PCI 3.0 §6.2.2); the status bit shows it either way. */
static void update_intx(struct v3_pci_bus *bus, struct v3_pci_func *f)
{
	bool want = bus->intx_want[f->devfn];
	uint16_t cmd = v3_pci_cfg_read(f, PCI_COMMAND, 2);
	uint16_t status = v3_pci_cfg_read(f, PCI_STATUS, 2);
	int pirq =
	    want && !(cmd & PCI_COMMAND_INTX_DISABLE) ? pin_to_pirq(f) : -1;
	uint8_t now = pirq < 0 ? NO_PIRQ : (uint8_t)pirq;
	uint8_t was = bus->intx_pirq[f->devfn];

	status = want ? status | PCI_STATUS_INTERRUPT
		      : status & ~PCI_STATUS_INTERRUPT;
	v3_pci_cfg_set(f, PCI_STATUS, 2, status);
	if (now == was)
		return;
	if (was != NO_PIRQ)
		bus->pirq_users[was]--;
	if (now != NO_PIRQ)
		bus->pirq_users[now]++;
	bus->intx_pirq[f->devfn] = now;
	drive_lines(bus);
}

void v3_pci_set_irq(struct v3_pci_func *f, bool level)
{
	struct v3_pci_bus *bus = f->vm->pci;
	unsigned long flags;

	if (!bus)
		return;
	flags = v3_host->lock_irqsave(bus->irq_lock);
	bus->intx_want[f->devfn] = level;
	update_intx(bus, f);
	v3_host->unlock_irqrestore(bus->irq_lock, flags);
}

int v3_pci_set_irq_router(struct v3_vm *vm, const struct v3_pci_irq_router *ops,
			  void *priv)
{
	struct v3_pci_bus *bus = vm->pci;

	if (!bus || bus->router || !ops || !ops->route)
		return -1;
	bus->router = ops;
	bus->router_priv = priv;
	return 0;
}

void v3_pci_irq_routing_changed(struct v3_vm *vm)
{
	struct v3_pci_bus *bus = vm->pci;
	unsigned long flags;

	if (!bus)
		return;
	flags = v3_host->lock_irqsave(bus->irq_lock);
	drive_lines(bus);
	v3_host->unlock_irqrestore(bus->irq_lock, flags);
}

void v3_pci_clear_irq_router(struct v3_vm *vm, const void *priv)
{
	struct v3_pci_bus *bus = vm->pci;
	unsigned long flags;

	if (!bus || bus->router_priv != priv)
		return;
	flags = v3_host->lock_irqsave(bus->irq_lock);
	bus->router = NULL;
	bus->router_priv = NULL;
	drive_lines(bus);
	v3_host->unlock_irqrestore(bus->irq_lock, flags);
}

/* ---- base address registers ---------------------------------------------- */

static bool bar_is_io(const struct v3_pci_func *f, int bar)
{
	return f->bar_size[bar] & PCI_BAR_SPACE_IO;
}

static uint64_t bar_bytes(const struct v3_pci_func *f, int bar)
{
	return f->bar_size[bar] & ~(uint64_t)PCI_BAR_SPACE_IO;
}

/* Where the BAR decodes now; 0 when it does not (decode off, address 0,
 * or a range that leaves its space, as while the guest sizes it). */
static uint64_t bar_decoded_addr(const struct v3_pci_func *f, int bar)
{
	uint16_t cmd = v3_pci_cfg_read(f, PCI_COMMAND, 2);
	uint32_t raw = v3_pci_cfg_read(f, PCI_BAR0 + 4 * bar, 4);
	uint64_t size = bar_bytes(f, bar), addr, limit;

	if (bar_is_io(f, bar)) {
		if (!(cmd & PCI_COMMAND_IO))
			return 0;
		addr = raw & PCI_BAR_IO_MASK;
		limit = 0xffff;
	} else {
		if (!(cmd & PCI_COMMAND_MEMORY))
			return 0;
		addr = raw & PCI_BAR_MEM_MASK;
		limit = 0xfffffffe; /* all-ones sizing pattern ends at 4G-1 */
	}
	if (addr == 0 || addr + size - 1 > limit)
		return 0;
	return addr;
}

static void update_bars(struct v3_pci_func *f)
{
	int bar;

	for (bar = 0; bar < PCI_BAR_COUNT; bar++) {
		uint64_t addr;

		if (!f->bar_size[bar])
			continue;
		addr = bar_decoded_addr(f, bar);
		if (addr == f->bar_addr[bar])
			continue;
		f->bar_addr[bar] = addr;
		if (f->ops && f->ops->bar_moved)
			f->ops->bar_moved(f, bar, addr);
	}
}

void v3_pci_set_bar(struct v3_pci_func *f, int bar, uint64_t size, bool io)
{
	uint64_t min = io ? 4 : 16; /* PCI 3.0 §6.2.5.1 */
	uint32_t mask;
	int i;

	if (bar < 0 || bar >= PCI_BAR_COUNT || size == 0 ||
	    (size & (size - 1)) || size > 0x80000000ull)
		return;
	if (size < min)
		size = min;
	/* Writable address bits make sizing work: all ones reads back
	 * ~(size - 1) with the read-only type bits. */
	mask =
	    (uint32_t) ~(size - 1) & (io ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK);
	f->bar_size[bar] = io ? size | PCI_BAR_SPACE_IO : size;
	f->bar_addr[bar] = 0;
	v3_pci_cfg_set(f, PCI_BAR0 + 4 * bar, 4, io ? PCI_BAR_SPACE_IO : 0);
	for (i = 0; i < 4; i++)
		f->wmask[PCI_BAR0 + 4 * bar + i] = mask >> (8 * i);
}

/* ---- configuration space ------------------------------------------------- */

static uint32_t config_read(struct v3_pci_func *f, uint32_t off, uint32_t len)
{
	if (f->ops && f->ops->config_read)
		f->ops->config_read(f, off, len);
	return v3_pci_cfg_read(f, off, len);
}

static void config_write(struct v3_pci_bus *bus, struct v3_pci_func *f,
			 uint32_t off, uint32_t len, uint32_t val)
{
	uint32_t i;

	for (i = 0; i < len && off + i < 256; i++) {
		uint8_t m = f->wmask[off + i], b = val >> (8 * i);

		f->config[off + i] = (f->config[off + i] & ~m) | (b & m);
	}
	if (v3_pci_touches(off, len, PCI_COMMAND, 2)) {
		unsigned long flags = v3_host->lock_irqsave(bus->irq_lock);

		update_intx(bus, f);
		v3_host->unlock_irqrestore(bus->irq_lock, flags);
	}
	if (v3_pci_touches(off, len, PCI_COMMAND, 2) ||
	    v3_pci_touches(off, len, PCI_BAR0, 4 * PCI_BAR_COUNT))
		update_bars(f);
	if (f->ops && f->ops->config_write)
		f->ops->config_write(f, off, len, val);
}

/* The function CONFADD selects, or NULL (disabled, other bus, empty). */
static struct v3_pci_func *addressed(const struct v3_pci_bus *bus)
{
	uint32_t a = bus->conf_addr;

	if (!(a & CONF_ENABLE) || CONF_BUS(a) != 0)
		return NULL;
	return bus->funcs[CONF_DEVFN(a)];
}

static int conf_addr_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct v3_pci_bus *bus = priv;

	(void)vcpu;
	if (acc->len != 4)
		return -1; /* not CONFADD: behaves as an empty port */
	if (acc->write)
		bus->conf_addr = (uint32_t)acc->val[0] & CONF_ADDR_MASK;
	else
		acc->val[0] = bus->conf_addr;
	return 0;
}

static int conf_data_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct v3_pci_bus *bus = priv;
	struct v3_pci_func *f = addressed(bus);
	uint32_t byte = (uint32_t)acc->addr - CONF_DATA_PORT;
	uint32_t off = CONF_REG(bus->conf_addr) + byte;
	uint32_t len = acc->len;

	(void)vcpu;
	/* An access never spills past CONFDATA's dword into the next one. */
	if (len > 4 - byte)
		len = 4 - byte;
	if (acc->write) {
		if (f)
			config_write(bus, f, off, len, (uint32_t)acc->val[0]);
		return 0;
	}
	/* No function there: the master abort reads all ones. */
	acc->val[0] = f ? config_read(f, off, len) : 0xffffffffu;
	return 0;
}

/* ---- functions ----------------------------------------------------------- */

static void set_multi_function(struct v3_pci_bus *bus, uint8_t devfn)
{
	struct v3_pci_func *fn0 = bus->funcs[devfn & ~7];
	int fn;

	if (!fn0)
		return;
	for (fn = 1; fn < 8; fn++)
		if (bus->funcs[(devfn & ~7) | fn])
			fn0->config[PCI_HEADER_TYPE] |=
			    PCI_HEADER_MULTI_FUNCTION;
}

static void default_header(struct v3_pci_func *f, uint16_t vendor,
			   uint16_t device, uint32_t class_code)
{
	v3_pci_cfg_set(f, PCI_VENDOR_ID, 2, vendor);
	v3_pci_cfg_set(f, PCI_DEVICE_ID, 2, device);
	v3_pci_cfg_set(f, PCI_CLASS_PROG, 3, class_code);
	v3_pci_cfg_set(f, PCI_SUBSYSTEM_VENDOR_ID, 2, SUBSYS_VENDOR_REDHAT);
	v3_pci_cfg_set(f, PCI_SUBSYSTEM_ID, 2, SUBSYS_ID_QEMU);
	f->wmask[PCI_COMMAND] = COMMAND_WMASK & 0xff;
	f->wmask[PCI_COMMAND + 1] = COMMAND_WMASK >> 8;
	f->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	f->wmask[PCI_LATENCY_TIMER] = 0xff;
	f->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

struct v3_pci_func *v3_pci_add(struct v3_vm *vm, uint8_t devfn, uint16_t vendor,
			       uint16_t device, uint32_t class_code,
			       const struct v3_pci_func_ops *ops, void *priv)
{
	struct v3_pci_bus *bus = vm->pci;
	struct v3_pci_func *f;

	if (!bus || bus->funcs[devfn])
		return NULL;
	f = v3_vm_zalloc(vm, sizeof(*f));
	if (!f)
		return NULL;
	f->vm = vm;
	f->devfn = devfn;
	f->ops = ops;
	f->priv = priv;
	default_header(f, vendor, device, class_code);
	bus->funcs[devfn] = f;
	set_multi_function(bus, devfn);
	return f;
}

/* ---- device -------------------------------------------------------------- */

static void pci_destroy(struct v3_vm *vm, void *priv)
{
	struct v3_pci_bus *bus = priv;
	int i;

	for (i = 0; i < 256; i++)
		v3_vm_free(vm, bus->funcs[i], sizeof(struct v3_pci_func));
	if (bus->irq_lock)
		v3_host->lock_free(bus->irq_lock);
	if (vm->pci == bus)
		vm->pci = NULL;
	v3_vm_free(vm, bus, sizeof(*bus));
}

static int pci_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		      void **priv, char *err, size_t errlen)
{
	struct v3_pci_bus *bus;

	if (vm->pci) {
		v3_snprintf(err, errlen, "line %d: pci: only one PCI bus",
			    cfg->line);
		return -1;
	}
	bus = v3_vm_zalloc(vm, sizeof(*bus));
	*priv = bus;
	if (!bus)
		return -1;
	bus->vm = vm;
	v3_memset(bus->intx_pirq, NO_PIRQ, sizeof(bus->intx_pirq));
	bus->irq_lock = v3_host->lock_alloc();
	if (!bus->irq_lock)
		return -1;
	if (v3_hook_add(vm, V3_HOOK_IO, CONF_ADDR_PORT, CONF_ADDR_PORT,
			conf_addr_io, bus) ||
	    v3_hook_add(vm, V3_HOOK_IO, CONF_DATA_PORT, CONF_DATA_PORT + 3,
			conf_data_io, bus)) {
		v3_snprintf(err, errlen,
			    "line %d: pci: ports 0xcf8/0xcfc-0xcff are taken",
			    cfg->line);
		return -1;
	}
	vm->pci = bus;
	return 0;
}

V3_DEVICE(pci_device, .name = "pci", .create = pci_create,
	  .destroy = pci_destroy);
