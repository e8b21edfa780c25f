"""bootrun.py - one QEMU boot of the LWK: stream its serial output into a
log, follow the VM markers, and kill QEMU when the running test (or the
boot itself) overruns its time.  Judging is judge.py's job."""
import os
import queue
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

from serial import BEGIN_RE, END_RE, HOST_DONE, PANIC, split_lines, vm_key

# Seconds, before --timeout-factor scaling.
BOOT_ALLOWANCE = 30.0   # QEMU start and LWK boot, before the first VM
GRACE = 10.0            # past a test's timeout, for host overheads; the
                        # LWK's vm_timeout (the boot's largest timeout)
                        # may stop the VM first and say so itself
DONE_ALLOWANCE = 20.0   # after the last VM: V3-HOST-DONE and power-off
PANIC_FLUSH = 2.0       # after a PANIC line, for the rest of the dump


@dataclass
class BootRun:
    lines: List[str]
    ending: str   # done | exited | timeout | panic | nodone (no HOST-DONE)
    rc: Optional[int]
    timeout_msg: str = ''
    blamed: Optional[str] = None  # the test a timeout is charged to
    times: Optional[List[float]] = None  # arrival (monotonic) per line


class _Tracker:
    """Which test runs now, and the deadline it must meet."""

    def __init__(self, tests, owner_of, factor, now):
        self.tests = tests
        self.owner_of = owner_of      # VM name -> test name or None
        self.factor = factor
        self.running: Optional[str] = None
        self.next_idx = 0
        first = tests[0].timeout if tests else 0
        self.deadline = now + (BOOT_ALLOWANCE + first + GRACE) * factor
        self.waiting_for = ('the first V3-VM-BEGIN'
                            + (f' ({tests[0].name})' if tests else ''))
        self.blame = tests[0].name if tests else None
        self.done = False
        self.panicked = False
        # Console input still to type for the running test, and its VM's
        # output since V3-VM-BEGIN (or since the last input) to match.
        self.sends: List[tuple] = []
        self.typed = ''

    def _index(self, name):
        for i, t in enumerate(self.tests):
            if t.name == name:
                return i
        return None

    def line(self, text, now):
        if self.tests and self.tests[0].boot_scope:
            # Whole-boot tests: only the boot's own deadline counts.
            if PANIC in text and not self.panicked:
                self.panicked = True
                self.deadline = min(self.deadline,
                                    now + PANIC_FLUSH * self.factor)
            return
        m = BEGIN_RE.search(text)
        if m:
            owner = self.owner_of(vm_key(m.group(1)))
            i = self._index(owner) if owner else None
            if i is not None:
                t = self.tests[i]
                self.running, self.next_idx = t.name, i + 1
                self.blame = t.name
                self.deadline = now + (t.timeout + GRACE) * self.factor
                self.waiting_for = f'V3-VM-END of {t.name}'
                self.sends, self.typed = list(t.send), ''
        m = END_RE.search(text)
        if m and self.running:
            prev, self.running = self.running, None
            self.sends = []
            if self.next_idx < len(self.tests):
                t = self.tests[self.next_idx]
                self.blame = t.name
                self.deadline = now + (t.timeout + GRACE) * self.factor
                self.waiting_for = (f'V3-VM-BEGIN of {t.name} '
                                    f'(after {prev} ended)')
            else:
                self.blame = None
                self.deadline = now + DONE_ALLOWANCE * self.factor
                self.waiting_for = 'V3-HOST-DONE and QEMU exit'
        if HOST_DONE in text and not self.done:
            self.done = True
            self.blame = None
            self.deadline = now + DONE_ALLOWANCE * self.factor
            self.waiting_for = 'QEMU to exit after V3-HOST-DONE'
        if PANIC in text and not self.panicked:
            self.panicked = True
            self.deadline = min(self.deadline,
                                now + PANIC_FLUSH * self.factor)


    def input_due(self, output):
        """The console input the running test wants typed now, if any:
        'output' is what the VM printed since the last call."""
        if not self.sends:
            return None
        self.typed += output
        rx, text = self.sends[0]
        m = rx.search(self.typed)
        if not m:
            return None
        self.sends.pop(0)
        self.typed = self.typed[m.end():]
        return text


def _reader(stream, q):
    fd = stream.fileno()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b''
        q.put(chunk)
        if not chunk:
            return


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()


def run_boot(cmd, tests, owner_of: Callable[[str], Optional[str]],
             log_path, factor=1.0, echo=False) -> BootRun:
    """Run 'cmd' (a QEMU command line) for 'tests', which are in module
    order; 'owner_of' maps a VM name from a marker to its test's name."""
    start = time.monotonic()
    tracker = _Tracker(tests, owner_of, factor, start)
    if tests and tests[0].boot_scope:
        tracker.deadline = start + (BOOT_ALLOWANCE +
                                    tests[0].timeout) * factor
        tracker.waiting_for = 'the LWK to power off'
    os.makedirs(os.path.dirname(log_path) or '.', exist_ok=True)
    log = open(log_path, 'wb')
    log.write(('# ' + ' '.join(cmd) + '\n').encode())
    log.flush()
    wants_input = any(t.send for t in tests)
    # A session of its own, so that a kill reaches the emulator even when
    # 'cmd' is a wrapper (bochs.py) that started it.
    proc = subprocess.Popen(cmd, stdin=(subprocess.PIPE if wants_input
                                        else subprocess.DEVNULL),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            start_new_session=True)
    q: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, q),
                     daemon=True).start()
    pending = b''
    lines: List[str] = []
    times: List[float] = []
    ending, timeout_msg, blamed = 'exited', '', None

    def take(data: bytes, final=False):
        nonlocal pending
        pending += data
        *full, pending = pending.split(b'\n')
        if final and pending:
            full, pending = full + [pending], b''
        now = time.monotonic()
        for raw in full:
            text = split_lines(raw.decode('utf-8', 'replace'))[0]
            lines.append(text)
            times.append(now)
            if echo:
                print('  | ' + text, flush=True)
            tracker.line(text, now)

    while True:
        left = tracker.deadline - time.monotonic()
        if left <= 0:
            if tracker.panicked:
                ending = 'panic'
            elif tracker.done:
                ending = 'done'     # finished, QEMU just did not exit
            elif tracker.blame is None:
                ending = 'nodone'   # every VM ended, the host did not
                timeout_msg = f'timeout waiting for {tracker.waiting_for}'
            else:
                ending = 'timeout'
                blamed = tracker.blame
                limit = tracker.deadline - start
                timeout_msg = (f'timeout waiting for '
                               f'{tracker.waiting_for} '
                               f'({limit:.0f}s into the boot)')
            break
        try:
            chunk = q.get(timeout=min(left, 0.5))
        except queue.Empty:
            continue
        if not chunk:
            break
        log.write(chunk)
        log.flush()
        take(chunk)
        output = chunk.decode('utf-8', 'replace') if wants_input else ''
        while wants_input:
            text = tracker.input_due(output)
            if text is None:
                break
            output = ''
            try:
                proc.stdin.write(text.encode())
                proc.stdin.flush()
            except OSError:
                break
    if proc.poll() is None:
        _kill(proc)
    rc = proc.wait()
    # Whatever the reader still had.
    while True:
        try:
            chunk = q.get(timeout=0.2)
        except queue.Empty:
            break
        if not chunk:
            break
        log.write(chunk)
        take(chunk)
    take(b'', final=True)
    if ending == 'exited':
        if tracker.panicked:
            ending = 'panic'
        elif tracker.done:
            ending = 'done'
    log.write(f'\n# harness: boot ended ({ending}, QEMU status {rc})'
              f'{": " + timeout_msg if timeout_msg else ""}\n'.encode())
    log.close()
    return BootRun(lines, ending, rc, timeout_msg, blamed, times)
