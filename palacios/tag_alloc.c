/* tag_alloc.c - TLB tags for vcpus (see tag_alloc.h). */
#include "tag_alloc.h"
#include "vmm.h"

int v3_tags_init(struct v3_tags *t, uint32_t count)
{
	t->count = count < V3_TAG_MAX ? count : V3_TAG_MAX;
	if (!t->lock)
		t->lock = v3_host->lock_alloc();
	return t->lock ? 0 : -1;
}

uint32_t v3_tag_alloc(struct v3_tags *t)
{
	unsigned long flags = v3_host->lock_irqsave(t->lock);
	uint32_t tag;

	for (tag = V3_TAG_SHARED + 1; tag < t->count; tag++) {
		if (!t->used[tag]) {
			t->used[tag] = 1;
			break;
		}
	}
	v3_host->unlock_irqrestore(t->lock, flags);
	return tag < t->count ? tag : V3_TAG_SHARED;
}

void v3_tag_free(struct v3_tags *t, uint32_t tag)
{
	unsigned long flags;

	if (tag <= V3_TAG_SHARED || tag >= t->count)
		return;
	flags = v3_host->lock_irqsave(t->lock);
	t->used[tag] = 0;
	v3_host->unlock_irqrestore(t->lock, flags);
}
