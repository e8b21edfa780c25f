/* fake_vm_pci.c - what the platform devices (pci, i440fx, piix3,
 * piix4_pm, fw_cfg) need beyond tests/unit/fake_vm.c: guest RAM for
 * fw_cfg DMA (palacios/mem_map.c's v3_gpa_read/v3_gpa_write) and a
 * v3_mem_set_pam that records its calls instead of remapping.
 * Declarations are in tests/unit/test_platform.c. */
#include <string.h>

#include "mem_map.h"
#include "vm.h"

struct pam_call {
	uint64_t gpa, size;
	bool read_ram, write_ram;
};

#define MAX_PAM_CALLS 64

static uint8_t *ram;
static uint64_t ram_size;
static struct pam_call pam_calls[MAX_PAM_CALLS];
static int npam_calls;
static int pam_result;

void fake_pci_set_ram(void *mem, uint64_t size);
int fake_pam_count(void);
bool fake_pam_get(int i, uint64_t *gpa, uint64_t *size, bool *read_ram,
		  bool *write_ram);
void fake_pam_reset(int result);

void fake_pci_set_ram(void *mem, uint64_t size)
{
	ram = mem;
	ram_size = size;
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

int v3_mem_set_pam(struct v3_vm *vm, uint64_t gpa, uint64_t size, bool read_ram,
		   bool write_ram)
{
	(void)vm;
	if (npam_calls < MAX_PAM_CALLS) {
		pam_calls[npam_calls].gpa = gpa;
		pam_calls[npam_calls].size = size;
		pam_calls[npam_calls].read_ram = read_ram;
		pam_calls[npam_calls].write_ram = write_ram;
		npam_calls++;
	}
	return pam_result;
}

int fake_pam_count(void)
{
	return npam_calls;
}

/* The i-th recorded call; false past the last one. */
bool fake_pam_get(int i, uint64_t *gpa, uint64_t *size, bool *read_ram,
		  bool *write_ram)
{
	if (i < 0 || i >= npam_calls)
		return false;
	*gpa = pam_calls[i].gpa;
	*size = pam_calls[i].size;
	*read_ram = pam_calls[i].read_ram;
	*write_ram = pam_calls[i].write_ram;
	return true;
}

/* Forget recorded calls; later calls return 'result' (0 or -1). */
void fake_pam_reset(int result)
{
	npam_calls = 0;
	pam_result = result;
}
