/* arch.h - the contract between the arch-neutral core and a hardware
 * backend (svm/, vmx/).  A backend turns every hardware exit into one
 * struct v3_exit with an arch-neutral reason; the core never reads a VMCB
 * or VMCS field. */
#ifndef V3_ARCH_H
#define V3_ARCH_H

#include "v3_abi.h"
#include "v3_types.h"

struct v3_vcpu;
struct v3_vm;
struct v3_nested_fmt;

struct v3_exit {
	enum v3_exit_reason reason;
	uint64_t hw_code; /* backend's own exit code, for dumps */
	uint64_t hw_info1, hw_info2;
	/* Length of the exiting instruction, 0 when the backend cannot tell
	 * (then the handler must decode it). */
	uint32_t insn_len;
	union {
		struct {
			uint16_t port;
			uint8_t size;	   /* 1, 2, 4 */
			uint8_t addr_size; /* 2, 4, 8 (string I/O) */
			bool in;
			bool string;
			bool rep;
		} io;
		struct {
			bool write;
		} msr;
		struct {
			uint64_t gpa;
			bool write;
			bool fetch;
			bool present;
		} fault;
		struct {
			uint8_t vector;
			bool has_error;
			uint32_t error;
		} exc;
		struct {
			uint64_t la;	/* CR2 of the fault */
			uint32_t error; /* the hardware's error code */
		} pf;
		struct {
			uint8_t num; /* CRn */
			bool write;
		} cr;
		struct {
			const char *what;
		} info; /* ENTRY_FAIL / UNKNOWN / VIRT_INSN detail */
	};
};

struct v3_arch_ops {
	const char *name;
	bool nested_paging; /* set by detect() */
	bool shadow_paging; /* intercepts for the core's shadow paging */
	const struct v3_nested_fmt *nested_fmt;

	/* 0 if this CPU can run guests, else -1 with the reason in why. */
	int (*detect)(char *why, size_t len);
	int (*cpu_enable)(void); /* on the calling CPU */
	void (*cpu_disable)(void);

	int (*vcpu_init)(struct v3_vcpu *vcpu);
	void (*vcpu_deinit)(struct v3_vcpu *vcpu);
	/* Load vcpu->state into the hardware, enter the guest, return after
	 * one exit with vcpu->state updated and *exit filled in.  A backend
	 * may leave V3_STATE_* parts out (vcpu->state_absent)... */
	int (*vcpu_run)(struct v3_vcpu *vcpu, struct v3_exit *exit);
	/* ... and copies them in here, on the vcpu's own thread; NULL if
	 * vcpu_run always copies everything. */
	void (*state_load)(struct v3_vcpu *vcpu, uint32_t parts);
	/* Optional (V3_HC_BARE_CPUID): the next n CPUID exits stay in the
	 * backend's own entry/exit loop. */
	void (*bare_cpuid)(struct v3_vcpu *vcpu, uint32_t n);
	/* Bytes of backend control structures per vcpu (telemetry). */
	uint64_t (*vcpu_mem)(struct v3_vcpu *vcpu);
};

extern const struct v3_arch_ops *v3_arch;

#endif
