/* multiboot.S - a Multiboot v1 header, so a guest's ELF also boots on
 * plain QEMU without any VMM (tests/harness/bare.py): Multiboot enters
 * the way our VMM does (32-bit, flat segments, paging off), which tells
 * a guest-library bug from a VMM bug, and QEMU+KVM runs the same image
 * as the reference of `make bench`.  guest.ld puts it in .text right
 * after crt0's entry code (never executed, within the file's first
 * 8 KiB): a segment of its own below 1 MiB would make QEMU's loader copy
 * everything from there up, over the BIOS at 0xE0000-0xFFFFF. */
#define MULTIBOOT_MAGIC 0x1badb002
#define MULTIBOOT_FLAGS 0	/* ELF: QEMU loads the program headers */

	.section .text.multiboot, "a"
	.p2align 2
	.long MULTIBOOT_MAGIC
	.long MULTIBOOT_FLAGS
	.long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

	.section .note.GNU-stack, "", @progbits
