/* paging.c - extend the boot identity map to all RAM.
 *
 * boot.S mapped 0-4 GiB with 2 MiB pages through PML4[0] and the first
 * four PDPT entries.  RAM above 4 GiB (QEMU puts what does not fit
 * below the PCI hole there) gets one more page directory per GiB, up to
 * the 512 GiB one PDPT can reach. */
#include "kstring.h"
#include "mm.h"
#include "multiboot.h"
#include "power.h"
#include "x86.h"

#define PTE_P 0x001ull
#define PTE_RW 0x002ull
#define PTE_PS 0x080ull	/* 2 MiB page (SDM vol. 3 §4.5, table 4-18) */
#define GIB (1ull << 30)
#define MIB2 (2ull << 20)

extern uint64_t boot_pdpt[512];

void paging_map_all_ram(void)
{
	uint64_t top = 0;

	for (int i = 0; i < boot_info.nregions; i++) {
		const struct mb_region *g = &boot_info.regions[i];

		if (g->usable && g->base + g->len > top)
			top = g->base + g->len;
	}
	if (top > 512 * GIB)
		top = 512 * GIB;
	for (uint64_t gib = 4; gib * GIB < top; gib++) {
		uint64_t pd_pa = page_alloc(1, PAGE_SIZE);
		uint64_t *pd = (uint64_t *)pd_pa;

		if (!pd_pa)
			panic("no page for the page directory of GiB %lu", gib);
		for (int i = 0; i < 512; i++)
			pd[i] = (gib * GIB + i * MIB2) | PTE_P | PTE_RW | PTE_PS;
		boot_pdpt[gib] = pd_pa | PTE_P | PTE_RW;
	}
	/* Only new entries were added (no stale translations), but a
	 * full flush is cheap and keeps this obviously correct. */
	write_cr3(read_cr3());
}
