/* vcpu_cpuid.c - the CPUID a guest sees: the host's, filtered down to
 * what we virtualize, plus our hypervisor leaves, then device hooks. */
#include "exit.h"
#include "host_cpu.h"
#include "tsc_sync.h"
#include "vm.h"
#include "vmm.h"

#define BIT(n) (1u << (n))

/* Leaf 1 ECX: hide what needs VMM support we do not have yet.
 * MONITOR(3) - MWAIT is intercepted as #UD; VMX(5), SMX(6) - no nesting;
 * x2APIC(21) - not modelled; TSC-deadline(24) - shown by devices/lapic.c
 * when configured; XSAVE(26),
 * OSXSAVE(27), AVX(28), FMA(12), F16C(29) - XCR0 is not switched. */
#define LEAF1_ECX_HIDE                                                         \
	(BIT(3) | BIT(5) | BIT(6) | BIT(12) | BIT(21) | BIT(24) | BIT(26) |    \
	 BIT(27) | BIT(28) | BIT(29))
#define LEAF1_ECX_HYPERVISOR BIT(31)
#define LEAF1_ECX_PCID	     BIT(17)
/* Leaf 1 EDX: MCE(7) and MCA(14) - no machine-check MSRs; APIC(9) - set
 * again by devices/lapic.c when the VM has one. */
#define LEAF1_EDX_HIDE (BIT(7) | BIT(9) | BIT(14))
/* Leaf 7.0 EBX: keep only features that need no VMM state: FSGSBASE,
 * BMI1, SMEP, BMI2, ERMS, RDSEED, ADX, SMAP, CLFLUSHOPT, CLWB. */
#define LEAF7_EBX_KEEP                                                         \
	(BIT(0) | BIT(3) | BIT(7) | BIT(8) | BIT(9) | BIT(18) | BIT(19) |      \
	 BIT(20) | BIT(23) | BIT(24))
/* 0x80000001 ECX: SVM(2), SKINIT(12), WDT(13), LWP(15), perf ctr ext
 * (23, 24, 28) - not virtualized. */
#define EXT1_ECX_HIDE                                                          \
	(BIT(2) | BIT(12) | BIT(13) | BIT(15) | BIT(23) | BIT(24) | BIT(28))

/* 0x80000001 EDX: RDTSCP(27) - it reads IA32_TSC_AUX, which the VMM
 * neither switches nor emulates (a guest writing it would take #GP). */
#define EXT1_EDX_HIDE BIT(27)

/* 0x80000007 EDX: invariant TSC (8), from the VMM's own check of the
 * host CPUs (tsc_sync.c), not the host's bit: the guest's TSC is ours. */
#define EXT7_EDX_INVARIANT_TSC BIT(8)

#define HV_MAX_LEAF (V3_CPUID_HV_BASE + 0x10)

/* Four signature bytes as CPUID returns them in a register; folded to
 * a constant (the leaf is what the exit benchmark times). */
static inline uint32_t sig_word(const char *s)
{
	return (uint32_t)(uint8_t)s[0] | (uint32_t)(uint8_t)s[1] << 8 |
	       (uint32_t)(uint8_t)s[2] << 16 | (uint32_t)(uint8_t)s[3] << 24;
}

/* Our own leaves, straight into the registers: no host CPUID, no
 * array (this is the leaf the exit benchmark times). */
static inline void hypervisor_leaf(uint32_t leaf, struct v3_gprs *g)
{
	if (leaf == V3_CPUID_HV_BASE) {
		g->rax = HV_MAX_LEAF;
		g->rbx = sig_word(V3_CPUID_SIGNATURE);
		g->rcx = sig_word(V3_CPUID_SIGNATURE + 4);
		g->rdx = sig_word(V3_CPUID_SIGNATURE + 8);
	} else {
		g->rax = g->rbx = g->rcx = g->rdx = 0;
	}
}

/* The host's leaves, filtered. */
static __attribute__((__noinline__)) void
filtered_cpuid(struct v3_vcpu *vcpu, uint32_t leaf, uint32_t sub,
	       struct v3_gprs *g)
{
	uint32_t r[4];

	v3_host_cpuid(leaf, sub, r);
	switch (leaf) {
	case 1:
		r[2] = (r[2] & ~LEAF1_ECX_HIDE) | LEAF1_ECX_HYPERVISOR;
		r[3] &= ~LEAF1_EDX_HIDE;
		/* PCID tags would outlive the shadow tables' CR3 switch. */
		if (vcpu->shadow)
			r[2] &= ~LEAF1_ECX_PCID;
		/* EBX[31:24] initial APIC id, [23:16] logical CPUs. */
		r[1] = (r[1] & 0xffff) | ((uint32_t)vcpu->id << 24) |
		       ((uint32_t)vcpu->vm->nvcpus << 16);
		break;
	case 5:	  /* MONITOR/MWAIT */
	case 6:	  /* thermal and power */
	case 0xa: /* performance monitoring */
	case 0xd: /* XSAVE state */ r[0] = r[1] = r[2] = r[3] = 0; break;
	case 7:
		if (sub == 0) {
			r[0] = 0;
			r[1] &= LEAF7_EBX_KEEP;
		} else {
			r[1] = 0;
		}
		r[2] = r[3] = 0;
		break;
	case 0x80000001:
		r[2] &= ~EXT1_ECX_HIDE;
		r[3] &= ~EXT1_EDX_HIDE;
		break;
	case 0x80000007:
		r[3] &= ~EXT7_EDX_INVARIANT_TSC;
		if (v3_tsc_synced)
			r[3] |= EXT7_EDX_INVARIANT_TSC;
		break;
	case 0x8000000a: /* SVM features: no nested virtualization */
		r[0] = r[1] = r[2] = r[3] = 0;
		break;
	}
	g->rax = r[0];
	g->rbx = r[1];
	g->rcx = r[2];
	g->rdx = r[3];
}

uint8_t v3_cpuid_phys_bits(void)
{
	uint32_t r[4];

	v3_host_cpuid(0x80000000u, 0, r);
	if (r[0] < 0x80000008u)
		return 36; /* the architectural default (SDM vol. 3, 4.1.4) */
	v3_host_cpuid(0x80000008u, 0, r);
	return r[0] & 0xff;
}

/* Devices that change an answer (the local APIC's feature bits) hook
 * their leaves; apart, so the common path sets up no access record. */
static __attribute__((__noinline__)) void hooked_cpuid(struct v3_vcpu *vcpu,
						       uint32_t leaf,
						       uint32_t sub)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	struct v3_access acc = {
	    .kind = V3_HOOK_CPUID,
	    .addr = leaf,
	    .sub = sub,
	    .val = {g->rax, g->rbx, g->rcx, g->rdx},
	};

	v3_hook_call(vcpu, &acc);
	g->rax = (uint32_t)acc.val[0];
	g->rbx = (uint32_t)acc.val[1];
	g->rcx = (uint32_t)acc.val[2];
	g->rdx = (uint32_t)acc.val[3];
}

/* Host leaves and hooked leaves. */
static __attribute__((__noinline__)) int
general_cpuid(struct v3_vcpu *vcpu, struct v3_exit *exit, uint32_t leaf,
	      uint32_t sub)
{
	struct v3_gprs *g = &vcpu->state.gprs;

	if ((leaf & 0xf0000000u) == V3_CPUID_HV_BASE)
		hypervisor_leaf(leaf, g);
	else
		filtered_cpuid(vcpu, leaf, sub, g);
	if (v3_hook_may_exist(vcpu->vm, V3_HOOK_CPUID, leaf))
		hooked_cpuid(vcpu, leaf, sub);
	v3_skip_insn(vcpu, exit);
	return 0;
}

/* An unhooked hypervisor leaf needs no call and no frame. */
int v3_handle_cpuid(struct v3_vcpu *vcpu, struct v3_exit *exit)
{
	struct v3_gprs *g = &vcpu->state.gprs;
	uint32_t leaf = (uint32_t)g->rax, sub = (uint32_t)g->rcx;

	if ((leaf & 0xf0000000u) != V3_CPUID_HV_BASE ||
	    v3_hook_may_exist(vcpu->vm, V3_HOOK_CPUID, leaf))
		return general_cpuid(vcpu, exit, leaf, sub);
	hypervisor_leaf(leaf, g);
	v3_skip_insn(vcpu, exit);
	return 0;
}
