/* virtinsn.c - a guest must not reach the host's virtualization
 * instructions: each one exits to the VMM (virt_insn), which injects
 * #UD as a CPU without the feature would. */
#include "libguest.h"

struct insn {
	const char *name;
	int (*run)(void);
};

/* Register operands point at a zeroed page so that, if the VMM let an
 * instruction through, it would at least not touch guest code. */
static uint8_t dummy_page[4096] __attribute__((aligned(4096)));

#define CATCH_FN(fn, insn)                                             \
	static int fn(void)                                            \
	{                                                              \
		fault_reset();                                         \
		__asm__ volatile(ASM_CATCH(insn)                       \
				 :                                     \
				 : "a"(dummy_page), "c"(0), "b"(0)     \
				 : "memory", "cc");                    \
		return fault_vector();                                 \
	}

CATCH_FN(run_vmrun, "vmrun")
CATCH_FN(run_vmload, "vmload")
CATCH_FN(run_vmsave, "vmsave")
CATCH_FN(run_stgi, "stgi")
CATCH_FN(run_clgi, "clgi")
CATCH_FN(run_skinit, "skinit")
CATCH_FN(run_invlpga, "invlpga")

static const struct insn svm_insns[] = {
	{ "vmrun", run_vmrun },	  { "vmload", run_vmload },
	{ "vmsave", run_vmsave }, { "stgi", run_stgi },
	{ "clgi", run_clgi },	  { "skinit", run_skinit },
	{ "invlpga", run_invlpga },
};

CATCH_FN(run_vmxon, "vmxon (%%eax)")
CATCH_FN(run_vmptrld, "vmptrld (%%eax)")
CATCH_FN(run_vmclear, "vmclear (%%eax)")
CATCH_FN(run_vmread, "vmread %%eax, %%ebx")
CATCH_FN(run_vmwrite, "vmwrite %%eax, %%ebx")
CATCH_FN(run_vmlaunch, "vmlaunch")
CATCH_FN(run_vmresume, "vmresume")
CATCH_FN(run_vmxoff, "vmxoff")

static const struct insn vmx_insns[] = {
	{ "vmxon", run_vmxon },	      { "vmptrld", run_vmptrld },
	{ "vmclear", run_vmclear },   { "vmread", run_vmread },
	{ "vmwrite", run_vmwrite },   { "vmlaunch", run_vmlaunch },
	{ "vmresume", run_vmresume }, { "vmxoff", run_vmxoff },
};

static void run_all(const struct insn *list, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t before = exit_count(V3_EXIT_VIRT_INSN);
		int vec = list[i].run();
		uint32_t exits = exit_count(V3_EXIT_VIRT_INSN) - before;

		report(vec == UD_VECTOR, "%s raises #UD (got %s)",
		       list[i].name, vector_name(vec));
		report(exits == 1, "%s exits to the VMM (%u virt_insn exits)",
		       list[i].name, exits);
	}
}

int main(void)
{
	if (cpu_is_intel())
		run_all(vmx_insns, sizeof(vmx_insns) / sizeof(*vmx_insns));
	else
		run_all(svm_insns, sizeof(svm_insns) / sizeof(*svm_insns));
	return report_summary();
}
