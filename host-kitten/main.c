/* main.c - kmain: bring the machine up in dependency order, print the
 * banner, start the launcher thread and become the idle loop. */
#include "gdt.h"
#include "kitten_host.h"
#include "mm.h"
#include "multiboot.h"
#include "pic.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "serial.h"
#include "smp.h"
#include "time.h"
#include "trap.h"
#include "x86.h"

#define CPUID_EXT_NX (1u << 20)	/* CPUID 0x80000001 EDX */
#define CPUID_7_SMEP (1u << 7)	/* CPUID 7.0 EBX */
#define CPUID_7_SMAP (1u << 20)

void kmain(uint32_t magic, uint32_t mbi_pa);

/* Control register bits the VMM relies on:
 * - EFER.NXE: the nested page tables use the NX bit, and nested walks
 *   follow the host's EFER.NXE (AMD APM vol. 2 §15.25.5);
 * - CR0.NE: native x87 error reporting (SDM vol. 3 §2.5);
 * - CR4.OSFXSR/OSXMMEXCPT: FXSAVE/FXRSTOR and SSE work, so the VMM may
 *   save guest FPU state (SDM vol. 3 §13.1).  The kernel itself is
 *   built without SSE and never touches the FPU;
 * - CR0.WP, CR4.PSE/PGE/SMEP/SMAP: the paging controls a Linux guest
 *   sets.  An emulated CPU (QEMU's TCG) drops its whole software TLB at
 *   a world switch whenever any of them differs between host and guest,
 *   on top of the flush for CR3; agreeing with the guest halves the cost
 *   of an exit.  They are harmless here: every host mapping is
 *   supervisor-only and writable, and none is global. */
void cpu_setup(void)
{
	uint32_t r[4];
	unsigned long cr4 = CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PSE | CR4_PGE;

	cpuid(0x80000001u, 0, r);
	if (r[3] & CPUID_EXT_NX)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	cpuid(0, 0, r);
	if (r[0] >= 7) {
		cpuid(7, 0, r);
		if (r[1] & CPUID_7_SMEP)
			cr4 |= CR4_SMEP;
		if (r[1] & CPUID_7_SMAP)
			cr4 |= CR4_SMAP;
	}
	write_cr0((read_cr0() | CR0_NE | CR0_MP | CR0_WP) & ~CR0_EM);
	write_cr4(read_cr4() | cr4);
}

static void print_modules(void)
{
	for (int i = 0; i < boot_info.nmodules; i++) {
		const struct mb_module *m = &boot_info.modules[i];

		printk("kitten: module %d: %s, %lu bytes at 0x%lx\n", i,
		       m->name, (unsigned long)(m->end - m->start),
		       (unsigned long)m->start);
	}
}

void kmain(uint32_t magic, uint32_t mbi_pa)
{
	serial_init();
	gdt_init();
	idt_init();
	cpu_setup();
	multiboot_parse(magic, mbi_pa);
	page_alloc_init();
	paging_map_all_ram();
	pic_init(IRQ_BASE);
	time_init();
	sched_init();
	sti();
	smp_init();

	/* The firmware may have left its cursor mid-line: start clean so
	 * the banner begins a line. */
	printk("\nKitten LWK v3vee host: %lu MiB RAM, %d CPU%s, TSC %lu MHz\n",
	       (unsigned long)(boot_info.usable_bytes >> 20), num_cpus(),
	       num_cpus() == 1 ? "" : "s", (unsigned long)(cpu_khz / 1000));
	printk("kitten: command line: %s\n", boot_info.cmdline);
	print_modules();

	if (!thread_create(launcher_main, NULL, 0, "launcher"))
		panic("cannot create the launcher thread");
	sched_idle_loop();
}
