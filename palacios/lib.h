/* lib.h - the core's own string and formatting helpers (no libc). */
#ifndef V3_LIB_H
#define V3_LIB_H

#include "v3_types.h"

void *v3_memset(void *dst, int c, size_t n);
void *v3_memcpy(void *dst, const void *src, size_t n);
int v3_memcmp(const void *a, const void *b, size_t n);
size_t v3_strlen(const char *s);
size_t v3_strnlen(const char *s, size_t max);
int v3_strcmp(const char *a, const char *b);
int v3_strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t v3_strlcpy(char *dst, const char *src, size_t size);

/* printf subset: %d %i %u %x %X %p %s %c %% with l/ll/z, width, '0', '-'.
 * Always terminates; returns the length it would have written. */
int v3_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int v3_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* uint64_t is 'unsigned long' in some builds and 'unsigned long long' in
 * the Linux kernel: cast for %llx/%llu. */
#define V3_ULL(x) ((unsigned long long)(x))

#endif
