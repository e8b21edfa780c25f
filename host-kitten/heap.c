/* heap.c - kmalloc/kfree: power-of-two size classes in one-page slabs
 * for small objects, whole page runs for large ones.
 *
 * Every page the heap owns starts with a header whose magic tells a
 * slab from a large run, so kfree needs no size.  Empty slabs go back
 * to the page allocator (one per class is kept), so the heap's
 * footprint follows its use. */
#include <stdbool.h>

#include "kstring.h"
#include "mm.h"
#include "power.h"
#include "spinlock.h"

#define SLAB_MAGIC 0x534c4142u	/* "SLAB" */
#define BIG_MAGIC 0x42494721u	/* "BIG!" */
#define MIN_SHIFT 4		/* 16 bytes */
#define MAX_SHIFT 10		/* 1024 bytes: larger goes to page runs */
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
/* Written into freed objects to catch double frees. */
#define FREE_COOKIE 0xdeadf4eed0bb1e5aull

struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t nfree;
	void *free;	/* singly linked through the objects' first word */
	struct slab *next, *prev;
};
#define SLAB_HDR 48	/* sizeof(struct slab) rounded up to 16 */

struct big {
	uint32_t magic;
	uint32_t reserved;
	uint64_t npages;
};
#define BIG_HDR 16

struct size_class {
	struct slab *partial;	/* slabs with at least one free object */
	int empty;		/* fully free slabs kept */
};

static struct spinlock lock;
static struct size_class classes[NCLASSES];
static uint64_t heap_pages, heap_bytes, heap_objects;

_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header too big");

static unsigned capacity(int cls)
{
	return (PAGE_SIZE - SLAB_HDR) >> (cls + MIN_SHIFT);
}

static void list_add(struct size_class *c, struct slab *s)
{
	s->prev = NULL;
	s->next = c->partial;
	if (c->partial)
		c->partial->prev = s;
	c->partial = s;
}

static void list_del(struct size_class *c, struct slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->partial = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

static struct slab *new_slab(int cls)
{
	uint64_t pa = page_alloc(1, PAGE_SIZE);
	struct slab *s = (struct slab *)pa;
	size_t size = 1ul << (cls + MIN_SHIFT);
	char *obj;

	if (!pa)
		return NULL;
	heap_pages++;
	s->magic = SLAB_MAGIC;
	s->cls = cls;
	s->nfree = capacity(cls);
	s->free = NULL;
	obj = (char *)s + SLAB_HDR + (s->nfree - 1) * size;
	for (unsigned i = 0; i < s->nfree; i++, obj -= size) {
		*(void **)obj = s->free;
		s->free = obj;
	}
	list_add(&classes[cls], s);
	classes[cls].empty++;
	return s;
}

static void *small_alloc(int cls)
{
	struct size_class *c = &classes[cls];
	struct slab *s = c->partial;
	void *obj;

	if (!s && !(s = new_slab(cls)))
		return NULL;
	if (s->nfree == capacity(cls))
		c->empty--;
	obj = s->free;
	s->free = *(void **)obj;
	if (--s->nfree == 0)
		list_del(c, s);
	heap_bytes += 1ul << (cls + MIN_SHIFT);
	return obj;
}

static void small_free(struct slab *s, void *obj)
{
	struct size_class *c = &classes[s->cls];
	size_t size = 1ul << (s->cls + MIN_SHIFT);
	uint64_t off = (uint64_t)obj - (uint64_t)s - SLAB_HDR;

	if ((uint64_t)obj < (uint64_t)s + SLAB_HDR || off % size)
		panic("kfree(%p): not the start of a heap object", obj);
	if (((uint64_t *)obj)[1] == FREE_COOKIE)
		panic("kfree(%p): double free", obj);
	((uint64_t *)obj)[1] = FREE_COOKIE;
	*(void **)obj = s->free;
	s->free = obj;
	if (s->nfree++ == 0)
		list_add(c, s);
	heap_bytes -= size;
	if (s->nfree == capacity(s->cls)) {
		if (c->empty >= 1) {
			list_del(c, s);
			s->magic = 0;
			page_free((uint64_t)s, 1);
			heap_pages--;
		} else {
			c->empty++;
		}
	}
}

void *kmalloc(size_t size)
{
	unsigned long flags;
	void *p = NULL;

	if (size <= (1ul << MAX_SHIFT)) {
		int cls = 0;

		while ((1ul << (cls + MIN_SHIFT)) < size)
			cls++;
		flags = spin_lock_irqsave(&lock);
		p = small_alloc(cls);
		if (p)
			heap_objects++;
		spin_unlock_irqrestore(&lock, flags);
		if (p)
			memset(p, 0, 1ul << (cls + MIN_SHIFT));
		return p;
	}
	if (size > (1ull << 40))
		return NULL;
	{
		uint64_t npages = (size + BIG_HDR + PAGE_SIZE - 1) / PAGE_SIZE;
		uint64_t pa = page_alloc(npages, PAGE_SIZE);
		struct big *b = (struct big *)pa;

		if (!pa)
			return NULL;
		memset(b, 0, npages * PAGE_SIZE);
		b->magic = BIG_MAGIC;
		b->npages = npages;
		flags = spin_lock_irqsave(&lock);
		heap_pages += npages;
		heap_bytes += npages * PAGE_SIZE;
		heap_objects++;
		spin_unlock_irqrestore(&lock, flags);
		return (char *)b + BIG_HDR;
	}
}

void kfree(void *p)
{
	void *page = (void *)((uint64_t)p & ~(PAGE_SIZE - 1));
	unsigned long flags;

	if (!p)
		return;
	flags = spin_lock_irqsave(&lock);
	if (*(uint32_t *)page == SLAB_MAGIC) {
		small_free(page, p);
	} else if (*(uint32_t *)page == BIG_MAGIC &&
		   (char *)p == (char *)page + BIG_HDR) {
		struct big *b = page;
		uint64_t n = b->npages;

		b->magic = 0;
		heap_pages -= n;
		heap_bytes -= n * PAGE_SIZE;
		page_free((uint64_t)b, n);
	} else {
		panic("kfree(%p): not a heap pointer", p);
	}
	heap_objects--;
	spin_unlock_irqrestore(&lock, flags);
}

void heap_stats(uint64_t *pages, uint64_t *bytes, uint64_t *objects)
{
	unsigned long flags = spin_lock_irqsave(&lock);

	*pages = heap_pages;
	*bytes = heap_bytes;
	*objects = heap_objects;
	spin_unlock_irqrestore(&lock, flags);
}

void mem_stats(struct mem_stats *s)
{
	uint64_t used;

	/* Two locks, two snapshots: fine on one CPU with cooperative
	 * threads, where nothing allocates in between. */
	page_stats(&s->total_pages, &s->free_pages, &used);
	heap_stats(&s->heap_pages, &s->heap_bytes, &s->heap_objects);
	s->pages_in_use = used - s->heap_pages - paging_table_pages();
}
