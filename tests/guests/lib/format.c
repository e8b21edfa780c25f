/* format.c - the printf engine behind console.c's printf and snprintf. */
#include <stdbool.h>
#include <stdint.h>

#include "div64.h"
#include "format.h"

struct out {
	format_sink sink;
	void *ctx;
	int count;
};

static void put(struct out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

struct spec {
	bool left;	/* '-' */
	bool zero;	/* '0' */
	int width;
};

static void emit_str(struct out *o, const struct spec *s, const char *str)
{
	int len = 0;

	while (str[len])
		len++;
	if (!s->left)
		pad(o, ' ', s->width - len);
	for (int i = 0; i < len; i++)
		put(o, str[i]);
	if (s->left)
		pad(o, ' ', s->width - len);
}

static void emit_num(struct out *o, const struct spec *s, uint64_t v,
		     bool negative, uint32_t base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0, len;

	do
		buf[n++] = digits[div64_u32(&v, base)];
	while (v);
	len = n + (negative ? 1 : 0);
	if (!s->left && !s->zero)
		pad(o, ' ', s->width - len);
	if (negative)
		put(o, '-');
	if (!s->left && s->zero)
		pad(o, '0', s->width - len);
	while (n)
		put(o, buf[--n]);
	if (s->left)
		pad(o, ' ', s->width - len);
}

/* Reads one integer argument of the size the modifier gave. */
static uint64_t take_unsigned(va_list *ap, int longs)
{
	if (longs >= 2)
		return va_arg(*ap, unsigned long long);
	if (longs == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static int64_t take_signed(va_list *ap, int longs)
{
	if (longs >= 2)
		return va_arg(*ap, long long);
	if (longs == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

int vformat(format_sink sink, void *ctx, const char *fmt, va_list ap_in)
{
	struct out o = { .sink = sink, .ctx = ctx };
	va_list ap;

	va_copy(ap, ap_in);
	for (; *fmt; fmt++) {
		struct spec s = { 0 };
		int longs = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				s.left = true;
			else if (*fmt == '0')
				s.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			s.width = va_arg(ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			s.width = s.width * 10 + (*fmt++ - '0');
		for (;; fmt++) {
			if (*fmt == 'l')
				longs++;
			else if (*fmt != 'z')	/* size_t is 32-bit here */
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = take_signed(&ap, longs);

			emit_num(&o, &s, v < 0 ? -(uint64_t)v : (uint64_t)v,
				 v < 0, 10, false);
			break;
		}
		case 'u':
			emit_num(&o, &s, take_unsigned(&ap, longs), false, 10,
				 false);
			break;
		case 'x':
		case 'X':
			emit_num(&o, &s, take_unsigned(&ap, longs), false, 16,
				 *fmt == 'X');
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			emit_num(&o, &s, (uintptr_t)va_arg(ap, void *), false,
				 16, false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			emit_str(&o, &s, str ? str : "(null)");
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			fmt--;	/* a lone '%' at the end */
			break;
		default:	/* unknown: show it rather than guess */
			put(&o, '%');
			put(&o, *fmt);
		}
	}
	va_end(ap);
	return o.count;
}
