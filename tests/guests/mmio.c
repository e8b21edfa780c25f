/* mmio.c - emulated device memory reached through the guest's own page
 * tables: with 32-bit paging on, a page mapped to guest-physical
 * 0xE0000000 (no RAM there; the i440FX answers unclaimed PCI memory
 * reads with all ones and drops writes) must reach the MMIO hooks, for
 * plain loads, stores and a string move, just as with paging off. */
#include "libguest.h"

#define PTE_P  0x001u
#define PTE_RW 0x002u
#define PTE_PS 0x080u
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)

#define HOLE_PA 0xe0000000u /* above RAM, below 4 GiB: PCI memory */
#define WIN	0x40000000u

static uint32_t pd[1024] __attribute__((aligned(4096)));
static uint32_t pt[1024] __attribute__((aligned(4096)));
static uint32_t buf[4];

int main(void)
{
	uint32_t cr0, cr4, v;
	int i;

	report(*(volatile uint32_t *)HOLE_PA == 0xffffffffu,
	       "paging off: unclaimed PCI memory reads all ones");

	for (i = 0; i < 4; i++)
		pd[i] = (uint32_t)(i << 22) | PTE_P | PTE_RW | PTE_PS;
	pd[WIN >> 22] = (uint32_t)pt | PTE_P | PTE_RW;
	pt[0] = HOLE_PA | PTE_P | PTE_RW;
	pt[1] = (HOLE_PA + 0x1000) | PTE_P | PTE_RW;
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_PSE));
	__asm__ volatile("mov %0, %%cr3" : : "r"(pd));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_PG) : "memory");

	v = *(volatile uint32_t *)(WIN + 0x10);
	report(v == 0xffffffffu, "paging on: MMIO load through the page table "
	       "(0x%x)", v);
	*(volatile uint32_t *)(WIN + 0x10) = 0x12345678;
	v = *(volatile uint16_t *)(WIN + 0x1002);
	report(v == 0xffffu, "MMIO store dropped, 16-bit load of the next "
	       "page (0x%x)", v);
	__asm__ volatile("cld; rep movsl"
			 : : "S"(WIN + 0x20), "D"(buf), "c"(4)
			 : "memory");
	report(buf[0] == 0xffffffffu && buf[3] == 0xffffffffu,
	       "rep movs from MMIO into RAM");
	report(pt[0] & 0x20, "the page-table entry got its A bit");

	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0) : "memory");
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	return report_summary();
}
