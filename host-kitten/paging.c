/* paging.c - the kernel's identity map: extending it to all RAM, and
 * unmapping single pages (thread stack guards).
 *
 * boot.S mapped 0-4 GiB with 2 MiB pages through PML4[0] and the first
 * four PDPT entries.  RAM above 4 GiB (QEMU puts what does not fit
 * below the PCI hole there) gets one more page directory per GiB, up to
 * the 512 GiB one PDPT can reach.  To unmap one 4 KiB page, its 2 MiB
 * page is first split into a page table with the same mapping. */
#include "kstring.h"
#include "mm.h"
#include "multiboot.h"
#include "power.h"
#include "spinlock.h"
#include "x86.h"

/* Paging structure entries (SDM vol. 3 §4.5, tables 4-15 to 4-20). */
#define PTE_P 0x001ull
#define PTE_RW 0x002ull
#define PTE_PS 0x080ull	/* 2 MiB page in a PD entry */
#define PTE_ADDR 0x000ffffffffff000ull
#define GIB (1ull << 30)
#define MIB2 (2ull << 20)

extern uint64_t boot_pdpt[512];

static struct spinlock lock;
static uint64_t table_pages;	/* page tables we allocated */

static void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static uint64_t *pd_entry(uint64_t pa)
{
	uint64_t pdpte = boot_pdpt[pa / GIB];

	if (pa >= 512 * GIB || !(pdpte & PTE_P))
		return NULL;
	return (uint64_t *)(pdpte & PTE_ADDR) + (pa / MIB2) % 512;
}

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
		table_pages++;
		for (int i = 0; i < 512; i++)
			pd[i] = (gib * GIB + i * MIB2) | PTE_P | PTE_RW | PTE_PS;
		boot_pdpt[gib] = pd_pa | PTE_P | PTE_RW;
	}
	/* Only new entries were added (no stale translations), but a
	 * full flush is cheap and keeps this obviously correct. */
	write_cr3(read_cr3());
}

int paging_set_present(uint64_t pa, bool present)
{
	unsigned long flags = spin_lock_irqsave(&lock);
	uint64_t *pde = pd_entry(pa), *pt;

	if (!pde || !(*pde & PTE_P)) {
		spin_unlock_irqrestore(&lock, flags);
		return -1;
	}
	if (*pde & PTE_PS) {
		uint64_t base = *pde & PTE_ADDR & ~(MIB2 - 1);
		uint64_t pt_pa = page_alloc(1, PAGE_SIZE);

		if (!pt_pa) {
			spin_unlock_irqrestore(&lock, flags);
			return -1;
		}
		table_pages++;
		pt = (uint64_t *)pt_pa;
		for (int i = 0; i < 512; i++)
			pt[i] = (base + i * PAGE_SIZE) | PTE_P | PTE_RW;
		*pde = pt_pa | PTE_P | PTE_RW;
		/* Drop the 2 MiB translation (SDM vol. 3 §4.10.4.1). */
		for (uint64_t a = base; a < base + MIB2; a += PAGE_SIZE)
			invlpg(a);
	}
	pt = (uint64_t *)(*pde & PTE_ADDR);
	if (present)
		pt[(pa / PAGE_SIZE) % 512] |= PTE_P;
	else
		pt[(pa / PAGE_SIZE) % 512] &= ~PTE_P;
	invlpg(pa);
	spin_unlock_irqrestore(&lock, flags);
	return 0;
}

uint64_t paging_table_pages(void)
{
	return table_pages;
}
