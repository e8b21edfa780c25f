/* shadow_resync.c - a cached root becomes current again: its non-global
 * leaves were built from guest tables the guest may have changed since
 * (a CR3 load invalidates every non-global translation, SDM vol. 3,
 * 4.10.4.1, so no INVLPG is owed for a space not loaded).  Each table on the root's list is compared with the
 * guest page table it mirrors, read in one go: exact leaves stay,
 * changed ones are rebuilt or dropped, and entries the guest has used
 * (A set) are filled, as a TLB may do speculatively; only the span of
 * entries that held non-global leaves is read.  Tables that do not
 * mirror one guest page table (2 MiB leaves, split large pages) simply
 * lose their non-global leaves. */
#include "guest_walk.h"
#include "nested.h"
#include "shadow.h"
#include "shadow_rules.h"
#include "vm.h"
#include "vmm.h"

#define ENTRIES 512

/* Entries of a full walk in the guest's paging mode. */
static unsigned guest_levels(const struct v3_walk_regs *r)
{
	if (!(r->cr4 & V3_CR4_PAE))
		return 2;
	return (r->efer & V3_EFER_LMA) ? 4 : 3;
}

/* Entries [lo, hi) of the guest page table behind a shadow page table
 * that maps from 'la': into s->guest_table, with the walk down to it
 * (the rights above it) in 'res'.  -1 when there is none (a large page,
 * an absent upper level, not RAM). */
static int guest_table(struct v3_vcpu *vcpu, const struct v3_walk_regs *regs,
		       uint64_t la, unsigned lo, unsigned hi,
		       struct v3_walk_result *res, unsigned *esz)
{
	struct v3_walk_mem mem = {v3_gpa_walk_read, NULL, vcpu->vm};
	int rc = v3_guest_walk(regs, &mem, la, 0, res);

	*esz = (regs->cr4 & V3_CR4_PAE) ? 8 : 4;
	if (rc == V3_WALK_OK ? res->page_size != V3_PAGE_SIZE
			     : rc != V3_WALK_PF ||
				   res->levels != guest_levels(regs))
		return -1;
	return v3_gpa_read(vcpu->vm, res->pte_gpa + lo * *esz,
			   vcpu->shadow->guest_table + lo * *esz,
			   (hi - lo) * *esz);
}

/* What the shadow leaf for guest entry 'e' is now, or 0. */
static uint64_t leaf_for(struct v3_vcpu *vcpu, const struct v3_walk_regs *regs,
			 const struct v3_walk_result *up, uint64_t e)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_walk_result r;
	uint64_t hpa;
	unsigned perms;
	int nlevel;

	if (!v3_shadow_neighbour(regs, up, e, &r) ||
	    v3_nested_lookup(vcpu->vm, r.gpa, &hpa, &perms, &nlevel))
		return 0;
	return v3_shadow_leaf(&r, 0, st->cr0 & V3_CR0_WP, st->cr4 & V3_CR4_PGE,
			      hpa, perms);
}

/* Drop the non-global leaves of table 'i'. */
static void drop_local(struct v3_shadow *s, int i)
{
	uint64_t *t = v3_host->phys_to_virt(s->pages[i]);
	bool leaves = s->page_level[i] == 0;
	int j;

	for (j = s->page_lo[i]; j < s->page_hi[i]; j++)
		if ((t[j] & V3_SPTE_P) && (leaves || (t[j] & V3_SPTE_PS)) &&
		    !(t[j] & V3_SPTE_GLOBAL)) {
			t[j] = 0;
			s->resync_dropped++;
		}
}

/* Bring table 'i' up to date; true while it holds non-global leaves. */
static bool resync_table(struct v3_vcpu *vcpu, const struct v3_walk_regs *regs,
			 int i)
{
	struct v3_shadow *s = vcpu->shadow;
	uint64_t *t = v3_host->phys_to_virt(s->pages[i]);
	struct v3_walk_result up;
	unsigned esz, lo = s->page_lo[i], hi = s->page_hi[i];
	int j;

	s->resync_tables++;
	if (s->page_level[i] != 0 ||
	    guest_table(vcpu, regs, s->page_la[i], lo, hi, &up, &esz) != 0) {
		drop_local(s, i);
		return false;
	}
	/* The range shrinks to the non-global leaves that remain. */
	s->page_lo[i] = ENTRIES;
	s->page_hi[i] = 0;
	for (j = lo; j < (int)hi; j++) {
		uint64_t e = 0, leaf;

		if (t[j] & V3_SPTE_GLOBAL)
			continue; /* survives a CR3 load, as in a TLB */
		v3_memcpy(&e, s->guest_table + j * esz, esz);
		leaf = leaf_for(vcpu, regs, &up, e);
		if (t[j] == leaf && leaf)
			s->resync_kept++;
		else if (t[j] & V3_SPTE_P)
			s->resync_dropped++;
		else if (leaf)
			s->resync_filled++;
		t[j] = leaf;
		if (leaf && !(leaf & V3_SPTE_GLOBAL)) {
			if (j < s->page_lo[i])
				s->page_lo[i] = (uint16_t)j;
			s->page_hi[i] = (uint16_t)(j + 1);
		}
	}
	return s->page_hi[i] != 0;
}

void v3_shadow_resync(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_walk_regs regs = {st->cr0, st->cr3, st->cr4, st->efer,
				    s->phys_bits};
	int16_t *link = &s->roots[s->cur].local;

	while (*link >= 0) {
		int i = *link;

		if (resync_table(vcpu, &regs, i)) {
			link = &s->page_next[i];
		} else {
			*link = s->page_next[i];
			s->page_local[i] = false;
		}
	}
	vcpu->tlb_flush = true;
}
