#!/usr/bin/env python3
"""bare.py - run a test guest on plain QEMU, with no VMM at all:

    python3 tests/harness/bare.py [--build DIR] GUEST

Every guest ELF carries a Multiboot header (tests/guests/lib/multiboot.S)
and Multiboot enters it the way our VMM does, so this tells a bug in the
guest library from one in the VMM.  Port 0xe9 is QEMU's debugcon and
0xf4 its isa-debug-exit, as in our VMs; there is no testdev and no
hypercall (VMMCALL raises #UD), so only guests that need neither, such
as 'exceptions', pass here.  Exit status: the guest's own.
"""
import argparse
import os
import subprocess
import sys

QEMU = os.environ.get('QEMU', 'qemu-system-x86_64')


def command(elf, qemu=QEMU):
    return [qemu, '-accel', 'tcg', '-cpu', 'EPYC', '-m', '64',
            '-display', 'none', '-no-reboot', '-net', 'none',
            '-debugcon', 'stdio',
            '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
            '-kernel', elf]


def run(elf, timeout=60, qemu=QEMU):
    """(guest status or None, console text).  isa-debug-exit makes QEMU
    exit with (status << 1) | 1; anything else means the guest never
    wrote its status (e.g. a triple fault with -no-reboot)."""
    p = subprocess.run(command(elf, qemu), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       timeout=timeout)
    status = p.returncode >> 1 if p.returncode & 1 else None
    return status, p.stdout.decode('utf-8', 'replace')


def main():
    ap = argparse.ArgumentParser(description='Run a guest without a VMM.')
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('guest')
    a = ap.parse_args()
    elf = os.path.join(a.build, 'guests', a.guest + '.elf')
    if not os.path.exists(elf):
        sys.exit(f'bare.py: no {elf} (make guests)')
    status, text = run(elf)
    sys.stdout.write(text)
    shown = 'none (no testexit write)' if status is None else status
    print(f'# guest status: {shown}')
    return 1 if status is None else status


if __name__ == '__main__':
    sys.exit(main())
