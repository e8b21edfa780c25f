/* test_devices.c - the PC platform devices in userspace, driven through
 * port accesses exactly as a guest (SeaBIOS, Linux) drives them, on a
 * fake VM whose host cycle counter the test advances (fake_vm.c).
 * Interrupts go through the real line, PIC and injection code: a vector
 * "taken" here is what the core would inject into vcpu 0. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_vm.h"
#include "uart16550.h"
#include "unit.h"
#include "vm_fixture.h"

#define GIB (1ull << 30)
#define PIT_HZ 1193182ull
#define HZ (FAKE_CPU_KHZ * 1000)

#define check_eq(got, want, ...)                                          \
	do {                                                              \
		unsigned long long g_ = (unsigned long long)(got);        \
		unsigned long long w_ = (unsigned long long)(want);       \
		if (!report(g_ == w_, __VA_ARGS__))                       \
			diag("got 0x%llx (%llu), want 0x%llx (%llu)", g_, \
			     g_, w_, w_);                                 \
	} while (0)

/* ---- 8259A helpers ------------------------------------------------------ */

#define PIC1 0x20
#define PIC2 0xa0

/* The sequence Linux's init_8259A and SeaBIOS use: ICW1 edge+ICW4,
 * ICW2 vector base, ICW3 cascade wiring, ICW4 8086 mode (+AEOI). */
static void pic_init(struct v3_vm *vm, uint8_t base1, uint8_t base2,
		     uint8_t icw4)
{
	fake_outb(vm, PIC1, 0x11);
	fake_outb(vm, PIC1 + 1, base1);
	fake_outb(vm, PIC1 + 1, 0x04);
	fake_outb(vm, PIC1 + 1, icw4);
	fake_outb(vm, PIC2, 0x11);
	fake_outb(vm, PIC2 + 1, base2);
	fake_outb(vm, PIC2 + 1, 0x02);
	fake_outb(vm, PIC2 + 1, icw4);
}

static void pic_mask(struct v3_vm *vm, uint8_t m1, uint8_t m2)
{
	fake_outb(vm, PIC1 + 1, m1);
	fake_outb(vm, PIC2 + 1, m2);
}

static uint8_t pic_isr(struct v3_vm *vm, uint16_t pic)
{
	fake_outb(vm, pic, 0x0b); /* OCW3: read ISR */
	return fake_inb(vm, pic);
}

static uint8_t pic_irr(struct v3_vm *vm, uint16_t pic)
{
	fake_outb(vm, pic, 0x0a); /* OCW3: read IRR */
	return fake_inb(vm, pic);
}

static void pic_eoi(struct v3_vm *vm, uint16_t pic)
{
	fake_outb(vm, pic, 0x20); /* OCW2: non-specific EOI */
}

/* The PIC's own controller ops, reached through intr.c's private table
 * (layout mirrored here) to interleave a line change between pending()
 * and ack(), as another vcpu thread could. */
struct mirror_intr_ctrls {
	int n; // cppcheck-suppress unusedStructMember
	struct {
		const struct v3_intr_ctrl *ops;
		void *priv;
	} s[4];
};

static void test_pic_basics(void)
{
	struct v3_vm *vm = fixture_vm("device = pic8259\n", 16 << 20, 2);

	fake_outb(vm, PIC1 + 1, 0xfb);
	check_eq(fake_inb(vm, PIC1 + 1), 0xfb,
		 "pic: IMR reads back before init (Linux's probe)");
	pic_init(vm, 0x20, 0x28, 0x01);
	check_eq(fake_inb(vm, PIC1 + 1), 0x00, "pic: ICW1 clears the IMR");
	pic_mask(vm, 0xfa, 0xff); /* IRQ 0 and the cascade open */
	check_eq(fake_take_interrupt(vm), -1, "pic: nothing pending after init");

	v3_irq_pulse(vm, 1);
	check_eq(fake_take_interrupt(vm), -1, "pic: masked IRQ 1 not delivered");
	report(pic_irr(vm, PIC1) & 0x02, "pic: masked edge latched in IRR");

	v3_irq_pulse(vm, 0);
	report(v3_intr_pending(vm->vcpus[0]) &&
		   !v3_intr_pending(vm->vcpus[1]),
	       "pic: INT goes to vcpu 0 only");
	check_eq(fake_take_interrupt(vm), 0x20, "pic: IRQ 0 -> vector 0x20");
	check_eq(pic_isr(vm, PIC1), 0x01, "pic: INTA sets ISR bit 0");
	check_eq(pic_irr(vm, PIC1) & 0x01, 0, "pic: INTA clears the edge");
	v3_irq_pulse(vm, 0);
	check_eq(fake_take_interrupt(vm), -1,
		 "pic: same level blocked while in service");
	pic_eoi(vm, PIC1);
	check_eq(fake_take_interrupt(vm), 0x20,
		 "pic: latched edge delivered after EOI");
	pic_eoi(vm, PIC1);

	fake_outb(vm, PIC1 + 1, 0xf8); /* unmask IRQ 1 */
	check_eq(fake_take_interrupt(vm), 0x21,
		 "pic: unmasking delivers the latched IRQ 1");
	v3_irq_pulse(vm, 0);
	check_eq(fake_take_interrupt(vm), 0x20,
		 "pic: IRQ 0 preempts IRQ 1 in service (fully nested)");
	check_eq(pic_isr(vm, PIC1), 0x03, "pic: both in service");
	pic_eoi(vm, PIC1);
	check_eq(pic_isr(vm, PIC1), 0x02,
		 "pic: non-specific EOI clears the highest (IRQ 0)");
	fake_outb(vm, PIC1, 0x61); /* specific EOI, level 1 */
	check_eq(pic_isr(vm, PIC1), 0x00, "pic: specific EOI clears IRQ 1");

	/* Cascade: IRQ 8 through the slave on the master's IR2. */
	fake_outb(vm, PIC2 + 1, 0xfe);
	v3_irq_pulse(vm, 8);
	check_eq(fake_take_interrupt(vm), 0x28, "pic: IRQ 8 -> slave vector 0x28");
	report(pic_isr(vm, PIC1) == 0x04 && pic_isr(vm, PIC2) == 0x01,
	       "pic: cascade INTA sets master ISR2 and slave ISR0");
	pic_eoi(vm, PIC2);
	pic_eoi(vm, PIC1);
	report(pic_isr(vm, PIC1) == 0 && pic_isr(vm, PIC2) == 0,
	       "pic: EOI to both chips clears them");
	check_eq(fake_take_interrupt(vm), -1, "pic: idle again");
	fixture_done(vm, "pic");
}

static void test_pic_trigger_modes(void)
{
	struct v3_vm *vm = fixture_vm("device = pic8259\n", 16 << 20, 1);

	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xfb, 0xf3); /* IRQ 10 and 11 open */
	fake_outb(vm, 0x4d0, 0xff);
	check_eq(fake_inb(vm, 0x4d0), 0xf8,
		 "elcr: IRQ 0-2 cannot be level triggered");
	fake_outb(vm, 0x4d0, 0x00);
	fake_outb(vm, 0x4d1, 0x04);
	check_eq(fake_inb(vm, 0x4d1), 0x04, "elcr: IRQ 10 set to level");

	v3_irq_raise(vm, 10);
	check_eq(fake_take_interrupt(vm), 0x2a, "level: IRQ 10 delivered");
	pic_eoi(vm, PIC2);
	pic_eoi(vm, PIC1);
	check_eq(fake_take_interrupt(vm), 0x2a,
		 "level: still asserted after EOI -> delivered again");
	pic_eoi(vm, PIC2);
	pic_eoi(vm, PIC1);
	v3_irq_lower(vm, 10);
	check_eq(fake_take_interrupt(vm), -1, "level: deasserted -> nothing");
	v3_irq_raise(vm, 10);
	v3_irq_lower(vm, 10);
	check_eq(fake_take_interrupt(vm), -1,
		 "level: a pulse that ended before INTA is gone");

	v3_irq_raise(vm, 11);
	check_eq(fake_take_interrupt(vm), 0x2b, "edge: IRQ 11 delivered");
	pic_eoi(vm, PIC2);
	pic_eoi(vm, PIC1);
	check_eq(fake_take_interrupt(vm), -1,
		 "edge: held high after EOI -> no second interrupt");
	v3_irq_lower(vm, 11);
	v3_irq_raise(vm, 11);
	check_eq(fake_take_interrupt(vm), 0x2b, "edge: a new rising edge counts");
	pic_eoi(vm, PIC2);
	pic_eoi(vm, PIC1);
	v3_irq_lower(vm, 11);

	/* The request vanishes between pending() and INTA, as when another
	 * vcpu lowers the line: no ISR bit for an IR that is not there. */
	{
		struct mirror_intr_ctrls *c = (void *)vm->intr_ctrls;
		struct v3_vcpu *v = vm->vcpus[0];
		int vec;

		v3_irq_raise(vm, 10);
		vec = c->s[0].ops->pending(v, c->s[0].priv);
		v3_irq_lower(vm, 10);
		c->s[0].ops->ack(v, c->s[0].priv, vec);
		report(vec == 0x2a && pic_isr(vm, PIC2) == 0 &&
			   pic_isr(vm, PIC1) == 0x04,
		       "spurious: slave sets nothing, master ISR2 as on "
		       "hardware");
		pic_eoi(vm, PIC1);
	}
	fixture_done(vm, "pic trigger modes");
}

static void test_pic_modes(void)
{
	struct v3_vm *vm = fixture_vm("device = pic8259\n", 16 << 20, 1);

	pic_init(vm, 0x08, 0x70, 0x03); /* BIOS bases, auto-EOI */
	pic_mask(vm, 0xe0, 0xff);
	v3_irq_pulse(vm, 0);
	check_eq(fake_take_interrupt(vm), 0x08, "icw2: vector base 0x08");
	check_eq(pic_isr(vm, PIC1), 0, "aeoi: no ISR bit left set");

	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xe0, 0xff);
	fake_outb(vm, PIC1, 0xc0 | 3); /* set priority: IRQ 3 lowest */
	v3_irq_pulse(vm, 3);
	v3_irq_pulse(vm, 4);
	check_eq(fake_take_interrupt(vm), 0x24,
		 "rotate: after 'IRQ 3 lowest', IRQ 4 wins");
	fake_outb(vm, PIC1, 0xe0 | 4); /* rotate on specific EOI 4 */
	check_eq(fake_take_interrupt(vm), 0x23, "rotate: then IRQ 3");
	pic_eoi(vm, PIC1);

	fake_outb(vm, PIC1, 0xc0 | 7); /* back to IRQ 0 highest */
	v3_irq_pulse(vm, 2 + 1);
	fake_outb(vm, PIC1, 0x0c); /* OCW3: poll */
	check_eq(fake_inb(vm, PIC1), 0x83, "poll: I bit and level 3");
	check_eq(pic_isr(vm, PIC1), 0x08, "poll: acts as INTA");
	fake_outb(vm, PIC1, 0x0c);
	check_eq(fake_inb(vm, PIC1), 0x00, "poll: nothing -> I bit clear");

	/* Special mask mode: IRQ 3 in service and masked lets IRQ 4 in. */
	fake_outb(vm, PIC1 + 1, 0xe8);
	v3_irq_pulse(vm, 4);
	check_eq(fake_take_interrupt(vm), -1,
		 "smm off: lower IRQ 4 waits for IRQ 3's EOI");
	fake_outb(vm, PIC1, 0x68); /* OCW3: set special mask */
	check_eq(fake_take_interrupt(vm), 0x24,
		 "smm on: masked in-service level does not block");
	fake_outb(vm, PIC1, 0x48); /* reset special mask */
	fake_outb(vm, PIC1, 0x60 | 4);
	fake_outb(vm, PIC1, 0x60 | 3);
	check_eq(pic_isr(vm, PIC1), 0, "smm: specific EOIs clear both");
	fixture_done(vm, "pic modes");
}

/* ---- 8254 helpers ------------------------------------------------------- */

/* First host cycle of PIT tick t (the device counts from cycle 0). */
static uint64_t tick_cycles(uint64_t t)
{
	return (uint64_t)(((unsigned __int128)t * HZ + PIT_HZ - 1) / PIT_HZ);
}

static void pit_program(struct v3_vm *vm, int ch, uint8_t mode_rw,
			uint16_t count)
{
	fake_outb(vm, 0x43, (uint8_t)(ch << 6 | mode_rw));
	fake_outb(vm, (uint16_t)(0x40 + ch), count & 0xff);
	fake_outb(vm, (uint16_t)(0x40 + ch), count >> 8);
}

static uint16_t pit_read16(struct v3_vm *vm, int ch)
{
	uint8_t lo = fake_inb(vm, (uint16_t)(0x40 + ch));

	return (uint16_t)(lo | fake_inb(vm, (uint16_t)(0x40 + ch)) << 8);
}

static uint16_t pit_latched(struct v3_vm *vm, int ch)
{
	fake_outb(vm, 0x43, (uint8_t)(ch << 6)); /* counter latch */
	return pit_read16(vm, ch);
}

static bool out2(struct v3_vm *vm)
{
	return fake_inb(vm, 0x61) & 0x20;
}

static void test_pit_irq0(void)
{
	struct v3_vm *vm =
	    fixture_vm("device = pic8259\ndevice = pit8254\n", 16 << 20, 1);
	unsigned edges;
	int taken = 0, i;

	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xfe, 0xff);
	/* Linux's periodic PIT: mode 2, LATCH = 1193 (1000 Hz). */
	pit_program(vm, 0, 0x34, 1193);
	for (i = 0; i < 10000; i++) { /* 100 ms in 10 us exits */
		fake_run_for(vm, HZ / 100000, 0);
		if (fake_take_interrupt(vm) == 0x20) {
			taken++;
			pic_eoi(vm, PIC1);
		}
	}
	edges = fake_irq_edges(0);
	report(edges >= 99 && edges <= 101, "pit mode 2: 100 ms -> ~100 IRQ 0 "
	       "edges (%u)", edges);
	check_eq(taken, edges, "pit mode 2: every edge became vector 0x20");

	fake_irq_reset();
	fake_run_for(vm, HZ / 20, 0); /* the guest was away 50 ms */
	check_eq(fake_irq_edges(0), 1,
		 "pit: 50 missed periods coalesce into one IRQ 0");
	fake_irq_reset();
	fake_run_for(vm, HZ / 100, HZ / 100000);
	edges = fake_irq_edges(0);
	report(edges >= 9 && edges <= 11,
	       "pit: periodic again after coalescing (%u in 10 ms)", edges);
	while (fake_take_interrupt(vm) >= 0)
		pic_eoi(vm, PIC1);

	/* SeaBIOS: mode 3, count 0 = 65536 -> 18.2 Hz. */
	fake_irq_reset();
	pit_program(vm, 0, 0x36, 0);
	fake_run_for(vm, HZ, HZ / 1000);
	check_eq(fake_irq_edges(0), 18, "pit mode 3, count 0: 18 IRQs in 1 s");

	/* Mode 0 is one-shot; LSB-only access. */
	fake_irq_reset();
	fake_outb(vm, 0x43, 0x10); /* ch 0, LSB only, mode 0 */
	fake_outb(vm, 0x40, 100);
	fake_run_for(vm, HZ / 10, HZ / 10000);
	check_eq(fake_irq_edges(0), 1, "pit mode 0: exactly one IRQ 0");
	fixture_done(vm, "pit irq0");
}

static void test_pit_counts(void)
{
	struct v3_vm *vm = fixture_vm("device = pit8254\n", 16 << 20, 1);

	/* Written at tick 0: counting starts at tick 1. */
	pit_program(vm, 0, 0x34, 1000);
	fake_set_cycles(tick_cycles(1 + 300));
	check_eq(pit_latched(vm, 0), 700, "pit: latched count after 300 ticks");
	fake_outb(vm, 0x43, 0x00);
	fake_set_cycles(tick_cycles(1 + 350));
	fake_outb(vm, 0x43, 0x00); /* a second latch is ignored */
	check_eq(pit_read16(vm, 0), 700, "pit: latch holds until read");
	check_eq(pit_read16(vm, 0), 650, "pit: then reads run live");
	fake_set_cycles(tick_cycles(1 + 1000 + 10));
	check_eq(pit_latched(vm, 0), 990, "pit mode 2: reloads every N");

	/* Read-back: status then count of channel 0. */
	fake_outb(vm, 0x43, 0xc2);
	check_eq(fake_inb(vm, 0x40), 0xb4,
		 "read-back status: OUT high, word access, mode 2");
	check_eq(pit_read16(vm, 0), 990, "read-back count");
	fake_outb(vm, 0x43, 0xb0); /* ch 2 mode 0, no count yet */
	fake_outb(vm, 0x43, 0xe8); /* read-back status of ch 2 only */
	check_eq(fake_inb(vm, 0x42), 0x70,
		 "read-back: null count, OUT low after mode 0 control word");

	/* MSB-only access. */
	fake_outb(vm, 0x43, 0x64); /* ch 1, MSB only, mode 2 */
	fake_outb(vm, 0x41, 0x02);
	fake_outb(vm, 0x43, 0x40);
	check_eq(fake_inb(vm, 0x41), 0x02, "pit: MSB-only count 0x200");
	fixture_done(vm, "pit counts");
}

static void test_pit_channel2(void)
{
	struct v3_vm *vm = fixture_vm("device = pit8254\n", 16 << 20, 1);
	uint64_t start, spent, want, n = 11932; /* 10 ms, as calibration */
	bool r0, r1;

	/* Linux's pit_calibrate_tsc: gate on, speaker off, mode 0. */
	fake_set_cycles(tick_cycles(1000));
	fake_outb(vm, 0x61, (fake_inb(vm, 0x61) & ~0x02) | 0x01);
	check_eq(fake_inb(vm, 0x61) & 0x0f, 0x01, "port 0x61: bits 3-0 read back");
	pit_program(vm, 2, 0x30, (uint16_t)n);
	report(!out2(vm), "OUT2 low after the count is written");
	fake_set_cycles(tick_cycles(1000 + 1 + n) - 1);
	report(!out2(vm), "OUT2 still low one cycle before N+1 ticks");
	fake_set_cycles(tick_cycles(1000 + 1 + n));
	report(out2(vm), "OUT2 high exactly N+1 ticks after the write");

	/* SeaBIOS's tsctimer_setup spins on bit 5 between RDTSCs. */
	pit_program(vm, 2, 0x30, (uint16_t)n);
	start = fake_cycles();
	while (!out2(vm))
		fake_advance_cycles(977);
	spent = fake_cycles() - start;
	want = n * HZ / PIT_HZ;
	report(spent >= want && spent <= want + 2 * tick_cycles(1) + 977,
	       "spin on port 0x61 bit 5 measures N ticks (%llu cycles, want "
	       "%llu)",
	       (unsigned long long)spent, (unsigned long long)want);

	/* The gate pauses mode 0. */
	fake_set_cycles(tick_cycles(100000));
	pit_program(vm, 2, 0x30, 100);
	fake_set_cycles(tick_cycles(100000 + 1 + 40));
	fake_outb(vm, 0x61, 0x00);
	fake_set_cycles(tick_cycles(100000 + 1 + 500));
	check_eq(pit_latched(vm, 2), 60, "gate low freezes the mode 0 count");
	report(!out2(vm), "OUT2 stays low while the gate is low");
	fake_outb(vm, 0x61, 0x01);
	fake_set_cycles(tick_cycles(100000 + 1 + 500 + 60));
	report(out2(vm), "counting resumes with the gate");

	/* Mode 1: the gate's rising edge triggers the one-shot. */
	fake_outb(vm, 0x61, 0x00);
	pit_program(vm, 2, 0x32, 100);
	report(out2(vm), "mode 1: OUT high until triggered");
	fake_outb(vm, 0x61, 0x01);
	fake_advance_cycles(tick_cycles(50));
	report(!out2(vm), "mode 1: OUT low after the gate trigger");
	fake_advance_cycles(tick_cycles(60));
	report(out2(vm), "mode 1: OUT high at terminal count");

	/* Mode 3: square wave, N = 100 -> 50 high, 50 low. */
	fake_set_cycles(tick_cycles(200000));
	pit_program(vm, 2, 0x36, 100);
	fake_set_cycles(tick_cycles(200000 + 1 + 10));
	r0 = out2(vm);
	fake_set_cycles(tick_cycles(200000 + 1 + 60));
	r1 = out2(vm);
	report(r0 && !r1, "mode 3: OUT2 high then low within a period");

	/* Mode 4: one-tick strobe at terminal count. */
	fake_set_cycles(tick_cycles(300000));
	pit_program(vm, 2, 0x38, 20);
	fake_set_cycles(tick_cycles(300000 + 1 + 20));
	r0 = out2(vm);
	fake_set_cycles(tick_cycles(300000 + 1 + 21));
	r1 = out2(vm);
	report(!r0 && r1, "mode 4: OUT low for the tick at count 0");

	/* Refresh toggles every 18 ticks (15 us). */
	fake_set_cycles(tick_cycles(18 * 40));
	r0 = fake_inb(vm, 0x61) & 0x10;
	fake_set_cycles(tick_cycles(18 * 41));
	r1 = fake_inb(vm, 0x61) & 0x10;
	report(r0 != r1, "port 0x61 bit 4 toggles with refresh");
	fixture_done(vm, "pit channel 2");
}

/* ---- MC146818 ------------------------------------------------------------ */

static uint8_t cmos(struct v3_vm *vm, uint8_t idx)
{
	fake_outb(vm, 0x70, idx);
	return fake_inb(vm, 0x71);
}

static void cmos_write(struct v3_vm *vm, uint8_t idx, uint8_t val)
{
	fake_outb(vm, 0x70, idx);
	fake_outb(vm, 0x71, val);
}

static void test_rtc_time(void)
{
	/* 2024-02-29 23:59:58 UTC, a Thursday, leap day. */
	struct v3_vm *vm = fixture_vm("device = rtc_cmos time=1709251198\n",
				   2 * GIB, 2);
	bool uip_late, uip_mid;

	fake_set_cycles(HZ / 2);
	report(cmos(vm, 0) == 0x58 && cmos(vm, 2) == 0x59 &&
		   cmos(vm, 4) == 0x23,
	       "rtc: BCD time 23:59:58");
	report(cmos(vm, 7) == 0x29 && cmos(vm, 8) == 0x02 &&
		   cmos(vm, 9) == 0x24 && cmos(vm, 0x32) == 0x20,
	       "rtc: BCD date 2024-02-29, century 20");
	check_eq(cmos(vm, 6), 5, "rtc: day of week Thursday = 5");
	fake_set_cycles(3 * HZ + HZ / 2);
	report(cmos(vm, 0) == 0x01 && cmos(vm, 2) == 0 && cmos(vm, 4) == 0 &&
		   cmos(vm, 7) == 0x01 && cmos(vm, 8) == 0x03 &&
		   cmos(vm, 6) == 6,
	       "rtc: 3 s later: Friday 2024-03-01 00:00:01");
	fake_set_cycles(14 * HZ + HZ / 2);
	check_eq(cmos(vm, 0), 0x12, "rtc: seconds 12 in BCD");
	cmos_write(vm, 0x0b, 0x06); /* binary, 24 h */
	check_eq(cmos(vm, 0), 12, "rtc: seconds 12 in binary");
	check_eq(cmos(vm, 9), 24, "rtc: year 24 in binary");

	fake_set_cycles(20 * HZ - HZ / 10000); /* 100 us before an update */
	uip_late = cmos(vm, 0x0a) & 0x80;
	fake_set_cycles(20 * HZ + HZ / 2);
	uip_mid = cmos(vm, 0x0a) & 0x80;
	report(uip_late && !uip_mid,
	       "rtc: UIP set 100 us before the update, clear mid-second");
	check_eq(cmos(vm, 0x0a) & 0x7f, 0x26, "rtc: register A default 0x26");
	check_eq(cmos(vm, 0x0d), 0x80, "rtc: register D valid RAM and time");

	/* Linux's mc146818_set_time: SET, write, clear SET. */
	cmos_write(vm, 0x0b, 0x82); /* SET, BCD, 24 h */
	cmos_write(vm, 4, 0x13);
	cmos_write(vm, 2, 0x45);
	cmos_write(vm, 0, 0x00);
	fake_advance_cycles(5 * HZ);
	check_eq(cmos(vm, 0), 0x00, "rtc: SET holds the time registers");
	cmos_write(vm, 0x0b, 0x02);
	fake_advance_cycles(2 * HZ + HZ / 2);
	report(cmos(vm, 4) == 0x13 && cmos(vm, 2) == 0x45 &&
		   cmos(vm, 0) == 0x02,
	       "rtc: runs from the written time when SET clears");
	cmos_write(vm, 0x0b, 0x00); /* 12-hour BCD */
	check_eq(cmos(vm, 4), 0x81, "rtc: 13h in 12-hour mode is PM|1");
	cmos_write(vm, 0x0b, 0x02);

	fake_outb(vm, 0x70, 0x80 | 0x0d); /* NMI masked, index 0x0d */
	check_eq(fake_inb(vm, 0x71), 0x80, "rtc: bit 7 of the index is NMI");
	cmos_write(vm, 0x40, 0x5a);
	check_eq(cmos(vm, 0x40), 0x5a, "cmos: RAM byte reads back");
	fixture_done(vm, "rtc time");
}

static void test_rtc_irq(void)
{
	struct v3_vm *vm =
	    fixture_vm("device = pic8259\ndevice = rtc_cmos\n", 2 * GIB, 1);
	int i, taken = 0;
	uint8_t c = 0;

	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xfb, 0xfe);
	cmos(vm, 0x0c);
	fake_advance_cycles(HZ + HZ / 3);
	check_eq(cmos(vm, 0x0c), 0x50,
		 "rtc: polled register C shows PF and UF, no IRQF");
	check_eq(cmos(vm, 0x0c), 0x00, "rtc: reading register C clears it");

	cmos_write(vm, 0x0b, 0x42); /* PIE, 1024 Hz from register A */
	for (i = 0; i < 1000; i++) { /* 100 ms in 100 us exits */
		int vec;

		fake_run_for(vm, HZ / 10000, 0);
		vec = fake_take_interrupt(vm);
		if (vec < 0)
			continue;
		taken += vec == 0x28;
		c |= cmos(vm, 0x0c);
		pic_eoi(vm, PIC2);
		pic_eoi(vm, PIC1);
	}
	report(taken >= 101 && taken <= 104,
	       "rtc: periodic IRQ 8 at 1024 Hz: %d in 100 ms", taken);
	check_eq(c, 0xc0, "rtc: handler saw IRQF|PF in register C");

	fake_irq_reset();
	fake_run_for(vm, HZ / 100, HZ / 100000);
	check_eq(fake_irq_edges(8), 1,
		 "rtc: without a register C read IRQ 8 stays high, one edge");
	cmos(vm, 0x0c);
	report(!fake_irq_level(vm, 8), "rtc: reading register C lowers IRQ 8");
	while (fake_take_interrupt(vm) >= 0) {
		pic_eoi(vm, PIC2);
		pic_eoi(vm, PIC1);
	}

	/* Alarm with every field "don't care": one AF interrupt a second. */
	cmos_write(vm, 0x0b, 0x02);
	cmos(vm, 0x0c);
	cmos_write(vm, 1, 0xc0);
	cmos_write(vm, 3, 0xc0);
	cmos_write(vm, 5, 0xc0);
	cmos_write(vm, 0x0b, 0x22);
	taken = 0;
	for (i = 0; i < 300; i++) { /* 3 s in 10 ms exits */
		fake_run_for(vm, HZ / 100, 0);
		if (fake_take_interrupt(vm) == 0x28) {
			taken += (cmos(vm, 0x0c) & 0xa0) == 0xa0;
			pic_eoi(vm, PIC2);
			pic_eoi(vm, PIC1);
		}
	}
	check_eq(taken, 3, "rtc: alarm interrupt once a second");
	fixture_done(vm, "rtc irq");
}

static void test_cmos_platform(void)
{
	struct v3_vm *vm = fixture_vm("device = rtc_cmos\n", 2 * GIB, 2);
	uint32_t above16;

	report(cmos(vm, 0x15) == 0x80 && cmos(vm, 0x16) == 0x02,
	       "cmos 0x15/0x16: 640 KiB base memory");
	report(cmos(vm, 0x17) == 0xff && cmos(vm, 0x18) == 0xff &&
		   cmos(vm, 0x30) == 0xff && cmos(vm, 0x31) == 0xff,
	       "cmos 0x17/0x18, 0x30/0x31: extended KiB capped at 65535");
	above16 = (uint32_t)cmos(vm, 0x34) << 16 | (uint32_t)cmos(vm, 0x35)
							  << 24;
	check_eq(above16 + (16u << 20), 2 * GIB,
		 "cmos 0x34/0x35: SeaBIOS computes 2 GiB of RAM");
	report(cmos(vm, 0x5b) == 0 && cmos(vm, 0x5c) == 0 &&
		   cmos(vm, 0x5d) == 0,
	       "cmos 0x5b-0x5d: nothing above 4 GiB");
	check_eq(cmos(vm, 0x5f), 1, "cmos 0x5f: 2 vcpus - 1");
	check_eq(cmos(vm, 0x14), 0x02, "cmos 0x14: equipment byte (FPU)");
	fixture_done(vm, "cmos 2G");

	vm = fixture_vm("device = rtc_cmos equipment=0x06\n", 6 * GIB, 1);
	report(cmos(vm, 0x34) == 0x00 && cmos(vm, 0x35) == 0xdf,
	       "cmos 6 GiB: 3.5 GiB below 4G (0x34/0x35)");
	report(cmos(vm, 0x5b) == 0x00 && cmos(vm, 0x5c) == 0xa0 &&
		   cmos(vm, 0x5d) == 0x00,
	       "cmos 6 GiB: 2.5 GiB above 4G in 64 KiB units (0x5b-0x5d)");
	check_eq(cmos(vm, 0x14), 0x06, "cmos 0x14: equipment= option");
	check_eq(cmos(vm, 0x5f), 0, "cmos 0x5f: one vcpu");
	fixture_done(vm, "cmos 6G");
}

/* ---- 16550A -------------------------------------------------------------- */

#define COM1 0x3f8

static void test_uart(void)
{
	struct v3_vm *vm =
	    fixture_vm("device = pic8259\ndevice = uart16550\n", 16 << 20, 1);
	char in[300];
	int i;

	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xef, 0xff);
	fake_outb(vm, COM1 + 7, 0x5a);
	check_eq(fake_inb(vm, COM1 + 7), 0x5a, "uart: scratch register");
	fake_outb(vm, COM1 + 1, 0xff);
	check_eq(fake_inb(vm, COM1 + 1), 0x0f, "uart: IER keeps bits 3-0");
	fake_outb(vm, COM1 + 1, 0x00);

	/* Linux's autoconfig loopback check: MCR = LOOP|RTS|OUT2. */
	fake_outb(vm, COM1 + 4, 0x1a);
	check_eq(fake_inb(vm, COM1 + 6) & 0xf0, 0x90,
		 "uart loopback: MSR = CTS|DCD from RTS|OUT2");
	fake_outb(vm, COM1 + 0, 'L');
	report((fake_inb(vm, COM1 + 5) & 0x01) &&
		   fake_inb(vm, COM1 + 0) == 'L',
	       "uart loopback: THR byte comes back on RBR");
	check_eq(strlen(fake_console()), 0,
		 "uart loopback: nothing reaches the console");
	fake_outb(vm, COM1 + 4, 0x0b); /* DTR|RTS|OUT2 */
	fake_inb(vm, COM1 + 6);		/* clear the MSR deltas */

	fake_outb(vm, COM1 + 3, 0x83); /* DLAB, 8N1 */
	fake_outb(vm, COM1 + 0, 0x01);
	fake_outb(vm, COM1 + 1, 0x00);
	check_eq(fake_inb(vm, COM1 + 0), 0x01, "uart: divisor latch 115200");
	fake_outb(vm, COM1 + 3, 0x03);
	fake_outb(vm, COM1 + 2, 0xc7); /* FIFO on, reset, trigger 14 */
	check_eq(fake_inb(vm, COM1 + 2), 0xc1, "uart: IIR FIFO bits, no int");
	fake_outb(vm, COM1, 'h');
	fake_outb(vm, COM1, 'i');
	report(!strcmp(fake_console(), "hi"), "uart: THR bytes to the console");
	check_eq(fake_inb(vm, COM1 + 5), 0x60, "uart: LSR THRE|TEMT");

	/* THRE interrupt and Linux's THRE test (IER on, off, on). */
	fake_outb(vm, COM1 + 1, 0x02);
	check_eq(fake_take_interrupt(vm), 0x24, "uart: THRE -> IRQ 4 vector");
	check_eq(fake_inb(vm, COM1 + 2), 0xc2, "uart: IIR says THRE");
	check_eq(fake_inb(vm, COM1 + 2), 0xc1, "uart: reading IIR acked THRE");
	fake_outb(vm, COM1 + 1, 0x00);
	fake_outb(vm, COM1 + 1, 0x02);
	check_eq(fake_inb(vm, COM1 + 2), 0xc2,
		 "uart: re-enabling THRE with THR empty raises it again");
	pic_eoi(vm, PIC1);
	fake_outb(vm, COM1 + 1, 0x00);

	/* Receive: below the trigger level -> character timeout. */
	fake_outb(vm, COM1 + 1, 0x01);
	v3_uart_input(vm, "xyz", 3);
	check_eq(fake_take_interrupt(vm), 0x24, "uart: input raises IRQ 4");
	check_eq(fake_inb(vm, COM1 + 2), 0xcc, "uart: 3 < 14 bytes: timeout ID");
	report(fake_inb(vm, COM1) == 'x' && fake_inb(vm, COM1) == 'y' &&
		   fake_inb(vm, COM1) == 'z',
	       "uart: RBR returns the input in order");
	report(!(fake_inb(vm, COM1 + 5) & 1) &&
		   fake_inb(vm, COM1 + 2) == 0xc1,
	       "uart: drained: DR clear, no interrupt");
	pic_eoi(vm, PIC1);
	fake_outb(vm, COM1 + 2, 0x07); /* trigger level 1 */
	v3_uart_input(vm, "a", 1);
	check_eq(fake_inb(vm, COM1 + 2), 0xc4, "uart: at trigger: RX data ID");
	fake_inb(vm, COM1);

	/* Priorities: line status > RX data > THRE > modem status. */
	for (i = 0; i < (int)sizeof(in); i++)
		in[i] = (char)('0' + i % 10);
	fake_outb(vm, COM1 + 1, 0x0f);
	v3_uart_input(vm, in, sizeof(in));
	check_eq(fake_inb(vm, COM1 + 2), 0xc6, "uart: overrun: line status ID");
	report(fake_inb(vm, COM1 + 5) & 0x02, "uart: LSR OE set");
	check_eq(fake_inb(vm, COM1 + 2), 0xc4,
		 "uart: LSR read clears OE; then RX data");
	for (i = 0; i < 256; i++)
		fake_inb(vm, COM1);
	check_eq(fake_inb(vm, COM1 + 2), 0xc2, "uart: then THRE");
	fake_outb(vm, COM1 + 4, 0x0a); /* drop DTR: DSR delta */
	check_eq(fake_inb(vm, COM1 + 2), 0xc1, "uart: no delta outside loop");
	fake_outb(vm, COM1 + 4, 0x19); /* loop with DTR only */
	check_eq(fake_inb(vm, COM1 + 2), 0xc0, "uart: then modem status");
	report(!fake_irq_level(vm, 4),
	       "uart: in loopback OUT2 does not reach IRQ 4");
	fake_inb(vm, COM1 + 6);
	check_eq(fake_inb(vm, COM1 + 2), 0xc1, "uart: MSR read clears it");
	fake_outb(vm, COM1 + 4, 0x03); /* out of loop, OUT2 off */
	fake_inb(vm, COM1 + 6);
	fake_outb(vm, COM1 + 1, 0x00);
	fake_outb(vm, COM1 + 1, 0x02); /* THRE pending again */
	report(!fake_irq_level(vm, 4), "uart: OUT2 clear gates IRQ 4 off");
	fake_outb(vm, COM1 + 4, 0x0b);
	report(fake_irq_level(vm, 4), "uart: OUT2 set lets it through");
	fixture_done(vm, "uart");
}

/* ---- 8042 ---------------------------------------------------------------- */

/* Read one byte the way SeaBIOS and Linux do: wait for OBF, then read. */
static int kbc_read(struct v3_vm *vm)
{
	if (!(fake_inb(vm, 0x64) & 0x01))
		return -1;
	return fake_inb(vm, 0x60);
}

static int kbc_cmd(struct v3_vm *vm, uint8_t cmd)
{
	fake_outb(vm, 0x64, cmd);
	return kbc_read(vm);
}

static void test_8042(void)
{
	struct v3_vm *vm =
	    fixture_vm("device = pic8259\ndevice = ps2_8042\n", 16 << 20, 1);
	int b0, b1, b2;

	check_eq(fake_inb(vm, 0x64), 0x10, "8042: power-on status");
	check_eq(kbc_cmd(vm, 0xaa), 0x55, "8042: self-test 0xAA -> 0x55");
	report(fake_inb(vm, 0x64) & 0x04, "8042: self-test sets SYS");
	check_eq(kbc_cmd(vm, 0xab), 0x00, "8042: keyboard interface test ok");
	check_eq(kbc_cmd(vm, 0x20), 0x44,
		 "8042: command byte: translate, SYS, interrupts off");
	fake_outb(vm, 0x64, 0x60);
	fake_outb(vm, 0x60, 0x74);
	check_eq(kbc_cmd(vm, 0x20), 0x74, "8042: command byte written");
	fake_outb(vm, 0x64, 0xa8);
	fake_outb(vm, 0x64, 0xae);
	check_eq(kbc_cmd(vm, 0x20), 0x44,
		 "8042: 0xA8/0xAE clear the disable bits");
	fake_outb(vm, 0x64, 0xa7);
	fake_outb(vm, 0x64, 0xad);
	check_eq(kbc_cmd(vm, 0x20), 0x74,
		 "8042: 0xA7/0xAD set the disable bits");

	/* Keyboard reset with interrupts, as Linux's atkbd would see it. */
	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xfd, 0xff);
	fake_outb(vm, 0x64, 0x60);
	fake_outb(vm, 0x60, 0x45);
	fake_irq_reset();
	fake_outb(vm, 0x60, 0xff);
	check_eq(fake_take_interrupt(vm), 0x21, "kbd: reply raises IRQ 1");
	b0 = fake_inb(vm, 0x60);
	pic_eoi(vm, PIC1);
	check_eq(fake_take_interrupt(vm), 0x21, "kbd: next byte, next IRQ 1");
	b1 = fake_inb(vm, 0x60);
	pic_eoi(vm, PIC1);
	report(b0 == 0xfa && b1 == 0xaa, "kbd: reset 0xFF -> FA AA");
	check_eq(fake_irq_edges(1), 2, "kbd: one IRQ 1 edge per byte");
	check_eq(kbc_read(vm), -1, "kbd: output buffer empty afterwards");

	fake_outb(vm, 0x60, 0xf2);
	b0 = kbc_read(vm);
	b1 = kbc_read(vm);
	b2 = kbc_read(vm);
	report(b0 == 0xfa && b1 == 0xab && b2 == 0x41,
	       "kbd: identify -> FA AB 41 (translated)");
	fake_outb(vm, 0x64, 0x60);
	fake_outb(vm, 0x60, 0x05); /* no translation */
	fake_outb(vm, 0x60, 0xf2);
	b0 = kbc_read(vm);
	b1 = kbc_read(vm);
	b2 = kbc_read(vm);
	report(b0 == 0xfa && b1 == 0xab && b2 == 0x83,
	       "kbd: identify -> FA AB 83 untranslated");
	fake_outb(vm, 0x60, 0xed);
	b0 = kbc_read(vm);
	fake_outb(vm, 0x60, 0x07);
	report(b0 == 0xfa && kbc_read(vm) == 0xfa, "kbd: set LEDs ACKs twice");
	fake_outb(vm, 0x60, 0xf0);
	kbc_read(vm);
	fake_outb(vm, 0x60, 0x00);
	b0 = kbc_read(vm);
	report(b0 == 0xfa && kbc_read(vm) == 0x02, "kbd: scan set query -> 2");
	fake_outb(vm, 0x60, 0xf5);
	b0 = kbc_read(vm);
	fake_outb(vm, 0x60, 0xf4);
	report(b0 == 0xfa && kbc_read(vm) == 0xfa, "kbd: disable/enable ACK");
	fake_outb(vm, 0x60, 0xee);
	check_eq(kbc_read(vm), 0xee, "kbd: echo");
	fake_outb(vm, 0x60, 0x01);
	check_eq(kbc_read(vm), 0xfe, "kbd: unknown command -> resend");

	/* Linux's i8042_check_aux: loop then interface test -> no AUX. */
	fake_outb(vm, 0x64, 0xd3);
	fake_outb(vm, 0x60, 0x5a);
	b0 = fake_inb(vm, 0x64);
	report((b0 & 0x01) && !(b0 & 0x20),
	       "aux: loop byte comes back without the AUX flag");
	b1 = kbc_cmd(vm, 0xa9);
	report(b1 != 0 && b1 != 0xfa && b1 != 0xff,
	       "aux: interface test reports an error (0x%02x)", b1);
	check_eq(kbc_read(vm), -1, "aux: nothing left behind");
	fake_outb(vm, 0x64, 0xd4);
	fake_outb(vm, 0x60, 0xf2);
	b0 = fake_inb(vm, 0x64);
	report((b0 & 0x61) == 0x61 && fake_inb(vm, 0x60) == 0xfe,
	       "aux: mouse command -> FE with AUX and timeout flags");

	check_eq(kbc_cmd(vm, 0xd0), 0x03, "8042: output port: reset high, A20");
	fake_outb(vm, 0x64, 0xd1);
	fake_outb(vm, 0x60, 0x01);
	report(kbc_cmd(vm, 0xd0) == 0x01 && !vm->stop_requested,
	       "8042: 0xD1 clears A20 without reset");
	fake_outb(vm, 0x64, 0xfe);
	report(vm->stop_requested && vm->exit_status == 0 &&
		   !strcmp(vm->stop_reason, "guest reset (8042)"),
	       "8042: pulse reset 0xFE stops the VM (status 0)");
	fixture_done(vm, "8042");

	vm = fixture_vm("device = ps2_8042\n", 16 << 20, 1);
	fake_outb(vm, 0x64, 0xd1);
	fake_outb(vm, 0x60, 0x02);
	report(vm->stop_requested, "8042: output port bit 0 low resets too");
	fixture_done(vm, "8042 reset");
}

/* ---- port 0x92, 0x80, 0x402, configuration -------------------------------- */

static void test_misc_ports(void)
{
	struct v3_vm *vm =
	    fixture_vm("device = port92\ndevice = postcode\n", 16 << 20, 1);

	check_eq(fake_inb(vm, 0x92), 0x02, "port 0x92: A20 on at reset");
	fake_outb(vm, 0x92, 0x00);
	check_eq(fake_inb(vm, 0x92), 0x00, "port 0x92: A20 off");
	report(!vm->stop_requested, "port 0x92: no reset yet");
	fake_outb(vm, 0x92, 0x01);
	report(vm->stop_requested &&
		   !strcmp(vm->stop_reason, "guest reset (port 0x92)"),
	       "port 0x92: bit 0 rising requests a reset");

	fake_outb(vm, 0x80, 0x12);
	check_eq(fake_inb(vm, 0x80), 0x12, "port 0x80: last POST code");
	fake_outb(vm, 0x402, 'O');
	fake_outb(vm, 0x402, 'K');
	report(!strcmp(fake_console(), "OK"), "port 0x402: bytes to console");
	check_eq(fake_inb(vm, 0x402), 0xe9, "port 0x402: reads 0xe9");
	fixture_done(vm, "port92/postcode");

	vm = fixture_vm("device = postcode debugport=0\n", 16 << 20, 1);
	fake_inb(vm, 0x402);
	report(!fake_last_io_hooked(), "postcode debugport=0 leaves 0x402 free");
	fixture_done(vm, "postcode");
}

static bool create_fails(const char *devices, const char *want)
{
	char err[200] = "";
	struct v3_vm *vm;

	vm = fake_vm_create(devices, 16 << 20, 1, err, sizeof(err));
	if (vm) {
		fake_vm_destroy(vm);
		return false;
	}
	if (!strstr(err, want)) {
		diag("error was '%s'", err);
		return false;
	}
	return true;
}

static void test_config(void)
{
	struct v3_vm *vm;

	vm = fixture_vm("device = pic8259\ndevice = pit8254\ndevice = rtc_cmos\n"
		     "device = uart16550\ndevice = uart16550 port=0x2f8 irq=3\n"
		     "device = ps2_8042\ndevice = port92\ndevice = postcode\n"
		     "device = debugcon port=0xe9\n",
		     64 << 20, 1);
	report(vm->ndevs == 9, "the whole PC platform fits together");
	fixture_done(vm, "platform");
	report(create_fails("device = debugcon port=0x402\ndevice = postcode\n",
			    "taken"),
	       "postcode refuses a 0x402 another device holds");
	report(create_fails("device = uart16550\ndevice = uart16550\n", "taken"),
	       "two uarts on one port are refused");
	report(create_fails("device = uart16550 irq=16\n", "irq"),
	       "uart irq > 15 is refused");
	report(create_fails("device = rtc_cmos equipment=0x100\n", "equipment"),
	       "rtc equipment must be a byte");
	report(create_fails("device = pic8259\ndevice = pic8259\n", "taken"),
	       "a second PIC is refused");
}

/* A platform reset (v3_vm_do_reset calls v3_devices_reset): every device
 * back to power-on, the RTC keeping its time and RAM. */
static void test_reset(void)
{
	struct v3_vm *vm = fixture_vm(
	    "on_reset = reset\ndevice = pic8259\ndevice = pit8254\n"
	    "device = rtc_cmos\ndevice = uart16550\ndevice = ps2_8042\n"
	    "device = port92\ndevice = postcode\n",
	    64 << 20, 1);
	uint8_t sec;

	v3_vm_console_input(vm, "k", 1);
	report((fake_inb(vm, COM1 + 5) & 1) && fake_inb(vm, COM1) == 'k',
	       "console input reaches the first uart");

	pic_init(vm, 0x20, 0x28, 0x01);
	pic_mask(vm, 0xfa, 0xfe);
	pit_program(vm, 0, 0x34, 1193);
	cmos_write(vm, 0x0b, 0x42);
	cmos_write(vm, 0x40, 0x77);
	fake_outb(vm, COM1 + 3, 0x03);
	fake_outb(vm, COM1 + 2, 0x07);
	fake_outb(vm, COM1 + 1, 0x0f);
	fake_outb(vm, 0x64, 0xaa);
	fake_outb(vm, 0x92, 0x00);
	fake_outb(vm, 0x80, 0x42);
	fake_run_for(vm, HZ / 100, HZ / 10000);
	report(fake_irq_edges(0) > 0 && fake_irq_edges(8) > 0,
	       "reset: timers ran before the reset");

	fake_outb(vm, 0x64, 0xfe);
	report(vm->reset_requested && !vm->stop_requested,
	       "8042 pulse with on_reset = reset asks for a reset, no stop");
	sec = cmos(vm, 0);
	v3_devices_reset(vm);
	vm->reset_requested = false;
	fake_irq_reset();
	fake_run_for(vm, HZ / 100, HZ / 10000);
	report(fake_irq_edges(0) == 0 && fake_irq_edges(8) == 0,
	       "reset: PIT and RTC interrupts stop");
	report(fake_inb(vm, PIC1 + 1) == 0 && fake_take_interrupt(vm) == -1,
	       "reset: PIC back to power-on");
	check_eq(cmos(vm, 0x0b) & 0x70, 0, "reset: RTC interrupt enables clear");
	report(cmos(vm, 0x40) == 0x77 && cmos(vm, 0) == sec,
	       "reset: CMOS RAM and time survive");
	report(fake_inb(vm, COM1 + 2) == 0x01 && fake_inb(vm, COM1 + 1) == 0 &&
		   fake_inb(vm, COM1 + 3) == 0,
	       "reset: uart IIR, IER, LCR at power-on values");
	report(fake_inb(vm, 0x64) == 0x10 && fake_inb(vm, 0x92) == 0x02 &&
		   fake_inb(vm, 0x80) == 0,
	       "reset: 8042 status, port 0x92 and POST code at power-on");
	fake_outb(vm, 0x92, 0x01);
	report(vm->reset_requested && !vm->stop_requested,
	       "port 0x92 fast reset with on_reset = reset");
	fixture_done(vm, "reset");
}

int main(void)
{
	test_pic_basics();
	test_pic_trigger_modes();
	test_pic_modes();
	test_pit_irq0();
	test_pit_counts();
	test_pit_channel2();
	test_rtc_time();
	test_rtc_irq();
	test_cmos_platform();
	test_uart();
	test_8042();
	test_misc_ports();
	test_config();
	test_reset();
	return report_summary("test_devices");
}
