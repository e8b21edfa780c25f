/* fw_cfg.h - adding files to the VM's QEMU firmware configuration device
 * (devices/fw_cfg.c), for devices that hand the firmware data: option
 * ROMs ("genroms/..."), SMBIOS tables, extra boot entries.
 *
 * The file appears in the fw_cfg file directory (key 0x19) under 'name'
 * (at most 55 characters) with a copy of 'len' bytes of 'data'.  Call it
 * from a device's create(): the fw_cfg device must come earlier in the
 * configuration.  Returns 0, or -1 if there is no fw_cfg device, the name
 * is empty, too long or taken, or the table is full. */
#ifndef V3_DEVICES_FW_CFG_H
#define V3_DEVICES_FW_CFG_H

#include "v3_types.h"

struct v3_vm;

#define V3_FW_CFG_NAME_MAX 55

int v3_fw_cfg_add_file(struct v3_vm *vm, const char *name, const void *data,
		       uint32_t len);

#endif
