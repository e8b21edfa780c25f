/* mod_pool.c - an optional pool of guest memory reserved at load time
 * (module parameter pool_mb): big guests then find their 4 MiB blocks
 * even when the page allocator has become too fragmented to give them.
 * Requests of exactly the chunk size are served from the pool first,
 * everything else (and what the pool cannot serve) by the page
 * allocator. */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "mod.h"

static unsigned int pool_mb;
module_param(pool_mb, uint, 0444);
MODULE_PARM_DESC(pool_mb, "MiB of guest memory to reserve at load, in "
		 "4 MiB chunks (default 0: none)");

static struct page **chunks;	/* free chunks: chunks[0..nfree) */
static unsigned int nchunks, nfree;
static u64 served;
static DEFINE_SPINLOCK(pool_lock);

int pool_init(void)
{
	unsigned int want = DIV_ROUND_UP(pool_mb, 4);

	if (!want)
		return 0;
	chunks = kcalloc(want, sizeof(*chunks), GFP_KERNEL);
	if (!chunks)
		return -ENOMEM;
	while (nchunks < want) {
		struct page *pg = alloc_pages(GFP_KERNEL | __GFP_NOWARN |
					      __GFP_RETRY_MAYFAIL, POOL_ORDER);

		if (!pg)
			break;
		chunks[nchunks++] = pg;
	}
	nfree = nchunks;
	pr_info("v3vee: pool: %u chunk(s) of 4 MiB reserved (%u MiB asked)\n",
		nchunks, pool_mb);
	if (nchunks < want) {
		pr_err("v3vee: pool: only %u of %u chunks available\n",
		       nchunks, want);
		pool_exit();
		return -ENOMEM;
	}
	return 0;
}

void pool_exit(void)
{
	unsigned int i;

	if (!chunks)
		return;
	if (nfree != nchunks)
		pr_err("v3vee: pool: %u chunk(s) still in use at unload\n",
		       nchunks - nfree);
	else
		pr_info("v3vee: pool: %u chunk(s) of 4 MiB, %llu "
			"allocation(s) served from it\n", nchunks, served);
	for (i = 0; i < nfree; i++)
		__free_pages(chunks[i], POOL_ORDER);
	kfree(chunks);
	chunks = NULL;
	nchunks = nfree = 0;
}

struct page *pool_take(unsigned int order)
{
	struct page *pg = NULL;
	unsigned long flags;

	if (order != POOL_ORDER || !chunks)
		return NULL;
	spin_lock_irqsave(&pool_lock, flags);
	if (nfree) {
		pg = chunks[--nfree];
		served++;
	}
	spin_unlock_irqrestore(&pool_lock, flags);
	return pg;
}

void pool_give(struct page *pg)
{
	unsigned long flags;

	spin_lock_irqsave(&pool_lock, flags);
	chunks[nfree++] = pg;
	spin_unlock_irqrestore(&pool_lock, flags);
}
