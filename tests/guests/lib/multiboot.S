/* multiboot.S - a Multiboot v1 header, so a guest's ELF also boots on
 * plain QEMU without any VMM (tests/harness/bare.py): Multiboot enters
 * the way our VMM does (32-bit, flat segments, paging off), which tells
 * a guest-library bug from a VMM bug.  guest.ld puts it below the image
 * and guests.mk leaves it out of the flat .bin the VMM loads. */
#define MULTIBOOT_MAGIC 0x1badb002
#define MULTIBOOT_FLAGS 0	/* ELF: QEMU loads the program headers */

	.section .multiboot, "a"
	.p2align 2
	.long MULTIBOOT_MAGIC
	.long MULTIBOOT_FLAGS
	.long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

	.section .note.GNU-stack, "", @progbits
