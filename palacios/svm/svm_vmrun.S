/* svm_vmrun.S - one world switch (AMD APM vol. 2 §15.5).
 *
 * void svm_vmrun(uint64_t vmcb_pa, struct v3_gprs *gprs,
 *                uint64_t host_save_pa);
 *
 * VMRUN/#VMEXIT switch only RAX, RSP, RIP and what the VMCB holds, so the
 * other guest GPRs are loaded and saved here.  VMLOAD/VMSAVE switch the
 * state VMRUN leaves alone (FS/GS/TR/LDTR, KernelGsBase, STAR family,
 * SYSENTER).  GIF stays clear from before the guest's VMLOAD until the
 * host's VMLOAD is back, so no host interrupt runs on guest FS/GS; IF is
 * set across VMRUN so that a host interrupt makes the guest exit.
 */
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

	.text
	.globl svm_vmrun
	.type svm_vmrun, @function
svm_vmrun:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	pushfq
	push %rdx		/* 16(%rsp): host save area */
	push %rsi		/*  8(%rsp): guest GPRs */
	push %rdi		/*  0(%rsp): guest VMCB */

	cli
	clgi
	mov %rdx, %rax
	vmsave
	sti

	mov 8(%rsp), %rax
	mov G_RBX(%rax), %rbx
	mov G_RCX(%rax), %rcx
	mov G_RDX(%rax), %rdx
	mov G_RSI(%rax), %rsi
	mov G_RDI(%rax), %rdi
	mov G_RBP(%rax), %rbp
	mov G_R8(%rax), %r8
	mov G_R9(%rax), %r9
	mov G_R10(%rax), %r10
	mov G_R11(%rax), %r11
	mov G_R12(%rax), %r12
	mov G_R13(%rax), %r13
	mov G_R14(%rax), %r14
	mov G_R15(%rax), %r15

	mov 0(%rsp), %rax
	vmload
	vmrun
	vmsave

	mov 8(%rsp), %rax
	mov %rbx, G_RBX(%rax)
	mov %rcx, G_RCX(%rax)
	mov %rdx, G_RDX(%rax)
	mov %rsi, G_RSI(%rax)
	mov %rdi, G_RDI(%rax)
	mov %rbp, G_RBP(%rax)
	mov %r8, G_R8(%rax)
	mov %r9, G_R9(%rax)
	mov %r10, G_R10(%rax)
	mov %r11, G_R11(%rax)
	mov %r12, G_R12(%rax)
	mov %r13, G_R13(%rax)
	mov %r14, G_R14(%rax)
	mov %r15, G_R15(%rax)

	cli
	mov 16(%rsp), %rax
	vmload
	stgi

	add $24, %rsp
	popfq			/* the caller's IF: a pending host IRQ runs now */
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret
	int3			/* no straight-line speculation past ret */
	.size svm_vmrun, .-svm_vmrun

	.section .note.GNU-stack,"",@progbits
