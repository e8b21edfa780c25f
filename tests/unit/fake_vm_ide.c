/* fake_vm_ide.c - what the IDE model needs beyond tests/unit/fake_vm.c:
 * the images given to the VM (palacios/vm.c's v3_vm_image) and guest RAM
 * for bus master DMA (palacios/mem_map.c's v3_gpa_read/v3_gpa_write),
 * both set by the test.  Declarations are in tests/unit/test_ide.c. */
#include <string.h>

#include "mem_map.h"
#include "vm.h"

static const struct v3_image *images;
static int nimages;
static uint8_t *ram;
static uint64_t ram_size;

void fake_ide_set_images(const struct v3_image *imgs, int n);
void fake_ide_set_ram(void *mem, uint64_t size);

void fake_ide_set_images(const struct v3_image *imgs, int n)
{
	images = imgs;
	nimages = n;
}

void fake_ide_set_ram(void *mem, uint64_t size)
{
	ram = mem;
	ram_size = size;
}

const struct v3_image *v3_vm_image(struct v3_vm *vm, const char *name)
{
	int i;

	(void)vm;
	for (i = 0; i < nimages; i++)
		if (!strcmp(images[i].name, name))
			return &images[i];
	return NULL;
}

/* RAM is [0, ram_size); anything else is "not RAM", as MMIO would be. */
static uint8_t *ram_at(uint64_t gpa, uint64_t len)
{
	if (!ram || gpa > ram_size || len > ram_size - gpa)
		return NULL;
	return ram + gpa;
}

int v3_gpa_read(struct v3_vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	uint8_t *p = ram_at(gpa, len);

	(void)vm;
	if (!p)
		return -1;
	memcpy(buf, p, len);
	return 0;
}

int v3_gpa_write(struct v3_vm *vm, uint64_t gpa, const void *buf, uint64_t len)
{
	uint8_t *p = ram_at(gpa, len);

	(void)vm;
	if (!p)
		return -1;
	memcpy(p, buf, len);
	return 0;
}
