/* vmx_entry.S - one VM entry and its exit (Intel SDM vol. 3 ch. 26-27).
 *
 * int vmx_enter(struct v3_gprs *gprs, int launched);
 *
 * VM entry and exit switch RSP, RIP and RFLAGS through the VMCS but no
 * other general-purpose register, so they are loaded and saved here.
 * The exit lands on vmx_exit_point (VMCS host RIP) with the stack as
 * it was at the entry (host RSP is written just before it), holding the
 * gprs pointer on top.  Returns 0 after an exit, 1 when VMLAUNCH/VMRESUME
 * failed with VMfailInvalid (CF), 2 with VMfailValid (ZF).
 */
#define G_RAX 0
#define G_RBX 8
#define G_RCX 16
#define G_RDX 24
#define G_RSI 32
#define G_RDI 40
#define G_RBP 48
#define G_R8 64
#define G_R9 72
#define G_R10 80
#define G_R11 88
#define G_R12 96
#define G_R13 104
#define G_R14 112
#define G_R15 120

#define VMCS_HOST_RSP 0x6c14

	.text
	.globl vmx_enter
	.type vmx_enter, @function
vmx_enter:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi		/* 0(%rsp): guest GPRs, for the exit */

	mov $VMCS_HOST_RSP, %rax
	vmwrite %rsp, %rax

	/* MOVs leave the flags alone: test the launch state first. */
	test %esi, %esi
	mov G_RAX(%rdi), %rax
	mov G_RBX(%rdi), %rbx
	mov G_RCX(%rdi), %rcx
	mov G_RDX(%rdi), %rdx
	mov G_RSI(%rdi), %rsi
	mov G_RBP(%rdi), %rbp
	mov G_R8(%rdi), %r8
	mov G_R9(%rdi), %r9
	mov G_R10(%rdi), %r10
	mov G_R11(%rdi), %r11
	mov G_R12(%rdi), %r12
	mov G_R13(%rdi), %r13
	mov G_R14(%rdi), %r14
	mov G_R15(%rdi), %r15
	mov G_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
	/* Still here: the instruction failed; CF or ZF tell how. */
2:	pop %rdi
	mov $2, %eax
	jnc 3f
	mov $1, %eax
3:	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size vmx_enter, .-vmx_enter

	.globl vmx_exit_point
	.type vmx_exit_point, @function
vmx_exit_point:
	push %rdi		/* the guest's; 8(%rsp) is the gprs pointer */
	mov 8(%rsp), %rdi
	mov %rax, G_RAX(%rdi)
	mov %rbx, G_RBX(%rdi)
	mov %rcx, G_RCX(%rdi)
	mov %rdx, G_RDX(%rdi)
	mov %rsi, G_RSI(%rdi)
	mov %rbp, G_RBP(%rdi)
	mov %r8, G_R8(%rdi)
	mov %r9, G_R9(%rdi)
	mov %r10, G_R10(%rdi)
	mov %r11, G_R11(%rdi)
	mov %r12, G_R12(%rdi)
	mov %r13, G_R13(%rdi)
	mov %r14, G_R14(%rdi)
	mov %r15, G_R15(%rdi)
	pop %rax
	mov %rax, G_RDI(%rdi)
	pop %rdi
	xor %eax, %eax
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	.size vmx_exit_point, .-vmx_exit_point

	.section .note.GNU-stack,"",@progbits
