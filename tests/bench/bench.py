#!/usr/bin/env python3
"""bench.py - `make bench`: boot the LWK with the exitbench guest and
print what one VM exit costs, and how much memory the VMM keeps per VM.

The guest (tests/guests/exitbench.c) times 16384 iterations of each
operation, 5 rounds, and prints 'BENCH <op> round=<i> cycles=<n>'; the
host's 'V3-MEM <vm> guest=<bytes> vmm=<bytes>' gives the memory.
Targets are for the median.  Exit status 1 when the run produced no
numbers; with --strict also when a target is missed.
"""
import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'harness'))

import qemu  # noqa: E402
from bootrun import run_boot  # noqa: E402
from serial import parse_boot, split_lines  # noqa: E402
from testlist import Test  # noqa: E402

GUEST = 'exitbench'
IPI_GUEST = 'apic-ipi'
TIMEOUT = 300.0
IPI_RE = re.compile(r'BENCH-IPI roundtrip_cycles=(\d+) rounds=(\d+)')
BENCH_RE = re.compile(r'BENCH (\S+) round=(\d+) cycles=(\d+)')

# (operation, what it is, median target in cycles or None)
OPERATIONS = [
    ('cpuid', 'CPUID 0x40000000', 45000),
    ('io_out', 'OUT testdev scratch', 50000),
    ('io_in', 'IN testdev scratch', 50000),
    ('hypercall', 'V3_HC_NOP hypercall', None),
    ('baseline', 'loop, no exit', None),
]
VMM_MEMORY_TARGET_PCT = 1.0


def boot(a, guest=GUEST, smp=1):
    kernel = os.path.join(a.build, 'kitten.elf')
    mods = qemu.guest_modules(a.build, guest)
    for path in [kernel] + mods:
        if not os.path.exists(path):
            sys.exit(f'bench.py: missing {path} (make lwk guests)')
    cmd = qemu.command(kernel, mods, f'vm_timeout={int(TIMEOUT)}',
                       qemu=a.qemu)
    if smp > 1:
        cmd += ['-smp', str(smp)]
    log = os.path.join(a.build, 'test-logs', f'bench-{guest}-smp{smp}.log')
    print(f'# booting the LWK with {guest} (log {log})', flush=True)
    test = Test(name=guest, guest=guest, timeout=TIMEOUT)
    run = run_boot(cmd, [test], lambda n: guest if n.startswith(guest)
                   else None, log, echo=a.verbose)
    if run.timeout_msg:
        print(f'bench.py: {run.timeout_msg}', file=sys.stderr)
    return run.lines


def report_ipi(lines, where):
    """The apic-ipi guest's ping-pong: a fixed IPI each way per round
    trip between two vcpus."""
    for line in lines:
        m = IPI_RE.search(line)
        if m:
            print(f'IPI round trip, two vcpus {where}: {m.group(1)} cycles '
                  f'(mean of {m.group(2)})')
            return 0
    print('bench.py: no BENCH-IPI line from apic-ipi', file=sys.stderr)
    return 1


def row(name, what, values, target):
    lo, med, hi = min(values), statistics.median(values), max(values)
    if target is None:
        verdict, tgt = '', '-'
    else:
        verdict, tgt = ('ok' if med <= target else 'MISS'), f'<= {target}'
    print(f'{name:10} {what:20} {lo:>9} {med:>9.0f} {hi:>9} {tgt:>10} '
          f'{verdict}')
    return verdict != 'MISS'


def report(lines, strict):
    sections = [s for s in parse_boot(lines).sections
                if s.name.startswith(GUEST)]
    if not sections:
        print('bench.py: no V3-VM-BEGIN for exitbench', file=sys.stderr)
        return 1
    sec = sections[0]
    cycles = {}
    for line in sec.lines:
        m = BENCH_RE.search(line)
        if m:
            cycles.setdefault(m.group(1), []).append(int(m.group(3)))
    missing = [op for op, _, _ in OPERATIONS if op not in cycles]
    if missing or sec.status != 0:
        print(f'bench.py: incomplete run (status {sec.status}, reason '
              f'{sec.reason!r}, missing {missing})', file=sys.stderr)
        return 1
    rounds = len(cycles['cpuid'])
    print(f'\nVM exit cost, cycles per operation ({rounds} rounds of 16384)')
    print(f'{"operation":10} {"":20} {"min":>9} {"median":>9} {"max":>9} '
          f'{"target":>10}')
    ok = all([row(op, what, cycles[op], target)
              for op, what, target in OPERATIONS])
    mem = sec.memory()
    if mem:
        guest, vmm = mem
        pct = 100.0 * vmm / guest if guest else float('inf')
        good = pct <= VMM_MEMORY_TARGET_PCT
        ok = ok and good
        print(f'\nVMM memory per VM: {vmm} bytes for {guest >> 20} MiB of '
              f'guest RAM = {pct:.3f} % (target <= '
              f'{VMM_MEMORY_TARGET_PCT:g} %) {"ok" if good else "MISS"}')
    else:
        print('\nVMM memory per VM: no V3-MEM line')
        ok = False
    return 0 if ok or not strict else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--qemu', default=os.environ.get('QEMU'))
    ap.add_argument('--replay', metavar='LOG',
                    help='read a saved serial log instead of booting')
    ap.add_argument('--strict', action='store_true',
                    help='exit 1 when a target is missed')
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args()
    if a.replay:
        with open(a.replay, errors='replace') as f:
            lines = split_lines(f.read())
        return report(lines, a.strict)
    status = report(boot(a), a.strict)
    print()
    status |= report_ipi(boot(a, IPI_GUEST, smp=2), 'on two host CPUs')
    status |= report_ipi(boot(a, IPI_GUEST), 'sharing one host CPU')
    print('(QEMU+KVM reference for the IPI round trip: not measured yet; '
          'tests/bench/kvm boots ISOs only)')
    return status


if __name__ == '__main__':
    sys.exit(main())
