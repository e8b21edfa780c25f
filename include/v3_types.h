/* v3_types.h - fixed-width types for every build of the core.
 * stdint/stddef/stdbool are compiler headers, available freestanding. */
#ifndef V3_TYPES_H
#define V3_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#endif
