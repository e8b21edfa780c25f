/* pit8254.c - the Intel 8254 programmable interval timer at 0x40-0x43
 * and the PC's port 0x61, which gates channel 2 and reads its output.
 *
 * Bits and mode behaviour follow the Intel 8254 datasheet (order
 * 231164-005): the control word, counter latch and read-back commands,
 * the status byte and modes 0-5.  Port 0x61 follows the PIIX3 datasheet
 * (NMI Status and Control register).
 *
 * Time: the counters run on 1.193182 MHz derived from the host cycle
 * counter, counted in whole PIT ticks since the device was created, so
 * a count read, OUT and the interrupt schedule all come from one clock.
 * Nothing ticks: every read computes the counter from the elapsed time.
 * SeaBIOS and Linux calibrate the TSC by spinning on OUT2 in mode 0 (port
 * 0x61 bit 5), so OUT2 goes high exactly N+1 ticks after the count is
 * written, as the datasheet says (one tick loads the count).
 *
 * Channel 0 drives IRQ 0 through one v3_timer armed for the next rising
 * edge of OUT0.  When the guest lags (the timer fires late), the missed
 * edges are coalesced into one pulse and the timer is re-armed for the
 * next edge after now.  Channel 1 (DRAM refresh on old PCs) is
 * programmable but drives nothing; the speaker is silent.
 */
#include "device.h"
#include "irq.h"
#include "vm.h"

#define PIT_HZ 1193182ull
#define PIT_IRQ 0
#define PIT_PORT 0x40
#define PORT_61 0x61
/* Refresh request period, 15.085 us: port 0x61 bit 4 toggles with it. */
#define REFRESH_TICKS 18

/* Control word: SC1-SC0 (7-6), RW1-RW0 (5-4), M2-M0 (3-1), BCD (0). */
#define CW_SC(v) ((v) >> 6)
#define CW_RW(v) (((v) >> 4) & 3)
#define CW_MODE(v) (((v) >> 1) & 7)
#define CW_BCD 0x01
#define SC_READBACK 3
#define RW_LATCH 0
#define RW_LSB 1
#define RW_MSB 2
#define RW_WORD 3
/* Read-back: bit 5 clear latches counts, bit 4 clear latches status,
 * bits 3-1 select counters 2-0. */
#define RB_NO_COUNT 0x20
#define RB_NO_STATUS 0x10
/* Status byte: OUT (7), NULL COUNT (6), then RW, mode and BCD as in the
 * control word. */
#define ST_OUT 0x80
#define ST_NULL 0x40

/* Port 0x61: bits 3-0 read back as written. */
#define P61_GATE2 0x01 /* timer counter 2 enable */
#define P61_WRITABLE 0x0f
#define P61_REFRESH 0x10
#define P61_OUT2 0x20

struct pit_channel {
	uint8_t mode;	   /* 0-5 (6 and 7 alias 2 and 3) */
	uint8_t mode_bits; /* M2-M0 as written, for the status byte */
	uint8_t rw;
	bool bcd;
	bool gate;
	bool cr_written; /* a count arrived since the control word */
	bool loaded;	 /* the counting element holds a count */
	bool counting;	 /* not stopped by the gate */
	bool null_count;
	uint32_t cr;	 /* count register, 1..65536 (10000 in BCD) */
	uint32_t count;	 /* value the counting element started from */
	uint64_t start;	 /* PIT tick the count began */
	uint64_t paused_elapsed;
	bool reload_pending; /* modes 2/3: cr takes over at reload_at */
	uint64_t reload_at;
	bool write_msb_next;
	uint8_t write_lsb;
	bool read_msb_next;
	bool count_latched;
	bool latch_msb_next;
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit {
	struct v3_vm *vm;
	void *lock;
	uint64_t hz;	/* host cycles per second */
	uint64_t epoch; /* host cycles at PIT tick 0 */
	struct pit_channel ch[3];
	uint8_t port61;
	struct v3_timer timer;
	uint64_t irq_tick; /* OUT0 edge the timer is armed for, 0: none */
	uint64_t irqs;
	uint64_t coalesced; /* OUT0 edges folded into a later pulse */
};

/* floor or ceil of x * mul / div without overflowing 64 bits for any
 * realistic uptime: x = q * div + r. */
static uint64_t scale(uint64_t x, uint64_t mul, uint64_t div, bool round_up)
{
	uint64_t q = x / div, r = x % div;

	return q * mul + (r * mul + (round_up ? div - 1 : 0)) / div;
}

static uint64_t pit_now(const struct pit *p)
{
	return scale(v3_cycles() - p->epoch, PIT_HZ, p->hz, false);
}

/* First host cycle at which pit_now() reaches 'tick'. */
static uint64_t tick_to_cycles(const struct pit *p, uint64_t tick)
{
	return p->epoch + scale(tick, p->hz, PIT_HZ, true);
}

static void arm_at_cycles(struct pit *p, uint64_t deadline)
{
	uint64_t now = v3_cycles(), khz = p->hz / 1000;
	uint64_t left = deadline > now ? deadline - now : 0;

	/* Round up: firing a little late is harmless, early is a wasted
	 * wake-up. */
	v3_timer_arm(p->vm, &p->timer, (left * 1000 + khz - 1) / khz);
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 |
			  (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 +
	       ((v >> 12) & 0xf) * 1000;
}

/* ---- the counting element --------------------------------------------- */

static uint64_t modulus(const struct pit_channel *ch)
{
	return ch->bcd ? 10000 : 65536;
}

/* Modes 2 and 3 need N >= 2 (a count of 1 is illegal there). */
static uint64_t period(const struct pit_channel *ch)
{
	return ch->count < 2 ? 2 : ch->count;
}

static uint64_t elapsed(const struct pit_channel *ch, uint64_t now)
{
	if (!ch->loaded)
		return 0;
	if (!ch->counting)
		return ch->paused_elapsed;
	return now > ch->start ? now - ch->start : 0;
}

/* Modes 2/3 load a count written while counting at the end of the
 * current period; do it if that moment has passed. */
static void catch_up(struct pit_channel *ch, uint64_t now)
{
	if (!ch->reload_pending || !ch->counting || now < ch->reload_at)
		return;
	ch->start = ch->reload_at;
	ch->count = ch->cr;
	ch->reload_pending = false;
	ch->null_count = false;
}

static bool out_level(const struct pit_channel *ch, uint64_t now)
{
	uint64_t e = elapsed(ch, now), n = ch->count, per = period(ch);

	if (!ch->loaded) /* mode 0 sets OUT low; the others high */
		return ch->mode != 0;
	switch (ch->mode) {
	case 0: /* interrupt on terminal count: high from N on */
	case 1: /* one-shot: low from the trigger to terminal count */
		return e >= n;
	case 2: /* rate generator: low for the tick where count is 1 */
		return !ch->gate || e % per != per - 1;
	case 3: /* square wave: high for ceil(N/2), low for floor(N/2) */
		return !ch->gate || e % per < (per + 1) / 2;
	default: /* 4, 5: strobe: low for the one tick at count 0 */
		return e != n;
	}
}

static uint16_t count_value(const struct pit_channel *ch, uint64_t now)
{
	uint64_t e = elapsed(ch, now), m = modulus(ch), per = period(ch), v;
	uint64_t pos, half;

	if (!ch->loaded) {
		v = ch->cr % m;
	} else if (ch->mode == 2) {
		v = (per - e % per) % m;
	} else if (ch->mode == 3) {
		/* Decrements by two; each half period starts again at N
		 * (rounded down to even). */
		pos = e % per;
		half = (per + 1) / 2;
		if (pos >= half)
			pos -= half;
		v = ((per & ~1ull) - 2 * pos) % m;
	} else {
		/* Modes 0, 1, 4, 5 wrap around after terminal count. */
		v = (ch->count % m + m - e % m) % m;
	}
	return ch->bcd ? to_bcd((uint32_t)v) : (uint16_t)v;
}

static void start_count(struct pit_channel *ch, uint64_t now)
{
	ch->count = ch->cr;
	ch->loaded = true;
	ch->null_count = false;
	ch->reload_pending = false;
	ch->paused_elapsed = 0;
	/* The first CLK pulse after the write loads the count. */
	ch->start = now + 1;
	ch->counting = ch->gate || ch->mode == 1 || ch->mode == 5;
}

static uint64_t next_period_end(const struct pit_channel *ch, uint64_t now)
{
	uint64_t per = period(ch);

	return ch->start + (elapsed(ch, now) / per + 1) * per;
}

static void load_count(struct pit_channel *ch, uint32_t n, uint64_t now)
{
	ch->cr = n;
	ch->cr_written = true;
	ch->null_count = true;
	switch (ch->mode) {
	case 1:
	case 5: /* hardware triggered: wait for a gate rising edge */
		return;
	case 2:
	case 3: /* a new count does not disturb the current period */
		if (ch->loaded && ch->counting) {
			ch->reload_pending = true;
			ch->reload_at = next_period_end(ch, now);
			return;
		}
		break;
	}
	start_count(ch, now);
}

static void set_gate(struct pit_channel *ch, bool level, uint64_t now)
{
	if (level == ch->gate)
		return;
	ch->gate = level;
	if (!level) {
		/* Modes 0, 2, 3, 4 stop counting while GATE is low. */
		if (ch->loaded && ch->counting && ch->mode != 1 &&
		    ch->mode != 5) {
			ch->paused_elapsed = elapsed(ch, now);
			ch->counting = false;
		}
		return;
	}
	if (ch->mode == 0 || ch->mode == 4) {
		if (ch->loaded && !ch->counting) {
			ch->start = now - ch->paused_elapsed;
			ch->counting = true;
		}
	} else if (ch->cr_written) {
		/* Modes 1, 2, 3, 5: a rising edge (re)starts from N. */
		start_count(ch, now);
	}
}

/* ---- the guest's view ------------------------------------------------- */

static uint8_t status_byte(const struct pit_channel *ch, uint64_t now)
{
	return (out_level(ch, now) ? ST_OUT : 0) |
	       (ch->null_count ? ST_NULL : 0) | ch->rw << 4 |
	       ch->mode_bits << 1 | (ch->bcd ? CW_BCD : 0);
}

/* A latch holds until read; a second latch before that is ignored. */
static void latch_count(struct pit_channel *ch, uint64_t now)
{
	if (ch->count_latched)
		return;
	ch->latch = count_value(ch, now);
	ch->count_latched = true;
	ch->latch_msb_next = false;
}

static void latch_status(struct pit_channel *ch, uint64_t now)
{
	if (ch->status_latched)
		return;
	ch->status = status_byte(ch, now);
	ch->status_latched = true;
}

static void program(struct pit_channel *ch, uint8_t val)
{
	ch->mode_bits = CW_MODE(val);
	ch->mode = ch->mode_bits > 5 ? ch->mode_bits - 4 : ch->mode_bits;
	ch->rw = CW_RW(val);
	ch->bcd = val & CW_BCD;
	/* Writing a control word resets the counter's control logic. */
	ch->cr_written = false;
	ch->loaded = false;
	ch->counting = false;
	ch->reload_pending = false;
	ch->null_count = true;
	ch->write_msb_next = false;
	ch->read_msb_next = false;
	ch->count_latched = false;
	ch->status_latched = false;
}

/* Returns true when channel 0's schedule may have changed. */
static bool write_control(struct pit *p, uint8_t val, uint64_t now)
{
	struct pit_channel *ch;

	if (CW_SC(val) == SC_READBACK) {
		for (int i = 0; i < 3; i++) {
			if (!(val & (2 << i)))
				continue;
			catch_up(&p->ch[i], now);
			/* Status first: it is read before the count. */
			if (!(val & RB_NO_STATUS))
				latch_status(&p->ch[i], now);
			if (!(val & RB_NO_COUNT))
				latch_count(&p->ch[i], now);
		}
		return false;
	}
	ch = &p->ch[CW_SC(val)];
	catch_up(ch, now);
	if (CW_RW(val) == RW_LATCH) {
		latch_count(ch, now);
		return false;
	}
	program(ch, val);
	return CW_SC(val) == 0;
}

static uint32_t decode_count(const struct pit_channel *ch, uint32_t v)
{
	if (ch->bcd)
		v = from_bcd((uint16_t)v);
	if (v == 0) /* zero is the maximum count */
		v = ch->bcd ? 10000 : 65536;
	return v;
}

static void write_counter(struct pit_channel *ch, uint8_t val, uint64_t now)
{
	uint32_t v;

	switch (ch->rw) {
	case RW_LSB:
		v = val;
		break;
	case RW_MSB:
		v = (uint32_t)val << 8;
		break;
	default:
		if (!ch->write_msb_next) {
			ch->write_lsb = val;
			ch->write_msb_next = true;
			/* Mode 0: the first byte stops the count, OUT low. */
			if (ch->mode == 0)
				ch->loaded = false;
			return;
		}
		ch->write_msb_next = false;
		v = ch->write_lsb | (uint32_t)val << 8;
		break;
	}
	load_count(ch, decode_count(ch, v), now);
}

static uint8_t read_latch(struct pit_channel *ch)
{
	uint16_t v = ch->latch;

	if (ch->rw == RW_WORD && !ch->latch_msb_next) {
		ch->latch_msb_next = true;
		return v & 0xff;
	}
	ch->count_latched = false;
	return ch->rw == RW_MSB || ch->rw == RW_WORD ? v >> 8 : v & 0xff;
}

static uint8_t read_counter(struct pit_channel *ch, uint64_t now)
{
	uint16_t v;
	bool msb;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->count_latched)
		return read_latch(ch);
	v = count_value(ch, now);
	switch (ch->rw) {
	case RW_LSB:
		return v & 0xff;
	case RW_MSB:
		return v >> 8;
	default:
		msb = ch->read_msb_next;
		ch->read_msb_next = !msb;
		return msb ? v >> 8 : v & 0xff;
	}
}

/* ---- IRQ 0 ------------------------------------------------------------- */

/* The PIT tick of OUT0's next rising edge after now, 0 if none. */
static uint64_t next_edge(const struct pit_channel *ch, uint64_t now)
{
	uint64_t e = elapsed(ch, now), n = ch->count, t;

	if (!ch->loaded || !ch->counting)
		return 0;
	switch (ch->mode) {
	case 0:
	case 1:
		return e < n ? ch->start + n : 0;
	case 4:
	case 5:
		return e <= n ? ch->start + n + 1 : 0;
	default:
		t = next_period_end(ch, now);
		if (ch->reload_pending && ch->reload_at < t)
			t = ch->reload_at;
		return t;
	}
}

static void schedule_irq(struct pit *p, uint64_t now)
{
	p->irq_tick = next_edge(&p->ch[0], now);
	if (p->irq_tick)
		arm_at_cycles(p, tick_to_cycles(p, p->irq_tick));
	else
		v3_timer_cancel(p->vm, &p->timer);
}

static void pit_fire(struct v3_vm *vm, void *priv)
{
	struct pit *p = priv;
	struct pit_channel *ch = &p->ch[0];
	unsigned long flags = v3_host->lock_irqsave(p->lock);
	uint64_t now = pit_now(p);
	bool pulse = p->irq_tick && now >= p->irq_tick;

	if (pulse) {
		p->irqs++;
		if (ch->mode == 2 || ch->mode == 3)
			p->coalesced += (now - p->irq_tick) / period(ch);
	}
	catch_up(ch, now);
	schedule_irq(p, now);
	v3_host->unlock_irqrestore(p->lock, flags);
	if (pulse)
		v3_irq_pulse_legacy(vm, PIT_IRQ);
}

/* ---- ports ------------------------------------------------------------- */

static int pit_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct pit *p = priv;
	unsigned idx = acc->addr - PIT_PORT;
	uint8_t val = (uint8_t)acc->val[0];
	unsigned long flags = v3_host->lock_irqsave(p->lock);
	uint64_t now = pit_now(p);
	bool resched = false;

	(void)vcpu;
	if (idx == 3) {
		if (acc->write)
			resched = write_control(p, val, now);
		else
			acc->val[0] = 0xff; /* the control word is write-only */
	} else {
		catch_up(&p->ch[idx], now);
		if (acc->write) {
			write_counter(&p->ch[idx], val, now);
			resched = idx == 0;
		} else {
			acc->val[0] = read_counter(&p->ch[idx], now);
		}
	}
	if (resched)
		schedule_irq(p, now);
	v3_host->unlock_irqrestore(p->lock, flags);
	return 0;
}

static int port61_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct pit *p = priv;
	struct pit_channel *ch2 = &p->ch[2];
	unsigned long flags = v3_host->lock_irqsave(p->lock);
	uint64_t now = pit_now(p);

	(void)vcpu;
	catch_up(ch2, now);
	if (acc->write) {
		p->port61 = (uint8_t)acc->val[0] & P61_WRITABLE;
		set_gate(ch2, p->port61 & P61_GATE2, now);
	} else {
		uint8_t v = p->port61;

		if (out_level(ch2, now))
			v |= P61_OUT2;
		if ((now / REFRESH_TICKS) & 1)
			v |= P61_REFRESH;
		acc->val[0] = v;
	}
	v3_host->unlock_irqrestore(p->lock, flags);
	return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

static void channels_power_on(struct pit *p)
{
	int i;

	for (i = 0; i < 3; i++) {
		program(&p->ch[i], (uint8_t)(i << 6 | RW_WORD << 4));
		/* Gates 0 and 1 are tied high on the PC; 2 is port 0x61. */
		p->ch[i].gate = i != 2;
	}
}

static void pit_power_on(struct v3_vm *vm, void *priv)
{
	struct pit *p = priv;
	unsigned long flags = v3_host->lock_irqsave(p->lock);

	v3_timer_cancel(vm, &p->timer);
	p->irq_tick = 0;
	p->port61 = 0;
	channels_power_on(p);
	v3_host->unlock_irqrestore(p->lock, flags);
}

static int pit_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		      void **priv, char *err, size_t errlen)
{
	struct pit *p = v3_vm_zalloc(vm, sizeof(*p));

	*priv = p;
	if (!p)
		return -1;
	p->vm = vm;
	p->hz = v3_host->cpu_khz() * 1000;
	p->epoch = v3_cycles();
	p->timer.fn = pit_fire;
	p->timer.priv = p;
	channels_power_on(p);
	p->lock = v3_host->lock_alloc();
	if (!p->lock || !p->hz) {
		v3_snprintf(err, errlen,
			    "line %d: pit8254: no lock or no cycle rate",
			    cfg->line);
		return -1;
	}
	if (v3_hook_add(vm, V3_HOOK_IO, PIT_PORT, PIT_PORT + 3, pit_io, p) ||
	    v3_hook_add(vm, V3_HOOK_IO, PORT_61, PORT_61, port61_io, p)) {
		v3_snprintf(err, errlen,
			    "line %d: pit8254: ports 0x40-0x43/0x61 are taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

static void pit_destroy(struct v3_vm *vm, void *priv)
{
	struct pit *p = priv;

	v3_timer_cancel(vm, &p->timer);
	if (p->lock)
		v3_host->lock_free(p->lock);
	v3_vm_free(vm, p, sizeof(*p));
}

V3_DEVICE(pit8254_device, .name = "pit8254", .create = pit_create,
	  .destroy = pit_destroy, .reset = pit_power_on);
