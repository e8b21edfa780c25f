/* tag_alloc.h - small numbers the hardware tags TLB entries with (SVM
 * ASIDs, VMX VPIDs), handed out to vcpus.  Tags 0 and 1 are never
 * handed out: 0 is the host's, 1 the shared fallback when all are
 * taken (whoever uses it flushes on every entry). */
#ifndef V3_TAG_ALLOC_H
#define V3_TAG_ALLOC_H

#include "v3_types.h"

#define V3_TAG_MAX    4096
#define V3_TAG_SHARED 1

struct v3_tags {
	uint32_t count; /* tags 0..count-1 exist */
	void *lock;
	uint8_t used[V3_TAG_MAX];
};

/* 0, or -1 when no lock could be had. */
int v3_tags_init(struct v3_tags *t, uint32_t count);
/* A free tag, or V3_TAG_SHARED when none is left. */
uint32_t v3_tag_alloc(struct v3_tags *t);
void v3_tag_free(struct v3_tags *t, uint32_t tag);

#endif
