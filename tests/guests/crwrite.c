/* crwrite.c - control register writes: the guest reads back the CR0.NE
 * it wrote (VMX forces NE on underneath and keeps the guest's value in
 * the read shadow), and PAE paging turned on by a CR0 write the VMM
 * carries out works (VMX then takes the PDPTEs from the VMCS: the VMM
 * must load them).  Passes on bare QEMU too (tests/harness/bare.py). */
#include "libguest.h"

#define CR0_NE	 (1u << 5)
#define CR0_PG	 (1u << 31)
#define CR4_PAE	 (1u << 5)
#define PDE_2M	 0x83u /* present, writable, 2 MiB page */

static uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static volatile uint32_t probe = 0x600df00d;

static void test_ne(uint32_t cr0)
{
	write_cr0(cr0 & ~CR0_NE);
	report(!(read_cr0() & CR0_NE), "CR0.NE written 0 reads 0 (0x%x)",
	       read_cr0());
	write_cr0(cr0 | CR0_NE);
	report(read_cr0() & CR0_NE, "CR0.NE written 1 reads 1 (0x%x)",
	       read_cr0());
}

/* Identity-map the first GiB with 2 MiB pages and turn paging on with a
 * CR0 write that also flips NE. */
static void test_pae(uint32_t cr0)
{
	uint32_t seen;

	for (uint32_t i = 0; i < 512; i++)
		pd[i] = ((uint64_t)i << 21) | PDE_2M;
	pdpt[0] = (uint32_t)(uintptr_t)pd | 1;
	__asm__ volatile("mov %0, %%cr3" ::"r"((uint32_t)(uintptr_t)pdpt)
			 : "memory");
	write_cr4(read_cr4() | CR4_PAE);
	write_cr0((cr0 ^ CR0_NE) | CR0_PG);
	seen = probe;
	report(read_cr0() & CR0_PG, "PAE paging on (CR0 0x%x)", read_cr0());
	report(seen == 0x600df00d, "memory reads through the PAE tables "
	       "(0x%x)", seen);
	write_cr0(cr0);
	write_cr4(read_cr4() & ~CR4_PAE);
	report(!(read_cr0() & CR0_PG), "paging off again");
}

int main(void)
{
	uint32_t cr0 = read_cr0();

	test_ne(cr0);
	test_pae(cr0);
	return report_summary();
}
