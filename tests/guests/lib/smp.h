/* smp.h - starting the other vcpus the way firmware does: INIT, then
 * SIPIs with a real-mode trampoline at SMP_TRAMPOLINE (SDM vol. 3
 * §9.4.4).  Each AP enters protected mode with the guest's flat
 * segments, loads the IDT, software-enables its local APIC and calls
 * the function given here with its APIC ID, on a stack of its own. */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include <stdint.h>

#define SMP_MAX_APS 7
#define SMP_TRAMPOLINE 0x8000u /* SIPI vector 0x08 */

typedef void (*ap_entry_fn)(uint32_t apic_id);

/* INIT-SIPI-SIPI to every other vcpu; waits (up to about 'max_ms'
 * milliseconds of TSC at 2 GHz or more) until 'expected' APs have
 * checked in.  Returns how many did (this call only). */
int smp_start_aps(ap_entry_fn fn, int expected, uint32_t max_ms);

/* The APIC IDs the APs reported, in check-in order. */
extern volatile uint32_t smp_ap_ids[SMP_MAX_APS];

#endif
