/* printk.h - formatted output to the console. */
#ifndef KITTEN_PRINTK_H
#define KITTEN_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

/* printf subset: %d %i %u %x %X %p %s %c %% with the h, hh, l, ll and z
 * length modifiers, '-' and '0' flags, width and precision ('*' too).
 * Always terminates (if size > 0); returns the length it would have
 * written. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Formats into a bounded buffer and writes it to COM1 in one piece, so
 * lines from different threads never interleave mid-line. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

#endif
