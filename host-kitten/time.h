/* time.h - the PIT tick and the calibrated TSC. */
#ifndef KITTEN_TIME_H
#define KITTEN_TIME_H

#include <stdint.h>

#define HZ 250 /* PIT channel 0 rate: how often guest-side timers
		 * (PIT, RTC models) are looked at while a guest runs */

/* Measure the TSC against PIT channel 2, then start channel 0 at HZ on
 * IRQ 0 (interrupts are enabled later by the caller). */
void time_init(void);

extern uint64_t cpu_khz;
/* Timer interrupts since time_init. */
uint64_t ticks(void);
/* TSC value at the last timer interrupt. */
uint64_t last_tick_tsc(void);

uint64_t now_usec(void);
uint64_t usec_to_cycles(uint64_t usec);

#endif
