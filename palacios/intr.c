/* intr.c - event injection policy, shared by both backends.  The backend
 * only encodes vcpu->event into EVENTINJ / VM-entry interruption info and
 * reports an event cut short by an exit back into vcpu->event. */
#include "intr.h"
#include "vm.h"
#include "vmm.h"

#define MAX_CTRLS 4

struct ctrl_slot {
	const struct v3_intr_ctrl *ops;
	void *priv;
};

/* Controllers are few and per VM; kept beside the VM in a small table. */
struct v3_intr_ctrls {
	int n;
	struct ctrl_slot s[MAX_CTRLS];
};

static struct v3_intr_ctrls *ctrls_of(struct v3_vm *vm)
{
	return vm->intr_ctrls;
}

int v3_intr_add_ctrl(struct v3_vm *vm, const struct v3_intr_ctrl *ops,
		     void *priv)
{
	struct v3_intr_ctrls *c = ctrls_of(vm);

	if (!c) {
		c = v3_vm_zalloc(vm, sizeof(*c));
		if (!c)
			return -1;
		vm->intr_ctrls = c;
	}
	if (c->n == MAX_CTRLS)
		return -1;
	c->s[c->n].ops = ops;
	c->s[c->n].priv = priv;
	c->n++;
	return 0;
}

static bool has_error_code(uint8_t vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 ||
	       vector == 21 || vector == 29 || vector == 30;
}

void v3_inject_exception(struct v3_vcpu *vcpu, uint8_t vector, bool has_error,
			 uint32_t error)
{
	struct v3_event *ev = &vcpu->event;

	/* A second exception while one is pending becomes #DF; a fault
	 * while #DF is pending is a triple fault (SDM vol. 3 §6.15). */
	if (ev->valid && ev->type == V3_EVENT_EXCEPTION) {
		if (ev->vector == V3_EXC_DF) {
			v3_vm_fail(vcpu,
				   "triple fault (exception %u while "
				   "delivering #DF)",
				   vector);
			return;
		}
		vector = V3_EXC_DF;
		has_error = true;
		error = 0;
	}
	ev->valid = true;
	ev->type = V3_EVENT_EXCEPTION;
	ev->vector = vector;
	ev->has_error = has_error && has_error_code(vector);
	ev->error = error;
}

/* A halted vcpu sleeps in its thread: wake it.  One running a guest on
 * another host CPU must exit to see the news: interrupt that CPU. */
void v3_vcpu_kick(struct v3_vcpu *vcpu)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vcpu->thread)
		return;
	if (vcpu->halted)
		v3_host->wake(vcpu->thread);
	else if (v3_host->kick_cpu && vcpu->host_cpu != v3_host->cpu_id())
		v3_host->kick_cpu(vcpu->host_cpu);
}

void v3_vcpu_send_init(struct v3_vcpu *vcpu)
{
	vcpu->init_pending = true;
	v3_vcpu_kick(vcpu);
}

void v3_vcpu_send_sipi(struct v3_vcpu *vcpu, uint8_t vector)
{
	/* A SIPI reaches only a processor waiting for one (SDM vol. 3
	 * §9.4.4); the flag is checked by the vcpu itself. */
	vcpu->sipi_vector = vector;
	__atomic_store_n(&vcpu->sipi_pending, true, __ATOMIC_SEQ_CST);
	v3_vcpu_kick(vcpu);
}

void v3_vcpu_send_nmi(struct v3_vcpu *vcpu)
{
	vcpu->nmi_pending = true;
	v3_vcpu_kick(vcpu);
}

void v3_raise_vector(struct v3_vcpu *vcpu, uint8_t vector)
{
	__atomic_or_fetch(&vcpu->irr[vector / 64], 1ull << (vector % 64),
			  __ATOMIC_SEQ_CST);
	v3_vcpu_kick(vcpu);
}

static int irr_highest(struct v3_vcpu *vcpu)
{
	int w;

	for (w = 3; w >= 0; w--) {
		uint64_t bits =
		    __atomic_load_n(&vcpu->irr[w], __ATOMIC_SEQ_CST);

		if (bits)
			return w * 64 + 63 - __builtin_clzll(bits);
	}
	return -1;
}

/* Highest pending vector and who owns it (-1: the IRR). */
static int next_vector(struct v3_vcpu *vcpu, int *owner)
{
	struct v3_intr_ctrls *c = ctrls_of(vcpu->vm);
	int i, v;

	*owner = -1;
	if (c) {
		for (i = 0; i < c->n; i++) {
			v = c->s[i].ops->pending(vcpu, c->s[i].priv);
			if (v >= 0) {
				*owner = i;
				return v;
			}
		}
	}
	return irr_highest(vcpu);
}

bool v3_intr_pending(struct v3_vcpu *vcpu)
{
	int owner;

	return vcpu->event.valid || vcpu->nmi_pending ||
	       next_vector(vcpu, &owner) >= 0;
}

void v3_intr_prepare_entry(struct v3_vcpu *vcpu)
{
	int owner, v;

	vcpu->want_intr_window = false;
	if (vcpu->event.valid)
		return;
	/* NMIs ignore RFLAGS.IF.  Without an IRET intercept the VMM does
	 * not track NMI blocking: a second NMI may nest into the handler
	 * (our sources, LINT1 and IPIs, are rare). */
	if (__atomic_exchange_n(&vcpu->nmi_pending, false, __ATOMIC_SEQ_CST)) {
		vcpu->event.valid = true;
		vcpu->event.type = V3_EVENT_NMI;
		vcpu->event.vector = 2;
		vcpu->event.has_error = false;
		return;
	}
	v = next_vector(vcpu, &owner);
	if (v < 0)
		return;
	if (!(vcpu->state.rflags & V3_RFLAGS_IF) ||
	    v3_vcpu_state(vcpu, V3_STATE_INTR)->intr_shadow) {
		vcpu->want_intr_window = true;
		return;
	}
	if (owner >= 0) {
		struct ctrl_slot *s = &ctrls_of(vcpu->vm)->s[owner];

		s->ops->ack(vcpu, s->priv, v);
	} else {
		__atomic_and_fetch(&vcpu->irr[v / 64], ~(1ull << (v % 64)),
				   __ATOMIC_SEQ_CST);
	}
	vcpu->event.valid = true;
	vcpu->event.type = V3_EVENT_INTR;
	vcpu->event.vector = v;
	vcpu->event.has_error = false;
}

void v3_intr_free(struct v3_vm *vm)
{
	v3_vm_free(vm, vm->intr_ctrls, sizeof(struct v3_intr_ctrls));
	vm->intr_ctrls = NULL;
}
