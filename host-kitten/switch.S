/* switch.S - the cooperative context switch and a new thread's first
 * instructions.
 *
 * void context_switch(uint64_t *save_rsp, uint64_t next_rsp);
 *
 * Only the callee-saved registers of the SysV AMD64 ABI need saving:
 * the caller of context_switch already assumes the others are lost.
 * RFLAGS is not switched here; the scheduler saves and restores IF
 * around the call in each thread. */
	.text
	.globl context_switch
	.type context_switch, @function
context_switch:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size context_switch, .-context_switch

/* A new thread's stack is built so that context_switch "returns" here
 * with RSP 16-byte aligned; thread_start never returns. */
	.globl thread_entry
	.type thread_entry, @function
thread_entry:
	xor %ebp, %ebp
	call thread_start
	ud2
	.size thread_entry, .-thread_entry

	.section .note.GNU-stack, "", @progbits
