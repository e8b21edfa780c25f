/* intr.h - what the guest is interrupted with: exceptions the VMM raises,
 * vectors from interrupt controllers, and the choice made before each
 * entry (inject now, or ask for an interrupt-window exit). */
#ifndef V3_INTR_H
#define V3_INTR_H

#include "v3_types.h"

struct v3_vcpu;
struct v3_vm;

#define V3_EXC_DE 0
#define V3_EXC_UD 6
#define V3_EXC_DF 8
#define V3_EXC_GP 13
#define V3_EXC_PF 14

/* An interrupt controller model (PIC, APIC) tells the core what it has
 * pending for a vcpu and learns when the vector was delivered. */
struct v3_intr_ctrl {
	int (*pending)(struct v3_vcpu *vcpu, void *priv); /* vector/-1 */
	void (*ack)(struct v3_vcpu *vcpu, void *priv, int vector);
};

int v3_intr_add_ctrl(struct v3_vm *vm, const struct v3_intr_ctrl *ops,
		     void *priv);
void v3_inject_exception(struct v3_vcpu *vcpu, uint8_t vector, bool has_error,
			 uint32_t error);
/* Raise a vector directly (edge), for simple sources without a
 * controller model; wakes the vcpu if it halted. */
void v3_raise_vector(struct v3_vcpu *vcpu, uint8_t vector);
bool v3_intr_pending(struct v3_vcpu *vcpu);
/* No vector raised directly (v3_raise_vector) waits: one look at the
 * four words.  Needs vm.h. */
#define v3_irr_empty(vcpu)                                                     \
	((__atomic_load_n(&(vcpu)->irr[0], __ATOMIC_ACQUIRE) |                 \
	  __atomic_load_n(&(vcpu)->irr[1], __ATOMIC_ACQUIRE) |                 \
	  __atomic_load_n(&(vcpu)->irr[2], __ATOMIC_ACQUIRE) |                 \
	  __atomic_load_n(&(vcpu)->irr[3], __ATOMIC_ACQUIRE)) == 0)
/* Signals a local APIC sends to a vcpu (any thread may call these); the
 * vcpu acts on INIT/SIPI itself before its next entry (vcpu.c). */
void v3_vcpu_send_init(struct v3_vcpu *vcpu);
void v3_vcpu_send_sipi(struct v3_vcpu *vcpu, uint8_t vector);
void v3_vcpu_send_nmi(struct v3_vcpu *vcpu);
void v3_vcpu_kick(struct v3_vcpu *vcpu);
/* Decide vcpu->event and vcpu->want_intr_window for the next entry. */
void v3_intr_prepare_entry(struct v3_vcpu *vcpu);
void v3_intr_free(struct v3_vm *vm);

#endif
