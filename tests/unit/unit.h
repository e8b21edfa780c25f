/* unit.h - checks for the userspace unit tests, after kvm-unit-tests'
 * report(): every check prints one line, "ok - what" or
 * "not ok - what (file:line)", and report_summary() prints
 * "<name>: N passed, N failed" and gives the exit status. */
#ifndef UNIT_H
#define UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int unit_passed, unit_failed;

static inline bool unit_report(const char *file, int line, bool pass,
			       const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline bool unit_report(const char *file, int line, bool pass,
			       const char *fmt, ...)
{
	va_list ap;

	fputs(pass ? "ok - " : "not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (pass)
		putchar('\n');
	else
		printf(" (%s:%d)\n", file, line);
	if (pass)
		unit_passed++;
	else
		unit_failed++;
	return pass;
}

/* report(cond, "what %d", x): returns cond so callers can add detail. */
#define report(pass, ...) unit_report(__FILE__, __LINE__, (pass), __VA_ARGS__)
/* For helpers that check on behalf of a caller's line. */
#define report_at(file, line, pass, ...) \
	unit_report((file), (line), (pass), __VA_ARGS__)

/* Extra detail under a failed check, TAP style. */
#define diag(...)                        \
	do {                             \
		fputs("#   ", stdout);   \
		printf(__VA_ARGS__);     \
		putchar('\n');           \
	} while (0)

static inline int report_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_passed, unit_failed);
	fflush(stdout);
	return unit_failed ? 1 : 0;
}

#endif
