/* console.c - printf to the debugcon port, and snprintf for messages
 * that are built before they are printed. */
#include "console.h"
#include "format.h"
#include "v3_abi.h"
#include "x86.h"

void console_putc(char c)
{
	outb(V3_DEBUGCON_PORT, (uint8_t)c);
}

void console_puts(const char *s)
{
	while (*s)
		console_putc(*s++);
}

static void console_sink(void *ctx, char c)
{
	(void)ctx;
	console_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return vformat(console_sink, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

struct buf {
	char *p;
	size_t left;	/* room before the terminating NUL */
};

static void buf_sink(void *ctx, char c)
{
	struct buf *b = ctx;

	if (b->left) {
		*b->p++ = c;
		b->left--;
	}
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	struct buf b = { .p = buf, .left = size ? size - 1 : 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vformat(buf_sink, &b, fmt, ap);
	va_end(ap);
	if (size)
		*b.p = '\0';
	return n;
}
