/* isr.S - one 16-byte entry stub per IDT vector, so idt.c can compute a
 * handler's address as isr_stubs + 16 * vector.  Each stub makes the
 * frame uniform (a 0 error code where the CPU pushes none, then the
 * vector) and jumps to one common path into C. */
#include "trap_frame.h"

	.text
	.code32
	.p2align 4
	.globl isr_stubs
isr_stubs:
	vec = 0
	.rept IDT_VECTORS
	.p2align 4
	/* gas evaluates both sides of ||, so nest the shift's range test. */
	err = 0
	.if vec < 32
	err = (CPU_ERROR_CODE_VECTORS >> vec) & 1
	.endif
	.if !err
	push $0
	.endif
	push $vec
	jmp isr_common
	vec = vec + 1
	.endr

isr_common:
	pusha
	push %esp		/* struct trap_frame * */
	cld
	call trap_dispatch
	add $4, %esp
	popa			/* the C side may have changed saved registers */
	add $8, %esp		/* vector, error code */
	iret

	.section .note.GNU-stack, "", @progbits
