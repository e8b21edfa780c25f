/* exceptions.c - the guest's own IDT works under the VMM: faults and
 * traps reach the guest's handlers with the right vector, error code
 * and return address, and software interrupts reach IRQ handlers. */
#include "libguest.h"
#include "segments.h"

#define SOFT_VECTOR 0x42
/* A selector past the end of our 3-entry GDT: #GP with the selector as
 * the error code (SDM vol. 3 §6.13). */
#define BAD_SELECTOR 0x40

static volatile uint32_t soft_hits, soft_eip_ok;

static int do_ud2(void)
{
	fault_reset();
	__asm__ volatile(ASM_CATCH("ud2") : : : "memory");
	return fault_vector();
}

static int do_divide_by_zero(void)
{
	uint32_t a = 1, d = 0, zero = 0;

	fault_reset();
	__asm__ volatile(ASM_CATCH("divl %2")
			 : "+a"(a), "+d"(d)
			 : "r"(zero)
			 : "memory", "cc");
	return fault_vector();
}

/* INT3 is a trap: the CPU already resumes after it. */
static int do_int3(void)
{
	fault_reset();
	__asm__ volatile(ASM_CATCH("int3") : : : "memory");
	return fault_vector();
}

static int do_bad_segment_load(void)
{
	uint32_t sel = BAD_SELECTOR;

	fault_reset();
	__asm__ volatile(ASM_CATCH("mov %0, %%fs") : : "r"(sel) : "memory");
	return fault_vector();
}

static void on_soft(struct trap_frame *f)
{
	extern const char soft_int_return[];

	soft_hits++;
	soft_eip_ok = f->eip == (uint32_t)soft_int_return;
}

int main(void)
{
	int vec;

	vec = do_ud2();
	report(vec == UD_VECTOR, "ud2 raises #UD (got %s)", vector_name(vec));
	vec = do_divide_by_zero();
	report(vec == DE_VECTOR, "divide by zero raises #DE (got %s)",
	       vector_name(vec));
	vec = do_int3();
	report(vec == BP_VECTOR, "int3 raises #BP (got %s)",
	       vector_name(vec));
	vec = do_bad_segment_load();
	report(vec == GP_VECTOR && fault_error() == BAD_SELECTOR,
	       "loading selector 0x%x raises #GP(0x%x) (got %s, 0x%x)",
	       BAD_SELECTOR, BAD_SELECTOR, vector_name(vec), fault_error());

	irq_set_handler(SOFT_VECTOR, on_soft);
	__asm__ volatile("int %0\n"
			 ".globl soft_int_return\n"
			 "soft_int_return:"
			 :
			 : "i"(SOFT_VECTOR)
			 : "memory");
	report(soft_hits == 1 && soft_eip_ok,
	       "int 0x%x reaches its handler once with the return address",
	       SOFT_VECTOR);
	report(!(read_eflags() & EFLAGS_IF), "IF still clear after iret");
	return report_summary();
}
