/* hpet.c - the High Precision Event Timer of the IA-PC HPET specification
 * 1.0a (Intel, October 2004): 1 KiB of registers at 0xFED00000 with a
 * 64-bit main counter at 100 MHz (period 10 ns, as QEMU's) and three
 * comparators.
 *
 * Why a PC VM wants one: Linux calibrates the TSC against a reference
 * whose read must finish within a few tens of thousands of TSC cycles
 * (arch/x86/kernel/tsc.c, tsc_read_refs).  One HPET counter read is one
 * MMIO exit; the ACPI PM timer needs three port reads.  SeaBIOS 1.16
 * emits the ACPI HPET table when the ID register reads a vendor other
 * than 0/0xffff and a period in (0, 100 ns] (src/fw/acpi.c build_hpet),
 * and its DSDT's HPET device checks the same two fields.
 *
 * Registers (spec §2.3): capabilities and ID (000h), general
 * configuration (010h: ENABLE_CNF, LEG_RT_CNF), general interrupt status
 * (020h, write 1 to clear), main counter (0F0h), and per timer n at
 * 100h + 20h*n configuration/capabilities and comparator (108h); the FSB
 * route (110h) reads 0 as no timer can deliver by FSB.  Any access of 1
 * to 8 bytes works; it is split per 64-bit register and a write changes
 * only the bytes it covers, so 32-bit guests use the two halves.
 *
 * Time: the counter runs only while ENABLE_CNF is set and is computed
 * from the host cycle counter on every read: value at the last start +
 * elapsed cycles scaled to 100 MHz.  The guest may write it while the
 * counter is halted (§2.3.9.2.5 says software should only write it then;
 * writes while it runs are ignored here).
 *
 * Comparators (§2.3.9.2.2): a timer matches when the counter reaches its
 * comparator (the low 32 bits against a 32-bit comparator in 32-bit mode,
 * so those match again every 2^32 ticks).  Periodic timers then add the
 * last value written to the comparator; with VAL_SET the write sets the
 * comparator itself too (Linux writes both, then the period alone).  A
 * timer that fires late coalesces the missed periods into one interrupt,
 * as the 8254 model does.  Each timer has one v3_timer armed for its next
 * match while the counter runs.
 *
 * Interrupts: edge-triggered timers pulse their line; level-triggered
 * ones set their status bit and hold the line until the guest clears the
 * bit.  With ENABLE_CNF and LEG_RT_CNF (§2.3.9.2.1) timer 0 drives IRQ 0
 * and timer 1 IRQ 8 and the 8254's and RTC's outputs are cut off
 * (v3_irq_replace_legacy); otherwise each timer drives the GSI its route
 * field names: GSI 2 is the platform line of ISA IRQ 0 (where the I/O
 * APIC and SeaBIOS's MADT put it), others are the line of the same
 * number.  Route capabilities are GSI 2, 8 and 16-23, as on QEMU's pc.
 */
#include "device.h"
#include "irq.h"
#include "vm.h"

#define HPET_BASE 0xfed00000ull
#define HPET_SIZE 0x400
#define HPET_HZ 100000000ull	     /* 100 MHz */
#define HPET_PERIOD_FS 10000000ull   /* 10 ns in femtoseconds */
#define NTIMERS 3

/* Registers (§2.3.1). */
#define REG_CAP 0x000
#define REG_CONFIG 0x010
#define REG_STATUS 0x020
#define REG_COUNTER 0x0f0
#define REG_TIMER0 0x100
#define TIMER_STRIDE 0x20
#define TIMER_CONFIG 0x00
#define TIMER_CMP 0x08

/* General capabilities and ID (§2.3.4). */
#define CAP_REV_ID 0x01
#define CAP_NUM_TIM_SHIFT 8 /* number of the last timer */
#define CAP_COUNT_SIZE (1ull << 13)
#define CAP_LEG_RT (1ull << 15)
#define CAP_VENDOR_SHIFT 16
#define CAP_VENDOR_INTEL 0x8086ull
#define CAP_PERIOD_SHIFT 32

/* General configuration (§2.3.5). */
#define CFG_ENABLE (1ull << 0)
#define CFG_LEG_RT (1ull << 1)

/* Timer n configuration and capabilities (§2.3.8). */
#define TN_INT_TYPE_LEVEL (1ull << 1)
#define TN_INT_ENB (1ull << 2)
#define TN_TYPE_PERIODIC (1ull << 3)
#define TN_PER_INT_CAP (1ull << 4)
#define TN_SIZE_CAP (1ull << 5) /* 64-bit comparator */
#define TN_VAL_SET (1ull << 6)
#define TN_32MODE (1ull << 8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE_MASK (0x1full << TN_ROUTE_SHIFT)
#define TN_ROUTE_CAP_SHIFT 32
#define TN_WRITABLE                                                          \
	(TN_INT_TYPE_LEVEL | TN_INT_ENB | TN_TYPE_PERIODIC | TN_VAL_SET |    \
	 TN_32MODE | TN_ROUTE_MASK)
#define TN_ROUTE_CAPS 0x00ff0104ull /* GSI 2, 8, 16-23 */

#define LEGACY_TIMER0_LINE 0
#define LEGACY_TIMER1_LINE 8
#define GSI_ISA_IRQ0 2
/* Timers are armed at most this far ahead and then look again, so the
 * tick-to-cycle conversion never overflows. */
#define MAX_ARM_TICKS (1ull << 40)
/* A periodic timer re-arms itself at least this far ahead (10 us), so a
 * tiny period coalesces instead of keeping the vcpu in the timer loop. */
#define MIN_REARM_PER_SEC 100000

struct hpet;

struct hpet_timer {
	struct hpet *h;
	uint64_t config;
	uint64_t cmp;	 /* the comparator register */
	uint64_t period; /* periodic mode: added at each match */
	bool due_valid;
	uint64_t due;	 /* counter value of the next match */
	struct v3_timer timer;
};

struct hpet {
	struct v3_vm *vm;
	void *lock;
	uint64_t hz;	      /* host cycles per second */
	uint64_t config;
	uint64_t status;      /* level-triggered interrupt status */
	uint64_t count_base;  /* counter value at 'start' (or halted) */
	uint64_t start;	      /* host cycles when the counter started */
	uint32_t lines_high;  /* platform lines the timers hold high */
	uint32_t replaced;    /* legacy lines taken from the 8254/RTC */
	struct hpet_timer t[NTIMERS];
};

/* floor or ceil of x * mul / div without overflow while x / div * mul
 * fits: x = q * div + r, and r * mul stays below 2^64 for the rates
 * here (r < div <= a few GHz, mul <= a few GHz). */
static uint64_t scale(uint64_t x, uint64_t mul, uint64_t div, bool round_up)
{
	uint64_t q = x / div, r = x % div;

	return q * mul + (r * mul + (round_up ? div - 1 : 0)) / div;
}

static bool running(const struct hpet *h)
{
	return h->config & CFG_ENABLE;
}

static bool legacy(const struct hpet *h)
{
	return (h->config & (CFG_ENABLE | CFG_LEG_RT)) ==
	       (CFG_ENABLE | CFG_LEG_RT);
}

static uint64_t counter_at(const struct hpet *h, uint64_t cycles)
{
	if (!running(h))
		return h->count_base;
	return h->count_base +
	       scale(cycles > h->start ? cycles - h->start : 0, HPET_HZ, h->hz,
		     false);
}

/* First host cycle at which the counter reads 'tick' (tick > base). */
static uint64_t tick_to_cycles(const struct hpet *h, uint64_t tick)
{
	return h->start + scale(tick - h->count_base, h->hz, HPET_HZ, true);
}

static bool mode32(const struct hpet_timer *t)
{
	return t->config & TN_32MODE;
}

static int timer_index(const struct hpet_timer *t)
{
	return (int)(t - t->h->t);
}

/* ---- interrupt lines ---------------------------------------------------- */

/* -1: not connected (the power-on route 0 is not a capability). */
static int gsi_line(unsigned gsi)
{
	if (!(TN_ROUTE_CAPS & (1ull << gsi)))
		return -1;
	return gsi == GSI_ISA_IRQ0 ? 0 : (int)gsi;
}

static int timer_line(const struct hpet_timer *t)
{
	int n = timer_index(t);

	if (legacy(t->h) && n == 0)
		return LEGACY_TIMER0_LINE;
	if (legacy(t->h) && n == 1)
		return LEGACY_TIMER1_LINE;
	return gsi_line((t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT);
}

static bool timer_asserts(const struct hpet_timer *t)
{
	uint64_t bit = 1ull << timer_index(t);

	return running(t->h) && (t->config & TN_INT_ENB) &&
	       (t->config & TN_INT_TYPE_LEVEL) && (t->h->status & bit);
}

/* Bring the platform lines in line with the configuration and status:
 * legacy replacement first, then every level a timer holds.  Called
 * with the lock held, as the RTC model raises its line. */
static void update_lines(struct hpet *h)
{
	uint32_t want_replaced = 0, high = 0, changed;
	int i, line;

	if (legacy(h))
		want_replaced = 1u << LEGACY_TIMER0_LINE |
				1u << LEGACY_TIMER1_LINE;
	if (want_replaced != h->replaced) {
		/* Lines changing hands start low (see irq.h). */
		h->lines_high &= ~(want_replaced ^ h->replaced);
		h->replaced = want_replaced;
		v3_irq_replace_legacy(h->vm, want_replaced);
	}
	for (i = 0; i < NTIMERS; i++) {
		line = timer_line(&h->t[i]);
		if (line >= 0 && timer_asserts(&h->t[i]))
			high |= 1u << line;
	}
	changed = high ^ h->lines_high;
	h->lines_high = high;
	for (line = 0; line < V3_IRQ_LINES; line++)
		if (changed & (1u << line))
			v3_irq_set(h->vm, line, high & (1u << line));
}

/* One comparator match (§2.3.9.2.2 one-shot and periodic). */
static void timer_match(struct hpet_timer *t)
{
	struct hpet *h = t->h;
	int line = timer_line(t);

	if (t->config & TN_INT_TYPE_LEVEL) {
		h->status |= 1ull << timer_index(t);
		return; /* update_lines() raises the line */
	}
	/* A line a level-triggered timer holds high sees no edge. */
	if (running(h) && (t->config & TN_INT_ENB) && line >= 0 &&
	    !(h->lines_high & (1u << line)))
		v3_irq_pulse(h->vm, line);
}

/* ---- comparators -------------------------------------------------------- */

/* The counter value of the first match after 'now', from the registers. */
static void timer_reprogram(struct hpet_timer *t, uint64_t now)
{
	uint32_t ahead;

	t->due_valid = false;
	if (!running(t->h))
		return;
	if (mode32(t)) {
		ahead = (uint32_t)t->cmp - (uint32_t)now;
		t->due = now + (ahead ? ahead : 1ull << 32);
		t->due_valid = true;
	} else if (t->cmp > now) {
		t->due = t->cmp;
		t->due_valid = true;
	}
}

/* Arm for the next match, not before host cycle 'earliest'. */
static void timer_arm_after(struct hpet_timer *t, uint64_t now,
			    uint64_t earliest)
{
	struct hpet *h = t->h;
	uint64_t tick, deadline;

	if (!t->due_valid) {
		v3_timer_cancel(h->vm, &t->timer);
		return;
	}
	tick = t->due - now > MAX_ARM_TICKS ? now + MAX_ARM_TICKS : t->due;
	deadline = tick_to_cycles(h, tick);
	v3_timer_arm_at(h->vm, &t->timer,
			deadline > earliest ? deadline : earliest);
}

static void timer_arm(struct hpet_timer *t, uint64_t now)
{
	timer_arm_after(t, now, 0);
}

/* Handle the matches up to 'now' and find the next one. */
static void timer_catch_up(struct hpet_timer *t, uint64_t now)
{
	uint64_t missed;

	if (!t->due_valid || now < t->due)
		return;
	timer_match(t);
	if ((t->config & TN_TYPE_PERIODIC) && t->period) {
		/* Missed periods fold into this one match. */
		missed = (now - t->due) / t->period;
		t->due += (missed + 1) * t->period;
		t->cmp = mode32(t) ? (uint32_t)t->due : t->due;
	} else if (mode32(t)) {
		/* The low 32 bits come round again. */
		t->due += (now - t->due) / (1ull << 32) * (1ull << 32) +
			  (1ull << 32);
	} else {
		t->due_valid = false;
	}
}

static void catch_up_all(struct hpet *h, uint64_t now)
{
	int i;

	for (i = 0; i < NTIMERS; i++) {
		bool was = h->t[i].due_valid;
		uint64_t due = h->t[i].due;

		timer_catch_up(&h->t[i], now);
		if (was != h->t[i].due_valid || due != h->t[i].due)
			timer_arm(&h->t[i], now);
	}
}

static void hpet_timer_fire(struct v3_vm *vm, void *priv)
{
	struct hpet_timer *t = priv;
	struct hpet *h = t->h;
	unsigned long flags = v3_host->lock_irqsave(h->lock);
	uint64_t cycles = v3_cycles(), now = counter_at(h, cycles);

	(void)vm;
	timer_catch_up(t, now);
	timer_arm_after(t, now, cycles + h->hz / MIN_REARM_PER_SEC);
	update_lines(h);
	v3_host->unlock_irqrestore(h->lock, flags);
}

/* ---- registers ---------------------------------------------------------- */

static uint64_t cap_id(void)
{
	return CAP_REV_ID | (uint64_t)(NTIMERS - 1) << CAP_NUM_TIM_SHIFT |
	       CAP_COUNT_SIZE | CAP_LEG_RT |
	       CAP_VENDOR_INTEL << CAP_VENDOR_SHIFT |
	       HPET_PERIOD_FS << CAP_PERIOD_SHIFT;
}

static uint64_t timer_caps(void)
{
	return TN_PER_INT_CAP | TN_SIZE_CAP | TN_ROUTE_CAPS
						 << TN_ROUTE_CAP_SHIFT;
}

static struct hpet_timer *timer_at(struct hpet *h, unsigned reg)
{
	unsigned n;

	if (reg < REG_TIMER0)
		return NULL;
	n = (reg - REG_TIMER0) / TIMER_STRIDE;
	return n < NTIMERS ? &h->t[n] : NULL;
}

static uint64_t read_reg(struct hpet *h, unsigned reg, uint64_t now)
{
	struct hpet_timer *t = timer_at(h, reg);

	if (t) {
		switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
		case TIMER_CONFIG:
			return t->config | timer_caps();
		case TIMER_CMP:
			return t->cmp;
		}
		return 0; /* FSB route: no FSB delivery */
	}
	switch (reg) {
	case REG_CAP:
		return cap_id();
	case REG_CONFIG:
		return h->config;
	case REG_STATUS:
		return h->status;
	case REG_COUNTER:
		return now;
	}
	return 0;
}

static void write_config(struct hpet *h, uint64_t val, uint64_t now,
			 uint64_t cycles)
{
	uint64_t old = h->config;
	int i;

	h->config = val & (CFG_ENABLE | CFG_LEG_RT);
	if ((old ^ h->config) & CFG_ENABLE) {
		/* Halt or start the counter where it stands. */
		h->count_base = now;
		h->start = cycles;
		for (i = 0; i < NTIMERS; i++) {
			timer_reprogram(&h->t[i], now);
			timer_arm(&h->t[i], now);
		}
	}
}

static void write_timer_config(struct hpet_timer *t, uint64_t val,
			       uint64_t now)
{
	uint64_t route = (val & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;

	/* An unsupported route reads back unchanged (§2.3.8, INT_ROUTE). */
	if (!(TN_ROUTE_CAPS & (1ull << route)))
		val = (val & ~TN_ROUTE_MASK) | (t->config & TN_ROUTE_MASK);
	t->config = val & TN_WRITABLE;
	if (mode32(t)) {
		t->cmp = (uint32_t)t->cmp;
		t->period = (uint32_t)t->period;
	}
	timer_reprogram(t, now);
	timer_arm(t, now);
}

/* 'mask' has ones in the bytes the guest wrote. */
static void write_cmp(struct hpet_timer *t, uint64_t val, uint64_t mask,
		      uint64_t now)
{
	bool periodic = t->config & TN_TYPE_PERIODIC;

	if (mode32(t))
		mask &= 0xffffffffull;
	if (!periodic || (t->config & TN_VAL_SET))
		t->cmp = (t->cmp & ~mask) | (val & mask);
	if (periodic)
		t->period = (t->period & ~mask) | (val & mask);
	t->config &= ~TN_VAL_SET;
	timer_reprogram(t, now);
	timer_arm(t, now);
}

static void write_reg(struct hpet *h, unsigned reg, uint64_t val,
		      uint64_t mask, uint64_t now, uint64_t cycles)
{
	struct hpet_timer *t = timer_at(h, reg);
	uint64_t old = read_reg(h, reg, now);
	uint64_t merged = (old & ~mask) | (val & mask);

	if (t) {
		switch ((reg - REG_TIMER0) % TIMER_STRIDE) {
		case TIMER_CONFIG:
			write_timer_config(t, merged, now);
			break;
		case TIMER_CMP:
			write_cmp(t, val, mask, now);
			break;
		}
		return;
	}
	switch (reg) {
	case REG_CONFIG:
		write_config(h, merged, now, cycles);
		break;
	case REG_STATUS:
		h->status &= ~(val & mask);
		break;
	case REG_COUNTER:
		if (!running(h)) /* no timer is armed while halted */
			h->count_base = merged;
		break;
	}
}

static int hpet_mmio(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct hpet *h = priv;
	unsigned off = (unsigned)(acc->addr - HPET_BASE), done = 0;
	unsigned long flags;
	uint64_t cycles, now, result = 0;

	(void)vcpu;
	if (acc->len == 0 || acc->len > 8)
		return -1;
	flags = v3_host->lock_irqsave(h->lock);
	cycles = v3_cycles();
	now = counter_at(h, cycles);
	catch_up_all(h, now);
	/* One 64-bit register at a time; bytes past the block read 0. */
	while (done < acc->len) {
		unsigned at = off + done, reg = at & ~7u, shift = (at & 7) * 8;
		unsigned n = 8 - (at & 7);
		uint64_t mask;

		if (n > acc->len - done)
			n = acc->len - done;
		mask = (n == 8 ? ~0ull : ((1ull << (n * 8)) - 1)) << shift;
		if (at >= HPET_SIZE)
			break;
		if (acc->write)
			write_reg(h, reg, (acc->val[0] >> (done * 8)) << shift,
				  mask, now, cycles);
		else
			result |= ((read_reg(h, reg, now) & mask) >> shift)
				  << (done * 8);
		done += n;
	}
	update_lines(h);
	v3_host->unlock_irqrestore(h->lock, flags);
	if (!acc->write)
		acc->val[0] = result;
	return 0;
}

/* ---- lifecycle ---------------------------------------------------------- */

/* Power-on state (§2.3): halted at 0, timers off, edge, comparators all
 * ones. */
static void hpet_power_on(struct v3_vm *vm, void *priv)
{
	struct hpet *h = priv;
	unsigned long flags = v3_host->lock_irqsave(h->lock);
	int i;

	h->config = 0;
	h->status = 0;
	h->count_base = 0;
	h->start = v3_cycles();
	for (i = 0; i < NTIMERS; i++) {
		struct hpet_timer *t = &h->t[i];

		v3_timer_cancel(vm, &t->timer);
		t->config = 0;
		t->cmp = ~0ull;
		t->period = 0;
		t->due_valid = false;
	}
	update_lines(h);
	v3_host->unlock_irqrestore(h->lock, flags);
}

static int hpet_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		       void **priv, char *err, size_t errlen)
{
	struct hpet *h = v3_vm_zalloc(vm, sizeof(*h));
	int i;

	*priv = h;
	if (!h)
		return -1;
	h->vm = vm;
	h->hz = v3_host->cpu_khz() * 1000;
	for (i = 0; i < NTIMERS; i++) {
		h->t[i].h = h;
		h->t[i].cmp = ~0ull;
		h->t[i].timer.fn = hpet_timer_fire;
		h->t[i].timer.priv = &h->t[i];
	}
	h->lock = v3_host->lock_alloc();
	if (!h->lock || !h->hz) {
		v3_snprintf(err, errlen, "line %d: hpet: no lock or no cycle "
			    "rate", cfg->line);
		return -1;
	}
	if (v3_hook_add(vm, V3_HOOK_MMIO, HPET_BASE, HPET_BASE + HPET_SIZE - 1,
			hpet_mmio, h)) {
		v3_snprintf(err, errlen, "line %d: hpet: 0x%llx is taken",
			    cfg->line, V3_ULL(HPET_BASE));
		return -1;
	}
	return 0;
}

static void hpet_destroy(struct v3_vm *vm, void *priv)
{
	struct hpet *h = priv;
	int i;

	/* The lines go with the VM: the interrupt controllers may be gone
	 * already, so they are not touched here. */
	for (i = 0; i < NTIMERS; i++)
		v3_timer_cancel(vm, &h->t[i].timer);
	if (h->lock)
		v3_host->lock_free(h->lock);
	v3_vm_free(vm, h, sizeof(*h));
}

V3_DEVICE(hpet_device, .name = "hpet", .create = hpet_create,
	  .destroy = hpet_destroy, .reset = hpet_power_on);
