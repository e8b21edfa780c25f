/* test_hpet.c - the HPET model (devices/hpet.c) in userspace, driven
 * through MMIO accesses as SeaBIOS and Linux make them, on the fake VM
 * whose host cycle counter the test advances (fake_vm.c).  With the
 * 8259, 8254 and RTC models next to it, legacy replacement is checked
 * on the platform lines and as the vectors the core would inject. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fake_vm.h"
#include "unit.h"
#include "vm_fixture.h"

#define HZ (FAKE_CPU_KHZ * 1000)
#define HPET_HZ 100000000ull
#define CYCLES_PER_TICK (HZ / HPET_HZ) /* 24: the tests count exactly */
#define BASE 0xfed00000ull

#define CAP 0x000
#define CONFIG 0x010
#define STATUS 0x020
#define COUNTER 0x0f0
#define TCFG(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))

#define ENABLE 0x1
#define LEG_RT 0x2
#define TN_LEVEL 0x2
#define TN_ENB 0x4
#define TN_PERIODIC 0x8
#define TN_SETVAL 0x40
#define TN_32BIT 0x100
#define TN_ROUTE(gsi) ((uint64_t)(gsi) << 9)

#define check_eq(got, want, ...)                                          \
	do {                                                              \
		unsigned long long g_ = (unsigned long long)(got);        \
		unsigned long long w_ = (unsigned long long)(want);       \
		if (!report(g_ == w_, __VA_ARGS__))                       \
			diag("got 0x%llx (%llu), want 0x%llx (%llu)", g_, \
			     g_, w_, w_);                                 \
	} while (0)

static struct v3_vm *make_vm(const char *devices)
{
	fake_irq_reset();
	return fixture_vm(devices, 16 << 20, 1);
}

static uint64_t rd(struct v3_vm *vm, unsigned off, unsigned len)
{
	struct v3_access acc = {
		.kind = V3_HOOK_MMIO, .addr = BASE + off, .len = len,
	};

	if (v3_hook_call(vm->vcpus[0], &acc) != 0)
		report(false, "hpet read 0x%x/%u answered", off, len);
	return len == 8 ? acc.val[0] : acc.val[0] & ((1ull << (len * 8)) - 1);
}

static void wr(struct v3_vm *vm, unsigned off, unsigned len, uint64_t val)
{
	struct v3_access acc = {
		.kind = V3_HOOK_MMIO, .addr = BASE + off, .len = len,
		.write = true, .val = {val},
	};

	if (v3_hook_call(vm->vcpus[0], &acc) != 0)
		report(false, "hpet write 0x%x/%u answered", off, len);
}

static uint32_t rd32(struct v3_vm *vm, unsigned off)
{
	return (uint32_t)rd(vm, off, 4);
}

static void wr32(struct v3_vm *vm, unsigned off, uint32_t val)
{
	wr(vm, off, 4, val);
}

static void run_ticks(struct v3_vm *vm, uint64_t ticks, uint64_t step)
{
	fake_run_for(vm, ticks * CYCLES_PER_TICK, step * CYCLES_PER_TICK);
}

/* ---- 8259 helpers (as in test_devices.c) --------------------------------- */

static void pic_init(struct v3_vm *vm)
{
	static const uint8_t seq[2][4] = {{0x11, 0x20, 0x04, 0x01},
					  {0x11, 0x28, 0x02, 0x01}};

	for (int i = 0; i < 4; i++) {
		fake_outb(vm, i ? 0x21 : 0x20, seq[0][i]);
		fake_outb(vm, i ? 0xa1 : 0xa0, seq[1][i]);
	}
	fake_outb(vm, 0x21, 0xfa); /* IRQ 0 and the cascade */
	fake_outb(vm, 0xa1, 0xfe); /* IRQ 8 */
}

static void pic_eoi_all(struct v3_vm *vm)
{
	fake_outb(vm, 0xa0, 0x20);
	fake_outb(vm, 0x20, 0x20);
}

/* ---- tests --------------------------------------------------------------- */

static void test_ids(void)
{
	struct v3_vm *vm = make_vm("device = hpet\n");
	uint64_t tcap;

	/* What SeaBIOS's build_hpet and its DSDT probe. */
	check_eq(rd32(vm, CAP), 0x8086a201,
		 "hpet: ID rev 1, 3 timers, 64-bit, legacy capable, Intel");
	check_eq(rd32(vm, CAP + 4), 10000000, "hpet: period 10 ns in fs");
	check_eq(rd(vm, CAP, 8), 0x009896808086a201ull,
		 "hpet: 64-bit read of capabilities and ID");
	check_eq(rd(vm, CAP + 3, 1), 0x80, "hpet: byte read of the ID");
	check_eq(rd(vm, CAP + 2, 2), 0x8086, "hpet: word read of the vendor");
	wr(vm, CAP, 8, 0);
	check_eq(rd32(vm, CAP), 0x8086a201, "hpet: ID is read-only");
	check_eq(rd32(vm, CONFIG), 0, "hpet: halted, legacy off at power-on");
	for (int n = 0; n < 3; n++) {
		tcap = rd(vm, TCFG(n), 8);
		check_eq(tcap, 0x00ff010400000030ull,
			 "hpet: timer %d periodic and 64-bit capable, routes "
			 "GSI 2/8/16-23, no FSB, off", n);
		check_eq(rd(vm, TCMP(n), 8), ~0ull,
			 "hpet: timer %d comparator all ones", n);
	}
	check_eq(rd(vm, 0x110, 8), 0, "hpet: FSB route reads 0");
	check_eq(rd(vm, 0x3f8, 8), 0, "hpet: reserved space reads 0");
	/* Routes outside the capabilities are not taken. */
	wr32(vm, TCFG(2), (uint32_t)TN_ROUTE(8));
	check_eq(rd32(vm, TCFG(2)) >> 9 & 0x1f, 8, "hpet: route GSI 8 taken");
	wr32(vm, TCFG(2), (uint32_t)TN_ROUTE(5));
	check_eq(rd32(vm, TCFG(2)) >> 9 & 0x1f, 8,
		 "hpet: route GSI 5 (no capability) reads back the old one");
	wr32(vm, TCFG(2), 0xffff8000u | 0x30);
	check_eq(rd32(vm, TCFG(2)) & 0xffff8031u, 0x30,
		 "hpet: read-only timer bits stay");
	fixture_done(vm, "hpet ids");
}

static void test_counter(void)
{
	struct v3_vm *vm = make_vm("device = hpet\n");
	uint64_t c, lo, hi, secs;

	fake_advance_us(1000);
	check_eq(rd(vm, COUNTER, 8), 0, "hpet: counter halted at power-on");
	wr32(vm, CONFIG, ENABLE);
	fake_advance_us(1000);
	check_eq(rd(vm, COUNTER, 8), 100000, "hpet: 1 ms = 100000 ticks");
	fake_advance_cycles(CYCLES_PER_TICK - 1);
	check_eq(rd32(vm, COUNTER), 100000, "hpet: 23 cycles: same tick");
	fake_advance_cycles(1);
	check_eq(rd32(vm, COUNTER), 100001, "hpet: 24 cycles: next tick");
	wr32(vm, CONFIG, 0);
	c = rd(vm, COUNTER, 8);
	fake_advance_us(5000);
	check_eq(rd(vm, COUNTER, 8), c, "hpet: halting freezes the counter");
	wr32(vm, COUNTER, 0xfffffff0u);
	wr32(vm, COUNTER + 4, 0x1);
	check_eq(rd(vm, COUNTER, 8), 0x1fffffff0ull,
		 "hpet: counter written in two halves while halted");
	wr32(vm, CONFIG, ENABLE);
	run_ticks(vm, 0x20, 0);
	lo = rd32(vm, COUNTER);
	hi = rd32(vm, COUNTER + 4);
	check_eq(hi << 32 | lo, 0x200000010ull,
		 "hpet: the low half carries into the high half");
	wr(vm, COUNTER, 8, 5);
	check_eq(rd(vm, COUNTER, 8), 0x200000010ull,
		 "hpet: writes while running are ignored");

	/* Ten years of uptime: no 64-bit overflow in the conversion. */
	wr32(vm, CONFIG, 0);
	wr(vm, COUNTER, 8, 0);
	wr32(vm, CONFIG, ENABLE);
	secs = 10ull * 365 * 86400;
	fake_advance_cycles(secs * HZ + HZ / 2);
	check_eq(rd(vm, COUNTER, 8), secs * HPET_HZ + HPET_HZ / 2,
		 "hpet: exact after ten years");
	fixture_done(vm, "hpet counter");
}

/* A non-legacy timer on GSI 2 (ISA IRQ 0's line) in level mode. */
static void test_level_status(void)
{
	struct v3_vm *vm = make_vm("device = hpet\n");

	wr32(vm, CONFIG, ENABLE);
	wr32(vm, TCFG(0), (uint32_t)(TN_LEVEL | TN_ROUTE(2)));
	wr(vm, TCMP(0), 8, 1000);
	run_ticks(vm, 1000, 10);
	check_eq(rd32(vm, STATUS), 1,
		 "hpet level: status set with interrupts disabled");
	report(!fake_irq_level(vm, 0), "hpet level: line low without INT_ENB");
	wr32(vm, TCFG(0), (uint32_t)(TN_LEVEL | TN_ENB | TN_ROUTE(2)));
	report(fake_irq_level(vm, 0), "hpet level: INT_ENB raises line 0");
	wr32(vm, STATUS, 0);
	report(fake_irq_level(vm, 0), "hpet level: writing 0 clears nothing");
	wr32(vm, CONFIG, 0);
	report(!fake_irq_level(vm, 0), "hpet level: halting drops the line");
	wr32(vm, CONFIG, ENABLE);
	report(fake_irq_level(vm, 0), "hpet level: and enabling raises it");
	wr32(vm, STATUS, 1);
	check_eq(rd32(vm, STATUS), 0, "hpet level: write 1 clears status");
	report(!fake_irq_level(vm, 0), "hpet level: and drops the line");

	/* Route change while asserted moves the level. */
	wr(vm, TCMP(0), 8, rd(vm, COUNTER, 8) + 100);
	run_ticks(vm, 101, 0);
	report(fake_irq_level(vm, 0), "hpet level: second match");
	wr32(vm, TCFG(0), (uint32_t)(TN_LEVEL | TN_ENB | TN_ROUTE(8)));
	report(!fake_irq_level(vm, 0) && fake_irq_level(vm, 8),
	       "hpet level: a new route moves the asserted level");
	fixture_done(vm, "hpet level");
}

static void test_oneshot(void)
{
	struct v3_vm *vm = make_vm("device = hpet\n");
	uint64_t now;

	wr32(vm, CONFIG, ENABLE);
	wr32(vm, TCFG(2), (uint32_t)(TN_ENB | TN_ROUTE(8)));
	now = rd(vm, COUNTER, 8);
	wr(vm, TCMP(2), 8, now + 1000);
	run_ticks(vm, 999, 1);
	check_eq(fake_irq_edges(8), 0, "hpet one-shot: nothing before match");
	run_ticks(vm, 1, 0);
	check_eq(fake_irq_edges(8), 1, "hpet one-shot: edge at the match");
	report(!fake_irq_level(vm, 8), "hpet one-shot: edge mode pulses");
	check_eq(rd32(vm, STATUS), 0, "hpet one-shot: edge sets no status");
	fake_run_for(vm, 60 * HZ, HZ / 10);
	check_eq(fake_irq_edges(8), 1, "hpet one-shot 64-bit: only once");
	check_eq(rd(vm, TCMP(2), 8), now + 1000,
		 "hpet one-shot: comparator unchanged");

	/* Linux's set_next_event: 32-bit mode, cmp = counter + delta. */
	fake_irq_reset();
	wr32(vm, TCFG(2), (uint32_t)(TN_ENB | TN_32BIT | TN_ROUTE(8)));
	check_eq(rd(vm, TCMP(2), 8), (uint32_t)(now + 1000),
		 "hpet: 32-bit mode truncates the comparator");
	wr32(vm, TCMP(2), rd32(vm, COUNTER) + 5000);
	wr32(vm, TCMP(2) + 4, 0xffffffff);
	check_eq(rd32(vm, TCMP(2) + 4), 0,
		 "hpet: 32-bit comparator ignores its high half");
	run_ticks(vm, 5000, 100);
	check_eq(fake_irq_edges(8), 1, "hpet one-shot 32-bit: match");
	/* The low 32 bits match again 2^32 ticks later (42.9 s). */
	fake_run_for(vm, (1ull << 32) * CYCLES_PER_TICK - HZ / 100, HZ / 10);
	check_eq(fake_irq_edges(8), 1, "hpet one-shot 32-bit: not before wrap");
	fake_run_for(vm, HZ / 50, HZ / 1000);
	check_eq(fake_irq_edges(8), 2, "hpet one-shot 32-bit: again at wrap");

	/* Halted: no match; enabled again: it comes. */
	fake_irq_reset();
	wr32(vm, TCMP(2), rd32(vm, COUNTER) + 1000);
	wr32(vm, CONFIG, 0);
	fake_run_for(vm, HZ / 100, HZ / 10000);
	check_eq(fake_irq_edges(8), 0, "hpet: no interrupt while halted");
	wr32(vm, CONFIG, ENABLE);
	run_ticks(vm, 1000, 10);
	check_eq(fake_irq_edges(8), 1, "hpet: the match after restarting");
	fixture_done(vm, "hpet one-shot");
}

static void test_periodic(void)
{
	struct v3_vm *vm = make_vm("device = hpet\n");
	uint32_t now, delta = 100000; /* 1 ms: HZ = 1000 */
	unsigned edges;

	wr32(vm, CONFIG, ENABLE);
	run_ticks(vm, 777, 0);
	/* Linux's hpet_clkevt_set_state_periodic. */
	now = rd32(vm, COUNTER);
	wr32(vm, TCFG(2), (uint32_t)(TN_ENB | TN_PERIODIC | TN_SETVAL |
				     TN_32BIT | TN_ROUTE(8)));
	wr32(vm, TCMP(2), now + delta);
	check_eq(rd32(vm, TCFG(2)) & TN_SETVAL, 0,
		 "hpet periodic: VAL_SET clears after the comparator write");
	wr32(vm, TCMP(2), delta);
	check_eq(rd32(vm, TCMP(2)), now + delta,
		 "hpet periodic: a write without VAL_SET sets the period only");
	run_ticks(vm, delta - 1, 1000);
	check_eq(fake_irq_edges(8), 0, "hpet periodic: nothing before match");
	run_ticks(vm, 1, 0);
	check_eq(fake_irq_edges(8), 1, "hpet periodic: first at the match");
	check_eq(rd32(vm, TCMP(2)), now + 2 * delta,
		 "hpet periodic: comparator advanced by the period");
	run_ticks(vm, 99 * delta, 1000);
	check_eq(fake_irq_edges(8), 100, "hpet periodic: 100 in 100 ms");

	fake_irq_reset();
	run_ticks(vm, 50 * delta + delta / 2, 0); /* away 50.5 ms */
	check_eq(fake_irq_edges(8), 1,
		 "hpet periodic: 50 missed periods coalesce into one");
	check_eq(rd32(vm, TCMP(2)), now + 151 * delta,
		 "hpet periodic: comparator is the next match after now");
	fake_irq_reset();
	run_ticks(vm, 10 * delta, 1000);
	edges = fake_irq_edges(8);
	check_eq(edges, 10, "hpet periodic: on the period grid again");

	/* A 10 ns period cannot keep the vcpu in the timer loop. */
	fake_irq_reset();
	wr32(vm, TCFG(2), (uint32_t)(TN_ENB | TN_PERIODIC | TN_SETVAL |
				     TN_32BIT | TN_ROUTE(8)));
	wr32(vm, TCMP(2), rd32(vm, COUNTER) + 1);
	wr32(vm, TCMP(2), 1);
	fake_run_for(vm, HZ / 1000, HZ / 1000000); /* 1 ms in 1 us exits */
	edges = fake_irq_edges(8);
	report(edges >= 90 && edges <= 101,
	       "hpet periodic: 10 ns period coalesces to <= 100 kHz (%u)",
	       edges);

	/* Switched to one-shot, as Linux does for NO_HZ. */
	wr32(vm, TCFG(2), (uint32_t)(TN_ENB | TN_32BIT | TN_ROUTE(8)));
	fake_irq_reset();
	run_ticks(vm, 10 * delta, 1000);
	check_eq(fake_irq_edges(8), 1, "hpet: one-shot after periodic: once");
	fixture_done(vm, "hpet periodic");
}

/* Legacy replacement with the 8254 and RTC next to the HPET. */
static void test_legacy(void)
{
	struct v3_vm *vm = make_vm("device = pic8259\ndevice = pit8254\n"
				   "device = rtc_cmos\ndevice = hpet\n");
	uint32_t now;
	int v, got0 = 0, got8 = 0;

	pic_init(vm);
	/* PIT mode 2 at 1000 Hz, RTC periodic at 1024 Hz. */
	fake_outb(vm, 0x43, 0x34);
	fake_outb(vm, 0x40, 1193 & 0xff);
	fake_outb(vm, 0x40, 1193 >> 8);
	fake_outb(vm, 0x70, 0x0b);
	fake_outb(vm, 0x71, 0x42);
	fake_run_for(vm, HZ / 100, HZ / 100000);
	report(fake_irq_edges(0) >= 9 && fake_irq_edges(8) >= 1,
	       "legacy: the 8254 and RTC drive IRQ 0 and 8 (%u, %u)",
	       fake_irq_edges(0), fake_irq_edges(8));
	fake_outb(vm, 0x70, 0x0c);
	(void)fake_inb(vm, 0x71);
	while (fake_take_interrupt(vm) >= 0)
		pic_eoi_all(vm);

	/* Linux: timer 0 periodic at 250 Hz, then LEG_RT_CNF. */
	wr32(vm, CONFIG, ENABLE);
	now = rd32(vm, COUNTER);
	wr32(vm, TCFG(0), TN_ENB | TN_PERIODIC | TN_SETVAL | TN_32BIT);
	wr32(vm, TCMP(0), now + 400000);
	wr32(vm, TCMP(0), 400000);
	wr32(vm, TCFG(1), TN_ENB | TN_32BIT);
	wr32(vm, TCMP(1), now + 200000);
	fake_irq_reset();
	wr32(vm, CONFIG, ENABLE | LEG_RT);
	for (int i = 0; i < 10000; i++) { /* 100 ms in 10 us exits */
		fake_run_for(vm, HZ / 100000, 0);
		v = fake_take_interrupt(vm);
		got0 += v == 0x20;
		got8 += v == 0x28;
		if (v >= 0)
			pic_eoi_all(vm);
	}
	report(fake_irq_edges(0) >= 24 && fake_irq_edges(0) <= 26,
	       "legacy: IRQ 0 is timer 0 at 250 Hz, the 8254 cut off (%u)",
	       fake_irq_edges(0));
	check_eq(fake_irq_edges(8), 1,
		 "legacy: IRQ 8 is timer 1's one match, the RTC cut off");
	check_eq(got0, fake_irq_edges(0), "legacy: each IRQ 0 is vector 0x20");
	check_eq(got8, 1, "legacy: timer 1 reached the slave PIC");
	check_eq(rd32(vm, TCFG(0)) >> 9 & 0x1f, 0,
		 "legacy: timer 0's route field is not used");

	/* Halting the counter ends legacy routing (it needs ENABLE_CNF). */
	fake_irq_reset();
	wr32(vm, CONFIG, LEG_RT);
	fake_run_for(vm, HZ / 100, HZ / 100000);
	report(fake_irq_edges(0) >= 9,
	       "legacy: halted HPET gives IRQ 0 back to the 8254 (%u)",
	       fake_irq_edges(0));
	while (fake_take_interrupt(vm) >= 0)
		pic_eoi_all(vm);
	wr32(vm, CONFIG, ENABLE | LEG_RT);
	fake_irq_reset();
	fake_run_for(vm, HZ / 100, HZ / 100000);
	report(fake_irq_edges(0) <= 3,
	       "legacy: replaced again: only timer 0 (%u)", fake_irq_edges(0));

	/* LEG_RT_CNF off: the 8254 and the RTC's level come back. */
	fake_outb(vm, 0x70, 0x0c);
	(void)fake_inb(vm, 0x71);
	fake_run_for(vm, HZ / 100, HZ / 100000); /* RTC flag set meanwhile */
	fake_irq_reset();
	wr32(vm, CONFIG, ENABLE);
	report(fake_irq_level(vm, 8),
	       "legacy off: IRQ 8 takes the RTC's pending level");
	fake_run_for(vm, HZ / 100, HZ / 100000);
	report(fake_irq_edges(0) >= 9,
	       "legacy off: the 8254 drives IRQ 0 again (%u)",
	       fake_irq_edges(0));

	/* A guest reset ends legacy mode too. */
	wr32(vm, CONFIG, ENABLE | LEG_RT);
	v3_devices_reset(vm);
	check_eq(rd32(vm, CONFIG), 0, "reset: HPET halted, legacy off");
	check_eq(vm->irq_replaced, 0, "reset: no line replaced");
	wr32(vm, CONFIG, ENABLE | LEG_RT);
	fixture_done(vm, "hpet legacy");
}

int main(void)
{
	test_ids();
	test_counter();
	test_level_status();
	test_oneshot();
	test_periodic();
	test_legacy();
	return report_summary("test_hpet");
}
