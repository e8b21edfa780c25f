/* fuzz_decode.c - random bytes through v3_decode and v3_emulate in every
 * CPU mode, under ASan/UBSan.
 *
 *   fuzz_decode [count [seed]]     default: 1000000 sequences, seed 1
 *
 * Each sequence is decoded in all four modes from the end of a 16-byte
 * heap block, so any read past what the decoder was given is an ASan
 * report.  Half the sequences are pure noise; half start with prefixes
 * and a supported opcode, so the deep paths are reached.  Whatever
 * decodes is emulated on random registers with fake memory and ports
 * that check every callback's arguments.  Checked invariants:
 *   decode: len within avail and 15; the same answer from exactly len
 *           bytes; refused from len - 1.
 *   emulate: a known return value; nothing changed when refused; no
 *           register changed when a ModRM instruction's access failed;
 *           RIP advanced by len on success (non-REP).
 * Random struct v3_insn values and string I/O requests go in too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_mem.h"
#include "unit.h"
#include "x86_decode.h"
#include "x86_emulate.h"

#define FAKE_MEM  0x20000u
#define MAX_CALLS 64 /* per emulation: bounds huge REP counts */

static uint64_t rng;

static uint64_t next(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

struct fake {
	uint8_t mem[FAKE_MEM];
	unsigned calls;
	unsigned bad_args; /* callbacks called with arguments out of spec */
};

static struct fake fk;

static int fake_access(struct v3_emu_ctx *c, uint64_t la, void *buf,
		       uint32_t len, bool write)
{
	struct fake *f = c->opaque;

	if (!buf || len == 0 || len > 4096 || (la & 0xfff) + len > 0x1000)
		f->bad_args++;
	if (++f->calls > MAX_CALLS || (next() & 63) == 0)
		return -1;
	return write ? fake_mem_write(f->mem, FAKE_MEM, la, buf, len)
		     : fake_mem_read(f->mem, FAKE_MEM, la, buf, len);
}

static int fake_pio(struct v3_emu_ctx *c, uint16_t port, void *buf,
		    uint32_t size, uint32_t count, bool in)
{
	struct fake *f = c->opaque;
	uint32_t i;

	(void)port;
	if (!buf || (size != 1 && size != 2 && size != 4) || count == 0 ||
	    (uint64_t)size * count > 4096)
		f->bad_args++;
	if (++f->calls > MAX_CALLS || (next() & 63) == 0)
		return -1;
	if (in) {
		for (i = 0; i < size * count; i++)
			((uint8_t *)buf)[i] = (uint8_t)i;
	} else {
		volatile uint8_t sink = 0;

		for (i = 0; i < size * count; i++)
			sink ^= ((const uint8_t *)buf)[i];
		(void)sink;
	}
	return 0;
}

static const uint8_t prefixes[] = {0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36,
				   0x3e, 0x64, 0x65, 0x66, 0x67};
static const uint8_t opcodes[] = {
    0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12,
    0x13, 0x18, 0x19, 0x1a, 0x1b, 0x20, 0x21, 0x22, 0x23, 0x28, 0x29,
    0x2a, 0x2b, 0x30, 0x31, 0x32, 0x33, 0x38, 0x39, 0x3a, 0x3b, 0x80,
    0x81, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0xa0,
    0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad, 0x6c, 0x6d,
    0x6e, 0x6f, 0xc6, 0xc7, 0xf6, 0xf7, 0xfe, 0xff, 0x0f};
static const uint8_t twobyte[] = {0xb6, 0xb7, 0xbe, 0xbf, 0xa3, 0xba};

static void gen(uint8_t *b)
{
	unsigned n = 0, i;

	for (i = 0; i < 16; i++)
		b[i] = (uint8_t)next();
	if (next() & 1)
		return; /* noise */
	for (i = next() % 5; i; i--)
		b[n++] = prefixes[next() % sizeof(prefixes)];
	if (next() & 1)
		b[n++] = (uint8_t)(0x40 | (next() & 15)); /* REX */
	b[n] = opcodes[next() % sizeof(opcodes)];
	if (b[n++] == 0x0f)
		b[n++] = twobyte[next() % sizeof(twobyte)];
	/* ModRM: bias the reg field towards the valid group digits */
	if (next() & 1)
		b[n] = (uint8_t)((b[n] & 0xc7) | ((next() % 5) << 3));
}

static uint64_t addr_value(void)
{
	uint64_t r = next();

	switch (r & 3) {
	case 0:
	case 1: return (r >> 8) & (FAKE_MEM - 1); /* lands in fake memory */
	case 2: return (r >> 8) & 0xffff;
	}
	return next();
}

static void random_ctx(struct v3_emu_ctx *ctx, enum v3_cpu_mode mode)
{
	unsigned i;

	memset(ctx, 0, sizeof(*ctx));
	for (i = 0; i < 16; i++)
		ctx->gpr[i] = addr_value();
	/* small counts mostly, huge ones sometimes */
	ctx->gpr[V3_GPR_RCX] = (next() & 3) ? next() % 300 : next();
	for (i = 0; i < 6; i++)
		ctx->seg_base[i] = (next() & 1) ? 0 : addr_value();
	ctx->rip = addr_value();
	ctx->rflags = 0x2 | (next() & (V3_FL_ARITH | V3_FL_DF));
	ctx->mode = mode;
	ctx->rep_limit = (next() & 1) ? 0 : next() % 500;
	ctx->access = fake_access;
	ctx->pio = (next() & 7) ? fake_pio : NULL;
	ctx->opaque = &fk;
}

struct state {
	uint64_t gpr[16], rip, rflags;
};

static void save(const struct v3_emu_ctx *c, struct state *s)
{
	memcpy(s->gpr, c->gpr, sizeof(s->gpr));
	s->rip = c->rip;
	s->rflags = c->rflags;
}

static bool same(const struct v3_emu_ctx *c, const struct state *s)
{
	return !memcmp(s->gpr, c->gpr, sizeof(s->gpr)) && s->rip == c->rip &&
	       s->rflags == c->rflags;
}

static uint64_t rip_mask(enum v3_cpu_mode m)
{
	return m == V3_MODE_LONG64   ? ~0ull
	       : m == V3_MODE_PROT32 ? 0xffffffffull
				     : 0xffffull;
}

struct stats {
	unsigned long decoded, emulated, faulted, refused;
	unsigned long decode_bad, emulate_bad;
};

static void emulate_one(const struct v3_insn *in, enum v3_cpu_mode mode,
			struct stats *st)
{
	struct v3_emu_ctx ctx;
	struct state before;
	int rc;

	random_ctx(&ctx, mode);
	save(&ctx, &before);
	fk.calls = 0;
	rc = v3_emulate(&ctx, in);
	if (rc == V3_EMU_OK) {
		st->emulated++;
		if (in->op < V3_OP_MOVS &&
		    ctx.rip != ((before.rip + in->len) & rip_mask(mode)))
			st->emulate_bad++;
	} else if (rc == V3_EMU_FAULT) {
		st->faulted++;
		if (in->op < V3_OP_MOVS && !same(&ctx, &before))
			st->emulate_bad++;
	} else if (rc == V3_EMU_UNSUPPORTED) {
		st->refused++;
		if (!same(&ctx, &before))
			st->emulate_bad++;
	} else {
		st->emulate_bad++;
	}
}

static void decode_one(uint8_t *block, const uint8_t *bytes, size_t avail,
		       enum v3_cpu_mode mode, struct stats *st)
{
	uint8_t *p = block + (16 - avail);
	struct v3_insn in, again;

	memcpy(p, bytes, avail);
	if (v3_decode(p, avail, mode, &in))
		return;
	st->decoded++;
	if (in.len == 0 || in.len > avail || in.len > V3_INSN_MAX) {
		st->decode_bad++;
		return;
	}
	/* Exactly len bytes give the same answer; len - 1 none. */
	p = block + (16 - in.len);
	memmove(p, bytes, in.len);
	if (v3_decode(p, in.len, mode, &again) ||
	    memcmp(&in, &again, sizeof(in)))
		st->decode_bad++;
	p = block + (16 - (in.len - 1));
	memmove(p, bytes, in.len - 1u);
	if (v3_decode(p, in.len - 1u, mode, &again) == 0)
		st->decode_bad++;
	emulate_one(&in, mode, st);
}

/* Arbitrary struct contents: the emulator must refuse, not index out. */
static void garbage_insn(struct stats *st)
{
	struct v3_insn in;
	uint8_t *b = (uint8_t *)&in;
	size_t i;

	for (i = 0; i < sizeof(in); i++)
		b[i] = (uint8_t)next();
	emulate_one(&in, (enum v3_cpu_mode)(next() % 4), st);
}

static void string_io(struct stats *st)
{
	static const uint8_t sizes[] = {1, 2, 4, 3};
	static const uint8_t asz[] = {2, 4, 8, 1};
	struct v3_emu_ctx ctx;
	struct v3_string_io io;
	int rc;

	random_ctx(&ctx, (enum v3_cpu_mode)(next() % 4));
	io.port = (uint16_t)next();
	io.size = sizes[next() % 4];
	io.addr_size = asz[next() % 4];
	io.in = next() & 1;
	io.rep = next() & 1;
	io.seg = (uint8_t)(next() % 7);
	io.insn_len = (uint8_t)(1 + next() % 15);
	fk.calls = 0;
	rc = v3_emulate_string_io(&ctx, &io);
	if (rc != V3_EMU_OK && rc != V3_EMU_FAULT && rc != V3_EMU_UNSUPPORTED)
		st->emulate_bad++;
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000000;
	unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	uint8_t *block = malloc(16);
	struct stats st = {0};
	struct timespec t0, t1;
	unsigned long i;
	double secs;

	rng = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		uint8_t bytes[16];
		size_t avail;
		int mode;

		gen(bytes);
		avail = (next() & 3) ? 15 : next() % 16;
		for (mode = V3_MODE_REAL; mode <= V3_MODE_LONG64; mode++)
			decode_one(block, bytes, avail, (enum v3_cpu_mode)mode,
				   &st);
		if ((i & 7) == 0)
			garbage_insn(&st);
		if ((i & 7) == 1)
			string_io(&st);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	free(block);

	report(st.decode_bad == 0,
	       "%lu sequences x 4 modes: decode stays within its bytes, "
	       "answers consistently",
	       count);
	report(st.emulate_bad == 0,
	       "emulation: known results, nothing committed when refused or "
	       "faulted");
	report(fk.bad_args == 0, "callbacks always got in-spec arguments");
	diag("seed %lu: %lu decoded, %lu emulated, %lu faulted, %lu refused",
	     seed, st.decoded, st.emulated, st.faulted, st.refused);
	diag("%.2f s, %.0f sequences/s (4 decodes each)", secs,
	     secs > 0 ? (double)count / secs : 0.0);
	return report_summary("fuzz_decode");
}
