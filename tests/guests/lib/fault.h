/* fault.h - run an instruction that may fault and learn the vector.
 *
 * ASM_CATCH(insn) records {address of insn, address after it} in the
 * .fixup_table section.  When an exception hits at a recorded address,
 * trap.c notes the vector and error code and resumes after the
 * instruction, so a test can say "this must #GP" without dying.
 * Exceptions anywhere else are fatal (the guest prints them and exits
 * with GUEST_EXIT_UNHANDLED).
 *
 *     fault_reset();
 *     asm volatile(ASM_CATCH("rdmsr") : ... );
 *     report(fault_vector() == GP_VECTOR, "...");
 */
#ifndef GUEST_FAULT_H
#define GUEST_FAULT_H

#include <stdint.h>

#define ASM_CATCH(insn)                              \
	"1111: " insn "\n"                           \
	"1112:\n"                                    \
	".pushsection .fixup_table, \"a\"\n"         \
	".long 1111b, 1112b\n"                       \
	".popsection\n"

#define NO_FAULT (-1)

#define DE_VECTOR 0
#define DB_VECTOR 1
#define BP_VECTOR 3
#define OF_VECTOR 4
#define UD_VECTOR 6
#define DF_VECTOR 8
#define GP_VECTOR 13
#define PF_VECTOR 14

struct fault_fixup {
	uint32_t insn;
	uint32_t resume;
};

/* Forget the last caught fault; fault_vector() is NO_FAULT until the
 * next one. */
void fault_reset(void);
/* The vector caught since fault_reset(), or NO_FAULT. */
int fault_vector(void);
/* Its error code (0 for vectors that push none). */
uint32_t fault_error(void);
/* A short name for an exception vector ("#GP"), for messages. */
const char *vector_name(int vector);

/* A 32-bit load or store that may fault: the vector, or NO_FAULT. */
static inline int read_safe(uint32_t va, uint32_t *v)
{
	uint32_t x = 0;

	fault_reset();
	__asm__ volatile(ASM_CATCH("movl (%1), %0")
			 : "+r"(x)
			 : "r"(va)
			 : "memory");
	*v = x;
	return fault_vector();
}

static inline int write_safe(uint32_t va, uint32_t v)
{
	fault_reset();
	__asm__ volatile(ASM_CATCH("movl %1, (%0)") : : "r"(va), "r"(v)
			 : "memory");
	return fault_vector();
}

/* The word at va, or 0xdeadbeef when reading it faults. */
static inline uint32_t read_or_bad(uint32_t va)
{
	uint32_t v;

	return read_safe(va, &v) == NO_FAULT ? v : 0xdeadbeef;
}

/* rdmsr/wrmsr that report the vector instead of dying. */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);

#endif
