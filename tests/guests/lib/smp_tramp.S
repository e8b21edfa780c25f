/* smp_tramp.S - where a SIPI starts an AP: real mode at
 * SMP_TRAMPOLINE (smp.c copies these bytes there), then 32-bit flat
 * protected mode in the guest image. */
#include "segments.h"

#define SMP_TRAMPOLINE 0x8000
#define AP_STACK_SIZE 8192
#define SMP_MAX_APS 7

	.section .rodata
	.code16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tramp_gdt_desc - ap_trampoline
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $GUEST_CODE_SEL, $ap_entry32
	.p2align 3
tramp_gdt:
	.quad 0
	.quad 0x00cf9b000000ffff	/* GUEST_CODE_SEL */
	.quad 0x00cf93000000ffff	/* GUEST_DATA_SEL */
tramp_gdt_end:
tramp_gdt_desc:
	.word tramp_gdt_end - tramp_gdt - 1
	.long SMP_TRAMPOLINE + (tramp_gdt - ap_trampoline)
ap_trampoline_end:

	.text
	.code32
ap_entry32:
	mov $GUEST_DATA_SEL, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	/* One stack per AP, taken in arrival order. */
	mov $1, %eax
	lock xadd %eax, smp_ap_next
	cmp $SMP_MAX_APS, %eax
	jae 2f
	inc %eax
	imul $AP_STACK_SIZE, %eax
	lea ap_stacks(%eax), %esp
	xor %ebp, %ebp
	cld
	call ap_main
2:	cli
	hlt
	jmp 2b

	.bss
	.p2align 4
ap_stacks:
	.skip AP_STACK_SIZE * SMP_MAX_APS

	.section .note.GNU-stack, "", @progbits
