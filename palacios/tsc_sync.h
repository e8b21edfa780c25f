/* tsc_sync.h - whether the host CPUs' TSCs agree, which decides whether
 * guests are told their TSC is invariant (CPUID 0x80000007:EDX[8]). */
#ifndef V3_TSC_SYNC_H
#define V3_TSC_SYNC_H

#include "v3_types.h"

/* Set by v3_tsc_check_sync() at v3_init. */
extern bool v3_tsc_synced;

/* Reads every other host CPU's TSC between two reads of our own;
 * prints and stores the verdict. */
void v3_tsc_check_sync(void);

#endif
