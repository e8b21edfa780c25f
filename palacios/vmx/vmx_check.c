/* vmx_check.c - the guest-state checks of VM entry (Intel SDM vol. 3
 * §26.3.1), run after the hardware refused a guest, so the message says
 * which check failed instead of "invalid guest state".  Pure logic,
 * unit-tested in userspace. */
#include "lib.h"
#include "vmx_caps.h"

#define CR0_PE	   (1ull << 0)
#define CR0_PG	   (1ull << 31)
#define CR4_PAE	   (1ull << 5)
#define CR4_PCIDE  (1ull << 17)
#define EFER_LME   (1ull << 8)
#define EFER_LMA   (1ull << 10)
#define EFER_OK	   ((1ull << 0) | EFER_LME | EFER_LMA | (1ull << 11))
#define RFLAGS_IF  (1ull << 9)
#define RFLAGS_VM  (1ull << 17)
#define RFLAGS_RSV (~0x3f7fd7ull) /* 63:22, 15, 5, 3 must be 0 */
#define RFLAGS_ONE (1ull << 1)

#define AR_TYPE(ar) ((ar) & 0xf)
#define AR_S(ar)    (((ar) >> 4) & 1)
#define AR_DPL(ar)  (((ar) >> 5) & 3)
#define AR_P(ar)    (((ar) >> 7) & 1)
#define AR_L(ar)    (((ar) >> 13) & 1)
#define AR_DB(ar)   (((ar) >> 14) & 1)
#define AR_G(ar)    (((ar) >> 15) & 1)
#define AR_UNUSABLE (1u << 16)
#define AR_RSV	    0xfffe0f00u /* 31:17 and 11:8 */

static const char *const seg_name[8] = {"ES", "CS", "SS",   "DS",
					"FS", "GS", "LDTR", "TR"};

static bool canonical(uint64_t a)
{
	uint64_t top = a >> 47;

	return top == 0 || top == 0x1ffff;
}

static int failed(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int failed(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	v3_vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

#define FAIL(...) return failed(why, len, __VA_ARGS__)

static int check_control_regs(const struct vmx_guest_view *g, char *why,
			      size_t len)
{
	uint64_t forced = vmx_cr0_forced(g->cr0_fixed0, g->unrestricted);

	if ((g->cr0 & forced) != forced)
		FAIL("guest CR0 0x%llx lacks fixed-1 bits 0x%llx "
		     "(IA32_VMX_CR0_FIXED0, SDM vol. 3 §26.3.1.1)",
		     V3_ULL(g->cr0), V3_ULL(forced & ~g->cr0));
	if (g->cr0 & ~g->cr0_fixed1 & 0xffffffffull)
		FAIL("guest CR0 0x%llx sets fixed-0 bits 0x%llx "
		     "(IA32_VMX_CR0_FIXED1, SDM vol. 3 §26.3.1.1)",
		     V3_ULL(g->cr0), V3_ULL(g->cr0 & ~g->cr0_fixed1));
	if ((g->cr0 & CR0_PG) && !(g->cr0 & CR0_PE))
		FAIL("guest CR0 0x%llx has PG without PE "
		     "(SDM vol. 3 §26.3.1.1)",
		     V3_ULL(g->cr0));
	if ((g->cr4 & g->cr4_fixed0) != g->cr4_fixed0)
		FAIL("guest CR4 0x%llx lacks fixed-1 bits 0x%llx "
		     "(IA32_VMX_CR4_FIXED0, SDM vol. 3 §26.3.1.1)",
		     V3_ULL(g->cr4), V3_ULL(g->cr4_fixed0 & ~g->cr4));
	if (g->cr4 & ~g->cr4_fixed1)
		FAIL("guest CR4 0x%llx sets fixed-0 bits 0x%llx "
		     "(IA32_VMX_CR4_FIXED1, SDM vol. 3 §26.3.1.1)",
		     V3_ULL(g->cr4), V3_ULL(g->cr4 & ~g->cr4_fixed1));
	if (g->ia32e && (!(g->cr0 & CR0_PG) || !(g->cr4 & CR4_PAE)))
		FAIL("IA-32e mode guest needs CR0.PG and CR4.PAE "
		     "(SDM vol. 3 §26.3.1.1)");
	if (!g->ia32e && (g->cr4 & CR4_PCIDE))
		FAIL("CR4.PCIDE outside IA-32e mode (SDM vol. 3 §26.3.1.1)");
	if (g->dr7 >> 32)
		FAIL("guest DR7 0x%llx has bits 63:32 set "
		     "(SDM vol. 3 §26.3.1.1)",
		     V3_ULL(g->dr7));
	if (g->load_efer) {
		if (g->efer & ~EFER_OK)
			FAIL("guest IA32_EFER 0x%llx sets reserved bits "
			     "(SDM vol. 3 §26.3.1.1)",
			     V3_ULL(g->efer));
		if (!!(g->efer & EFER_LMA) != g->ia32e)
			FAIL("guest EFER.LMA differs from the IA-32e mode "
			     "guest entry control (SDM vol. 3 §26.3.1.1)");
		if ((g->cr0 & CR0_PG) &&
		    !!(g->efer & EFER_LMA) != !!(g->efer & EFER_LME))
			FAIL("guest EFER.LMA differs from EFER.LME with "
			     "paging on (SDM vol. 3 §26.3.1.1)");
	}
	return 0;
}

/* Limit and granularity agree (SDM vol. 3 §26.3.1.2). */
static bool limit_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xfff) != 0xfff && AR_G(ar))
		return false;
	if ((limit >> 20) && !AR_G(ar))
		return false;
	return true;
}

static int check_v86_seg(const struct vmx_seg_view *s, int i, char *why,
			 size_t len)
{
	if (s->base != (uint64_t)s->sel << 4 || s->limit != 0xffff ||
	    s->ar != 0xf3)
		FAIL("guest %s in virtual-8086 mode needs base = selector "
		     "* 16, limit 0xffff, access rights 0xf3 (SDM vol. 3 "
		     "§26.3.1.2)",
		     seg_name[i]);
	return 0;
}

static int check_cs(const struct vmx_guest_view *g, char *why, size_t len)
{
	const struct vmx_seg_view *cs = &g->seg[VMX_CS];
	const struct vmx_seg_view *ss = &g->seg[VMX_SS];
	uint32_t t = AR_TYPE(cs->ar);

	if (cs->ar & AR_UNUSABLE)
		FAIL("guest CS is unusable (SDM vol. 3 §26.3.1.2)");
	if (!(t == 9 || t == 11 || t == 13 || t == 15 ||
	      (g->unrestricted && t == 3)))
		FAIL("guest CS type %u: must be an accessed code segment "
		     "(9, 11, 13, 15%s; SDM vol. 3 §26.3.1.2)",
		     t, g->unrestricted ? " or 3" : "");
	if (!AR_S(cs->ar) || !AR_P(cs->ar))
		FAIL("guest CS needs S=1 and P=1 (SDM vol. 3 §26.3.1.2)");
	if (t == 3 && AR_DPL(cs->ar) != 0)
		FAIL("guest CS type 3 needs DPL 0 (SDM vol. 3 §26.3.1.2)");
	if ((t == 9 || t == 11) && !(ss->ar & AR_UNUSABLE) &&
	    AR_DPL(cs->ar) != AR_DPL(ss->ar))
		FAIL("guest CS DPL %u differs from SS DPL %u (SDM vol. 3 "
		     "§26.3.1.2)",
		     AR_DPL(cs->ar), AR_DPL(ss->ar));
	if (cs->ar & AR_RSV)
		FAIL("guest CS access rights 0x%x set reserved bits (SDM "
		     "vol. 3 §26.3.1.2)",
		     cs->ar);
	if (g->ia32e && AR_L(cs->ar) && AR_DB(cs->ar))
		FAIL("guest CS has both L and D/B set (SDM vol. 3 "
		     "§26.3.1.2)");
	if (!limit_ok(cs->limit, cs->ar))
		FAIL("guest CS limit 0x%x disagrees with G (SDM vol. 3 "
		     "§26.3.1.2)",
		     cs->limit);
	if (cs->base >> 32)
		FAIL("guest CS base has bits 63:32 set (SDM vol. 3 §26.3.1.2)");
	return 0;
}

static int check_data_seg(const struct vmx_guest_view *g, int i, char *why,
			  size_t len)
{
	const struct vmx_seg_view *s = &g->seg[i];
	uint32_t t = AR_TYPE(s->ar);

	if (s->ar & AR_UNUSABLE)
		return 0;
	if (i == VMX_SS && t != 3 && t != 7)
		FAIL("guest SS type %u: must be a writable accessed data "
		     "segment (3 or 7; SDM vol. 3 §26.3.1.2)",
		     t);
	if (!(t & 1))
		FAIL("guest %s type %u is not accessed (SDM vol. 3 "
		     "§26.3.1.2)",
		     seg_name[i], t);
	if ((t & 8) && !(t & 2))
		FAIL("guest %s is an execute-only code segment (SDM vol. 3 "
		     "§26.3.1.2)",
		     seg_name[i]);
	if (!AR_S(s->ar) || !AR_P(s->ar))
		FAIL("guest %s needs S=1 and P=1 (SDM vol. 3 §26.3.1.2)",
		     seg_name[i]);
	if (i == VMX_SS && (!(g->cr0 & CR0_PE) ||
			    AR_TYPE(g->seg[VMX_CS].ar) == 3) &&
	    AR_DPL(s->ar) != 0)
		FAIL("guest SS DPL must be 0 in real mode (SDM vol. 3 "
		     "§26.3.1.2)");
	if (s->ar & AR_RSV)
		FAIL("guest %s access rights 0x%x set reserved bits (SDM "
		     "vol. 3 §26.3.1.2)",
		     seg_name[i], s->ar);
	if (!limit_ok(s->limit, s->ar))
		FAIL("guest %s limit 0x%x disagrees with G (SDM vol. 3 "
		     "§26.3.1.2)",
		     seg_name[i], s->limit);
	if (i != VMX_FS && i != VMX_GS && (s->base >> 32))
		FAIL("guest %s base has bits 63:32 set (SDM vol. 3 "
		     "§26.3.1.2)",
		     seg_name[i]);
	return 0;
}

static int check_system_segs(const struct vmx_guest_view *g, char *why,
			     size_t len)
{
	const struct vmx_seg_view *tr = &g->seg[VMX_TR];
	const struct vmx_seg_view *ldtr = &g->seg[VMX_LDTR];
	uint32_t t = AR_TYPE(tr->ar);

	if (tr->sel & 4)
		FAIL("guest TR selector 0x%x points into the LDT (SDM vol. 3 "
		     "§26.3.1.2)",
		     tr->sel);
	if (tr->ar & AR_UNUSABLE)
		FAIL("guest TR is unusable (SDM vol. 3 §26.3.1.2)");
	if (!(t == 11 || (!g->ia32e && t == 3)))
		FAIL("guest TR type %u: must be a busy TSS (%s; SDM vol. 3 "
		     "§26.3.1.2)",
		     t, g->ia32e ? "11" : "3 or 11");
	if (AR_S(tr->ar) || !AR_P(tr->ar) || (tr->ar & AR_RSV))
		FAIL("guest TR access rights 0x%x: need S=0, P=1, no "
		     "reserved bits (SDM vol. 3 §26.3.1.2)",
		     tr->ar);
	if (!limit_ok(tr->limit, tr->ar))
		FAIL("guest TR limit 0x%x disagrees with G (SDM vol. 3 "
		     "§26.3.1.2)",
		     tr->limit);
	if (!canonical(tr->base))
		FAIL("guest TR base is not canonical (SDM vol. 3 §26.3.1.2)");
	if (ldtr->ar & AR_UNUSABLE)
		return 0;
	if (ldtr->sel & 4)
		FAIL("guest LDTR selector 0x%x points into the LDT (SDM vol. "
		     "3 §26.3.1.2)",
		     ldtr->sel);
	if (AR_TYPE(ldtr->ar) != 2 || AR_S(ldtr->ar) || !AR_P(ldtr->ar) ||
	    (ldtr->ar & AR_RSV))
		FAIL("guest LDTR access rights 0x%x: need type 2, S=0, P=1 "
		     "(SDM vol. 3 §26.3.1.2)",
		     ldtr->ar);
	if (!limit_ok(ldtr->limit, ldtr->ar))
		FAIL("guest LDTR limit 0x%x disagrees with G (SDM vol. 3 "
		     "§26.3.1.2)",
		     ldtr->limit);
	return 0;
}

static int check_segments(const struct vmx_guest_view *g, char *why,
			  size_t len)
{
	int i;

	if (g->rflags & RFLAGS_VM) {
		for (i = VMX_ES; i <= VMX_GS; i++)
			if (check_v86_seg(&g->seg[i], i, why, len))
				return -1;
	} else {
		if (check_cs(g, why, len))
			return -1;
		for (i = VMX_ES; i <= VMX_GS; i++)
			if (i != VMX_CS && check_data_seg(g, i, why, len))
				return -1;
	}
	if (!canonical(g->seg[VMX_FS].base) || !canonical(g->seg[VMX_GS].base))
		FAIL("guest FS/GS base is not canonical (SDM vol. 3 "
		     "§26.3.1.2)");
	return check_system_segs(g, why, len);
}

static int check_rest(const struct vmx_guest_view *g, char *why, size_t len)
{
	uint32_t intr_type = (g->entry_intr_info >> 8) & 7;
	bool injecting = g->entry_intr_info >> 31;
	const uint32_t sti = 1, mov_ss = 2;

	if (!canonical(g->gdtr_base) || !canonical(g->idtr_base))
		FAIL("guest GDTR/IDTR base is not canonical (SDM vol. 3 "
		     "§26.3.1.3)");
	if ((g->gdtr_limit | g->idtr_limit) >> 16)
		FAIL("guest GDTR/IDTR limit above 0xffff (SDM vol. 3 "
		     "§26.3.1.3)");
	if (!(g->ia32e && AR_L(g->seg[VMX_CS].ar)) && (g->rip >> 32))
		FAIL("guest RIP 0x%llx above 4 GiB outside 64-bit mode (SDM "
		     "vol. 3 §26.3.1.4)",
		     V3_ULL(g->rip));
	if ((g->rflags & RFLAGS_RSV) || !(g->rflags & RFLAGS_ONE))
		FAIL("guest RFLAGS 0x%llx: reserved bits wrong (SDM vol. 3 "
		     "§26.3.1.4)",
		     V3_ULL(g->rflags));
	if ((g->rflags & RFLAGS_VM) && (g->ia32e || !(g->cr0 & CR0_PE)))
		FAIL("guest RFLAGS.VM outside protected mode (SDM vol. 3 "
		     "§26.3.1.4)");
	if (injecting && intr_type == 0 && !(g->rflags & RFLAGS_IF))
		FAIL("external interrupt injected with RFLAGS.IF=0 (SDM vol. 3 "
		     "§26.3.1.4)");
	if (g->activity > 3)
		FAIL("guest activity state %u is not defined (SDM vol. 3 "
		     "§26.3.1.5)",
		     g->activity);
	if (g->interruptibility >> 5)
		FAIL("guest interruptibility 0x%x sets reserved bits (SDM "
		     "vol. 3 §26.3.1.5)",
		     g->interruptibility);
	if ((g->interruptibility & (sti | mov_ss)) == (sti | mov_ss))
		FAIL("guest blocked by both STI and MOV SS (SDM vol. 3 "
		     "§26.3.1.5)");
	if ((g->interruptibility & sti) && !(g->rflags & RFLAGS_IF))
		FAIL("guest blocked by STI with RFLAGS.IF=0 (SDM vol. 3 "
		     "§26.3.1.5)");
	if (injecting && (intr_type == 0 || intr_type == 2) &&
	    (g->interruptibility & (sti | mov_ss)))
		FAIL("interrupt or NMI injected in an STI/MOV SS shadow (SDM "
		     "vol. 3 §26.3.1.5)");
	if (g->link_pointer != ~0ull)
		FAIL("VMCS link pointer 0x%llx is not all ones (SDM vol. 3 "
		     "§26.3.1.5)",
		     V3_ULL(g->link_pointer));
	return 0;
}

int vmx_check_guest(const struct vmx_guest_view *g, char *why, size_t len)
{
	if (check_control_regs(g, why, len) || check_segments(g, why, len) ||
	    check_rest(g, why, len))
		return -1;
	v3_snprintf(why, len, "no guest-state check we know of fails");
	return 0;
}
