/* msr_index.h - architectural MSR numbers both backends switch or pass
 * through (SDM vol. 4 chapter 2, APM vol. 2 appendix A). */
#ifndef V3_MSR_INDEX_H
#define V3_MSR_INDEX_H

#define MSR_SYSENTER_CS	   0x174
#define MSR_SYSENTER_ESP   0x175
#define MSR_SYSENTER_EIP   0x176
#define MSR_PAT		   0x277
#define MSR_EFER	   0xc0000080u
#define MSR_STAR	   0xc0000081u
#define MSR_LSTAR	   0xc0000082u
#define MSR_CSTAR	   0xc0000083u
#define MSR_SFMASK	   0xc0000084u
#define MSR_FS_BASE	   0xc0000100u
#define MSR_GS_BASE	   0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

/* Power-on PAT (SDM vol. 3 §12.12.4, APM vol. 2 §7.8.2). */
#define PAT_POWER_ON 0x0007040600070406ull

#endif
