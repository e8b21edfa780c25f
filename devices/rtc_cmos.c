/* rtc_cmos.c - the Motorola MC146818A real-time clock and its 128 bytes
 * of CMOS RAM at 0x70 (index; bit 7 masks NMI) and 0x71 (data), with
 * the platform bytes SeaBIOS reads to size memory and count CPUs.
 *
 * Registers A-D and the time/alarm layout follow the MC146818A datasheet
 * (Motorola, rev. 3): register A UIP and rate select, register B SET,
 * PIE/AIE/UIE, DM (binary) and 24/12, register C flags cleared by
 * reading, register D VRT.  The CMOS memory-size bytes follow the
 * IBM PC/AT BIOS convention as SeaBIOS reads them (src/hw/rtc.h and
 * src/fw/paravirt.c: 0x30/0x31, 0x34/0x35, 0x5b-0x5d, 0x5f).
 *
 * Time: seconds since the epoch at a base host cycle ('time=' option,
 * default 2024-01-01 00:00:00 UTC), advancing with the host cycle
 * counter; the registers are computed on every read, in the format
 * register B asks for.  The 32.768 kHz divider chain is the same clock,
 * so UIP, the periodic rate and the once-a-second update line up.  With
 * SET, the time registers hold what the guest writes until SET clears.
 *
 * Interrupts on IRQ 8: the line follows IRQF (level, until register C is
 * read, as on the chip).  Flags are also computed lazily when register C
 * is read, so a guest polling PF/UF without interrupts sees them; timers
 * run only when PIE, or UIE/AIE, ask for an interrupt.
 *
 * Left out: the divider-chain reset states of register A (DV other than
 * 010 stops periodic interrupts and UIP but the clock keeps time),
 * daylight-saving (DSE), square-wave output, the alarm for seconds that
 * pass while no timer runs and register C is not read.
 */
#include "device.h"
#include "irq.h"
#include "vm.h"

#define RTC_PORT 0x70
#define RTC_IRQ 8
#define RTC_HZ 32768ull
#define INDEX_MASK 0x7f
#define NMI_DISABLE 0x80

/* Time and alarm registers. */
#define REG_SEC 0x00
#define REG_SEC_ALARM 0x01
#define REG_MIN 0x02
#define REG_MIN_ALARM 0x03
#define REG_HOUR 0x04
#define REG_HOUR_ALARM 0x05
#define REG_WDAY 0x06
#define REG_MDAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32 /* IBM convention; ACPI FADT points here */

/* Register A. */
#define A_UIP 0x80
#define A_DV(v) (((v) >> 4) & 7)
#define A_DV_32K 2 /* 010: 32.768 kHz time base, chain running */
#define A_RS(v) ((v)&0x0f)
/* Register B. */
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
/* Register C: flags sit at the same bit as their enables in B. */
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define C_FLAGS (C_PF | C_AF | C_UF)
/* Register D. */
#define D_VRT 0x80
#define ALARM_DONT_CARE 0xc0
#define HOUR_PM 0x80

/* UIP rises 244 us before the update and the update takes 1984 us
 * (32.768 kHz time base), in 32 kHz ticks. */
#define UIP_BEFORE 8
#define UIP_AFTER 65

/* Platform bytes (IBM PC/AT CMOS map as SeaBIOS reads it). */
#define CMOS_EQUIPMENT 0x14
#define CMOS_BASE_KB 0x15     /* 0x15/0x16: conventional memory, KiB */
#define CMOS_EXT_KB 0x17      /* 0x17/0x18: KiB above 1 MiB (max 65535) */
#define CMOS_CHECKSUM 0x2e    /* 0x2e/0x2f: sum of 0x10-0x2d, big endian */
#define CMOS_EXT_KB2 0x30     /* 0x30/0x31: copy of 0x17/0x18 */
#define CMOS_EXT_64K 0x34     /* 0x34/0x35: 64 KiB units above 16 MiB */
#define CMOS_HIGH_64K 0x5b    /* 0x5b-0x5d: 64 KiB units above 4 GiB */
#define CMOS_CPUS_MINUS_1 0x5f

#define MIB (1ull << 20)
#define DEFAULT_TIME 1704067200ull    /* 2024-01-01 00:00:00 UTC */
#define DEFAULT_LOWMEM 0xe0000000ull  /* i440FX: RAM above goes to 4G */
#define DEFAULT_EQUIPMENT 0x02	      /* FPU present, EGA/VGA, no floppy */

struct rtc {
	struct v3_vm *vm;
	void *lock;
	uint8_t cmos[128];
	uint8_t index;
	bool nmi_masked; /* kept for the NMI source that does not exist yet */
	uint64_t hz;
	int64_t base_secs;    /* time at base_cycles */
	uint64_t base_cycles; /* start of a second of the divider chain */
	uint64_t checked;     /* 32 kHz tick the flags were computed up to */
	uint8_t flags;	      /* PF, AF, UF not yet read from register C */
	bool irq_level;
	bool cpus_filled;
	uint64_t lowmem;
	struct v3_timer periodic;
	struct v3_timer update;
};

struct rtc_tm {
	int64_t year;
	unsigned mon, mday, hour, min, sec, wday;
};

/* ---- arithmetic --------------------------------------------------------- */

static uint64_t scale(uint64_t x, uint64_t mul, uint64_t div, bool round_up)
{
	uint64_t q = x / div, r = x % div;

	return q * mul + (r * mul + (round_up ? div - 1 : 0)) / div;
}

static uint8_t to_bcd(unsigned v)
{
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static unsigned from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

/* Days since 1970-01-01 of a proleptic Gregorian date, counted in
 * 400-year eras that start on March 1st so leap days fall at the end. */
static int64_t days_from_date(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void date_from_days(int64_t z, struct rtc_tm *tm)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = doy - (153 * mp + 2) / 5 + 1;
	tm->mon = mp < 10 ? mp + 3 : mp - 9;
	tm->year = (int64_t)yoe + era * 400 + (tm->mon <= 2);
}

static void tm_from_secs(int64_t secs, struct rtc_tm *tm)
{
	int64_t days = secs / 86400, rem = secs % 86400;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	date_from_days(days, tm);
	tm->hour = (unsigned)(rem / 3600);
	tm->min = (unsigned)(rem / 60 % 60);
	tm->sec = (unsigned)(rem % 60);
	/* 1970-01-01 was a Thursday; the register counts Sunday as 1. */
	tm->wday = (unsigned)(((days % 7) + 11) % 7) + 1;
}

/* ---- register formats (register B: DM and 24/12) ---------------------- */

static bool binary(const struct rtc *r)
{
	return r->cmos[REG_B] & B_DM_BINARY;
}

static uint8_t enc(const struct rtc *r, unsigned v)
{
	return binary(r) ? (uint8_t)v : to_bcd(v);
}

static unsigned dec(const struct rtc *r, uint8_t v)
{
	return binary(r) ? v : from_bcd(v);
}

static uint8_t enc_hour(const struct rtc *r, unsigned h)
{
	unsigned h12 = h % 12 ? h % 12 : 12;

	if (r->cmos[REG_B] & B_24H)
		return enc(r, h);
	return enc(r, h12) | (h >= 12 ? HOUR_PM : 0);
}

static unsigned dec_hour(const struct rtc *r, uint8_t v)
{
	if (r->cmos[REG_B] & B_24H)
		return dec(r, v) % 24;
	return dec(r, v & ~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

static bool is_time_reg(unsigned idx)
{
	switch (idx) {
	case REG_SEC:
	case REG_MIN:
	case REG_HOUR:
	case REG_WDAY:
	case REG_MDAY:
	case REG_MONTH:
	case REG_YEAR:
	case REG_CENTURY:
		return true;
	}
	return false;
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* The time the (frozen) registers hold. */
static int64_t secs_from_regs(const struct rtc *r)
{
	const uint8_t *c = r->cmos;
	unsigned century = dec(r, c[REG_CENTURY]);
	int64_t year = (int64_t)(century ? century : 20) * 100 +
		       dec(r, c[REG_YEAR]) % 100;
	unsigned mon = clamp(dec(r, c[REG_MONTH]), 1, 12);
	unsigned mday = clamp(dec(r, c[REG_MDAY]), 1, 31);

	return days_from_date(year, mon, mday) * 86400 +
	       dec_hour(r, c[REG_HOUR]) * 3600 +
	       dec(r, c[REG_MIN]) % 60 * 60 + dec(r, c[REG_SEC]) % 60;
}

/* ---- the clock ---------------------------------------------------------- */

static bool frozen(const struct rtc *r)
{
	return r->cmos[REG_B] & B_SET;
}

static bool divider_running(const struct rtc *r)
{
	return A_DV(r->cmos[REG_A]) == A_DV_32K;
}

/* 32 kHz ticks since base_cycles. */
static uint64_t rtc_tick(const struct rtc *r)
{
	return scale(v3_cycles() - r->base_cycles, RTC_HZ, r->hz, false);
}

static int64_t now_secs(const struct rtc *r)
{
	return r->base_secs + (int64_t)(rtc_tick(r) / RTC_HZ);
}

static void rebase(struct rtc *r, int64_t secs)
{
	r->base_secs = secs;
	r->base_cycles = v3_cycles();
	r->checked = 0;
}

/* Period of the periodic interrupt in 32 kHz ticks (datasheet table:
 * RS 1 and 2 give 3.90625 and 7.8125 ms, RS n >= 3 gives 2^(n-1) ticks);
 * 0 when off. */
static uint64_t periodic_ticks(const struct rtc *r)
{
	unsigned rs = A_RS(r->cmos[REG_A]);

	if (!rs || !divider_running(r))
		return 0;
	if (rs <= 2)
		return 64ull << rs;
	return 1ull << (rs - 1);
}

static uint8_t time_reg(const struct rtc *r, unsigned idx)
{
	struct rtc_tm tm;

	tm_from_secs(now_secs(r), &tm);
	switch (idx) {
	case REG_SEC:
		return enc(r, tm.sec);
	case REG_MIN:
		return enc(r, tm.min);
	case REG_HOUR:
		return enc_hour(r, tm.hour);
	case REG_WDAY:
		return enc(r, tm.wday);
	case REG_MDAY:
		return enc(r, tm.mday);
	case REG_MONTH:
		return enc(r, tm.mon);
	case REG_YEAR:
		return enc(r, (unsigned)(tm.year % 100));
	default: /* REG_CENTURY */
		return enc(r, (unsigned)(tm.year / 100));
	}
}

/* Copy the running time into the registers (before SET freezes them, or
 * before a write changes one of them). */
static void materialize(struct rtc *r)
{
	static const uint8_t regs[] = {REG_SEC,	 REG_MIN,   REG_HOUR,
				       REG_WDAY, REG_MDAY,  REG_MONTH,
				       REG_YEAR, REG_CENTURY};
	unsigned i;

	for (i = 0; i < sizeof(regs); i++)
		r->cmos[regs[i]] = time_reg(r, regs[i]);
}

static bool alarm_matches(const struct rtc *r)
{
	const uint8_t *c = r->cmos;
	struct rtc_tm tm;

	tm_from_secs(now_secs(r), &tm);
	/* 11xxxxxx in an alarm byte matches every value. */
	return ((c[REG_SEC_ALARM] & ALARM_DONT_CARE) == ALARM_DONT_CARE ||
		c[REG_SEC_ALARM] == enc(r, tm.sec)) &&
	       ((c[REG_MIN_ALARM] & ALARM_DONT_CARE) == ALARM_DONT_CARE ||
		c[REG_MIN_ALARM] == enc(r, tm.min)) &&
	       ((c[REG_HOUR_ALARM] & ALARM_DONT_CARE) == ALARM_DONT_CARE ||
		c[REG_HOUR_ALARM] == enc_hour(r, tm.hour));
}

/* Latch PF/UF/AF for every divider edge since the last look. */
static void update_flags(struct rtc *r)
{
	uint64_t now = rtc_tick(r), per = periodic_ticks(r);

	if (per && now / per != r->checked / per)
		r->flags |= C_PF;
	if (!frozen(r) && divider_running(r) &&
	    now / RTC_HZ != r->checked / RTC_HZ) {
		r->flags |= C_UF;
		if (alarm_matches(r))
			r->flags |= C_AF;
	}
	r->checked = now;
}

static bool irqf(const struct rtc *r)
{
	return r->flags & r->cmos[REG_B] & C_FLAGS;
}

static void update_irq(struct rtc *r)
{
	bool level = irqf(r);

	if (level == r->irq_level)
		return;
	r->irq_level = level;
	v3_irq_set_legacy(r->vm, RTC_IRQ, level);
}

static void arm_at_tick(struct rtc *r, struct v3_timer *t, uint64_t tick)
{
	uint64_t deadline = r->base_cycles + scale(tick, r->hz, RTC_HZ, true);
	uint64_t now = v3_cycles(), khz = r->hz / 1000;
	uint64_t left = deadline > now ? deadline - now : 0;

	v3_timer_arm(r->vm, t, (left * 1000 + khz - 1) / khz);
}

/* Timers run only when an interrupt is enabled; polled flags are lazy. */
static void rearm(struct rtc *r)
{
	uint64_t now = rtc_tick(r), per = periodic_ticks(r);
	uint8_t b = r->cmos[REG_B];

	if ((b & B_PIE) && per)
		arm_at_tick(r, &r->periodic, (now / per + 1) * per);
	else
		v3_timer_cancel(r->vm, &r->periodic);
	if ((b & (B_UIE | B_AIE)) && !frozen(r) && divider_running(r))
		arm_at_tick(r, &r->update, (now / RTC_HZ + 1) * RTC_HZ);
	else
		v3_timer_cancel(r->vm, &r->update);
}

static void rtc_fire(struct v3_vm *vm, void *priv)
{
	struct rtc *r = priv;
	unsigned long flags = v3_host->lock_irqsave(r->lock);

	(void)vm;
	update_flags(r);
	update_irq(r);
	rearm(r);
	v3_host->unlock_irqrestore(r->lock, flags);
}

/* ---- registers ---------------------------------------------------------- */

static bool update_in_progress(const struct rtc *r)
{
	uint64_t sub = rtc_tick(r) % RTC_HZ;

	if (frozen(r) || !divider_running(r))
		return false;
	return sub >= RTC_HZ - UIP_BEFORE || sub < UIP_AFTER;
}

static uint8_t read_reg_c(struct rtc *r)
{
	uint8_t v;

	update_flags(r);
	v = r->flags | (irqf(r) ? C_IRQF : 0);
	r->flags = 0;
	update_irq(r);
	return v;
}

static uint8_t rtc_read(struct rtc *r, unsigned idx)
{
	switch (idx) {
	case REG_A:
		return r->cmos[REG_A] | (update_in_progress(r) ? A_UIP : 0);
	case REG_C:
		return read_reg_c(r);
	case REG_D:
		return D_VRT;
	}
	if (is_time_reg(idx) && !frozen(r))
		return time_reg(r, idx);
	return r->cmos[idx];
}

static void write_reg_b(struct rtc *r, uint8_t val)
{
	uint8_t old = r->cmos[REG_B];

	if ((val & B_SET) && !(old & B_SET)) {
		/* Freeze in the format the guest is about to write in. */
		r->cmos[REG_B] = val;
		materialize(r);
		/* SET clears UIE (no update-ended interrupts while set). */
		val &= ~B_UIE;
	} else if (!(val & B_SET) && (old & B_SET)) {
		rebase(r, secs_from_regs(r));
	}
	r->cmos[REG_B] = val;
}

/* A time register written while the clock runs: keep the phase of the
 * second, change the time. */
static void write_running_time(struct rtc *r, unsigned idx, uint8_t val)
{
	int64_t whole = (int64_t)(rtc_tick(r) / RTC_HZ);

	materialize(r);
	r->cmos[idx] = val;
	r->base_secs = secs_from_regs(r) - whole;
}

static void rtc_write(struct rtc *r, unsigned idx, uint8_t val)
{
	switch (idx) {
	case REG_A: /* UIP is read-only */
		r->cmos[REG_A] = val & ~A_UIP;
		break;
	case REG_B:
		write_reg_b(r, val);
		break;
	case REG_C:
	case REG_D: /* read-only */
		break;
	default:
		if (is_time_reg(idx) && !frozen(r))
			write_running_time(r, idx, val);
		else
			r->cmos[idx] = val;
	}
	if (idx == REG_A || idx == REG_B || is_time_reg(idx)) {
		update_irq(r);
		rearm(r);
	}
}

/* ---- platform bytes ----------------------------------------------------- */

static void set_word(struct rtc *r, unsigned idx, uint64_t v, uint64_t max)
{
	if (v > max)
		v = max;
	r->cmos[idx] = (uint8_t)v;
	r->cmos[idx + 1] = (uint8_t)(v >> 8);
}

static void fill_checksum(struct rtc *r)
{
	unsigned sum = 0, i;

	for (i = 0x10; i < CMOS_CHECKSUM; i++)
		sum += r->cmos[i];
	r->cmos[CMOS_CHECKSUM] = (uint8_t)(sum >> 8);
	r->cmos[CMOS_CHECKSUM + 1] = (uint8_t)sum;
}

/* RAM below 'lowmem' starts at 0; the rest is above 4 GiB. */
static void fill_memory(struct rtc *r, uint64_t ram)
{
	uint64_t low = ram < r->lowmem ? ram : r->lowmem;
	uint64_t high = (ram - low) >> 16;
	uint64_t base_kb = low < 640 * 1024 ? low >> 10 : 640;
	uint64_t ext_kb = low > MIB ? (low - MIB) >> 10 : 0;
	uint64_t ext_64k = low > 16 * MIB ? (low - 16 * MIB) >> 16 : 0;

	set_word(r, CMOS_BASE_KB, base_kb, 0xffff);
	set_word(r, CMOS_EXT_KB, ext_kb, 0xffff);
	set_word(r, CMOS_EXT_KB2, ext_kb, 0xffff);
	set_word(r, CMOS_EXT_64K, ext_64k, 0xffff);
	if (high > 0xffffff)
		high = 0xffffff;
	r->cmos[CMOS_HIGH_64K] = (uint8_t)high;
	r->cmos[CMOS_HIGH_64K + 1] = (uint8_t)(high >> 8);
	r->cmos[CMOS_HIGH_64K + 2] = (uint8_t)(high >> 16);
}

/* Devices are created before the vcpus: count them at first access. */
static void fill_cpus(struct rtc *r)
{
	if (r->cpus_filled || r->vm->nvcpus <= 0)
		return;
	r->cmos[CMOS_CPUS_MINUS_1] = (uint8_t)(r->vm->nvcpus - 1);
	r->cpus_filled = true;
}

/* ---- ports and lifecycle ----------------------------------------------- */

static int rtc_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct rtc *r = priv;
	uint8_t val = (uint8_t)acc->val[0];
	unsigned long flags = v3_host->lock_irqsave(r->lock);

	(void)vcpu;
	fill_cpus(r);
	if (acc->addr == RTC_PORT) {
		if (acc->write) {
			r->index = val & INDEX_MASK;
			r->nmi_masked = val & NMI_DISABLE;
		} else {
			acc->val[0] = 0xff; /* the index is write-only */
		}
	} else if (acc->write) {
		rtc_write(r, r->index, val);
	} else {
		acc->val[0] = rtc_read(r, r->index);
	}
	v3_host->unlock_irqrestore(r->lock, flags);
	return 0;
}

static int rtc_options(struct rtc *r, const struct v3_cfg_device *cfg,
		       char *err, size_t errlen)
{
	uint64_t time, equipment;

	if (v3_dev_opt_u64(cfg, "time", DEFAULT_TIME, &time, err, errlen) ||
	    v3_dev_opt_u64(cfg, "equipment", DEFAULT_EQUIPMENT, &equipment,
			   err, errlen) ||
	    v3_dev_opt_u64(cfg, "lowmem", DEFAULT_LOWMEM, &r->lowmem, err,
			   errlen))
		return -1;
	if (equipment > 0xff || r->lowmem > (4ull << 30)) {
		v3_snprintf(err, errlen,
			    "line %d: rtc_cmos: equipment is a byte, lowmem "
			    "at most 4G",
			    cfg->line);
		return -1;
	}
	rebase(r, (int64_t)time);
	r->cmos[CMOS_EQUIPMENT] = (uint8_t)equipment;
	return 0;
}

static int rtc_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		      void **priv, char *err, size_t errlen)
{
	struct rtc *r = v3_vm_zalloc(vm, sizeof(*r));

	*priv = r;
	if (!r)
		return -1;
	r->vm = vm;
	r->hz = v3_host->cpu_khz() * 1000;
	r->cmos[REG_A] = A_DV_32K << 4 | 6; /* 32.768 kHz, 1024 Hz rate */
	r->cmos[REG_B] = B_24H;		    /* BCD, 24 h */
	r->periodic.fn = r->update.fn = rtc_fire;
	r->periodic.priv = r->update.priv = r;
	if (rtc_options(r, cfg, err, errlen) != 0)
		return -1;
	fill_memory(r, vm->mem.ram_size);
	fill_checksum(r);
	fill_cpus(r);
	r->lock = v3_host->lock_alloc();
	if (!r->lock || !r->hz) {
		v3_snprintf(err, errlen,
			    "line %d: rtc_cmos: no lock or no cycle rate",
			    cfg->line);
		return -1;
	}
	if (v3_hook_add(vm, V3_HOOK_IO, RTC_PORT, RTC_PORT + 1, rtc_io, r)) {
		v3_snprintf(err, errlen,
			    "line %d: rtc_cmos: ports 0x70-0x71 are taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

/* The RESET pin (datasheet, "RESET"): interrupt enables and flags
 * clear, IRQ released; time and RAM are battery backed and stay. */
static void rtc_reset(struct v3_vm *vm, void *priv)
{
	struct rtc *r = priv;
	unsigned long flags = v3_host->lock_irqsave(r->lock);

	(void)vm;
	r->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE);
	update_flags(r);
	r->flags = 0;
	update_irq(r);
	rearm(r);
	v3_host->unlock_irqrestore(r->lock, flags);
}

static void rtc_destroy(struct v3_vm *vm, void *priv)
{
	struct rtc *r = priv;

	v3_timer_cancel(vm, &r->periodic);
	v3_timer_cancel(vm, &r->update);
	if (r->lock)
		v3_host->lock_free(r->lock);
	v3_vm_free(vm, r, sizeof(*r));
}

V3_DEVICE(rtc_cmos_device, .name = "rtc_cmos", .create = rtc_create,
	  .destroy = rtc_destroy, .reset = rtc_reset);
