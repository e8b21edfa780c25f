/* device.c - the device registry is the v3_devices linker section. */
#include "device.h"
#include "vm.h"
#include "vmm.h"

extern const struct v3_device_type __start_v3_devices[];
extern const struct v3_device_type __stop_v3_devices[];

const struct v3_device_type *v3_device_find(const char *name)
{
	const struct v3_device_type *d;

	/* Linker-section bounds: one array as far as the linker is concerned. */
	// cppcheck-suppress comparePointers
	for (d = __start_v3_devices; d < __stop_v3_devices; d++)
		if (v3_strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

int v3_dev_opt_u64(const struct v3_cfg_device *cfg, const char *key,
		   uint64_t def, uint64_t *out, char *err, size_t errlen)
{
	const char *s = v3_cfg_opt(cfg, key);

	*out = def;
	if (!s)
		return 0;
	if (v3_cfg_parse_u64(s, out) != 0) {
		v3_snprintf(err, errlen, "line %d: device %s: bad %s '%s'",
			    cfg->line, cfg->type, key, s);
		return -1;
	}
	return 0;
}

/* Instantiate every configured device; on failure the caller destroys
 * the ones created so far through vm->devs. */
int v3_devices_create(struct v3_vm *vm, const struct v3_config *cfg, char *err,
		      size_t errlen)
{
	int i;

	for (i = 0; i < cfg->ndevices; i++) {
		const struct v3_cfg_device *c = &cfg->devices[i];
		const struct v3_device_type *t = v3_device_find(c->type);
		void *priv = NULL;

		if (!t) {
			v3_snprintf(err, errlen,
				    "line %d: unknown device type '%s'",
				    c->line, c->type);
			return -1;
		}
		if (t->create(vm, c, &priv, err, errlen) != 0) {
			if (priv && t->destroy)
				t->destroy(vm, priv);
			return -1;
		}
		vm->devs[vm->ndevs].type = t;
		vm->devs[vm->ndevs].priv = priv;
		vm->ndevs++;
	}
	return 0;
}

void v3_devices_destroy(struct v3_vm *vm)
{
	while (vm->ndevs > 0) {
		struct v3_dev_inst *d = &vm->devs[--vm->ndevs];

		if (d->type->destroy)
			d->type->destroy(vm, d->priv);
	}
}

void v3_devices_reset(struct v3_vm *vm)
{
	int i;

	for (i = 0; i < vm->ndevs; i++)
		if (vm->devs[i].type->reset)
			vm->devs[i].type->reset(vm, vm->devs[i].priv);
}
