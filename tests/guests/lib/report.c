/* report.c - PASS/FAIL lines and the summary the harness reads. */
#include <stdarg.h>

#include "console.h"
#include "report.h"

static unsigned int tests, failures, skipped;

static void line(const char *tag, const char *fmt, va_list ap)
{
	console_puts(tag);
	vprintf(fmt, ap);
	console_putc('\n');
}

bool report(bool pass, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!pass)
		failures++;
	va_start(ap, fmt);
	line(pass ? "PASS: " : "FAIL: ", fmt, ap);
	va_end(ap);
	return pass;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	skipped++;
	va_start(ap, fmt);
	line("SKIP: ", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line("INFO: ", fmt, ap);
	va_end(ap);
}

int report_summary(void)
{
	if (skipped)
		printf("SKIPPED: %u\n", skipped);
	printf("SUMMARY: %u tests, %u failures\n", tests, failures);
	return failures ? 1 : 0;
}
