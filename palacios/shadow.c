/* shadow.c - shadow paging state of a vcpu: creation, the hardware's
 * control registers before each entry, and what a guest's change of
 * CR0/CR3/CR4/EFER invalidates.  A CR3 load makes the root cached for
 * that CR3 current and checks its non-global leaves (a TLB would drop
 * them); a change of paging mode drops everything. */
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
	s->free_head = -1;
	if (v3_shadow_roots_init(vcpu) != 0) {
		v3_shadow_deinit(vcpu);
		return -1;
	}
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
		 "%llu guest page faults, %llu flushes, %llu invlpg "
		 "(%llu refilled), %d table pages",
		 vcpu->vm->name, vcpu->id, V3_ULL(s->fills),
		 V3_ULL(s->prefetched), V3_ULL(s->guest_faults),
		 V3_ULL(s->flushes), V3_ULL(s->invlpgs),
		 V3_ULL(s->invlpg_refills), s->npages);
	v3_print("%s: vcpu%d shadow roots: %llu CR3 loads, %llu hits, "
		 "%llu misses, %llu evictions; resync of %llu tables kept "
		 "%llu leaves, "
		 "dropped %llu, filled %llu",
		 vcpu->vm->name, vcpu->id, V3_ULL(s->cr3_writes),
		 V3_ULL(s->root_hits), V3_ULL(s->root_misses),
		 V3_ULL(s->root_evictions), V3_ULL(s->resync_tables),
		 V3_ULL(s->resync_kept),
		 V3_ULL(s->resync_dropped), V3_ULL(s->resync_filled));
	v3_shadow_roots_free(vcpu);
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
		 v3_shadow_switch_root(vcpu))
		v3_shadow_resync(vcpu);
}
