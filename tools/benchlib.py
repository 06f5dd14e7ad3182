"""What the gateway benchmarks (tools/bench_*.py) share: the gateway on an emulated module, a
remote client, the device on the serial port, the meter readings, and printing.

Everything runs on the emulator's virtual clock, so every figure is deterministic. The
gateway is driven only from outside, as the gateway tests drive it (``tests/gw_helpers.py``:
its files on the flash, boot, SMS commands): a benchmark works on whatever gateway the
repository holds.
"""
from __future__ import annotations

import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from tools.emulator import Module
from tools.emulator.cost import MeterReading
from tools.paths import ROOT

_TESTS = str(ROOT / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

import gw_helpers  # noqa: E402  (tests/gw_helpers.py: the gateway tests' own helpers)

KB = 1024
CLIENT_IP = "198.51.100.7"
# REFERENCE §10.2: the module runs the script at the lowest priority, paused 50 ms a second;
# the CPU share left for everything else is what the benchmarks' CPU targets protect.
CPU_TARGET_SHARE = 0.10


def serial_bps(baud: int, fmt: str = "8N1") -> float:
    """Bytes per second a serial line carries at ``baud``: start + data + parity + stop bits."""
    bits = 1 + int(fmt[0]) + (0 if fmt[1] == "N" else 1) + int(fmt[2])
    return baud / float(bits)


def gprs_payload_bps(m: Module, up: bool, packet: int) -> float:
    """Payload bytes per second the emulated radio carries one way: the rate (REFERENCE
    §10.1, class 10: 28.8 kbit/s up, 57.6 kbit/s down) less the TCP/IP header of each packet."""
    net = m.net  # type: ignore[attr-defined]
    bps = net.uplink.bps if up else net.downlink.bps
    if not bps:
        return float("inf")
    return bps / 8.0 * packet / float(packet + net.packet_overhead)


def cost_model(m: Module) -> str:
    return ("cost model (tools/emulator/cost.py): %d ms per built-in call, %d us per script line; "
            "virtual clock" % (m.call_cost_ms, m.line_cost_us))


@contextmanager
def flash_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="gc864-bench-") as d:
        yield Path(d)


# --old-firmware of the benchmarks: a firmware before 7.03.02/7.02.07 (no #SSENDEXT), so the
# gateway bridges its socket online on MDM instead of in command mode (bridge.py).
OLD_FIRMWARE = False


def new_gateway(tmp: Path, call_cost_ms: int | None = None, line_cost_us: int | None = None,
                python_stall: bool = True) -> Module:
    """A powered-off module with the gateway's files on its flash. The benchmarks run with the
    module's 50 ms-a-second pause of the Python task on (REFERENCE §10.2)."""
    m = gw_helpers.new_module(tmp)
    if OLD_FIRMWARE:
        gw_helpers.old_firmware(m)
    set_costs(m, call_cost_ms, line_cost_us)
    m.python_stall = python_stall
    return m


def set_costs(m: Module, call_cost_ms: int | None, line_cost_us: int | None) -> None:
    if call_cost_ms is not None:
        m.call_cost_ms = call_cost_ms
    if line_cost_us is not None:
        m.line_cost_us = line_cost_us


def state(m: Module) -> str:
    return gw_helpers.state(m)


def start(m: Module, want: str = "listening", timeout: float = 120) -> None:
    gw_helpers.start(m, want, timeout)


def sms(m: Module, text: str) -> str:
    out = gw_helpers.sms(m, text)
    if not out or not out[0].startswith("Confirmed"):
        raise SystemExit("the gateway did not confirm %r: %r" % (text, out))
    return out[0]


def set_baud(m: Module, baud: int) -> None:
    """The gateway's serial speed (by SMS, when it is not already that) and the device's."""
    if baud != 9600:
        sms(m, "connect baud %d" % baud)
    m.serial.dte.configure(str(baud), "8N1")


def connect_client(m: Module, port: int = 1024) -> Any:
    c = m.net.sim.connect(CLIENT_IP, port)  # type: ignore[attr-defined]
    if not m.run_until(lambda: state(m) == "connected" and c.state == "connected", 30, step=0.05):
        raise SystemExit("no connection: gateway %s, client %s" % (state(m), c.state))
    return c


SERVER = ("203.0.113.5", 5000)


def dial_server(m: Module) -> Any:
    """Client maintain mode: the gateway dials a simulated server (a client socket, in
    command mode where the firmware has #SSENDEXT: bridge.py); -> the server's side."""
    srv = m.net.sim.listen(*SERVER)  # type: ignore[attr-defined]
    sms(m, "connect mode client %s %d maintain" % SERVER)
    c = srv.accept_next(60)
    if c is None or not m.run_until(lambda: state(m) == "connected", 30, step=0.05):
        raise SystemExit("no connection: gateway %s" % state(m))
    return c


@dataclass
class Window:
    """Counters at the start of a measured stretch of module time."""

    m: Module
    t0: int = 0
    meter: MeterReading = field(default_factory=MeterReading)
    at: int = 0
    turns: int = 0

    def __post_init__(self) -> None:
        self.t0 = self.m.kernel.now()
        self.meter = self.m.meter.snapshot()
        self.at = len(self.m.at_log)
        self.turns = loop_turns(self.m)

    def elapsed_s(self) -> float:
        return (self.m.kernel.now() - self.t0) / 1000.0

    def cost(self) -> MeterReading:
        return self.m.meter.snapshot() - self.meter

    def at_commands(self) -> list[str]:
        return [text for _, _, text in self.m.at_log[self.at:]]

    def turns_done(self) -> int:
        return loop_turns(self.m) - self.turns


def loop_turns(m: Module) -> int:
    """Turns of the gateway's main loop so far: calls of gwloop.turn (the emulator's meter
    counts script function calls; the watchdog is reset only once a second)."""
    return m.meter.entered.get("gwloop.turn", 0)


def record_times(m: Module) -> list[tuple[int, int]]:
    """(module ms, bytes) of every chunk the device receives from now on."""
    log: list[tuple[int, int]] = []
    dte = m.serial.dte
    before: Callable[[bytes], None] | None = dte.on_receive

    def on_receive(chunk: bytes) -> None:
        log.append((m.kernel.now(), len(chunk)))
        if before is not None:
            before(chunk)

    dte.on_receive = on_receive
    return log


def ratio(ours: float, base: float) -> str:
    if base == 0:
        return "-" if ours == 0 else "inf"
    return "%.3f" % (ours / base)


def table(rows: list[list[str]], head: list[str]) -> str:
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    line = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in rows])


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"
