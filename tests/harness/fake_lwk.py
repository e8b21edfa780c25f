#!/usr/bin/env python3
"""fake_lwk.py - stands in for QEMU + the LWK so the harness can be tested
without a working VMM: takes QEMU's arguments, prints for each .cfg
module the serial output a correct LWK and guest would, and exits.

FAKE_LWK_FAULTS (comma separated) breaks things on purpose:
    GUEST=hang      the VM never ends (output stops after its BEGIN)
    GUEST=panic     the LWK panics inside the VM and halts
    GUEST=leak      a V3-LEAK line after the VM's END
    GUEST=fail      the guest prints a FAIL: line and exits 1
    GUEST=mismatch  the host's cpuid count differs from the guest's
    boot=hang       nothing after the banner
    host=nodone     every VM ends but V3-HOST-DONE never comes
"""
import os
import sys
import time

TELEMETRY_CPUIDS = 1003


def out(line):
    sys.stdout.write(line + '\r\n')    # serial output has CR LF
    sys.stdout.flush()
    time.sleep(0.002)


def hang():
    while True:
        time.sleep(60)


def arg(argv, opt, default=''):
    return argv[argv.index(opt) + 1] if opt in argv else default


def guest_body(name, faults):
    """(console lines, status, reason, cpuid exits) for one guest."""
    if name == 'unmapped':
        return (['reading unmapped guest-physical address 0xe0000000'], -1,
                'vcpu0: read of unmapped guest-physical address '
                '0xe0000000 at rip 0x100321', 2)
    if name == 'triplefault':
        return (['loading an empty IDT, then ud2',
                 'v3: triplefault vcpu0 RIP=0000000000100055 '
                 'RSP=0000000000112f80 RFLAGS=0000000000000046',
                 'v3: triplefault: vcpu0   IDT 0000000000000000: mapped, '
                 '0 levels, entry 0000000000000000 at 0'],
                -1, 'triple fault', 1)
    if name == 'badconfig':
        return [], -1, "line 6: unknown key 'colour'", 0
    if name == 'demo':
        return (['Hello from a guest of the V3 VMM!',
                 'CPU vendor "AuthenticAMD", hypervisor signature '
                 '"V3VEE V3VEE "', 'Goodbye.'], 0, 'guest exit status 0',
                2)
    if name == 'exitbench':
        lines = ['BENCH-START iterations=16384 rounds=5']
        for r in range(1, 6):
            for op, c in (('baseline', 12), ('cpuid', 30000 + r),
                          ('io_out', 41000 + r), ('io_in', 40000 + r),
                          ('hypercall', 29000 + r)):
                lines.append(f'BENCH {op} round={r} cycles={c}')
        return lines + ['BENCH-DONE'], 0, 'guest exit status 0', 16384 * 5
    lines = ['PASS: fake check one', 'PASS: fake check two']
    status, cpuids = 0, 1
    if name == 'telemetry':
        lines.append(f'TELEMETRY cpuid_total={TELEMETRY_CPUIDS}')
        cpuids = TELEMETRY_CPUIDS
    if faults.get(name) == 'fail':
        lines.append('FAIL: fake check three')
        status = 1
    lines.append(f'SUMMARY: {len(lines)} tests, {status} failures')
    return lines, status, f'guest exit status {status}', cpuids


def run_vm(name, faults):
    out(f'V3-VM-BEGIN {name}')
    lines, status, reason, cpuids = guest_body(name, faults)
    fault = faults.get(name)
    for line in lines[:1] if fault in ('hang', 'panic') else lines:
        out(line)
    if fault == 'hang':
        hang()
    if fault == 'panic':
        out('kitten: PANIC: fake page fault in v3_vm_run')
        hang()
    if name != 'badconfig':
        if fault == 'mismatch':
            cpuids += 1
        out(f'V3-STAT {name} vcpu0 cpuid count={cpuids} cycles=123456')
        out(f'V3-STAT {name} vcpu0 io count=4321 cycles=654321')
        out(f'V3-MEM {name} guest=16777216 vmm=98304')
    out(f'V3-VM-END {name} status={status} reason={reason}')
    if fault == 'leak':
        out(f'V3-LEAK {name} 2 pages (8192 bytes) not freed')


def main(argv):
    faults = dict(f.split('=', 1) for f in
                  os.environ.get('FAKE_LWK_FAULTS', '').split(',') if f)
    out('Kitten LWK (fake) 0.1 booting')
    # Like QEMU's EPYC model: SVM unless the -cpu flags take it away.
    if '-svm' in arg(argv, '-cpu').split(','):
        out('v3: CPU has no SVM (AMD-V) and no VMX: cannot run guests')
        out('kitten: VMM unavailable')
        return 0
    if faults.get('boot') == 'hang':
        hang()
    for mod in arg(argv, '-initrd').split(','):
        base = os.path.basename(mod.split(' ')[0])
        if base.endswith('.cfg'):
            run_vm(base[:-4], faults)
    if faults.get('host') == 'nodone':
        hang()
    out('V3-HOST-DONE')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
