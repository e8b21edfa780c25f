/* kstring.h - memory and string helpers of the LWK (no libc). */
#ifndef KITTEN_KSTRING_H
#define KITTEN_KSTRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

size_t kstrlen(const char *s);
int kstrcmp(const char *a, const char *b);
int kstrncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always terminates. */
void kstrlcpy(char *dst, const char *src, size_t size);
int kends_with(const char *s, const char *suffix);

#endif
