/* smp_tramp.S - where a SIPI starts an application processor: real
 * mode at SMP_TRAMPOLINE (smp.c copies these bytes there and fills in
 * the data words at the end), then 32-bit protected mode, then long
 * mode on the boot CPU's page tables (SDM vol. 3 §9.4.4, §10.8.5). */
#define SMP_TRAMPOLINE 0x8000
#define OFF(x) (SMP_TRAMPOLINE + ((x) - smp_tramp_start))
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080

	.section .rodata
	.globl smp_tramp_start, smp_tramp_end
	.globl smp_tramp_cr3, smp_tramp_efer, smp_tramp_stack
	.globl smp_tramp_entry, smp_tramp_arg
	.code16
smp_tramp_start:
	cli
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tramp_gdt_desc - smp_tramp_start
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $OFF(tramp32)

	.code32
tramp32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov OFF(smp_tramp_cr3), %eax
	mov %eax, %cr3
	/* The boot CPU's EFER (LME, NXE): the page tables may use NX. */
	mov $MSR_EFER, %ecx
	mov OFF(smp_tramp_efer), %eax
	xor %edx, %edx
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	ljmp $0x18, $OFF(tramp64)

	.code64
tramp64:
	mov OFF(smp_tramp_stack), %rsp
	mov OFF(smp_tramp_arg), %edi
	mov OFF(smp_tramp_entry), %rax
	xor %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b

	.p2align 3
tramp_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tramp_gdt_end:
tramp_gdt_desc:
	.word tramp_gdt_end - tramp_gdt - 1
	.long OFF(tramp_gdt)
	.p2align 3
smp_tramp_cr3:	.long 0
smp_tramp_efer:	.long 0
smp_tramp_stack: .quad 0
smp_tramp_entry: .quad 0
smp_tramp_arg:	.quad 0
smp_tramp_end:

	.section .note.GNU-stack, "", @progbits
