/* time.c - Intel 8254 PIT (data sheet: control word, modes 0 and 2)
 * as the periodic tick, and TSC calibration against it.
 *
 * The TSC is our clock for everything finer than a tick: sleeps,
 * timeouts, and the VMM's cycle counts. */
#include "pic.h"
#include "power.h"
#include "printk.h"
#include "time.h"
#include "trap.h"
#include "x86.h"

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
/* Control words: channel, lobyte/hibyte access, mode, binary. */
#define PIT_CH0_RATE_GEN 0x34	/* channel 0, mode 2 */
#define PIT_CH2_ONE_SHOT 0xb0	/* channel 2, mode 0 (interrupt on
				   terminal count) */
/* Port 0x61 (PC system control port B): bit 0 gates channel 2, bit 1
 * feeds it to the speaker, bit 5 reads channel 2's output. */
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20

#define CALIBRATE_MS 25
#define CALIBRATE_RUNS 3

uint64_t cpu_khz;
static volatile uint64_t tick_count;
static volatile uint64_t tick_tsc;

uint64_t last_tick_tsc(void)
{
	return tick_tsc;
}

uint64_t ticks(void)
{
	return tick_count;
}

static void timer_irq(int irq)
{
	(void)irq;
	tick_tsc = rdtsc();
	tick_count++;
}

/* TSC cycles during one CALIBRATE_MS one-shot of channel 2, or 0 if
 * the output never rose (no channel 2 gate/output emulation). */
static uint64_t measure_once(void)
{
	uint16_t count = PIT_HZ * CALIBRATE_MS / 1000;
	uint8_t b = inb(PORT_B);
	uint64_t t0, t1;

	outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_CMD, PIT_CH2_ONE_SHOT);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	t0 = rdtsc();
	for (unsigned long i = 0; !(inb(PORT_B) & PORT_B_OUT2); i++)
		if (i > 100000000ul)
			return 0;
	t1 = rdtsc();
	outb(PORT_B, b);
	return t1 - t0;
}

void time_init(void)
{
	uint64_t best = 0;

	for (int i = 0; i < CALIBRATE_RUNS; i++) {
		uint64_t c = measure_once();

		if (c && (!best || c < best))
			best = c;
	}
	if (!best)
		panic("cannot calibrate the TSC: PIT channel 2 output never "
		      "rose");
	/* cycles / (count / PIT_HZ) seconds, in kHz. */
	cpu_khz = best * PIT_HZ / (PIT_HZ * CALIBRATE_MS / 1000) / 1000;

	irq_set_handler(0, timer_irq);
	outb(PIT_CMD, PIT_CH0_RATE_GEN);
	outb(PIT_CH0, (PIT_HZ / HZ) & 0xff);
	outb(PIT_CH0, (PIT_HZ / HZ) >> 8);
	pic_unmask(0);
}

uint64_t now_usec(void)
{
	uint64_t t = rdtsc();

	return t / cpu_khz * 1000 + t % cpu_khz * 1000 / cpu_khz;
}

uint64_t usec_to_cycles(uint64_t usec)
{
	/* Clamp to ~days so the product cannot overflow. */
	if (usec > (1ull << 40))
		usec = 1ull << 40;
	return usec * cpu_khz / 1000;
}
