/* testexit.c - a guest writes its status here to stop its VM; the host
 * reports the status (0 = pass), like QEMU's isa-debug-exit. */
#include "device.h"
#include "vm.h"

static int testexit_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	(void)priv;
	if (!acc->write) {
		acc->val[0] = 0;
		return 0;
	}
	v3_vm_request_stop(vcpu->vm, (int)(uint32_t)acc->val[0],
			   "guest test-exit");
	return 0;
}

static int testexit_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			   void **priv, char *err, size_t errlen)
{
	uint64_t port;

	*priv = NULL;
	if (v3_dev_opt_u64(cfg, "port", V3_TESTEXIT_PORT, &port, err, errlen) !=
	    0)
		return -1;
	if (port > 0xfffc || v3_hook_add(vm, V3_HOOK_IO, port, port + 3,
					 testexit_io, NULL) != 0) {
		v3_snprintf(err, errlen,
			    "line %d: testexit: port 0x%llx is "
			    "invalid or taken",
			    cfg->line, (unsigned long long)port);
		return -1;
	}
	return 0;
}

V3_DEVICE(testexit_device, .name = "testexit", .create = testexit_create);
