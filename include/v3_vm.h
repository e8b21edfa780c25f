/* v3_vm.h - the API a host calls to run virtual machines.
 *
 * Life of a VM:  v3_init() once per host boot, then for each VM
 * v3_vm_create() -> v3_vm_launch() -> (v3_vm_pause/resume) ->
 * v3_vm_stop() or the guest stops it -> v3_vm_destroy().
 * Every function returns 0 or a negative error; failures are explained on
 * the VMM console with the VM's name.
 */
#ifndef V3_VM_H
#define V3_VM_H

#include "v3_abi.h"
#include "v3_host.h"
#include "v3_types.h"

struct v3_vm;

/* Register the host and enable virtualization on every host CPU.
 * Fails with a one-line message (and -1) if the CPU cannot run guests. */
int v3_init(const struct v3_host_ops *ops);
void v3_deinit(void);
/* Name of the hardware backend in use ("svm" / "vmx"), NULL before init. */
const char *v3_backend_name(void);

/* A named blob the configuration refers to (guest kernel, BIOS, ISO). */
struct v3_image {
	const char *name;
	const void *data;
	size_t size;
};

/* Build a VM from configuration text.  The images must stay valid until
 * v3_vm_destroy (disks are read from them while the guest runs).
 * The format is documented in v3_config.h.
 * On failure returns NULL, nothing is left allocated and 'err' holds a
 * one-line reason ("line 3: unknown key 'foo'"). */
struct v3_vm *v3_vm_create(const char *cfg_text, size_t cfg_len,
			   const struct v3_image *images, int nimages,
			   char *err, size_t errlen);
int v3_vm_launch(struct v3_vm *vm);
int v3_vm_pause(struct v3_vm *vm);
int v3_vm_resume(struct v3_vm *vm);
/* Ask every vcpu to stop; returns once they have. */
int v3_vm_stop(struct v3_vm *vm);
void v3_vm_destroy(struct v3_vm *vm);

enum v3_vm_state {
	V3_VM_CREATED,
	V3_VM_RUNNING,
	V3_VM_PAUSED,
	V3_VM_STOPPED,	/* all vcpus have left the guest */
};
enum v3_vm_state v3_vm_state(const struct v3_vm *vm);
const char *v3_vm_name(const struct v3_vm *vm);
/* Why the VM stopped ("guest test-exit", "triple fault", ...) and the
 * status the guest reported through the test-exit device (-1 if none). */
const char *v3_vm_stop_reason(const struct v3_vm *vm);
int v3_vm_exit_status(const struct v3_vm *vm);

/* Where the guest's console bytes (debug port, UART) go.  Default: the
 * host print op. */
void v3_vm_set_console(struct v3_vm *vm,
		       void (*write)(void *priv, const char *s, size_t n),
		       void *priv);

/* Keyboard input for the guest's console (the UART, when configured);
 * bytes are dropped when no device takes console input. */
void v3_vm_console_input(struct v3_vm *vm, const char *s, size_t n);

/* Exit telemetry: count and total host cycles per arch-neutral reason. */
struct v3_exit_stat {
	uint64_t count;
	uint64_t cycles;
};
int v3_vm_num_vcpus(const struct v3_vm *vm);
int v3_vm_exit_stats(const struct v3_vm *vm, int vcpu,
		     struct v3_exit_stat out[V3_EXIT_MAX]);
const char *v3_exit_reason_name(int reason);

/* Memory the VM uses: guest RAM and the VMM's own (tables, control
 * blocks, device state). */
void v3_vm_mem_usage(const struct v3_vm *vm, uint64_t *guest_bytes,
		     uint64_t *vmm_bytes);

#endif
