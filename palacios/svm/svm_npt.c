/* svm_npt.c - AMD nested page table entries: ordinary long-mode page
 * table entries (APM vol. 2 §15.25.5).  Every level needs the User bit,
 * because nested walks are treated as user accesses. */
#include "nested.h"
#include "svm.h"

#define PTE_P	 (1ull << 0)
#define PTE_RW	 (1ull << 1)
#define PTE_US	 (1ull << 2)
#define PTE_PS	 (1ull << 7)
#define PTE_NX	 (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

static uint64_t npt_table(uint64_t hpa)
{
	return hpa | PTE_P | PTE_RW | PTE_US;
}

static uint64_t npt_leaf(uint64_t hpa, int level, unsigned perms)
{
	uint64_t e = hpa | PTE_US;

	if (perms & V3_NPERM_R)
		e |= PTE_P;
	if (perms & V3_NPERM_W)
		e |= PTE_RW;
	if (!(perms & V3_NPERM_X))
		e |= PTE_NX;
	if (level > 0)
		e |= PTE_PS;
	return e;
}

static bool npt_present(uint64_t e)
{
	return e & PTE_P;
}

static bool npt_large(uint64_t e)
{
	return e & PTE_PS;
}

static unsigned npt_perms(uint64_t e)
{
	return ((e & PTE_P) ? V3_NPERM_R : 0) |
	       ((e & PTE_RW) ? V3_NPERM_W : 0) |
	       ((e & PTE_NX) ? 0 : V3_NPERM_X);
}

struct v3_nested_fmt svm_npt_fmt = {
    .table = npt_table,
    .leaf = npt_leaf,
    .present = npt_present,
    .large = npt_large,
    .perms = npt_perms,
    .addr_mask = PTE_ADDR,
};
