/* hypercall.h - calls into the VMM (numbers in v3_abi.h).  AMD's
 * VMMCALL and Intel's VMCALL are each #UD on the other vendor, so the
 * instruction is picked once from the CPUID vendor string. */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

/* What a 32-bit guest sees of V3_HC_UNKNOWN_RESULT. */
#define HC_ALL_ONES 0xffffffffu

/* Reads the vendor; start.c calls it before main(). */
void hypercall_init(void);
/* True on GenuineIntel (VMCALL), false on AMD (VMMCALL). */
bool cpu_is_intel(void);
/* The 12-character CPUID vendor string. */
const char *cpu_vendor(void);

uint32_t hypercall(uint32_t nr, uint32_t a0, uint32_t a1, uint32_t a2,
		   uint32_t a3);

/* V3_HC_EXIT_COUNT: exits of 'reason' (enum v3_exit_reason) on this vcpu
 * so far, low 32 bits. */
uint32_t exit_count(uint32_t reason);
/* V3_HC_GPA_CHECKSUM: FNV-1a 32 of guest memory as the VMM sees it. */
uint32_t gpa_checksum(uint32_t gpa, uint32_t len);

#endif
