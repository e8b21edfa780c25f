/* vm.c - VM lifecycle: create from a configuration, launch, pause, stop,
 * destroy.  Creation either completes or leaves nothing behind. */
#include "apic_bus.h"
#include "arch.h"
#include "device.h"
#include "intr.h"
#include "shadow.h"
#include "vm.h"
#include "vmm.h"

void *v3_vm_zalloc(struct v3_vm *vm, size_t size)
{
	void *p = v3_zalloc(size);

	if (p)
		vm->vmm_bytes += size;
	return p;
}

void v3_vm_free(struct v3_vm *vm, void *p, size_t size)
{
	if (!p)
		return;
	vm->vmm_bytes -= size;
	v3_free(p);
}

uint64_t v3_vm_alloc_pages(struct v3_vm *vm, size_t npages, size_t align)
{
	uint64_t hpa = v3_host->alloc_pages(npages, align, -1);

	if (hpa) {
		v3_memset(v3_host->phys_to_virt(hpa), 0, npages * V3_PAGE_SIZE);
		vm->vmm_bytes += npages * V3_PAGE_SIZE;
	}
	return hpa;
}

void v3_vm_free_pages(struct v3_vm *vm, uint64_t hpa, size_t npages)
{
	if (!hpa)
		return;
	vm->vmm_bytes -= npages * V3_PAGE_SIZE;
	v3_host->free_pages(hpa, npages);
}

/* The guest-physical map changed: every vcpu drops what it cached of
 * it before its next entry, and one running a guest elsewhere is made
 * to exit now rather than keep using stale translations. */
void v3_vm_flush_tlb(struct v3_vm *vm)
{
	int i;

	for (i = 0; i < vm->nvcpus; i++) {
		struct v3_vcpu *vcpu = vm->vcpus[i];

		if (!vcpu)
			continue;
		vcpu->tlb_flush = vcpu->shadow_stale = true;
		v3_vcpu_kick(vcpu);
	}
}

static void default_console(void *priv, const char *s, size_t n)
{
	(void)priv;
	v3_host->print(s, n);
}

void v3_vm_console_write(struct v3_vm *vm, const char *s, size_t n)
{
	vm->console(vm->console_priv, s, n);
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

void v3_vm_set_console(struct v3_vm *vm,
		       void (*write)(void *priv, const char *s, size_t n),
		       void *priv)
{
	vm->console = write ? write : default_console;
	vm->console_priv = priv;
}

void v3_vm_request_stop(struct v3_vm *vm, int status, const char *reason)
{
	unsigned long flags = v3_host->lock_irqsave(vm->lock);

	/* The first reason is the real one; later ones are consequences. */
	if (!vm->stop_requested) {
		vm->exit_status = status;
		v3_strlcpy(vm->stop_reason, reason, sizeof(vm->stop_reason));
		vm->stop_requested = true;
	}
	v3_host->unlock_irqrestore(vm->lock, flags);
	for (int i = 0; i < vm->nvcpus; i++) {
		if (!vm->vcpus[i])
			continue;
		v3_host->wake(vm->vcpus[i]->thread);
		v3_vcpu_kick(vm->vcpus[i]); /* one in the guest elsewhere */
	}
}

void v3_vm_request_reset(struct v3_vm *vm, const char *why)
{
	if (vm->on_reset == V3_RESET_STOP) {
		v3_vm_request_stop(vm, 0, why);
		return;
	}
	v3_print("%s: %s: resetting", vm->name, why);
	vm->reset_requested = true;
	/* vcpu0 carries the reset out; it may be halted (an SMP guest's
	 * other CPUs park with CLI; HLT before one of them resets) or in
	 * the guest on another CPU. */
	if (vm->vcpus[0])
		v3_vcpu_kick(vm->vcpus[0]);
}

/* Power-on state again: vcpus at the reset vector, the legacy area back
 * to ROM, devices reset.  Guest RAM keeps its contents, as on a PC. */
void v3_vm_do_reset(struct v3_vm *vm)
{
	int i;

	vm->reset_requested = false;
	for (i = 0; i < vm->nvcpus; i++) {
		struct v3_vcpu *vcpu = vm->vcpus[i];

		/* The APs act on their INIT in their own threads. */
		if (i > 0) {
			v3_vcpu_send_init(vcpu);
			continue;
		}
		if (vm->boot == V3_BOOT_BIOS)
			v3_vcpu_set_reset_state(vcpu);
		else
			v3_vcpu_set_direct_state(vcpu, vm->entry);
		vcpu->event.valid = false;
		vcpu->nmi_pending = false;
		v3_memset(vcpu->irr, 0, sizeof(vcpu->irr));
	}
	if (vm->mem.legacy_active)
		v3_mem_set_pam(vm, V3_LEGACY_BASE, V3_LEGACY_SIZE, false,
			       false);
	v3_devices_reset(vm);
	v3_vm_flush_tlb(vm);
}

static const struct v3_image *find_image(const struct v3_image *imgs, int n,
					 const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (imgs[i].name && v3_strcmp(imgs[i].name, name) == 0)
			return &imgs[i];
	return NULL;
}

const struct v3_image *v3_vm_image(struct v3_vm *vm, const char *name)
{
	return find_image(vm->images, vm->nimages, name);
}

static int load_images(struct v3_vm *vm, const struct v3_config *cfg,
		       const struct v3_image *imgs, int nimgs, char *err,
		       size_t errlen)
{
	int i;

	for (i = 0; i < cfg->nloads; i++) {
		const struct v3_cfg_load *l = &cfg->loads[i];
		const struct v3_image *img = find_image(imgs, nimgs, l->image);

		if (!img) {
			v3_snprintf(err, errlen,
				    "line %d: image '%s' was not "
				    "given to the VM",
				    l->line, l->image);
			return -1;
		}
		if (l->gpa + img->size > vm->mem.ram_size ||
		    v3_gpa_write(vm, l->gpa, img->data, img->size) != 0) {
			v3_snprintf(
			    err, errlen,
			    "line %d: image '%s' (%zu "
			    "bytes) does not fit in guest RAM at 0x%llx",
			    l->line, l->image, img->size,
			    (unsigned long long)l->gpa);
			return -1;
		}
	}
	return 0;
}

static int map_ram(struct v3_vm *vm)
{
	int i;

	for (i = 0; i < vm->mem.nblocks; i++) {
		struct v3_mem_block *b = &vm->mem.blocks[i];

		if (v3_nested_map(vm, b->gpa, b->hpa, b->size, V3_NPERM_RWX))
			return -1;
	}
	return 0;
}

/* The reset vector at 0xFFFFFFF0 must land in the image: it sits right
 * below 4 GiB, and its last 128 KiB also appear in the legacy area. */
static int map_bios(struct v3_vm *vm, const struct v3_config *cfg, char *err,
		    size_t errlen)
{
	const struct v3_image *img = v3_vm_image(vm, cfg->bios);

	if (!img) {
		v3_snprintf(err, errlen, "bios image '%s' was not given to "
			    "the VM", cfg->bios);
		return -1;
	}
	if (img->size < 0x10000 || img->size > 0x1000000 ||
	    img->size % 0x10000) {
		v3_snprintf(err, errlen, "bios image '%s' is %zu bytes: not a "
			    "64 KiB multiple between 64 KiB and 16 MiB",
			    cfg->bios, img->size);
		return -1;
	}
	if (v3_mem_add_rom(vm, 0x100000000ull - img->size, img->data,
			   img->size) != 0 ||
	    v3_mem_init_legacy(vm, img->data, img->size) != 0) {
		v3_snprintf(err, errlen, "cannot map bios image '%s' (guest "
			    "RAM must cover 1 MiB)", cfg->bios);
		return -1;
	}
	return 0;
}

static int create_vcpus(struct v3_vm *vm, int n)
{
	int i;

	vm->vcpus = v3_vm_zalloc(vm, n * sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -1;
	vm->nvcpus = n;
	for (i = 0; i < n; i++) {
		struct v3_vcpu *vcpu = v3_vm_zalloc(vm, sizeof(*vcpu));

		if (!vcpu)
			return -1;
		vm->vcpus[i] = vcpu;
		vcpu->vm = vm;
		vcpu->id = i;
		if (vm->boot == V3_BOOT_BIOS || i > 0)
			v3_vcpu_set_reset_state(vcpu);
		else
			v3_vcpu_set_direct_state(vcpu, vm->entry);
		/* Application processors power on waiting for a SIPI
		 * (SDM vol. 3 §9.4.1). */
		vcpu->wait_for_sipi = i > 0;
		if ((vm->paging == V3_PAGING_SHADOW &&
		     v3_shadow_init(vcpu) != 0) ||
		    v3_arch->vcpu_init(vcpu) != 0) {
			v3_shadow_deinit(vcpu);
			v3_vm_free(vm, vcpu, sizeof(*vcpu));
			vm->vcpus[i] = NULL;
			return -1;
		}
	}
	return 0;
}

/* Where each vcpu thread goes: the configured host_cpus, else vcpu i
 * on CPU i mod the CPU count. */
static int place_vcpus(struct v3_vm *vm, const struct v3_config *cfg,
		       char *err, size_t errlen)
{
	int i, ncpu = v3_host->num_cpus();

	for (i = 0; i < vm->nvcpus; i++) {
		int cpu = cfg->nhost_cpus ? cfg->host_cpus[i] : i % ncpu;

		if (cpu >= ncpu) {
			v3_snprintf(err, errlen, "line %d: host_cpus: vcpu%d on "
				    "host cpu %d, but the host has %d CPU(s)",
				    cfg->host_cpus_line, i, cpu, ncpu);
			return -1;
		}
		vm->vcpus[i]->place_cpu = cpu;
	}
	return 0;
}

static int build_vm(struct v3_vm *vm, const struct v3_config *cfg,
		    const struct v3_image *imgs, int nimgs, char *err,
		    size_t errlen)
{
	if (vm->paging == V3_PAGING_NESTED && !v3_arch->nested_paging) {
		v3_print("%s: the CPU has no nested paging (NPT/EPT): using "
			 "shadow paging instead", vm->name);
		vm->paging = V3_PAGING_SHADOW;
	}
	if (vm->paging == V3_PAGING_SHADOW && !v3_arch->shadow_paging) {
		v3_snprintf(err, errlen, "paging = shadow: the %s backend does "
			    "not support shadow paging yet%s", v3_arch->name,
			    v3_arch->nested_paging ? "" : ", and the CPU has no "
			    "nested paging");
		return -1;
	}
	if (v3_mem_init(vm, cfg->mem_size, cfg->block_size) != 0) {
		v3_snprintf(err, errlen,
			    "cannot allocate %llu MiB of guest RAM",
			    (unsigned long long)(cfg->mem_size >> 20));
		return -1;
	}
	if (load_images(vm, cfg, imgs, nimgs, err, errlen) != 0)
		return -1;
	if (v3_nested_init(vm) != 0 || map_ram(vm) != 0) {
		v3_snprintf(err, errlen, "cannot build nested page tables");
		return -1;
	}
	if (cfg->boot == V3_BOOT_BIOS && map_bios(vm, cfg, err, errlen) != 0)
		return -1;
	/* vcpus first: devices may look at them (CPU count, interrupt
	 * targets) while they are created. */
	if (create_vcpus(vm, cfg->vcpus) != 0) {
		v3_snprintf(err, errlen, "cannot create %u vcpu(s) on %s",
			    cfg->vcpus, v3_arch->name);
		return -1;
	}
	if (place_vcpus(vm, cfg, err, errlen) != 0)
		return -1;
	if (v3_devices_create(vm, cfg, err, errlen) != 0)
		return -1;
	/* Application processors are started with INIT/SIPI IPIs. */
	if (cfg->vcpus > 1 && !v3_apic_bus_has_lapics(vm)) {
		v3_snprintf(err, errlen, "vcpus = %u: more than one vcpu needs "
			    "'device = lapic'", cfg->vcpus);
		return -1;
	}
	return 0;
}

struct v3_vm *v3_vm_create(const char *cfg_text, size_t cfg_len,
			   const struct v3_image *images, int nimages,
			   char *err, size_t errlen)
{
	struct v3_config *cfg;
	struct v3_vm *vm;

	if (!v3_arch) {
		v3_snprintf(err, errlen, "VMM not initialised");
		return NULL;
	}
	cfg = v3_zalloc(sizeof(*cfg));
	vm = v3_zalloc(sizeof(*vm));
	if (!cfg || !vm) {
		v3_snprintf(err, errlen, "out of host memory");
		goto fail;
	}
	if (v3_config_parse(cfg_text, cfg_len, cfg, err, errlen) != 0)
		goto fail;
	vm->vmm_bytes = sizeof(*vm);
	v3_strlcpy(vm->name, cfg->name, sizeof(vm->name));
	vm->paging = cfg->paging;
	vm->boot = cfg->boot;
	vm->entry = cfg->entry;
	vm->on_reset = cfg->on_reset;
	vm->exit_status = -1;
	vm->images = images;
	vm->nimages = nimages;
	vm->console = default_console;
	/* The guest's TSC starts near zero (offset added to the host's). */
	vm->tsc_offset = -v3_cycles();
	vm->lock = v3_host->lock_alloc();
	vm->dev_lock = v3_host->lock_alloc();
	vm->dev_lock_owner = -1;
	if (!vm->lock || !vm->dev_lock ||
	    build_vm(vm, cfg, images, nimages, err, errlen) != 0) {
		if (!vm->lock || !vm->dev_lock)
			v3_snprintf(err, errlen, "out of host memory");
		v3_vm_destroy(vm);
		v3_free(cfg);
		return NULL;
	}
	v3_free(cfg);
	vm->state = V3_VM_CREATED;
	v3_print("%s: created: %llu MiB RAM in %d block(s), %d vcpu(s), %s "
		 "with %s paging, %d device(s)",
		 vm->name, (unsigned long long)(vm->mem.ram_size >> 20),
		 vm->mem.nblocks, vm->nvcpus, v3_arch->name,
		 vm->paging == V3_PAGING_SHADOW ? "shadow" : "nested",
		 vm->ndevs);
	return vm;
fail:
	v3_free(cfg);
	v3_free(vm);
	return NULL;
}

int v3_vm_launch(struct v3_vm *vm)
{
	int i;

	if (vm->state != V3_VM_CREATED)
		return -1;
	vm->running_vcpus = vm->nvcpus;
	vm->state = V3_VM_RUNNING;
	for (i = 0; i < vm->nvcpus; i++) {
		if (v3_vcpu_launch(vm->vcpus[i]) != 0) {
			v3_print("%s: cannot start vcpu %d", vm->name, i);
			/* vcpus that never started will not decrement. */
			__atomic_sub_fetch(&vm->running_vcpus, vm->nvcpus - i,
					   __ATOMIC_SEQ_CST);
			v3_vm_request_stop(vm, -1, "cannot start vcpu thread");
			if (__atomic_load_n(&vm->running_vcpus,
					    __ATOMIC_SEQ_CST) == 0)
				vm->state = V3_VM_STOPPED;
			return -1;
		}
	}
	return 0;
}

/* The last vcpu to leave sets STOPPED from its own thread, at any time:
 * state changes here are compare-and-swap so that nothing overwrites
 * STOPPED (v3_vm_stop waits for it). */
static bool change_state(struct v3_vm *vm, enum v3_vm_state from,
			 enum v3_vm_state to)
{
	enum v3_vm_state expect = from;

	return __atomic_compare_exchange_n(&vm->state, &expect, to, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

int v3_vm_pause(struct v3_vm *vm)
{
	if (!change_state(vm, V3_VM_RUNNING, V3_VM_PAUSED))
		return -1;
	vm->pause_requested = true;
	return 0;
}

int v3_vm_resume(struct v3_vm *vm)
{
	int i;

	if (!change_state(vm, V3_VM_PAUSED, V3_VM_RUNNING))
		return -1;
	vm->pause_requested = false;
	for (i = 0; i < vm->nvcpus; i++)
		v3_host->wake(vm->vcpus[i]->thread);
	return 0;
}

int v3_vm_stop(struct v3_vm *vm)
{
	if (vm->state == V3_VM_CREATED) {
		v3_vm_request_stop(vm, -1, "stopped by host");
		vm->state = V3_VM_STOPPED;
		return 0;
	}
	v3_vm_request_stop(vm, -1, "stopped by host");
	vm->pause_requested = false;
	while (vm->state != V3_VM_STOPPED)
		v3_host->sleep(1000);
	return 0;
}

void v3_vm_destroy(struct v3_vm *vm)
{
	int i;

	if (!vm)
		return;
	if (vm->state == V3_VM_RUNNING || vm->state == V3_VM_PAUSED)
		v3_vm_stop(vm);
	v3_devices_destroy(vm);
	for (i = 0; vm->vcpus && i < vm->nvcpus; i++) {
		if (!vm->vcpus[i])
			continue;
		v3_arch->vcpu_deinit(vm->vcpus[i]);
		v3_shadow_deinit(vm->vcpus[i]);
		v3_vm_free(vm, vm->vcpus[i], sizeof(*vm->vcpus[i]));
	}
	v3_vm_free(vm, vm->vcpus, vm->nvcpus * sizeof(*vm->vcpus));
	v3_intr_free(vm);
	v3_nested_free(vm);
	v3_mem_deinit(vm);
	v3_hooks_free(vm);
	if (vm->lock)
		v3_host->lock_free(vm->lock);
	if (vm->dev_lock)
		v3_host->lock_free(vm->dev_lock);
	v3_free(vm);
}

enum v3_vm_state v3_vm_state(const struct v3_vm *vm)
{
	return vm->state;
}

const char *v3_vm_name(const struct v3_vm *vm)
{
	return vm->name;
}

const char *v3_vm_stop_reason(const struct v3_vm *vm)
{
	return vm->stop_reason[0] ? vm->stop_reason : "none";
}

int v3_vm_exit_status(const struct v3_vm *vm)
{
	return vm->exit_status;
}

int v3_vm_num_vcpus(const struct v3_vm *vm)
{
	return vm->nvcpus;
}

int v3_vm_exit_stats(const struct v3_vm *vm, int vcpu,
		     struct v3_exit_stat out[V3_EXIT_MAX])
{
	if (vcpu < 0 || vcpu >= vm->nvcpus)
		return -1;
	v3_memcpy(out, vm->vcpus[vcpu]->stats, sizeof(vm->vcpus[vcpu]->stats));
	return 0;
}

void v3_vm_mem_usage(const struct v3_vm *vm, uint64_t *guest_bytes,
		     uint64_t *vmm_bytes)
{
	uint64_t backend = 0;
	int i;

	for (i = 0; i < vm->nvcpus; i++)
		backend += v3_arch->vcpu_mem(vm->vcpus[i]);
	*guest_bytes = vm->mem.ram_size;
	*vmm_bytes =
	    vm->vmm_bytes + backend + vm->nested.table_pages * V3_PAGE_SIZE;
}
