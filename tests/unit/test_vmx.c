/* test_vmx.c - control words from capability MSRs and the VM-entry
 * guest-state checks (palacios/vmx/vmx_caps.c, vmx_check.c). */
#include <string.h>

#include "unit.h"
#include "vmx_caps.h"

static void test_ctl_word(void)
{
	uint32_t w = 0;
	int missing = -1;
	/* Must be 1: bits 1, 2; may be 1: bits 0-7. */
	uint64_t cap = (0xffull << 32) | 0x6;

	report(vmx_ctl_word(cap, 0x1, 0x80, &w, &missing) == 0 && w == 0x87,
	       "required + optional + forced bits: 0x%x", w);
	report(vmx_ctl_word(cap, 0, 0x300, &w, &missing) == 0 && w == 0x6,
	       "optional bits the CPU lacks are dropped: 0x%x", w);
	report(vmx_ctl_word(cap, 0x201, 0, &w, &missing) == -1 && missing == 9,
	       "a required bit the CPU lacks is named: bit %d", missing);
	/* allowed-0 = 1 but allowed-1 = 0 would be a broken MSR: the word
	 * still never sets a bit the CPU forbids. */
	report(vmx_ctl_word(0x100, 0, 0, &w, &missing) == 0 && w == 0,
	       "never a bit outside allowed-1: 0x%x", w);
	report(vmx_cr0_forced(0x80000021, true) == 0x20 &&
		   vmx_cr0_forced(0x80000021, false) == 0x80000021,
	       "CR0 forced bits: NE only with unrestricted guest");
}

/* The state direct entry gives a test guest: flat 32-bit protected
 * mode, paging off, accessed segments, a busy 32-bit TSS. */
static struct vmx_guest_view good(void)
{
	struct vmx_guest_view g;
	int i;

	memset(&g, 0, sizeof(g));
	g.cr0 = 0x31; /* PE, ET, NE */
	g.cr4 = 0x2000;
	g.dr7 = 0x400;
	g.rflags = 0x2;
	g.rip = 0x100000;
	g.cr0_fixed0 = 0x80000021;
	g.cr0_fixed1 = 0xffffffff;
	g.cr4_fixed0 = 0x2000;
	g.cr4_fixed1 = 0x3727ff;
	g.unrestricted = true;
	g.load_efer = true;
	for (i = 0; i < 6; i++)
		g.seg[i] = (struct vmx_seg_view){0x10, 0xc093, 0xffffffff, 0};
	g.seg[VMX_CS] = (struct vmx_seg_view){0x08, 0xc09b, 0xffffffff, 0};
	g.seg[VMX_LDTR] = (struct vmx_seg_view){0, 0x82, 0, 0};
	g.seg[VMX_TR] = (struct vmx_seg_view){0, 0x8b, 0x67, 0};
	g.link_pointer = ~0ull;
	return g;
}

static void expect_fail(struct vmx_guest_view g, const char *needle,
			const char *what)
{
	char why[200] = "";
	int r = vmx_check_guest(&g, why, sizeof(why));

	if (!report(r == -1 && strstr(why, needle), "%s: %s", what, why))
		diag("expected a message containing '%s'", needle);
}

static void test_checks(void)
{
	char why[200] = "";
	struct vmx_guest_view g = good();

	report(vmx_check_guest(&g, why, sizeof(why)) == 0,
	       "direct-entry state passes: %s", why);
	g.cr0 = 0x60000010; /* reset state: CD, NW, ET; real mode */
	g.seg[VMX_CS] = (struct vmx_seg_view){0xf000, 0x9b, 0xffff, 0xffff0000};
	for (int i = 0; i < 6; i++)
		if (i != VMX_CS)
			g.seg[i] = (struct vmx_seg_view){0, 0x93, 0xffff, 0};
	g.seg[VMX_LDTR] = (struct vmx_seg_view){0, 0x82, 0xffff, 0};
	g.seg[VMX_TR] = (struct vmx_seg_view){0, 0x83, 0xffff, 0};
	report(vmx_check_guest(&g, why, sizeof(why)) == -1 &&
		   strstr(why, "CR0") && strstr(why, "0x20"),
	       "reset state without the forced NE is refused: %s", why);
	g.cr0 |= 0x20;
	report(vmx_check_guest(&g, why, sizeof(why)) == 0,
	       "reset state with NE forced passes: %s", why);

	g = good();
	g.seg[VMX_TR].ar = 0x89;
	expect_fail(g, "TR type 9", "available TSS in TR");
	g = good();
	g.cr0 |= 1ull << 31;
	g.cr0 &= ~1ull;
	expect_fail(g, "PG without PE", "paging without protection");
	g = good();
	g.cr4 = 0;
	expect_fail(g, "CR4", "CR4.VMXE missing");
	g = good();
	g.seg[VMX_CS].ar = 0xc091;
	expect_fail(g, "CS type 1", "data segment in CS");
	g = good();
	g.seg[VMX_DS].ar = 0xc092;
	expect_fail(g, "DS type 2 is not accessed", "unaccessed DS");
	g = good();
	g.seg[VMX_SS].limit = 0x1000;
	expect_fail(g, "SS limit", "SS limit and G disagree");
	g = good();
	g.seg[VMX_DS].ar = 0x10000;
	report(vmx_check_guest(&g, why, sizeof(why)) == 0,
	       "an unusable DS is not checked: %s", why);
	g = good();
	g.rflags = 0;
	expect_fail(g, "RFLAGS", "RFLAGS bit 1 clear");
	g = good();
	g.interruptibility = 3;
	g.rflags |= 1u << 9;
	expect_fail(g, "both STI and MOV SS", "two shadows");
	g = good();
	g.entry_intr_info = (1u << 31) | 0x20;
	expect_fail(g, "RFLAGS.IF=0", "interrupt injected with IF=0");
	g = good();
	g.link_pointer = 0;
	expect_fail(g, "link pointer", "VMCS link pointer");
	g = good();
	g.efer = 1ull << 10;
	expect_fail(g, "LMA", "EFER.LMA without IA-32e mode guest");
	g = good();
	g.seg[VMX_LDTR].ar = 0x8b;
	expect_fail(g, "LDTR", "a TSS in LDTR");
}

static void test_errors(void)
{
	report(strstr(vmx_insn_error_name(7), "control") != NULL,
	       "error 7: %s", vmx_insn_error_name(7));
	report(strstr(vmx_insn_error_name(8), "host-state") != NULL,
	       "error 8: %s", vmx_insn_error_name(8));
	report(strstr(vmx_insn_error_name(999), "unknown") != NULL,
	       "out of range: %s", vmx_insn_error_name(999));
	report(strstr(vmx_insn_error_name(14), "unknown") != NULL,
	       "a gap in the table: %s", vmx_insn_error_name(14));
}

int main(void)
{
	test_ctl_word();
	test_checks();
	test_errors();
	return report_summary("test_vmx");
}
