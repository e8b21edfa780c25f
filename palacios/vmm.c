/* vmm.c - global entry points: host registration, backend selection. */
#include "arch.h"
#include "tsc_sync.h"
#include "vmm.h"
#include "v3_vm.h"

const struct v3_host_ops *v3_host;
const struct v3_arch_ops *v3_arch;

/* Backends in the order they are probed. */
extern struct v3_arch_ops v3_svm_ops;
extern struct v3_arch_ops v3_vmx_ops;
static const struct v3_arch_ops *const backends[] = {
    &v3_svm_ops,
    &v3_vmx_ops,
};

void v3_print(const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	int n;

	v3_memcpy(buf, "v3: ", 4);
	va_start(ap, fmt);
	n = v3_vsnprintf(buf + 4, sizeof(buf) - 5, fmt, ap);
	va_end(ap);
	n += 4;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	v3_host->print(buf, n);
}

void *v3_zalloc(size_t size)
{
	void *p = v3_host->malloc(size);

	if (p)
		v3_memset(p, 0, size);
	return p;
}

void v3_free(void *p)
{
	if (p)
		v3_host->free(p);
}

/* The host struct is checked once here so no later call has to. */
static int check_host_ops(const struct v3_host_ops *o)
{
	return o && o->print && o->alloc_pages && o->free_pages &&
	       o->phys_to_virt && o->virt_to_phys && o->malloc && o->free &&
	       o->thread_create && o->yield && o->sleep && o->wake &&
	       o->current_thread && o->cpu_id && o->num_cpus &&
	       o->call_on_cpu && o->cycles && o->cpu_khz && o->lock_alloc &&
	       o->lock_free && o->lock_irqsave && o->unlock_irqrestore;
}

struct enable_ctx {
	const struct v3_arch_ops *arch;
	int failed;
};

static void enable_on_cpu(void *arg)
{
	struct enable_ctx *ctx = arg;

	if (ctx->arch->cpu_enable() != 0)
		ctx->failed = 1;
}

static void disable_on_cpu(void *arg)
{
	const struct v3_arch_ops *arch = arg;

	arch->cpu_disable();
}

int v3_init(const struct v3_host_ops *ops)
{
	char why[160] = "";
	char all[400] = "";
	size_t used = 0;
	unsigned i;
	int cpu;

	if (!check_host_ops(ops)) {
		if (ops && ops->print)
			ops->print("v3: host ops incomplete\n", 24);
		return -1;
	}
	v3_host = ops;
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		why[0] = 0;
		if (backends[i]->detect(why, sizeof(why)) == 0) {
			v3_arch = backends[i];
			break;
		}
		used += v3_snprintf(all + used, sizeof(all) - used, "%s%s",
				    used ? "; " : "", why);
		if (used >= sizeof(all))
			used = sizeof(all) - 1;
	}
	if (!v3_arch) {
		v3_print("cannot run guests: %s", all);
		return -1;
	}
	for (cpu = 0; cpu < ops->num_cpus(); cpu++) {
		struct enable_ctx ctx = {v3_arch, 0};

		ops->call_on_cpu(cpu, enable_on_cpu, &ctx);
		if (ctx.failed) {
			v3_print("cannot enable %s on cpu %d", v3_arch->name,
				 cpu);
			while (--cpu >= 0)
				ops->call_on_cpu(cpu, disable_on_cpu,
						 (void *)v3_arch);
			v3_arch = NULL;
			return -1;
		}
	}
	v3_print("%s enabled on %d cpu(s)%s", v3_arch->name, ops->num_cpus(),
		 v3_arch->nested_paging ? ", nested paging available" : "");
	v3_tsc_check_sync();
	return 0;
}

void v3_deinit(void)
{
	int cpu;

	if (!v3_arch)
		return;
	for (cpu = 0; cpu < v3_host->num_cpus(); cpu++)
		v3_host->call_on_cpu(cpu, disable_on_cpu, (void *)v3_arch);
	v3_arch = NULL;
}

const char *v3_backend_name(void)
{
	return v3_arch ? v3_arch->name : NULL;
}
