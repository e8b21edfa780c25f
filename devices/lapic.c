/* lapic.c - one xAPIC local APIC per vcpu (SDM vol. 3 chapter 11,
 * "Advanced Programmable Interrupt Controller"): the 4 KiB register page
 * at 0xFEE00000, IA32_APIC_BASE, the LVT timer in one-shot, periodic and
 * TSC-deadline modes, and inter-processor interrupts through the ICR.
 *
 * - Every vcpu sees its own APIC at the same guest-physical page: the
 *   MMIO hook picks the APIC of the vcpu that made the access.
 * - The device is the core's interrupt controller for fixed vectors
 *   (pending() = highest IRR vector above the PPR, ack() = IRR -> ISR)
 *   and the receiver of the APIC bus (palacios/apic_bus.h), which the
 *   I/O APIC and the ICR send on.
 * - LINT0 of vcpu 0 is the 8259's INT output (virtual wire mode): the
 *   PIC model asks vcpu->extint_masked.  No platform source drives
 *   LINT1; its LVT entry is storage.
 * - The timer counts at a 1 GHz bus clock (one tick per nanosecond, as
 *   QEMU and KVM do) divided by the divide configuration register.
 * - x2APIC mode (lapic_x2apic.c) when the device option x2apic=1 shows
 *   it in CPUID; the registers are the same, reached through MSRs.
 * - Not modelled: APIC base relocation (#GP),
 *   the thermal/performance/CMCI sources, focus processor checking,
 *   spurious-vector delivery (an interrupt the TPR masks simply waits).
 */
#include "apic_bus.h"
#include "device.h"
#include "intr.h"
#include "lapic.h"
#include "timer.h"
#include "vm.h"

#define LAPIC_SIZE	   0x1000ull
#define MSR_TSC_DEADLINE   0x6e0u

/* Bits a guest may write per LVT entry (SDM vol. 3 Figure 11-8). */
const uint32_t lapic_lvt_writable[LVT_N] = {
	[LVT_TIMER] = 0x000700ff,   /* vector, mask, timer mode */
	[LVT_THERMAL] = 0x000107ff, /* vector, delivery mode, mask */
	[LVT_PERF] = 0x000107ff,
	[LVT_LINT0] = 0x0001a7ff,   /* + polarity, trigger mode */
	[LVT_LINT1] = 0x0001a7ff,
	[LVT_ERROR] = 0x000100ff,
};
#define LVT_MASKED	 (1u << 16)
#define LVT_DM(v)	 (((v) >> 8) & 7)
#define LVT_TIMER_MODE(v) (((v) >> 17) & 3)
#define TIMER_ONESHOT	 0
#define TIMER_PERIODIC	 1
#define TIMER_TSC_DEADLINE 2

/* Version 0x14 (integrated xAPIC), 6 LVT entries (max LVT index 5). */
#define VERSION_VALUE ((uint32_t)(LVT_N - 1) << 16 | 0x14)
#define SVR_ENABLE    (1u << 8)
#define DFR_WRITABLE  0xf0000000u
#define DFR_FLAT      0xf
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_LOGICAL	 (1u << 11)

/* ESR bits (SDM vol. 3 §11.5.3). */
#define ESR_SEND_ILLEGAL_VECTOR 0x20
#define ESR_RECV_ILLEGAL_VECTOR 0x40
#define ESR_ILLEGAL_REGISTER	0x80

/* Timer bus clock in kHz: 1 GHz. */
#define BUS_KHZ 1000000ull

/* CPUID leaf 1: EDX.APIC (9), ECX.x2APIC (21), ECX.TSC_DEADLINE (24). */
#define CPUID1_EDX_APIC	    (1u << 9)
#define CPUID1_ECX_X2APIC   (1u << 21)
#define CPUID1_ECX_DEADLINE (1u << 24)

/* ---- vector bitmaps (ISR, TMR, IRR: 8 words of 32 bits) -------------- */

static bool vec_test(const uint32_t *r, unsigned v)
{
	return r[v / 32] & (1u << (v % 32));
}

static void vec_set(uint32_t *r, unsigned v)
{
	r[v / 32] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *r, unsigned v)
{
	r[v / 32] &= ~(1u << (v % 32));
}

static int vec_highest(const uint32_t *r)
{
	int w;

	for (w = 7; w >= 0; w--)
		if (r[w])
			return w * 32 + 31 - __builtin_clz(r[w]);
	return -1;
}

/* ---- priorities (SDM vol. 3 §11.8.3.1) --------------------------------- */

static uint32_t ppr(const struct lapic *a)
{
	int isrv = vec_highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr : isr_class;
}

static bool sw_enabled(const struct lapic *a)
{
	return (a->apic_base & APIC_BASE_ENABLE) && (a->svr & SVR_ENABLE);
}

/* The guest may have changed the TPR through CR8 (the backend keeps
 * vcpu->state.cr8 = TPR[7:4]; APM vol. 2 §16.6.1). */
static void sync_cr8(struct lapic *a)
{
	if ((a->tpr >> 4) != (a->vcpu->state.cr8 & 0xf))
		a->tpr = (uint32_t)(a->vcpu->state.cr8 & 0xf) << 4;
}

static void set_tpr(struct lapic *a, uint32_t v)
{
	a->tpr = v & 0xff;
	a->vcpu->state.cr8 = a->tpr >> 4;
}

/* LINT0 takes the 8259's ExtINT while the APIC is globally disabled
 * (LINT0 is then the INTR pin) or LVT LINT0 is unmasked ExtINT. */
void lapic_update_extint(struct lapic *a)
{
	uint32_t l = a->lvt[LVT_LINT0];
	bool ok = !(a->apic_base & APIC_BASE_ENABLE) ||
		  (!(l & LVT_MASKED) && LVT_DM(l) == V3_APIC_DM_EXTINT);

	a->vcpu->extint_masked = !ok;
}

/* ---- the timer ---------------------------------------------------------- */

static unsigned timer_divisor(const struct lapic *a)
{
	unsigned v = (a->timer_dcr & 3) | ((a->timer_dcr >> 1) & 4);

	return 1u << ((v + 1) & 7); /* 0b111 divides by 1 */
}

static uint64_t counts_to_cycles(const struct lapic *a, uint64_t counts)
{
	return counts * timer_divisor(a) * v3_host->cpu_khz() / BUS_KHZ;
}

static uint32_t timer_mode(const struct lapic *a)
{
	return LVT_TIMER_MODE(a->lvt[LVT_TIMER]);
}

static void accept_vector(struct lapic *a, uint8_t vector, bool level);

static void timer_stop(struct lapic *a)
{
	v3_timer_cancel(a->dev->vm, &a->timer);
	a->timer_period = 0;
}

/* Initial count written, or the mode changed: count down from ICR. */
static void timer_load(struct lapic *a)
{
	timer_stop(a);
	if (timer_mode(a) == TIMER_TSC_DEADLINE || !a->timer_icr)
		return;
	a->timer_start = v3_cycles();
	a->timer_period = counts_to_cycles(a, a->timer_icr);
	if (!a->timer_period)
		a->timer_period = 1;
	v3_timer_arm_at(a->dev->vm, &a->timer,
			a->timer_start + a->timer_period);
}

static void deadline_load(struct lapic *a)
{
	timer_stop(a);
	if (timer_mode(a) != TIMER_TSC_DEADLINE || !a->tsc_deadline)
		return;
	/* Guest TSC = host TSC + offset (the backend's TSC offset). */
	v3_timer_arm_at(a->dev->vm, &a->timer,
			a->tsc_deadline - a->dev->vm->tsc_offset);
}

static uint32_t timer_ccr(const struct lapic *a)
{
	uint64_t now = v3_cycles(), done, left;

	if (timer_mode(a) == TIMER_TSC_DEADLINE || !a->timer_period ||
	    !a->timer.armed)
		return 0;
	done = (now - a->timer_start) % a->timer_period;
	if (timer_mode(a) == TIMER_ONESHOT && now - a->timer_start >=
	    a->timer_period)
		return 0;
	left = a->timer_period - done;
	return (uint32_t)(left * BUS_KHZ / v3_host->cpu_khz() /
			  timer_divisor(a));
}

static void timer_fired(struct v3_vm *vm, void *priv)
{
	struct lapic *a = priv;
	unsigned long flags = v3_host->lock_irqsave(a->dev->lock);
	uint32_t lvt = a->lvt[LVT_TIMER];
	bool kick = false;

	(void)vm;
	if (timer_mode(a) == TIMER_PERIODIC && a->timer_period) {
		/* Next period from the previous deadline (no drift); ticks
		 * missed while the host was busy are dropped. */
		uint64_t next = a->timer.deadline + a->timer_period;
		uint64_t now = v3_cycles();

		if (next <= now)
			next = now + a->timer_period;
		a->timer_start = next - a->timer_period;
		v3_timer_arm_at(a->dev->vm, &a->timer, next);
	} else if (timer_mode(a) == TIMER_TSC_DEADLINE) {
		a->tsc_deadline = 0;
	}
	if (!(lvt & LVT_MASKED)) {
		accept_vector(a, lvt & 0xff, false);
		kick = true;
	}
	v3_host->unlock_irqrestore(a->dev->lock, flags);
	if (kick)
		v3_vcpu_kick(a->vcpu);
}

/* ---- accepting interrupts ---------------------------------------------- */

static void accept_vector(struct lapic *a, uint8_t vector, bool level)
{
	if (vector < 16) {
		a->esr_pending |= ESR_RECV_ILLEGAL_VECTOR;
		return;
	}
	vec_set(a->irr, vector);
	if (level)
		vec_set(a->tmr, vector);
	else
		vec_clear(a->tmr, vector);
}

/* Power-on / INIT state (SDM vol. 3 §11.4.7.1); INIT keeps the ID and
 * IA32_APIC_BASE. */
void lapic_reset_regs(struct lapic *a)
{
	int i;

	timer_stop(a);
	a->tpr = 0;
	/* The x2APIC LDR is derived from the ID and read-only. */
	a->ldr = lapic_x2apic_mode(a) ? lapic_x2apic_ldr(a->id) : 0;
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	a->esr = a->esr_pending = 0;
	a->icr_lo = a->icr_hi = 0;
	for (i = 0; i < LVT_N; i++)
		a->lvt[i] = LVT_MASKED;
	/* The BSP comes up in virtual wire mode, LINT0 = ExtINT, as QEMU's
	 * and KVM's do: PIC interrupts reach it before the BIOS has
	 * programmed the APIC. */
	if (a->vcpu->id == 0)
		a->lvt[LVT_LINT0] = V3_APIC_DM_EXTINT << 8;
	v3_memset(a->irr, 0, sizeof(a->irr));
	v3_memset(a->isr, 0, sizeof(a->isr));
	v3_memset(a->tmr, 0, sizeof(a->tmr));
	a->timer_icr = a->timer_dcr = 0;
	a->tsc_deadline = 0;
	a->vcpu->state.cr8 = 0;
	lapic_update_extint(a);
}

static void lapic_power_on(struct lapic *a)
{
	a->id = (uint32_t)a->vcpu->id;
	a->apic_base = LAPIC_GPA | APIC_BASE_ENABLE |
		       (a->vcpu->id == 0 ? APIC_BASE_BSP : 0);
	lapic_reset_regs(a);
}

static bool logical_match(const struct lapic *a, const struct v3_apic_msg *m)
{
	uint8_t ldr = a->ldr >> 24, dest = (uint8_t)m->dest;

	/* x2APIC: cluster in bits 31:16, a member bitmap in 15:0 (SDM
	 * vol. 3 §11.12.10.2); an xAPIC-format destination reaches an
	 * x2APIC only as the broadcast. */
	if (lapic_x2apic_mode(a)) {
		if (!m->x2apic)
			return dest == 0xff;
		return m->dest == 0xffffffffu ||
		       ((m->dest >> 16) == (a->ldr >> 16) &&
			(m->dest & a->ldr & 0xffff) != 0);
	}
	if (dest == 0xff)
		return true;
	if ((a->dfr >> 28) == DFR_FLAT)
		return (ldr & dest) != 0;
	/* Cluster model: cluster in bits 7:4, members in bits 3:0. */
	return (ldr >> 4) == (dest >> 4) && (ldr & dest & 0xf) != 0;
}

static bool is_target(const struct lapic *a, const struct v3_apic_msg *m)
{
	switch (m->shorthand) {
	case V3_APIC_SH_SELF: return a->vcpu->id == m->src;
	case V3_APIC_SH_ALL: return true;
	case V3_APIC_SH_ALL_BUT_ME: return a->vcpu->id != m->src;
	}
	if (m->logical)
		return logical_match(a, m);
	if (m->x2apic)
		return m->dest == 0xffffffffu || a->id == m->dest;
	return m->dest == 0xff || a->id == m->dest;
}

/* What one APIC does with a message; returns true to kick its vcpu. */
static bool receive(struct lapic *a, const struct v3_apic_msg *m)
{
	switch (m->delivery) {
	case V3_APIC_DM_FIXED:
	case V3_APIC_DM_LOWEST:
		accept_vector(a, m->vector, m->level);
		return true;
	case V3_APIC_DM_NMI:
		v3_vcpu_send_nmi(a->vcpu);
		return false;
	case V3_APIC_DM_INIT:
		/* INIT level de-assert only synchronises arbitration IDs
		 * on old processors (SDM vol. 3 §11.6.1). */
		if (m->level && !m->assert)
			return false;
		lapic_reset_regs(a);
		v3_vcpu_send_init(a->vcpu);
		return false;
	case V3_APIC_DM_SIPI:
		/* Only a processor waiting for it takes a SIPI. */
		if (a->vcpu->wait_for_sipi || a->vcpu->init_pending)
			v3_vcpu_send_sipi(a->vcpu, m->vector);
		return false;
	}
	return false; /* SMI, ExtINT over the bus: not modelled */
}

static int lapic_deliver(struct v3_vm *vm, void *priv,
			 const struct v3_apic_msg *m)
{
	struct lapic_dev *d = priv;
	unsigned long flags = v3_host->lock_irqsave(d->lock);
	struct lapic *kick[V3_CFG_MAX_VCPUS];
	struct lapic *lowest = NULL;
	int i, nkick = 0, taken = 0;

	(void)vm;
	for (i = 0; i < d->n; i++) {
		struct lapic *a = &d->apic[i];

		if (!is_target(a, m))
			continue;
		/* Lowest priority goes to one target: the one with the
		 * lowest TPR, the first of equals (SDM vol. 3 §11.6.2.4
		 * leaves the choice to the chipset). */
		if (m->delivery == V3_APIC_DM_LOWEST) {
			if (!lowest || (a->tpr & 0xf0) < (lowest->tpr & 0xf0))
				lowest = a;
			continue;
		}
		taken++;
		if (receive(a, m) && nkick < V3_CFG_MAX_VCPUS)
			kick[nkick++] = a;
	}
	if (lowest) {
		taken++;
		if (receive(lowest, m))
			kick[nkick++] = lowest;
	}
	v3_host->unlock_irqrestore(d->lock, flags);
	for (i = 0; i < nkick; i++)
		v3_vcpu_kick(kick[i]->vcpu);
	return taken;
}

static const struct v3_apic_bus_rx lapic_rx = {.deliver = lapic_deliver};

/* ---- the core's interrupt controller interface ------------------------- */

static int lapic_pending(struct v3_vcpu *vcpu, void *priv)
{
	struct lapic_dev *d = priv;
	struct lapic *a = &d->apic[vcpu->id];
	unsigned long flags = v3_host->lock_irqsave(d->lock);
	int v = -1;

	sync_cr8(a);
	if (sw_enabled(a)) {
		v = vec_highest(a->irr);
		if (v >= 0 && ((uint32_t)v & 0xf0) <= (ppr(a) & 0xf0))
			v = -1;
	}
	v3_host->unlock_irqrestore(d->lock, flags);
	return v;
}

static void lapic_ack(struct v3_vcpu *vcpu, void *priv, int vector)
{
	struct lapic_dev *d = priv;
	struct lapic *a = &d->apic[vcpu->id];
	unsigned long flags = v3_host->lock_irqsave(d->lock);

	vec_clear(a->irr, (unsigned)vector);
	vec_set(a->isr, (unsigned)vector);
	v3_host->unlock_irqrestore(d->lock, flags);
}

static const struct v3_intr_ctrl lapic_ctrl = {
	.pending = lapic_pending,
	.ack = lapic_ack,
};

/* ---- registers ---------------------------------------------------------- */

uint32_t lapic_reg_read(struct lapic *a, uint32_t reg)
{
	if (reg >= REG_ISR && reg < REG_ISR + 0x80)
		return a->isr[(reg - REG_ISR) / 16];
	if (reg >= REG_TMR && reg < REG_TMR + 0x80)
		return a->tmr[(reg - REG_TMR) / 16];
	if (reg >= REG_IRR && reg < REG_IRR + 0x80)
		return a->irr[(reg - REG_IRR) / 16];
	if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR)
		return a->lvt[(reg - REG_LVT_TIMER) / 16];
	switch (reg) {
	case REG_ID: return a->id << 24;
	case REG_VERSION: return VERSION_VALUE;
	case REG_TPR: return a->tpr;
	case REG_APR: return 0;
	case REG_PPR: return ppr(a);
	case REG_EOI: return 0;
	case REG_RRD: return 0;
	case REG_LDR: return a->ldr;
	case REG_DFR: return a->dfr;
	case REG_SVR: return a->svr;
	case REG_ESR: return a->esr;
	case REG_ICR_LO: return a->icr_lo;
	case REG_ICR_HI: return a->icr_hi;
	case REG_TIMER_ICR: return a->timer_icr;
	case REG_TIMER_CCR: return timer_ccr(a);
	case REG_TIMER_DCR: return a->timer_dcr;
	}
	a->esr_pending |= ESR_ILLEGAL_REGISTER;
	return 0;
}

/* EOI: retire the highest vector in service; a level-triggered one is
 * broadcast to the I/O APIC (returned in *level_vector, else -1). */
static void do_eoi(struct lapic *a, int *level_vector)
{
	int v = vec_highest(a->isr);

	*level_vector = -1;
	if (v < 0)
		return;
	vec_clear(a->isr, (unsigned)v);
	if (vec_test(a->tmr, (unsigned)v)) {
		vec_clear(a->tmr, (unsigned)v);
		*level_vector = v;
	}
}

/* An ICR low write sends the IPI; returns true with *msg filled. */
static bool icr_send(struct lapic *a, struct v3_apic_msg *msg)
{
	uint32_t lo = a->icr_lo;

	msg->vector = lo & 0xff;
	msg->delivery = (lo >> 8) & 7;
	msg->logical = lo & ICR_LOGICAL;
	msg->assert = lo & ICR_LEVEL_ASSERT;
	msg->level = lo & ICR_TRIGGER_LEVEL;
	msg->shorthand = (lo >> 18) & 3;
	/* x2APIC: all of ICR[63:32] is the destination (SDM vol. 3
	 * §11.12.9). */
	msg->x2apic = lapic_x2apic_mode(a);
	msg->dest = msg->x2apic ? a->icr_hi : a->icr_hi >> 24;
	msg->src = a->vcpu->id;
	if ((msg->delivery == V3_APIC_DM_FIXED ||
	     msg->delivery == V3_APIC_DM_LOWEST) && msg->vector < 16) {
		a->esr_pending |= ESR_SEND_ILLEGAL_VECTOR;
		return false;
	}
	/* Fixed IPIs are edge triggered whatever the trigger bit says. */
	if (msg->delivery != V3_APIC_DM_INIT)
		msg->level = false;
	return true;
}

void lapic_reg_write(struct lapic *a, uint32_t reg, uint32_t v,
		     struct lapic_write_fx *fx)
{
	int i;

	if (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR) {
		int n = (reg - REG_LVT_TIMER) / 16;
		uint32_t old_mode = timer_mode(a);

		v &= lapic_lvt_writable[n];
		if (!(a->svr & SVR_ENABLE))
			v |= LVT_MASKED; /* SDM vol. 3 §11.4.7.2 */
		a->lvt[n] = v | (a->lvt[n] & ~lapic_lvt_writable[n] & ~LVT_MASKED);
		if (n == LVT_TIMER && timer_mode(a) != old_mode) {
			timer_stop(a);
			a->tsc_deadline = 0;
		}
		if (n == LVT_LINT0)
			lapic_update_extint(a);
		return;
	}
	switch (reg) {
	case REG_ID: a->id = v >> 24; return;
	case REG_TPR: set_tpr(a, v); return;
	case REG_EOI: do_eoi(a, &fx->eoi_vector); return;
	case REG_LDR: a->ldr = v & 0xff000000u; return;
	case REG_DFR: a->dfr = (v & DFR_WRITABLE) | ~DFR_WRITABLE; return;
	case REG_SVR:
		a->svr = v & SVR_WRITABLE;
		if (!(a->svr & SVR_ENABLE)) {
			for (i = 0; i < LVT_N; i++)
				a->lvt[i] |= LVT_MASKED;
			lapic_update_extint(a);
		}
		return;
	case REG_ESR:
		/* A write latches the errors seen since the last one. */
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		return;
	case REG_ICR_LO:
		a->icr_lo = v & ICR_LO_WRITABLE;
		fx->send = icr_send(a, &fx->msg);
		return;
	case REG_ICR_HI: a->icr_hi = v & 0xff000000u; return;
	case REG_TIMER_ICR:
		a->timer_icr = v;
		timer_load(a);
		return;
	case REG_TIMER_DCR: a->timer_dcr = v & DCR_WRITABLE; return;
	case REG_VERSION:
	case REG_APR:
	case REG_PPR:
	case REG_RRD:
	case REG_TIMER_CCR:
		return; /* read-only */
	}
	if ((reg >= REG_ISR && reg < REG_IRR + 0x80))
		return; /* read-only bitmaps */
	a->esr_pending |= ESR_ILLEGAL_REGISTER;
}

static int lapic_mmio(struct v3_vcpu *vcpu, struct v3_access *acc,
		      void *priv)
{
	struct lapic_dev *d = priv;
	struct lapic *a = &d->apic[vcpu->id];
	uint32_t off = (uint32_t)(acc->addr - LAPIC_GPA);
	uint32_t reg = off & 0xff0, byte = off & 0xf;
	struct lapic_write_fx fx = {.eoi_vector = -1};
	unsigned long flags = v3_host->lock_irqsave(d->lock);

	if (lapic_x2apic_mode(a)) {
		/* The page is not the APIC in x2APIC mode (SDM vol. 3
		 * §11.12.1.2): reads see zeros, writes go nowhere. */
		if (!acc->write)
			acc->val[0] = 0;
	} else if (!acc->write) {
		/* Registers sit in the low 4 bytes of each 16-byte slot. */
		uint64_t v = byte < 4 ? lapic_reg_read(a, reg) >> (byte * 8) : 0;

		acc->val[0] =
		    acc->len >= 8 ? v : v & ((1ull << (acc->len * 8)) - 1);
	} else if (byte == 0 && acc->len >= 4) {
		lapic_reg_write(a, reg, (uint32_t)acc->val[0], &fx);
	}
	v3_host->unlock_irqrestore(d->lock, flags);
	lapic_write_done(d, &fx);
	return 0;
}

void lapic_write_done(struct lapic_dev *d, const struct lapic_write_fx *fx)
{
	if (fx->eoi_vector >= 0)
		v3_apic_bus_eoi(d->vm, (uint8_t)fx->eoi_vector);
	if (fx->send)
		v3_apic_bus_send(d->vm, &fx->msg);
}

/* ---- MSRs and CPUID ----------------------------------------------------- */

static int lapic_msr(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct lapic_dev *d = priv;
	struct lapic *a = &d->apic[vcpu->id];
	unsigned long flags = v3_host->lock_irqsave(d->lock);
	int r = 0;

	if (acc->addr == MSR_APIC_BASE) {
		if (!acc->write)
			acc->val[0] = a->apic_base;
		else
			r = lapic_set_apic_base(a, acc->val[0]);
	} else if (!acc->write) {
		acc->val[0] = a->tsc_deadline;
	} else {
		/* Ignored unless the timer is in TSC-deadline mode
		 * (SDM vol. 3 §11.5.4.1). */
		if (timer_mode(a) == TIMER_TSC_DEADLINE) {
			a->tsc_deadline = acc->val[0];
			deadline_load(a);
		}
	}
	v3_host->unlock_irqrestore(d->lock, flags);
	return r;
}

static int lapic_cpuid(struct v3_vcpu *vcpu, struct v3_access *acc,
		       void *priv)
{
	struct lapic_dev *d = priv;

	/* CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN (SDM vol. 3
	 * §11.4.3). */
	if (d->apic[vcpu->id].apic_base & APIC_BASE_ENABLE)
		acc->val[3] |= CPUID1_EDX_APIC;
	acc->val[2] |= CPUID1_ECX_DEADLINE;
	if (d->x2apic)
		acc->val[2] |= CPUID1_ECX_X2APIC;
	return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int lapic_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			void **priv, char *err, size_t errlen)
{
	struct lapic_dev *d = v3_vm_zalloc(vm, sizeof(*d));
	uint64_t x2apic;
	int i;

	*priv = d;
	if (!d)
		return -1;
	if (v3_dev_opt_u64(cfg, "x2apic", 0, &x2apic, err, errlen) != 0)
		return -1;
	if (x2apic > 1) {
		v3_snprintf(err, errlen, "line %d: lapic: x2apic=%llu, want 0 "
			    "or 1", cfg->line, (unsigned long long)x2apic);
		return -1;
	}
	d->x2apic = x2apic;
	d->vm = vm;
	d->lock = v3_host->lock_alloc();
	d->apic = v3_vm_zalloc(vm, (size_t)vm->nvcpus * sizeof(*d->apic));
	if (!d->lock || !d->apic || vm->nvcpus < 1) {
		v3_snprintf(err, errlen, "line %d: lapic: out of memory",
			    cfg->line);
		return -1;
	}
	d->n = vm->nvcpus;
	for (i = 0; i < d->n; i++) {
		struct lapic *a = &d->apic[i];

		a->dev = d;
		a->vcpu = vm->vcpus[i];
		a->timer.fn = timer_fired;
		a->timer.priv = a;
		lapic_power_on(a);
	}
	if (v3_hook_add(vm, V3_HOOK_MMIO, LAPIC_GPA, LAPIC_GPA + LAPIC_SIZE - 1,
			lapic_mmio, d) ||
	    v3_hook_add(vm, V3_HOOK_MSR, MSR_APIC_BASE, MSR_APIC_BASE,
			lapic_msr, d) ||
	    v3_hook_add(vm, V3_HOOK_MSR, MSR_TSC_DEADLINE, MSR_TSC_DEADLINE,
			lapic_msr, d) ||
	    v3_hook_add(vm, V3_HOOK_CPUID, 1, 1, lapic_cpuid, d) ||
	    (d->x2apic && lapic_x2apic_attach(vm, d))) {
		v3_snprintf(err, errlen, "line %d: lapic: 0xfee00000, MSR "
			    "0x1b/0x6e0/0x800-0x8ff or CPUID leaf 1 already "
			    "hooked",
			    cfg->line);
		return -1;
	}
	if (v3_intr_add_ctrl(vm, &lapic_ctrl, d) != 0 ||
	    v3_apic_bus_attach_lapics(vm, &lapic_rx, d) != 0) {
		v3_snprintf(err, errlen, "line %d: lapic: configured twice or "
			    "too many interrupt controllers", cfg->line);
		return -1;
	}
	return 0;
}

static void lapic_reset(struct v3_vm *vm, void *priv)
{
	struct lapic_dev *d = priv;
	unsigned long flags = v3_host->lock_irqsave(d->lock);
	int i;

	(void)vm;
	for (i = 0; i < d->n; i++)
		lapic_power_on(&d->apic[i]);
	v3_host->unlock_irqrestore(d->lock, flags);
}

static void lapic_destroy(struct v3_vm *vm, void *priv)
{
	struct lapic_dev *d = priv;
	int i;

	if (d->apic) {
		for (i = 0; i < d->n; i++) {
			v3_timer_cancel(vm, &d->apic[i].timer);
			d->apic[i].vcpu->extint_masked = false;
		}
		v3_vm_free(vm, d->apic, (size_t)vm->nvcpus * sizeof(*d->apic));
	}
	if (d->lock)
		v3_host->lock_free(d->lock);
	v3_vm_free(vm, d, sizeof(*d));
}

V3_DEVICE(lapic_device, .name = "lapic", .create = lapic_create,
	  .destroy = lapic_destroy, .reset = lapic_reset);
