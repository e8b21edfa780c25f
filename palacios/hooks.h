/* hooks.h - one uniform table for every kind of guest access the VMM
 * emulates: port I/O, MMIO, MSR, CPUID and hypercalls.  Devices register
 * ranges; exit handlers look them up.  The core has no device switch. */
#ifndef V3_HOOKS_H
#define V3_HOOKS_H

#include "v3_types.h"

struct v3_vm;
struct v3_vcpu;

enum v3_hook_kind {
	V3_HOOK_IO,	   /* addr = port, len = 1/2/4 */
	V3_HOOK_MMIO,	   /* addr = guest-physical, len = 1..8 */
	V3_HOOK_MSR,	   /* addr = MSR index, val[0] = 64-bit value */
	V3_HOOK_CPUID,	   /* addr = leaf, sub = ECX; val[0..3] = EAX..EDX
			      prefilled with the default answer */
	V3_HOOK_HYPERCALL, /* addr = number, val[0..3] = RBX,RCX,RDX,RSI
			      in; val[0] = RAX out */
	V3_HOOK_KINDS,
};

struct v3_access {
	enum v3_hook_kind kind;
	uint64_t addr;
	uint32_t len;
	uint32_t sub;
	bool write;
	uint64_t val[4];
};

/* Returns 0 when handled; a negative value makes the core give the guest
 * the architectural answer (#GP for MSRs, all-ones for ports...). */
typedef int (*v3_hook_fn)(struct v3_vcpu *vcpu, struct v3_access *acc,
			  void *priv);

/* Optional fast path for 'rep ins' on a port: store up to 'count'
 * elements of 'size' bytes in 'dst' and return how many were stored
 * (0: fall back to one hook call per element). */
typedef uint32_t (*v3_hook_bulk_in_fn)(struct v3_vcpu *vcpu, uint16_t port,
				       void *dst, uint32_t size,
				       uint32_t count, void *priv);

/* Hook [start, end] inclusive.  Overlaps with an existing hook fail. */
int v3_hook_add(struct v3_vm *vm, enum v3_hook_kind kind, uint64_t start,
		uint64_t end, v3_hook_fn fn, void *priv);
int v3_hook_del(struct v3_vm *vm, enum v3_hook_kind kind, uint64_t start);
/* Call the hook covering acc->addr; -ENOENT-like (-2) if none. */
int v3_hook_call(struct v3_vcpu *vcpu, struct v3_access *acc);
#define V3_HOOK_NONE (-2)
bool v3_hook_exists(struct v3_vm *vm, enum v3_hook_kind kind, uint64_t addr);
/* False when no hook can cover 'addr' (outside every range, no
 * default): a test cheap enough for every exit; true means "look". */
#define v3_hook_may_exist(vm, kind, addr)                                      \
	((vm)->hooks[kind].dflt ||                                             \
	 ((addr) >= (vm)->hooks[kind].lo && (addr) <= (vm)->hooks[kind].hi))
void v3_hooks_free(struct v3_vm *vm);
/* Serialize device model code across host CPUs (vm->dev_lock); nests
 * on one CPU.  Never sleep or yield in between. */
unsigned long v3_dev_enter(struct v3_vm *vm);
void v3_dev_exit(struct v3_vm *vm, unsigned long flags);
/* What answers accesses no range claims (a PC chipset: PCI master abort,
 * reads all ones).  Without one, an unclaimed MMIO access stops the VM. */
int v3_hook_set_default(struct v3_vm *vm, enum v3_hook_kind kind,
			v3_hook_fn fn, void *priv);
/* Attach a bulk reader to the IO hook covering 'port'. */
int v3_hook_set_bulk_in(struct v3_vm *vm, uint16_t port,
			v3_hook_bulk_in_fn fn);
uint32_t v3_hook_bulk_in(struct v3_vcpu *vcpu, uint16_t port, void *dst,
			 uint32_t size, uint32_t count);

#endif
