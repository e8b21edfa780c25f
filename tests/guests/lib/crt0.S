/* crt0.S - the guest's first instructions.  The VMM enters at 1 MiB in
 * 32-bit protected mode with flat segments in the segment caches but no
 * GDT or IDT in guest memory: any segment load or exception before we
 * install our own tables would triple fault. */
#include "segments.h"

	.section .text.entry, "ax"
	.code32
	.globl _start
_start:
	cli
	/* DS's cache is flat, so the absolute address works already. */
	lgdt gdt_desc
	ljmp $GUEST_CODE_SEL, $1f
1:	mov $GUEST_DATA_SEL, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	mov $stack_top, %esp
	xor %ebp, %ebp
	cld

	/* .bss is not part of the flat image: whatever the RAM held. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	call guest_init
	call main
	push %eax
	call guest_exit		/* does not return */

	.data
	.p2align 3
	/* Accessed bits preset so the CPU never writes the GDT. */
gdt:
	.quad 0				/* null */
	.quad 0x00cf9b000000ffff	/* GUEST_CODE_SEL: 32-bit, 4 GiB */
	.quad 0x00cf93000000ffff	/* GUEST_DATA_SEL: 4 GiB r/w */
gdt_end:
	.p2align 2
	.word 0				/* keeps the base 4-byte aligned */
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.p2align 4
stack:
	.skip 64 * 1024
stack_top:

	.section .note.GNU-stack, "", @progbits
