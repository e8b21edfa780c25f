/* sched.h - kernel threads and the cooperative scheduler.
 *
 * Threads run until they yield, sleep or return; interrupt handlers
 * never switch threads.  Per-CPU state lives in struct cpu so that SMP
 * can be added without changing the interface; today there is cpu 0. */
#ifndef KITTEN_SCHED_H
#define KITTEN_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define THREAD_STACK_SIZE (64 * 1024)
#define THREAD_NAME_LEN 32
#define MAX_CPUS 8

enum thread_state {
	THREAD_RUNNABLE,
	THREAD_SLEEPING,
	THREAD_DEAD,
};

struct thread {
	uint64_t rsp;	/* saved by context_switch while not running */
	enum thread_state state;
	int cpu;
	uint64_t wake_tsc;	/* sleep deadline, in TSC cycles */
	bool wake_pending;	/* wake() came while not sleeping */
	uint64_t stack_pa;	/* 0 for a CPU's idle thread */
	int (*fn)(void *arg);
	void *arg;
	char name[THREAD_NAME_LEN];
	struct thread *next;	/* all threads, in creation order */
};

struct cpu {
	int id;
	struct thread *current;
	struct thread idle;	/* runs on the boot stack */
	struct thread *last_run;	/* where round robin resumes */
};

/* Turn the caller (kmain on the boot stack) into cpu 0's idle thread. */
void sched_init(void);
/* The same for an application processor on its boot stack. */
void sched_init_cpu(int id);
/* Never returns: run threads, halt when none is runnable. */
void sched_idle_loop(void) __attribute__((noreturn));

/* Start fn(arg) on 'cpu' (-1: any) with a THREAD_STACK_SIZE stack.
 * Returns NULL if out of memory or 'cpu' does not exist.  A thread that
 * returns is freed by the scheduler. */
struct thread *thread_create(int (*fn)(void *arg), void *arg, int cpu,
			     const char *name);
void yield(void);
/* Sleep 'usec' microseconds, or less if wake() is called. */
void sleep_usec(uint64_t usec);
/* Wake a sleeping thread; a wake of a running thread makes its next
 * sleep return at once.  Ignores handles of threads that have exited. */
void wake(struct thread *t);
struct thread *current_thread(void);
const char *current_thread_name(void);
int cpu_id(void);
int num_cpus(void);
/* Live threads (not counting idle threads). */
int thread_count(void);

/* Bounds of the running thread's stack, for backtraces; the guard page
 * is the page just below *lo. */
void current_stack_bounds(uint64_t *lo, uint64_t *hi);

#endif
