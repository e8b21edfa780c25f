/* vmm.h - core-wide state: the host ops and logging. */
#ifndef V3_VMM_H
#define V3_VMM_H

#include "lib.h"
#include "v3_host.h"

extern const struct v3_host_ops *v3_host;

/* Printing goes through the host; every line gets the "v3: " prefix. */
void v3_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *v3_zalloc(size_t size);
void v3_free(void *p);

static inline uint64_t v3_cycles(void)
{
	return v3_host->cycles();
}

#define V3_PAGE_SIZE 4096ull
#define V3_PAGE_2M   (2ull << 20)
#define V3_PAGE_1G   (1ull << 30)

#endif
