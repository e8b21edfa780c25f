/* v3_types.h - fixed-width types and va_list for every build of the core.
 * stdint/stddef/stdbool/stdarg are compiler headers, available
 * freestanding; inside the Linux kernel its own headers stand in. */
#ifndef V3_TYPES_H
#define V3_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/stdarg.h>
#else
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#endif
