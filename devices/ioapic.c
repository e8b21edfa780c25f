/* ioapic.c - the I/O APIC at 0xFEC00000 (Intel 82093AA datasheet, order
 * 290566-001): 24 redirection entries behind the IOREGSEL/IOWIN window,
 * edge and level triggered pins with remote IRR, EOI from the local
 * APICs through the APIC bus (palacios/apic_bus.h).
 *
 * Wiring, as on QEMU's i440FX PC and as SeaBIOS's MP table and MADT
 * describe it: ISA IRQ 0 (the PIT) on pin 2 (the interrupt source
 * override SeaBIOS writes), every other platform line N on pin N; the
 * PIIX3 routes PCI INTx to ISA lines (PIRQ), which therefore arrive on
 * the pin of their ISA IRQ.  Pin 0 would carry the 8259's ExtINT; it is
 * left unconnected (the PIC reaches the BSP through LINT0 instead).
 *
 * Lines are active high, as the platform models drive them; the
 * polarity bit is stored and reported but does not invert them.
 */
#include "apic_bus.h"
#include "device.h"
#include "irq.h"
#include "vm.h"

#define IOAPIC_GPA  0xfec00000ull
#define IOAPIC_SIZE 0x20ull /* IOREGSEL at +0x00, IOWIN at +0x10 */
#define REG_SEL	    0x00
#define REG_WIN	    0x10
#define PINS	    24

/* Indirect registers. */
#define IOAPICID  0x00
#define IOAPICVER 0x01
#define IOAPICARB 0x02
#define IOREDTBL  0x10
#define VERSION_VALUE (((uint32_t)(PINS - 1) << 16) | 0x11)

/* Redirection entry bits. */
#define RTE_VECTOR	0xffull
#define RTE_DM(v)	(((v) >> 8) & 7)
#define RTE_LOGICAL	(1ull << 11)
#define RTE_DELIVS	(1ull << 12) /* delivery status, read only */
#define RTE_REMOTE_IRR	(1ull << 14) /* read only */
#define RTE_LEVEL	(1ull << 15)
#define RTE_MASKED	(1ull << 16)
#define RTE_DEST_SHIFT	56
#define RTE_RO		(RTE_DELIVS | RTE_REMOTE_IRR)
/* vector, delivery mode, destination mode, polarity, trigger, mask,
 * destination */
#define RTE_WRITABLE	(0xff00000000000000ull | 0x1afffull)

struct ioapic {
	struct v3_vm *vm;
	void *lock;
	uint32_t sel;
	uint32_t id;
	uint64_t rte[PINS];
	uint32_t level;	  /* input pin levels */
	uint32_t pending; /* edges waiting for an unmasked entry */
};

static int line_to_pin(int line)
{
	if (line == 0)
		return 2;
	if (line == 2)
		return -1; /* the cascade: nothing on an i440FX PC */
	return line < PINS ? line : -1;
}

/* Deliver pin 'p' if it has something to say.  Called with the lock
 * held; returns true with *msg filled when a message must be sent. */
static bool pin_service(struct ioapic *io, int p, struct v3_apic_msg *msg)
{
	uint64_t e = io->rte[p];
	uint32_t bit = 1u << p;

	if (e & RTE_MASKED)
		return false;
	if (e & RTE_LEVEL) {
		if (!(io->level & bit) || (e & RTE_REMOTE_IRR))
			return false;
		io->rte[p] |= RTE_REMOTE_IRR;
	} else {
		if (!(io->pending & bit))
			return false;
		io->pending &= ~bit;
	}
	msg->vector = e & RTE_VECTOR;
	msg->delivery = RTE_DM(e);
	msg->logical = e & RTE_LOGICAL;
	msg->level = e & RTE_LEVEL;
	msg->assert = true;
	msg->dest = (uint8_t)(e >> RTE_DEST_SHIFT);
	msg->x2apic = false; /* 8-bit destinations, no interrupt remapping */
	msg->shorthand = V3_APIC_SH_NONE;
	msg->src = -1;
	return true;
}

/* Service pins in 'mask'; messages go out after the lock is dropped. */
static void service(struct ioapic *io, uint32_t mask, unsigned long flags)
{
	struct v3_apic_msg msgs[PINS];
	int p, n = 0;

	for (p = 0; p < PINS; p++)
		if ((mask & (1u << p)) && pin_service(io, p, &msgs[n]))
			n++;
	v3_host->unlock_irqrestore(io->lock, flags);
	for (p = 0; p < n; p++)
		v3_apic_bus_send(io->vm, &msgs[p]);
}

static void ioapic_set_line(struct v3_vm *vm, void *priv, int line,
			    bool level)
{
	struct ioapic *io = priv;
	int p = line_to_pin(line);
	unsigned long flags;
	uint32_t bit;

	(void)vm;
	if (p < 0)
		return;
	bit = 1u << p;
	flags = v3_host->lock_irqsave(io->lock);
	if (level && !(io->level & bit))
		io->pending |= bit; /* a rising edge */
	if (level)
		io->level |= bit;
	else
		io->level &= ~bit;
	service(io, bit, flags);
}

/* A local APIC retired a level-triggered vector: clear remote IRR on the
 * pins that use it, and deliver again if the line is still high. */
static void ioapic_eoi(struct v3_vm *vm, void *priv, uint8_t vector)
{
	struct ioapic *io = priv;
	unsigned long flags = v3_host->lock_irqsave(io->lock);
	uint32_t mask = 0;
	int p;

	(void)vm;
	for (p = 0; p < PINS; p++) {
		uint64_t e = io->rte[p];

		if ((e & RTE_VECTOR) == vector && (e & RTE_REMOTE_IRR)) {
			io->rte[p] &= ~RTE_REMOTE_IRR;
			mask |= 1u << p;
		}
	}
	service(io, mask, flags);
}

static uint32_t reg_read(struct ioapic *io)
{
	uint32_t r = io->sel;

	if (r >= IOREDTBL && r < IOREDTBL + 2 * PINS) {
		uint64_t e = io->rte[(r - IOREDTBL) / 2];

		return (r & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
	}
	switch (r) {
	case IOAPICID:
	case IOAPICARB: return io->id << 24;
	case IOAPICVER: return VERSION_VALUE;
	}
	return 0;
}

/* Returns the pins to service after the write. */
static uint32_t reg_write(struct ioapic *io, uint32_t v)
{
	uint32_t r = io->sel;
	uint64_t *e, w;
	int p;

	if (r == IOAPICID) {
		io->id = (v >> 24) & 0xf;
		return 0;
	}
	if (r < IOREDTBL || r >= IOREDTBL + 2 * PINS)
		return 0;
	p = (int)(r - IOREDTBL) / 2;
	e = &io->rte[p];
	if (r & 1)
		w = (*e & 0xffffffffull) | ((uint64_t)v << 32);
	else
		w = (*e & ~0xffffffffull) | v;
	*e = (w & RTE_WRITABLE) | (*e & RTE_RO);
	/* Remote IRR only means something for level entries. */
	if (!(*e & RTE_LEVEL))
		*e &= ~RTE_REMOTE_IRR;
	return 1u << p; /* unmasking may deliver a held request */
}

static int ioapic_mmio(struct v3_vcpu *vcpu, struct v3_access *acc,
		       void *priv)
{
	struct ioapic *io = priv;
	uint32_t off = (uint32_t)(acc->addr - IOAPIC_GPA);
	unsigned long flags = v3_host->lock_irqsave(io->lock);
	uint32_t mask = 0;

	(void)vcpu;
	if (!acc->write) {
		uint32_t v = 0;

		if (off == REG_SEL)
			v = io->sel;
		else if (off == REG_WIN)
			v = reg_read(io);
		acc->val[0] =
		    acc->len >= 4 ? v : v & ((1u << (acc->len * 8)) - 1);
	} else if (off == REG_SEL) {
		io->sel = (uint32_t)acc->val[0] & 0xff;
	} else if (off == REG_WIN && acc->len == 4) {
		mask = reg_write(io, (uint32_t)acc->val[0]);
	}
	service(io, mask, flags);
	return 0;
}

static const struct v3_irq_sink ioapic_sink = {.set = ioapic_set_line};

static void ioapic_power_on(struct ioapic *io)
{
	int p;

	io->sel = 0;
	io->id = 0;
	for (p = 0; p < PINS; p++)
		io->rte[p] = RTE_MASKED;
	io->pending = 0;
}

static int ioapic_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			 void **priv, char *err, size_t errlen)
{
	struct ioapic *io = v3_vm_zalloc(vm, sizeof(*io));

	*priv = io;
	if (!io)
		return -1;
	io->vm = vm;
	io->lock = v3_host->lock_alloc();
	if (!io->lock) {
		v3_snprintf(err, errlen, "line %d: ioapic: out of memory",
			    cfg->line);
		return -1;
	}
	ioapic_power_on(io);
	for (int line = 0; line < V3_IRQ_LINES; line++)
		if ((vm->irq_levels & (1u << line)) && line_to_pin(line) >= 0)
			io->level |= 1u << line_to_pin(line);
	if (v3_hook_add(vm, V3_HOOK_MMIO, IOAPIC_GPA,
			IOAPIC_GPA + IOAPIC_SIZE - 1, ioapic_mmio, io) != 0) {
		v3_snprintf(err, errlen, "line %d: ioapic: 0xfec00000 is "
			    "taken", cfg->line);
		return -1;
	}
	if (v3_irq_add_sink(vm, &ioapic_sink, io) != 0 ||
	    v3_apic_bus_attach_eoi(vm, ioapic_eoi, io) != 0) {
		v3_snprintf(err, errlen, "line %d: ioapic: configured twice "
			    "or too many interrupt sinks", cfg->line);
		return -1;
	}
	return 0;
}

/* Power-on: every entry masked; the input levels are the devices'. */
static void ioapic_reset(struct v3_vm *vm, void *priv)
{
	struct ioapic *io = priv;
	unsigned long flags = v3_host->lock_irqsave(io->lock);

	(void)vm;
	ioapic_power_on(io);
	v3_host->unlock_irqrestore(io->lock, flags);
}

static void ioapic_destroy(struct v3_vm *vm, void *priv)
{
	struct ioapic *io = priv;

	if (io->lock)
		v3_host->lock_free(io->lock);
	v3_vm_free(vm, io, sizeof(*io));
}

V3_DEVICE(ioapic_device, .name = "ioapic", .create = ioapic_create,
	  .destroy = ioapic_destroy, .reset = ioapic_reset);
