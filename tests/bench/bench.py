#!/usr/bin/env python3
"""bench.py - `make bench`: boot the LWK with the exitbench guest and
print what one VM exit costs, and how much memory the VMM keeps per VM;
then the same guest through the v3vee module in Debian's kernel (the
Linux host), whose exit costs should stay within 1.2x of the LWK's, and
under Intel VMX in Bochs (--no-vmx skips it).

The same guest ELFs (exitbench, and apic-ipi on two vcpus) also run as
Multiboot images under QEMU+KVM inside a Debian kernel in the same
emulated machine (tests/bench/kvm/run_kvm_ref.py --kernel; --no-kvm
skips it): the exit costs and the IPI round trip are printed next to
KVM's, as ratios from the same run.

Bochs's TSC counts instructions, not time, so the VMX column is wall
time: when each BENCH line reaches us, minus the line before it, over
16384 iterations (lines arrive within ~5 ms; a loop takes ~0.2 s).
Its reference is measured in the same run: 'cpuid_bare', the same
CPUID exits stepped over by the VMX backend's bare VMRESUME loop
(V3_HC_BARE_CPUID); the TSC column then counts instructions, host and
guest, per operation.  --vmx-only runs just that part.

The guest (tests/guests/exitbench.c) times 16384 iterations of each
operation, 5 rounds, and prints 'BENCH <op> round=<i> cycles=<n>'; the
host's 'V3-MEM <vm> guest=<bytes> vmm=<bytes>' gives the memory.
Targets are for the median.  Exit status 1 when the run produced no
numbers; with --strict also when a target is missed.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'harness'))

import bochs  # noqa: E402
import linux_host  # noqa: E402
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
    # The same with guest paging on, as a Linux guest runs.
    ('cpuid_pg', 'CPUID, paging on', 45000),
    ('io_out_pg', 'OUT, paging on', 50000),
    ('io_in_pg', 'IN, paging on', 50000),
    ('hypercall_pg', 'hypercall, paging on', None),
]
VMM_MEMORY_TARGET_PCT = 1.0
# Linux host / LWK, medians of the exiting operations.
LINUX_RATIO_TARGET = 1.2
# The same CPUID exits in the VMX backend's bare VMRESUME loop
# (V3_HC_BARE_CPUID), measured in the same run: each exiting operation
# may cost at most 1.3 times that.
VMX_BARE = ('cpuid_bare', 'CPUID, bare loop')
VMX_TARGET_FACTOR = 1.3
VMX_OPERATIONS = ('cpuid', 'cpuid_bare', 'io_out', 'io_in', 'hypercall',
                  'baseline')
# Our IPI round trip may cost at most this much of QEMU+KVM's.
KVM_IPI_TARGET = 0.5
# What the exiting operations are under QEMU+KVM: an unclaimed port goes
# to QEMU's userspace, CPUID and VMMCALL stay in the kernel.
KVM_OPERATIONS = [
    ('cpuid', 'in KVM'), ('io_out', 'QEMU userspace'),
    ('io_in', 'QEMU userspace'), ('hypercall', 'in KVM (-ENOSYS)'),
    ('cpuid_pg', 'in KVM'), ('io_out_pg', 'QEMU userspace'),
    ('io_in_pg', 'QEMU userspace'), ('hypercall_pg', 'in KVM (-ENOSYS)'),
]


def boot(a, host='lwk', guest=GUEST, machine='qemu', smp=1):
    kernel = os.path.join(a.build, 'kitten.elf')
    mods = qemu.guest_modules(a.build, guest)
    if host == 'linux':
        kernel = linux_host.base_initramfs(a.build)
    for path in [kernel] + mods:
        if not os.path.exists(path):
            sys.exit(f'bench.py: missing {path} (make lwk linux guests)')
    log = os.path.join(a.build, 'test-logs',
                       f'bench-{host}-{machine}-{guest}-smp{smp}.log')
    append = f'vm_timeout={int(TIMEOUT)}'
    if machine == 'bochs':
        cmd = bochs.command(kernel, mods, append,
                            os.path.join(a.build, 'bochs', 'bench'))
    elif host == 'linux':
        cmd = linux_host.command(
            a.build, log[:-4] + '.initrd', mods,
            linux_host.run_line(int(TIMEOUT), mods[0], mods[1:]) + '\n',
            qemu_bin=a.qemu)
    else:
        cmd = qemu.command(kernel, mods, append, qemu=a.qemu)
        if smp > 1:
            cmd += ['-smp', str(smp)]
    print(f'# booting the {"Linux host" if host == "linux" else "LWK"} '
          f'with {guest} on {machine} (log {log})', flush=True)
    test = Test(name=guest, guest=guest, timeout=TIMEOUT)
    run = run_boot(cmd, [test], lambda n: guest if n.startswith(guest)
                   else None, log, echo=a.verbose)
    if run.timeout_msg:
        print(f'bench.py: {run.timeout_msg}', file=sys.stderr)
    return run


def vmx_report(run):
    """Wall microseconds per operation from the BENCH lines' arrival."""
    per_op, run_cycles = {}, {}
    prev = None
    for text, t in zip(run.lines, run.times or []):
        if 'BENCH-START' in text:
            prev = t
            continue
        m = BENCH_RE.search(text)
        if not m:
            continue
        if prev is not None:
            per_op.setdefault(m.group(1), []).append(
                (t - prev) * 1e6 / 16384)
        run_cycles.setdefault(m.group(1), []).append(int(m.group(3)))
        prev = t
    missing = [op for op in VMX_OPERATIONS if op not in per_op]
    if missing:
        print(f'bench.py: VMX run incomplete (missing {missing})',
              file=sys.stderr)
        return False
    bare = statistics.median(per_op[VMX_BARE[0]])
    target = bare * VMX_TARGET_FACTOR
    print('\nIntel VMX + EPT in Bochs: wall microseconds per operation '
          '(Bochs\'s TSC counts instructions)')
    print(f'{"operation":12} {"":20} {"min":>7} {"median":>7} {"max":>7} '
          f'{"/bare":>6} {"target":>7} {"insns":>6}')
    ok = True
    for op, what, _ in [OPERATIONS[0], VMX_BARE + (None,)] + OPERATIONS[1:]:
        v = per_op.get(op)
        if not v:
            continue
        med = statistics.median(v)
        ratio, tgt, verdict = '', '', ''
        if op != 'baseline' and not op.startswith('cpuid_bare'):
            ratio = f'{med / bare:.2f}'
        if op == 'cpuid':
            tgt = f'<= {VMX_TARGET_FACTOR:g}'
            verdict = 'ok' if med <= target else 'MISS'
            ok = med <= target
        insns = statistics.median(run_cycles.get(op, [0]))
        print(f'{op:12} {what:20} {min(v):>7.2f} {med:>7.2f} '
              f'{max(v):>7.2f} {ratio:>6} {tgt:>7} {insns:>6.0f} {verdict}')
    print(f'(/bare: median over the bare VMRESUME loop\'s CPUID exit in '
          f'this run; insns: the guest\'s TSC per operation, which Bochs '
          f'advances per instruction, host and guest)')
    return ok


def run_kvm(a, guest, smp):
    """The guest's ELF under QEMU+KVM (L2 in a Debian L1 kernel): its
    console lines, or None after saying why on stderr."""
    elf = os.path.join(a.build, 'guests', guest + '.elf')
    cmd = [sys.executable, os.path.join(HERE, 'kvm', 'run_kvm_ref.py'),
           '--kernel', elf, '--smp', str(smp), '--build', a.build]
    if a.qemu:
        cmd += ['--qemu', a.qemu]
    print(f'# QEMU+KVM reference: {guest} with -smp {smp} in a Debian L1 '
          f'kernel', flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(f'bench.py: the QEMU+KVM run of {guest} failed',
              file=sys.stderr)
        return None
    res = json.loads(r.stdout)
    if res.get('guest_status') != 0:
        print(f'bench.py: {guest} under QEMU+KVM ended with status '
              f'{res.get("guest_status")} (log {res.get("log")})',
              file=sys.stderr)
        return None
    return res['console']


def ipi_cycles(lines):
    for line in lines or []:
        m = IPI_RE.search(line)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def report_ipi(lines, where, kvm_lines=None):
    """The apic-ipi guest's ping-pong: a fixed IPI each way per round
    trip between two vcpus; with kvm_lines, next to QEMU+KVM's."""
    got = ipi_cycles(lines)
    if not got:
        print('bench.py: no BENCH-IPI line from apic-ipi', file=sys.stderr)
        return 1
    print(f'IPI round trip, two vcpus {where}: {got[0]} cycles '
          f'(mean of {got[1]})')
    if kvm_lines is None:
        return 0
    kvm = ipi_cycles(kvm_lines)
    if not kvm:
        print('  QEMU+KVM (L2 -smp 2): no numbers (see its log)')
        return 1
    ratio = got[0] / kvm[0] if kvm[0] else float('inf')
    good = ratio <= KVM_IPI_TARGET
    print(f'  QEMU+KVM (L2 -smp 2, same emulated machine): {kvm[0]} cycles; '
          f'ratio {ratio:.2f} (target <= {KVM_IPI_TARGET:g}) '
          f'{"ok" if good else "MISS"}')
    return 0 if good else 2


def bench_cycles(lines):
    cycles = {}
    for line in lines:
        m = BENCH_RE.search(line)
        if m:
            cycles.setdefault(m.group(1), []).append(int(m.group(3)))
    return cycles


def report_kvm_exits(ours, kvm_lines):
    """Medians of the exit costs next to QEMU+KVM's (same guest ELF)."""
    kvm = bench_cycles(kvm_lines or [])
    print('\nNext to QEMU+KVM (the exitbench ELF as L2 in a Debian L1 '
          'kernel, same emulated machine), medians in cycles')
    if not kvm:
        print('QEMU+KVM: no numbers (see its log)')
        return
    print(f'{"operation":13} {"ours":>9} {"QEMU+KVM":>10} {"ratio":>6}  '
          'where KVM handles it')
    for op, where in KVM_OPERATIONS:
        if op not in ours or op not in kvm:
            continue
        med, kmed = statistics.median(ours[op]), statistics.median(kvm[op])
        ratio = med / kmed if kmed else float('inf')
        print(f'{op:13} {med:>9.0f} {kmed:>10.0f} {ratio:>6.2f}  {where}')


def row(name, what, values, target, linux):
    lo, med, hi = min(values), statistics.median(values), max(values)
    if target is None:
        verdict, tgt = '', '-'
    else:
        verdict, tgt = ('ok' if med <= target else 'MISS'), f'<= {target}'
    lx, lwk_verdict = '', verdict
    if linux is not None:
        lmed = statistics.median(linux[name])
        ratio = lmed / med if med else float('inf')
        lx = f'{lmed:>9.0f} {ratio:>6.2f}'
        if target is not None:
            good = ratio <= LINUX_RATIO_TARGET
            lx += f' <= {LINUX_RATIO_TARGET} {"ok" if good else "MISS"}'
            verdict = verdict if good else 'MISS'
    print(f'{name:10} {what:20} {lo:>9} {med:>9.0f} {hi:>9} {tgt:>10} '
          f'{lwk_verdict:4} {lx}')
    return verdict != 'MISS'


def parse(lines, host):
    """(cycles per operation, the VM's section) or None."""
    sections = [s for s in parse_boot(lines).sections
                if s.name.startswith(GUEST)]
    if not sections:
        print(f'bench.py: {host}: no V3-VM-BEGIN for exitbench',
              file=sys.stderr)
        return None
    sec = sections[0]
    cycles = {}
    for line in sec.lines:
        m = BENCH_RE.search(line)
        if m:
            cycles.setdefault(m.group(1), []).append(int(m.group(3)))
    missing = [op for op, _, _ in OPERATIONS if op not in cycles]
    if missing or sec.status != 0:
        print(f'bench.py: {host}: incomplete run (status {sec.status}, '
              f'reason {sec.reason!r}, missing {missing})', file=sys.stderr)
        return None
    return cycles, sec


def report(lines, strict, linux_lines=None, kvm_lines=None):
    got = parse(lines, 'LWK')
    if not got:
        return 1
    cycles, sec = got
    linux = None
    if linux_lines is not None:
        lgot = parse(linux_lines, 'Linux host')
        linux = lgot[0] if lgot else None
    rounds = len(cycles['cpuid'])
    print(f'\nVM exit cost, cycles per operation ({rounds} rounds of 16384)')
    print(f'{"operation":10} {"":20} {"min":>9} {"median":>9} {"max":>9} '
          f'{"target":>10} {"":4} '
          + (f'{"Linux":>9} {"ratio":>6} target' if linux else ''))
    ok = all([row(op, what, cycles[op], target, linux)
              for op, what, target in OPERATIONS])
    if linux_lines is not None and linux is None:
        print('Linux host: no numbers (see its log)')
        ok = False
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
    if kvm_lines is not False:
        report_kvm_exits(cycles, kvm_lines)
    return 0 if ok or not strict else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--qemu', default=os.environ.get('QEMU'))
    ap.add_argument('--replay', metavar='LOG',
                    help='read a saved serial log instead of booting')
    ap.add_argument('--strict', action='store_true',
                    help='exit 1 when a target is missed')
    ap.add_argument('--no-linux', action='store_true',
                    help='skip the Linux-host run')
    ap.add_argument('--no-vmx', action='store_true',
                    help='skip the Intel VMX run in Bochs')
    ap.add_argument('--no-kvm', action='store_true',
                    help='skip the QEMU+KVM reference runs')
    ap.add_argument('--vmx-only', action='store_true',
                    help='only the Intel VMX run in Bochs')
    ap.add_argument('-v', '--verbose', action='store_true')
    a = ap.parse_args()
    if a.replay:
        with open(a.replay, errors='replace') as f:
            lines = split_lines(f.read())
        return report(lines, a.strict, kvm_lines=False)
    if a.vmx_only:
        ok = vmx_report(boot(a, machine='bochs'))
        return 1 if a.strict and not ok else 0
    lines = boot(a).lines
    linux = None if a.no_linux else boot(a, 'linux').lines
    ipi2 = boot(a, guest=IPI_GUEST, smp=2).lines
    ipi1 = boot(a, guest=IPI_GUEST).lines
    kvm_exit = kvm_ipi = False
    if not a.no_kvm:
        kvm_exit = run_kvm(a, GUEST, 1)
        kvm_ipi = run_kvm(a, IPI_GUEST, 2)
    status = report(lines, a.strict, linux, kvm_exit)
    print()
    ipi_status = report_ipi(ipi2, 'on two host CPUs',
                            None if kvm_ipi is False else kvm_ipi or [])
    status |= ipi_status & 1
    if a.strict and ipi_status:
        status = 1
    status |= report_ipi(ipi1, 'sharing one host CPU')
    if not a.no_vmx:
        ok = vmx_report(boot(a, machine='bochs'))
        if a.strict and not ok:
            status = 1
    return status


if __name__ == '__main__':
    sys.exit(main())
