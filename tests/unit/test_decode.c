/* test_decode.c - palacios/x86_decode.c against a table of encodings.
 *
 * Each case is the bytes, the mode, and the decoded instruction printed
 * in one line (Intel syntax plus the header fields), so every field of
 * struct v3_insn is compared at once and a failure shows what differs.
 * The expectations were written from the SDM tables and cross-read with
 * objdump's disassembly of the same bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_mem.h"
#include "unit.h"
#include "x86_decode.h"

#define R   V3_MODE_REAL
#define P16 V3_MODE_PROT16
#define P32 V3_MODE_PROT32
#define L64 V3_MODE_LONG64

struct dcase {
	enum v3_cpu_mode mode;
	const char *hex;
	const char *want; /* "bad" when v3_decode must refuse */
};

static const struct dcase cases[] = {
    /* 32-bit ModRM forms (SDM vol. 2, table 2-2) */
    {P32, "89 03", "l2 o4 a4: mov dword ds:[ebx], eax"},
    {P32, "8b 43 10", "l3 o4 a4: mov eax, dword ds:[ebx+0x10]"},
    {P32, "8b 83 00 01 00 00", "l6 o4 a4: mov eax, dword ds:[ebx+0x100]"},
    {P32, "8b 05 78 56 34 12", "l6 o4 a4: mov eax, dword ds:[0x12345678]"},
    {P32, "8b 45 fc", "l3 o4 a4: mov eax, dword ss:[ebp-0x4]"},
    {P32, "88 20", "l2 o1 a4: mov byte ds:[eax], ah"},
    {P32, "8a 0e", "l2 o1 a4: mov cl, byte ds:[esi]"},
    {P32, "88 c3", "l2 o1 a4: mov bl, al"},
    {P32, "3e 8b 45 00", "l4 o4 a4 so=ds: mov eax, dword ds:[ebp]"},
    /* SIB (table 2-3) */
    {P32, "8b 04 24", "l3 o4 a4: mov eax, dword ss:[esp]"},
    {P32, "8b 44 8b 08", "l4 o4 a4: mov eax, dword ds:[ebx+ecx*4+0x8]"},
    {P32, "8b 04 cd 00 10 00 00", "l7 o4 a4: mov eax, dword ds:[ecx*8+0x1000]"},
    {P32, "8b 44 25 00", "l4 o4 a4: mov eax, dword ss:[ebp]"},
    {P32, "8b 04 65 00 00 00 00", "l7 o4 a4: mov eax, dword ds:[0x0]"},
    {P32, "8b 84 b7 f0 ff ff ff",
     "l7 o4 a4: mov eax, dword ds:[edi+esi*4-0x10]"},
    /* operand-size prefix and immediates */
    {P32, "66 89 07", "l3 o2 a4 p66: mov word ds:[edi], ax"},
    {P32, "c7 00 78 56 34 12", "l6 o4 a4: mov dword ds:[eax], 0x12345678"},
    {P32, "66 c7 00 34 12", "l5 o2 a4 p66: mov word ds:[eax], 0x1234"},
    {P32, "c6 40 04 ff", "l4 o1 a4: mov byte ds:[eax+0x4], -0x1"},
    /* moffs */
    {P32, "a1 00 00 fe fe", "l5 o4 a4: mov eax, dword ds:[0xfefe0000]"},
    {P32, "a2 10 00 00 00", "l5 o1 a4: mov byte ds:[0x10], al"},
    {P32, "a3 44 33 22 11", "l5 o4 a4: mov dword ds:[0x11223344], eax"},
    {P32, "64 a1 00 00 00 00", "l6 o4 a4 so=fs: mov eax, dword fs:[0x0]"},
    {P32, "67 a1 34 12", "l4 o4 a2 p67: mov eax, dword ds:[0x1234]"},
    /* MOVZX / MOVSX */
    {P32, "0f b6 03", "l3 o4 a4: movzx eax, byte ds:[ebx]"},
    {P32, "0f b7 03", "l3 o4 a4: movzx eax, word ds:[ebx]"},
    {P32, "0f be 03", "l3 o4 a4: movsx eax, byte ds:[ebx]"},
    {P32, "0f bf 4b 02", "l4 o4 a4: movsx ecx, word ds:[ebx+0x2]"},
    {P32, "66 0f b6 03", "l4 o2 a4 p66: movzx ax, byte ds:[ebx]"},
    /* string instructions */
    {P32, "a4", "l1 o1 a4: movs byte ds:[esi]"},
    {P32, "f3 a5", "l2 o4 a4: rep movs dword ds:[esi]"},
    {P32, "f3 66 a5", "l3 o2 a4 p66: rep movs word ds:[esi]"},
    {P32, "26 a4", "l2 o1 a4 so=es: movs byte es:[esi]"},
    {P32, "f3 ab", "l2 o4 a4: rep stos dword es:[edi]"},
    {P32, "2e aa", "l2 o1 a4 so=cs: stos byte es:[edi]"},
    {P32, "ac", "l1 o1 a4: lods byte ds:[esi]"},
    {P32, "f3 6c", "l2 o1 a4: rep ins byte es:[edi]"},
    {P32, "f3 6d", "l2 o4 a4: rep ins dword es:[edi]"},
    {P32, "66 f3 6f", "l3 o2 a4 p66: rep outs word ds:[esi]"},
    {P32, "64 6e", "l2 o1 a4 so=fs: outs byte fs:[esi]"},
    {P32, "f2 a4", "l2 o1 a4: repne movs byte ds:[esi]"},
    {P32, "f2 f3 a4", "l3 o1 a4: rep movs byte ds:[esi]"},
    /* ALU, every operation and direction */
    {P32, "01 18", "l2 o4 a4: add dword ds:[eax], ebx"},
    {P32, "03 18", "l2 o4 a4: add ebx, dword ds:[eax]"},
    {P32, "00 18", "l2 o1 a4: add byte ds:[eax], bl"},
    {P32, "09 0a", "l2 o4 a4: or dword ds:[edx], ecx"},
    {P32, "11 0a", "l2 o4 a4: adc dword ds:[edx], ecx"},
    {P32, "19 0a", "l2 o4 a4: sbb dword ds:[edx], ecx"},
    {P32, "21 0a", "l2 o4 a4: and dword ds:[edx], ecx"},
    {P32, "29 0a", "l2 o4 a4: sub dword ds:[edx], ecx"},
    {P32, "31 0a", "l2 o4 a4: xor dword ds:[edx], ecx"},
    {P32, "39 0a", "l2 o4 a4: cmp dword ds:[edx], ecx"},
    {P32, "3b 0a", "l2 o4 a4: cmp ecx, dword ds:[edx]"},
    {P32, "3a 0a", "l2 o1 a4: cmp cl, byte ds:[edx]"},
    {P32, "22 2a", "l2 o1 a4: and ch, byte ds:[edx]"},
    {P32, "80 08 01", "l3 o1 a4: or byte ds:[eax], 0x1"},
    {P32, "81 60 08 ff 00 00 00", "l7 o4 a4: and dword ds:[eax+0x8], 0xff"},
    {P32, "83 48 08 f0", "l4 o4 a4: or dword ds:[eax+0x8], -0x10"},
    {P32, "83 38 7f", "l3 o4 a4: cmp dword ds:[eax], 0x7f"},
    {P32, "f0 83 00 01", "l4 o4 a4: lock add dword ds:[eax], 0x1"},
    {P32, "01 d8", "l2 o4 a4: add eax, ebx"},
    /* TEST, XCHG, BT, NOT, NEG, INC, DEC */
    {P32, "85 03", "l2 o4 a4: test dword ds:[ebx], eax"},
    {P32, "84 23", "l2 o1 a4: test byte ds:[ebx], ah"},
    {P32, "f6 03 80", "l3 o1 a4: test byte ds:[ebx], -0x80"},
    {P32, "f7 03 00 00 00 80", "l6 o4 a4: test dword ds:[ebx], -0x80000000"},
    {P32, "87 03", "l2 o4 a4: xchg dword ds:[ebx], eax"},
    {P32, "86 03", "l2 o1 a4: xchg byte ds:[ebx], al"},
    {P32, "f0 87 03", "l3 o4 a4: lock xchg dword ds:[ebx], eax"},
    {P32, "0f a3 03", "l3 o4 a4: bt dword ds:[ebx], eax"},
    {P32, "0f ba 23 05", "l4 o4 a4: bt dword ds:[ebx], 0x5"},
    {P32, "f6 13", "l2 o1 a4: not byte ds:[ebx]"},
    {P32, "f7 1b", "l2 o4 a4: neg dword ds:[ebx]"},
    {P32, "fe 03", "l2 o1 a4: inc byte ds:[ebx]"},
    {P32, "ff 0b", "l2 o4 a4: dec dword ds:[ebx]"},
    {P32, "f0 fe 0b", "l3 o1 a4: lock dec byte ds:[ebx]"},
    /* 15 bytes is the limit (SDM vol. 2, 2.3.11) */
    {P32, "66 66 66 66 66 66 66 66 66 66 66 66 66 89 03",
     "l15 o2 a4 p66: mov word ds:[ebx], ax"},
    {P32, "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 03", "bad"},
    /* control registers, INVLPG (SDM vol. 2, MOV CR, LMSW, SMSW) */
    {P32, "0f 20 c0", "l3 o4 a4: mov eax, cr0"},
    {P32, "0f 22 db", "l3 o4 a4: mov cr3, ebx"},
    {P32, "0f 22 27", "l3 o4 a4: mov cr4, edi"}, /* mod ignored */
    {L64, "0f 20 d8", "l3 o8 a8: mov rax, cr3"},
    {L64, "41 0f 22 d9", "l4 o8 a8 rex=41: mov cr3, r9"},
    {L64, "44 0f 20 c0", "l4 o8 a8 rex=44: mov rax, cr8"},
    {R, "0f 20 c0", "l3 o4 a2: mov eax, cr0"},
    {P32, "0f 06", "l2 o4 a4: clts"},
    {P32, "0f 01 e0", "l3 o4 a4: smsw eax"},
    {P32, "66 0f 01 e0", "l4 o2 a4 p66: smsw ax"},
    {P32, "0f 01 23", "l3 o4 a4: smsw word ds:[ebx]"},
    {R, "0f 01 f0", "l3 o2 a2: lmsw ax"},
    {P32, "0f 01 33", "l3 o4 a4: lmsw word ds:[ebx]"},
    {P32, "0f 01 38", "l3 o4 a4: invlpg byte ds:[eax]"},
    {P32, "0f 01 7d 08", "l4 o4 a4: invlpg byte ss:[ebp+0x8]"},
    {L64, "0f 01 3c 24", "l4 o4 a8: invlpg byte ss:[rsp]"},
    {L64, "65 0f 01 38", "l4 o4 a8 so=gs: invlpg byte gs:[rax]"},
    {L64, "0f 01 f8", "bad"},  /* SWAPGS */
    {P32, "0f 01 d8", "bad"},  /* VMRUN */
    {P32, "0f 01 10", "bad"},  /* LGDT */
    {P32, "f3 0f 20 c0", "bad"},
    {P32, "0f 20", "bad"},     /* no ModRM */
    /* refused: outside the set, #UD, truncated */
    {P32, "f0 0f c1 03", "bad"},       /* LOCK XADD */
    {P32, "0f ba 2b 05", "bad"},       /* BTS */
    {P32, "ff 13", "bad"},	       /* CALL [ebx] */
    {P32, "f6 0b 01", "bad"},	       /* F6 /1 */
    {P32, "f7 33", "bad"},	       /* DIV */
    {P32, "f0 39 0a", "bad"},	       /* LOCK CMP */
    {P32, "f0 89 03", "bad"},	       /* LOCK MOV */
    {P32, "f0 01 d8", "bad"},	       /* LOCK on a register */
    {P32, "f0 0f a3 03", "bad"},       /* LOCK BT */
    {P32, "8b", "bad"},		       /* no ModRM */
    {P32, "8b 44 24", "bad"},	       /* no disp8 */
    {P32, "c7 00 78 56 34", "bad"},    /* short imm32 */
    {P32, "a1 00 00 00", "bad"},       /* short moffs */
    {P32, "48 89 03", "bad"},	       /* DEC eax outside 64-bit */
    {P32, "0f 0b", "bad"},	       /* UD2 */
    {P32, "f3 0f b6 03", "bad"},       /* F3 on 0F */
    {P32, "c7 f8 00 00 00 00", "bad"}, /* XBEGIN */
    {P32, "04 01", "bad"},	       /* ADD AL, imm8: no memory */
    {P32, "66", "bad"},		       /* prefix only */
    {P32, "", "bad"},
    /* 16-bit addressing (table 2-1), real mode */
    {R, "8b 07", "l2 o2 a2: mov ax, word ds:[bx]"},
    {R, "8b 00", "l2 o2 a2: mov ax, word ds:[bx+si]"},
    {R, "8b 01", "l2 o2 a2: mov ax, word ds:[bx+di]"},
    {R, "8b 02", "l2 o2 a2: mov ax, word ss:[bp+si]"},
    {R, "8b 03", "l2 o2 a2: mov ax, word ss:[bp+di]"},
    {R, "8b 04", "l2 o2 a2: mov ax, word ds:[si]"},
    {R, "8b 46 fe", "l3 o2 a2: mov ax, word ss:[bp-0x2]"},
    {R, "8b 06 34 12", "l4 o2 a2: mov ax, word ds:[0x1234]"},
    {R, "8b 87 00 80", "l4 o2 a2: mov ax, word ds:[bx-0x8000]"},
    {R, "89 1d", "l2 o2 a2: mov word ds:[di], bx"},
    {R, "66 8b 07", "l3 o4 a2 p66: mov eax, dword ds:[bx]"},
    {R, "67 8b 03", "l3 o2 a4 p67: mov ax, word ds:[ebx]"},
    {R, "67 8b 04 8d 00 00 00 00", "l8 o2 a4 p67: mov ax, word ds:[ecx*4+0x0]"},
    {R, "a0 00 80", "l3 o1 a2: mov al, byte ds:[0x8000]"},
    {R, "26 88 05", "l3 o1 a2 so=es: mov byte es:[di], al"},
    {R, "36 8b 07", "l3 o2 a2 so=ss: mov ax, word ss:[bx]"},
    {R, "f3 a4", "l2 o1 a2: rep movs byte ds:[si]"},
    {R, "f3 66 ab", "l3 o4 a2 p66: rep stos dword es:[di]"},
    {R, "c6 06 10 00 aa", "l5 o1 a2: mov byte ds:[0x10], -0x56"},
    {R, "81 4f 02 00 80", "l5 o2 a2: or word ds:[bx+0x2], -0x8000"},
    {R, "83 47 02 80", "l4 o2 a2: add word ds:[bx+0x2], -0x80"},
    {R, "0f b6 07", "l3 o2 a2: movzx ax, byte ds:[bx]"},
    /* protected mode, CS.D = 0 */
    {P16, "8b 07", "l2 o2 a2: mov ax, word ds:[bx]"},
    {P16, "66 67 8b 04 88", "l5 o4 a4 p66 p67: mov eax, dword ds:[eax+ecx*4]"},
    {P16, "66 a5", "l2 o4 a2 p66: movs dword ds:[si]"},
    /* 64-bit mode: REX (2.2.1), RIP-relative (2.2.1.6) */
    {L64, "8b 03", "l2 o4 a8: mov eax, dword ds:[rbx]"},
    {L64, "48 8b 03", "l3 o8 a8 rex=48: mov rax, qword ds:[rbx]"},
    {L64, "4c 8b 03", "l3 o8 a8 rex=4c: mov r8, qword ds:[rbx]"},
    {L64, "41 8b 03", "l3 o4 a8 rex=41: mov eax, dword ds:[r11]"},
    {L64, "42 8b 04 a0", "l4 o4 a8 rex=42: mov eax, dword ds:[rax+r12*4]"},
    {L64, "8b 04 a0", "l3 o4 a8: mov eax, dword ds:[rax]"},
    {L64, "41 8b 04 24", "l4 o4 a8 rex=41: mov eax, dword ds:[r12]"},
    {L64, "41 8b 45 00", "l4 o4 a8 rex=41: mov eax, dword ds:[r13]"},
    {L64, "41 8b 04 25 00 10 00 00",
     "l8 o4 a8 rex=41: mov eax, dword ds:[0x1000]"},
    {L64, "8b 05 10 00 00 00", "l6 o4 a8: mov eax, dword ds:[rip+0x10]"},
    {L64, "48 8b 05 f0 ff ff ff",
     "l7 o8 a8 rex=48: mov rax, qword ds:[rip-0x10]"},
    {L64, "67 8b 05 10 00 00 00", "l7 o4 a4 p67: mov eax, dword ds:[eip+0x10]"},
    {L64, "8b 04 25 00 00 e0 fe",
     "l7 o4 a8: mov eax, dword ds:[0xfffffffffee00000]"},
    {L64, "67 8b 03", "l3 o4 a4 p67: mov eax, dword ds:[ebx]"},
    {L64, "66 89 03", "l3 o2 a8 p66: mov word ds:[rbx], ax"},
    {L64, "66 48 89 03", "l4 o8 a8 p66 rex=48: mov qword ds:[rbx], rax"},
    {L64, "48 66 89 03", "l4 o2 a8 p66: mov word ds:[rbx], ax"},
    {L64, "48 41 8b 03", "l4 o4 a8 rex=41: mov eax, dword ds:[r11]"},
    {L64, "40 88 23", "l3 o1 a8 rex=40: mov byte ds:[rbx], spl"},
    {L64, "88 23", "l2 o1 a8: mov byte ds:[rbx], ah"},
    {L64, "44 88 23", "l3 o1 a8 rex=44: mov byte ds:[rbx], r12b"},
    {L64, "45 88 c3", "l3 o1 a8 rex=45: mov r11b, r8b"},
    {L64, "48 c7 00 ff ff ff ff", "l7 o8 a8 rex=48: mov qword ds:[rax], -0x1"},
    {L64, "48 a1 88 77 66 55 44 33 22 11",
     "l10 o8 a8 rex=48: mov rax, qword ds:[0x1122334455667788]"},
    {L64, "a1 88 77 66 55 44 33 22 11",
     "l9 o4 a8: mov eax, dword ds:[0x1122334455667788]"},
    {L64, "67 a1 44 33 22 11", "l6 o4 a4 p67: mov eax, dword ds:[0x11223344]"},
    {L64, "65 48 8b 04 25 28 00 00 00",
     "l9 o8 a8 rex=48 so=gs: mov rax, qword gs:[0x28]"},
    {L64, "48 0f b6 03", "l4 o8 a8 rex=48: movzx rax, byte ds:[rbx]"},
    {L64, "48 0f bf 03", "l4 o8 a8 rex=48: movsx rax, word ds:[rbx]"},
    {L64, "48 a5", "l2 o8 a8 rex=48: movs qword ds:[rsi]"},
    {L64, "f3 48 ab", "l3 o8 a8 rex=48: rep stos qword es:[rdi]"},
    {L64, "48 6d", "l2 o4 a8 rex=48: ins dword es:[rdi]"},
    {L64, "f3 67 a4", "l3 o1 a4 p67: rep movs byte ds:[esi]"},
    {L64, "48 83 6b 08 01", "l5 o8 a8 rex=48: sub qword ds:[rbx+0x8], 0x1"},
    {L64, "4d 01 14 c8", "l4 o8 a8 rex=4d: add qword ds:[r8+rcx*8], r10"},
    {L64, "4f 87 84 fd 78 56 34 12",
     "l8 o8 a8 rex=4f: xchg qword ds:[r13+r15*8+0x12345678], r8"},
    {L64, "f0 48 ff 00", "l4 o8 a8 rex=48: lock inc qword ds:[rax]"},
    {L64, "48 f7 18", "l3 o8 a8 rex=48: neg qword ds:[rax]"},
    {L64, "48 0f a3 03", "l4 o8 a8 rex=48: bt qword ds:[rbx], rax"},
    {L64, "48 81 00 00 00 00 80",
     "l7 o8 a8 rex=48: add qword ds:[rax], -0x80000000"},
    {L64, "c6 05 00 00 00 00 12", "l7 o1 a8: mov byte ds:[rip], 0x12"},
    {L64, "f6 05 10 00 00 00 01", "l7 o1 a8: test byte ds:[rip+0x10], 0x1"},
    {L64, "66 c7 05 f8 ff ff ff 34 12",
     "l9 o2 a8 p66: mov word ds:[rip-0x8], 0x1234"},
    {L64, "40", "bad"},
    {L64, "82 00 01", "bad"},
    {L64, "06", "bad"},
    {L64, "48 48 48 48 48 48 48 48 48 48 48 48 48 89 03",
     "l15 o8 a8 rex=48: mov qword ds:[rbx], rax"},
    {L64, "48 48 48 48 48 48 48 48 48 48 48 48 48 48 89 03", "bad"},
};

/* --- printing a decoded instruction ------------------------------ */

static const char *const regs64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp",
				       "rsi", "rdi", "r8",  "r9",  "r10", "r11",
				       "r12", "r13", "r14", "r15"};
static const char *const regs32[16] = {
    "eax", "ecx", "edx",  "ebx",  "esp",  "ebp",  "esi",  "edi",
    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const regs16[16] = {
    "ax",  "cx",  "dx",	  "bx",	  "sp",	  "bp",	  "si",	  "di",
    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const regs8[16] = {
    "al",  "cl",  "dl",	  "bl",	  "spl",  "bpl",  "sil",  "dil",
    "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
static const char *const regs8h[4] = {"ah", "ch", "dh", "bh"};
static const char *const segs[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
static const char *const ops[] = {
    "add",  "or",  "adc",  "sbb",  "and",  "sub", "xor",   "cmp",
    "test", "not", "neg",  "inc",  "dec",  "mov", "movzx", "movsx",
    "xchg", "bt",  "movs", "stos", "lods", "ins", "outs",
    "mov",  "mov", "clts", "smsw", "lmsw", "invlpg"};

static const char *reg_name(unsigned reg, unsigned size, bool high8)
{
	if (reg > 15)
		return "?";
	if (high8)
		return reg >= 4 && reg < 8 ? regs8h[reg - 4] : "?";
	switch (size) {
	case 1: return regs8[reg];
	case 2: return regs16[reg];
	case 4: return regs32[reg];
	case 8: return regs64[reg];
	}
	return "?";
}

static const char *size_name(unsigned size)
{
	switch (size) {
	case 1: return "byte";
	case 2: return "word";
	case 4: return "dword";
	case 8: return "qword";
	}
	return "?";
}

#define APPEND(buf, n, ...)                                                    \
	do {                                                                   \
		size_t l_ = strlen(buf);                                       \
		snprintf((buf) + l_, (n)-l_, __VA_ARGS__);                     \
	} while (0)

static void fmt_mem(const struct v3_insn *in, char *b, size_t n)
{
	const struct v3_mem *m = &in->mem;
	bool any = false;

	APPEND(b, n, "%s:[", m->seg < 6 ? segs[m->seg] : "?");
	if (m->rip_rel) {
		APPEND(b, n, "%s", in->addr_size == 8 ? "rip" : "eip");
		any = true;
	}
	if (m->base != V3_REG_NONE) {
		APPEND(b, n, "%s",
		       reg_name((unsigned)m->base, in->addr_size, false));
		any = true;
	}
	if (m->index != V3_REG_NONE) {
		APPEND(b, n, "%s%s", any ? "+" : "",
		       reg_name((unsigned)m->index, in->addr_size, false));
		if (m->scale > 1)
			APPEND(b, n, "*%u", m->scale);
		any = true;
	}
	if (!any) {
		uint64_t mask = in->addr_size == 8
				    ? ~0ull
				    : (1ull << (8 * in->addr_size)) - 1;

		APPEND(b, n, "0x%llx", (unsigned long long)m->disp & mask);
	} else if (m->disp < 0) {
		APPEND(b, n, "-0x%llx", -(unsigned long long)m->disp);
	} else if (m->disp > 0 ||
		   (m->index != V3_REG_NONE && m->base == V3_REG_NONE)) {
		/* [index*s+0] keeps its 0: there is a disp32 field. */
		APPEND(b, n, "+0x%llx", (unsigned long long)m->disp);
	}
	APPEND(b, n, "]");
}

static void fmt_opnd(const struct v3_insn *in, const struct v3_opnd *o, char *b,
		     size_t n)
{
	switch (o->kind) {
	case V3_OPND_REG:
		APPEND(b, n, "%s", reg_name(o->reg, o->size, o->high8));
		break;
	case V3_OPND_MEM:
		APPEND(b, n, "%s ", size_name(o->size));
		fmt_mem(in, b, n);
		break;
	case V3_OPND_IMM:
		if ((int64_t)in->imm < 0)
			APPEND(b, n, "-0x%llx", -(unsigned long long)in->imm);
		else
			APPEND(b, n, "0x%llx", (unsigned long long)in->imm);
		break;
	default: APPEND(b, n, "none");
	}
}

static void fmt_insn(const struct v3_insn *in, char *b, size_t n)
{
	b[0] = 0;
	APPEND(b, n, "l%u o%u a%u", in->len, in->opsize, in->addr_size);
	if (in->prefixes & V3_PFX_OPSIZE)
		APPEND(b, n, " p66");
	if (in->prefixes & V3_PFX_ADSIZE)
		APPEND(b, n, " p67");
	if (in->rex)
		APPEND(b, n, " rex=%02x", in->rex);
	if (in->seg_override >= 0)
		APPEND(b, n, " so=%s",
		       in->seg_override < 6 ? segs[in->seg_override] : "?");
	APPEND(b, n, ": ");
	if (in->prefixes & V3_PFX_LOCK)
		APPEND(b, n, "lock ");
	if (in->prefixes & V3_PFX_REP)
		APPEND(b, n, "rep ");
	if (in->prefixes & V3_PFX_REPNE)
		APPEND(b, n, "repne ");
	APPEND(b, n, "%s",
	       in->op < sizeof(ops) / sizeof(ops[0]) ? ops[in->op] : "?");
	switch (in->op) {
	case V3_OP_MOV_FROM_CR:
		APPEND(b, n, " ");
		fmt_opnd(in, &in->dst, b, n);
		APPEND(b, n, ", cr%u", in->cr);
		return;
	case V3_OP_MOV_TO_CR:
		APPEND(b, n, " cr%u, ", in->cr);
		fmt_opnd(in, &in->src, b, n);
		return;
	case V3_OP_CLTS: return;
	case V3_OP_SMSW:
	case V3_OP_LMSW:
	case V3_OP_INVLPG:
		APPEND(b, n, " ");
		fmt_opnd(in, in->op == V3_OP_LMSW ? &in->src : &in->dst, b, n);
		return;
	}
	if (in->op >= V3_OP_MOVS) {
		APPEND(b, n, " %s ", size_name(in->opsize));
		fmt_mem(in, b, n);
		return;
	}
	APPEND(b, n, " ");
	fmt_opnd(in, &in->dst, b, n);
	if (in->src.kind != V3_OPND_NONE) {
		APPEND(b, n, ", ");
		fmt_opnd(in, &in->src, b, n);
	}
}

/* --- the checks --------------------------------------------------- */

static const char *const mode_names[] = {"real", "prot16", "prot32", "long64"};

/* The bytes go at the very end of a heap block of exactly 'n' bytes, so
 * ASan reports any read past what the decoder was given. */
static int decode_exact(const uint8_t *bytes, size_t n, enum v3_cpu_mode mode,
			struct v3_insn *in)
{
	uint8_t *p = malloc(n ? n : 1);
	int rc;

	memcpy(p, bytes, n);
	rc = v3_decode(p, n, mode, in);
	free(p);
	return rc;
}

static void check_case(const struct dcase *c)
{
	uint8_t bytes[32];
	size_t n = parse_hex(c->hex, bytes, sizeof(bytes));
	struct v3_insn in;
	char got[256];
	int rc = decode_exact(bytes, n, c->mode, &in);

	if (rc)
		snprintf(got, sizeof(got), "bad");
	else
		fmt_insn(&in, got, sizeof(got));
	if (!report(!strcmp(got, c->want), "%s [%s] -> %s", mode_names[c->mode],
		    c->hex, c->want))
		diag("got %s", got);
}

/* Every prefix of a good encoding is refused: the decoder never guesses
 * at bytes it was not given. */
static void check_truncations(void)
{
	size_t i, bad = 0, tried = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t bytes[32];
		size_t n = parse_hex(cases[i].hex, bytes, sizeof(bytes)), k;
		struct v3_insn in;

		if (!strcmp(cases[i].want, "bad"))
			continue;
		for (k = 0; k < n; k++, tried++)
			if (decode_exact(bytes, k, cases[i].mode, &in) == 0) {
				bad++;
				diag("[%s] decoded from %zu bytes",
				     cases[i].hex, k);
			}
		/* Extra bytes after the instruction change nothing. */
		memset(bytes + n, 0x90, sizeof(bytes) - n);
		if (v3_decode(bytes, sizeof(bytes), cases[i].mode, &in) ||
		    in.len != n) {
			bad++;
			diag("[%s] with trailing bytes: len %u", cases[i].hex,
			     in.len);
		}
	}
	report(bad == 0,
	       "%zu truncated encodings refused, trailing bytes "
	       "ignored",
	       tried);
}

static void check_args(void)
{
	struct v3_insn in;
	uint8_t b[2] = {0x89, 0x03};

	report(v3_decode(NULL, 2, V3_MODE_PROT32, &in) == -1, "NULL bytes");
	report(v3_decode(b, 2, V3_MODE_PROT32, NULL) == -1, "NULL insn");
	report(v3_decode(b, 2, (enum v3_cpu_mode)7, &in) == -1, "bad mode");
	/* 16 valid prefix bytes then the opcode: the decoder stops at 15 no
	 * matter how much it is given. */
	{
		uint8_t big[64];

		memset(big, 0x66, sizeof(big));
		report(v3_decode(big, sizeof(big), V3_MODE_PROT32, &in) == -1,
		       "prefixes alone past 15 bytes");
	}
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(&cases[i]);
	check_truncations();
	check_args();
	return report_summary("test_decode");
}
