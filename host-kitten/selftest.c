/* selftest.c - boot-time checks of the page allocator, the heap and
 * the scheduler (kernel command line flag "selftest").  They exercise
 * what the VMM relies on: large aligned runs handed out top-down, small
 * runs bottom-up, counters that return to their baseline, round-robin
 * yields, sleeps with microsecond precision, wake-ups, reaping. */
#include "kitten_host.h"
#include "kstring.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "time.h"
#include "x86.h"

#define MIB (1ull << 20)
#define CHECK(cond, ...)                                              \
	do {                                                          \
		if (!(cond)) {                                        \
			printk("kitten: selftest FAILED: " __VA_ARGS__); \
			printk(" (%s:%d)\n", __FILE__, __LINE__);     \
			return -1;                                    \
		}                                                     \
	} while (0)

static int test_pages(void)
{
	const size_t big = 32768;	/* 128 MiB, as a guest base block */
	struct mem_stats s0, s1;
	uint64_t a, b, c, small[4], al;

	mem_stats(&s0);
	a = page_alloc(big, 2 * MIB);
	b = page_alloc(big, 2 * MIB);
	CHECK(a && b, "two 128 MiB runs from %lu free pages",
	      (unsigned long)s0.free_pages);
	CHECK(a % (2 * MIB) == 0 && b % (2 * MIB) == 0,
	      "2 MiB alignment: 0x%lx 0x%lx", a, b);
	/* Top-down: the second block lies below the first. */
	CHECK(b + big * PAGE_SIZE <= a, "large runs top-down: 0x%lx 0x%lx",
	      a, b);
	/* Touch both ends of both: they are mapped and really RAM. */
	*(volatile uint64_t *)a = 0x1111;
	*(volatile uint64_t *)(a + big * PAGE_SIZE - 8) = 0x2222;
	*(volatile uint64_t *)b = 0x3333;
	*(volatile uint64_t *)(b + big * PAGE_SIZE - 8) = 0x4444;
	CHECK(*(volatile uint64_t *)a == 0x1111 &&
	      *(volatile uint64_t *)(b + big * PAGE_SIZE - 8) == 0x4444,
	      "large run memory does not hold data");

	for (int i = 0; i < 4; i++) {
		small[i] = page_alloc(i + 1, PAGE_SIZE);
		CHECK(small[i] && small[i] % PAGE_SIZE == 0,
		      "small run of %d pages", i + 1);
		CHECK(small[i] < b, "small runs bottom-up: 0x%lx", small[i]);
		for (int j = 0; j < i; j++)
			CHECK(small[i] + (i + 1) * PAGE_SIZE <= small[j] ||
				      small[j] + (j + 1) * PAGE_SIZE <= small[i],
			      "small runs overlap");
	}
	al = page_alloc(4, 64 * 1024);
	CHECK(al && al % (64 * 1024) == 0, "64 KiB alignment: 0x%lx", al);

	mem_stats(&s1);
	CHECK(s1.pages_in_use == s0.pages_in_use + 2 * big + 10 + 4,
	      "pages_in_use %lu after %lu", (unsigned long)s1.pages_in_use,
	      (unsigned long)s0.pages_in_use);

	CHECK(!page_alloc(s1.free_pages + 1, PAGE_SIZE),
	      "more pages than exist");
	CHECK(!page_alloc(1, 3 * PAGE_SIZE), "bad alignment accepted");

	/* Free the upper block: a new one of the same size reuses it. */
	page_free(a, big);
	c = page_alloc(big, 2 * MIB);
	CHECK(c == a, "freed run not reused: 0x%lx vs 0x%lx", c, a);
	page_free(c, big);
	page_free(b, big);
	page_free(al, 4);
	for (int i = 0; i < 4; i++)
		page_free(small[i], i + 1);

	mem_stats(&s1);
	CHECK(s1.pages_in_use == s0.pages_in_use &&
		      s1.free_pages == s0.free_pages,
	      "page counters did not return: %lu/%lu vs %lu/%lu",
	      (unsigned long)s1.pages_in_use, (unsigned long)s1.free_pages,
	      (unsigned long)s0.pages_in_use, (unsigned long)s0.free_pages);
	return 0;
}

static int test_heap(void)
{
	static const size_t sizes[] = { 1,    8,    16,    17,   100,
					1000, 1024, 1025,  4080, 4081,
					5000, 45000, 200000 };
	enum { N = sizeof(sizes) / sizeof(sizes[0]), REP = 40 };
	static unsigned char *p[N][REP];
	struct mem_stats s0, s1;

	mem_stats(&s0);
	for (int r = 0; r < REP; r++) {
		for (int i = 0; i < N; i++) {
			p[i][r] = kmalloc(sizes[i]);
			CHECK(p[i][r], "kmalloc(%zu)", sizes[i]);
			CHECK(((uint64_t)p[i][r] & 15) == 0, "alignment");
			for (size_t k = 0; k < sizes[i]; k++)
				CHECK(!p[i][r][k], "kmalloc(%zu) not zeroed",
				      sizes[i]);
			memset(p[i][r], 0xa5, sizes[i]);
		}
	}
	/* Free in an order unlike the allocation order. */
	for (int i = N - 1; i >= 0; i--)
		for (int r = 0; r < REP; r += 2)
			kfree(p[i][r]);
	for (int i = 0; i < N; i++)
		for (int r = 1; r < REP; r += 2)
			kfree(p[i][r]);
	mem_stats(&s1);
	CHECK(s1.heap_bytes == s0.heap_bytes &&
		      s1.heap_objects == s0.heap_objects &&
		      s1.pages_in_use == s0.pages_in_use,
	      "heap counters did not return: %lu bytes %lu objects",
	      (unsigned long)(s1.heap_bytes - s0.heap_bytes),
	      (unsigned long)(s1.heap_objects - s0.heap_objects));
	kfree(NULL);
	return 0;
}

/* Scheduler tests share this state with their threads. */
static char order[16];
static volatile int norder, done;
static volatile uint64_t slept_us;
static volatile int irq_on;

static int rr_thread(void *arg)
{
	for (int i = 0; i < 3; i++) {
		order[norder++] = *(const char *)arg;
		yield();
	}
	done++;
	return 0;
}

static int sleeper(void *arg)
{
	uint64_t t0 = now_usec();

	irq_on = (read_rflags() & X86_RFLAGS_IF) != 0;
	sleep_usec((uint64_t)arg);
	slept_us = now_usec() - t0;
	done++;
	return 0;
}

static int wait_done(int n)
{
	uint64_t t0 = now_usec();

	while (done < n) {
		if (now_usec() - t0 > 5000000)
			return -1;
		sleep_usec(1000);
	}
	yield();	/* let the finished threads be reaped */
	return 0;
}

static int test_sleep(uint64_t us, uint64_t max_us)
{
	done = 0;
	CHECK(thread_create(sleeper, (void *)us, 0, "st-sleep"), "create");
	CHECK(wait_done(1) == 0, "sleeper never finished");
	CHECK(irq_on, "interrupts are off in a new thread");
	CHECK(slept_us >= us && slept_us <= max_us,
	      "sleep(%lu us) took %lu us", (unsigned long)us,
	      (unsigned long)slept_us);
	return 0;
}

static int test_sched(void)
{
	static const char ids[] = "ABC";
	struct thread *t;
	struct mem_stats s0, s1;
	int n0 = thread_count();
	uint64_t t0, tk;

	mem_stats(&s0);
	done = norder = 0;
	for (int i = 0; i < 3; i++)
		CHECK(thread_create(rr_thread, (void *)&ids[i], 0, "st-rr"),
		      "thread_create");
	CHECK(wait_done(3) == 0, "round-robin threads never finished");
	order[norder] = 0;
	CHECK(kstrcmp(order, "ABCABCABC") == 0, "round robin order %s",
	      order);

	CHECK(test_sleep(20000, 30000) == 0, "20 ms sleep");
	CHECK(test_sleep(100, 2000) == 0, "100 us sleep");

	/* wake() ends a long sleep early. */
	done = 0;
	t = thread_create(sleeper, (void *)10000000, 0, "st-wake");
	CHECK(t, "create");
	sleep_usec(5000);
	wake(t);
	CHECK(wait_done(1) == 0 && slept_us < 1000000,
	      "wake() did not end a sleep (%lu us)", (unsigned long)slept_us);
	/* A stale handle is ignored. */
	wake(t);

	/* The timer interrupt runs while threads sleep. */
	tk = ticks();
	t0 = now_usec();
	sleep_usec(50000);
	CHECK(ticks() - tk >= 3, "%lu timer ticks in %lu us",
	      (unsigned long)(ticks() - tk), (unsigned long)(now_usec() - t0));

	CHECK(thread_count() == n0, "%d threads not reaped",
	      thread_count() - n0);
	mem_stats(&s1);
	CHECK(s1.pages_in_use == s0.pages_in_use &&
		      s1.heap_bytes == s0.heap_bytes,
	      "thread memory not returned (%ld pages, %ld bytes)",
	      (long)(s1.pages_in_use - s0.pages_in_use),
	      (long)(s1.heap_bytes - s0.heap_bytes));
	return 0;
}

int selftest_run(void)
{
	CHECK(cpu_khz > 0, "TSC not calibrated");
	if (test_pages() || test_heap() || test_sched())
		return -1;
	printk("kitten: selftest ok\n");
	return 0;
}
