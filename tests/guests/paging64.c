/* paging64.c - 4-level paging (SDM vol. 3, 4.5): the guest enters long
 * mode and stays in compatibility mode (its code is 32-bit), so linear
 * addresses are 32 bits but every translation walks PML4, PDPT, PD and
 * PT.  Checked: 4 KiB, 2 MiB and 1 GiB pages, accessed/dirty bits,
 * remap after INVLPG, unmap, write protection, NX, a reserved bit, two
 * address spaces switched by CR3, and page faults delivered through a
 * 64-bit IDT with the architectural CR2 and error code.  Exceptions in
 * long mode need 64-bit handlers: the one #PF handler below records the
 * fault and resumes at pf_resume. */
#include "libguest.h"

#define PTE_P  0x001ull
#define PTE_RW 0x002ull
#define PTE_A  0x020ull
#define PTE_D  0x040ull
#define PTE_PS 0x080ull
#define PTE_XD (1ull << 63)
#define PRW    (PTE_P | PTE_RW)

#define CR0_WP	 (1u << 16)
#define CR0_PG	 (1u << 31)
#define CR4_PAE	 (1u << 5)
#define MSR_EFER 0xc0000080u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)
#define EXT1_EDX_PAGE1G (1u << 26)

#define PF_P	0x01u
#define PF_W	0x02u
#define PF_RSVD 0x08u
#define PF_I	0x10u

#define CODE64_SEL 0x18
#define WIN	   0x80000000u /* 4 KiB test pages (PDPT entry 2) */
#define BIG2M	   0x80200000u /* a 2 MiB page -> 8 MiB */
#define BIG2M_PA   0x800000u
#define BIG1G	   0x40000000u /* a 1 GiB page -> 0 (PDPT entry 1) */
#define NX_PAGE	   5
#define NX_VA	   (WIN + NX_PAGE * 4096u)

static uint8_t frames[4][4096] __attribute__((aligned(4096)));
#define FRAME(k) ((uint64_t)(uint32_t)frames[k])

static uint64_t pml4[2][512] __attribute__((aligned(4096)));
static uint64_t pdpt[2][512] __attribute__((aligned(4096)));
static uint64_t pd_low[512] __attribute__((aligned(4096)));
static uint64_t pt_low[512] __attribute__((aligned(4096)));
static uint64_t pd_win[2][512] __attribute__((aligned(4096)));
static uint64_t pt_win[2][512] __attribute__((aligned(4096)));

/* null, 32-bit code, data (the selectors crt0.S uses), 64-bit code. */
static const uint64_t gdt64[4] __attribute__((aligned(8))) = {
	0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull,
	0x00af9b000000ffffull,
};
static uint64_t idt64[2 * 256] __attribute__((aligned(16)));

struct __attribute__((packed)) dtr {
	uint16_t limit;
	uint32_t base;
};

/* What the #PF handler leaves, read and written by the assembly. */
volatile uint32_t pf_count __attribute__((used));
volatile uint32_t pf_err __attribute__((used));
volatile uint32_t pf_cr2 __attribute__((used));
volatile uint32_t pf_resume __attribute__((used));
volatile uint32_t saved_esp __attribute__((used));

/* 64-bit #PF handler: stack = error code, RIP, CS, RFLAGS, RSP, SS. */
extern const char pf64_entry[];
/* Addresses go through EDX: the image is linked as 32-bit, where a
 * 64-bit absolute memory operand has no relocation. */
__asm__(".pushsection .text\n"
	".code64\n"
	"pf64_entry:\n\t"
	"pushq %rax\n\t"
	"pushq %rdx\n\t"
	"movq %cr2, %rax\n\t"
	"movl $pf_cr2, %edx\n\t"
	"movl %eax, (%rdx)\n\t"
	"movl 16(%rsp), %eax\n\t"
	"movl $pf_err, %edx\n\t"
	"movl %eax, (%rdx)\n\t"
	"movl $pf_count, %edx\n\t"
	"incl (%rdx)\n\t"
	"movl $pf_resume, %edx\n\t"
	"movl (%rdx), %eax\n\t"
	"movq %rax, 24(%rsp)\n\t"
	"popq %rdx\n\t"
	"popq %rax\n\t"
	"addq $8, %rsp\n\t"
	"iretq\n"
	".code32\n"
	".popsection\n");

static void set_gate(int vec, uint32_t handler)
{
	/* 64-bit interrupt gate, present, DPL 0 (SDM vol. 3, 6.14.1). */
	idt64[2 * vec] = (handler & 0xffffull) | ((uint64_t)CODE64_SEL << 16) |
			 (0x8eull << 40) | ((uint64_t)(handler >> 16) << 48);
	idt64[2 * vec + 1] = 0;
}

/* Accesses that may fault: true when they faulted. */
static bool rd(uint32_t va, uint32_t *v)
{
	uint32_t x = 0;

	pf_count = 0;
	__asm__ volatile("movl $1f, pf_resume\n\t"
			 "movl (%1), %0\n"
			 "1:"
			 : "+r"(x)
			 : "r"(va)
			 : "memory");
	*v = x;
	return pf_count != 0;
}

static bool wr(uint32_t va, uint32_t v)
{
	pf_count = 0;
	__asm__ volatile("movl $1f, pf_resume\n\t"
			 "movl %1, (%0)\n"
			 "1:"
			 : : "r"(va), "r"(v)
			 : "memory");
	return pf_count != 0;
}

static bool call_va(uint32_t va, uint32_t *ret)
{
	uint32_t r = 0;

	pf_count = 0;
	__asm__ volatile("movl $1f, pf_resume\n\t"
			 "movl %%esp, saved_esp\n\t"
			 "call *%1\n"
			 "1:\n\t"
			 "movl saved_esp, %%esp"
			 : "=a"(r)
			 : "r"(va)
			 : "memory", "ecx", "edx");
	*ret = r;
	return pf_count != 0;
}

static uint32_t rd_ok(uint32_t va)
{
	uint32_t v;

	return rd(va, &v) ? 0xdeadbeef : v;
}

static bool pf_is(bool faulted, uint32_t err, uint32_t cr2)
{
	if (faulted && pf_err == err && pf_cr2 == cr2)
		return true;
	printf("  faulted %d error 0x%x cr2 0x%x, want #PF 0x%x at 0x%x\n",
	       faulted, pf_err, pf_cr2, err, cr2);
	return false;
}

static uint32_t frame_word(int k, int i)
{
	return 0xf0000000u | (k << 16) | i;
}

static void build(bool page1g)
{
	int as, i;

	for (int k = 0; k < 4; k++)
		for (i = 0; i < 1024; i++)
			((volatile uint32_t *)frames[k])[i] = frame_word(k, i);
	for (uint32_t off = 0; off < (2u << 20); off += 0x1000)
		*(volatile uint32_t *)(BIG2M_PA + off) = 0xb1000000u | off >> 12;
	for (i = 0; i < 512; i++)
		pt_low[i] = ((uint64_t)i << 12) | PRW;
	pd_low[0] = (uint32_t)pt_low | PRW;
	for (i = 1; i < 8; i++)
		pd_low[i] = ((uint64_t)i << 21) | PRW | PTE_PS;
	for (as = 0; as < 2; as++) {
		pml4[as][0] = (uint32_t)pdpt[as] | PRW;
		pdpt[as][0] = (uint32_t)pd_low | PRW;
		if (page1g)
			pdpt[as][1] = 0 | PRW | PTE_PS;
		pdpt[as][2] = (uint32_t)pd_win[as] | PRW;
		pd_win[as][0] = (uint32_t)pt_win[as] | PRW;
		pd_win[as][1] = BIG2M_PA | PRW | PTE_PS;
	}
}

static void check_4k(void)
{
	uint64_t e;

	pt_win[0][0] = FRAME(0) | PRW;
	report(rd_ok(WIN + 4) == frame_word(0, 1), "4 KiB page reads its frame");
	e = pt_win[0][0];
	report((e & PTE_A) && !(e & PTE_D), "read sets A only (0x%llx)",
	       (unsigned long long)e);
	report(!(pml4[0][0] & PTE_D) && (pml4[0][0] & PTE_A) &&
	       (pdpt[0][2] & PTE_A) && (pd_win[0][0] & PTE_A),
	       "A set in PML4E, PDPTE and PDE");
	report(!wr(WIN + 8, 0x99) && (pt_win[0][0] & PTE_D) &&
	       ((volatile uint32_t *)frames[0])[2] == 0x99, "write sets D");

	pt_win[0][0] = FRAME(1) | PRW;
	invlpg(WIN);
	report(rd_ok(WIN + 4) == frame_word(1, 1), "remapped after INVLPG");

	pt_win[0][1] = 0;
	invlpg(WIN + 4096);
	uint32_t v;
	report(pf_is(rd(WIN + 4096 + 0x30, &v), 0, WIN + 4096 + 0x30),
	       "unmapped read: #PF 0, CR2");
	report(pf_is(wr(WIN + 4096 + 0x34, 1), PF_W, WIN + 4096 + 0x34),
	       "unmapped write: #PF W, CR2");

	pt_win[0][2] = FRAME(2) | PTE_P;
	report(pf_is(wr(WIN + 2 * 4096, 1), PF_P | PF_W, WIN + 2 * 4096),
	       "read-only page: write #PF P|W");
}

static volatile uint32_t probe_word = 0x1234abcd;

static void check_large(bool page1g)
{
	uint32_t probe = (uint32_t)&probe_word;

	report(rd_ok(BIG2M) == 0xb1000000u &&
	       rd_ok(BIG2M + 0x1ff000) == 0xb10001ffu, "2 MiB page");
	report(pd_win[0][1] & PTE_A, "2 MiB page: A set");
	(void)wr(BIG2M + 0x10, 7);
	report(pd_win[0][1] & PTE_D, "2 MiB page: D set");
	if (!page1g) {
		report(true, "no 1 GiB pages: skipped");
		return;
	}
	report(rd_ok(BIG1G + probe) == 0x1234abcd, "1 GiB page maps 0");
	report(rd_ok(BIG1G + 0xe00000) == *(volatile uint32_t *)0xe00000,
	       "1 GiB page: 14 MiB in");
	report(pdpt[0][1] & PTE_A, "1 GiB page: A set");

	/* One INVLPG drops all of a 1 GiB page, not only its first 2 MiB. */
	pdpt[0][1] = 0;
	invlpg(BIG1G + probe);
	uint32_t v;
	report(pf_is(rd(BIG1G + 0xe00000, &v), 0, BIG1G + 0xe00000),
	       "1 GiB page unmapped by one INVLPG elsewhere in it");
	pdpt[0][1] = 0 | PRW | PTE_PS;
	invlpg(BIG1G);
}

static void check_nx(void)
{
	static const uint8_t code[] = {0xb8, 0x34, 0x12, 0x00, 0x00, 0xc3};
	uint32_t r;

	for (unsigned i = 0; i < sizeof(code); i++)
		frames[3][i] = code[i];
	pt_win[0][NX_PAGE] = FRAME(3) | PRW;
	report(!call_va(NX_VA, &r) && r == 0x1234, "executable page runs");
	pt_win[0][NX_PAGE] = FRAME(3) | PRW | PTE_XD;
	invlpg(NX_VA);
	report(pf_is(call_va(NX_VA, &r), PF_P | PF_I, NX_VA),
	       "XD page: fetch #PF P|I");
}

static void check_reserved(void)
{
	uint32_t v;

	pt_win[0][6] = FRAME(3) | PRW | (1ull << 51);
	/* SDM vol. 3, 4.7: RSVD implies P; QEMU's TCG omits P. */
	report(rd(WIN + 6 * 4096, &v) && (pf_err & ~PF_P) == PF_RSVD &&
	       pf_cr2 == WIN + 6 * 4096, "reserved bit 51: #PF RSVD");
}

static void check_cr3(void)
{
	pt_win[1][0] = FRAME(2) | PRW;
	write_cr3((uint32_t)pml4[1]);
	report(rd_ok(WIN) == frame_word(2, 0), "second address space");
	write_cr3((uint32_t)pml4[0]);
	report(rd_ok(WIN) == frame_word(1, 0), "first address space again");
}

int main(void)
{
	struct dtr gdt_old, idt_old;
	struct dtr gdt = {sizeof(gdt64) - 1, (uint32_t)gdt64};
	struct dtr idt = {sizeof(idt64) - 1, (uint32_t)idt64};
	bool page1g = cpuid(0x80000001u).d & EXT1_EDX_PAGE1G;
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();

	build(page1g);
	set_gate(14, (uint32_t)pf64_entry);
	cli();
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdt_old), "=m"(idt_old));
	__asm__ volatile("lgdt %0; lidt %1" : : "m"(gdt), "m"(idt));

	write_cr4(cr4 | CR4_PAE);
	write_cr3((uint32_t)pml4[0]);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_LME | EFER_NXE);
	write_cr0(cr0 | CR0_PG | CR0_WP);
	report(rdmsr(MSR_EFER) & EFER_LMA, "long mode active (compatibility "
	       "mode code)");

	check_4k();
	check_large(page1g);
	check_nx();
	check_reserved();
	check_cr3();

	/* Out of long mode from compatibility mode: PG off clears LMA. */
	write_cr0(cr0);
	report(!(rdmsr(MSR_EFER) & EFER_LMA), "long mode left");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) & ~EFER_LME);
	write_cr4(cr4);
	__asm__ volatile("lgdt %0; lidt %1" : : "m"(gdt_old), "m"(idt_old));
	return report_summary();
}
