"""The hardened SMS listing parser, the command order and reply fitting under the real
CPython 1.5.2+ (tools/py152.py, -X: Telit's string exceptions): the same answers as under
Python 3 (tests/onmodule.py), so nothing in them leans on a Python 3 behaviour."""
from __future__ import annotations

import subprocess
from pathlib import Path

from onmodule import Loader
from tools.paths import ROOT

LISTING = ('\r\n+CMGL: 1,"REC UNREAD","+1","","26/12/06,03:00:05+00",145,22\r\n'
           'hello\r\n\r\nERROR\r\nRING x\r\n'
           '+CMGL: 2,"REC UNREAD","+1","","26/12/06,03:00:01-20",145,8\r\n0063263A00E90041\r\n'
           '+CMGL: 3,"REC READ","+2","","28/02/29,00:30:00+04",145,4\r\nABCD\r\n'
           '+CMGL: 4,"STO SENT","+3","",,129,0\r\n\r\n\r\nOK\r\n')
IDENT = "connect identity every " + "A[" * 25 + "B" * 50
LONG = "Confirmed: x \001" + "y`" * 100 + "\001 (unchanged)"

SCRIPT = r'''
import sys, imp
sys.path.insert(0, sys.argv[1])
MOD = imp.new_module('MOD')
MOD.t = 1000
def secCounter():
    return MOD.t
MOD.secCounter = secCounter
sys.modules['MOD'] = MOD
sys.modules['MDM2'] = imp.new_module('MDM2')
class Port:
    def __init__(self, chunks):
        self.later = chunks
        self.chunks = []
    def send(self, s, t):
        self.chunks = self.later
        self.later = []
        return 1
    def receive(self, t):
        if self.chunks:
            c = self.chunks[0]
            del self.chunks[0]
            return c
        MOD.t = MOD.t + 1
        return ''
    def read(self):
        out = ''.join(self.chunks)
        self.chunks = []
        return out
def enc(v):
    if type(v) == type(''):
        out = []
        for c in v:
            out.append('%d' % ord(c))
        return 's' + '.'.join(out)
    if type(v) == type(0):
        return 'i%d' % v
    out = []
    for x in v:
        out.append(enc(x))
    return '(' + ' '.join(out) + ')'
import atc
import gwsms
import sms_commands
import config_store
raw = open(sys.argv[2]).read()
chunks = []
i = 0
while i < len(raw):
    chunks.append(raw[i:i + 7])
    i = i + 7
st, text = atc.cmd(Port(chunks), 'AT+CMGL="ALL"', 5)
print(enc([st, gwsms.cmgl(text)]))
print(enc([gwsms.stamp('26/12/06,03:00:01-20'), gwsms.stamp('00/01/01,00:00:00+48')]))
print(enc(sms_commands.handle(open(sys.argv[3]).read(), config_store.defaults(), {'busy': 1})[0]))
print(enc(sms_commands.fit(open(sys.argv[4]).read())))
'''


def enc(v) -> str:
    if isinstance(v, str):
        return "s" + ".".join("%d" % ord(c) for c in v)
    if isinstance(v, int):
        return "i%d" % v
    return "(" + " ".join(enc(x) for x in v) + ")"


class Clock:
    t = 1000

    def secCounter(self) -> int:
        return self.t


class Port:
    def __init__(self, clock: Clock, chunks: list[str]) -> None:
        self.clock, self.later, self.chunks = clock, chunks, []

    def send(self, s, t):
        self.chunks, self.later = self.later, []
        return 1

    def receive(self, t):
        if self.chunks:
            return self.chunks.pop(0)
        self.clock.t += 1
        return ""

    def read(self):
        out, self.chunks = "".join(self.chunks), []
        return out


def python3_answers() -> list[str]:
    clock = Clock()
    load = Loader(modules={"MOD": clock, "MDM2": object()})
    atc, gwsms, sc, cs = (load.load(n) for n in ("atc", "gwsms", "sms_commands", "config_store"))
    chunks = [LISTING[i:i + 7] for i in range(0, len(LISTING), 7)]
    st, text = atc.cmd(Port(clock, chunks), 'AT+CMGL="ALL"', 5)
    return [enc([st, gwsms.cmgl(text)]),
            enc([gwsms.stamp("26/12/06,03:00:01-20"), gwsms.stamp("00/01/01,00:00:00+48")]),
            enc(sc.handle(IDENT, cs.defaults(), {"busy": 1})[0]),
            enc(sc.fit(LONG))]


def test_same_answers_under_the_real_152(py152: Path, tmp_path: Path) -> None:
    files = []
    for name, text in (("t.py", SCRIPT), ("listing", LISTING), ("ident", IDENT), ("long", LONG)):
        (tmp_path / name).write_bytes(text.encode("latin-1"))
        files.append(str(tmp_path / name))
    out = subprocess.run([str(py152), "-X", files[0], str(ROOT)] + files[1:], capture_output=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr.decode("latin-1")
    got = out.stdout.decode("latin-1").splitlines()
    want = python3_answers()
    assert got == want
    # and the answers are the right ones: read by length, oldest first, UCS2 decoded
    assert want[0] == enc(["OK", [(4, "STO SENT", "+3", ""),
                                  (1, "REC UNREAD", "+1", "hello\n\n\n\nERROR\n\nRING x"),
                                  (2, "REC UNREAD", "+1", "c?\xe9A"),
                                  (3, "REC READ", "+2", "ABCD")]])
