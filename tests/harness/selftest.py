#!/usr/bin/env python3
"""selftest.py - tests for the harness itself, run against fake_lwk.py
instead of QEMU (no VMM or LWK needed): verdicts, timeouts and restarted
boots, PANIC/LEAK handling, the telemetry cross-check, selection, unit
binaries, --replay, and the guest library on plain QEMU.
`make check-harness`."""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, HERE)

import bare  # noqa: E402
import linux_host  # noqa: E402
import qemu  # noqa: E402
import testlist  # noqa: E402

RUN = os.path.join(HERE, 'run.py')
FAKE = os.path.join(HERE, 'fake_lwk.py')
TESTS_CFG = os.path.join(ROOT, 'tests', 'tests.cfg')
FACTOR = '0.05'     # 30 s test timeouts become 1.5 s


def default_tests():
    return [t.name for t in testlist.load(TESTS_CFG)
            if 'foundation' in t.groups]


class HarnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.build = tempfile.mkdtemp(prefix='harness-selftest-')
        guests = os.path.join(cls.build, 'guests')
        os.makedirs(guests)
        for cfg in glob.glob(os.path.join(ROOT, 'tests', 'guests', '*.cfg')):
            shutil.copy(cfg, guests)
        for src in glob.glob(os.path.join(ROOT, 'tests', 'guests', '*.c')):
            name = os.path.basename(src)[:-2]
            open(os.path.join(guests, name + '.bin'), 'w').close()
        open(os.path.join(cls.build, 'kitten.elf'), 'w').close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.build)

    def run_harness(self, *args, faults='', env=None):
        e = dict(os.environ, FAKE_LWK_FAULTS=faults)
        e.pop('TESTS', None)
        e.update(env or {})
        p = subprocess.run([sys.executable, RUN, '--build', self.build,
                            '--config', TESTS_CFG, '--qemu', FAKE,
                            '--machine', 'qemu',
                            '--timeout-factor', FACTOR, '--group', 'foundation'] +
                           list(args),
                           cwd=ROOT, env=e, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=120)
        out = p.stdout.decode()
        lines = out.strip().split('\n')
        verdicts = {}
        for ln in lines:
            if ln.startswith('PASS '):
                verdicts[ln[5:]] = 'PASS'
            elif ln.startswith('FAIL '):
                name, why = ln[5:].split(': ', 1)
                verdicts[name] = why
        return p.returncode, lines, verdicts, out

    def assert_summary(self, lines, passed, failed):
        self.assertEqual(lines[-1], f'{passed} passed, {failed} failed')

    def test_all_pass(self):
        rc, lines, v, out = self.run_harness()
        names = default_tests()
        self.assertEqual(rc, 0, out)
        self.assertEqual(sorted(v), sorted(names))
        self.assertTrue(all(x == 'PASS' for x in v.values()), out)
        self.assert_summary(lines, len(names), 0)
        # VM tests share one boot; nosvm has its own.
        self.assertEqual(sum(ln.startswith('# boot') for ln in lines), 2)
        logs = os.listdir(os.path.join(self.build, 'test-logs'))
        self.assertIn('boot-1.log', logs)

    def test_hang_fails_and_restarts(self):
        rc, lines, v, out = self.run_harness(faults='hlt=hang')
        self.assertEqual(rc, 1)
        self.assertIn('timeout', v['hlt'])
        names = default_tests()
        after = names[names.index('hlt') + 1:]
        for n in after:
            self.assertEqual(v[n], 'PASS', out)
        self.assertEqual(sum(ln.startswith('# boot') for ln in lines), 3)
        self.assert_summary(lines, len(names) - 1, 1)

    def test_panic_fails_that_vm(self):
        rc, lines, v, out = self.run_harness(faults='memory=panic')
        self.assertEqual(rc, 1)
        self.assertIn('PANIC', v['memory'])
        self.assertEqual(v['telemetry'], 'PASS', out)
        self.assertEqual(sum(1 for x in v.values() if x != 'PASS'), 1)

    def test_leak_and_guest_failure(self):
        rc, lines, v, out = self.run_harness(faults='io=leak,cpuid=fail')
        self.assertEqual(rc, 1)
        self.assertIn('V3-LEAK', v['io'])
        self.assertIn('status 1, expected 0', v['cpuid'])
        self.assertIn('    FAIL: fake check three', lines)
        self.assert_summary(lines, len(default_tests()) - 2, 2)

    def test_telemetry_cross_check(self):
        rc, lines, v, out = self.run_harness(faults='telemetry=mismatch')
        self.assertEqual(rc, 1)
        self.assertIn('values differ', v['telemetry'])
        self.assertIn('1003', v['telemetry'])
        self.assertIn('1004', v['telemetry'])

    def test_boot_hang_fails_every_vm_once(self):
        rc, lines, v, out = self.run_harness('--tests', 'cpuid,io,msr',
                                             faults='boot=hang')
        self.assertEqual(rc, 1)
        self.assertEqual(sorted(v), ['cpuid', 'io', 'msr'])
        self.assertTrue(all('timeout' in x for x in v.values()), out)
        self.assertEqual(sum(ln.startswith('# boot') for ln in lines), 1)

    def test_missing_host_done(self):
        rc, lines, v, out = self.run_harness('--tests', 'cpuid',
                                             faults='host=nodone')
        self.assertEqual(rc, 1)
        self.assertEqual(v['cpuid'], 'PASS')
        self.assertIn('V3-HOST-DONE', v['host-done'])

    def test_selection(self):
        rc, lines, v, out = self.run_harness(env={'TESTS': 'h*,io'})
        self.assertEqual(rc, 0, out)
        self.assertEqual(sorted(v), ['hlt', 'hypercall', 'io'])
        rc, lines, v, out = self.run_harness('--group', 'slow')
        self.assertEqual(rc, 0, out)
        self.assertEqual(sorted(v), ['exitbench'])
        rc, lines, v, out = self.run_harness('--tests', 'nosuchtest')
        self.assertEqual(rc, 1)
        self.assert_summary(lines, 0, 0)

    def test_unit_binaries(self):
        d = tempfile.mkdtemp(dir=self.build)
        for name, body in (('good', 'echo ok - fine; exit 0'),
                           ('bad', 'echo "not ok - broken (x.c:1)"; '
                            'exit 1')):
            path = os.path.join(d, name)
            with open(path, 'w') as f:
                f.write(f'#!/bin/sh\n{body}\n')
            os.chmod(path, 0o755)
        open(os.path.join(d, 'notes.d'), 'w').close()   # not executable
        rc, lines, v, out = self.run_harness(
            '--tests', 'unit-*', os.path.join(d, 'good'),
            os.path.join(d, 'bad'), os.path.join(d, 'notes.d'),
            os.path.join(d, 'no-such-*'))
        self.assertEqual(rc, 1)
        self.assertEqual(v, {'unit-good': 'PASS',
                             'unit-bad': 'exit status 1'})
        self.assertIn('    not ok - broken (x.c:1)', lines)
        self.assert_summary(lines, 1, 1)

    def test_replay(self):
        mods = ','.join(os.path.join(self.build, 'guests', n + '.cfg')
                        for n in ('cpuid', 'telemetry', 'unmapped'))
        log = os.path.join(self.build, 'replay.log')
        with open(log, 'w') as f:
            subprocess.run([sys.executable, FAKE, '-cpu', 'EPYC,+svm',
                            '-initrd', mods], stdout=f, check=True)
        rc, lines, v, out = self.run_harness(
            '--replay', log, '--tests', 'cpuid,telemetry,unmapped,io')
        self.assertEqual(v['cpuid'], 'PASS', out)
        self.assertEqual(v['telemetry'], 'PASS', out)
        self.assertEqual(v['unmapped'], 'PASS', out)
        self.assertEqual(v['io'], 'missing V3-VM-BEGIN')
        self.assert_summary(lines, 3, 1)


class GuestRuntimeTest(unittest.TestCase):
    """The guest library on plain QEMU, no VMM: exceptions, IDT, printf,
    report() and the testexit path work on their own."""

    def test_exceptions_guest_passes_without_vmm(self):
        build = os.environ.get('BUILD', os.path.join(ROOT, 'build'))
        elf = os.path.join(build, 'guests', 'exceptions.elf')
        if not os.path.exists(elf) or not shutil.which(bare.QEMU):
            self.skipTest(f'needs {elf} and {bare.QEMU}')
        status, text = bare.run(elf)
        self.assertEqual(status, 0, text)
        self.assertIn('SUMMARY: 6 tests, 0 failures', text)


class PiecesTest(unittest.TestCase):
    def test_qemu_args_replace_defaults(self):
        cmd = qemu.command('k.elf', ['a.cfg', 'a.bin'], 'vm_timeout=5',
                           ['-cpu', 'EPYC'], qemu='q')
        self.assertEqual(cmd.count('-cpu'), 1)
        self.assertEqual(cmd[cmd.index('-cpu') + 1], 'EPYC')
        self.assertEqual(cmd[-2:], ['-initrd', 'a.cfg,a.bin'])
        self.assertIn('isa-debug-exit,iobase=0x501,iosize=2', cmd)

    def test_testlist_rejects_unknown_keys(self):
        with tempfile.NamedTemporaryFile('w', suffix='.cfg') as f:
            f.write('[x]\nguest = x\ncolour = blue\n')
            f.flush()
            with self.assertRaises(testlist.TestListError):
                testlist.load(f.name)

    def test_linux_guest_archive_unpacks(self):
        """The second initramfs archive is newc that cpio (and so the
        kernel) reads: /guests/<basename> and /guests/run.list."""
        if not shutil.which('cpio'):
            self.skipTest('no cpio')
        with tempfile.TemporaryDirectory() as d:
            img = os.path.join(d, 'x.bin')
            with open(img, 'wb') as f:
                f.write(b'\x90' * 5)
            data = linux_host.guest_archive([img, img], '30 x.cfg x.bin\n')
            out = subprocess.run(['cpio', '-i', '-d', '--quiet'],
                                 input=data, cwd=d, check=True)
            self.assertEqual(out.returncode, 0)
            with open(os.path.join(d, 'guests', 'x.bin'), 'rb') as f:
                self.assertEqual(f.read(), b'\x90' * 5)
            with open(os.path.join(d, 'guests', 'run.list')) as f:
                self.assertEqual(f.read(), '30 x.cfg x.bin\n')

    def test_every_test_has_a_guest_config(self):
        for t in testlist.load(TESTS_CFG):
            if t.host == 'linux' and t.guest in linux_host.HOST_STEPS:
                continue    # a step of the Linux host's init, not a VM
            path = os.path.join(ROOT, 'tests', 'guests', t.guest + '.cfg')
            self.assertTrue(os.path.exists(path), path)


if __name__ == '__main__':
    unittest.main(verbosity=1)
