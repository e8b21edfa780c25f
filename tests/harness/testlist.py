"""testlist.py - tests/tests.cfg, the list of guest tests (the format is
described at the top of that file), read into Test objects."""
import configparser
import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from typing import List, Optional

DEFAULT_TIMEOUT = 30.0
# Tests without 'groups' are the foundation suite, which the harness's
# own self-test replays against a fake LWK.
DEFAULT_GROUPS = ('default', 'foundation')
KNOWN_KEYS = {'guest', 'status', 'expect', 'reject', 'equal', 'qemu_args',
              'scope', 'timeout', 'groups', 'modules', 'send', 'host',
              'machine', 'bochs_cpu'}
SEND_SEP = ' => '
HOSTS = ('lwk', 'linux')
MACHINES = ('qemu', 'bochs')


class TestListError(Exception):
    pass


@dataclass
class Test:
    name: str
    guest: str
    status: Optional[int] = 0        # None: any status
    expect: List[re.Pattern] = field(default_factory=list)
    reject: List[re.Pattern] = field(default_factory=list)
    equal: List[re.Pattern] = field(default_factory=list)
    qemu_args: List[str] = field(default_factory=list)
    boot_scope: bool = False         # judged on the whole boot's output
    timeout: float = DEFAULT_TIMEOUT
    groups: tuple = DEFAULT_GROUPS
    # Extra multiboot modules (BIOS, ISO images); {build} expands.
    modules: List[str] = field(default_factory=list)
    # Console input: (pattern, text) pairs, in order; each text is typed
    # once the VM's output since its V3-VM-BEGIN matches its pattern.
    send: List[tuple] = field(default_factory=list)
    # lwk: a VM of our LWK; linux: a VM of the v3vee module in Debian's
    # kernel (tests/harness/linux_host.py).
    host: str = 'lwk'
    # qemu: TCG with AMD SVM; bochs: Intel VMX (tests/harness/bochs.py).
    machine: str = 'qemu'
    bochs_cpu: Optional[str] = None  # Bochs CPU model (default: bochs.py's)

    def boot_key(self):
        """Tests with equal keys share one boot."""
        if self.boot_scope:
            return ('boot-scope', self.name)
        return (('vms', self.host, self.machine, self.bochs_cpu)
                + tuple(self.qemu_args))


def _regexes(name, key, value):
    out = []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(re.compile(line, re.MULTILINE))
        except re.error as e:
            raise TestListError(f'[{name}] {key}: bad regex {line!r}: {e}')
    return out


def _test_from(name, sec) -> Test:
    unknown = set(sec.keys()) - KNOWN_KEYS
    if unknown:
        raise TestListError(f'[{name}]: unknown keys {sorted(unknown)}')
    if 'guest' not in sec:
        raise TestListError(f'[{name}]: no guest')
    t = Test(name=name, guest=sec['guest'].strip())
    status = sec.get('status', '0').strip()
    try:
        t.status = None if status == 'any' else int(status, 0)
        t.timeout = float(sec.get('timeout', str(DEFAULT_TIMEOUT)))
    except ValueError as e:
        raise TestListError(f'[{name}]: {e}')
    t.expect = _regexes(name, 'expect', sec.get('expect', ''))
    t.reject = _regexes(name, 'reject', sec.get('reject', ''))
    t.equal = _regexes(name, 'equal', sec.get('equal', ''))
    if len(t.equal) == 1:
        raise TestListError(f'[{name}] equal: needs two regexes or more')
    for r in t.equal:
        if r.groups < 1:
            raise TestListError(f'[{name}] equal: {r.pattern!r} needs a '
                                'capture group')
    t.qemu_args = shlex.split(sec.get('qemu_args', ''))
    scope = sec.get('scope', 'vm').strip()
    if scope not in ('vm', 'boot'):
        raise TestListError(f'[{name}] scope: vm or boot, not {scope!r}')
    t.boot_scope = scope == 'boot'
    t.groups = tuple(sec.get('groups', ' '.join(DEFAULT_GROUPS)).split())
    t.modules = sec.get('modules', '').split()
    t.send = _sends(name, sec.get('send', ''))
    t.host = sec.get('host', 'lwk').strip()
    if t.host not in HOSTS:
        raise TestListError(f'[{name}] host: one of {HOSTS}, not '
                            f'{t.host!r}')
    t.machine = sec.get('machine', 'qemu').strip()
    if t.machine not in MACHINES:
        raise TestListError(f'[{name}] machine: one of {MACHINES}, '
                            f'not {t.machine!r}')
    if t.machine == 'bochs' and t.qemu_args:
        raise TestListError(f'[{name}]: qemu_args on a bochs test')
    t.bochs_cpu = sec.get('bochs_cpu', '').strip() or None
    if t.bochs_cpu and t.machine != 'bochs':
        raise TestListError(f'[{name}]: bochs_cpu needs machine = bochs')
    return t


def _sends(name, value):
    """'PATTERN => TEXT' per line; TEXT may use \\r, \\n and \\t."""
    out = []
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        if SEND_SEP not in line:
            raise TestListError(f'[{name}] send: {line!r} is not '
                                f'PATTERN{SEND_SEP}TEXT')
        pat, text = line.split(SEND_SEP, 1)
        [rx] = _regexes(name, 'send', pat)
        text = (text.replace('\\r', '\r').replace('\\n', '\n')
                .replace('\\t', '\t'))
        out.append((rx, text))
    return out


def load(path) -> List[Test]:
    cp = configparser.ConfigParser(interpolation=None,
                                   comment_prefixes=('#',),
                                   inline_comment_prefixes=None,
                                   default_section='__no_defaults__')
    cp.optionxform = str
    try:
        with open(path) as f:
            cp.read_file(f)
    except (OSError, configparser.Error) as e:
        raise TestListError(str(e))
    return [_test_from(name, cp[name]) for name in cp.sections()]


def select(names_and_groups, globs: Optional[str], group: str):
    """Filter (name, groups) items: by name globs (comma or space
    separated) when given, else by group."""
    if globs:
        pats = [g for g in re.split(r'[,\s]+', globs) if g]
        return [x for x in names_and_groups
                if any(fnmatch.fnmatchcase(x[0], p) for p in pats)]
    return [x for x in names_and_groups if group in x[1]]
