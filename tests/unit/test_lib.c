/* test_lib.c - palacios/lib.c in userspace: memory and string helpers
 * against hand-checked answers, v3_snprintf against the C library. */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lib.h"
#include "unit.h"

/* Same format, same arguments: v3_snprintf must match snprintf exactly. */
#define like_libc(fmt, ...)                                                 \
	do {                                                                \
		char want_[160], got_[160];                                 \
		int wn_ = snprintf(want_, sizeof(want_), fmt, __VA_ARGS__); \
		int gn_ = v3_snprintf(got_, sizeof(got_), fmt, __VA_ARGS__);\
		if (!report(wn_ == gn_ && !strcmp(want_, got_),             \
			    "\"%s\" with %s like libc", fmt, #__VA_ARGS__)) \
			diag("got '%s' (%d), want '%s' (%d)", got_, gn_,    \
			     want_, wn_);                                   \
	} while (0)

/* No format attribute: lets tests hand v3_vsnprintf formats gcc rejects. */
static int raw_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = v3_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

#define check_str(got, want, what)                                  \
	do {                                                        \
		if (!report(!strcmp((got), (want)), "%s", what))    \
			diag("got '%s', want '%s'", (got), (want)); \
	} while (0)

/* Every alignment and short length, with guard bytes on both sides. */
static void test_memset(void)
{
	unsigned char buf[128];
	bool ok = true, ret_ok = true;
	size_t off, len, i;

	for (off = 0; off < 16; off++) {
		for (len = 0; len <= 80; len++) {
			memset(buf, 0xaa, sizeof(buf));
			if (v3_memset(buf + 16 + off, 0x15c, len) != buf + 16 + off)
				ret_ok = false;
			for (i = 0; i < sizeof(buf); i++) {
				bool inside = i >= 16 + off && i < 16 + off + len;

				if (buf[i] != (inside ? 0x5c : 0xaa))
					ok = false;
			}
		}
	}
	report(ok, "memset fills exactly [dst, dst+n) at every alignment");
	report(ret_ok, "memset returns dst");
}

static void test_memcpy(void)
{
	unsigned char src[128], dst[128];
	bool ok = true, ret_ok = true;
	size_t so, doff, len, i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 7 + 1);
	for (so = 0; so < 9; so++) {
		for (doff = 0; doff < 9; doff++) {
			for (len = 0; len <= 80; len++) {
				memset(dst, 0xee, sizeof(dst));
				if (v3_memcpy(dst + 16 + doff, src + so, len) !=
				    dst + 16 + doff)
					ret_ok = false;
				for (i = 0; i < sizeof(dst); i++) {
					bool in = i >= 16 + doff &&
						  i < 16 + doff + len;
					unsigned char want =
						in ? src[so + i - 16 - doff] : 0xee;

					if (dst[i] != want)
						ok = false;
				}
			}
		}
	}
	report(ok, "memcpy copies exactly n bytes for all src/dst alignments");
	report(ret_ok, "memcpy returns dst");
}

static void test_compare(void)
{
	report(v3_memcmp("abc", "abc", 3) == 0, "memcmp equal");
	report(v3_memcmp("abc", "abd", 3) < 0, "memcmp less");
	report(v3_memcmp("\x80", "\x01", 1) > 0, "memcmp compares unsigned bytes");
	report(v3_memcmp("a", "b", 0) == 0, "memcmp of zero bytes is equal");

	report(v3_strlen("") == 0 && v3_strlen("hello") == 5, "strlen");
	report(v3_strnlen("hello", 3) == 3, "strnlen stops at max");
	report(v3_strnlen("hi", 10) == 2, "strnlen stops at NUL");
	{
		/* Not terminated: the sanitizer catches any read past max. */
		char raw[4] = { 'a', 'b', 'c', 'd' };

		report(v3_strnlen(raw, sizeof(raw)) == 4,
		       "strnlen reads no further than max");
	}

	report(v3_strcmp("abc", "abc") == 0, "strcmp equal");
	report(v3_strcmp("a", "b") < 0 && v3_strcmp("b", "a") > 0,
	       "strcmp orders");
	report(v3_strcmp("ab", "abc") < 0, "strcmp: prefix sorts first");
	report(v3_strcmp("\xff", "a") > 0, "strcmp compares unsigned chars");
	report(v3_strncmp("abcX", "abcY", 3) == 0, "strncmp stops at n");
	report(v3_strncmp("abcX", "abcY", 4) < 0, "strncmp sees byte n-1");
	report(v3_strncmp("x", "y", 0) == 0, "strncmp of zero chars is equal");
	report(v3_strncmp("ab", "ab", 100) == 0, "strncmp stops at NUL");
}

static void test_strlcpy(void)
{
	char buf[8];

	report(v3_strlcpy(buf, "abc", sizeof(buf)) == 3 && !strcmp(buf, "abc"),
	       "strlcpy copies a short string");
	report(v3_strlcpy(buf, "abcdefghij", sizeof(buf)) == 10 &&
		       !strcmp(buf, "abcdefg"),
	       "strlcpy truncates, terminates, returns the source length");
	report(v3_strlcpy(buf, "abcdefg", sizeof(buf)) == 7 &&
		       !strcmp(buf, "abcdefg"),
	       "strlcpy fills the buffer exactly");
	report(v3_strlcpy(buf, "xyz", 1) == 3 && buf[0] == '\0',
	       "strlcpy with size 1 writes only the NUL");
	memset(buf, 'q', sizeof(buf));
	report(v3_strlcpy(buf, "xyz", 0) == 3 && buf[0] == 'q',
	       "strlcpy with size 0 writes nothing");
}

static void test_formats(void)
{
	like_libc("%d", 0);
	like_libc("%d|%i", -1, 42);
	like_libc("%d %d", INT_MIN, INT_MAX);
	like_libc("%u", UINT_MAX);
	like_libc("%x %X", 0xdeadbeefu, 0xdeadbeefu);
	like_libc("%5d|%-5d|%05d", 42, 42, 42);
	like_libc("%05d|%-5d|%5d", -42, -42, -42);
	like_libc("%08X", 0xabcu);
	like_libc("%2d", 12345);
	like_libc("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
	like_libc("%lld %llu", LLONG_MIN, ULLONG_MAX);
	like_libc("%llx", 0x8000000000000000ULL);
	like_libc("%zu %zx %zd", (size_t)-1, (size_t)4096, (ssize_t)-7);
	like_libc("%hhx %hd %hhu", (unsigned char)0xab, (short)-2,
		  (unsigned char)200);
	like_libc("%c%c%c", 'a', 'b', 'c');
	like_libc("[%3c][%-3c]", 'x', 'y');
	like_libc("%s", "hello");
	like_libc("[%8s][%-8s]", "abc", "abc");
	like_libc("[%2s]", "longer");
	like_libc("%.3s|%.0s|%.10s", "abcdef", "abc", "ab");
	like_libc("%.*s", 2, "abc");
	like_libc("[%*d][%*d]", 4, 7, -4, 7);
	like_libc("%.5d|%8.3x|%.0d|", 42, 0xau, 0);
	like_libc("100%% %s", "done");
	like_libc("%s=%d, %s=0x%x", "a", 1, "b", 255u);
}

static void test_pointers_and_nulls(void)
{
	char buf[64];
	/* volatile: gcc rejects a literal NULL for %s at compile time. */
	const char *volatile nothing = NULL;

	v3_snprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	check_str(buf, "0x1234", "%p prints 0x and lowercase hex");
	v3_snprintf(buf, sizeof(buf), "%p", (void *)0);
	check_str(buf, "0x0", "%p of NULL prints 0x0");
	v3_snprintf(buf, sizeof(buf), "[%10p]", (void *)0xbeef);
	check_str(buf, "[    0xbeef]", "%p honours the width");
	v3_snprintf(buf, sizeof(buf), "%s", nothing);
	check_str(buf, "(null)", "%s of NULL prints (null)");
	v3_snprintf(buf, sizeof(buf), "[%8s]", nothing);
	check_str(buf, "[  (null)]", "%s of NULL is padded too");
}

static void test_truncation(void)
{
	char buf[16];
	char *big;
	int n;

	memset(buf, '#', sizeof(buf));
	n = v3_snprintf(buf, 5, "hello %s", "world");
	report(n == 11 && !strcmp(buf, "hell") && buf[5] == '#',
	       "truncates to size-1, terminates, returns the full length");
	memset(buf, '#', sizeof(buf));
	n = v3_snprintf(buf, 1, "%d", 12345);
	report(n == 5 && buf[0] == '\0' && buf[1] == '#',
	       "size 1 yields an empty string");
	n = v3_snprintf(NULL, 0, "%s-%d", "abc", 99);
	report(n == 6, "size 0 with a NULL buffer only counts");
	memset(buf, '#', sizeof(buf));
	n = v3_snprintf(buf, 6, "%10d", 7);
	report(n == 10 && !strcmp(buf, "     ") && buf[6] == '#',
	       "padding is truncated like any output");
	n = v3_snprintf(buf, sizeof(buf), "%s", "");
	report(n == 0 && buf[0] == '\0', "empty output is terminated");

	/* Well past any internal limit on field sizes. */
	big = malloc(5001);
	if (big) {
		memset(big, 'x', 5000);
		big[5000] = '\0';
		n = v3_snprintf(buf, sizeof(buf), "<%s>", big);
		report(n == 5002 && strlen(buf) == 15,
		       "a 5000-character %%s is counted in full");
		free(big);
	}
	{
		char raw[3] = { 'a', 'b', 'c' };	/* not terminated */

		v3_snprintf(buf, sizeof(buf), "%.3s", raw);
		check_str(buf, "abc", "%.3s reads only 3 bytes");
	}
}

static void test_odd_formats(void)
{
	char buf[32];
	int n;

	n = raw_format(buf, sizeof(buf), "a%qb", 5);
	report(n == 4 && !strcmp(buf, "a%qb"),
	       "an unknown conversion is copied through");
	n = raw_format(buf, sizeof(buf), "end%");
	report(n == 4 && !strcmp(buf, "end%"), "a trailing %% is copied through");
	raw_format(buf, sizeof(buf), "[%-05d]", -42);
	check_str(buf, "[-42  ]", "'-' wins over '0'");
	n = raw_format(buf, sizeof(buf), "%5n|%d", 3);
	report(n == 5 && !strcmp(buf, "%5n|3"),
	       "%%n is not supported and consumes nothing");
	/* Promoted arguments are cut back to the named width. */
	raw_format(buf, sizeof(buf), "%hhx %hd %hhu", 0x1ff, 0x18000, 300);
	check_str(buf, "ff -32768 44", "h and hh narrow their int argument");
}

int main(void)
{
	test_memset();
	test_memcpy();
	test_compare();
	test_strlcpy();
	test_formats();
	test_pointers_and_nulls();
	test_truncation();
	test_odd_formats();
	return report_summary("test_lib");
}
