#!/usr/bin/env python3
"""qemu.py - the one QEMU command line that boots the LWK with guest VMs,
shared by the test harness, the benchmark and `make run`.

As a script it boots the LWK interactively (serial on this terminal;
Ctrl-A X quits QEMU):
    python3 tests/harness/qemu.py [--build DIR] GUEST...
"""
import argparse
import os
import shlex
import subprocess
import sys

QEMU = os.environ.get('QEMU', 'qemu-system-x86_64')

# AMD SVM with nested paging, emulated by TCG (there is no KVM here).
# isa-debug-exit at 0x501 lets the LWK end QEMU when it is done.
# QEMU_ACCEL replaces '-accel tcg', e.g. tcg,thread=single to keep a boot
# with -smp N on one host core (QEMU takes the first -accel that works,
# so a second one could not do it).
BASE_ARGS = ['-accel', os.environ.get('QEMU_ACCEL', 'tcg'), '-cpu', 'EPYC,+svm,+npt', '-m', '1024',
             '-nographic', '-no-reboot', '-net', 'none',
             '-device', 'isa-debug-exit,iobase=0x501,iosize=2']
# Options given once: a test's own value replaces the default.
SINGLE_OPTS = ('-accel', '-cpu', '-m', '-smp', '-machine')


def guest_modules(build, guest):
    """The modules for one VM: its config, then its image if it has one
    (badconfig has none).  Module names are the files' basenames."""
    mods = [os.path.join(build, 'guests', guest + '.cfg')]
    image = os.path.join(build, 'guests', guest + '.bin')
    if os.path.exists(image):
        mods.append(image)
    return mods


BIOS = '/usr/share/seabios/bios-256k.bin'
PC_TEMPLATE = os.path.join(os.path.dirname(__file__), '..', '..',
                           'guest-images', 'pc.cfg.in')


def pc_modules(a):
    """A PC VM configuration for the ISO, written under BUILD/run/."""
    if not os.path.isfile(a.iso):
        sys.exit(f'qemu.py: ISO {a.iso!r} does not exist')
    if not os.path.isfile(BIOS):
        sys.exit(f'qemu.py: {BIOS} is missing (apt-get install seabios)')
    with open(PC_TEMPLATE) as f:
        cfg = (f.read().replace('@MEM@', a.mem).replace('@CPUS@', a.cpus)
               .replace('@PAGING@', a.paging)
               .replace('@ISO@', os.path.basename(a.iso)))
    out = os.path.join(a.build, 'run')
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, 'pc.cfg')
    with open(path, 'w') as f:
        f.write(cfg)
    return [path, BIOS, a.iso]


def merge_args(extra):
    base = list(BASE_ARGS)
    for opt in SINGLE_OPTS:
        if opt in extra and opt in base:
            i = base.index(opt)
            del base[i:i + 2]
    return base + list(extra)


def command(kernel, modules, append='', extra=(), qemu=None):
    cmd = [qemu or QEMU] + merge_args(extra) + ['-kernel', kernel]
    if append:
        cmd += ['-append', append]
    if modules:
        cmd += ['-initrd', ','.join(modules)]
    return cmd


def linux_command(a, mods):
    """Debian's kernel; its init attaches this terminal to each VM in
    turn (one VM per config in mods, all other files as images)."""
    import linux_host
    if not os.path.exists(linux_host.base_initramfs(a.build)):
        sys.exit('qemu.py: no Linux-host initramfs (make linux)')
    cfgs = [m for m in mods if m.endswith('.cfg')]
    imgs = [os.path.basename(m) for m in mods if not m.endswith('.cfg')]
    run_list = ''.join(f'console {os.path.basename(c)} {" ".join(imgs)}\n'
                       for c in cfgs)
    initrd = os.path.join(a.build, 'run', 'linux.initrd')
    os.makedirs(os.path.dirname(initrd), exist_ok=True)
    return linux_host.command(a.build, initrd, mods, run_list,
                              shlex.split(a.qemu_args))


def main():
    ap = argparse.ArgumentParser(description='Boot the LWK with guests.')
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--append', default=None,
                    help='LWK command line (default: vm_timeout=0, no '
                    'limit, with --iso; vm_timeout=60 for test guests)')
    ap.add_argument('--qemu-args', default='', help='extra QEMU arguments')
    ap.add_argument('--iso', help='boot this ISO on an emulated PC '
                    'through SeaBIOS instead of test guests')
    ap.add_argument('--mem', default='512M', help='with --iso: guest RAM')
    ap.add_argument('--cpus', default='1', help='with --iso: vcpus')
    ap.add_argument('--host', default='lwk', choices=('lwk', 'linux'),
                    help='lwk: our LWK; linux: Debian\'s kernel with the '
                    'v3vee module (console attached with v3ctl)')
    ap.add_argument('--paging', default='nested', choices=('nested', 'shadow'),
                    help='with --iso: the VM\'s paging')
    ap.add_argument('guests', nargs='*', help='names in BUILD/guests/')
    a = ap.parse_args()
    mods = []
    if a.iso:
        mods = pc_modules(a)
    elif not a.guests:
        sys.exit('qemu.py: name test guests or give --iso')
    for g in a.guests:
        mods += guest_modules(a.build, g)
    missing = [m for m in mods if not os.path.exists(m)]
    if missing:
        sys.exit(f'qemu.py: missing {" ".join(missing)} (make guests?)')
    if a.append is None:
        a.append = 'vm_timeout=0' if a.iso else 'vm_timeout=60'
    if a.host == 'linux':
        cmd = linux_command(a, mods)
    else:
        extra = shlex.split(a.qemu_args)
        # One host CPU per vcpu: the LWK runs vcpu i on CPU i.
        if a.iso and a.cpus != '1' and '-smp' not in extra:
            extra += ['-smp', a.cpus]
        cmd = command(os.path.join(a.build, 'kitten.elf'), mods, a.append,
                      extra)
    print(' '.join(shlex.quote(c) for c in cmd), flush=True)
    rc = subprocess.call(cmd)
    # isa-debug-exit makes QEMU exit with (value << 1) | 1: the LWK writes
    # 0 when every VM ran, 1 when it could not run them.
    sys.exit({1: 0, 3: 1}.get(rc, rc))


if __name__ == '__main__':
    main()
