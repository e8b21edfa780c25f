#!/usr/bin/env python3
"""boot_bench.py - the reference Linux ISO booted by our VMM on the LWK,
by our VMM in the v3vee module in Debian's kernel (the Linux host), and
by QEMU+KVM inside a Debian kernel in the same emulated machine
(`-cpu EPYC,+svm,+npt`), side by side in one run: nested paging next to
KVM with kvm_amd npt=1, and shadow paging (the pc-reference-shadow VM,
forced on this NPT-capable CPU) next to KVM with npt=0.  --smp N boots
an N-vcpu guest (nested paging) next to KVM with the same -smp.

Ours: the LWK runs the pc-reference VM (SeaBIOS, ISOLINUX, Debian's
kernel); the time to userspace is the host's wall clock from the VM's
V3-VM-BEGIN line to the guest's GUEST-USERSPACE-UP line, and the exits
are the VMM's V3-STAT counters when the guest has powered off.  KVM's
side comes from tests/bench/kvm/run_kvm_ref.py (debugfs counters at L2
shutdown, time from L2's QEMU start to the same marker).  The machines
are noisy: compare the ratios of one run.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'harness'))

import linux_host  # noqa: E402
import qemu  # noqa: E402
from serial import split_lines  # noqa: E402

# The VM configuration (tests/guests/<name>.cfg) per (paging, vcpus).
GUESTS = {('nested', 1): 'pc-reference', ('nested', 2): 'pc-reference-smp2',
          ('nested', 4): 'pc-reference-smp4',
          ('shadow', 1): 'pc-reference-shadow'}
TIMEOUT = 600
STAT_RE = re.compile(r'V3-STAT \S+ vcpu\d+ (\S+) count=(\d+)')
# Our exit reasons next to KVM's debugfs counters.
PAIRS = [
    ('total', None, 'total_exits'),
    ('port I/O', 'io', 'io_exits'),
    ('MMIO / nested faults', 'nested_fault', 'mmio_exits'),
    ('HLT', 'hlt', 'halt_exits'),
    ('interrupt window', 'intr_window', 'irq_window_exits'),
    ('host interrupts', 'host_intr', 'irq_exits'),
]
# Shadow paging's own exits; KVM counts every #PF it intercepts in
# pf_taken and INVLPG in invlpg (its CR accesses have no counter).
SHADOW_PAIRS = [
    ('page faults', 'page_fault', 'pf_taken'),
    ('INVLPG', 'invlpg', 'invlpg'),
    ('CR accesses', 'cr_access', None),
]
SHADOW_STAT_RE = re.compile(r'shadow paging: (\d+) fills \(\+(\d+) '
                            r'prefetched\), (\d+) guest page faults, (\d+) '
                            r'flushes, (\d+) invlpg \((\d+) refilled\)')
# The shadow-root cache: CR3 loads, hits, misses, evictions; the resync
# of a root that becomes current again.
ROOTS_STAT_RE = re.compile(r'shadow roots: (\d+) CR3 loads, (\d+) hits, '
                           r'(\d+) misses, (\d+) evictions; resync of '
                           r'(\d+) tables kept (\d+) leaves, dropped '
                           r'(\d+), filled (\d+)')
TARGET_EXITS = 0.5
TARGET_TIME = 0.7


def run_ours(build, iso, q, host='lwk', smp=1, paging='nested'):
    kernel = os.path.join(build, 'kitten.elf')
    guest = GUESTS[(paging, smp)]
    mods = qemu.guest_modules(build, guest) + [qemu.BIOS, iso]
    if host == 'linux':
        kernel = linux_host.base_initramfs(build)
    for p in [kernel] + mods:
        if not os.path.exists(p):
            sys.exit(f'boot_bench.py: missing {p} (make lwk linux guests '
                     'reference-iso)')
    log = os.path.join(build, 'test-logs', f'boot-bench-{host}-{guest}.log')
    if host == 'linux':
        cmd = linux_host.command(
            build, log[:-4] + '.initrd', mods,
            linux_host.run_line(TIMEOUT, mods[0], mods[1:]) + '\n',
            qemu_bin=q)
    else:
        cmd = qemu.command(kernel, mods, f'vm_timeout={TIMEOUT}', qemu=q)
    if smp > 1:
        cmd += ['-smp', str(smp)]
    os.makedirs(os.path.dirname(log), exist_ok=True)
    t_begin = t_up = None
    text = []
    with open(log, 'w') as out, subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as p:
        deadline = time.monotonic() + TIMEOUT + 30
        for raw in p.stdout:
            line = raw.decode(errors='replace')
            out.write(line)
            text.append(line)
            now = time.monotonic()
            if t_begin is None and 'V3-VM-BEGIN' in line:
                t_begin = now
            if t_up is None and 'GUEST-USERSPACE-UP' in line:
                t_up = now
            if 'V3-HOST-DONE' in line or now > deadline:
                break
        p.kill()
    stats = {}
    for ln in split_lines(''.join(text)):
        m = STAT_RE.search(ln)
        if m:
            stats[m.group(1)] = stats.get(m.group(1), 0) + int(m.group(2))
        m = SHADOW_STAT_RE.search(ln)
        if m:
            stats['shadow'] = tuple(int(x) for x in m.groups())
        m = ROOTS_STAT_RE.search(ln)
        if m:
            stats['roots'] = tuple(int(x) for x in m.groups())
    if t_begin is None or t_up is None:
        sys.exit(f'boot_bench.py: our VMM ({host}) did not reach userspace '
                 f'(log {log})')
    stats[None] = sum(v for k, v in stats.items()
                      if k is not None and k not in ('shadow', 'roots'))
    return t_up - t_begin, stats, log


def run_kvm(build, iso, npt, smp):
    cmd = [sys.executable, os.path.join(HERE, 'kvm', 'run_kvm_ref.py'),
           '--npt', str(npt), '--iso', iso, '--build', build,
           '--smp', str(smp)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit('boot_bench.py: the QEMU+KVM reference run failed')
    return json.loads(p.stdout)


def table(title, t_ours, ours, kvm, pairs, linux=None):
    """One comparison; returns (time ratio, exit ratio).  'linux' is the
    Linux host's (time, stats) for the same VM, or None."""
    k_exit = kvm['phases']['exit']
    print(f'\n{title}')
    print(f'{"":28}{"ours":>10}{"QEMU+KVM":>12}{"ratio":>8}  target')
    t_kvm = kvm['time_to_userspace']

    def time_row(label, t):
        ok = t <= TARGET_TIME * t_kvm
        print(f'{label:28}{t:10.1f}{t_kvm:12.1f}{t / t_kvm:8.2f}  <= '
              f'{TARGET_TIME} {"ok" if ok else "MISS"}')
    time_row('time to userspace (s)', t_ours)
    if linux:
        time_row('  on the Linux host (s)', linux[0])
        print(f'{"  exits, Linux host":28}{linux[1].get(None, 0):10d}')
    for label, ours_key, kvm_key in pairs:
        o = ours.get(ours_key, 0)
        k = k_exit.get(kvm_key, 0) if kvm_key else 0
        ratio = f'{o / k:8.2f}' if k else f'{"-":>8}'
        tgt = ''
        if ours_key is None:
            ok_e = k and o <= TARGET_EXITS * k
            tgt = f'  <= {TARGET_EXITS} {"ok" if ok_e else "MISS"}'
        kv = f'{k:12d}' if kvm_key else f'{"-":>12}'
        print(f'{"exits: " + label:28}{o:10d}{kv}{ratio}{tgt}')
    shown = {p[1] for p in pairs} | {'shadow', 'roots'}
    others = {k: v for k, v in ours.items() if k not in shown}
    if others:
        print('ours, other reasons: ' +
              ', '.join(f'{k}={v}' for k, v in sorted(others.items())))
    total_k = k_exit.get('total_exits', 0)
    return t_ours / t_kvm, (ours[None] / total_k if total_k else 0)


def shadow_note(ours, re_, rt):
    """The closing note of the shadow column: the ratios and what the
    cache of shadow roots per CR3 did."""
    fills, pre, gpf, flushes, invlpg, refilled = ours.get(
        'shadow', (0,) * 6)
    loads, hits, misses, evict, tables, kept, dropped, filled = ours.get(
        'roots', (0,) * 8)
    print(f'Shadow paging: {re_:.2f}x KVM\'s exits and {rt:.2f}x its '
          f'time.  Shadow tables: {fills} fills on a miss (+{pre} '
          f'neighbours prefetched), {gpf} guest page faults reflected, '
          f'{flushes} full flushes, {invlpg} INVLPG ({refilled} refilled '
          'the new translation at once).')
    if loads:
        print(f'Shadow roots per CR3: {loads} CR3 loads, {hits} found '
              f'their root cached ({100.0 * hits / loads:.1f} %), '
              f'{misses} built a new one, {evict} evicted; the resync of '
              f'{tables} tables kept {kept} leaves (which a flush on '
              f'each CR3 load would have had to refill), dropped '
              f'{dropped} the guest had changed and filled {filled} it '
              'had used meanwhile.')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--qemu', default=os.environ.get('QEMU'))
    ap.add_argument('--paging', default='both',
                    choices=('nested', 'shadow', 'both'))
    ap.add_argument('--smp', type=int, default=1, choices=(1, 2, 4),
                    help='guest vcpus (L2 -smp for QEMU+KVM); nested only')
    ap.add_argument('--no-linux', action='store_true',
                    help='skip the Linux-host run')
    a = ap.parse_args()
    iso = os.path.join(a.build, 'guest-images', 'reference.iso')
    modes = ['nested', 'shadow'] if a.paging == 'both' else [a.paging]
    if a.smp > 1:
        modes = ['nested']
    print('# reference ISO: our VMM on the LWK (and on the Linux host for '
          'nested paging), then QEMU+KVM in Debian (same emulated machine)',
          flush=True)
    results = {}
    for mode in modes:
        t_ours, ours, log = run_ours(a.build, iso, a.qemu, smp=a.smp,
                                     paging=mode)
        linux = None
        if mode == 'nested' and not a.no_linux:
            t_lx, lx, _ = run_ours(a.build, iso, a.qemu, 'linux', a.smp)
            linux = (t_lx, lx)
        kvm = run_kvm(a.build, iso, 1 if mode == 'nested' else 0, a.smp)
        results[mode] = (t_ours, ours, log, kvm, linux)
    for mode in modes:
        t_ours, ours, log, kvm, linux = results[mode]
        npt = 1 if mode == 'nested' else 0
        pairs = PAIRS + (SHADOW_PAIRS if mode == 'shadow' else [])
        rt, re_ = table(f'Reference ISO boot, {a.smp} vcpu(s), {mode} paging '
                        f'(ours: log {log}; QEMU+KVM with kvm_amd npt={npt})',
                        t_ours, ours, kvm, pairs, linux)
        if mode == 'shadow':
            shadow_note(ours, re_, rt)
    return 0


if __name__ == '__main__':
    sys.exit(main())
