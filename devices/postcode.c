/* postcode.c - the PC's POST code port 0x80 and QEMU's firmware debug
 * port 0x402.
 *
 * Port 0x80 receives BIOS progress codes, and Linux writes it as an I/O
 * delay; the last value is kept and read back (as from the DMA page
 * register that sits there on real PCs).  Port 0x402 ('debugport=',
 * 0 for none) is where SeaBIOS built for QEMU prints its log: bytes go to
 * the VM's console, reads return 0xe9 so the BIOS finds it, as QEMU's
 * isa-debugcon does.  (debugcon.c serves the same protocol on 0xe9 for
 * the test guests; both can coexist, on different ports.)
 */
#include "device.h"
#include "vm.h"

#define POST_PORT 0x80
#define DEFAULT_DEBUG_PORT 0x402
#define DEBUG_PORT_MAGIC 0xe9

struct postcode {
	struct v3_vm *vm;
	uint8_t last;	/* last POST code written */
	uint64_t codes; /* how many were written */
};

static int post_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct postcode *p = priv;

	(void)vcpu;
	if (acc->write) {
		__atomic_store_n(&p->last, (uint8_t)acc->val[0],
				 __ATOMIC_RELAXED);
		__atomic_add_fetch(&p->codes, 1, __ATOMIC_RELAXED);
	} else {
		acc->val[0] = __atomic_load_n(&p->last, __ATOMIC_RELAXED);
	}
	return 0;
}

static int debug_io(struct v3_vcpu *vcpu, struct v3_access *acc, void *priv)
{
	struct postcode *p = priv;
	char c = (char)acc->val[0];

	(void)vcpu;
	if (acc->write)
		v3_vm_console_write(p->vm, &c, 1);
	else
		acc->val[0] = DEBUG_PORT_MAGIC;
	return 0;
}

static int postcode_create(struct v3_vm *vm, const struct v3_cfg_device *cfg,
			   void **priv, char *err, size_t errlen)
{
	struct postcode *p = v3_vm_zalloc(vm, sizeof(*p));
	uint64_t port;

	*priv = p;
	if (!p)
		return -1;
	p->vm = vm;
	if (v3_dev_opt_u64(cfg, "debugport", DEFAULT_DEBUG_PORT, &port, err,
			   errlen) != 0)
		return -1;
	if (v3_hook_add(vm, V3_HOOK_IO, POST_PORT, POST_PORT, post_io, p)) {
		v3_snprintf(err, errlen,
			    "line %d: postcode: port 0x80 is taken", cfg->line);
		return -1;
	}
	if (port && (port > 0xffff || v3_hook_add(vm, V3_HOOK_IO, port, port,
						  debug_io, p) != 0)) {
		v3_snprintf(err, errlen,
			    "line %d: postcode: debugport 0x%llx is invalid "
			    "or taken",
			    cfg->line, (unsigned long long)port);
		return -1;
	}
	return 0;
}

static void postcode_reset(struct v3_vm *vm, void *priv)
{
	struct postcode *p = priv;

	(void)vm;
	__atomic_store_n(&p->last, 0, __ATOMIC_RELAXED);
}

static void postcode_destroy(struct v3_vm *vm, void *priv)
{
	v3_vm_free(vm, priv, sizeof(struct postcode));
}

V3_DEVICE(postcode_device, .name = "postcode", .create = postcode_create,
	  .destroy = postcode_destroy, .reset = postcode_reset);
