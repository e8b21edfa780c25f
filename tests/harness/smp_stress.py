#!/usr/bin/env python3
"""smp_stress.py - run the reference guest's workload over and over on an
SMP guest, to catch the rare crash seen with two or more vcpus.

    python3 tests/harness/smp_stress.py [--cpus 2] [--rounds 600]

Builds BUILD/stress/reference-stress.iso from BUILD/guest-images/
reference-shell.iso (the interactive shell as the default label, with
`nokaslr` so that addresses in a crash dump match System.map), boots it
through qemu.py's command line (single-threaded TCG: one host core), and
types `v3-workload` at the guest's shell ROUNDS times.  Every round's
checksum must be the one in BUILD/guest-images/reference.result.

It stops at the first bad round: a wrong checksum, a guest oops or panic,
a VMM report (triple fault, PANIC, the VM ending) or a round that takes
longer than --round-timeout.  It prints the round and where the log is
(BUILD/stress/stress-<stamp>.log, the whole serial output).  Exit status:
0 all rounds clean, 1 a crash or bad round, 2 the guest never came up.
"""
import argparse
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MKISO = os.path.join(HERE, '..', '..', 'guest-images', 'mkiso.sh')

# Anything of these in the output ends the run as a crash.
CRASH = re.compile(r'Oops|BUG:|Kernel panic|general protection|'
                   r'double fault|[Tt]riple fault|PANIC|V3-VM-END|'
                   r'V3-HOST-DONE|segfault|Call Trace|RIP: ')
SHELL_UP = 'interactive shell'
# The typed command echoes as "...round=$i result=$r"; only the output
# line has a number and a checksum there.
DONE = re.compile(r'GUEST-WORK-DONE round=(\d+) rc=(\d+) result=(\S*)\n')


def build_iso(src, out):
    """The shell ISO with 'shell' as DEFAULT and nokaslr on its command
    line, rebuilt with mkiso.sh from the files of the project's ISO."""
    with tempfile.TemporaryDirectory(dir=os.path.dirname(out)) as d:
        subprocess.run(['xorriso', '-osirrox', 'on', '-indev', src,
                        '-extract', '/', d], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for root, dirs, files in os.walk(d):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), 0o755)
        cfg = os.path.join(d, 'isolinux', 'isolinux.cfg')
        with open(cfg) as f:
            text = f.read()
        text = re.sub(r'(?m)^DEFAULT .*$', 'DEFAULT @DEFAULT@', text)
        text = re.sub(r'(?m)^(\s*APPEND .*v3\.interactive)$',
                      r'\1 nokaslr', text)
        if 'nokaslr' not in text:
            sys.exit('smp_stress.py: no v3.interactive APPEND line in '
                     f'{src}\'s isolinux.cfg')
        tmpl = os.path.join(d, 'isolinux.cfg.in')
        with open(tmpl, 'w') as f:
            f.write(text)
        subprocess.run(['sh', MKISO, out, os.path.join(d, 'vmlinuz'),
                        os.path.join(d, 'initrd.gz'), tmpl, 'shell',
                        os.path.join(d, 'isolinux', 'isolinux.bin'),
                        os.path.join(d, 'isolinux', 'ldlinux.c32')],
                       check=True)


def reader(stream, q):
    while True:
        chunk = os.read(stream.fileno(), 4096)
        q.put(chunk)
        if not chunk:
            return


class Console:
    """QEMU's serial console: output into the log and a line buffer."""

    def __init__(self, proc, log):
        self.proc, self.log = proc, log
        self.q = queue.Queue()
        self.text = ''      # output not yet consumed by wait()
        self.eof = False
        threading.Thread(target=reader, args=(proc.stdout, self.q),
                         daemon=True).start()

    def type(self, s):
        self.proc.stdin.write(s.encode())
        self.proc.stdin.flush()

    def pump(self, timeout):
        try:
            chunk = self.q.get(timeout=timeout)
        except queue.Empty:
            return
        if not chunk:
            self.eof = True
            return
        self.log.write(chunk)
        self.log.flush()
        self.text += chunk.decode('utf-8', 'replace').replace('\r', '')

    def wait(self, rx, deadline):
        """The first match of rx (a crash line wins), or None on timeout
        or EOF.  Returns ('crash'|'ok', match)."""
        while True:
            c = CRASH.search(self.text)
            m = rx.search(self.text)
            if c and (not m or c.start() < m.start()):
                return 'crash', c
            if m:
                self.text = self.text[m.end():]
                return 'ok', m
            if self.eof:
                return 'eof', None
            left = deadline - time.monotonic()
            if left <= 0:
                return 'timeout', None
            self.pump(min(left, 0.5))

    def drain(self, secs):
        """Keep logging for a while (a crash report is many lines)."""
        end = time.monotonic() + secs
        while not self.eof and time.monotonic() < end:
            self.pump(0.5)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--cpus', default='2', help='vcpus (default 2)')
    ap.add_argument('--host-cpus', default='4',
                    help='QEMU -smp, the LWK\'s CPUs (default 4)')
    ap.add_argument('--rounds', type=int, default=600)
    ap.add_argument('--paging', default='nested',
                    choices=('nested', 'shadow'))
    ap.add_argument('--mem', default='512M')
    ap.add_argument('--round-timeout', type=float, default=120)
    ap.add_argument('--boot-timeout', type=float, default=400)
    ap.add_argument('--accel', default='tcg,thread=single',
                    help='QEMU -accel (default: one host thread)')
    ap.add_argument('--qemu-args', default='', help='more QEMU arguments')
    a = ap.parse_args()

    out = os.path.join(a.build, 'stress')
    os.makedirs(out, exist_ok=True)
    iso = os.path.join(out, 'reference-stress.iso')
    build_iso(os.path.join(a.build, 'guest-images', 'reference-shell.iso'),
              iso)
    with open(os.path.join(a.build, 'guest-images',
                           'reference.result')) as f:
        want = f.read().strip()

    pa = argparse.Namespace(iso=iso, mem=a.mem, cpus=a.cpus,
                            paging=a.paging, build=a.build)
    extra = ['-accel', a.accel, '-smp', a.host_cpus] + a.qemu_args.split()
    cmd = qemu.command(os.path.join(a.build, 'kitten.elf'),
                       qemu.pc_modules(pa), 'vm_timeout=0', extra)
    stamp = time.strftime('%Y%m%d-%H%M%S')
    log_path = os.path.join(out, f'stress-{stamp}.log')
    log = open(log_path, 'wb')
    log.write(('# ' + ' '.join(cmd) + '\n').encode())
    print(' '.join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    con = Console(proc, log)
    start = time.monotonic()
    status, rounds, why = 0, 0, ''
    try:
        st, m = con.wait(re.compile(SHELL_UP),
                         start + a.boot_timeout)
        if st != 'ok':
            status, why = 2, f'boot: {st}' + (f' ({m.group(0)})' if m else '')
        else:
            print(f'guest up after {time.monotonic() - start:.0f}s',
                  flush=True)
            time.sleep(1)
        while status == 0 and rounds < a.rounds:
            i = rounds + 1
            t0 = time.monotonic()
            con.type(f'r=$(v3-workload); echo "GUEST-WORK-DONE '
                     f'round={i} rc=$? result=$r"\r')
            st, m = con.wait(DONE, t0 + a.round_timeout)
            if st != 'ok':
                status = 1
                why = f'round {i}: {st}' + (f' ({m.group(0)!r})' if m else '')
            elif (int(m.group(1)), m.group(2), m.group(3)) != (i, '0', want):
                status, why = 1, f'round {i}: bad output {m.group(0)!r}'
            else:
                rounds = i
                if i % 10 == 0 or i == a.rounds:
                    print(f'round {i} ok ({time.monotonic() - t0:.1f}s, '
                          f'{time.monotonic() - start:.0f}s in all)',
                          flush=True)
        if status == 1:
            con.drain(15)
    except KeyboardInterrupt:
        status, why = 1, f'interrupted after {rounds} rounds'
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        log.write(f'\n# smp_stress: {rounds} rounds clean; '
                  f'{why or "done"}\n'.encode())
        log.close()
    print(f'{rounds} of {a.rounds} rounds clean'
          + (f'; FAILED {why}' if why else ''), flush=True)
    print(f'log: {log_path}', flush=True)
    if status:
        shutil.copy(log_path, os.path.join(out, 'last-failure.log'))
    sys.exit(status)


if __name__ == '__main__':
    main()
