/* shadow_fault.c - #PF under shadow paging.  The guest's tables decide:
 * a fault they explain is the guest's own and goes back to it with the
 * walk's error code and CR2; otherwise the shadow missed and the entry
 * is filled from the walk (which also sets the guest's accessed and
 * dirty bits), or the access reaches emulated memory (MMIO, ROM writes)
 * exactly as a nested page fault would. */
#include "exit.h"
#include "guest_walk.h"
#include "intr.h"
#include "nested.h"
#include "shadow.h"
#include "shadow_rules.h"
#include "vm.h"
#include "vmm.h"

/* Give the guest its #PF.  An interrupt whose delivery this fault cut
 * short is raised again to come after the handler (a #PF during an
 * exception's delivery becomes #DF in v3_inject_exception). */
static void reflect_pf(struct v3_vcpu *vcpu, uint64_t la, uint32_t error)
{
	struct v3_event *ev = &vcpu->event;

	if (ev->valid && ev->type == V3_EVENT_INTR) {
		ev->valid = false;
		v3_raise_vector(vcpu, ev->vector);
	} else if (ev->valid && ev->type != V3_EVENT_EXCEPTION) {
		ev->valid = false; /* INT n: re-executed after the handler */
	}
	vcpu->shadow->guest_faults++;
	vcpu->state.cr2 = la;
	v3_inject_exception(vcpu, V3_EXC_PF, true, error);
}

/* Not RAM the guest may access this way: the nested-fault path emulates
 * the instruction (MMIO hooks, ROM) or stops the VM (unmapped). */
static int to_emulation(struct v3_vcpu *vcpu, uint64_t gpa, unsigned access)
{
	struct v3_exit f;

	v3_memset(&f, 0, sizeof(f));
	f.reason = V3_EXIT_NESTED_FAULT;
	f.fault.gpa = gpa;
	f.fault.write = access & V3_WALK_WRITE;
	f.fault.fetch = access & V3_WALK_FETCH;
	return v3_handle_nested_fault(vcpu, &f);
}

/* Pages filled with each miss of a 4 KiB guest page: its aligned group
 * of this many, one shadow page table. */
#define PREFETCH 16

/* Fill the neighbours of 'la' in the guest's page table that the guest
 * has already used: their entries have A set, so installing them changes
 * nothing the guest can see, and each saves a later miss.  The table is
 * read once; the levels above are the same as for 'la'.  Entries
 * already present are left alone. */
static void prefetch(struct v3_vcpu *vcpu, uint64_t la,
		     const struct v3_walk_regs *regs,
		     const struct v3_walk_result *res)
{
	struct v3_vcpu_state *st = &vcpu->state;
	bool pae = regs->cr4 & V3_CR4_PAE;
	unsigned esz = pae ? 8 : 4, nent = pae ? 512 : 1024;
	uint64_t idx = (la >> 12) & (nent - 1), first = idx & ~(PREFETCH - 1);
	uint64_t base = la & ~(PREFETCH * V3_PAGE_SIZE - 1);
	uint8_t tbl[PREFETCH * 8];
	int i;

	if (res->levels && v3_gpa_read(vcpu->vm, res->pte_gpa - (idx - first) *
				       esz, tbl, PREFETCH * esz))
		return;
	for (i = 0; i < PREFETCH; i++) {
		uint64_t nla = base + i * V3_PAGE_SIZE, hpa, leaf, *slot, e = 0;
		struct v3_walk_result r = *res;
		unsigned perms;
		int nlevel;

		if (first + i == idx)
			continue;
		if (res->levels) {
			v3_memcpy(&e, tbl + i * esz, esz);
			if (!v3_shadow_neighbour(regs, res, e, &r))
				continue;
		} else {
			r.gpa = nla & 0xffffffffull; /* paging off */
		}
		if (v3_nested_lookup(vcpu->vm, r.gpa, &hpa, &perms, &nlevel))
			continue;
		leaf = v3_shadow_leaf(&r, 0, st->cr0 & V3_CR0_WP,
				      st->cr4 & V3_CR4_PGE, hpa, perms);
		slot = v3_shadow_slot(vcpu, nla, 0, -1,
				      !(leaf & V3_SPTE_GLOBAL));
		if (!slot)
			return;
		if (!(*slot & V3_SPTE_P)) {
			*slot = leaf;
			vcpu->shadow->prefetched++;
		}
	}
}

#define GUEST_PTE_A (1ull << 5)

void v3_shadow_refill(struct v3_vcpu *vcpu, uint64_t la)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_shadow *s = vcpu->shadow;
	struct v3_walk_regs regs = {st->cr0, st->cr3, st->cr4, st->efer,
				    s->phys_bits};
	/* A dry run: no A/D bit is set on the guest's behalf. */
	struct v3_walk_mem mem = {v3_gpa_walk_read, NULL, vcpu->vm};
	struct v3_walk_result res;
	uint64_t hpa, leaf, *slot;
	unsigned perms;
	int nlevel;

	if (!(st->cr0 & V3_CR0_PG) ||
	    v3_guest_walk(&regs, &mem, la, 0, &res) != V3_WALK_OK ||
	    res.page_size != V3_PAGE_SIZE || !(res.pte & GUEST_PTE_A) ||
	    v3_nested_lookup(vcpu->vm, res.gpa, &hpa, &perms, &nlevel))
		return;
	leaf = v3_shadow_leaf(&res, 0, st->cr0 & V3_CR0_WP,
			      st->cr4 & V3_CR4_PGE, hpa, perms);
	slot = v3_shadow_slot(vcpu, la, 0, -1, !(leaf & V3_SPTE_GLOBAL));
	if (slot && !(*slot & V3_SPTE_P)) {
		*slot = leaf;
		s->invlpg_refills++;
	}
}

int v3_handle_page_fault(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_shadow *s = vcpu->shadow;
	uint64_t la = exit->pf.la, hpa, leaf, *slot;
	unsigned access = exit->pf.error & (V3_PF_W | V3_PF_U | V3_PF_I);
	struct v3_walk_regs regs = {st->cr0, st->cr3, st->cr4, st->efer,
				    s ? s->phys_bits : 0};
	struct v3_walk_mem mem = {v3_gpa_walk_read, v3_gpa_cmpxchg, vcpu->vm};
	struct v3_walk_result res;
	unsigned perms;
	int nlevel, level = 0, split = -1;
	bool local;

	if (!s)
		return v3_handle_fatal(vcpu, exit);
	switch (v3_guest_walk(&regs, &mem, la, access, &res)) {
	case V3_WALK_OK: break;
	case V3_WALK_PF: reflect_pf(vcpu, la, res.error); return 0;
	case V3_WALK_GP: v3_inject_exception(vcpu, V3_EXC_GP, true, 0); return 0;
	default:
		v3_vm_fail(vcpu, "guest page tables for 0x%llx are not in RAM "
			   "(CR3 0x%llx)", V3_ULL(la), V3_ULL(st->cr3));
		return -1;
	}
	if (v3_nested_lookup(vcpu->vm, res.gpa, &hpa, &perms, &nlevel) != 0 ||
	    ((access & V3_WALK_WRITE) && !(perms & V3_NPERM_W)) ||
	    ((access & V3_WALK_FETCH) && !(perms & V3_NPERM_X)))
		return to_emulation(vcpu, res.gpa, access);

	leaf = v3_shadow_leaf(&res, access, st->cr0 & V3_CR0_WP,
			      st->cr4 & V3_CR4_PGE, hpa, perms);
	if (res.page_size >= V3_PAGE_2M) {
		if (nlevel >= 1) {
			/* The 2 MiB around 'la' are contiguous in the guest
			 * page and in host memory: one large shadow page
			 * (several for a 1 GiB guest page: marked split). */
			level = 1;
			leaf = (leaf & ~V3_SPTE_ADDR) | V3_SPTE_PS |
			       (hpa & V3_SPTE_ADDR & ~(V3_PAGE_2M - 1));
			if (res.page_size >= V3_PAGE_1G)
				split = 2;
		} else {
			split = res.page_size >= V3_PAGE_1G ? 2 : 1;
		}
	}
	local = !(leaf & V3_SPTE_GLOBAL);
	slot = v3_shadow_slot(vcpu, la, level, split, local);
	if (!slot) {
		v3_shadow_flush_all(vcpu);
		slot = v3_shadow_slot(vcpu, la, level, split, local);
		if (!slot) {
			v3_vm_fail(vcpu, "out of shadow page-table pages");
			return -1;
		}
	}
	if (*slot == leaf) {
		/* The shadow already allows this access, so the fault has a
		 * cause the walk does not model (SMAP) or a stale TLB entry:
		 * flush once, then let the guest have it. */
		if (s->repeat_la == la && s->repeat_rip == st->rip) {
			s->repeat_la = ~0ull;
			reflect_pf(vcpu, la, exit->pf.error);
			return 0;
		}
		s->repeat_la = la;
		s->repeat_rip = st->rip;
		vcpu->tlb_flush = true;
		return 0;
	}
	s->repeat_la = ~0ull;
	if (*slot & V3_SPTE_P)
		vcpu->tlb_flush = true;
	*slot = leaf;
	s->fills++;
	if (level == 0 && split < 0)
		prefetch(vcpu, la, &regs, &res);
	return 0;
}
