/* hypercall.c - VMMCALL/VMCALL exits: NOP, an unknown number, the exit
 * counter, and GPA checksums that must match the guest's own FNV-1a of
 * the same bytes. */
#include "libguest.h"

#define UNKNOWN_HC 0x7fff1234u

static uint8_t buf[8192 + 64];

static void test_basic(void)
{
	uint32_t r = hypercall(V3_HC_NOP, 0, 0, 0, 0);

	report(r == 0, "NOP returns 0 (got 0x%x)", r);
	r = hypercall(UNKNOWN_HC, 1, 2, 3, 4);
	report(r == HC_ALL_ONES, "unknown hypercall 0x%x returns all ones "
	       "(got 0x%x)", UNKNOWN_HC, r);
}

static void test_exit_count(void)
{
	uint32_t first = exit_count(V3_EXIT_HYPERCALL);
	uint32_t second = exit_count(V3_EXIT_HYPERCALL);

	report(second - first == 1, "hypercall exit count %u then %u", first,
	       second);
}

/* Only EAX is the result: the VMM must hand back the argument registers,
 * EDI and EBP as the guest left them.  EBP is set and checked by hand
 * (GCC may need it): any change to it is folded into EDI. */
#define CALL_KEEPING_EBP(insn)                  \
	"push %%ebp\n\t"                          \
	"mov $0xbeb0beb0, %%ebp\n\t"               \
	insn "\n\t"                               \
	"sub $0xbeb0beb0, %%ebp\n\t"               \
	"add %%ebp, %%edi\n\t"                     \
	"pop %%ebp"

static void test_registers_survive(void)
{
	uint32_t a = V3_HC_NOP, b = 0xb0b0b0b1, c = 0xc0c0c0c1,
		 d = 0xd0d0d0d1, s = 0x51515151, di = 0xd1d1d1d1;

	if (cpu_is_intel())
		__asm__ volatile(CALL_KEEPING_EBP("vmcall")
				 : "+a"(a), "+b"(b), "+c"(c), "+d"(d),
				   "+S"(s), "+D"(di)
				 :
				 : "memory", "cc");
	else
		__asm__ volatile(CALL_KEEPING_EBP("vmmcall")
				 : "+a"(a), "+b"(b), "+c"(c), "+d"(d),
				   "+S"(s), "+D"(di)
				 :
				 : "memory", "cc");
	report(a == 0 && b == 0xb0b0b0b1 && c == 0xc0c0c0c1 &&
		       d == 0xd0d0d0d1 && s == 0x51515151 && di == 0xd1d1d1d1,
	       "NOP changes only eax (eax=%x ebx=%x ecx=%x edx=%x esi=%x "
	       "edi=%x with ebp folded in)",
	       a, b, c, d, s, di);
}

static void check_sum(const void *p, uint32_t len, const char *what)
{
	uint32_t mine = fnv1a(p, len);
	uint32_t vmm = gpa_checksum((uint32_t)p, len);

	report(vmm == mine, "GPA checksum of %s (gpa 0x%x, %u bytes): vmm "
	       "0x%08x guest 0x%08x", what, (uint32_t)p, len, vmm, mine);
}

static void test_checksum(void)
{
	/* Paging is off: a pointer is its guest-physical address. */
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8));
	check_sum(buf, 4096, "a 4 KiB buffer");
	check_sum(buf + 13, 8192 + 7, "an unaligned span over pages");
	check_sum(buf, 1, "one byte");
	report(gpa_checksum((uint32_t)buf, 0) == FNV1A_OFFSET,
	       "GPA checksum of 0 bytes is the FNV offset basis");
	buf[100] ^= 0xff;	/* the VMM must see the guest's latest write */
	check_sum(buf, 4096, "the buffer after a change");
	check_sum((const void *)0x100000, 4096, "the guest's own code");
}

int main(void)
{
	test_basic();
	test_exit_count();
	test_registers_survive();
	test_checksum();
	return report_summary();
}
