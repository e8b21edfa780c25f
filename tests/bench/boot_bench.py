#!/usr/bin/env python3
"""boot_bench.py - the reference Linux ISO booted by our VMM on the LWK,
by our VMM in the v3vee module in Debian's kernel (the Linux host), and
by QEMU+KVM inside a Debian kernel in the same emulated machine
(`-cpu EPYC,+svm,+npt`), side by side in one run.

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

GUEST = 'pc-reference'
# Configurations for 'vcpus = N' (tests/guests/pc-reference-smpN.cfg).
SMP_GUESTS = {1: 'pc-reference', 2: 'pc-reference-smp2',
              4: 'pc-reference-smp4'}
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
TARGET_EXITS = 0.5
TARGET_TIME = 0.7


def run_ours(build, iso, q, host='lwk', smp=1):
    kernel = os.path.join(build, 'kitten.elf')
    mods = qemu.guest_modules(build, SMP_GUESTS[smp]) + [qemu.BIOS, iso]
    if host == 'linux':
        kernel = linux_host.base_initramfs(build)
    for p in [kernel] + mods:
        if not os.path.exists(p):
            sys.exit(f'boot_bench.py: missing {p} (make lwk linux guests '
                     'reference-iso)')
    log = os.path.join(build, 'test-logs', f'boot-bench-{host}-smp{smp}.log')
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
    if t_begin is None or t_up is None:
        sys.exit(f'boot_bench.py: our VMM ({host}) did not reach userspace '
                 f'(log {log})')
    stats[None] = sum(v for k, v in stats.items() if k is not None)
    return t_up - t_begin, stats, log


def run_kvm(build, iso, npt, smp):
    cmd = [sys.executable, os.path.join(HERE, 'kvm', 'run_kvm_ref.py'),
           '--npt', str(npt), '--iso', iso, '--build', build,
           '--smp', str(smp)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        sys.exit('boot_bench.py: the QEMU+KVM reference run failed')
    return json.loads(p.stdout)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--qemu', default=os.environ.get('QEMU'))
    ap.add_argument('--npt', type=int, default=1, choices=(0, 1))
    ap.add_argument('--smp', type=int, default=1, choices=sorted(SMP_GUESTS),
                    help='guest vcpus (L2 -smp for QEMU+KVM)')
    a = ap.parse_args()
    iso = os.path.join(a.build, 'guest-images', 'reference.iso')
    print('# reference ISO: our VMM on the LWK, on the Linux host, then '
          'QEMU+KVM in Debian (same emulated machine)', flush=True)
    t_ours, ours, log = run_ours(a.build, iso, a.qemu, smp=a.smp)
    t_lx, lx, lx_log = run_ours(a.build, iso, a.qemu, 'linux', a.smp)
    kvm = run_kvm(a.build, iso, a.npt, a.smp)
    k_exit = kvm['phases']['exit']
    print(f'\nReference ISO boot, {a.smp} vcpu(s), nested paging (ours: '
          f'log {log}, Linux '
          f'host: log {lx_log})')
    print(f'{"":28}{"ours":>10}{"QEMU+KVM":>12}{"ratio":>8}  target')
    t_kvm = kvm['time_to_userspace']
    ok_t = t_ours <= TARGET_TIME * t_kvm
    print(f'{"time to userspace (s)":28}{t_ours:10.1f}{t_kvm:12.1f}'
          f'{t_ours / t_kvm:8.2f}  <= {TARGET_TIME} '
          f'{"ok" if ok_t else "MISS"}')
    ok_l = t_lx <= TARGET_TIME * t_kvm
    print(f'{"  on the Linux host (s)":28}{t_lx:10.1f}{t_kvm:12.1f}'
          f'{t_lx / t_kvm:8.2f}  <= {TARGET_TIME} '
          f'{"ok" if ok_l else "MISS"}')
    print(f'{"  exits, Linux host":28}{lx.get(None, 0):10d}')
    ok_e = True
    for label, ours_key, kvm_key in PAIRS:
        o = ours.get(ours_key, 0)
        k = k_exit.get(kvm_key, 0)
        ratio = f'{o / k:8.2f}' if k else f'{"-":>8}'
        tgt = ''
        if ours_key is None:
            ok_e = k and o <= TARGET_EXITS * k
            tgt = f'  <= {TARGET_EXITS} {"ok" if ok_e else "MISS"}'
        print(f'{"exits: " + label:28}{o:10d}{k:12d}{ratio}{tgt}')
    others = {k: v for k, v in ours.items()
              if k not in {p[1] for p in PAIRS}}
    if others:
        print('ours, other reasons: ' +
              ', '.join(f'{k}={v}' for k, v in sorted(others.items())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
