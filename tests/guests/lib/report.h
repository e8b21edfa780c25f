/* report.h - one line per check, as in kvm-unit-tests:
 *     report(x == 1, "x is %d", x);   ->  "PASS: x is 1" / "FAIL: x is 2"
 * and at the end "return report_summary();" from main(), which prints
 * "SUMMARY: N tests, M failures" and returns the exit status. */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include <stdbool.h>

/* Returns 'pass', so a caller can print more detail on failure. */
bool report(bool pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A check that could not run here (not counted as a test). */
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Context for the reader of the log (not a check). */
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* 0 when every check passed, 1 otherwise. */
int report_summary(void);

#endif
