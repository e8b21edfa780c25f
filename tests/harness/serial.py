"""serial.py - reading the LWK's serial output: its marker lines and the
split of one boot's output into one section per VM.

The LWK prints, per VM:
    V3-VM-BEGIN <cfg>
    ...guest console output...
    V3-STAT <cfg> vcpu0 <reason> count=<n> cycles=<n>
    V3-MEM <cfg> guest=<bytes> vmm=<bytes>
    V3-VM-END <cfg> status=<int> reason=<text>
    [V3-LEAK <cfg> ...]
and after the last VM V3-HOST-DONE.  Markers are searched anywhere in a
line: a guest that ends without a newline leaves its last text in front
of the host's next marker.
"""
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

BEGIN_RE = re.compile(r'V3-VM-BEGIN (\S+)')
END_RE = re.compile(r'V3-VM-END (\S+) status=(-?\d+) reason=(.*)$')
LEAK_RE = re.compile(r'V3-LEAK (\S+)')
STAT_RE = re.compile(
    r'V3-STAT (\S+) vcpu(\d+) (\S+) count=(\d+) cycles=(\d+)')
MEM_RE = re.compile(r'V3-MEM (\S+) guest=(\d+) vmm=(\d+)')
HOST_DONE = 'V3-HOST-DONE'
PANIC = 'kitten: PANIC'
# The Linux host's init flags kernel messages that mean a kernel bug.
HOST_BUG = 'V3-HOST-BUG'


def vm_key(name: str) -> str:
    """A VM's name as markers may print it: 'cpuid' or 'cpuid.cfg'."""
    return name[:-4] if name.endswith('.cfg') else name


@dataclass
class Section:
    """One VM's lines, from its BEGIN to the next BEGIN or HOST-DONE."""
    name: str
    lines: List[str] = field(default_factory=list)
    status: Optional[int] = None     # None: no V3-VM-END seen
    reason: str = ''
    leaks: List[str] = field(default_factory=list)
    panic: bool = False              # a PANIC line inside the section
    host_bugs: List[str] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.status is not None

    @property
    def text(self) -> str:
        return '\n'.join(self.lines)

    def stats(self) -> Dict[str, int]:
        """V3-STAT counts by reason name (vcpu0)."""
        out = {}
        for line in self.lines:
            m = STAT_RE.search(line)
            if m and m.group(2) == '0':
                out[m.group(3)] = int(m.group(4))
        return out

    def memory(self) -> Optional[tuple]:
        """(guest bytes, vmm bytes) from V3-MEM, if printed."""
        for line in self.lines:
            m = MEM_RE.search(line)
            if m:
                return int(m.group(2)), int(m.group(3))
        return None


@dataclass
class Boot:
    """One boot's output, split."""
    lines: List[str]
    sections: List[Section]
    host_done: bool
    panic_lines: List[str]
    preamble: List[str]              # before the first VM

    @property
    def text(self) -> str:
        return '\n'.join(self.lines)


# Firmware and boot loaders paint the screen with ANSI sequences, which
# reach the serial console in the middle of the words we look for.
ANSI_RE = re.compile(r'\x1b(\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78cDEHM])')


def split_lines(data: str) -> List[str]:
    return ANSI_RE.sub('', data).replace('\r', '').split('\n')


def parse_boot(lines: List[str]) -> Boot:
    sections: List[Section] = []
    preamble: List[str] = []
    panics: List[str] = []
    host_done = False
    cur: Optional[Section] = None
    for line in lines:
        m = BEGIN_RE.search(line)
        if m:
            cur = Section(vm_key(m.group(1)))
            sections.append(cur)
        if HOST_DONE in line:
            host_done = True
            cur = None
        if PANIC in line:
            panics.append(line)
        if cur is None:
            if not sections:
                preamble.append(line)
            continue
        cur.lines.append(line)
        if PANIC in line:
            cur.panic = True
        m = END_RE.search(line)
        if m and vm_key(m.group(1)) == cur.name and cur.status is None:
            cur.status = int(m.group(2))
            cur.reason = m.group(3).strip()
        m = LEAK_RE.search(line)
        if m and vm_key(m.group(1)) == cur.name:
            cur.leaks.append(line.strip())
        if HOST_BUG in line:
            cur.host_bugs.append(line.strip())
    return Boot(lines, sections, host_done, panics, preamble)
