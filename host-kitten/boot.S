/* boot.S - Multiboot (v1) entry: from 32-bit protected mode to 64-bit
 * long mode with 0-4 GiB identity mapped, then kmain(magic, mbi).
 *
 * The loader (Multiboot spec 0.6.96 §3.2) leaves us in flat 32-bit
 * protected mode, paging off, interrupts off, EAX = 0x2BADB002 and
 * EBX = physical address of the multiboot information; ESP, the GDT and
 * the IDT are ours to set up.  The image is linked at 1 MiB, where the
 * loader put it, so every address here is also a physical address. */

#define MB_HEADER_MAGIC 0x1badb002
/* Flags (spec §3.1.2): bit 0 page-align modules, bit 1 give us memory
 * information (mem_* and the memory map). */
#define MB_HEADER_FLAGS 0x00000003
#define MB_BOOT_MAGIC 0x2badb002

#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_PS 0x080	/* 2 MiB page in a PD entry (SDM vol. 3 §4.5) */
#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define CPUID_EXT_LM (1 << 29)	/* CPUID 0x80000001 EDX: long mode */

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0x501

#define BOOT_STACK_SIZE 16384

	/* Must sit in the first 8 KiB of the image (spec §3.1.1). */
	.section .multiboot, "a"
	.align 4
multiboot_header:
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	.text
	.code32
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov %eax, %esi			/* rep stos below needs EAX */
	mov $boot_stack_top, %esp

	/* Zero the BSS first: the page tables and the saved boot
	 * arguments live there.  EBX and ESI survive rep stosb. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov %esi, boot_magic
	mov %ebx, boot_mbi

	cmp $MB_BOOT_MAGIC, %esi
	jne no_multiboot

	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $CPUID_EXT_LM, %edx
	jz no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs; 2048 PD entries of
	 * 2 MiB map 0-4 GiB.  High halves of the entries stay zero. */
	mov $boot_pdpt + (PTE_P | PTE_RW), %eax
	mov %eax, boot_pml4
	mov $boot_pd + (PTE_P | PTE_RW), %eax
	mov $boot_pdpt, %edi
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $4096, %eax
	add $8, %edi
	loop 1b
	mov $(PTE_P | PTE_RW | PTE_PS), %eax
	mov $boot_pd, %edi
	mov $2048, %ecx
2:	mov %eax, (%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 2b

	/* Long mode activation order (SDM vol. 3 §10.8.5; APM vol. 2
	 * §14.6.1): PAE, CR3, EFER.LME, then CR0.PG. */
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $start64

/* 32-bit failure path: say why on COM1, ask QEMU to exit with a failure
 * status through isa-debug-exit, and stop. */
no_multiboot:
	mov $msg_no_multiboot, %esi
	jmp fail32
no_long_mode:
	mov $msg_no_long_mode, %esi
fail32:
	mov $COM1, %dx
3:	lodsb
	test %al, %al
	jz 4f
	out %al, %dx
	jmp 3b
4:	mov $1, %al
	mov $DEBUG_EXIT_PORT, %dx
	out %al, %dx
5:	cli
	hlt
	jmp 5b
	.size _start, .-_start

	.code64
start64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	xor %ebp, %ebp
	mov boot_magic, %edi
	mov boot_mbi, %esi
	call kmain
6:	cli
	hlt
	jmp 6b

	.section .rodata
msg_no_multiboot:
	.asciz "kitten: PANIC: not started by a Multiboot loader\n"
msg_no_long_mode:
	.asciz "kitten: PANIC: this CPU has no 64-bit long mode\n"

	/* Temporary GDT (SDM vol. 3 §3.4.5, §5.2.1): 0x08 64-bit code
	 * (L=1), 0x10 flat data.  gdt.c installs the real one with the
	 * same selectors plus a TSS. */
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff
	.quad 0x00cf92000000ffff
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.bss
	.align 4096
	.globl boot_pml4, boot_pdpt
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.align 16
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip BOOT_STACK_SIZE
boot_stack_top:
	.align 4
boot_magic:
	.skip 4
boot_mbi:
	.skip 4

	.section .note.GNU-stack, "", @progbits
