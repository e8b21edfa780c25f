#!/usr/bin/env python3
"""run.py - the test runner behind `make check`.

    run.py [options] [UNIT_BINARY...]

First the unit test binaries named on the command line (each one test,
'unit-<file name>', PASS when it exits 0), then the guest tests of
tests/tests.cfg: every test whose QEMU arguments are the same runs as one
VM of a single LWK boot (modules in file order).  A test that overruns
its timeout is failed, QEMU is killed, and the tests after it get a new
boot.  Prints 'PASS <name>' or 'FAIL <name>: <reason>' per test, logs
each boot's serial output under BUILD/test-logs/, and ends with the line
'N passed, M failed'.  Exit status 1 if anything failed.

Selection: --tests GLOBS (or $TESTS), comma or space separated, matches
test names in any group; otherwise --group (default 'default').
--replay LOG judges the selected guest tests against a saved serial log
instead of booting (for working on the harness or the tests offline).
"""
import argparse
import math
import os
import re
import subprocess
import sys
from typing import Dict, List, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import linux_host  # noqa: E402
import bochs  # noqa: E402
import qemu  # noqa: E402
import testlist  # noqa: E402
from bootrun import BootRun, run_boot  # noqa: E402
from judge import (Verdict, fail, judge_boot, judge_section,  # noqa: E402
                   judge_unfinished)
from serial import PANIC, parse_boot, split_lines  # noqa: E402

UNIT_TIMEOUT = 300.0
CFG_NAME_RE = re.compile(r'^\s*name\s*=\s*([^\s#]+)', re.MULTILINE)
CFG_LOAD_RE = re.compile(r'^\s*load\s*=\s*([^\s#@]+)', re.MULTILINE)


class Matcher:
    """Pairs VM names from the markers with tests, in module order: the
    n-th VM called X belongs to the n-th test whose guest is X.  A VM may
    print its module name ('cpuid.cfg'), its stem, or its config name."""

    def __init__(self, tests, aliases):
        self.unclaimed = list(tests)
        self.aliases = aliases

    def claim(self, name):
        for t in self.unclaimed:
            if name in self.aliases[t.name]:
                self.unclaimed.remove(t)
                return t
        return None


def aliases_of(test, build) -> set:
    names = {test.guest, test.guest + '.cfg'}
    try:
        with open(os.path.join(build, 'guests', test.guest + '.cfg')) as f:
            m = CFG_NAME_RE.search(f.read())
        if m:
            names.add(m.group(1))
    except OSError:
        pass
    return names


def boot_failure(run: BootRun, boot) -> str:
    if run.ending == 'timeout':
        return run.timeout_msg
    if run.ending == 'panic' or boot.panic_lines:
        return 'kitten: PANIC before any VM: ' + boot.panic_lines[0].strip()
    last = next((ln.strip() for ln in reversed(run.lines) if ln.strip()),
                'no output')
    return (f'QEMU exited (status {run.rc}) before any V3-VM-BEGIN; '
            f'last line: {last[:100]}')


def assess(tests, run: BootRun, aliases, final=False):
    """Verdicts for the tests this boot settled, and the tests it never
    reached (to run in a new boot, unless 'final')."""
    boot = parse_boot(run.lines)
    if tests and tests[0].boot_scope:
        return [judge_boot(t, boot, run.timeout_msg or None)
                for t in tests], []
    matcher = Matcher(tests, aliases)
    section = {}
    for sec in boot.sections:
        t = matcher.claim(sec.name)
        if t:
            section[t.name] = sec
    if not section and not boot.host_done and not final:
        why = boot_failure(run, boot)
        return [fail(t.name, why) for t in tests], []
    last_started = max((i for i, t in enumerate(tests)
                        if t.name in section), default=-1)
    verdicts, rerun = [], []
    for i, t in enumerate(tests):
        sec = section.get(t.name)
        if sec and sec.ended:
            verdicts.append(judge_section(t, sec))
        elif sec:
            if run.ending == 'timeout' and run.blamed == t.name:
                why = run.timeout_msg
            elif sec.panic or run.ending == 'panic':
                why = 'kitten: PANIC'
            else:
                why = f'no V3-VM-END (QEMU exited, status {run.rc})'
            verdicts.append(judge_unfinished(t, sec, why))
        elif run.ending == 'timeout' and run.blamed == t.name:
            verdicts.append(fail(t.name, run.timeout_msg))
        elif final or boot.host_done or i < last_started:
            verdicts.append(fail(t.name, 'missing V3-VM-BEGIN'))
        else:
            rerun.append(t)
    return verdicts, rerun


def host_done_verdict(run: BootRun, boot_no: int) -> Optional[Verdict]:
    """Every VM was settled but the host never said V3-HOST-DONE: a hang
    or crash in teardown that no single test owns."""
    boot = parse_boot(run.lines)
    if not boot.sections:
        return None     # the boot failed outright: its tests say so
    if boot.host_done or run.ending in ('timeout', 'panic'):
        return None
    if any(PANIC in ln for ln in run.lines):
        return None
    return fail('host-done', f'no V3-HOST-DONE after the last VM '
                f'(boot {boot_no}, QEMU status {run.rc})')


def run_units(paths, selected, logdir, factor) -> List[Verdict]:
    out = []
    for path in paths:
        name = 'unit-' + os.path.basename(path)
        if name not in selected:
            continue
        log = os.path.join(logdir, name + '.log')
        try:
            p = subprocess.run([path], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT,
                               timeout=UNIT_TIMEOUT * factor)
            text, rc = p.stdout.decode('utf-8', 'replace'), p.returncode
        except subprocess.TimeoutExpired as e:
            text = (e.output or b'').decode('utf-8', 'replace')
            rc = None
        except OSError as e:
            text, rc = str(e), -1
        with open(log, 'w') as f:
            f.write(text)
        if rc == 0:
            v = Verdict(name, True)
        else:
            lines = [ln for ln in split_lines(text) if ln.strip()]
            detail = [ln for ln in lines if 'not ok' in ln] or lines[-5:]
            why = ('timeout' if rc is None else
                   f'exit status {rc}' if rc > 0 else f'signal {-rc}')
            v = fail(name, why, detail)
        out.append(v)
        emit(v)
    return out


def emit(v: Verdict):
    for line in v.lines():
        print(line, flush=True)


def test_modules(test, build) -> List[str]:
    return [m.replace('{build}', build) for m in test.modules]


def missing_files(test, build, kernel) -> Optional[str]:
    """The kernel, the guest's config and the images it loads."""
    cfg = os.path.join(build, 'guests', test.guest + '.cfg')
    need = [kernel, cfg]
    if test.host == 'linux':
        need = [linux_host.kernel(), linux_host.base_initramfs(build)]
        if test.guest not in linux_host.HOST_STEPS:
            need.append(cfg)
    try:
        with open(cfg) as f:
            need += [os.path.join(build, 'guests', img)
                     for img in CFG_LOAD_RE.findall(f.read())]
    except OSError:
        pass
    need += test_modules(test, build)
    gone = [p for p in need if not os.path.exists(p)]
    if gone:
        return 'not built: ' + ' '.join(gone)
    return None


def linux_command(tests, a, initrd) -> List[str]:
    """A boot of Debian's kernel whose init runs 'tests' through the
    v3vee module, in order (tests/harness/linux_host.py)."""
    files, lines = [], []
    for t in tests:
        if t.guest in linux_host.HOST_STEPS:
            line, guests, extra = linux_host.HOST_STEPS[t.guest]
            for g in guests:
                files += qemu.guest_modules(a.build, g)
            files += [f.replace('{build}', a.build) for f in extra]
            if line:
                lines.append(line.format(timeout=math.ceil(
                    t.timeout * a.timeout_factor)))
            continue
        mods = qemu.guest_modules(a.build, t.guest) + test_modules(t, a.build)
        files += mods
        lines.append(linux_host.run_line(math.ceil(t.timeout *
                                                   a.timeout_factor),
                                         mods[0], mods[1:]))
    # The guest the init leaves crashed before rmmod.
    files += qemu.guest_modules(a.build, linux_host.CRASH_GUEST)
    return linux_host.command(a.build, initrd, files,
                              ''.join(ln + '\n' for ln in lines),
                              tests[0].qemu_args, a.qemu)


def run_guests(tests, a, aliases) -> List[Verdict]:
    kernel = a.kernel or os.path.join(a.build, 'kitten.elf')
    logdir = os.path.join(a.build, 'test-logs')
    groups: Dict[tuple, list] = {}
    out: List[Verdict] = []
    for t in tests:
        why = missing_files(t, a.build, kernel)
        if why:
            out.append(fail(t.name, why))
            emit(out[-1])
        else:
            groups.setdefault(t.boot_key(), []).append(t)
    boot_no = 0
    for group in groups.values():
        remaining = group
        while remaining:
            boot_no += 1
            mods = []
            for t in remaining:
                mods += qemu.guest_modules(a.build, t.guest)
                # A big image shared by several VMs is loaded once.
                mods += [m for m in test_modules(t, a.build)
                         if m not in mods]
            vm_timeout = math.ceil(max(t.timeout for t in remaining) *
                                   a.timeout_factor)
            log = os.path.join(logdir, f'boot-{boot_no}.log')
            append = f'vm_timeout={vm_timeout}'
            if remaining[0].host == 'linux':
                cmd = linux_command(remaining, a, log[:-4] + '.initrd')
            elif remaining[0].machine == 'bochs':
                cmd = bochs.command(kernel, mods, append, os.path.join(
                    a.build, 'bochs', f'boot-{boot_no}'),
                    remaining[0].bochs_cpu)
            else:
                cmd = qemu.command(kernel, mods, append,
                                   remaining[0].qemu_args, a.qemu)
            print(f'# boot {boot_no}: {" ".join(t.name for t in remaining)}'
                  f' (log {log})', flush=True)
            matcher = Matcher(remaining, aliases)

            def owner_of(name, m=matcher):
                t = m.claim(name)
                return t.name if t else None
            run = run_boot(cmd, remaining, owner_of, log,
                           a.timeout_factor, a.verbose)
            verdicts, rerun = assess(remaining, run, aliases)
            for v in verdicts:
                emit(v)
            out += verdicts
            if not rerun and not remaining[0].boot_scope:
                v = host_done_verdict(run, boot_no)
                if v:
                    emit(v)
                    out.append(v)
            remaining = rerun
    return out


def replay(tests, a, aliases) -> List[Verdict]:
    with open(a.replay, errors='replace') as f:
        lines = split_lines(f.read())
    boot = parse_boot(lines)
    run = BootRun(lines, 'done' if boot.host_done else 'exited', None)
    out = []
    vm_tests = [t for t in tests if not t.boot_scope]
    for t in tests:
        if t.boot_scope:
            out += assess([t], run, aliases, final=True)[0]
    out += assess(vm_tests, run, aliases, final=True)[0]
    order = {t.name: i for i, t in enumerate(tests)}
    out.sort(key=lambda v: order[v.test])
    for v in out:
        emit(v)
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('units', nargs='*', help='unit test binaries')
    ap.add_argument('--tests', default=os.environ.get('TESTS', ''),
                    help='name globs to run (default: $TESTS)')
    ap.add_argument('--group', default=os.environ.get('GROUP', 'default'),
                    help='group to run when no --tests (default: '
                    '%(default)s)')
    ap.add_argument('--config', default='tests/tests.cfg')
    ap.add_argument('--build', default=os.environ.get('BUILD', 'build'))
    ap.add_argument('--kernel', help='default: BUILD/kitten.elf')
    ap.add_argument('--qemu', default=os.environ.get('QEMU'),
                    help='QEMU binary (default: qemu-system-x86_64)')
    ap.add_argument('--timeout-factor', type=float,
                    default=float(os.environ.get('TIMEOUT_FACTOR', '1')),
                    help='scale every timeout (slow machines)')
    ap.add_argument('--machine', choices=testlist.MACHINES,
                    help='only tests of this machine (default: all); '
                    '--qemu fakes replace QEMU only')
    ap.add_argument('--replay', metavar='LOG',
                    help='judge against a saved serial log, no QEMU')
    ap.add_argument('--list', action='store_true',
                    help='list the selected tests and exit')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='echo serial output while it runs')
    return ap.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    try:
        tests = testlist.load(a.config)
    except testlist.TestListError as e:
        print(f'run.py: {a.config}: {e}', file=sys.stderr)
        return 2
    units = [p for p in a.units
             if os.path.isfile(p) and os.access(p, os.X_OK)]
    items = [('unit-' + os.path.basename(p), ('default',)) for p in units]
    if a.machine:
        tests = [t for t in tests if t.machine == a.machine]
    items += [(t.name, t.groups) for t in tests]
    selected = {n for n, _ in testlist.select(items, a.tests, a.group)}
    if a.list:
        for n, groups in items:
            if n in selected:
                print(f'{n:16} {" ".join(groups)}')
        return 0
    if not selected:
        print(f'run.py: no test matches '
              f'{a.tests or "group " + a.group}', file=sys.stderr)
        print('0 passed, 0 failed')
        return 1
    logdir = os.path.join(a.build, 'test-logs')
    os.makedirs(logdir, exist_ok=True)
    guest_tests = [t for t in tests if t.name in selected]
    aliases = {t.name: aliases_of(t, a.build) for t in guest_tests}
    verdicts = [] if a.replay else run_units(units, selected, logdir,
                                             a.timeout_factor)
    if guest_tests:
        verdicts += (replay if a.replay else run_guests)(guest_tests, a,
                                                          aliases)
    failed = sum(1 for v in verdicts if not v.passed)
    print(f'{len(verdicts) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
