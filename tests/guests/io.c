/* io.c - port I/O exits: the testdev scratch register round trips at
 * each width, unhooked ports read all ones and swallow writes, and an
 * I/O exit leaves the guest's other registers alone. */
#include "libguest.h"

/* Nothing is configured here (devices: debugcon, testexit, testdev). */
#define UNHOOKED_PORT 0x1230

static void test_scratch(void)
{
	static const uint32_t v32[] = { 0, 0xffffffff, 0x12345678,
					0x80000001 };
	static const uint16_t v16[] = { 0, 0xffff, 0xbeef };
	static const uint8_t v8[] = { 0, 0xff, 0x5a };
	unsigned i;

	for (i = 0; i < sizeof(v32) / sizeof(*v32); i++) {
		outl(V3_TESTDEV_SCRATCH, v32[i]);
		uint32_t got = inl(V3_TESTDEV_SCRATCH);
		report(got == v32[i], "scratch 32-bit 0x%08x read 0x%08x",
		       v32[i], got);
	}
	for (i = 0; i < sizeof(v16) / sizeof(*v16); i++) {
		outw(V3_TESTDEV_SCRATCH, v16[i]);
		uint16_t got = inw(V3_TESTDEV_SCRATCH);
		report(got == v16[i], "scratch 16-bit 0x%04x read 0x%04x",
		       v16[i], got);
	}
	for (i = 0; i < sizeof(v8) / sizeof(*v8); i++) {
		outb(V3_TESTDEV_SCRATCH, v8[i]);
		uint8_t got = inb(V3_TESTDEV_SCRATCH);
		report(got == v8[i], "scratch 8-bit 0x%02x read 0x%02x", v8[i],
		       got);
	}
}

static void test_unhooked(void)
{
	outb(UNHOOKED_PORT, 0x55);
	outl(UNHOOKED_PORT, 0x12345678);
	report(true, "writes to unhooked port 0x%x are ignored",
	       UNHOOKED_PORT);
	report(inb(UNHOOKED_PORT) == 0xff, "unhooked 8-bit read is all ones");
	report(inw(UNHOOKED_PORT) == 0xffff,
	       "unhooked 16-bit read is all ones");
	report(inl(UNHOOKED_PORT) == 0xffffffff,
	       "unhooked 32-bit read is all ones");
}

/* VMRUN/#VMEXIT switch only RAX, RSP and RIP: the VMM must save and
 * restore the other registers itself.  EBP is set and checked by hand
 * (GCC may need it): any change to it is folded into EDI. */
static void test_registers_survive(void)
{
	uint32_t a = 0xa5a5a5a5, b = 0xb0b0b0b1, c = 0xc0c0c0c1,
		 dx = V3_TESTDEV_SCRATCH, s = 0x51515151, di = 0xd1d1d1d1;

	__asm__ volatile("push %%ebp\n\t"
			 "mov $0xbeb0beb0, %%ebp\n\t"
			 "outl %%eax, %%dx\n\t"
			 "sub $0xbeb0beb0, %%ebp\n\t"
			 "add %%ebp, %%edi\n\t"
			 "pop %%ebp"
			 : "+a"(a), "+b"(b), "+c"(c), "+d"(dx), "+S"(s),
			   "+D"(di)
			 :
			 : "memory", "cc");
	report(a == 0xa5a5a5a5 && b == 0xb0b0b0b1 && c == 0xc0c0c0c1 &&
		       dx == V3_TESTDEV_SCRATCH && s == 0x51515151 &&
		       di == 0xd1d1d1d1,
	       "registers survive an OUT exit (eax=%x ebx=%x ecx=%x edx=%x "
	       "esi=%x edi=%x with ebp folded in)",
	       a, b, c, dx, s, di);
}

int main(void)
{
	test_scratch();
	test_unhooked();
	test_registers_survive();
	return report_summary();
}
