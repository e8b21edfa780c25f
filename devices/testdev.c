/* testdev.c - registers for the VMM's own test guests: a scratch port,
 * a one-shot timer that raises a vector, a scratch MSR, an MSR that
 * drives a platform interrupt line and a CPUID leaf, so each hook kind
 * has a device on the other end, and a register that breaks the vcpu's
 * state on purpose.  See v3_abi.h. */
#include "device.h"
#include "intr.h"
#include "irq.h"
#include "vm.h"
#include "vmm.h"

struct testdev {
	struct v3_vm *vm;
	uint32_t scratch;
	uint8_t vector;
	uint32_t fired;
	uint64_t msr;
	uint64_t irq_msr;
	struct v3_timer timer;
};

static void testdev_fire(struct v3_vm *vm, void *priv)
{
	struct testdev *t = priv;

	t->fired++;
	v3_raise_vector(vm->vcpus[0], t->vector);
}

/* Write-only is a mapping EPT refuses to walk (SDM vol. 3 §29.3.3.1). */
static void break_nested(struct v3_vm *vm, uint64_t gpa)
{
	uint64_t avail;
	uint8_t *hva = v3_gpa_to_hva_ram(vm, gpa & ~0xfffull, &avail);

	if (!hva)
		return;
	v3_nested_map(vm, gpa & ~0xfffull, v3_host->virt_to_phys(hva), 4096,
		      V3_NPERM_W);
	v3_vm_flush_tlb(vm);
}

/* Type 9: a 32-bit TSS that is not busy. */
static void break_tr(struct v3_vcpu *vcpu)
{
	struct v3_seg *tr =
	    &v3_vcpu_state(vcpu, V3_STATE_SEG(V3_SEG_TR))->seg[V3_SEG_TR];

	tr->attr = (tr->attr & ~0xfu) | 9;
}

static int testdev_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct testdev *t = priv;
	uint64_t v = acc->val[0];

	switch (acc->addr & ~3ull) {
	case V3_TESTDEV_SCRATCH:
		if (acc->write)
			t->scratch = (uint32_t)v;
		else
			acc->val[0] = t->scratch;
		return 0;
	case V3_TESTDEV_TIMER_US:
		if (acc->write)
			v3_timer_arm(vcpu->vm, &t->timer, (uint32_t)v);
		else
			acc->val[0] = t->timer.armed;
		return 0;
	case V3_TESTDEV_VECTOR:
		if (acc->write)
			t->vector = (uint8_t)v;
		else
			acc->val[0] = t->vector;
		return 0;
	case V3_TESTDEV_FIRED:
		acc->val[0] = acc->write ? 0 : t->fired;
		return 0;
	case V3_TESTDEV_BREAK_STATE:
		if (!acc->write)
			acc->val[0] = 0;
		else if (v == V3_TESTDEV_BREAK_TR)
			break_tr(vcpu);
		else if (v == V3_TESTDEV_BREAK_NESTED)
			break_nested(vcpu->vm, t->scratch);
		return 0;
	}
	return -1;
}

static int testdev_msr(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct testdev *t = priv;

	(void)vcpu;
	if (acc->addr == V3_TESTDEV_IRQ_MSR) {
		if (!acc->write) {
			acc->val[0] = t->irq_msr;
			return 0;
		}
		t->irq_msr = acc->val[0];
		v3_irq_set(t->vm, (int)(acc->val[0] & 0xff),
			   acc->val[0] & 0x100);
		return 0;
	}
	if (acc->write)
		t->msr = acc->val[0];
	else
		acc->val[0] = t->msr;
	return 0;
}

static int testdev_cpuid(struct v3_vcpu *vcpu, struct v3_access *acc,
			 void *priv)
{
	struct testdev *t = priv;

	(void)vcpu;
	acc->val[0] = V3_TESTDEV_CPUID_MAGIC;
	acc->val[1] = t->scratch;
	acc->val[2] = acc->sub;
	acc->val[3] = ~acc->sub & 0xffffffffu;
	return 0;
}

static int testdev_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			  void **priv, char *err, size_t errlen)
{
	struct testdev *t = v3_vm_zalloc(vm, sizeof(*t));

	*priv = t;
	if (!t)
		return -1;
	t->vm = vm;
	t->vector = 0x40;
	t->timer.fn = testdev_fire;
	t->timer.priv = t;
	/* 0xe9 in the middle belongs to the debug console. */
	if (v3_hook_add(vm, V3_HOOK_IO, V3_TESTDEV_SCRATCH, V3_TESTDEV_VECTOR,
			testdev_io, t) ||
	    v3_hook_add(vm, V3_HOOK_IO, V3_TESTDEV_FIRED, V3_TESTDEV_FIRED + 3,
			testdev_io, t) ||
	    v3_hook_add(vm, V3_HOOK_IO, V3_TESTDEV_BREAK_STATE,
			V3_TESTDEV_BREAK_STATE + 3, testdev_io, t) ||
	    v3_hook_add(vm, V3_HOOK_MSR, V3_TESTDEV_MSR, V3_TESTDEV_IRQ_MSR,
			testdev_msr, t) ||
	    v3_hook_add(vm, V3_HOOK_CPUID, V3_TESTDEV_CPUID, V3_TESTDEV_CPUID,
			testdev_cpuid, t)) {
		v3_snprintf(err, errlen,
			    "line %d: testdev: its ports, MSR or "
			    "CPUID leaf are taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

static void testdev_destroy(struct v3_vm *vm, void *priv)
{
	struct testdev *t = priv;

	if (!t)
		return;
	v3_timer_cancel(vm, &t->timer);
	v3_vm_free(vm, t, sizeof(*t));
}

V3_DEVICE(testdev_device, .name = "testdev", .create = testdev_create,
	  .destroy = testdev_destroy);
