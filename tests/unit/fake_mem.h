/* fake_mem.h - helpers shared by the decoder, emulator and page-walk
 * unit tests: instruction bytes from hex text, and bounds-checked copies
 * in and out of a flat fake memory. */
#ifndef FAKE_MEM_H
#define FAKE_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* "89 03" -> {0x89, 0x03}: at most 'max' bytes, up to the first
 * character that is not hex; returns how many. */
static inline size_t parse_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*hex && n < max) {
		char *end;
		unsigned long v = strtoul(hex, &end, 16);

		if (end == hex)
			break;
		out[n++] = (uint8_t)v;
		hex = end;
	}
	return n;
}

/* Copy 'len' bytes at 'addr' of the 'size'-byte memory 'mem' to or from
 * 'buf'; -1, copying nothing, when any of them lies outside it. */
static inline int fake_mem_read(const uint8_t *mem, uint64_t size,
				uint64_t addr, void *buf, uint32_t len)
{
	if (addr >= size || len > size - addr)
		return -1;
	memcpy(buf, mem + addr, len);
	return 0;
}

static inline int fake_mem_write(uint8_t *mem, uint64_t size, uint64_t addr,
				 const void *buf, uint32_t len)
{
	if (addr >= size || len > size - addr)
		return -1;
	memcpy(mem + addr, buf, len);
	return 0;
}

#endif
