"""Helpers for the gateway scenario tests (tests/test_gw_*.py): the gateway's files on the
emulated module's flash, boot, SMS exchanges, peers, and a look at the gateway's state.

Everything runs on the emulator's virtual clock (tools/emulator/kernel.py), so a day of
module time takes seconds of wall time and runs are deterministic.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import tools.emulator.script as _script
from tools.emulator import Module
from tools.emulator.names_table import LIMIT
from tools.paths import ROOT, on_module_files


def fast_boots(monkeypatch: Any) -> None:
    """The emulator compiles every flash module at every boot (an AST pass for 1.5.2's
    meaning, tools/emulator/script.py).  For a test that boots the gateway hundreds of
    times, keep the code objects of unchanged sources for the test's duration: they are
    immutable, so sharing them between boots changes nothing the script can see."""
    import functools

    compile152 = getattr(_script, "compile152", None)
    if compile152 is not None:
        monkeypatch.setattr(_script, "compile152", functools.lru_cache(maxsize=64)(compile152))

PHONE = "+15551230001"
# The gateway's own files (the pure logic modules it imports and the ones written for it).
GW_FILES = tuple(p.name for p in on_module_files())
MODULE_IP = "10.20.30.40"  # what the emulated network gives context 1


def flash_gateway(m: Module) -> None:
    for name in GW_FILES:
        m.flash.write(name, (ROOT / name).read_bytes())
    m.nvm["escript"] = "gateway.py"
    # Every boot fits the names table (python -m tools.bench_names): enforced, as on the
    # module, so growth past 682 fails the gateway's tests loudly (ES13 7.1, a MemoryError
    # at import; tools/emulator/names_table.py).
    m.names_limit = LIMIT


def gw(m: Module) -> Any:
    """The running gateway's state module (gwstate.py) as the script sees it."""
    return m.script_run.modules["gwstate"]  # type: ignore[attr-defined]


def state(m: Module) -> str:
    run = getattr(m, "script_run", None)
    if run is None or "gwstate" not in run.modules:
        return "none"
    return getattr(run.modules["gwstate"], "state", "none")  # none while it is imported


def new_module(tmp_path: Path, **kw: Any) -> Module:
    m = Module(tmp_path / "flash", **kw)
    flash_gateway(m)
    return m


def old_firmware(m: Module) -> Module:
    """Firmware before 7.03.02/7.02.07 (ATR10 §1.7): no #SSENDEXT and a 4-field #SCFGEXT, so
    the gateway bridges its socket online on MDM (bridge.py).  Set before power-on."""
    m.radio.scfgext_fields = 4
    m.radio.firmware = "07.02.004"
    return m


def start(m: Module, want: str = "listening", timeout: float = 60) -> Module:
    """Power on and run until the gateway reaches state ``want``."""
    m.power_on()
    assert wait_state(m, want, timeout), (state(m), m.trace_text()[-2000:])
    return m


def wait_state(m: Module, want: str, timeout: float = 60) -> bool:
    return m.run_until(lambda: state(m) == want, timeout, step=0.1)


def boot(tmp_path: Path, want: str = "listening", setup: Callable[[Module], None] | None = None,
         **kw: Any) -> Module:
    m = new_module(tmp_path, **kw)
    if setup is not None:
        setup(m)
    return start(m, want)


def sms(m: Module, text: str, number: str = PHONE, replies: int = 1, timeout: float = 60,
        settle: float = 1.0) -> list[str]:
    """A phone sends ``text``; run until ``replies`` more replies went out (or timeout),
    then ``settle`` s more (the gateway applies a change after replying).  Returns the
    texts sent to ``number`` meanwhile."""
    before = len(m.sms.sent)
    m.sms.deliver(number, text)
    m.run_until(lambda: len(m.sms.sent) >= before + replies, timeout, step=0.1)
    m.run(settle)
    return [s.text for s in m.sms.sent[before:] if s.destination == number]


def silent(m: Module, text: str, number: str = PHONE, wait: float = 20) -> list[str]:
    """A message that must get no reply: run ``wait`` s and return what was sent."""
    before = len(m.sms.sent)
    m.sms.deliver(number, text)
    m.run(wait)
    return [s.text for s in m.sms.sent[before:]]


def config_on_flash(m: Module) -> dict[str, str]:
    """The newest valid config slot on the flash, as key -> value text (host-side parse
    of docs/gateway.md 4; the checksum is checked)."""
    import hashlib

    best: tuple[int, dict[str, str]] | None = None
    for name in ("cfg_a.txt", "cfg_b.txt"):
        if not m.flash.exists(name):
            continue
        data = m.flash.read(name).decode("latin-1")
        i = data.rfind("\nmd5=")
        if i < 0:
            continue
        body = data[:i + 1]
        if data[i + 1:] != "md5=" + hashlib.md5(body.encode("latin-1")).hexdigest() + "\n":
            continue
        kv: dict[str, str] = {}
        for line in body.splitlines():
            k, _, v = line.partition("=")
            if k in ("fw", "ph"):
                kv[k] = kv.get(k, "") + v + ";"
            else:
                kv[k] = v
        seq = int(kv["seq"])
        if best is None or seq > best[0]:
            best = (seq, kv)
    return best[1] if best else {}


def ser_send(m: Module, data: bytes) -> None:
    with m.kernel.lock:
        m.serial.device_send(data)


def received(m: Module) -> bytes:
    return bytes(m.serial.dte.received)


def trace_has(m: Module, text: str) -> bool:
    return any(text in line for line in m.trace_lines)


# ---- a client connection that the server keeps closing -------------------------------------
SERVER = ("203.0.113.5", 5000)


def maintain(m: Module, baud: int = 9600) -> tuple[Any, Any]:
    """The gateway as a "maintain" client of SERVER (at ``baud`` 8N1), connected: the
    listening server and its side of the connection."""
    srv = m.net.sim.listen(*SERVER)
    if baud != 9600:
        sms(m, "connect baud %d" % baud)
        m.serial.dte.configure(str(baud), "8N1")
    sms(m, "connect mode client %s %d maintain" % SERVER)
    c = srv.accept_next(30)
    assert c is not None and m.run_until(lambda: state(m) == "connected", 10)
    return srv, c


def mdm_lines(m: Module) -> list[str]:
    """Every command line MDM's AT instance (1) has run."""
    return [t for (_, i, t) in m.at_log if i == 1]


def closes_while_device_writes_at(m: Module, srv: Any, c: Any, closes: int = 40) -> float:
    """The server closes ``closes`` times while the device writes lines holding AT+CFUN=0;
    each time the gateway must dial again (within 60 s) and be connected. The slowest
    reconnect in seconds."""
    worst = 0.0
    for trial in range(closes):
        for step in range(30):
            ser_send(m, b"AT+CFUN=0\r%02d" % trial + b"x" * 8)
            m.run(0.05 + (trial % 7) * 0.003)
            if step == 15:
                c.close()
                t_close = m.kernel.now()
        c = srv.accept_next(60)
        assert c is not None
        worst = max(worst, (m.kernel.now() - t_close) / 1000)
        assert m.run_until(lambda: state(m) == "connected", 10)
    return worst
