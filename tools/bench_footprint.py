"""Benchmark: the RAM the gateway needs on the module, its largest variable and the names it
loads, each against the module's budget (REFERENCE §3: 1.2 MB of RAM for the Python engine,
16 KB per variable, about 500 names loaded at start-up).

    .venv/bin/python -m tools.bench_footprint [--sessions N]

RAM is estimated by ``tools/emulator/footprint.py`` from what the script holds (its modules,
their functions' code, the call stack's frames and locals), priced with 32-bit CPython 1.5.2
object sizes (the formula is in that file and in docs/emulator.md). It is taken after boot
(listening), then sampled every 0.5 s of module time through a day-style scenario (the
tests/test_gw_day.py kinds of event, compressed): clients with data both ways and SMS
commands in the middle of transfers, a burst of ten SMS into the store while connected, a CSD
call with data, a context drop, and a maintained client stint; the peak is reported with
what it was made of. Names: ``tools/bench_names.py`` (distinct identifiers of all on-module
files' code objects).
"""
from __future__ import annotations

import argparse
import random
from typing import Any, Callable

from tools import benchlib as bl
from tools.bench_names import names_of
from tools.emulator import Module
from tools.emulator.footprint import Footprint, estimate
from tools.paths import on_module_files
from tools.pyo15.compiler import compile_source

RAM_BUDGET = 1_200_000  # bytes, REFERENCE §3 ("1.2 MB"; read as 1.2 million)
VAR_LIMIT = 16 * 1024  # bytes per variable, REFERENCE §3
NAMES_BUDGET = 500  # names loaded at start-up, REFERENCE §3 (Telit's estimate)
SAMPLE_S = 0.5


class Sampler:
    def __init__(self, m: Module) -> None:
        self.m = m
        self.peak = Footprint()
        self.peak_at = ("", 0)
        self.largest = (0, "")
        self.samples = 0
        self.what = "boot"

    def sample(self) -> None:
        fp = estimate(self.m)
        self.samples += 1
        if fp.total > self.peak.total:
            self.peak = fp
            self.peak_at = (self.what, self.m.kernel.now())
        if fp.largest[0] > self.largest[0]:
            self.largest = fp.largest

    def run_until(self, cond: Callable[[], bool], timeout: float) -> bool:
        end = self.m.kernel.now() + int(timeout * 1000)
        while self.m.kernel.now() < end:
            if cond():
                return True
            self.m.run(SAMPLE_S)
            self.sample()
        return cond()

    def run(self, seconds: float) -> None:
        self.run_until(lambda: False, seconds)


def blob(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def day(m: Module, s: Sampler, sessions: int) -> None:
    rng = random.Random(11)
    received = bl.gw_helpers.received
    for text in ("connect dialin on", "connect socketting 120 5 0", "connect firewall add 198.51.100.0 255.255.255.0"):
        s.what = "SMS " + text
        m.sms.deliver(bl.gw_helpers.PHONE, text)  # type: ignore[attr-defined]
        s.run(8)
    for i in range(sessions):
        s.what = "session %d" % i
        c = m.net.sim.connect("198.51.100.%d" % (10 + i), 1024)  # type: ignore[attr-defined]
        assert s.run_until(lambda: bl.state(m) == "connected" and c.state == "connected", 20)
        for j in range(3):
            up, down = blob(rng, rng.randrange(500, 3000)), blob(rng, rng.randrange(1000, 6000))
            if j == 2 and i == 1:
                down = blob(rng, 20000)  # fills the module's buffers while the SMS burst pauses the bridge
            base, cbase = len(received(m)), len(c.received)
            bl.gw_helpers.ser_send(m, up)
            with m.kernel.lock:
                c.send(down)
            if j == 1:
                m.sms.deliver(bl.gw_helpers.PHONE, "connect status")  # type: ignore[attr-defined]
            if j == 2 and i == 1:
                s.what = "10 SMS at once, connected"
                for k in range(10):
                    m.sms.deliver(bl.gw_helpers.PHONE, ("connect config", "connect status",  # type: ignore[attr-defined]
                                                        "connect firewall list", "wrong pass")[k % 4])
            assert s.run_until(lambda: c.received[cbase:] == up and received(m)[base:] == down, 180), (i, j)
        with m.kernel.lock:
            c.close()
        assert s.run_until(lambda: bl.state(m) == "listening", 120)
        s.run(5)
    s.what = "CSD call"
    call = m.csd.call("+15551230002")  # type: ignore[attr-defined]
    assert s.run_until(lambda: bl.state(m) == "csd" and call.state == "active", 30)
    up, down = blob(rng, 500), blob(rng, 800)
    base = len(received(m))
    bl.gw_helpers.ser_send(m, up)
    with m.kernel.lock:
        call.send(down)
    assert s.run_until(lambda: bytes(call.received) == up and received(m)[base:] == down, 60)
    with m.kernel.lock:
        call.hangup()
    assert s.run_until(lambda: bl.state(m) == "listening", 30)
    s.what = "context drop"
    with m.kernel.lock:
        m.net.drop_context(1)  # type: ignore[attr-defined]
    s.run(3)
    assert s.run_until(lambda: bl.state(m) == "listening", 120)
    s.what = "maintained client"
    srv = m.net.sim.listen("203.0.113.5", 5000)  # type: ignore[attr-defined]
    m.sms.deliver(bl.gw_helpers.PHONE, "connect mode client 203.0.113.5 5000 maintain")  # type: ignore[attr-defined]
    assert s.run_until(lambda: len(srv.connections) > 0 and bl.state(m) == "connected", 120)
    c = srv.connections[-1]
    up, down = blob(rng, 2000), blob(rng, 3000)
    base = len(received(m))
    bl.gw_helpers.ser_send(m, up)
    with m.kernel.lock:
        c.send(down)
    assert s.run_until(lambda: c.received == up and received(m)[base:] == down, 60)
    m.sms.deliver(bl.gw_helpers.PHONE, "connect mode server any 1024")  # type: ignore[attr-defined]
    s.run(10)
    with m.kernel.lock:
        c.close()
    assert s.run_until(lambda: bl.state(m) == "listening", 60)


def names() -> tuple[int, int]:
    # What loads at start-up (tools/bench_names.startup_modules): updater.py loads only
    # when an update starts, after the start-up the ~500 concerns.
    from tools.bench_names import startup_modules

    startup = startup_modules()
    idents: set[bytes] = set()
    strings: set[bytes] = set()
    for path in on_module_files():
        if path.stem not in startup:
            continue
        i, s = names_of(compile_source(path.read_bytes(), path.name))
        idents |= i
        strings |= s
    return len(idents), len(strings)


def share(n: float, budget: float) -> str:
    return "%.1f %%" % (100.0 * n / budget)


def breakdown(fp: Footprint, key: str) -> str:
    d: dict[str, int] = getattr(fp, key)
    return ", ".join("%s %d" % kv for kv in sorted(d.items(), key=lambda kv: -kv[1]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=6, help="client sessions in the scenario (default 6)")
    a = p.parse_args(argv)
    with bl.flash_dir() as d:
        m = bl.new_gateway(d)
        bl.start(m)
        boot = estimate(m)
        s = Sampler(m)
        s.sample()
        day(m, s, a.sessions)
        hours = m.kernel.now() / 3600000.0
        m.close()
    n_names, n_strings = names()
    print("RAM estimate: 32-bit CPython 1.5.2 object sizes (tools/emulator/footprint.py); "
          "budget 1.2 MB, 16 KB per variable, ~500 names (REFERENCE §3)")
    print("scenario: %.2f h of module time, %d samples (every %.1f s); peak during %s at %.0f s"
          % (hours, s.samples, SAMPLE_S, s.peak_at[0], s.peak_at[1] / 1000.0))
    largest = max(boot.largest, s.largest)
    rows = [
        ["RAM after boot (listening)", "%d B" % boot.total, share(boot.total, RAM_BUDGET), "-"],
        ["RAM at the peak of the scenario", "%d B" % s.peak.total, share(s.peak.total, RAM_BUDGET), "-"],
        ["largest single variable", "%d B" % largest[0], share(largest[0], VAR_LIMIT),
         bl.verdict(largest[0] < VAR_LIMIT)],
        ["distinct names loaded at start-up", "%d" % n_names, share(n_names, NAMES_BUDGET),
         bl.verdict(n_names <= NAMES_BUDGET)],
        ["distinct string constants", "%d" % n_strings, "-", "-"],
    ]
    print(bl.table(rows, ["figure", "value", "share of budget", "target"]))
    print("largest variable: %s" % largest[1])
    print("after boot, by kind: " + breakdown(boot, "by_kind"))
    print("after boot, by module: " + breakdown(boot, "by_module"))
    print("peak, by kind: " + breakdown(s.peak, "by_kind"))
    print("peak minus boot: %+d B (frames %d at the peak)" % (s.peak.total - boot.total, s.peak.frames))
    return 0 if largest[0] < VAR_LIMIT and n_names <= NAMES_BUDGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
