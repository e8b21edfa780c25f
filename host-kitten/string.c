/* string.c - the memory primitives gcc may emit calls to even in
 * freestanding code (struct copies, large initializers), plus the few
 * string helpers the LWK itself uses.  Where the core's lib.c has the
 * same function, these symbols are that one. */
#include "kstring.h"

/* At -O2 gcc recognizes a byte loop as memset/memcpy and would turn
 * these very functions into calls to themselves. */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

void *memcpy(void *dst, const void *src, size_t n)
{
	return v3_memcpy(dst, src, n);
}

void *memset(void *dst, int c, size_t n)
{
	return v3_memset(dst, c, n);
}

NO_LIBCALLS void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	return v3_memcmp(a, b, n);
}

int kends_with(const char *s, const char *suffix)
{
	size_t a = kstrlen(s), b = kstrlen(suffix);

	return a >= b && kstrcmp(s + a - b, suffix) == 0;
}
