/* test_shadow_rules.c - palacios/shadow_rules.c: the hardware's control
 * registers for every guest paging mode, the checks on guest CR0/CR4
 * writes (SDM vol. 3, 2.5; APM vol. 2, 14.6.1), shadow leaves from
 * guest walks (rights, accessed/dirty, CR0.WP, NX, nested rights), and
 * which neighbouring guest entries may be installed ahead. */
#include <stdint.h>
#include <stdio.h>

#include "nested.h"
#include "shadow_rules.h"
#include "unit.h"
#include "vcpu_state.h"

#define PE V3_CR0_PE
#define PG V3_CR0_PG
#define WP V3_CR0_WP
#define HPA 0x12345000ull

static void check_hw_regs(void)
{
	struct v3_ctrl_regs g, hw;

	/* Real mode: paged real mode in PAE format. */
	g = (struct v3_ctrl_regs){V3_CR0_ET, 0, 0};
	v3_shadow_hw_regs(&g, &hw);
	report(hw.cr0 == (V3_CR0_ET | PG | WP), "real mode: CR0 PG+WP, PE clear "
	       "(0x%llx)", (unsigned long long)hw.cr0);
	report(hw.cr4 == V3_CR4_PAE, "real mode: CR4 = PAE");
	report(hw.efer == V3_EFER_NXE, "real mode: EFER = NXE");

	/* 32-bit paging with PSE and PGE: PAE format, no PGE. */
	g = (struct v3_ctrl_regs){PE | PG | V3_CR0_ET, V3_CR4_PSE | V3_CR4_PGE |
				  (1ull << 9), V3_EFER_SCE};
	v3_shadow_hw_regs(&g, &hw);
	report(hw.cr0 == (g.cr0 | WP), "32-bit: CR0 gains WP");
	report(hw.cr4 == (V3_CR4_PAE | (1ull << 9)),
	       "32-bit: PSE/PGE dropped, OSFXSR kept, PAE set");
	report(hw.efer == (V3_EFER_SCE | V3_EFER_NXE), "32-bit: EFER SCE|NXE");

	/* LME set but paging off: still legacy PAE in hardware. */
	g = (struct v3_ctrl_regs){PE, V3_CR4_PAE, V3_EFER_LME};
	v3_shadow_hw_regs(&g, &hw);
	report(!(hw.efer & (V3_EFER_LME | V3_EFER_LMA)),
	       "LME without LMA: hardware not in long mode");

	/* Long mode. */
	g = (struct v3_ctrl_regs){PE | PG, V3_CR4_PAE | V3_CR4_SMEP,
				  V3_EFER_LME | V3_EFER_LMA | V3_EFER_NXE};
	v3_shadow_hw_regs(&g, &hw);
	report(hw.efer == (V3_EFER_LME | V3_EFER_LMA | V3_EFER_NXE),
	       "long mode: EFER LME|LMA|NXE");
	report(hw.cr4 == (V3_CR4_PAE | V3_CR4_SMEP), "long mode: SMEP kept");
	g.cr4 |= V3_CR4_PCIDE;
	v3_shadow_hw_regs(&g, &hw);
	report(!(hw.cr4 & V3_CR4_PCIDE), "PCIDE never reaches the hardware");
}

static void check_cr0(void)
{
	struct v3_ctrl_regs cur = {PE | V3_CR0_ET, 0, 0};
	uint64_t cr0, efer;

	report(v3_shadow_cr0_write(&cur, PE | PG, &cr0, &efer) == 0 &&
	       cr0 == (PE | PG | V3_CR0_ET) && efer == 0,
	       "paging on in protected mode, ET forced");
	report(v3_shadow_cr0_write(&cur, PG, &cr0, &efer) == -1,
	       "PG without PE: #GP");
	report(v3_shadow_cr0_write(&cur, PE | V3_CR0_NW, &cr0, &efer) == -1,
	       "NW without CD: #GP");
	report(v3_shadow_cr0_write(&cur, PE | (1ull << 32), &cr0, &efer) == -1,
	       "bit 32: #GP");
	report(v3_shadow_cr0_write(&cur, PE | V3_CR0_CD | V3_CR0_NW, &cr0,
				   &efer) == 0, "CD+NW accepted");

	cur = (struct v3_ctrl_regs){PE, 0, V3_EFER_LME};
	report(v3_shadow_cr0_write(&cur, PE | PG, &cr0, &efer) == -1,
	       "long mode without PAE: #GP");
	cur.cr4 = V3_CR4_PAE;
	report(v3_shadow_cr0_write(&cur, PE | PG, &cr0, &efer) == 0 &&
	       efer == (V3_EFER_LME | V3_EFER_LMA), "LME+PAE+PG: LMA set");
	cur = (struct v3_ctrl_regs){PE | PG, V3_CR4_PAE,
				    V3_EFER_LME | V3_EFER_LMA};
	report(v3_shadow_cr0_write(&cur, PE, &cr0, &efer) == 0 &&
	       efer == V3_EFER_LME, "paging off leaves long mode");
	report(v3_shadow_cr0_write(&cur, PE | PG | V3_CR0_TS, &cr0, &efer) ==
		   0 && efer == cur.efer, "TS in long mode keeps LMA");
}

static void check_cr4(void)
{
	struct v3_ctrl_regs lm = {PE | PG, V3_CR4_PAE, V3_EFER_LME | V3_EFER_LMA};
	struct v3_ctrl_regs pm = {PE, 0, 0};

	report(v3_shadow_cr4_write(&pm, V3_CR4_PSE | V3_CR4_PGE) == 0,
	       "PSE|PGE allowed");
	report(v3_shadow_cr4_write(&pm, V3_CR4_PCIDE) == -1, "PCIDE: #GP");
	report(v3_shadow_cr4_write(&pm, 1ull << 12) == -1, "LA57: #GP");
	report(v3_shadow_cr4_write(&pm, 1ull << 18) == -1, "OSXSAVE: #GP");
	report(v3_shadow_cr4_write(&lm, 0) == -1, "clearing PAE in long mode");
	report(v3_shadow_cr4_write(&lm, V3_CR4_PAE | V3_CR4_SMAP) == 0,
	       "SMAP in long mode");
}

static void check_retranslate(void)
{
	struct v3_ctrl_regs a = {PE | PG, V3_CR4_PAE, 0}, b = a;

	report(!v3_shadow_regs_retranslate(&a, &b), "same registers");
	b.cr0 |= V3_CR0_TS;
	report(!v3_shadow_regs_retranslate(&a, &b), "TS changes nothing");
	b = a, b.cr0 |= WP;
	report(v3_shadow_regs_retranslate(&a, &b), "WP retranslates");
	b = a, b.cr4 |= V3_CR4_PGE;
	report(v3_shadow_regs_retranslate(&a, &b), "PGE toggle flushes");
	b = a, b.efer |= V3_EFER_NXE;
	report(v3_shadow_regs_retranslate(&a, &b), "NXE retranslates");
	b = a, b.efer |= V3_EFER_SCE;
	report(!v3_shadow_regs_retranslate(&a, &b), "SCE changes nothing");
}

static struct v3_walk_result walk(bool w, bool u, bool nx, bool dirty)
{
	struct v3_walk_result r = {0};

	r.gpa = 0x5000;
	r.page_size = 4096;
	r.writable = w;
	r.user = u;
	r.nx = nx;
	r.levels = 2;
	r.pte = 0x5000 | 1 | (1 << 5) | (dirty ? 1 << 6 : 0);
	return r;
}

static void check_leaf(void)
{
	struct v3_walk_result r;
	uint64_t e;
	const uint64_t base = HPA | V3_SPTE_P | V3_SPTE_A;

	r = walk(true, true, false, false);
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_RWX);
	report(e == (base | V3_SPTE_US), "clean page read: read-only (0x%llx)",
	       (unsigned long long)e);
	e = v3_shadow_leaf(&r, V3_WALK_WRITE, true, false, HPA, V3_NPERM_RWX);
	report(e == (base | V3_SPTE_US | V3_SPTE_RW | V3_SPTE_D),
	       "write: writable and dirty");
	r = walk(true, false, false, true);
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_RWX);
	report(e == (base | V3_SPTE_RW | V3_SPTE_D),
	       "dirty supervisor page read: writable, not user");
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_R | V3_NPERM_X);
	report(e == base, "nested read-only (ROM): never writable");
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_R | V3_NPERM_W);
	report(e == (base | V3_SPTE_RW | V3_SPTE_D | V3_SPTE_NX),
	       "nested no-execute: NX");
	r = walk(true, true, true, true);
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_RWX);
	report(e & V3_SPTE_NX, "guest XD: NX");

	/* CR0.WP = 0: a supervisor write to a read-only user page. */
	r = walk(false, true, false, false);
	e = v3_shadow_leaf(&r, V3_WALK_WRITE, false, false, HPA, V3_NPERM_RWX);
	report(e == (base | V3_SPTE_RW | V3_SPTE_D),
	       "WP=0 supervisor write: writable, supervisor only");
	e = v3_shadow_leaf(&r, V3_WALK_WRITE, true, false, HPA, V3_NPERM_RWX);
	report(!(e & V3_SPTE_RW), "WP=1: read-only stays read-only");
	e = v3_shadow_leaf(&r, 0, false, false, HPA, V3_NPERM_RWX);
	report(e == (base | V3_SPTE_US), "WP=0 read: user read-only");

	/* Global pages only with CR4.PGE. */
	r = walk(true, false, false, true);
	r.pte |= 1 << 8;
	e = v3_shadow_leaf(&r, 0, true, true, HPA, V3_NPERM_RWX);
	report(e & V3_SPTE_GLOBAL, "G with PGE: global shadow leaf");
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_RWX);
	report(!(e & V3_SPTE_GLOBAL), "G without PGE: not global");

	/* Paging off: the identity, writable at once. */
	r = (struct v3_walk_result){0};
	r.writable = r.user = true;
	r.page_size = 4096;
	e = v3_shadow_leaf(&r, 0, true, false, HPA, V3_NPERM_RWX);
	report(e == (base | V3_SPTE_RW | V3_SPTE_D | V3_SPTE_US),
	       "paging off: read gives a writable user entry");
}

static void check_neighbour(void)
{
	struct v3_walk_regs pae = {PE | PG, 0, V3_CR4_PAE, V3_EFER_NXE, 36};
	struct v3_walk_regs r32 = {PE | PG, 0, 0, 0, 36};
	struct v3_walk_result up = {0}, out;
	const uint64_t P = 1, RW = 2, US = 4, A = 1 << 5;

	up.levels = 3;
	up.up_writable = true;
	up.up_user = false;
	report(!v3_shadow_neighbour(&pae, &up, 0x5000 | P, &out),
	       "neighbour never used (A clear): not installed");
	report(!v3_shadow_neighbour(&pae, &up, 0x5000 | RW | A, &out),
	       "neighbour not present: not installed");
	report(!v3_shadow_neighbour(&pae, &up, (1ull << 40) | 0x5000 | P | A,
				    &out), "PAE: address past MAXPHYADDR is "
	       "reserved: not installed");
	report(v3_shadow_neighbour(&pae, &up, 0x5000 | P | RW | US | A, &out) &&
	       out.gpa == 0x5000 && out.writable && !out.user && !out.nx &&
	       out.page_size == 4096 && out.levels == 3,
	       "used neighbour: its frame, rights ANDed with the levels above");
	report(v3_shadow_neighbour(&pae, &up, V3_SPTE_NX | 0x5000 | P | A,
				   &out) && out.nx, "PAE with NXE: XD kept");
	pae.efer = 0;
	report(!v3_shadow_neighbour(&pae, &up, V3_SPTE_NX | 0x5000 | P | A,
				    &out), "PAE without NXE: XD is reserved");
	report(v3_shadow_neighbour(&r32, &up, 0xfffff000ull | P | A, &out) &&
	       out.gpa == 0xfffff000ull && !out.writable,
	       "32-bit: 20-bit frame, read-only entry");
}

int main(void)
{
	check_hw_regs();
	check_cr0();
	check_cr4();
	check_retranslate();
	check_leaf();
	check_neighbour();
	return report_summary("test_shadow_rules");
}
