/* sched.c - cooperative round-robin scheduler with TSC-deadline sleep.
 *
 * Interrupts are off while the thread list is touched and across the
 * switch; each thread gets its own interrupt state back when it runs
 * again.  A thread that returns is marked dead and freed by the next
 * thread to run, because nobody can free the stack they are on.
 *
 * The idle loop halts (STI; HLT) until the next timer tick unless a
 * sleeper's deadline falls before that tick; then it polls the TSC, so
 * sleeps end within microseconds instead of rounding up to 10 ms. */
#include "kstring.h"
#include "mm.h"
#include "power.h"
#include "sched.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"
#include "x86.h"

#define STACK_CANARY 0x6b697474656e5354ull	/* "kittenST" */

extern char boot_stack_bottom[];
void context_switch(uint64_t *save_rsp, uint64_t next_rsp);
void thread_entry(void);
void thread_start(void);

static struct cpu cpus[MAX_CPUS];
static struct thread *threads;	/* list of all non-idle threads */
static int nthreads;
/* The thread list and every thread's state.  Held (interrupts off)
 * across a context switch: the thread switched to releases it. */
static struct spinlock sched_lock;

static struct cpu *this_cpu(void)
{
	return &cpus[smp_cpu_index()];
}

static void sched_lock_take(void)
{
	while (__atomic_exchange_n(&sched_lock.locked, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void sched_lock_drop(void)
{
	__atomic_store_n(&sched_lock.locked, 0, __ATOMIC_RELEASE);
}

/* The CPU the caller runs on; threads only ever run on CPU 0 so far,
 * but the VMM also asks from code the APs run (smp_call_on_cpu). */
int cpu_id(void)
{
	return smp_cpu_index();
}

int num_cpus(void)
{
	return smp_cpus_online();
}

struct thread *current_thread(void)
{
	return this_cpu()->current;
}

const char *current_thread_name(void)
{
	struct thread *t = this_cpu()->current;

	return t ? t->name : "boot";
}

int thread_count(void)
{
	return nthreads;
}

void current_stack_bounds(uint64_t *lo, uint64_t *hi)
{
	struct thread *t = this_cpu()->current;

	if (t && t->stack_pa) {
		*lo = t->stack_pa;
		*hi = t->stack_pa + THREAD_STACK_SIZE;
	} else {
		*lo = (uint64_t)boot_stack_bottom;
		*hi = *lo + 16384;
	}
}

void sched_init(void)
{
	sched_init_cpu(0);
}

/* The caller (a CPU's boot code) becomes CPU 'id''s idle thread. */
void sched_init_cpu(int id)
{
	struct cpu *c = &cpus[id];

	c->id = id;
	c->idle.state = THREAD_RUNNABLE;
	c->idle.cpu = id;
	kstrlcpy(c->idle.name, "idle", sizeof(c->idle.name));
	c->idle.name[4] = (char)('0' + id);
	c->idle.name[5] = 0;
	c->current = &c->idle;
}

static bool running_somewhere(const struct thread *t)
{
	for (int i = 0; i < MAX_CPUS; i++)
		if (cpus[i].current == t)
			return true;
	return false;
}

/* The first runnable thread after the one that ran last, waking
 * sleepers whose deadline has passed; NULL if there is none.  Called
 * with interrupts off. */
static struct thread *pick_next(struct cpu *c)
{
	struct thread *start = c->last_run, *t;
	uint64_t now = rdtsc();

	if (!threads)
		return NULL;
	if (!start || start->state == THREAD_DEAD)
		start = threads;
	t = start;
	do {
		t = t->next ? t->next : threads;
		if (t->cpu != c->id)
			continue;
		if (t->state == THREAD_SLEEPING && now >= t->wake_tsc)
			t->state = THREAD_RUNNABLE;
		if (t->state == THREAD_RUNNABLE)
			return t;
	} while (t != start);
	return NULL;
}

static void check_stack(struct thread *t)
{
	if (t->stack_pa && *(uint64_t *)t->stack_pa != STACK_CANARY)
		panic("thread %s overflowed its %u KiB stack", t->name,
		      THREAD_STACK_SIZE / 1024);
}

/* A stack is THREAD_STACK_SIZE bytes above one unmapped guard page:
 * running off its end faults (then double faults, on the IST stack)
 * instead of silently overwriting whatever lies below. */
static uint64_t stack_alloc(void)
{
	uint64_t guard = page_alloc(THREAD_STACK_SIZE / PAGE_SIZE + 1,
				    PAGE_SIZE);

	if (!guard)
		return 0;
	if (paging_set_present(guard, false) != 0) {
		page_free(guard, THREAD_STACK_SIZE / PAGE_SIZE + 1);
		return 0;
	}
	return guard + PAGE_SIZE;
}

static void stack_free(uint64_t stack_pa)
{
	uint64_t guard = stack_pa - PAGE_SIZE;

	/* Freed pages must be mapped again before anyone reuses them. */
	paging_set_present(guard, true);
	page_free(guard, THREAD_STACK_SIZE / PAGE_SIZE + 1);
}

/* Free dead threads; never the one we are running on. */
static void reap(struct cpu *c)
{
	struct thread **pp = &threads;

	while (*pp) {
		struct thread *t = *pp;

		if (t->state == THREAD_DEAD && !running_somewhere(t)) {
			*pp = t->next;
			if (c->last_run == t)
				c->last_run = NULL;
			nthreads--;
			stack_free(t->stack_pa);
			kfree(t);
			continue;
		}
		pp = &t->next;
	}
}

/* Switch to the next runnable thread (or idle); returns when the
 * caller is picked again.  Interrupts must be off. */
static void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev, *next;

	sched_lock_take();
	prev = c->current;
	next = pick_next(c);
	check_stack(prev);
	if (!next) {
		if (prev->state == THREAD_RUNNABLE && prev != &c->idle) {
			sched_lock_drop();
			return;	/* the only runnable thread: keep going */
		}
		next = &c->idle;
	}
	if (next != &c->idle)
		c->last_run = next;
	if (next != prev) {
		c->current = next;
		context_switch(&prev->rsp, next->rsp);
		c = this_cpu();
	}
	reap(c);
	sched_lock_drop();
}

void yield(void)
{
	unsigned long flags = irq_save();

	schedule();
	irq_restore(flags);
}

void sleep_usec(uint64_t usec)
{
	struct thread *t = current_thread();
	unsigned long flags = irq_save();

	if (t->wake_pending) {
		t->wake_pending = false;
		irq_restore(flags);
		return;
	}
	sched_lock_take();
	if (t->wake_pending) {
		t->wake_pending = false;
		sched_lock_drop();
		irq_restore(flags);
		return;
	}
	t->wake_tsc = rdtsc() + usec_to_cycles(usec);
	t->state = THREAD_SLEEPING;
	sched_lock_drop();
	schedule();
	t->state = THREAD_RUNNABLE;
	t->wake_pending = false;
	irq_restore(flags);
}

void wake(struct thread *target)
{
	unsigned long flags = irq_save();
	int cpu = -1;

	sched_lock_take();
	/* Handles of exited threads may still be around in callers:
	 * only act on threads that are on the list. */
	for (struct thread *t = threads; t; t = t->next) {
		if (t != target)
			continue;
		if (t->state == THREAD_SLEEPING) {
			t->state = THREAD_RUNNABLE;
			cpu = t->cpu;
		} else if (t->state == THREAD_RUNNABLE) {
			t->wake_pending = true;
		}
		break;
	}
	sched_lock_drop();
	/* Its CPU may be halted in the idle loop. */
	if (cpu >= 0 && cpu != smp_cpu_index())
		smp_kick(cpu);
	irq_restore(flags);
}

/* First code of every thread, reached from thread_entry (switch.S)
 * with interrupts still off from schedule(). */
void thread_start(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	/* schedule() switched here holding the lock. */
	reap(c);
	sched_lock_drop();
	sti();
	t->fn(t->arg);
	cli();
	sched_lock_take();
	t->state = THREAD_DEAD;
	sched_lock_drop();
	schedule();
	panic("dead thread %s was scheduled", t->name);
}

struct thread *thread_create(int (*fn)(void *arg), void *arg, int cpu,
			     const char *name)
{
	struct thread *t;
	uint64_t *sp;
	unsigned long flags;

	if (cpu >= num_cpus())
		return NULL;
	t = kmalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->stack_pa = stack_alloc();
	if (!t->stack_pa) {
		kfree(t);
		return NULL;
	}
	*(uint64_t *)t->stack_pa = STACK_CANARY;
	t->fn = fn;
	t->arg = arg;
	t->cpu = cpu < 0 ? 0 : cpu;
	kstrlcpy(t->name, name ? name : "thread", sizeof(t->name));

	/* What context_switch pops: r15, r14, r13, r12, rbx, rbp, then
	 * the return address.  After the 7 pops RSP is 16-byte aligned,
	 * as thread_entry's call to thread_start requires. */
	sp = (uint64_t *)(t->stack_pa + THREAD_STACK_SIZE - 16);
	*--sp = (uint64_t)thread_entry;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->rsp = (uint64_t)sp;
	t->state = THREAD_RUNNABLE;

	flags = irq_save();
	sched_lock_take();
	/* Append, so round robin runs threads in creation order. */
	{
		struct thread **pp = &threads;

		while (*pp)
			pp = &(*pp)->next;
		*pp = t;
	}
	nthreads++;
	sched_lock_drop();
	if (t->cpu != smp_cpu_index())
		smp_kick(t->cpu);
	irq_restore(flags);
	return t;
}

/* Poll rather than halt when a sleeper's deadline comes before the
 * next timer tick (a HLT would oversleep it); halt otherwise and look
 * again after the tick. */
static bool deadline_before_next_tick(struct cpu *c)
{
	uint64_t tick = usec_to_cycles(1000000 / HZ);
	uint64_t next_tick = last_tick_tsc() + tick;
	uint64_t now = rdtsc();
	bool poll = false;

	/* No tick seen lately (interrupts were off): be safe. */
	if (next_tick < now)
		next_tick = now;
	sched_lock_take();
	for (struct thread *t = threads; t; t = t->next)
		if (t->cpu == c->id && t->state == THREAD_SLEEPING &&
		    t->wake_tsc <= next_tick + tick / 16)
			poll = true;
	sched_lock_drop();
	return poll;
}

/* The earliest sleeper's deadline on 'c', 0 if none. */
static uint64_t earliest_deadline(struct cpu *c)
{
	uint64_t d = 0;

	sched_lock_take();
	for (struct thread *t = threads; t; t = t->next)
		if (t->cpu == c->id && t->state == THREAD_SLEEPING &&
		    (!d || t->wake_tsc < d))
			d = t->wake_tsc;
	sched_lock_drop();
	return d;
}

void sched_idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		cli();
		schedule();
		if (c->id != 0 || smp_have_alarm()) {
			/* The local APIC timer wakes us (APs take no tick). */
			uint64_t d = earliest_deadline(c);

			if (d)
				smp_arm_wakeup(d);
			sti_hlt();
		} else if (deadline_before_next_tick(c)) {
			sti();
			cpu_relax();
		} else {
			sti_hlt();
		}
	}
}
