#!/usr/bin/env python3
"""run_kvm_ref.py - the QEMU+KVM reference of `make bench`: boot the
reference guest ISO with QEMU+KVM inside a Debian L1 kernel that runs
under `qemu-system-x86_64 -accel tcg -cpu EPYC,+svm,+npt` (the place our
VMM runs), and print one JSON object: how long L2 took to reach userspace
and how many VM exits (by kind) KVM took to get there, to finish the
guest's workload, and to shut down.

    run_kvm_ref.py [--npt 0|1] [--iso PATH] [--smp N] [-v]
    run_kvm_ref.py --kernel GUEST.elf [--smp N]

With --kernel, L2 boots a test guest's Multiboot ELF with -kernel instead
(console on debugcon 0xe9, exit through isa-debug-exit 0xf4) and the JSON
holds the guest's exit status and console lines ("console").

Exit status 0 with the JSON on stdout; 1 with a message on stderr (and no
JSON) when the run failed; 2 on bad arguments.  The L1 initramfs is built
by mkinitramfs.sh and cached under BUILD/bench-kvm/.  See README.md.
"""
import argparse
import json
import os
import queue
import re
import shlex
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..', '..'))
MKINITRAMFS = os.path.join(HERE, 'mkinitramfs.sh')
# What the initramfs is made of: a change to any of these rebuilds it.
INITRAMFS_SOURCES = [MKINITRAMFS, os.path.join(HERE, 'l1-init.sh'),
                     os.path.join(HERE, '..', '..', '..', 'guest-images',
                                  'pack-initramfs.sh'),
                     os.path.join(HERE, 'l2-console.awk')]
HEADLINE = ['total_exits', 'io_exits', 'mmio_exits', 'irq_injections',
            'halt_exits', 'irq_window_exits']

RESULT_RE = re.compile(r'KVM-RESULT (.*)$')
TRACE_RE = re.compile(r'KVM-TRACE (exit|pio|mmio|overrun) (.*)$')
FAIL_RE = re.compile(r'KVM-FAIL (.*)$')
KV_RE = re.compile(r'([A-Za-z0-9_.]+)=(\S*)')
L2_LINE_RE = re.compile(r'^L2 +[0-9.]+ \| (.*)$')
SECTOR = 512


class RunError(Exception):
    """A failed run; retryable when L2 hung or reset before userspace
    (the emulated-SVM stack occasionally loses L2 in a halt, or resets it
    right after the boot loader; see README.md)."""
    def __init__(self, msg, retryable=False):
        super().__init__(msg)
        self.retryable = retryable


def number(s):
    for conv in (int, float):
        try:
            return conv(s)
        except ValueError:
            pass
    return s


def fields(text):
    return {k: number(v) for k, v in KV_RE.findall(text)}


def pick_kver():
    """Newest <ver> in /usr/lib/modules that has /boot/vmlinuz-<ver>."""
    def key(v):
        return [int(p) if p.isdigit() else p
                for p in re.split(r'(\d+)', v)]
    try:
        vers = os.listdir('/usr/lib/modules')
    except OSError:
        vers = []
    vers = [v for v in vers if os.path.isfile(f'/boot/vmlinuz-{v}')]
    if not vers:
        raise RunError('no /boot/vmlinuz-<ver> with /usr/lib/modules/<ver>: '
                       'apt-get install linux-image-amd64')
    return sorted(vers, key=key)[-1]


def which(prog):
    if os.sep in prog:
        return prog
    for d in os.environ.get('PATH', '/usr/bin:/bin').split(os.pathsep):
        p = os.path.join(d, prog)
        if os.access(p, os.X_OK):
            return p
    raise RunError(f'{prog} not found: apt-get install qemu-system-x86')


def initramfs(a, kver):
    """The cached L1 initramfs, rebuilt when its inputs changed."""
    out_dir = os.path.join(a.build, 'bench-kvm')
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f'l1-initramfs-{kver}.gz')
    inputs = INITRAMFS_SOURCES + [
        which(a.qemu), '/bin/busybox', '/usr/share/seabios/bios-256k.bin',
        f'/usr/lib/modules/{kver}/modules.dep']
    stamp = {}
    for p in inputs:
        try:
            st = os.stat(p)
            stamp[p] = [st.st_size, st.st_mtime_ns]
        except OSError:
            stamp[p] = None
    stamp_file = out + '.inputs'
    try:
        with open(stamp_file) as f:
            old = json.load(f)
    except (OSError, ValueError):
        old = None
    if not a.rebuild and old == stamp and os.path.exists(out):
        return out
    log(a, f'building {out}')
    env = dict(os.environ, KVER=kver, QEMU=which(a.qemu))
    r = subprocess.run(['sh', MKINITRAMFS, out], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode != 0:
        raise RunError(f'mkinitramfs.sh failed:\n{r.stdout.strip()}')
    with open(stamp_file, 'w') as f:
        json.dump(stamp, f)
    return out


def log(a, msg):
    if a.verbose:
        print(f'run_kvm_ref: {msg}', file=sys.stderr, flush=True)


def kernel_image(a):
    """The guest ELF padded to whole sectors: L1 sees it as a disk."""
    with open(a.kernel, 'rb') as f:
        data = f.read()
    if data[:4] != b'\x7fELF':
        raise RunError(f'{a.kernel} is not an ELF file')
    data += b'\0' * (-len(data) % SECTOR)
    out = os.path.join(a.build, 'bench-kvm',
                       os.path.basename(a.kernel) + '.img')
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, 'wb') as f:
        f.write(data)
    return out


def l1_command(a, kver, initrd):
    append = ' '.join([
        'console=ttyS0', 'quiet', 'panic=-1',
        f'l1.npt={a.npt}', f'l1.smp={a.smp}', f'l1.mem={a.mem}',
        f'l1.timeout={int(a.timeout)}', f'l1.stall={int(a.stall)}'] +
        ([f'l1.kvm_amd={a.kvm_amd}'] if a.kvm_amd else []) +
        (['l1.trace=1'] if a.trace else []) +
        (['l1.kernel=1'] if a.kernel else []))
    return [which(a.qemu), '-accel', 'tcg', '-cpu', a.l1_cpu,
            '-m', str(a.l1_mem), '-smp', str(a.l1_smp),
            '-nographic', '-no-reboot', '-net', 'none',
            '-kernel', f'/boot/vmlinuz-{kver}', '-initrd', initrd,
            # The ISO as a read-only virtio disk (/dev/vda in L1).
            '-drive', f'file={a.disk},if=virtio,format=raw,readonly=on',
            '-append', append]


def run_l1(a, cmd, logpath):
    """Boot L1; return (lines, events) where events maps a marker to the
    host time (seconds since QEMU started) it was first seen."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    q = queue.Queue()

    def reader():
        for raw in proc.stdout:
            q.put((time.monotonic() - start,
                   raw.decode('utf-8', 'replace').rstrip('\r\n')))
        q.put(None)

    threading.Thread(target=reader, daemon=True).start()
    lines, events = [], {}
    timed_out = False
    # L1 enforces l1.timeout on L2 itself; this is the backstop for L1.
    deadline = start + a.timeout + 120
    with open(logpath, 'w') as logf:
        logf.write('# ' + ' '.join(shlex.quote(c) for c in cmd) + '\n')
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            try:
                item = q.get(timeout=min(left, 5))
            except queue.Empty:
                continue
            if item is None:
                break
            t, line = item
            lines.append(line)
            logf.write(f'[{t:8.3f}] {line}\n')
            logf.flush()
            if a.verbose:
                print(f'[{t:8.3f}] {line}', file=sys.stderr, flush=True)
            for marker in ('KVM-L1-UP', 'KVM-L2-START', 'GUEST-USERSPACE-UP',
                           'KVM-L2-GUEST-EXIT',
                           'GUEST-WORK-DONE', 'KVM-END'):
                if marker in line and marker not in events:
                    events[marker] = t
    if timed_out:
        proc.kill()
    proc.wait()
    events['wall'] = time.monotonic() - start
    if timed_out:
        raise RunError(f'L1 did not finish within {a.timeout + 120:.0f} s '
                       f'(log {logpath}); last lines:\n' + tail(lines),
                       retryable=True)
    return lines, events, proc.returncode


def tail(lines, n=15):
    return '\n'.join('    ' + l for l in lines[-n:])


def parse_kernel(a, lines, events, out, phases, logpath, kver):
    """The --kernel run: the guest's console and exit status."""
    console = []
    for line in lines:
        m = L2_LINE_RE.search(line)
        if m:
            console.append(m.group(1))
    st = out.get('guest_exit', {}).get('qemu_status')
    if out.get('end', {}).get('status') != 'ok' or st is None:
        raise RunError(f'L2 did not end through isa-debug-exit (log '
                       f'{logpath}); last lines:\n' + tail(lines))
    # isa-debug-exit: QEMU exits with (value << 1) | 1.
    status = st >> 1 if isinstance(st, int) and st & 1 else None
    return {
        'ok': True,
        'reference': 'QEMU+KVM in a Debian L1 kernel under qemu TCG',
        'npt': a.npt,
        'kvm_amd_npt': str(out.get('modules', {}).get('kvm_amd.npt', '')),
        'l1': {'kernel': kver, 'cpu': a.l1_cpu, 'smp': a.l1_smp,
               'mem_mib': a.l1_mem},
        'l2_smp': a.smp, 'l2_mem_mib': a.mem, 'kernel': a.kernel,
        'qemu_status': st, 'guest_status': status,
        'time_to_exit': out['guest_exit'].get('time'),
        'phases': phases, 'console': console,
        'wall_s': round(events['wall'], 3), 'log': logpath,
    }


def parse(a, lines, events, rc, logpath, kver):
    phases, fails, dmesg, state = {}, [], [], []
    out, trace = {}, {}
    for line in lines:
        m = TRACE_RE.search(line)
        if m:
            trace.setdefault(m.group(1), []).append(fields(m.group(2)))
            continue
        m = RESULT_RE.search(line)
        if m:
            f = fields(m.group(1))
            phases[f.pop('phase', '?')] = f
            continue
        m = FAIL_RE.search(line)
        if m:
            fails.append(m.group(1))
        if 'L2-STATE' in line:
            state.append(line[line.find('L2-STATE'):])
        if 'L1-DMESG' in line:
            dmesg.append(line.split('L1-DMESG', 1)[1].strip())
        for marker, key in (('KVM-L1-UP', 'l1'),
                            ('KVM-MODULES-LOADED', 'modules'),
                            ('GUEST-USERSPACE-UP', 'guest'),
                            ('GUEST-WORK-DONE', 'work'),
                            ('KVM-L2-SHUTDOWN', 'shutdown'),
                            ('KVM-L2-GUEST-EXIT', 'guest_exit'),
                            ('KVM-END', 'end')):
            i = line.find(marker)
            if i >= 0 and key not in out:
                out[key] = fields(line[i + len(marker):])
    if fails:
        msg = '; '.join(fails)
        if state:
            msg += '\n' + '\n'.join('    ' + l for l in state)
        if dmesg:
            msg += '\nL1 kernel messages:\n' + '\n'.join(
                '    ' + d for d in dmesg[-25:])
        hung = any(f.startswith(('L2 stalled', 'L2 did not shut down'))
                   for f in fails)
        raise RunError(f'{msg}\n(log {logpath})', retryable=hung)
    if 'l1' not in out:
        raise RunError(f'L1 never reached its /init (QEMU exit {rc}, log '
                       f'{logpath}); last lines:\n' + tail(lines))
    if a.kernel:
        return parse_kernel(a, lines, events, out, phases, logpath, kver)
    if 'userspace' not in phases:
        raise RunError(f'L2 never printed GUEST-USERSPACE-UP (log {logpath})'
                       '; last lines:\n' + tail(lines), retryable=True)
    if out.get('end', {}).get('status') != 'ok' or 'exit' not in phases:
        raise RunError(f'L1 did not finish cleanly (log {logpath}); last '
                       'lines:\n' + tail(lines))

    result_file = os.path.splitext(a.iso)[0] + '.result'
    guest_result = str(out.get('work', {}).get('result', '')) or None
    expected = None
    if os.path.exists(result_file):
        with open(result_file) as f:
            parts = f.read().split()
        expected = parts[0] if parts else None
    if guest_result is None:
        raise RunError(f'L2 printed no GUEST-WORK-DONE (log {logpath})')
    if expected is not None and guest_result != expected:
        raise RunError(f'L2 workload result {guest_result} != {expected} '
                       f'from {result_file} (log {logpath})')

    up = phases['userspace']
    res = {
        'ok': True,
        'reference': 'QEMU+KVM in a Debian L1 kernel under qemu TCG',
        'npt': a.npt,
        'kvm_amd_npt': str(out.get('modules', {}).get('kvm_amd.npt', '')),
        'l1': {'kernel': kver, 'cpu': a.l1_cpu, 'smp': a.l1_smp,
               'mem_mib': a.l1_mem},
        'l2_smp': a.smp, 'l2_mem_mib': a.mem, 'iso': a.iso,
        'time_to_userspace': up.get('time_to_userspace'),
    }
    for k in HEADLINE:
        if k in up:
            res[k] = up[k]
    ev = events
    res['host_time_to_userspace'] = round(
        ev['GUEST-USERSPACE-UP'] - ev['KVM-L2-START'], 3)
    res['guest'] = out.get('guest', {})
    res['guest_result'] = guest_result
    res['guest_result_ok'] = None if expected is None else True
    res['shutdown_reason'] = out.get('shutdown', {}).get('reason')
    res['phases'] = phases
    if a.trace:
        # Tallies until GUEST-USERSPACE-UP; the timing above is slowed by
        # the tracing and is no reference then.
        res['traced'] = True
        res['trace'] = trace
    res['l1_uptime_at_init'] = out['l1'].get('uptime')
    res['host_time_to_l1_init'] = round(ev.get('KVM-L1-UP', 0), 3)
    res['wall_s'] = round(ev['wall'], 3)
    res['log'] = logpath
    return res


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--npt', type=int, choices=(0, 1), default=1,
                    help="kvm_amd's npt in L1 (0: shadow paging; "
                         'default %(default)s)')
    ap.add_argument('--iso', default=os.path.join(
        ROOT, 'build', 'guest-images', 'reference.iso'),
        help='the L2 guest ISO (default %(default)s)')
    ap.add_argument('--kernel', metavar='ELF',
                    help='boot this Multiboot test guest with -kernel '
                         'instead of the ISO')
    ap.add_argument('--smp', type=int, default=1,
                    help="L2's vCPUs (default %(default)s)")
    ap.add_argument('--mem', type=int, default=256,
                    help="L2's memory in MiB (default %(default)s)")
    ap.add_argument('--build', default=os.environ.get(
        'BUILD', os.path.join(ROOT, 'build')),
        help='build directory; the initramfs and logs go to '
             'BUILD/bench-kvm/ (default %(default)s)')
    ap.add_argument('--kver', help='L1 kernel version (default: newest '
                    'in /usr/lib/modules with /boot/vmlinuz-<ver>)')
    ap.add_argument('--qemu', default=os.environ.get(
        'QEMU', 'qemu-system-x86_64'))
    ap.add_argument('--l1-cpu', default='EPYC,+svm,+npt')
    ap.add_argument('--l1-smp', type=int, default=2)
    ap.add_argument('--l1-mem', type=int, default=2048)
    ap.add_argument('--kvm-amd', metavar='P=V,...',
                    help='more kvm_amd parameters, e.g. avic=0')
    ap.add_argument('--timeout', type=float, default=300,
                    help='seconds L2 may run (default %(default)s); L1 '
                         'gets 120 s more')
    ap.add_argument('--stall', type=float, default=30,
                    help='give up on L2 when KVM counts no exit for this '
                         'many seconds (default %(default)s)')
    ap.add_argument('--retries', type=int, default=2,
                    help='boot again this many times when L2 hangs '
                         '(default %(default)s); the JSON counts them')
    ap.add_argument('--trace', action='store_true',
                    help='tally exits by reason, port and MMIO address up to '
                         'GUEST-USERSPACE-UP (slows L2: a diagnosis, not a '
                         'reference)')
    ap.add_argument('--log', help='console log (default '
                    'BUILD/bench-kvm/l1-npt<N>.log)')
    ap.add_argument('--rebuild', action='store_true',
                    help='rebuild the initramfs even if cached')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='echo the console to stderr')
    a = ap.parse_args()
    if a.smp < 1 or a.mem < 16 or a.l1_smp < 1 or a.l1_mem < 256:
        ap.error('--smp/--mem/--l1-smp/--l1-mem out of range')
    a.iso = os.path.abspath(a.iso)
    a.build = os.path.abspath(a.build)
    if a.kernel:
        a.kernel = os.path.abspath(a.kernel)
    what = f'kernel {os.path.basename(a.kernel)}' if a.kernel \
        else f'npt={a.npt}'
    if ',' in (a.kernel or a.iso) or ',' in a.build:
        ap.error('the guest and build paths must not contain a comma '
                 '(QEMU -drive)')
    t_start = time.monotonic()
    try:
        if a.kernel:
            if not os.path.isfile(a.kernel):
                raise RunError(f'no {a.kernel} (make guests?)')
            a.disk = kernel_image(a)
        elif not os.path.isfile(a.iso):
            raise RunError(f'no ISO {a.iso} (make -C guest-images?)')
        else:
            a.disk = a.iso
        kver = a.kver or pick_kver()
        if not os.path.isfile(f'/boot/vmlinuz-{kver}'):
            raise RunError(f'no /boot/vmlinuz-{kver}')
        initrd = initramfs(a, kver)
        name = (f'l1-{os.path.basename(a.kernel)}-smp{a.smp}' if a.kernel
                else f'l1-npt{a.npt}')
        base = a.log or os.path.join(a.build, 'bench-kvm', name + '.log')
        cmd = l1_command(a, kver, initrd)
        log(a, ' '.join(shlex.quote(c) for c in cmd))
        failed = []
        for attempt in range(1, a.retries + 2):
            logpath = base if attempt == 1 else \
                f'{os.path.splitext(base)[0]}.try{attempt}.log'
            try:
                lines, events, rc = run_l1(a, cmd, logpath)
                res = parse(a, lines, events, rc, logpath, kver)
                break
            except RunError as e:
                if not e.retryable or attempt > a.retries:
                    raise
                first = str(e).split('\n', 1)[0]
                print(f'run_kvm_ref.py: {what}: attempt {attempt} '
                      f'failed, booting again: {first}', file=sys.stderr)
                failed.append(first)
        res['attempts'] = attempt
        res['wall_s_all_attempts'] = round(time.monotonic() - t_start, 3)
        res['failed_attempts'] = failed
    except RunError as e:
        print(f'run_kvm_ref.py: {what}: {e}', file=sys.stderr)
        return 1
    json.dump(res, sys.stdout, indent=1, sort_keys=False)
    print()
    return 0


if __name__ == '__main__':
    sys.exit(main())
