/* lib.c - the core's string and formatting helpers (no libc).
 *
 * The core runs inside host kernels that may not export a libc, so it
 * carries its own.  Everything here is freestanding and reentrant. */
#include "lib.h"

/* Word-wide access for memset/memcpy: the core clears and copies large
 * structures (parsed configs, VM state).  may_alias keeps the stores
 * legal whatever the type of the object underneath. */
typedef unsigned long __attribute__((may_alias)) v3_word_t;
#define WORD_SIZE sizeof(v3_word_t)
#define WORD_MASK (WORD_SIZE - 1)

void *v3_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	unsigned char b = (unsigned char)c;

	for (; n && ((uintptr_t)d & WORD_MASK); n--)
		*d++ = b;
	if (n >= WORD_SIZE) {
		/* 0x0101...01 * b puts the byte in every lane. */
		v3_word_t w = ((v3_word_t)-1 / 0xff) * b;

		for (; n >= WORD_SIZE; n -= WORD_SIZE, d += WORD_SIZE)
			*(v3_word_t *)d = w;
	}
	for (; n; n--)
		*d++ = b;
	return dst;
}

void *v3_memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* Words only help when both sides can be aligned together. */
	if ((((uintptr_t)d ^ (uintptr_t)s) & WORD_MASK) == 0) {
		for (; n && ((uintptr_t)d & WORD_MASK); n--)
			*d++ = *s++;
		for (; n >= WORD_SIZE; n -= WORD_SIZE) {
			*(v3_word_t *)d = *(const v3_word_t *)s;
			d += WORD_SIZE;
			s += WORD_SIZE;
		}
	}
	for (; n; n--)
		*d++ = *s++;
	return dst;
}

int v3_memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t v3_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t v3_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int v3_strcmp(const char *a, const char *b)
{
	return v3_strncmp(a, b, (size_t)-1);
}

int v3_strncmp(const char *a, const char *b, size_t n)
{
	/* Compare as unsigned char, like the C library. */
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
		if (!*x)
			break;
	}
	return 0;
}

size_t v3_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = v3_strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		v3_memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* ---- v3_vsnprintf ---------------------------------------------------- */

/* Output is counted even past the end of the buffer so the caller learns
 * the length it would have needed. */
struct sink {
	char *buf;
	size_t size;
	size_t len;
};

struct spec {
	bool left;	/* '-': pad on the right */
	bool zero;	/* '0': pad numbers with zeros */
	int width;
	int prec;	/* -1 when absent */
};

/* Widths beyond this are surely bugs; clamping keeps the int math safe. */
#define MAX_FIELD 4096

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_rep(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

/* Pads n bytes of str to the field width. */
static void put_field(struct sink *s, const struct spec *sp, const char *str,
		      size_t n)
{
	int pad = (size_t)sp->width > n ? sp->width - (int)n : 0;

	if (!sp->left)
		put_rep(s, ' ', pad);
	while (n--)
		put(s, *str++);
	if (sp->left)
		put_rep(s, ' ', pad);
}

static void put_num(struct sink *s, const struct spec *sp,
		    unsigned long long v, unsigned base, bool upper,
		    const char *prefix)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[24];	/* 2^64 needs 20 decimal or 16 hex digits */
	int nd = 0, zeros, pad;
	int np = (int)v3_strlen(prefix);

	/* C prints nothing for a zero with precision 0. */
	if (v || sp->prec != 0) {
		do {
			digits[nd++] = set[v % base];
			v /= base;
		} while (v);
	}
	zeros = sp->prec > nd ? sp->prec - nd : 0;
	pad = sp->width - np - zeros - nd;
	if (sp->zero && !sp->left && sp->prec < 0 && pad > 0) {
		zeros += pad;
		pad = 0;
	}
	if (!sp->left)
		put_rep(s, ' ', pad);
	while (*prefix)
		put(s, *prefix++);
	put_rep(s, '0', zeros);
	while (nd)
		put(s, digits[--nd]);
	if (sp->left)
		put_rep(s, ' ', pad);
}

/* Reads digits or '*' for a width or precision. */
static int get_field(const char **fmt, va_list *ap)
{
	int v = 0;

	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++)
		if (v < MAX_FIELD)
			v = v * 10 + (**fmt - '0');
	return v;
}

enum length { LEN_HH, LEN_H, LEN_NONE, LEN_L, LEN_LL, LEN_Z };

static enum length get_length(const char **fmt)
{
	const char *f = *fmt;

	if (f[0] == 'h' && f[1] == 'h') {
		*fmt += 2;
		return LEN_HH;
	}
	if (f[0] == 'l' && f[1] == 'l') {
		*fmt += 2;
		return LEN_LL;
	}
	if (f[0] == 'h' || f[0] == 'l' || f[0] == 'z') {
		*fmt += 1;
		return f[0] == 'h' ? LEN_H : f[0] == 'l' ? LEN_L : LEN_Z;
	}
	return LEN_NONE;
}

static long long get_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H:  return (short)va_arg(*ap, int);
	case LEN_L:  return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	/* The signed counterpart of size_t has ptrdiff_t's width. */
	case LEN_Z:  return va_arg(*ap, ptrdiff_t);
	default:     return va_arg(*ap, int);
	}
}

static unsigned long long get_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:  return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:  return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z:  return va_arg(*ap, size_t);
	default:     return va_arg(*ap, unsigned int);
	}
}

/* Formats one conversion starting just after '%'; returns false for an
 * unknown conversion, which the caller then copies through literally. */
static bool convert(struct sink *s, const char **fmt, va_list *ap)
{
	struct spec sp = { false, false, 0, -1 };
	enum length len;
	char c;

	for (;; (*fmt)++) {
		if (**fmt == '-')
			sp.left = true;
		else if (**fmt == '0')
			sp.zero = true;
		else
			break;
	}
	sp.width = get_field(fmt, ap);
	if (sp.width < 0) {	/* a negative '*' width means '-' */
		sp.left = true;
		sp.width = sp.width < -MAX_FIELD ? MAX_FIELD : -sp.width;
	}
	if (sp.width > MAX_FIELD)
		sp.width = MAX_FIELD;
	if (**fmt == '.') {
		(*fmt)++;
		sp.prec = get_field(fmt, ap);
		if (sp.prec > MAX_FIELD)
			sp.prec = MAX_FIELD;
		if (sp.prec < 0)
			sp.prec = -1;
	}
	len = get_length(fmt);
	c = **fmt;

	switch (c) {
	case 'd':
	case 'i': {
		long long v = get_signed(ap, len);
		/* Negate in unsigned so LLONG_MIN works. */
		unsigned long long mag = (unsigned long long)v;

		if (v < 0)
			mag = -mag;

		put_num(s, &sp, mag, 10, false, v < 0 ? "-" : "");
		break;
	}
	case 'u':
		put_num(s, &sp, get_unsigned(ap, len), 10, false, "");
		break;
	case 'x':
	case 'X':
		put_num(s, &sp, get_unsigned(ap, len), 16, c == 'X', "");
		break;
	case 'p':
		put_num(s, &sp, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
		break;
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		put_field(s, &sp, &ch, 1);
		break;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);
		size_t max = sp.prec < 0 ? (size_t)-1 : (size_t)sp.prec;

		if (!str)
			str = "(null)";
		put_field(s, &sp, str, v3_strnlen(str, max));
		break;
	}
	case '%':
		put(s, '%');
		break;
	default:
		return false;
	}
	(*fmt)++;
	return true;
}

int v3_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { buf, size, 0 };
	va_list args;

	/* A copy lets helpers take the list by pointer portably. */
	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt++ != '%') {
			put(&s, *start);
			continue;
		}
		if (!convert(&s, &fmt, &args)) {
			/* Unknown: emit it as written, stopping at the end. */
			if (*fmt)
				fmt++;
			while (start < fmt)
				put(&s, *start++);
		}
	}
	va_end(args);

	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return s.len > (size_t)(~0u >> 1) ? (int)(~0u >> 1) : (int)s.len;
}

int v3_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = v3_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
