/* kstring.h - memory and string helpers of the LWK (no libc). */
#ifndef KITTEN_KSTRING_H
#define KITTEN_KSTRING_H

#include <stddef.h>

#include "lib.h"

/* memcpy, memset and memcmp are the core's v3_mem* under the names the
 * compiler calls; memmove is the LWK's own. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* The string helpers are the core's (palacios/lib.h). */
static inline size_t kstrlen(const char *s)
{
	return v3_strlen(s);
}

static inline int kstrcmp(const char *a, const char *b)
{
	return v3_strcmp(a, b);
}

static inline int kstrncmp(const char *a, const char *b, size_t n)
{
	return v3_strncmp(a, b, n);
}

/* Copies at most size-1 bytes and always terminates. */
static inline void kstrlcpy(char *dst, const char *src, size_t size)
{
	v3_strlcpy(dst, src, size);
}

int kends_with(const char *s, const char *suffix);

#endif
