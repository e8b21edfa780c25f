/* printk.c - the console printk, formatted by the core's v3_vsnprintf. */
#include "printk.h"
#include "serial.h"

#include "lib.h"

void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int n = v3_vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	serial_write(buf, n);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
