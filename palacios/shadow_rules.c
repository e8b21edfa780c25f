/* shadow_rules.c - see shadow_rules.h. */
#include "nested.h"
#include "shadow_rules.h"
#include "vcpu_state.h"

void v3_shadow_hw_regs(const struct v3_ctrl_regs *guest,
		       struct v3_ctrl_regs *hw)
{
	bool lma = guest->efer & V3_EFER_LMA;

	/* PG without PE is paged real mode, which VMRUN accepts for
	 * exactly this purpose (APM vol. 2, 15.19). */
	hw->cr0 = guest->cr0 | V3_CR0_PG | V3_CR0_WP;
	/* Global pages and PCIDs would outlive our CR3 switches; PSE has
	 * no meaning in PAE format. */
	hw->cr4 = (guest->cr4 & V3_SHADOW_CR4_OK & ~(V3_CR4_PSE | V3_CR4_PGE)) |
		  V3_CR4_PAE;
	hw->efer = (guest->efer & V3_EFER_SCE) | V3_EFER_NXE;
	if (lma)
		hw->efer |= V3_EFER_LME | V3_EFER_LMA;
}

int v3_shadow_cr0_write(const struct v3_ctrl_regs *cur, uint64_t val,
			uint64_t *cr0, uint64_t *efer)
{
	bool pg = val & V3_CR0_PG, was_pg = cur->cr0 & V3_CR0_PG;

	*efer = cur->efer;
	if (val >> 32)
		return -1;
	if (pg && !(val & V3_CR0_PE))
		return -1;
	if ((val & V3_CR0_NW) && !(val & V3_CR0_CD))
		return -1;
	if (pg && !was_pg && (cur->efer & V3_EFER_LME)) {
		/* Long mode needs PAE first (APM vol. 2, 14.6.1). */
		if (!(cur->cr4 & V3_CR4_PAE))
			return -1;
		*efer |= V3_EFER_LMA;
	}
	if (!pg)
		*efer &= ~V3_EFER_LMA;
	/* ET is fixed to 1 on every processor since the 486. */
	*cr0 = val | V3_CR0_ET;
	return 0;
}

int v3_shadow_cr4_write(const struct v3_ctrl_regs *cur, uint64_t val)
{
	if (val & ~V3_SHADOW_CR4_OK)
		return -1;
	/* Leaving PAE in long mode is illegal (SDM vol. 2, MOV CR). */
	if ((cur->efer & V3_EFER_LMA) && !(val & V3_CR4_PAE))
		return -1;
	return 0;
}

bool v3_shadow_regs_retranslate(const struct v3_ctrl_regs *a,
				const struct v3_ctrl_regs *b)
{
	/* PE alone never retranslates: PG needs PE, and without PG the
	 * translation is the identity in both modes. */
	const uint64_t cr0 = V3_CR0_PG | V3_CR0_WP;
	const uint64_t cr4 = V3_CR4_PSE | V3_CR4_PAE | V3_CR4_PGE |
			     V3_CR4_SMEP | V3_CR4_SMAP;
	const uint64_t efer = V3_EFER_NXE | V3_EFER_LMA;

	return ((a->cr0 ^ b->cr0) & cr0) || ((a->cr4 ^ b->cr4) & cr4) ||
	       ((a->efer ^ b->efer) & efer);
}

/* D and G of the guest's leaf: bits 6 and 8 in both entry formats. */
#define GUEST_PTE_D (1ull << 6)
#define GUEST_PTE_G (1ull << 8)

uint64_t v3_shadow_leaf(const struct v3_walk_result *res, unsigned access,
			bool guest_wp, bool guest_pge, uint64_t hpa,
			unsigned nperms)
{
	bool user = res->user;
	bool writable = res->writable;
	uint64_t e = (hpa & V3_SPTE_ADDR) | V3_SPTE_P | V3_SPTE_A;

	if (!writable && !guest_wp && (access & V3_WALK_WRITE) &&
	    !(access & V3_WALK_USER)) {
		writable = true;
		user = false;
	}
	if (writable && (nperms & V3_NPERM_W) &&
	    ((res->pte & GUEST_PTE_D) || (access & V3_WALK_WRITE) ||
	     res->levels == 0))
		e |= V3_SPTE_RW | V3_SPTE_D;
	if (user)
		e |= V3_SPTE_US;
	if (res->nx || !(nperms & V3_NPERM_X))
		e |= V3_SPTE_NX;
	if (guest_pge && res->levels && (res->pte & GUEST_PTE_G))
		e |= V3_SPTE_GLOBAL;
	return e;
}

#define GUEST_PTE_A (1ull << 5)

bool v3_shadow_neighbour(const struct v3_walk_regs *regs,
			 const struct v3_walk_result *res, uint64_t e,
			 struct v3_walk_result *out)
{
	bool pae = regs->cr4 & V3_CR4_PAE;
	unsigned pb = regs->maxphyaddr && regs->maxphyaddr < 52
			  ? regs->maxphyaddr : 52;
	uint64_t addr = pae ? V3_SPTE_ADDR & ((1ull << pb) - 1)
			    : 0xfffff000ull;
	uint64_t rsvd = pae ? (V3_SPTE_ADDR & ~addr) |
				  ((regs->efer & V3_EFER_NXE) ? 0 : V3_SPTE_NX)
			    : 0;

	if (!(e & V3_SPTE_P) || !(e & GUEST_PTE_A) || (e & rsvd))
		return false;
	*out = *res;
	out->gpa = e & addr;
	out->page_size = 4096;
	out->pte = e;
	out->writable = res->up_writable && (e & V3_SPTE_RW);
	out->user = res->up_user && (e & V3_SPTE_US);
	out->nx = res->up_nx ||
		  (pae && (regs->efer & V3_EFER_NXE) && (e & V3_SPTE_NX));
	return true;
}
