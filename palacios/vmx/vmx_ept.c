/* vmx_ept.c - Intel EPT entries (SDM vol. 3 §29.3.2): read, write and
 * execute rights in bits 2:0 (the same order as V3_NPERM_*), the memory
 * type in bits 5:3 of a leaf, bit 7 for a large leaf.  The tables are
 * built by nested.c from the memory map, exactly like NPT. */
#include "nested.h"
#include "vmx.h"

#define EPT_RWX	     7ull
#define EPT_MT_WB    (6ull << 3) /* write-back (SDM vol. 3 §29.3.7) */
#define EPT_LARGE    (1ull << 7)
#define EPT_ADDR     0x000ffffffffff000ull

static uint64_t ept_table(uint64_t hpa)
{
	return hpa | EPT_RWX;
}

static uint64_t ept_leaf(uint64_t hpa, int level, unsigned perms)
{
	uint64_t e = hpa | (perms & EPT_RWX);

	if (!(perms & EPT_RWX))
		return 0;
	e |= EPT_MT_WB;
	if (level > 0)
		e |= EPT_LARGE;
	return e;
}

static bool ept_present(uint64_t e)
{
	return e & EPT_RWX;
}

static bool ept_large(uint64_t e)
{
	return e & EPT_LARGE;
}

static unsigned ept_perms(uint64_t e)
{
	return e & EPT_RWX;
}

struct v3_nested_fmt vmx_ept_fmt = {
    .table = ept_table,
    .leaf = ept_leaf,
    .present = ept_present,
    .large = ept_large,
    .perms = ept_perms,
    .addr_mask = EPT_ADDR,
};
