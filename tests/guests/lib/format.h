/* format.h - a small printf engine that writes through a callback, so
 * the console and string buffers share it. */
#ifndef GUEST_FORMAT_H
#define GUEST_FORMAT_H

#include <stdarg.h>

typedef void (*format_sink)(void *ctx, char c);

/* Conversions: %d %i %u %x %X %p %s %c %%, flags '-' and '0', a width
 * (or '*'), and the length modifiers l, ll, z.  Returns chars written. */
int vformat(format_sink sink, void *ctx, const char *fmt, va_list ap);

#endif
