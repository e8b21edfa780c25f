/* hooks.c - the uniform hook table: sorted, non-overlapping ranges per
 * kind, found by binary search on every emulated access. */
#include "hooks.h"
#include "vm.h"
#include "vmm.h"

struct v3_hook_entry {
	uint64_t start, end;
	v3_hook_fn fn;
	v3_hook_bulk_in_fn bulk_in;
	void *priv;
};

static int find_index(const struct v3_hook_table *t, uint64_t addr)
{
	int lo = 0, hi = t->n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (addr < t->e[mid].start)
			hi = mid - 1;
		else if (addr > t->e[mid].end)
			lo = mid + 1;
		else
			return mid;
	}
	return -1;
}

static void set_bounds(struct v3_hook_table *t)
{
	t->lo = t->n ? t->e[0].start : 1;
	t->hi = t->n ? t->e[t->n - 1].end : 0;
}

static int grow(struct v3_vm *vm, struct v3_hook_table *t)
{
	int cap = t->cap ? t->cap * 2 : 8;
	struct v3_hook_entry *e = v3_vm_zalloc(vm, cap * sizeof(*e));

	if (!e)
		return -1;
	if (t->n)
		v3_memcpy(e, t->e, t->n * sizeof(*e));
	v3_vm_free(vm, t->e, t->cap * sizeof(*e));
	t->e = e;
	t->cap = cap;
	return 0;
}

int v3_hook_add(struct v3_vm *vm, enum v3_hook_kind kind, uint64_t start,
		uint64_t end, v3_hook_fn fn, void *priv)
{
	struct v3_hook_table *t = &vm->hooks[kind];
	int i, pos;

	if (kind >= V3_HOOK_KINDS || end < start || !fn)
		return -1;
	for (pos = 0; pos < t->n && t->e[pos].start < start; pos++)
		;
	/* Overlap with the neighbours means two devices claim one address. */
	if ((pos < t->n && t->e[pos].start <= end) ||
	    (pos > 0 && t->e[pos - 1].end >= start))
		return -1;
	if (t->n == t->cap && grow(vm, t) != 0)
		return -1;
	for (i = t->n; i > pos; i--)
		t->e[i] = t->e[i - 1];
	t->e[pos].start = start;
	t->e[pos].end = end;
	t->e[pos].fn = fn;
	t->e[pos].bulk_in = NULL;
	t->e[pos].priv = priv;
	t->n++;
	set_bounds(t);
	return 0;
}

int v3_hook_del(struct v3_vm *vm, enum v3_hook_kind kind, uint64_t start)
{
	struct v3_hook_table *t = &vm->hooks[kind];
	int i = find_index(t, start);

	if (i < 0 || t->e[i].start != start)
		return -1;
	for (; i < t->n - 1; i++)
		t->e[i] = t->e[i + 1];
	t->n--;
	set_bounds(t);
	return 0;
}

bool v3_hook_exists(struct v3_vm *vm, enum v3_hook_kind kind, uint64_t addr)
{
	return find_index(&vm->hooks[kind], addr) >= 0 || vm->hooks[kind].dflt;
}

int v3_hook_set_default(struct v3_vm *vm, enum v3_hook_kind kind,
			v3_hook_fn fn, void *priv)
{
	if (kind >= V3_HOOK_KINDS)
		return -1;
	vm->hooks[kind].dflt = fn;
	vm->hooks[kind].dflt_priv = priv;
	return 0;
}

unsigned long v3_dev_enter(struct v3_vm *vm)
{
	int cpu;
	unsigned long flags;

	if (!vm->dev_lock)
		return 0;
	cpu = v3_host->cpu_id();
	if (__atomic_load_n(&vm->dev_lock_owner, __ATOMIC_ACQUIRE) == cpu) {
		vm->dev_lock_depth++;
		return 0;
	}
	flags = v3_host->lock_irqsave(vm->dev_lock);
	vm->dev_lock_owner = cpu;
	vm->dev_lock_depth = 1;
	return flags;
}

void v3_dev_exit(struct v3_vm *vm, unsigned long flags)
{
	if (!vm->dev_lock || --vm->dev_lock_depth > 0)
		return;
	__atomic_store_n(&vm->dev_lock_owner, -1, __ATOMIC_RELEASE);
	v3_host->unlock_irqrestore(vm->dev_lock, flags);
}

/* The call itself, apart: a lookup that finds nothing then returns
 * without setting up a frame (it runs on most CPUID exits). */
static __attribute__((__noinline__)) int call_hook(struct v3_vcpu *vcpu,
					       struct v3_hook_table *t, int i,
					       struct v3_access *acc)
{
	struct v3_vm *vm = vcpu->vm;
	unsigned long flags = v3_dev_enter(vm);
	int r;

	if (i < 0)
		r = t->dflt(vcpu, acc, t->dflt_priv);
	else
		r = t->e[i].fn(vcpu, acc, t->e[i].priv);
	v3_dev_exit(vm, flags);
	return r;
}

int v3_hook_call(struct v3_vcpu *vcpu, struct v3_access *acc)
{
	struct v3_hook_table *t = &vcpu->vm->hooks[acc->kind];
	int i = find_index(t, acc->addr);

	if (i < 0 && !t->dflt)
		return V3_HOOK_NONE;
	return call_hook(vcpu, t, i, acc);
}

void v3_hooks_free(struct v3_vm *vm)
{
	int k;

	for (k = 0; k < V3_HOOK_KINDS; k++) {
		struct v3_hook_table *t = &vm->hooks[k];

		v3_vm_free(vm, t->e, t->cap * sizeof(*t->e));
		t->e = NULL;
		t->n = t->cap = 0;
	}
}

int v3_hook_set_bulk_in(struct v3_vm *vm, uint16_t port,
			v3_hook_bulk_in_fn fn)
{
	struct v3_hook_table *t = &vm->hooks[V3_HOOK_IO];
	int i = find_index(t, port);

	if (i < 0)
		return -1;
	t->e[i].bulk_in = fn;
	return 0;
}

uint32_t v3_hook_bulk_in(struct v3_vcpu *vcpu, uint16_t port, void *dst,
			 uint32_t size, uint32_t count)
{
	struct v3_hook_table *t = &vcpu->vm->hooks[V3_HOOK_IO];
	int i = find_index(t, port);

	unsigned long flags;
	uint32_t n;

	if (i < 0 || !t->e[i].bulk_in)
		return 0;
	flags = v3_dev_enter(vcpu->vm);
	n = t->e[i].bulk_in(vcpu, port, dst, size, count, t->e[i].priv);
	v3_dev_exit(vcpu->vm, flags);
	return n;
}
