/* port92.c - System Control Port A at 0x92 ("fast A20 and init"): bit 1
 * gates A20, a 0-to-1 transition of bit 0 resets the CPU (Intel 82371SB
 * PIIX3 datasheet, Port 92h; IBM PS/2 "System Control Port A").
 *
 * The reset is a platform reset request, like the 8042's: the core
 * stops or restarts the VM per the configuration's on_reset.  A20 is
 * remembered and read back but not enforced: guest RAM above 1 MiB
 * stays visible.
 */
#include "device.h"
#include "vm.h"

#define PORT_92 0x92
#define P92_INIT 0x01 /* fast init: 0->1 pulses INIT */
#define P92_A20 0x02

struct port92 {
	struct v3_vm *vm;
	uint8_t val; /* as written, bit 0 included for edge detection */
};

static int port92_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct port92 *p = priv;
	uint8_t val = (uint8_t)acc->val[0], old;

	(void)vcpu;
	if (!acc->write) {
		/* The INIT bit reads 0: the pulse is over by then. */
		acc->val[0] = __atomic_load_n(&p->val, __ATOMIC_SEQ_CST) &
			      ~P92_INIT;
		return 0;
	}
	/* One byte of state, swapped atomically: no lock needed. */
	old = __atomic_exchange_n(&p->val, val, __ATOMIC_SEQ_CST);
	if ((val & P92_INIT) && !(old & P92_INIT))
		v3_vm_request_reset(p->vm, "guest reset (port 0x92)");
	return 0;
}

static int port92_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			 void **priv, char *err, size_t errlen)
{
	struct port92 *p = v3_vm_zalloc(vm, sizeof(*p));

	*priv = p;
	if (!p)
		return -1;
	p->vm = vm;
	p->val = P92_A20; /* as the 8042's output port: A20 on */
	if (v3_hook_add(vm, V3_HOOK_IO, PORT_92, PORT_92, port92_io, p)) {
		v3_snprintf(err, errlen, "line %d: port92: port 0x92 is taken",
			    cfg->line);
		return -1;
	}
	return 0;
}

static void port92_reset(struct v3_vm *vm, void *priv)
{
	struct port92 *p = priv;

	(void)vm;
	__atomic_store_n(&p->val, P92_A20, __ATOMIC_SEQ_CST);
}

static void port92_destroy(struct v3_vm *vm, void *priv)
{
	v3_vm_free(vm, priv, sizeof(struct port92));
}

V3_DEVICE(port92_device, .name = "port92", .create = port92_create,
	  .destroy = port92_destroy, .reset = port92_reset);
