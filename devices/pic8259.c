/* pic8259.c - the PC/AT pair of Intel 8259A programmable interrupt
 * controllers: master at 0x20/0x21 (IRQ 0-7), slave at 0xA0/0xA1 (IRQ
 * 8-15) cascaded on the master's IR2, and the PIIX edge/level control
 * registers (ELCR) at 0x4D0/0x4D1.
 *
 * Register bits follow the Intel 8259A datasheet (order 231468-003):
 * ICW1-ICW4, OCW1-OCW3 and the poll word; the ELCR follows the Intel
 * 82371SB PIIX3 datasheet (ELCR1/ELCR2, ports 4D0h/4D1h).
 *
 * The PIC is an irq sink for platform lines 0-15 (line 2 is the cascade
 * and is ignored, as on every PC since the AT) and the interrupt
 * controller of vcpu 0: pending() is the INT output, ack() the INTA
 * cycle.  With a local APIC model, INT is wired to the BSP's LINT0
 * (virtual wire mode, SDM vol. 3 §11.5.1 ExtINT): the LAPIC model sets
 * vcpu->extint_masked while LVT LINT0 does not take ExtINT, and INT is
 * then invisible to the vcpu.  ExtINT bypasses the APIC's IRR/ISR and
 * priority, so the INTA cycle stays here.
 */
#include "device.h"
#include "intr.h"
#include "irq.h"
#include "vm.h"

#define MASTER 0
#define SLAVE 1
#define CASCADE_PIN 2
#define CASCADE_BIT (1u << CASCADE_PIN)
#define NO_IRQ (-1)

/* ICW1 (written to A0=0 with D4=1). */
#define ICW1_IC4 0x01  /* ICW4 follows */
#define ICW1_SNGL 0x02 /* single 8259A, no ICW3 */
#define ICW1_LTIM 0x08 /* level triggered mode for all inputs */
#define ICW1_INIT 0x10
/* ICW4. */
#define ICW4_AEOI 0x02 /* automatic end of interrupt */
#define ICW4_SFNM 0x10 /* special fully nested mode */
/* OCW3 (A0=0, D4=0, D3=1). */
#define OCW3_SELECT 0x08
#define OCW3_RIS 0x01 /* read ISR (else IRR) ... */
#define OCW3_RR 0x02  /* ... when RR is set */
#define OCW3_POLL 0x04
#define OCW3_SMM 0x20  /* special mask mode on/off ... */
#define OCW3_ESMM 0x40 /* ... when ESMM is set */
/* Poll word: I (bit 7) = interrupt pending, W2-W0 = level. */
#define POLL_INT 0x80

/* PIIX3 ELCR: IRQ 0, 1, 2, 8 and 13 are edge only. */
#define ELCR_MASK_MASTER 0xf8
#define ELCR_MASK_SLAVE 0xde

struct pic_chip {
	uint8_t irr_edge;     /* requests latched on a rising edge */
	uint8_t isr;	      /* in service */
	uint8_t imr;	      /* OCW1 */
	uint8_t lines;	      /* current input pin levels */
	uint8_t elcr;	      /* 1 = level triggered */
	uint8_t elcr_mask;    /* ELCR bits that may be set */
	uint8_t vector_base;  /* ICW2 T7-T3 */
	uint8_t icw3;	      /* cascade wiring: stored, not needed */
	uint8_t priority_add; /* IR number with the highest priority */
	uint8_t icw_next;     /* 0 = initialised, else next ICW (2..4) */
	bool icw4_needed;
	bool single;
	bool ltim;
	bool auto_eoi;
	bool rotate_on_aeoi;
	bool sfnm;
	bool special_mask;
	bool read_isr;
	bool poll;
};

struct pic {
	struct v3_vm *vm;
	void *lock;
	struct pic_chip chip[2];
	uint64_t spurious;     /* INTA cycles that found nothing (IRQ 7/15) */
	uint64_t ack_mismatch; /* core injected a vector we no longer had */
};

static bool cascaded(const struct pic *p)
{
	return !p->chip[MASTER].single;
}

/* Inputs sensed by level: the ELCR, ICW1.LTIM, and the master's cascade
 * input, which follows the slave's INT output (modelled as a level so a
 * slave request that stays asserted across an INTA is never lost). */
static uint8_t level_mask(const struct pic *p, int n)
{
	const struct pic_chip *c = &p->chip[n];
	uint8_t m = c->ltim ? 0xff : c->elcr;

	if (n == MASTER && cascaded(p))
		m |= CASCADE_BIT;
	return m;
}

static uint8_t chip_irr(const struct pic *p, int n)
{
	const struct pic_chip *c = &p->chip[n];
	uint8_t lvl = level_mask(p, n);

	return (c->irr_edge & ~lvl) | (c->lines & lvl);
}

/* Priority 0 (highest) .. 7 of the first set bit, counting from the IR
 * the rotation made highest; 8 when no bit is set. */
static int priority(const struct pic_chip *c, uint8_t bits)
{
	int i;

	for (i = 0; i < 8; i++)
		if (bits & (1u << ((i + c->priority_add) & 7)))
			return i;
	return 8;
}

static int pri_to_irq(const struct pic_chip *c, int pri)
{
	return (pri + c->priority_add) & 7;
}

/* The IR this chip would present on INT now, or NO_IRQ: the highest
 * unmasked request above everything in service (fully nested mode). */
static int chip_highest_request(const struct pic *p, int n)
{
	const struct pic_chip *c = &p->chip[n];
	uint8_t req = chip_irr(p, n) & ~c->imr;
	uint8_t in_service = c->isr;
	int pri;

	/* Special mask mode: masked levels do not inhibit lower ones. */
	if (c->special_mask)
		in_service &= ~c->imr;
	/* SFNM: a slave in service does not lock out its own higher IRs. */
	if (n == MASTER && c->sfnm && cascaded(p))
		in_service &= ~CASCADE_BIT;
	pri = priority(c, req);
	if (pri == 8 || pri >= priority(c, in_service))
		return NO_IRQ;
	return pri_to_irq(c, pri);
}

static void cascade_update(struct pic *p)
{
	struct pic_chip *m = &p->chip[MASTER];

	if (chip_highest_request(p, SLAVE) != NO_IRQ)
		m->lines |= CASCADE_BIT;
	else
		m->lines &= ~CASCADE_BIT;
}

/* The vector INTA would return now, or -1 when INT is low. */
static int pic_next_vector(const struct pic *p)
{
	int irq = chip_highest_request(p, MASTER), s;

	if (irq == NO_IRQ)
		return -1;
	if (irq != CASCADE_PIN || !cascaded(p))
		return p->chip[MASTER].vector_base + irq;
	s = chip_highest_request(p, SLAVE);
	/* The slave dropped its request: it answers with IR7. */
	return p->chip[SLAVE].vector_base + (s == NO_IRQ ? 7 : s);
}

/* The INTA pulses for 'irq' on one chip: edge latches clear, ISR bit
 * set unless in automatic EOI mode (where rotation may apply). */
static void chip_intack(struct pic_chip *c, int irq)
{
	uint8_t bit = 1u << irq;

	c->irr_edge &= ~bit;
	if (c->auto_eoi) {
		if (c->rotate_on_aeoi)
			c->priority_add = (irq + 1) & 7;
	} else {
		c->isr |= bit;
	}
}

/* The full INTA cycle; returns the vector the chips drive on the bus. */
static int pic_inta(struct pic *p)
{
	int irq = chip_highest_request(p, MASTER), vector;

	if (irq == NO_IRQ) {
		/* Request vanished before INTA: the 8259A gives IR7 without
		 * setting its ISR bit (datasheet, "Interrupt Sequence"). */
		p->spurious++;
		return p->chip[MASTER].vector_base + 7;
	}
	if (irq == CASCADE_PIN && cascaded(p)) {
		int s = chip_highest_request(p, SLAVE);

		if (s == NO_IRQ) {
			p->spurious++;
			vector = p->chip[SLAVE].vector_base + 7;
		} else {
			chip_intack(&p->chip[SLAVE], s);
			vector = p->chip[SLAVE].vector_base + s;
		}
	} else {
		vector = p->chip[MASTER].vector_base + irq;
	}
	chip_intack(&p->chip[MASTER], irq);
	cascade_update(p);
	return vector;
}

static bool in_range(int vector, uint8_t base)
{
	return vector >= base && vector < base + 8;
}

/* The core already committed to 'vector' but the state moved under it
 * (another thread changed a line between pending() and ack()): take
 * that IR if it is still requested, else treat the cycle as spurious. */
static void pic_inta_vector(struct pic *p, int vector)
{
	struct pic_chip *m = &p->chip[MASTER], *s = &p->chip[SLAVE];
	int irq;

	p->ack_mismatch++;
	if (cascaded(p) && in_range(vector, s->vector_base)) {
		irq = vector - s->vector_base;
		if (chip_irr(p, SLAVE) & (1u << irq))
			chip_intack(s, irq);
		chip_intack(m, CASCADE_PIN);
	} else if (in_range(vector, m->vector_base)) {
		irq = vector - m->vector_base;
		if (chip_irr(p, MASTER) & (1u << irq))
			chip_intack(m, irq);
	}
	cascade_update(p);
}

static void kick_bsp(struct pic *p)
{
	struct v3_vm *vm = p->vm;

	if (vm->nvcpus > 0 && vm->vcpus && vm->vcpus[0])
		v3_vcpu_kick(vm->vcpus[0]);
}

/* After any change: recompute the cascade and wake vcpu 0 if INT is up. */
static bool pic_update(struct pic *p)
{
	cascade_update(p);
	return pic_next_vector(p) >= 0;
}

/* ---- port writes ------------------------------------------------------ */

static void write_icw1(struct pic_chip *c, uint8_t val)
{
	/* Initialisation resets the edge sense circuit, clears IMR, gives
	 * IR7 the lowest priority, clears special mask mode, selects IRR
	 * for status reads and, without IC4, zeroes the ICW4 functions. */
	c->icw_next = 2;
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->ltim = val & ICW1_LTIM;
	c->irr_edge = 0;
	c->isr = 0;
	c->imr = 0;
	c->priority_add = 0;
	c->special_mask = false;
	c->read_isr = false;
	c->poll = false;
	c->rotate_on_aeoi = false;
	if (!c->icw4_needed) {
		c->auto_eoi = false;
		c->sfnm = false;
	}
}

static int highest_in_service(const struct pic_chip *c)
{
	int pri = priority(c, c->isr);

	return pri == 8 ? NO_IRQ : pri_to_irq(c, pri);
}

/* OCW2: R, SL, EOI in bits 7-5, level L2-L0 in bits 2-0. */
static void write_ocw2(struct pic_chip *c, uint8_t val)
{
	int level = val & 7, irq;

	switch (val >> 5) {
	case 0: /* clear rotate in automatic EOI mode */
		c->rotate_on_aeoi = false;
		break;
	case 4: /* set rotate in automatic EOI mode */
		c->rotate_on_aeoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		irq = highest_in_service(c);
		if (irq == NO_IRQ)
			break;
		c->isr &= ~(1u << irq);
		if (val & 0x80)
			c->priority_add = (irq + 1) & 7;
		break;
	case 3: /* specific EOI */
		c->isr &= ~(1u << level);
		break;
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1u << level);
		c->priority_add = (level + 1) & 7;
		break;
	case 6: /* set priority: L becomes the lowest */
		c->priority_add = (level + 1) & 7;
		break;
	default: /* 2: no operation */
		break;
	}
}

static void write_ocw3(struct pic_chip *c, uint8_t val)
{
	if (val & OCW3_POLL)
		c->poll = true;
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

static void write_cmd(struct pic_chip *c, uint8_t val)
{
	if (val & ICW1_INIT)
		write_icw1(c, val);
	else if (val & OCW3_SELECT)
		write_ocw3(c, val);
	else
		write_ocw2(c, val);
}

/* A0=1: the ICW2-4 sequence after ICW1, OCW1 (the mask) otherwise. */
static void write_data(struct pic_chip *c, uint8_t val)
{
	switch (c->icw_next) {
	case 2:
		c->vector_base = val & 0xf8;
		if (!c->single)
			c->icw_next = 3;
		else
			c->icw_next = c->icw4_needed ? 4 : 0;
		break;
	case 3:
		c->icw3 = val;
		c->icw_next = c->icw4_needed ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = val & ICW4_AEOI;
		c->sfnm = val & ICW4_SFNM;
		c->icw_next = 0;
		break;
	default:
		c->imr = val;
		break;
	}
}

/* ---- port reads ------------------------------------------------------- */

/* A poll read is an INTA on this chip alone (datasheet, "The Poll
 * Command"): ISR set, request cleared, level returned with bit 7. */
static uint8_t read_poll(struct pic *p, int n)
{
	int irq = chip_highest_request(p, n);

	p->chip[n].poll = false;
	if (irq == NO_IRQ)
		return 0;
	chip_intack(&p->chip[n], irq);
	return POLL_INT | irq;
}

static uint8_t read_cmd(struct pic *p, int n)
{
	struct pic_chip *c = &p->chip[n];

	if (c->poll)
		return read_poll(p, n);
	return c->read_isr ? c->isr : chip_irr(p, n);
}

static uint8_t read_data(struct pic *p, int n)
{
	struct pic_chip *c = &p->chip[n];

	if (c->poll)
		return read_poll(p, n);
	return c->imr;
}

static int pic_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct pic *p = priv;
	int n = (acc->addr & 0x80) ? SLAVE : MASTER;
	bool a0 = acc->addr & 1, irq;
	uint8_t val = (uint8_t)acc->val[0];
	unsigned long flags = v3_host->lock_irqsave(p->lock);

	(void)vcpu;
	if (acc->write && a0)
		write_data(&p->chip[n], val);
	else if (acc->write)
		write_cmd(&p->chip[n], val);
	else
		acc->val[0] = a0 ? read_data(p, n) : read_cmd(p, n);
	irq = pic_update(p);
	v3_host->unlock_irqrestore(p->lock, flags);
	if (irq)
		kick_bsp(p);
	return 0;
}

static int elcr_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct pic *p = priv;
	struct pic_chip *c = &p->chip[acc->addr & 1];
	unsigned long flags = v3_host->lock_irqsave(p->lock);
	bool irq;

	(void)vcpu;
	if (acc->write)
		c->elcr = (uint8_t)acc->val[0] & c->elcr_mask;
	else
		acc->val[0] = c->elcr;
	irq = pic_update(p);
	v3_host->unlock_irqrestore(p->lock, flags);
	if (irq)
		kick_bsp(p);
	return 0;
}

/* ---- platform lines and the core's interrupt interface ---------------- */

static void pic_set_line(struct v3_vm *vm, void *priv, int line, bool level)
{
	struct pic *p = priv;
	struct pic_chip *c;
	unsigned long flags;
	uint8_t bit;
	int n;
	bool irq;

	(void)vm;
	if (line < 0 || line > 15 || line == CASCADE_PIN)
		return;
	n = line >> 3;
	c = &p->chip[n];
	bit = 1u << (line & 7);
	flags = v3_host->lock_irqsave(p->lock);
	/* Edge sense: only a low-to-high transition latches a request. */
	if (level && !(c->lines & bit) && !(level_mask(p, n) & bit))
		c->irr_edge |= bit;
	if (level)
		c->lines |= bit;
	else
		c->lines &= ~bit;
	irq = pic_update(p);
	v3_host->unlock_irqrestore(p->lock, flags);
	if (irq)
		kick_bsp(p);
}

static int pic_pending(struct v3_vcpu *vcpu, void *priv)
{
	struct pic *p = priv;
	unsigned long flags;
	int v;

	if (vcpu->id != 0 || vcpu->extint_masked)
		return -1;
	flags = v3_host->lock_irqsave(p->lock);
	v = pic_next_vector(p);
	v3_host->unlock_irqrestore(p->lock, flags);
	return v;
}

static void pic_ack(struct v3_vcpu *vcpu, void *priv, int vector)
{
	struct pic *p = priv;
	unsigned long flags = v3_host->lock_irqsave(p->lock);

	(void)vcpu;
	if (pic_next_vector(p) == vector)
		pic_inta(p);
	else
		pic_inta_vector(p, vector);
	v3_host->unlock_irqrestore(p->lock, flags);
}

static const struct v3_irq_sink pic_sink = {.set = pic_set_line};
static const struct v3_intr_ctrl pic_ctrl = {
    .pending = pic_pending,
    .ack = pic_ack,
};

/* ---- lifecycle --------------------------------------------------------- */

static int pic_hooks(struct v3_vm *vm, struct pic *p)
{
	return v3_hook_add(vm, V3_HOOK_IO, 0x20, 0x21, pic_io, p) ||
	       v3_hook_add(vm, V3_HOOK_IO, 0xa0, 0xa1, pic_io, p) ||
	       v3_hook_add(vm, V3_HOOK_IO, 0x4d0, 0x4d1, elcr_io, p);
}

static int pic_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		      void **priv, char *err, size_t errlen)
{
	struct pic *p = v3_vm_zalloc(vm, sizeof(*p));

	*priv = p;
	if (!p)
		return -1;
	p->vm = vm;
	p->chip[MASTER].elcr_mask = ELCR_MASK_MASTER;
	p->chip[SLAVE].elcr_mask = ELCR_MASK_SLAVE;
	p->lock = v3_host->lock_alloc();
	if (!p->lock) {
		v3_snprintf(err, errlen, "line %d: pic8259: out of memory",
			    cfg->line);
		return -1;
	}
	if (pic_hooks(vm, p) != 0) {
		v3_snprintf(err, errlen,
			    "line %d: pic8259: ports 0x20/0xa0/0x4d0 are "
			    "taken",
			    cfg->line);
		return -1;
	}
	if (v3_irq_add_sink(vm, &pic_sink, p) != 0 ||
	    v3_intr_add_ctrl(vm, &pic_ctrl, p) != 0) {
		v3_snprintf(err, errlen,
			    "line %d: pic8259: too many interrupt "
			    "controllers",
			    cfg->line);
		return -1;
	}
	return 0;
}

/* Power-on: chips wait for ICW1, ELCR all edge; input levels are the
 * devices' and stay. */
static void pic_reset(struct v3_vm *vm, void *priv)
{
	struct pic *p = priv;
	unsigned long flags = v3_host->lock_irqsave(p->lock);
	int n;

	(void)vm;
	for (n = 0; n < 2; n++) {
		struct pic_chip *c = &p->chip[n];
		uint8_t lines = c->lines, mask = c->elcr_mask;

		v3_memset(c, 0, sizeof(*c));
		c->lines = lines;
		c->elcr_mask = mask;
	}
	cascade_update(p);
	v3_host->unlock_irqrestore(p->lock, flags);
}

static void pic_destroy(struct v3_vm *vm, void *priv)
{
	struct pic *p = priv;

	if (p->lock)
		v3_host->lock_free(p->lock);
	v3_vm_free(vm, p, sizeof(*p));
}

V3_DEVICE(pic8259_device, .name = "pic8259", .create = pic_create,
	  .destroy = pic_destroy, .reset = pic_reset);
