"""Flash on-module files to a GC864-PY over its serial port with AT#WSCRIPT.

    python -m tools.upload --port /dev/ttyUSB0 [--baud 115200] [--main gateway.py] [--run]
                           [--startmode 1,10 | --startmode keep] [FILES...]

With no FILES it uploads what README "What to flash" names: the main script ``gateway.py`` as
source and every other module as its compiled ``build/NAME.pyo`` (run tools/compile_pyo.sh
first). The module must be in no-script mode (ASC0 is the AT port: no script running, or inside
the ``#STARTMODESCR=1`` window after power-up — REFERENCE §2.5, §4.5).

For each file (REFERENCE §4.2, §4.4; ATR10 §3.5.7.11):

1. ``AT#DSCRIPT="<name>"`` when ``AT#LSCRIPT`` lists it (a re-upload starts from a clean slot,
   as the public Python uploaders do — REFERENCE §3); for ``NAME.pyo`` also a ``NAME.py``
   left from an earlier upload, so that the set on the module is .pyo-only and an import
   finds the compiled file (Telit advises uploading compiled code only, REFERENCE §4.1);
2. ``AT#WSCRIPT="<name>",<size>``, wait for the prompt ``\\r\\n>>>``, send exactly ``<size>``
   bytes, wait for ``OK``. Text scripts are sent with CR LF line ends (ATR10 #WSCRIPT);
3. ``AT#LCSCRIPT="<name>"``: the size and CRC16-CCITT (0x1021, init 0xFFFF) must match.

Then ``AT#LSCRIPT`` must list every file with its size (and no ``NAME.py`` beside an uploaded
``NAME.pyo``), ``AT#ESCRIPT="<main>"`` selects the start-up script, and
``AT#STARTMODESCR=1,10`` (``--startmode``; read back with ``AT#STARTMODESCR?``) makes it start
at power-on whatever the device does with DTR: with the factory default 0 the script starts
"only if the DTR line is found Low" (ATR10 §3.5.7.11.3, p.545), so a device or PC that
asserts DTR would keep the gateway from ever starting. Mode 1 starts it <timeout> s (10-60)
after power-on unless an AT command arrives on the serial port meanwhile, which also leaves
a way back in for the next upload. With ``--run``, ``AT#EXECSCR`` starts it now. Any failure
stops the upload with a message naming the file and the module's answer.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from tools.crc16 import crc16_ccitt
from tools.paths import BUILD, ROOT
from tools.pyo15.pyo import MAGIC as PYO_MAGIC

MAX_NAME = 16
STARTMODE = (1, 10)  # AT#STARTMODESCR=<mode>,<timeout> the uploader sets (ATR10 p.545)
FINALS = (b"\r\nOK\r\n", b"\r\nERROR\r\n")


class Port(Protocol):
    """What the uploader needs of a serial port (pyserial's Serial has it)."""

    def write(self, data: bytes) -> int | None: ...

    def read(self, size: int = 1) -> bytes: ...


class UploadError(Exception):
    pass


@dataclass(frozen=True)
class Item:
    name: str  # the name on the module's flash
    data: bytes  # exactly what is written


def prepare(path: Path) -> Item:
    """Read a file for upload: CR LF line ends for text scripts, magic check for .pyo."""
    name = path.name
    if len(name) > MAX_NAME:
        raise UploadError("%s: name longer than %d characters; the module's flash cannot hold it" % (name, MAX_NAME))
    data = path.read_bytes()
    if name.endswith(".pyo"):
        if data[:4] != PYO_MAGIC:
            raise UploadError("%s: not a CPython 1.5.2 .pyo (magic %s, want 994e0d0a)" % (name, data[:4].hex()))
    elif name.endswith(".py"):
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data:
        raise UploadError("%s: empty file (#WSCRIPT needs a size of at least 1)" % name)
    return Item(name, data)


def default_files(main: str = "gateway.py") -> list[Path]:
    """The main script as source plus every other module's compiled .pyo (README)."""
    stem = main[:-3] if main.endswith(".py") else main
    pyos = sorted(p for p in BUILD.glob("*.pyo") if p.stem != stem)
    others = sorted(p.stem for p in ROOT.glob("*.py") if p.stem != stem)
    missing = [s for s in others if not (BUILD / (s + ".pyo")).is_file()]
    if missing:
        raise UploadError("build/ lacks %s: run tools/compile_pyo.sh first" % ", ".join(s + ".pyo" for s in missing))
    return [ROOT / main] + pyos


class AtLink:
    """One AT dialogue over a port: send a line, read until a final result or a prompt."""

    def __init__(self, port: Port, timeout: float = 10.0) -> None:
        self.port = port
        self.timeout = timeout
        self.log: list[bytes] = []
        self.rest = b""  # bytes read past the end of the last answer

    def _read_until(self, ends: tuple[bytes, ...], timeout: float) -> bytes:
        """Read until one of ``ends`` (or a +CME ERROR line) appears; bytes after it (a
        started script may talk at once, as after #EXECSCR) are kept for the next read."""
        got = bytearray(self.rest)
        self.rest = b""
        deadline = time.monotonic() + timeout
        while True:
            cut = self._answer_end(got, ends)
            if cut:
                self.rest = bytes(got[cut:])
                self.log.append(bytes(got[:cut]))
                return bytes(got[:cut])
            if time.monotonic() >= deadline:
                self.log.append(bytes(got))
                raise UploadError("no answer within %.0f s (got %r)" % (timeout, bytes(got[-80:])))
            got += self.port.read(256)

    @staticmethod
    def _answer_end(got: bytearray, ends: tuple[bytes, ...]) -> int:
        """Offset just after the first complete final answer in ``got``, or 0."""
        best = 0
        for e in ends:
            i = got.find(e)
            if i >= 0 and (not best or i + len(e) < best):
                best = i + len(e)
        i = got.find(b"+CME ERROR")
        if i >= 0:
            j = got.find(b"\r\n", i)
            if j >= 0 and (not best or j + 2 < best):
                best = j + 2
        return best

    def command(self, line: str, timeout: float | None = None) -> bytes:
        """Send ``line`` and return the answer; raises UploadError unless it ends in OK."""
        self.port.write(line.encode("latin-1") + b"\r")
        answer = self._read_until(FINALS, timeout or self.timeout)
        if not answer.endswith(b"\r\nOK\r\n"):
            raise UploadError("%s -> %r" % (line, answer.strip().decode("latin-1", "replace")))
        return answer

    def sync(self, tries: int = 3) -> None:
        """Make sure the AT port answers (a script may still be starting, autobaud may need a
        few characters)."""
        for _ in range(tries):
            try:
                self.command("AT", 1.0)
                return
            except UploadError:
                continue
        raise UploadError("the module does not answer AT: is a script running? (REFERENCE §2.5)")

    def listing(self) -> dict[str, int]:
        """``#LSCRIPT: "<name>",<size>`` lines as a dict (REFERENCE §4.4)."""
        out: dict[str, int] = {}
        for line in self.command("AT#LSCRIPT").decode("latin-1").split("\r\n"):
            if line.startswith('#LSCRIPT: "'):
                name, _, size = line[len('#LSCRIPT: "'):].rpartition('",')
                out[name] = int(size)
        return out

    def write_script(self, item: Item) -> None:
        self.port.write(b'AT#WSCRIPT="%s",%d\r' % (item.name.encode("latin-1"), len(item.data)))
        answer = self._read_until((b"\r\n>>>", b"\r\nERROR\r\n"), self.timeout)
        if not answer.endswith(b">>>"):
            raise UploadError("%s: #WSCRIPT refused: %r" % (item.name, answer.strip().decode("latin-1", "replace")))
        for i in range(0, len(item.data), 512):
            self.port.write(item.data[i:i + 512])
        # The module answers once it has stored exactly <size> bytes.
        answer = self._read_until(FINALS, self.timeout + len(item.data) / 1000.0)
        if not answer.endswith(b"\r\nOK\r\n"):
            raise UploadError("%s: upload failed: %r" % (item.name, answer.strip().decode("latin-1", "replace")))

    def verify(self, item: Item) -> None:
        text = self.command('AT#LCSCRIPT="%s"' % item.name).decode("latin-1")
        want = '#LCSCRIPT: "%s",%d,%04X' % (item.name, len(item.data), crc16_ccitt(item.data))
        lines = [l for l in text.split("\r\n") if l.startswith("#LCSCRIPT:")]
        if not lines or lines[0].upper() != want.upper():
            raise UploadError("%s: verify failed: module says %r, want %r" % (item.name, lines[:1], want))


def parse_startmode(text: str) -> tuple[int, int] | None:
    """``MODE[,TIMEOUT]`` (0-2, 10-60 s; ATR10 p.545) or ``keep`` (None: not set)."""
    if text == "keep":
        return None
    mode_s, _, to_s = text.partition(",")
    try:
        mode, to = int(mode_s), int(to_s or "10")
    except ValueError:
        raise UploadError("--startmode %r: want MODE[,TIMEOUT] (0-2, 10-60) or keep" % text) from None
    if mode not in (0, 1, 2) or not 10 <= to <= 60:
        raise UploadError("--startmode %r: mode 0-2, timeout 10-60 s (ATR10 #STARTMODESCR)" % text)
    return mode, to


def upload(port: Port, items: list[Item], main: str | None = None, run: bool = False,
           out: "callable[[str], None]" = print,  # type: ignore[valid-type]
           startmode: tuple[int, int] | None = STARTMODE) -> bytes:
    """Upload ``items``; returns the bytes the module sent after its last answer (a script
    started with ``run`` may already be talking). ``startmode``: the (mode, timeout) of
    ``AT#STARTMODESCR`` to set when ``main`` is selected (None: leave it)."""
    link = AtLink(port)
    link.sync()
    present = link.listing()
    for item in items:
        if item.name in present:
            link.command('AT#DSCRIPT="%s"' % item.name)
        if item.name.endswith(".pyo") and item.name[:-1] in present:
            link.command('AT#DSCRIPT="%s"' % item.name[:-1])  # .pyo-only: no stale source
        link.write_script(item)
        link.verify(item)
        out("%-16s %6d bytes  crc %04X  ok" % (item.name, len(item.data), crc16_ccitt(item.data)))
    listed = link.listing()
    for item in items:
        if listed.get(item.name) != len(item.data):
            raise UploadError("%s: #LSCRIPT lists %s, want %d bytes" % (item.name, listed.get(item.name), len(item.data)))
        if item.name.endswith(".pyo") and item.name[:-1] in listed:
            raise UploadError("%s: %s is still on the module" % (item.name, item.name[:-1]))
    if main:
        link.command('AT#ESCRIPT="%s"' % main)
        out("start-up script: %s" % main)
        if startmode is not None:
            link.command("AT#STARTMODESCR=%d,%d" % startmode)
            got = link.command("AT#STARTMODESCR?").decode("latin-1")
            if "#STARTMODESCR: %d,%d" % startmode not in got:
                raise UploadError("AT#STARTMODESCR? -> %r, want %d,%d" % (got.strip(), startmode[0], startmode[1]))
            out("start mode: %d, %d s (AT#STARTMODESCR)" % startmode)
    if run:
        link.command("AT#EXECSCR")
        out("started")
    return link.rest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.upload", description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, help="files to flash (default: gateway.py + build/*.pyo)")
    ap.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0 or the emulator's pty")
    ap.add_argument("--baud", type=int, default=115200)
    ap.add_argument("--main", default="gateway.py", help="start-up script for AT#ESCRIPT ('' to leave it)")
    ap.add_argument("--run", action="store_true", help="start it with AT#EXECSCR afterwards")
    ap.add_argument("--startmode", default="1,10", metavar="MODE[,TIMEOUT]|keep",
                    help="AT#STARTMODESCR set with --main (default 1,10: starts 10 s after power-on "
                         "whatever DTR is; factory 0 starts only with DTR low; keep: leave it)")
    ap.add_argument("--no-rtscts", action="store_true", help="no hardware flow control (ES13 uploads at 115200 with RTS/CTS)")
    args = ap.parse_args(argv)
    try:
        startmode = parse_startmode(args.startmode)
        files = args.files or default_files(args.main or "gateway.py")
        items = [prepare(p) for p in files]
        import serial  # pyserial: only needed for a real port

        with serial.Serial(args.port, args.baud, timeout=0.05, rtscts=not args.no_rtscts) as port:
            upload(port, items, args.main or None, args.run, startmode=startmode)
    except UploadError as e:
        print("upload: %s" % e, file=sys.stderr)
        return 1
    except OSError as e:
        print("upload: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
