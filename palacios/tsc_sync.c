/* tsc_sync.c - check that the host CPUs' TSCs agree.
 *
 * A guest's TSC is the host TSC plus one offset per VM (vm.c, applied
 * by the backend on every vcpu), so vcpus on different host CPUs agree
 * exactly when those CPUs' TSCs do.  Only then may a multi-vcpu guest be
 * told its TSC is invariant: Linux then keeps the TSC as its clocksource
 * (after its own warp check) instead of falling back to the HPET.  The
 * rate is taken as constant, as the VMM's own timers already do
 * (v3_host->cpu_khz is calibrated once).
 *
 * The check is causal, like Linux's TSC warp test: a TSC read on CPU c
 * while we wait for it must lie between our reads before and after. */
#include "tsc_sync.h"
#include "vmm.h"

#define ROUNDS 3

bool v3_tsc_synced;

static void read_tsc(void *arg)
{
	*(volatile uint64_t *)arg = v3_cycles();
}

void v3_tsc_check_sync(void)
{
	int cpu, round, self = v3_host->cpu_id(), n = v3_host->num_cpus();

	v3_tsc_synced = true;
	for (cpu = 0; cpu < n; cpu++) {
		if (cpu == self)
			continue;
		for (round = 0; round < ROUNDS; round++) {
			volatile uint64_t remote = 0;
			uint64_t before = v3_cycles(), after;

			v3_host->call_on_cpu(cpu, read_tsc, (void *)&remote);
			after = v3_cycles();
			if (remote < before || remote > after) {
				v3_print("host TSCs disagree: cpu %d read %llu "
					 "outside cpu %d's [%llu, %llu]: guests "
					 "get no invariant TSC", cpu,
					 (unsigned long long)remote, self,
					 (unsigned long long)before,
					 (unsigned long long)after);
				v3_tsc_synced = false;
				return;
			}
		}
	}
	v3_print("host TSCs agree on %d cpu(s): guests see an invariant TSC", n);
}
