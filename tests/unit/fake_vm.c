/* fake_vm.c - see fake_vm.h.  Replaces palacios/vmm.c (host pointer,
 * printing, allocation) and the parts of palacios/vm.c the devices call,
 * neither of which can be linked in userspace. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_vm.h"

/* ---- host operations on libc ------------------------------------------- */

static uint64_t fake_now;

static void host_print(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
}

static void *host_malloc(size_t size)
{
	return calloc(1, size);
}

static void host_free(void *p)
{
	free(p);
}

static uint64_t host_cycles(void)
{
	return fake_now;
}

static uint64_t host_cpu_khz(void)
{
	return FAKE_CPU_KHZ;
}

/* Single-threaded tests: a lock is a distinct allocation (so leaks show)
 * that nobody contends for. */
static void *host_lock_alloc(void)
{
	return malloc(1);
}

static void host_lock_free(void *lock)
{
	free(lock);
}

static unsigned long host_lock_irqsave(void *lock)
{
	(void)lock;
	return 0;
}

static void host_unlock_irqrestore(void *lock, unsigned long flags)
{
	(void)lock;
	(void)flags;
}

static void host_wake(void *thread)
{
	(void)thread;
}

static const struct v3_host_ops fake_host = {
    .print = host_print,
    .malloc = host_malloc,
    .free = host_free,
    .wake = host_wake,
    .cycles = host_cycles,
    .cpu_khz = host_cpu_khz,
    .lock_alloc = host_lock_alloc,
    .lock_free = host_lock_free,
    .lock_irqsave = host_lock_irqsave,
    .unlock_irqrestore = host_unlock_irqrestore,
};

/* ---- palacios/vmm.c ----------------------------------------------------- */

const struct v3_host_ops *v3_host = &fake_host;
/* No backend: a fake vcpu's state is always whole (state_absent 0). */
const struct v3_arch_ops *v3_arch;

void v3_print(const char *fmt, ...)
{
	va_list ap;

	fputs("v3: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void *v3_zalloc(size_t size)
{
	return calloc(1, size);
}

void v3_free(void *p)
{
	free(p);
}

/* ---- palacios/vm.c ------------------------------------------------------ */

static char console[1 << 16];
static size_t console_len;

void *v3_vm_zalloc(struct v3_vm *vm, size_t size)
{
	void *p = calloc(1, size);

	if (p)
		vm->vmm_bytes += size;
	return p;
}

void v3_vm_free(struct v3_vm *vm, void *p, size_t size)
{
	if (!p)
		return;
	vm->vmm_bytes -= size;
	free(p);
}

void v3_vm_console_write(struct v3_vm *vm, const char *s, size_t n)
{
	(void)vm;
	if (n > sizeof(console) - 1 - console_len)
		n = sizeof(console) - 1 - console_len;
	memcpy(console + console_len, s, n);
	console_len += n;
	console[console_len] = 0;
}

void v3_vm_set_console_input(struct v3_vm *vm,
			     void (*in)(struct v3_vm *vm, void *priv,
					const char *s, size_t n),
			     void *priv)
{
	vm->console_in_priv = priv;
	vm->console_in = in;
}

void v3_vm_console_input(struct v3_vm *vm, const char *s, size_t n)
{
	if (vm->console_in)
		vm->console_in(vm, vm->console_in_priv, s, n);
}

/* As palacios/vm.c: stop, or flag the reset vcpu 0 performs. */
void v3_vm_request_reset(struct v3_vm *vm, const char *why)
{
	if (vm->on_reset == V3_RESET_STOP) {
		v3_vm_request_stop(vm, 0, why);
		return;
	}
	vm->reset_requested = true;
}

void v3_vm_request_stop(struct v3_vm *vm, int status, const char *reason)
{
	if (vm->stop_requested)
		return;
	vm->exit_status = status;
	v3_strlcpy(vm->stop_reason, reason, sizeof(vm->stop_reason));
	vm->stop_requested = true;
}

void v3_vm_fail(struct v3_vcpu *vcpu, const char *fmt, ...)
{
	char reason[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	printf("# vm_fail: %s\n", reason);
	v3_vm_request_stop(vcpu->vm, -1, reason);
}

/* ---- platform lines seen from outside ------------------------------------ */

static unsigned edges[V3_IRQ_LINES];
static bool levels[V3_IRQ_LINES];

static void count_line(struct v3_vm *vm, void *priv, int line, bool level)
{
	(void)vm;
	(void)priv;
	if (level && !levels[line])
		edges[line]++;
	levels[line] = level;
}

static const struct v3_irq_sink counting_sink = {.set = count_line};

unsigned fake_irq_edges(int line)
{
	return edges[line];
}

bool fake_irq_level(struct v3_vm *vm, int line)
{
	return vm->irq_levels & (1u << line);
}

void fake_irq_reset(void)
{
	memset(edges, 0, sizeof(edges));
}

/* ---- VM lifecycle ------------------------------------------------------- */

static void free_vm(struct v3_vm *vm)
{
	int i;

	v3_devices_destroy(vm);
	v3_hooks_free(vm);
	v3_intr_free(vm);
	for (i = 0; i < vm->nvcpus; i++)
		free(vm->vcpus[i]);
	free(vm->vcpus);
	host_lock_free(vm->lock);
}

static int add_vcpus(struct v3_vm *vm, int n)
{
	int i;

	vm->vcpus = calloc((size_t)n, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -1;
	for (i = 0; i < n; i++) {
		vm->vcpus[i] = calloc(1, sizeof(**vm->vcpus));
		if (!vm->vcpus[i])
			return -1;
		vm->vcpus[i]->vm = vm;
		vm->vcpus[i]->id = i;
		vm->nvcpus = i + 1;
	}
	return 0;
}

struct v3_vm *fake_vm_create(const char *devices, uint64_t ram, int nvcpus,
			     char *err, size_t errlen)
{
	struct v3_config *cfg = calloc(1, sizeof(*cfg));
	struct v3_vm *vm = calloc(1, sizeof(*vm));
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text), "name = unit\nmemory = %llu\n%s",
		     (unsigned long long)ram, devices);
	if (!cfg || !vm || n >= (int)sizeof(text)) {
		snprintf(err, errlen, "out of memory or config too long");
		goto fail;
	}
	if (v3_config_parse(text, (size_t)n, cfg, err, errlen) != 0)
		goto fail;
	v3_strlcpy(vm->name, cfg->name, sizeof(vm->name));
	vm->exit_status = -1;
	vm->on_reset = cfg->on_reset;
	vm->mem.ram_size = ram;
	vm->lock = host_lock_alloc();
	console_len = 0;
	console[0] = 0;
	memset(levels, 0, sizeof(levels));
	fake_irq_reset();
	if (v3_irq_add_sink(vm, &counting_sink, NULL) != 0 ||
	    add_vcpus(vm, nvcpus) != 0 ||
	    v3_devices_create(vm, cfg, err, errlen) != 0) {
		free_vm(vm);
		goto fail;
	}
	free(cfg);
	return vm;
fail:
	free(cfg);
	free(vm);
	return NULL;
}

uint64_t fake_vm_destroy(struct v3_vm *vm)
{
	uint64_t left;

	free_vm(vm);
	left = vm->vmm_bytes;
	free(vm);
	return left;
}

/* ---- time --------------------------------------------------------------- */

uint64_t fake_cycles(void)
{
	return fake_now;
}

void fake_set_cycles(uint64_t c)
{
	fake_now = c;
}

void fake_advance_cycles(uint64_t c)
{
	fake_now += c;
}

void fake_advance_us(uint64_t us)
{
	fake_now += us * FAKE_CPU_KHZ / 1000;
}

void fake_run_for(struct v3_vm *vm, uint64_t cycles, uint64_t step)
{
	do {
		uint64_t d = step && step < cycles ? step : cycles;

		fake_now += d;
		cycles -= d;
		v3_timers_run(vm);
	} while (cycles);
}

/* ---- port I/O ----------------------------------------------------------- */

static bool last_hooked;

static uint64_t len_mask(unsigned len)
{
	return len >= 4 ? 0xffffffffull : (1ull << (len * 8)) - 1;
}

uint32_t fake_in(struct v3_vm *vm, uint16_t port, unsigned len)
{
	struct v3_access acc = {
	    .kind = V3_HOOK_IO, .addr = port, .len = len, .write = false};

	last_hooked = v3_hook_call(vm->vcpus[0], &acc) == 0;
	if (!last_hooked) /* an empty ISA bus floats high */
		return (uint32_t)len_mask(len);
	return (uint32_t)(acc.val[0] & len_mask(len));
}

void fake_out(struct v3_vm *vm, uint16_t port, unsigned len, uint32_t val)
{
	struct v3_access acc = {.kind = V3_HOOK_IO,
				.addr = port,
				.len = len,
				.write = true,
				.val = {val & len_mask(len)}};

	last_hooked = v3_hook_call(vm->vcpus[0], &acc) == 0;
}

uint8_t fake_inb(struct v3_vm *vm, uint16_t port)
{
	return (uint8_t)fake_in(vm, port, 1);
}

void fake_outb(struct v3_vm *vm, uint16_t port, uint8_t val)
{
	fake_out(vm, port, 1, val);
}

bool fake_last_io_hooked(void)
{
	return last_hooked;
}

/* ---- interrupts ---------------------------------------------------------- */

int fake_take_interrupt(struct v3_vm *vm)
{
	struct v3_vcpu *v = vm->vcpus[0];

	v->state.rflags |= V3_RFLAGS_IF;
	v->state.intr_shadow = false;
	v->event.valid = false;
	v3_intr_prepare_entry(v);
	if (!v->event.valid)
		return -1;
	v->event.valid = false;
	return v->event.vector;
}

const char *fake_console(void)
{
	return console;
}

void fake_console_clear(void)
{
	console_len = 0;
	console[0] = 0;
}
