/* trap.c - where every exception and interrupt lands.  A fault at an
 * ASM_CATCH site resumes after its instruction, an interrupt goes to its
 * handler, and anything else ends the test loudly with the registers,
 * instead of escalating to a triple fault that says nothing. */
#include <stdbool.h>

#include "console.h"
#include "fault.h"
#include "irq.h"
#include "start.h"
#include "x86.h"

extern const struct fault_fixup __fixup_start[], __fixup_end[];

static volatile int caught_vector = NO_FAULT;
static volatile uint32_t caught_error;
static irq_handler irq_handlers[IDT_VECTORS];

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *vector_name(int vector)
{
	if (vector == NO_FAULT)
		return "no fault";
	if (vector >= 0 && vector < 32)
		return exception_names[vector];
	return "interrupt";
}

void fault_reset(void)
{
	caught_vector = NO_FAULT;
	caught_error = 0;
}

int fault_vector(void)
{
	return caught_vector;
}

uint32_t fault_error(void)
{
	return caught_error;
}

/* #DB (single step), #BP and #OF are traps: the saved EIP already points
 * past the instruction (SDM vol. 3 §6.5). */
static bool is_trap(uint32_t vector)
{
	return vector == DB_VECTOR || vector == BP_VECTOR ||
	       vector == OF_VECTOR;
}

static bool try_fixup(struct trap_frame *f)
{
	const struct fault_fixup *x;

	for (x = __fixup_start; x < __fixup_end; x++) {
		if (f->eip == x->insn) {
			f->eip = x->resume;
			break;
		}
		if (f->eip == x->resume && is_trap(f->vector))
			break;
	}
	if (x == __fixup_end)
		return false;
	caught_vector = (int)f->vector;
	caught_error = f->error;
	return true;
}

static void __attribute__((noreturn)) die(const struct trap_frame *f,
					  const char *what)
{
	printf("FAIL: %s %s (vector %u) error=0x%x at eip=0x%08x "
	       "eflags=0x%x\n",
	       what, vector_name((int)f->vector), f->vector, f->error,
	       f->eip, f->eflags);
	printf("  eax=%08x ebx=%08x ecx=%08x edx=%08x\n", f->eax, f->ebx,
	       f->ecx, f->edx);
	printf("  esi=%08x edi=%08x ebp=%08x esp=%08x\n", f->esi, f->edi,
	       f->ebp, f->esp_pusha);
	guest_exit(GUEST_EXIT_UNHANDLED);
}

void irq_set_handler(int vector, irq_handler fn)
{
	if (vector >= FIRST_IRQ_VECTOR && vector < IDT_VECTORS)
		irq_handlers[vector] = fn;
}

bool wait_change(volatile uint32_t *counter, uint32_t before)
{
	int hlts = 0;

	while (*counter == before && hlts++ < 1000) {
		sti_hlt();
		cli();
	}
	return *counter != before;
}

/* Called by isr.S with interrupts off (all IDT entries are interrupt
 * gates). */
void trap_dispatch(struct trap_frame *f);
void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < FIRST_IRQ_VECTOR) {
		if (!try_fixup(f))
			die(f, "unexpected exception");
		return;
	}
	if (!irq_handlers[f->vector])
		die(f, "unexpected");
	irq_handlers[f->vector](f);
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	fault_reset();
	__asm__ volatile(ASM_CATCH("rdmsr")
			 : "+a"(lo), "+d"(hi)
			 : "c"(msr)
			 : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return fault_vector();
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	fault_reset();
	__asm__ volatile(ASM_CATCH("wrmsr")
			 :
			 : "c"(msr), "a"((uint32_t)val),
			   "d"((uint32_t)(val >> 32))
			 : "memory");
	return fault_vector();
}
