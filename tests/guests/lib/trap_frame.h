/* trap_frame.h - what isr.S leaves on the stack for trap_dispatch(). */
#ifndef GUEST_TRAP_FRAME_H
#define GUEST_TRAP_FRAME_H

#define IDT_VECTORS 256
#define IDT_STUB_SIZE 16
/* Exceptions for which the CPU pushes an error code (SDM vol. 3 §6.13):
 * #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17, #CP 21,
 * #VC 29, #SX 30. */
#define CPU_ERROR_CODE_VECTORS 0x60227d00

#ifndef __ASSEMBLER__
#include <stdint.h>

/* pusha order, lowest address first, then the stub's and the CPU's
 * words.  No privilege change, so the CPU pushes no ESP/SS. */
struct trap_frame {
	uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};
#endif

#endif
