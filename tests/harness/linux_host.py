"""linux_host.py - boots of the Linux host: Debian's kernel under the
same emulated SVM machine, with an initramfs holding busybox, the v3vee
module and v3ctl (BUILD/linux/initramfs.cpio, from `make linux`) plus,
appended as a second archive, the guests of this boot and the list
host-linux/initramfs/init runs them from.  Its output is the LWK's line
protocol, so the same judge decides."""
import os
import struct
from typing import List, Sequence

MODULES_DIR = '/usr/lib/modules'
# The pseudo-VM the init prints around rmmod: its test checks the unload.
UNLOAD_VM = 'v3vee-unload'
# Other steps of the init that are not one VM: the guest name of a test
# -> (its run.list line, the guests it needs in /guests, other files).
# Two long-running guests, so that the init's polling surely sees both
# running at once even on a loaded machine.
PAIR_GUESTS = ('memory', 'memory')
HOST_STEPS = {
    UNLOAD_VM: (None, (), ()),              # always, at the end
    'v3vee-ioctl-test': ('tool v3vee-ioctl-test', (), ()),
    'v3vee-debugfs': ('debugfs cpuid.cfg cpuid.bin', ('cpuid',), ()),
    'v3vee-pair': ('pair v3vee-pair {timeout} ' + ' '.join(
        f'{g}.cfg {g}.bin' for g in PAIR_GUESTS), PAIR_GUESTS, ()),
    'v3vee-fpu-pair': ('pair v3vee-fpu-pair {timeout} fpu.cfg fpu.bin '
                       'fpu.cfg fpu.bin', ('fpu',), ()),
    # Console input: pc-reference's PC with the interactive ISO.
    'pc-shell': ('typed {timeout}', ('pc-reference',),
                 ('/usr/share/seabios/bios-256k.bin',
                  '{build}/guest-images/reference-shell.iso')),
}
# The init leaves this guest crashed (not destroyed) before rmmod.
CRASH_GUEST = 'triplefault'


def kernel() -> str:
    """/boot/vmlinuz-<ver> for the first <ver> in /usr/lib/modules that
    has one (never the running kernel's: it may have no headers)."""
    try:
        versions = sorted(os.listdir(MODULES_DIR))
    except OSError:
        versions = []
    for v in versions:
        path = f'/boot/vmlinuz-{v}'
        if os.path.exists(path):
            return path
    return '/boot/vmlinuz-missing'


def base_initramfs(build) -> str:
    return os.path.join(build, 'linux', 'initramfs.cpio')


def _newc(name: str, data: bytes, mode: int) -> bytes:
    """One entry of a 'newc' cpio archive (what the kernel unpacks)."""
    nameb = name.encode() + b'\0'
    fields = [0, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nameb), 0]
    hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
    out = hdr + nameb
    out += b'\0' * (-len(out) % 4)
    out += data + b'\0' * (-len(data) % 4)
    return out


def guest_archive(files: Sequence[str], run_list: str) -> bytes:
    """The second archive: /guests/<basename> for each file and
    /guests/run.list."""
    out = _newc('guests', b'', 0o40755)
    seen = set()
    for path in files:
        name = os.path.basename(path)
        if name in seen:
            continue
        seen.add(name)
        with open(path, 'rb') as f:
            out += _newc('guests/' + name, f.read(), 0o100644)
    out += _newc('guests/run.list', run_list.encode(), 0o100644)
    out += _newc('TRAILER!!!', b'', 0)
    return out


def write_initrd(build, path, files: Sequence[str], run_list: str) -> str:
    with open(base_initramfs(build), 'rb') as f:
        base = f.read()
    # The kernel unpacks concatenated archives; 4-byte alignment is
    # enough between them.
    base += b'\0' * (-len(base) % 4)
    with open(path, 'wb') as f:
        f.write(base + guest_archive(files, run_list))
    return path


# Guest RAM blocks come from a reserved pool first (exercised by every
# test: its 8 chunks run out during the bigger guests).
POOL_MB = 32


def append_line() -> str:
    return f'console=ttyS0 quiet panic=-1 v3vee.pool_mb={POOL_MB}'


def command(build, initrd, files, run_list, extra=(), qemu_bin=None):
    """QEMU booting Debian's kernel with the base initramfs plus 'files'
    and 'run_list' (written to 'initrd')."""
    import qemu
    write_initrd(build, initrd, files, run_list)
    return ([qemu_bin or qemu.QEMU] + qemu.merge_args(extra) +
            ['-kernel', kernel(), '-initrd', initrd,
             '-append', append_line()])


def run_line(timeout: int, cfg: str, images: List[str]) -> str:
    return ' '.join([str(timeout), os.path.basename(cfg)] +
                    [os.path.basename(i) for i in images])
