/* device.h - how an emulated device plugs into the VMM.
 *
 * A device file defines one struct v3_device_type with V3_DEVICE(); the
 * linker gathers them in the v3_devices section, so adding a device never
 * edits a central list.  create() parses its options from the
 * configuration, registers hooks and returns its state in *priv. */
#ifndef V3_DEVICE_H
#define V3_DEVICE_H

#include "hooks.h"
#include "v3_config.h"
#include "vm.h"
#include "vmm.h"

struct v3_vm;

struct v3_device_type {
	const char *name;
	/* Returns 0, or -1 after writing a one-line reason to err. */
	int (*create)(struct v3_vm *vm, const struct v3_cfg_device *cfg,
		      void **priv, char *err, size_t errlen);
	void (*destroy)(struct v3_vm *vm, void *priv);
	/* Optional: back to power-on state on a guest reset. */
	void (*reset)(struct v3_vm *vm, void *priv);
};

#define V3_DEVICE(ident, ...)                                                  \
	static const struct v3_device_type ident __attribute__((               \
	    used, section("v3_devices"), aligned(8))) = {__VA_ARGS__}

const struct v3_device_type *v3_device_find(const char *name);

/* Helpers for option parsing in create(). */
int v3_dev_opt_u64(const struct v3_cfg_device *cfg, const char *key,
		   uint64_t def, uint64_t *out, char *err, size_t errlen);

/* Core side: build and tear down the configured devices. */
int v3_devices_create(struct v3_vm *vm, const struct v3_config *cfg, char *err,
		      size_t errlen);
void v3_devices_destroy(struct v3_vm *vm);
void v3_devices_reset(struct v3_vm *vm);

#endif
