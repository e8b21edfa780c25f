/* isr.S - one 16-byte stub per IDT vector, and the common path that
 * builds a struct trap_frame (trap.h) and calls trap_dispatch().
 *
 * The CPU pushes an error code only for vectors 8, 10-14, 17, 21, 29
 * and 30 (SDM vol. 3 §6.15, AMD APM vol. 2 §8.2); the other stubs push
 * a zero so that every frame has the same layout.  In 64-bit mode the
 * CPU aligns RSP to 16 bytes before pushing its frame (SDM vol. 3
 * §6.14.2): SS, RSP, RFLAGS, CS, RIP, error, vector and 15 registers
 * are 22 quadwords, so RSP is still 16-byte aligned at the call. */
	.text
	.align 16
	.globl isr_stubs
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec >= 10 && vec <= 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	push $0
	.endif
	push $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap_dispatch
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp		/* vector and error code */
	iretq

	.section .note.GNU-stack, "", @progbits
