/* shadow.c - shadow paging state of a vcpu: creation, the hardware's
 * control registers before each entry, and what a guest's change of
 * CR0/CR3/CR4/EFER invalidates.  There is no cache of shadow roots per
 * CR3 yet: a CR3 write drops every non-global entry, as it would drop
 * the TLB's, and a change of paging mode drops everything. */
#include "exit.h"
#include "shadow.h"
#include "shadow_rules.h"
#include "vm.h"
#include "vmm.h"

static int wanted_levels(const struct v3_vcpu *vcpu)
{
	return (vcpu->state.efer & V3_EFER_LMA) ? 4 : 3;
}

int v3_shadow_init(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = v3_vm_zalloc(vcpu->vm, sizeof(*s));

	if (!s)
		return -1;
	vcpu->shadow = s;
	s->pages[0] = v3_vm_alloc_pages(vcpu->vm, 1, V3_PAGE_SIZE);
	/* Legacy PAE CR3 holds 32 bits: the root must lie below 4 GiB. */
	if (!s->pages[0] || (s->pages[0] >> 32)) {
		v3_shadow_deinit(vcpu);
		return -1;
	}
	s->npages = s->nused = 1;
	v3_shadow_index_add(s, s->pages[0], 0);
	s->root_hpa = s->pages[0];
	s->levels = wanted_levels(vcpu);
	s->repeat_la = ~0ull;
	s->phys_bits = v3_cpuid_phys_bits();
	return 0;
}

void v3_shadow_deinit(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	int i;

	if (!s)
		return;
	v3_print("%s: vcpu%d shadow paging: %llu fills (+%llu prefetched), "
		 "%llu guest page faults, %llu flushes (%llu keeping global "
		 "pages), %llu invlpg, %d table pages",
		 vcpu->vm->name, vcpu->id, V3_ULL(s->fills),
		 V3_ULL(s->prefetched),
		 V3_ULL(s->guest_faults), V3_ULL(s->flushes + s->local_flushes),
		 V3_ULL(s->local_flushes), V3_ULL(s->invlpgs), s->npages);
	for (i = 0; i < s->npages; i++)
		v3_vm_free_pages(vcpu->vm, s->pages[i], 1);
	v3_vm_free(vcpu->vm, s, sizeof(*s));
	vcpu->shadow = NULL;
}

void v3_shadow_prepare_entry(struct v3_vcpu *vcpu)
{
	struct v3_shadow *s = vcpu->shadow;
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_ctrl_regs g = {st->cr0, st->cr4, st->efer}, hw;

	if (vcpu->shadow_stale || s->levels != wanted_levels(vcpu)) {
		vcpu->shadow_stale = false;
		s->levels = wanted_levels(vcpu);
		v3_shadow_flush_all(vcpu);
	}
	v3_shadow_hw_regs(&g, &hw);
	vcpu->hw.cr0 = hw.cr0;
	vcpu->hw.cr4 = hw.cr4;
	vcpu->hw.efer = hw.efer;
	vcpu->hw.cr3 = s->root_hpa;
}

void v3_shadow_ctrl_changed(struct v3_vcpu *vcpu,
			    const struct v3_ctrl_regs *old, bool cr3_changed)
{
	struct v3_vcpu_state *st = &vcpu->state;
	struct v3_ctrl_regs now = {st->cr0, st->cr4, st->efer};

	if (v3_shadow_regs_retranslate(old, &now))
		v3_shadow_flush_all(vcpu);
	else if (cr3_changed && (st->cr0 & V3_CR0_PG) &&
		 (st->cr4 & V3_CR4_PGE))
		v3_shadow_flush_local(vcpu);
	else if (cr3_changed && (st->cr0 & V3_CR0_PG))
		v3_shadow_flush_all(vcpu);
}
