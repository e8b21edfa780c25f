"""judge.py - PASS or FAIL for one test, from its VM's section of the
serial output (or, for boot-scoped tests, from the whole boot)."""
from dataclasses import dataclass, field
from typing import List, Optional

from serial import HOST_BUG, PANIC, Boot, Section
from testlist import Test

# Guest lines worth showing under a FAIL.
DETAIL_MARKERS = ('FAIL:', 'UNREACHABLE', 'RIP=', 'V3-LEAK', PANIC,
                  HOST_BUG)
MAX_DETAIL = 12


@dataclass
class Verdict:
    test: str
    passed: bool
    reasons: List[str] = field(default_factory=list)
    detail: List[str] = field(default_factory=list)

    def lines(self):
        if self.passed:
            return [f'PASS {self.test}']
        out = [f'FAIL {self.test}: {"; ".join(self.reasons)}']
        detail = list(dict.fromkeys(self.detail))   # once each, in order
        out += ['    ' + d for d in detail[:MAX_DETAIL]]
        return out


def fail(test: str, reason: str, detail=()) -> Verdict:
    return Verdict(test, False, [reason], list(detail))


def _first_line(text, m):
    start = text.rfind('\n', 0, m.start()) + 1
    end = text.find('\n', m.end())
    return text[start:end if end >= 0 else len(text)].strip()


def check_text(test: Test, text: str) -> List[str]:
    """The expect / reject / equal checks; returns failure reasons."""
    reasons = []
    for r in test.expect:
        if not r.search(text):
            reasons.append(f'missing /{r.pattern}/')
    for r in test.reject:
        m = r.search(text)
        if m:
            reasons.append(f'found /{r.pattern}/: '
                           f'{_first_line(text, m)[:120]}')
    if test.equal:
        values = []
        for r in test.equal:
            m = r.search(text)
            if not m:
                reasons.append(f'missing /{r.pattern}/ to compare')
                return reasons
            values.append(m.group(1))
        if len(set(values)) != 1:
            pairs = ', '.join(f'/{r.pattern}/ -> {v}'
                              for r, v in zip(test.equal, values))
            reasons.append(f'values differ: {pairs}')
    return reasons


def _detail(lines):
    return [ln.strip() for ln in lines
            if any(m in ln for m in DETAIL_MARKERS)]


def judge_section(test: Test, sec: Section) -> Verdict:
    """A VM test whose section ended (has V3-VM-END)."""
    reasons = []
    if sec.panic:
        reasons.append('kitten: PANIC')
    if test.status is not None and sec.status != test.status:
        reasons.append(f'status {sec.status}, expected {test.status} '
                       f'(reason: {sec.reason})')
    reasons += check_text(test, sec.text)
    if sec.leaks:
        reasons.append(f'V3-LEAK: {sec.leaks[0]}')
    if sec.host_bugs:
        reasons.append(f'host kernel: {sec.host_bugs[0][:120]}')
    if reasons:
        return Verdict(test.name, False, reasons, _detail(sec.lines))
    return Verdict(test.name, True)


def judge_unfinished(test: Test, sec: Section, why: str) -> Verdict:
    """A VM that began but has no V3-VM-END: 'why' says how the boot
    ended (timeout, PANIC, QEMU exit)."""
    tail = [ln.strip() for ln in sec.lines[-5:] if ln.strip()]
    return Verdict(test.name, False, [why], _detail(sec.lines) + tail)


def judge_boot(test: Test, boot: Boot, timed_out: Optional[str]) -> Verdict:
    """A boot-scoped test (e.g. nosvm): the whole output counts."""
    reasons = []
    if timed_out:
        reasons.append(timed_out)
    if boot.panic_lines:
        reasons.append('kitten: PANIC')
    reasons += check_text(test, boot.text)
    for sec in boot.sections:
        if sec.leaks:
            reasons.append(f'V3-LEAK: {sec.leaks[0]}')
    bugs = [ln for ln in boot.lines if HOST_BUG in ln]
    if bugs:
        reasons.append(f'host kernel: {bugs[0].strip()[:120]}')
    if reasons:
        return Verdict(test.name, False, reasons, _detail(boot.lines))
    return Verdict(test.name, True)
