#!/usr/bin/env python3
"""bochs.py - boot the LWK with guest VMs in Bochs, which emulates Intel
VMX with EPT (QEMU's TCG only emulates AMD SVM).

Bochs has no -kernel: the LWK and its modules go on an ISO that ISOLINUX
boots, and mboot.c32 loads kitten.elf as a Multiboot kernel with the
modules after it.  Bochs writes COM1 to a file; this script follows that
file on its stdout, so the harness reads the serial output exactly as
it reads QEMU's.  The LWK ends Bochs through its shutdown port (0x8900).

    python3 tests/harness/bochs.py [--build DIR] --guests GUEST...
    python3 tests/harness/bochs.py [--build DIR] --iso ISO [--mem M]
    python3 tests/harness/bochs.py --work DIR --kernel K [--append A] MOD...

The second form is `make run ARCH=vmx` (on a terminal COM1 is that
terminal, so the guest's shell works); the last is what command()
returns for the harness.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

BOCHS = os.environ.get('BOCHS', 'bochs')
ISOLINUX = '/usr/lib/ISOLINUX/isolinux.bin'
SYSLINUX_MODS = '/usr/lib/syslinux/modules/bios'
# mboot.c32 is a COM32 module: it needs the loader core and libcom32.
C32 = ('ldlinux.c32', 'libcom32.c32', 'mboot.c32')
BIOS = '/usr/share/bochs/BIOS-bochs-latest'
VGABIOS = '/usr/share/vgabios/vgabios.bin'

# corei7_skylake_x has VMX with EPT, VPID and unrestricted guest.  A
# triple fault must stop Bochs instead of resetting it silently, and its
# panics must end it (the debugger would wait for input otherwise).  The
# rfb display with timeout=0 runs headless (nogui is not compiled in).
DEFAULT_CPU = 'corei7_skylake_x'
BOCHSRC = """\
cpu: model={cpu}, reset_on_triple_fault=0, ips=50000000
megs: {megs}
romimage: file={bios}
vgaromimage: file={vgabios}
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, {com1}
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: driver=dummy
panic: action=fatal
error: action=report
log: {log}
"""


def iso_name(i, path):
    """Names on the ISO: short and unique; the LWK gets the real name on
    the module's command line."""
    ext = os.path.splitext(path)[1][:4] or '.bin'
    return f'm{i:03d}{ext}'


def make_iso(work, kernel, modules, append):
    root = os.path.join(work, 'iso')
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(os.path.join(root, 'isolinux'))
    shutil.copy(ISOLINUX, os.path.join(root, 'isolinux'))
    for c in C32:
        shutil.copy(os.path.join(SYSLINUX_MODS, c),
                    os.path.join(root, 'isolinux'))
    shutil.copy(kernel, os.path.join(root, 'kitten.elf'))
    parts = [f'/kitten.elf {append}'.strip()]
    for i, m in enumerate(modules):
        name = iso_name(i, m)
        shutil.copy(m, os.path.join(root, name))
        parts.append(f'/{name} name={os.path.basename(m)}')
    with open(os.path.join(root, 'isolinux', 'isolinux.cfg'), 'w') as f:
        f.write('DEFAULT lwk\nPROMPT 0\nTIMEOUT 0\nLABEL lwk\n'
                '  KERNEL mboot.c32\n'
                f'  APPEND {" --- ".join(parts)}\n')
    iso = os.path.join(work, 'host.iso')
    subprocess.run(['xorriso', '-as', 'mkisofs', '-quiet', '-o', iso,
                    '-b', 'isolinux/isolinux.bin', '-c', 'isolinux/boot.cat',
                    '-no-emul-boot', '-boot-load-size', '4',
                    '-boot-info-table', root],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.STDOUT)
    return iso


def follow(path, proc, out):
    """Copy what Bochs writes to 'path' to 'out' until Bochs exits."""
    while not os.path.exists(path) and proc.poll() is None:
        time.sleep(0.1)
    with open(path, 'rb') as f:
        while True:
            data = f.read(65536)
            if data:
                out.write(data)
                out.flush()
                continue
            if proc.poll() is not None:
                data = f.read()
                if data:
                    out.write(data)
                    out.flush()
                return
            # Short: make bench times exits by when lines arrive.
            time.sleep(0.005)


def boot(work, kernel, modules, append, megs=512, tty=None, cpu=None):
    """Boot and copy COM1 to stdout; with 'tty' (a terminal device) COM1
    is that terminal instead, input included."""
    work = os.path.abspath(work)
    kernel = os.path.abspath(kernel)
    os.makedirs(work, exist_ok=True)
    iso = make_iso(work, kernel, modules, append)
    serial = os.path.join(work, 'serial.out')
    if os.path.exists(serial):
        os.unlink(serial)
    com1 = f'mode=term, dev={tty}' if tty else f'mode=file, dev={serial}'
    rc_path = os.path.join(work, 'bochsrc')
    with open(rc_path, 'w') as f:
        f.write(BOCHSRC.format(cpu=cpu or DEFAULT_CPU, megs=megs, bios=BIOS, vgabios=VGABIOS,
                               iso=iso, com1=com1,
                               log=os.path.join(work, 'bochs.log')))
    # Debian's Bochs has its debugger built in: 'c' starts the machine.
    dbg = os.path.join(work, 'dbg.rc')
    with open(dbg, 'w') as f:
        f.write('c\n')
    proc = subprocess.Popen([BOCHS, '-q', '-f', rc_path, '-rc', dbg],
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, cwd=work)

    def stop(signum, frame):
        proc.kill()
        proc.wait()
        sys.exit(128 + signum)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if tty:
            proc.wait()
        else:
            follow(serial, proc, sys.stdout.buffer)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    # Bochs ends with status 1 even when the LWK powered it off through
    # the shutdown port; that is the orderly end.
    try:
        with open(os.path.join(work, 'bochs.log'), errors='replace') as f:
            if 'Shutdown port: shutdown requested' in f.read():
                return 0
    except OSError:
        pass
    return proc.returncode


def command(kernel, modules, append, work, cpu=None):
    """The command line the harness runs for one Bochs boot."""
    return ([sys.executable, os.path.abspath(__file__), '--work', work,
             '--kernel', kernel, '--append', append] +
            (['--cpu', cpu] if cpu else []) + list(modules))


def main():
    ap = argparse.ArgumentParser(description='Boot the LWK in Bochs.')
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--work', help='directory for the ISO and logs '
                    '(default: BUILD/bochs)')
    ap.add_argument('--kernel', help='default: BUILD/kitten.elf')
    ap.add_argument('--append', default='vm_timeout=3600')
    ap.add_argument('--megs', type=int, default=512)
    ap.add_argument('--cpu', help=f'Bochs CPU model (default {DEFAULT_CPU})')
    ap.add_argument('--guests', action='store_true',
                    help='the arguments are guest names in BUILD/guests/')
    ap.add_argument('--iso', help='boot this ISO on an emulated PC '
                    'through SeaBIOS (as qemu.py --iso)')
    ap.add_argument('--mem', default='512M', help='with --iso: guest RAM')
    ap.add_argument('--cpus', default='1', help='with --iso: vcpus')
    ap.add_argument('modules', nargs='*')
    a = ap.parse_args()
    mods = a.modules
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import qemu
    if a.guests:
        mods = []
        for g in a.modules:
            mods += qemu.guest_modules(a.build, g)
    if a.iso:
        mods = qemu.pc_modules(a) + mods
    missing = [m for m in mods if not os.path.exists(m)]
    if missing:
        sys.exit(f'bochs.py: missing {" ".join(missing)}')
    kernel = a.kernel or os.path.join(a.build, 'kitten.elf')
    work = a.work or os.path.join(a.build, 'bochs')
    # Interactive (make run): the terminal is the guest's console.
    tty = os.ttyname(0) if a.iso and os.isatty(0) else None
    if a.iso:
        # The guest's RAM plus the host's own share of the machine.
        megs = max(a.megs, int(a.mem.rstrip('Mm')) + 256)
    else:
        megs = a.megs
    sys.exit(boot(work, kernel, mods, a.append, megs, tty, a.cpu))


if __name__ == '__main__':
    main()
