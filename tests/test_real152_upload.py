"""Upload with tools/upload.py, then AT#EXECSCR, with the gateway's compiled .pyo files running
under the real CPython 1.5.2+ with -X (tests/real152_helpers.py). The uploader talks to the
emulated module's ASC0 through a port on the virtual clock (each read lets 20 ms of module
time pass), so the whole upload is deterministic and quick.

* the set on the flash is .pyo-only (a NAME.py left from an earlier upload is deleted), each
  file checked with #LCSCRIPT, and the gateway runs from it;
* #STARTMODESCR=1,10 (the uploader's default) starts the gateway at power-on although the
  device asserts DTR; with the factory default 0 it never would (ATR10 p.545)."""
from __future__ import annotations

from pathlib import Path

import pytest

from real152_helpers import MAIN, compiled, crashes, state, wait_state
from tools.emulator import Module
from tools.emulator.remote import use_interpreter
from tools.paths import ROOT
from tools.upload import Item, prepare, upload


class VirtualPort:
    """The uploader's Port on the emulated module's ASC0, virtual clock."""

    def __init__(self, m: Module) -> None:
        self.m = m
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        with self.m.kernel.lock:
            self.m.serial.device_send(bytes(data))
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if not self.buf:
            self.m.run(0.02)
            self.buf += self.m.serial.dte.take_received()
        out = bytes(self.buf[:size])
        del self.buf[:size]
        return out


def items() -> list[Item]:
    return [prepare(ROOT / MAIN)] + [Item(name, data) for name, data in sorted(compiled().items())]


@pytest.fixture
def m(tmp_path: Path, py152: Path) -> Module:
    mod = Module(tmp_path / "flash")
    use_interpreter(mod, str(py152), extra_args=["-X"])
    mod.flash.write("gwmode.py", b"raise ValueError\r\n")  # an earlier source upload
    mod.serial.dte.dtr = 1                  # the device (or a PC) asserts DTR
    mod.power_on()
    mod.run(1)
    yield mod
    mod.close()


def test_upload_pyo_set_and_execscr_runs_the_gateway(m: Module) -> None:
    lines: list[str] = []
    upload(VirtualPort(m), items(), main=MAIN, run=True, out=lines.append)
    assert sorted(m.flash.names()) == sorted([MAIN] + list(compiled()))       # .pyo-only
    assert m.flash.read("gwmode.pyo") == compiled()["gwmode.pyo"]
    assert (m.nvm["escript"], m.nvm["startmode"], m.nvm["startmode_to"]) == (MAIN, 1, 10)
    assert lines[-2:] == ["start mode: 1, 10 s (AT#STARTMODESCR)", "started"]
    assert wait_state(m, "listening", 60), (state(m), m.trace_text()[-2000:])
    assert m.script_run.child_version.startswith("1.5.2") and crashes(m) == []  # type: ignore[attr-defined]
    # power off and on with DTR still high: the gateway starts after the 10 s window
    mark = len(m.trace_lines)
    m.power_cut(restore_after_ms=1000)
    m.run(5)
    assert m.script_state == "none"          # inside the window: ASC0 is the AT port
    assert wait_state(m, "listening", 60, since=mark) and m.boots == 2
    assert m.trace_lines[mark] == "gwboot: starting factory"


def test_factory_startmode_with_dtr_high_never_starts_the_gateway(m: Module) -> None:
    upload(VirtualPort(m), items(), main=MAIN, run=False, out=lambda _: None, startmode=None)
    assert m.nvm["startmode"] == 0
    m.power_cut(restore_after_ms=1000)
    m.run(60)
    assert m.script_state == "none" and state(m) == "none"
    m.serial.dte.dtr = 0                     # nothing on the port, or a device without DTR
    m.reboot()
    assert wait_state(m, "listening", 60) and crashes(m) == []
