/* debugcon.c - QEMU-style debug console: bytes written to one port go to
 * the VM's console; reads return 0xe9 so guests can probe for it. */
#include "device.h"
#include "vm.h"

struct debugcon {
	uint16_t port;
};

static int debugcon_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	char c = (char)acc->val[0];

	(void)priv;
	if (acc->write)
		v3_vm_console_write(vcpu->vm, &c, 1);
	else
		acc->val[0] = 0xe9;
	return 0;
}

static int debugcon_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			   void **priv, char *err, size_t errlen)
{
	struct debugcon *d;
	uint64_t port;

	if (v3_dev_opt_u64(cfg, "port", V3_DEBUGCON_PORT, &port, err, errlen) !=
	    0)
		return -1;
	d = v3_vm_zalloc(vm, sizeof(*d));
	if (!d)
		return -1;
	d->port = (uint16_t)port;
	*priv = d;
	if (port > 0xffff ||
	    v3_hook_add(vm, V3_HOOK_IO, port, port, debugcon_io, d) != 0) {
		v3_snprintf(err, errlen,
			    "line %d: debugcon: port 0x%llx is "
			    "invalid or taken",
			    cfg->line, (unsigned long long)port);
		return -1;
	}
	return 0;
}

static void debugcon_destroy(struct v3_vm *vm, void *priv)
{
	v3_vm_free(vm, priv, sizeof(struct debugcon));
}

V3_DEVICE(debugcon_device, .name = "debugcon", .create = debugcon_create,
	  .destroy = debugcon_destroy);
