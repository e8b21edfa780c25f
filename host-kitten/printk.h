/* printk.h - formatted output to the console. */
#ifndef KITTEN_PRINTK_H
#define KITTEN_PRINTK_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into a bounded buffer and writes it to COM1 in one piece, so
 * lines from different threads never interleave mid-line.  The format
 * is the core's v3_vsnprintf (palacios/lib.h), which the LWK also uses
 * for formatting into memory (v3_snprintf). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vprintk(const char *fmt, va_list ap);

#endif
