/* test_emulate.c - palacios/x86_emulate.c on fake guest memory and ports.
 *
 * Part one: instructions decoded from bytes and run against hand-computed
 * results, flags, register and RIP updates, callback traffic and fault
 * behaviour.  Part two: the ALU flags against this very CPU, which
 * executes the same operation natively (x86-64 hosts only). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_mem.h"
#include "unit.h"
#include "vcpu_state.h"
#include "x86_decode.h"
#include "x86_emulate.h"

#define MEM_SIZE 0x20000

struct access_rec {
	uint64_t la;
	uint32_t len;
	bool write;
};

struct pio_rec {
	uint16_t port;
	uint32_t size, count;
	bool in;
};

/* Linear addresses [0, MEM_SIZE) are RAM, except [fault_lo, fault_hi)
 * where every access fails as a #PF would. */
struct fake {
	uint8_t mem[MEM_SIZE];
	uint64_t fault_lo, fault_hi;
	struct access_rec log[64];
	unsigned nlog;
	unsigned crossings; /* pieces that crossed a 4 KiB page */
	/* port side: IN returns in_data in order, OUT appends to out_data */
	uint8_t in_data[4096], out_data[4096];
	size_t in_pos, out_len;
	struct pio_rec plog[16];
	unsigned nplog;
};

static struct fake fk;
static struct v3_emu_ctx ctx;

static int fake_access(struct v3_emu_ctx *c, uint64_t la, void *buf,
		       uint32_t len, bool write)
{
	struct fake *f = c->opaque;

	if (f->nlog < 64)
		f->log[f->nlog++] = (struct access_rec){la, len, write};
	if ((la & 0xfff) + len > 0x1000)
		f->crossings++;
	if (la < f->fault_hi && la + len > f->fault_lo)
		return -1;
	return write ? fake_mem_write(f->mem, MEM_SIZE, la, buf, len)
		     : fake_mem_read(f->mem, MEM_SIZE, la, buf, len);
}

static int fake_pio(struct v3_emu_ctx *c, uint16_t port, void *buf,
		    uint32_t size, uint32_t count, bool in)
{
	struct fake *f = c->opaque;
	size_t bytes = (size_t)size * count;

	if (f->nplog < 16)
		f->plog[f->nplog++] = (struct pio_rec){port, size, count, in};
	if (in) {
		if (bytes > sizeof(f->in_data) - f->in_pos)
			return -1;
		memcpy(buf, f->in_data + f->in_pos, bytes);
		f->in_pos += bytes;
	} else {
		if (bytes > sizeof(f->out_data) - f->out_len)
			return -1;
		memcpy(f->out_data + f->out_len, buf, bytes);
		f->out_len += bytes;
	}
	return 0;
}

static void reset(enum v3_cpu_mode mode)
{
	memset(&fk, 0, sizeof(fk));
	memset(&ctx, 0, sizeof(ctx));
	ctx.mode = mode;
	ctx.rip = 0x1000;
	ctx.rflags = 0x2;
	ctx.access = fake_access;
	ctx.pio = fake_pio;
	ctx.opaque = &fk;
}

/* Decode 'hex' in ctx.mode and emulate it; returns v3_emulate's value,
 * or 99 when it does not decode. */
static int run(const char *hex)
{
	uint8_t b[16];
	size_t n = parse_hex(hex, b, sizeof(b));
	struct v3_insn in;

	if (v3_decode(b, n, ctx.mode, &in))
		return 99;
	fk.nlog = 0;
	return v3_emulate(&ctx, &in);
}

static uint64_t rd(uint64_t la, unsigned n)
{
	uint64_t v = 0;

	memcpy(&v, fk.mem + la, n);
	return v;
}

static void wr(uint64_t la, uint64_t v, unsigned n)
{
	memcpy(fk.mem + la, &v, n);
}

#define CF V3_FL_CF
#define PF V3_FL_PF
#define AF V3_FL_AF
#define ZF V3_FL_ZF
#define SF V3_FL_SF
#define OF V3_FL_OF
#define DF V3_FL_DF

#define RAX ctx.gpr[0]
#define RCX ctx.gpr[1]
#define RDX ctx.gpr[2]
#define RBX ctx.gpr[3]
#define RSI ctx.gpr[6]
#define RDI ctx.gpr[7]

/* Arithmetic flags after the last instruction. */
static uint64_t arith(void)
{
	return ctx.rflags & V3_FL_ARITH;
}

static void check_flags(const char *file, int line, const char *what,
			uint64_t want)
{
	if (!report_at(file, line, arith() == want, "%s: flags %#llx", what,
		       (unsigned long long)want))
		diag("got flags %#llx", (unsigned long long)arith());
}
#define FLAGS(what, want) check_flags(__FILE__, __LINE__, what, want)

/* --- moves -------------------------------------------------------- */

static void test_moves(void)
{
	int rc;

	reset(V3_MODE_PROT32);
	RBX = 0x100;
	RAX = 0x12345678;
	rc = run("89 03"); /* mov [ebx], eax */
	report(rc == 0 && rd(0x100, 4) == 0x12345678 && ctx.rip == 0x1002 &&
		   fk.nlog == 1 && fk.log[0].write && fk.log[0].len == 4,
	       "mov [ebx], eax stores 4 bytes and advances RIP");

	reset(V3_MODE_PROT32);
	RBX = 0x100;
	RAX = 0xaaaaaaaa00000000ull;
	wr(0x110, 0xcafef00d, 4);
	run("8b 43 10"); /* mov eax, [ebx+0x10] */
	report(RAX == 0xaaaaaaaacafef00dull,
	       "mov eax, [ebx+0x10] outside 64-bit mode keeps RAX[63:32]");

	reset(V3_MODE_LONG64);
	RBX = 0x100;
	RAX = ~0ull;
	wr(0x100, 0x11223344, 4);
	run("8b 03");
	report(RAX == 0x11223344, "64-bit mode: mov eax zero-extends");

	reset(V3_MODE_LONG64);
	RBX = 0x100;
	RAX = ~0ull;
	wr(0x100, 0xbeef, 2);
	run("66 8b 03");
	report(RAX == 0xffffffffffffbeefull, "mov ax keeps RAX[63:16]");

	reset(V3_MODE_PROT32);
	RAX = 0x0000c000;
	wr(0xc000, 0x5a, 1);
	run("8a 20"); /* mov ah, [eax] */
	report(RAX == 0x5a00, "mov ah, [eax] writes bits 15:8");

	reset(V3_MODE_LONG64);
	RBX = 0x200;
	ctx.gpr[12] = 0x77;
	run("44 88 23"); /* mov [rbx], r12b */
	report(rd(0x200, 1) == 0x77 && fk.log[0].len == 1,
	       "mov [rbx], r12b stores one byte");

	reset(V3_MODE_LONG64);
	RBX = 0x300;
	wr(0x300, 0x80, 1);
	RAX = ~0ull;
	run("0f b6 03");
	report(RAX == 0x80, "movzx eax, byte 0x80 = 0x80");
	run("48 0f be 03");
	report(RAX == 0xffffffffffffff80ull, "movsx rax, byte 0x80");
	wr(0x300, 0x8000, 2);
	run("0f bf 03");
	report(RAX == 0xffff8000ull, "movsx eax, word 0x8000 zero-extends "
				     "to 64");

	reset(V3_MODE_PROT32);
	RAX = 0x400;
	run("c6 40 04 ff");
	run("66 c7 40 06 34 12");
	report(rd(0x404, 1) == 0xff && rd(0x406, 2) == 0x1234 &&
		   ctx.rip == 0x1000 + 4 + 6,
	       "mov byte/word immediates");

	reset(V3_MODE_LONG64);
	RAX = 0x500;
	run("48 c7 00 ff ff ff ff");
	report(rd(0x500, 8) == ~0ull, "mov qword [rax], -1 sign-extends imm32");

	reset(V3_MODE_LONG64);
	wr(0x2000, 0x0123456789abcdefull, 8);
	run("48 a1 00 20 00 00 00 00 00 00");
	report(RAX == 0x0123456789abcdefull, "mov rax, [moffs64]");
	RAX = 0x42;
	run("a2 10 20 00 00 00 00 00 00");
	report(rd(0x2010, 1) == 0x42, "mov [moffs64], al");

	reset(V3_MODE_LONG64);
	RAX = 0x55;
	ctx.rip = 0x1000;
	wr(0x1016, 0xdeadbeef, 4);
	run("8b 05 10 00 00 00"); /* mov eax, [rip+0x10]: 0x1006 + 0x10 */
	report(RAX == 0xdeadbeef, "RIP-relative reads next RIP + disp");

	reset(V3_MODE_LONG64);
	RBX = 0x100000100ull;
	wr(0x100, 0x99, 4);
	run("67 8b 03");
	report(RAX == 0x99, "67 in 64-bit mode wraps the address at 32 bits");

	reset(V3_MODE_REAL);
	ctx.seg_base[V3_SREG_DS] = 0x10000;
	RBX = 0xffff;
	RSI = 2;
	RAX = 0xabcd0000;
	wr(0x10001, 0x4321, 2);
	run("8b 00"); /* mov ax, [bx+si] */
	report(RAX == 0xabcd4321 && ctx.rip == 0x1002,
	       "real mode: [bx+si] wraps at 64 KiB, DS base applies");

	reset(V3_MODE_REAL);
	ctx.seg_base[V3_SREG_SS] = 0x8000;
	ctx.gpr[5] = 0x10; /* bp */
	wr(0x800e, 0x6789, 2);
	ctx.rip = 0xfffe;
	run("8b 46 fe"); /* mov ax, [bp-2] */
	report(RAX == 0x6789 && ctx.rip == 0x0001,
	       "real mode: [bp-2] uses SS, IP wraps at 64 KiB");

	reset(V3_MODE_LONG64);
	ctx.seg_base[V3_SREG_FS] = 0x3000;
	ctx.seg_base[V3_SREG_DS] = 0x9000;
	wr(0x3008, 0x1111, 4);
	wr(0x0008, 0x2222, 4);
	run("64 8b 04 25 08 00 00 00");
	report(RAX == 0x1111, "64-bit mode: FS base applies");
	run("3e 8b 04 25 08 00 00 00");
	report(RAX == 0x2222, "64-bit mode: DS base ignored");

	reset(V3_MODE_PROT32);
	RBX = 0xffe;
	RAX = 0xa1b2c3d4;
	run("89 03");
	report(rd(0xffe, 4) == 0xa1b2c3d4 && fk.nlog == 2 &&
		   fk.log[0].len == 2 && fk.log[1].la == 0x1000 &&
		   fk.crossings == 0,
	       "an access across a page boundary is split per page");
}

/* --- arithmetic with hand-computed flags -------------------------- */

static void test_alu(void)
{
	reset(V3_MODE_PROT32);
	RAX = 0x100;
	RCX = 1;
	wr(0x100, 0xffffffff, 4);
	run("01 08"); /* add [eax], ecx */
	report(rd(0x100, 4) == 0, "add 0xffffffff + 1 = 0");
	FLAGS("add 0xffffffff + 1", CF | ZF | PF | AF);

	wr(0x100, 0x7f, 1);
	run("00 08"); /* add byte [eax], cl */
	report(rd(0x100, 1) == 0x80, "add byte 0x7f + 1 = 0x80");
	FLAGS("add byte 0x7f + 1", OF | SF | AF);

	wr(0x100, 0, 4);
	run("29 08"); /* sub [eax], ecx */
	report(rd(0x100, 4) == 0xffffffff, "sub 0 - 1");
	FLAGS("sub 0 - 1", CF | SF | AF | PF);

	wr(0x100, 0x80000000, 4);
	run("29 08");
	FLAGS("sub 0x80000000 - 1", OF | AF | PF);

	wr(0x100, 1, 4);
	ctx.rflags |= CF | OF;
	run("39 08"); /* cmp [eax], ecx */
	report(fk.nlog == 1 && !fk.log[0].write && rd(0x100, 4) == 1,
	       "cmp reads but never writes");
	FLAGS("cmp 1, 1", ZF | PF);

	wr(0x100, 0xfffffffe, 4);
	ctx.rflags |= CF;
	run("11 08"); /* adc [eax], ecx */
	report(rd(0x100, 4) == 0, "adc 0xfffffffe + 1 + CF = 0");
	FLAGS("adc with carry-in", CF | ZF | PF | AF);

	RCX = 5;
	wr(0x100, 5, 4);
	ctx.rflags |= CF;
	run("19 08"); /* sbb [eax], ecx */
	report(rd(0x100, 4) == 0xffffffff, "sbb 5 - 5 - CF = -1");
	FLAGS("sbb with borrow-in", CF | SF | AF | PF);

	RCX = 0x3c;
	wr(0x100, 0xf0, 4);
	ctx.rflags |= CF | OF | AF;
	run("21 08"); /* and [eax], ecx */
	report(rd(0x100, 4) == 0x30, "and 0xf0 & 0x3c = 0x30");
	FLAGS("and clears CF/OF", PF);

	wr(0x100, 0x01, 1);
	run("80 08 80"); /* or byte [eax], 0x80 */
	report(rd(0x100, 1) == 0x81, "or byte 0x01 | 0x80");
	FLAGS("or byte -> 0x81", SF | PF);

	RCX = 0x1234;
	wr(0x100, 0x1234, 4);
	run("31 08"); /* xor [eax], ecx */
	report(rd(0x100, 4) == 0, "xor x, x = 0");
	FLAGS("xor x, x", ZF | PF);

	wr(0x100, 5, 4);
	run("83 00 ff"); /* add dword [eax], -1 */
	report(rd(0x100, 4) == 4, "add 5 + (imm8 -1 sign-extended) = 4");
	FLAGS("add 5 + 0xffffffff", CF | AF);

	wr(0x100, 0x8000, 2);
	run("66 81 28 01 00"); /* sub word [eax], 1 */
	report(rd(0x100, 2) == 0x7fff, "sub word 0x8000 - 1");
	FLAGS("sub word 0x8000 - 1", OF | AF | PF);

	wr(0x100, 0x0f, 1);
	ctx.rflags = 0x2;
	run("f6 00 f0"); /* test byte [eax], 0xf0 */
	FLAGS("test 0x0f, 0xf0", ZF | PF);
	report(fk.nlog == 1 && !fk.log[0].write, "test never writes");

	ctx.rflags = 0x2 | CF;
	wr(0x100, 0xff, 1);
	run("fe 00"); /* inc byte [eax] */
	report(rd(0x100, 1) == 0, "inc byte 0xff = 0");
	FLAGS("inc keeps CF", CF | ZF | PF | AF);

	ctx.rflags = 0x2;
	wr(0x100, 0x80, 1);
	run("fe 08"); /* dec byte [eax] */
	report(rd(0x100, 1) == 0x7f, "dec byte 0x80 = 0x7f");
	FLAGS("dec byte 0x80", OF | AF);

	wr(0x100, 0, 4);
	run("f7 18"); /* neg dword [eax] */
	FLAGS("neg 0", ZF | PF);
	wr(0x100, 1, 4);
	run("f7 18");
	report(rd(0x100, 4) == 0xffffffff, "neg 1 = -1");
	FLAGS("neg 1", CF | SF | PF | AF);
	wr(0x100, 0x80, 1);
	run("f6 18"); /* neg byte */
	FLAGS("neg byte 0x80", CF | OF | SF);

	ctx.rflags = 0x2 | CF | ZF;
	wr(0x100, 0x0f0f0f0f, 4);
	run("f7 10"); /* not dword [eax] */
	report(rd(0x100, 4) == 0xf0f0f0f0 && arith() == (CF | ZF),
	       "not inverts and leaves flags alone");

	reset(V3_MODE_LONG64);
	RBX = 0x200;
	RAX = 0x1111111122222222ull;
	wr(0x200, 0x3333333344444444ull, 8);
	run("48 87 03"); /* xchg [rbx], rax */
	report(RAX == 0x3333333344444444ull &&
		   rd(0x200, 8) == 0x1111111122222222ull,
	       "xchg qword swaps memory and register");
	RAX = 0xaabb;
	wr(0x200, 0x11, 1);
	run("86 23"); /* xchg [rbx], ah */
	report(RAX == 0x11bb && rd(0x200, 1) == 0xaa, "xchg byte with ah");

	reset(V3_MODE_LONG64);
	RBX = 0x300;
	wr(0x304, 0x8, 4); /* bit 35 of the string at 0x300 */
	RAX = 35;
	ctx.rflags = 0x2 | ZF;
	run("0f a3 03"); /* bt [rbx], eax */
	report(arith() == (CF | ZF) && fk.log[0].la == 0x304,
	       "bt [rbx], 35 reads dword at +4, sets CF, keeps ZF");
	wr(0x2fc, 0x80000000, 4);
	RAX = (uint64_t)-1;
	ctx.rflags = 0x2;
	run("0f a3 03");
	report(arith() == CF && fk.log[0].la == 0x2fc,
	       "bt [rbx], -1 is bit 31 of the dword below");
	wr(0x300, 0x20, 4);
	run("0f ba 23 25"); /* bt dword [rbx], 37: modulo 32 -> bit 5 */
	report(arith() == CF && fk.log[0].la == 0x300,
	       "bt imm8 is taken modulo the operand size");
}

/* --- string instructions ------------------------------------------ */

static void test_strings(void)
{
	unsigned i;
	bool ok = true;

	reset(V3_MODE_PROT32);
	for (i = 0; i < 10; i++)
		fk.mem[0x100 + i] = (uint8_t)(i + 1);
	RSI = 0x100;
	RDI = 0x200;
	RCX = 10;
	run("f3 a4"); /* rep movsb */
	for (i = 0; i < 10; i++)
		ok = ok && fk.mem[0x200 + i] == i + 1;
	report(ok && RCX == 0 && RSI == 0x10a && RDI == 0x20a &&
		   ctx.rip == 0x1002 && fk.nlog == 2,
	       "rep movsb: 10 bytes in one read and one write");

	reset(V3_MODE_PROT32);
	ctx.rflags |= DF;
	wr(0x100, 0x11111111, 4);
	wr(0x104, 0x22222222, 4);
	wr(0x108, 0x33333333, 4);
	RSI = 0x108;
	RDI = 0x208;
	RCX = 3;
	run("f3 a5"); /* rep movsd, backwards */
	report(rd(0x200, 4) == 0x11111111 && rd(0x208, 4) == 0x33333333 &&
		   RSI == 0xfc && RDI == 0x1fc && RCX == 0,
	       "rep movsd with DF=1 copies downwards");

	reset(V3_MODE_LONG64);
	RAX = 0xdeadbeefcafebabeull;
	RDI = 0x300;
	RCX = 3;
	run("f3 48 ab"); /* rep stosq */
	report(rd(0x300, 8) == RAX && rd(0x310, 8) == RAX && RDI == 0x318 &&
		   RCX == 0,
	       "rep stosq stores rax three times");

	reset(V3_MODE_PROT32);
	RAX = 0x12345600;
	RSI = 0x400;
	fk.mem[0x400] = 0x78;
	run("ac"); /* lodsb */
	report(RAX == 0x12345678 && RSI == 0x401, "lodsb loads AL only");

	reset(V3_MODE_PROT32);
	RCX = 0;
	RSI = 0x100;
	RDI = 0x200;
	run("f3 a4");
	report(fk.nlog == 0 && ctx.rip == 0x1002 && RSI == 0x100,
	       "rep with rCX = 0 does nothing but advance RIP");

	reset(V3_MODE_REAL);
	RSI = 0xabcdfffe;
	RDI = 0x200;
	RCX = 0x12340004; /* CX = 4 */
	fk.mem[0xfffe] = 1;
	fk.mem[0xffff] = 2;
	fk.mem[0x0] = 3;
	fk.mem[0x1] = 4;
	run("f3 a4");
	report(rd(0x200, 4) == 0x04030201 && RSI == 0xabcd0002 &&
		   RCX == 0x12340000 && RDI == 0x204,
	       "16-bit rep movsb: SI wraps, upper halves kept");

	reset(V3_MODE_PROT32);
	fk.mem[0x100] = 0x5a;
	RSI = 0x100;
	RDI = 0x101;
	RCX = 8;
	run("f3 a4"); /* overlapping: replicates the first byte */
	report(rd(0x101, 8) == 0x5a5a5a5a5a5a5a5aull,
	       "overlapping rep movsb runs element by element");

	reset(V3_MODE_PROT32);
	RSI = 0x100;
	RDI = 0x200;
	RCX = 100;
	ctx.rep_limit = 10;
	run("f3 a4");
	report(RCX == 90 && RSI == 0x10a && ctx.rip == 0x1000,
	       "rep_limit: stops after 10, RIP stays for re-execution");
	ctx.rep_limit = 0;
	run("f3 a4");
	report(RCX == 0 && RSI == 0x164 && ctx.rip == 0x1002,
	       "re-execution finishes the rest");

	reset(V3_MODE_PROT32);
	RSI = 0x100;
	RDI = 0x2000 - 8;
	RCX = 16;
	fk.fault_lo = 0x2000;
	fk.fault_hi = 0x3000;
	report(run("f3 a4") == V3_EMU_FAULT && RCX == 8 && RDI == 0x2000 &&
		   RSI == 0x108 && ctx.rip == 0x1000,
	       "fault mid-REP keeps the completed elements");

	reset(V3_MODE_LONG64);
	RDI = 0xffc;
	RCX = 4;
	RAX = 0x1234;
	run("f3 66 ab"); /* rep stosw across a page */
	report(fk.crossings == 0 && fk.nlog == 2 && rd(0x1002, 2) == 0x1234,
	       "rep stosw splits its chunks at the page boundary");
}

/* --- port string I/O ---------------------------------------------- */

static void test_string_io(void)
{
	struct v3_string_io io = {0};
	unsigned i;

	reset(V3_MODE_PROT32);
	for (i = 0; i < 8; i++)
		fk.in_data[i] = (uint8_t)(0xa0 + i);
	RDI = 0x600;
	RCX = 4;
	io.port = 0x1f0;
	io.size = 2;
	io.addr_size = 4;
	io.in = true;
	io.rep = true;
	io.seg = V3_SREG_DS;
	io.insn_len = 2;
	report(v3_emulate_string_io(&ctx, &io) == 0 && fk.nplog == 1 &&
		   fk.plog[0].count == 4 && fk.plog[0].size == 2 &&
		   fk.plog[0].port == 0x1f0 &&
		   rd(0x600, 8) == 0xa7a6a5a4a3a2a1a0ull && RDI == 0x608 &&
		   RCX == 0 && ctx.rip == 0x1002,
	       "rep insw: one port call for 4 words, RDI/RCX updated");

	reset(V3_MODE_PROT32);
	for (i = 0; i < 4; i++)
		fk.in_data[i] = (uint8_t)(1 + i);
	ctx.rflags |= DF;
	RDI = 0x603;
	RCX = 4;
	io.size = 1;
	v3_emulate_string_io(&ctx, &io);
	report(rd(0x600, 4) == 0x01020304 && RDI == 0x5ff,
	       "rep insb with DF=1 stores the first byte highest");

	reset(V3_MODE_PROT32);
	ctx.rflags |= DF;
	wr(0x700, 0x44332211, 4);
	RSI = 0x703;
	RCX = 4;
	io.in = false;
	v3_emulate_string_io(&ctx, &io);
	report(fk.out_len == 4 && !memcmp(fk.out_data, "\x44\x33\x22\x11", 4) &&
		   RSI == 0x6ff,
	       "rep outsb with DF=1 sends the highest byte first");

	reset(V3_MODE_REAL);
	ctx.seg_base[V3_SREG_FS] = 0x5000;
	wr(0x5010, 0xcafe, 2);
	RSI = 0x10;
	io.size = 2;
	io.addr_size = 2;
	io.rep = false;
	io.seg = V3_SREG_FS;
	v3_emulate_string_io(&ctx, &io);
	report(fk.out_len == 2 && rd(0x5010, 2) == 0xcafe &&
		   !memcmp(fk.out_data, "\xfe\xca", 2) && RSI == 0x12,
	       "outsw from an FS override, without REP");

	reset(V3_MODE_PROT32);
	RDX = 0x3f8;
	RDI = 0x800;
	fk.in_data[0] = 0x41;
	run("6c"); /* insb: port from DX */
	report(fk.nplog == 1 && fk.plog[0].port == 0x3f8 &&
		   fk.mem[0x800] == 0x41 && RDI == 0x801,
	       "decoded insb takes the port from DX");

	reset(V3_MODE_PROT32);
	RDI = 0x900;
	RCX = 3000; /* 6000 bytes: more than one bounce buffer and page */
	io.in = true;
	io.size = 2;
	io.addr_size = 4;
	io.rep = true;
	io.seg = V3_SREG_DS;
	memset(fk.in_data, 0x5a, sizeof(fk.in_data));
	fk.in_pos = 0;
	/* Chunks of at most 512 bytes, cut at 0x1000: 1792 bytes up to
	 * the page, then 512-byte chunks until the 4096 bytes run short. */
	report(v3_emulate_string_io(&ctx, &io) == V3_EMU_FAULT &&
		   RCX == 3000 - 3840 / 2 && fk.in_pos == 3840 &&
		   RDI == 0x900 + 3840 && fk.crossings == 0 &&
		   ctx.rip == 0x1000,
	       "a device that stops accepting ends the repetition with "
	       "progress kept");
}

/* --- failures and plumbing ---------------------------------------- */

static void test_failures(void)
{
	struct v3_insn in;
	struct v3_gprs g, back;
	uint64_t before[16];
	unsigned i;
	uint8_t b[] = {0x01, 0x08};
	int rc;

	reset(V3_MODE_PROT32);
	RAX = 0x2000;
	RCX = 1;
	fk.fault_lo = 0x2000;
	fk.fault_hi = 0x3000;
	ctx.rflags = 0x2;
	memcpy(before, ctx.gpr, sizeof(before));
	rc = run("01 08");
	report(rc == V3_EMU_FAULT && !memcmp(before, ctx.gpr, sizeof(before)) &&
		   ctx.rip == 0x1000 && ctx.rflags == 0x2,
	       "a failed access commits nothing");
	fk.fault_lo = 0x2001; /* read ok, write fails: still nothing */
	fk.fault_hi = 0x2002;
	RAX = 0x1fff;
	report(run("87 08") == V3_EMU_FAULT && RCX == 1 && ctx.rip == 0x1000,
	       "xchg whose write fails leaves the register");

	v3_decode(b, 2, V3_MODE_PROT32, &in);
	in.dst.reg = 16;
	in.dst.kind = V3_OPND_REG;
	report(v3_emulate(&ctx, &in) == V3_EMU_UNSUPPORTED,
	       "out-of-range register refused");
	v3_decode(b, 2, V3_MODE_PROT32, &in);
	in.mem.seg = 6;
	report(v3_emulate(&ctx, &in) == V3_EMU_UNSUPPORTED,
	       "out-of-range segment refused");

	reset(V3_MODE_PROT32);
	ctx.pio = NULL;
	report(run("6c") == V3_EMU_UNSUPPORTED, "INS without a pio callback");

	for (i = 0; i < sizeof(g) / 8; i++)
		((uint64_t *)&g)[i] = 0x1000 + i;
	v3_emu_load_gprs(&ctx, &g);
	report(ctx.gpr[V3_GPR_RCX] == g.rcx && ctx.gpr[V3_GPR_RBX] == g.rbx &&
		   ctx.gpr[V3_GPR_RSP] == g.rsp && ctx.gpr[15] == g.r15,
	       "v3_emu_load_gprs puts struct v3_gprs in hardware order");
	v3_emu_store_gprs(&ctx, &back);
	report(!memcmp(&g, &back, sizeof(g)), "v3_emu_store_gprs undoes it");
}

/* --- flags against this CPU --------------------------------------- */

#if defined(__x86_64__)
/* Run one ALU instruction natively with the given input flags; the red
 * zone is stepped over because the asm pushes. */
#define NATIVE2(insn, mod)                                                     \
	asm volatile("lea -128(%%rsp), %%rsp\n\t"                              \
		     "push %[fi]\n\tpopfq\n\t" insn " %" mod "[b], %" mod      \
		     "[a]\n\t"                                                 \
		     "pushfq\n\tpop %[fo]\n\t"                                 \
		     "lea 128(%%rsp), %%rsp"                                   \
		     : [a] "+r"(a), [fo] "=&r"(fo)                             \
		     : [b] "r"(b), [fi] "r"(fi)                                \
		     : "cc", "memory")
#define NATIVE1(insn, mod)                                                     \
	asm volatile("lea -128(%%rsp), %%rsp\n\t"                              \
		     "push %[fi]\n\tpopfq\n\t" insn " %" mod "[a]\n\t"         \
		     "pushfq\n\tpop %[fo]\n\t"                                 \
		     "lea 128(%%rsp), %%rsp"                                   \
		     : [a] "+r"(a), [fo] "=&r"(fo)                             \
		     : [fi] "r"(fi)                                            \
		     : "cc", "memory")

#define BY_SIZE2(mn)                                                           \
	switch (size) {                                                        \
	case 1: NATIVE2(mn "b", "b"); break;                                   \
	case 2: NATIVE2(mn "w", "w"); break;                                   \
	case 4: NATIVE2(mn "l", "k"); break;                                   \
	default: NATIVE2(mn "q", "q"); break;                                  \
	}
#define BY_SIZE1(mn)                                                           \
	switch (size) {                                                        \
	case 1: NATIVE1(mn "b", "b"); break;                                   \
	case 2: NATIVE1(mn "w", "w"); break;                                   \
	case 4: NATIVE1(mn "l", "k"); break;                                   \
	default: NATIVE1(mn "q", "q"); break;                                  \
	}

static uint64_t native(unsigned op, unsigned size, uint64_t a, uint64_t b,
		       uint64_t fi, uint64_t *flags)
{
	uint64_t fo = 0;

	switch (op) {
	case V3_OP_ADD: BY_SIZE2("add"); break;
	case V3_OP_OR: BY_SIZE2("or"); break;
	case V3_OP_ADC: BY_SIZE2("adc"); break;
	case V3_OP_SBB: BY_SIZE2("sbb"); break;
	case V3_OP_AND: BY_SIZE2("and"); break;
	case V3_OP_SUB: BY_SIZE2("sub"); break;
	case V3_OP_XOR: BY_SIZE2("xor"); break;
	case V3_OP_CMP: BY_SIZE2("cmp"); break;
	case V3_OP_TEST: BY_SIZE2("test"); break;
	case V3_OP_NOT: BY_SIZE1("not"); break;
	case V3_OP_NEG: BY_SIZE1("neg"); break;
	case V3_OP_INC: BY_SIZE1("inc"); break;
	case V3_OP_DEC: BY_SIZE1("dec"); break;
	}
	*flags = fo;
	return a;
}

/* op [rbx], rcx/cl (or the one-operand form on [rbx]) in 64-bit mode. */
static size_t encode(unsigned op, unsigned size, uint8_t *b)
{
	size_t n = 0;

	if (size == 2)
		b[n++] = 0x66;
	if (size == 8)
		b[n++] = 0x48;
	switch (op) {
	case V3_OP_TEST:
		b[n++] = size == 1 ? 0x84 : 0x85;
		b[n++] = 0x0b;
		break;
	case V3_OP_NOT:
	case V3_OP_NEG:
		b[n++] = size == 1 ? 0xf6 : 0xf7;
		b[n++] = op == V3_OP_NOT ? 0x13 : 0x1b;
		break;
	case V3_OP_INC:
	case V3_OP_DEC:
		b[n++] = size == 1 ? 0xfe : 0xff;
		b[n++] = op == V3_OP_INC ? 0x03 : 0x0b;
		break;
	default:
		b[n++] = (uint8_t)((op << 3) | (size == 1 ? 0 : 1));
		b[n++] = 0x0b;
	}
	return n;
}

static uint64_t interesting(unsigned size)
{
	uint64_t m = size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
	uint64_t top = 1ull << (8 * size - 1);
	uint64_t r = ((uint64_t)rand() << 40) ^ ((uint64_t)rand() << 20) ^
		     (uint64_t)rand();

	switch (rand() % 8) {
	case 0: return 0;
	case 1: return 1;
	case 2: return m;
	case 3: return top;
	case 4: return top - 1;
	case 5: return (r & 0x1f) | (r & top);
	}
	return r & m;
}

static void test_against_cpu(void)
{
	static const unsigned ops[] = {
	    V3_OP_ADD, V3_OP_OR,  V3_OP_ADC, V3_OP_SBB,	 V3_OP_AND,
	    V3_OP_SUB, V3_OP_XOR, V3_OP_CMP, V3_OP_TEST, V3_OP_NOT,
	    V3_OP_NEG, V3_OP_INC, V3_OP_DEC};
	static const char *const names[] = {"add", "or",  "adc", "sbb",	 "and",
					    "sub", "xor", "cmp", "test", "not",
					    "neg", "inc", "dec"};
	static const unsigned sizes[] = {1, 2, 4, 8};
	unsigned o, s, i;

	srand(12345);
	for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		for (s = 0; s < 4; s++) {
			unsigned op = ops[o], size = sizes[s], bad = 0;
			/* AF is undefined after logic ops, and so is what
			 * TEST/AND/OR/XOR leave there on this CPU. */
			bool logic = op == V3_OP_AND || op == V3_OP_OR ||
				     op == V3_OP_XOR || op == V3_OP_TEST;
			uint64_t mask = logic ? V3_FL_ARITH & ~AF : V3_FL_ARITH;

			for (i = 0; i < 4000; i++) {
				uint8_t bytes[4];
				size_t n = encode(op, size, bytes);
				struct v3_insn in;
				uint64_t a = interesting(size);
				uint64_t b = interesting(size);
				uint64_t fi = 0x2 | (rand() & V3_FL_ARITH);
				uint64_t nf, nr;

				nr = native(op, size, a, b, fi, &nf);
				reset(V3_MODE_LONG64);
				RBX = 0x100;
				RCX = b;
				ctx.rflags = fi;
				wr(0x100, a, size);
				if (v3_decode(bytes, n, ctx.mode, &in) ||
				    v3_emulate(&ctx, &in)) {
					bad++;
					continue;
				}
				if (rd(0x100, size) !=
					(nr &
					 (size == 8
					      ? ~0ull
					      : (1ull << (8 * size)) - 1)) ||
				    ((ctx.rflags ^ nf) & mask)) {
					if (bad++ < 3)
						diag(
						    "%s%u a=%#llx b=%#llx "
						    "fi=%#llx: cpu %#llx/%#llx,"
						    " emu %#llx/%#llx",
						    names[o], size * 8,
						    (unsigned long long)a,
						    (unsigned long long)b,
						    (unsigned long long)fi,
						    (unsigned long long)nr,
						    (unsigned long long)nf,
						    (unsigned long long)rd(
							0x100, size),
						    (unsigned long long)
							ctx.rflags);
				}
			}
			report(bad == 0,
			       "%s%u: result and flags match this "
			       "CPU on 4000 inputs",
			       names[o], size * 8);
		}
	}
}
#else
static void test_against_cpu(void)
{
}
#endif

int main(void)
{
	test_moves();
	test_alu();
	test_strings();
	test_string_io();
	test_failures();
	test_against_cpu();
	return report_summary("test_emulate");
}
