"""Soak: the gateway in client (maintain) and server mode on the emulated module, traffic both
ways checked byte by byte, a fault every episode, and the return-to-service time measured.

    .venv/bin/python -m tools.bench_soak [--hours 24] [--mode client|server|both] [--seed 1]

Each episode: a connection carries numbered lines both ways for 20-90 s (every line must arrive,
in order, exactly once: a session is exact); then one fault, picked at random:

* ``context drop``: the peer stops acknowledging, the device writes an 8 KB burst (CTS holds
  it back), then the network deactivates the context; none of it may reach the next
  connection;
* ``peer close`` / ``peer reset``: the peer ends the connection (FIN / RST);
* ``half-open peer``: the peer vanishes without a FIN (found by TCP keepalive, #SCFGEXT);
* ``registration loss``: the network is gone for 20-300 s;
* ``server away`` (client mode): the peer closes and the server refuses for 20-300 s;
* ``sms burst``: five SMS commands while the connection carries data (no break allowed);
* ``cts held``: a 6 KB device burst faster than the link takes it (CTS holds the device);
* ``power cut``: the module is off for 1-20 s.

Right after each fault the device writes a line (stale: it must not reach the next peer).
Recovery: from the moment the cause went away (at once for a drop, a close, a reset, a
half-open peer, the end of the outage for registration, server and power) to the next
connection carrying data.  Target: 60 s for every fault the network lets us recover from; a
half-open peer is found by the keepalive (2 min), outside the target.

Printed: virtual days, faults (by kind), bytes checked, errors, worst and median recovery per
fault.  The suite runs a bounded version (``tests/test_gw_soak.py``).
"""
from __future__ import annotations

import argparse
import random
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools import benchlib as bl
from tools.emulator import Module

SERVER = ("203.0.113.5", 5000)
CLIENT_IP = "198.51.100.7"
FAULTS = ("context drop", "peer close", "peer reset", "half-open peer", "registration loss",
          "server away", "sms burst", "cts held", "power cut")
NOT_IN_TARGET = ("half-open peer",)     # found by the TCP keepalive (2 min): the network decides
PHONE = "+15551230001"


@dataclass
class Figures:
    mode: str
    virtual_s: float = 0.0
    faults: Counter = field(default_factory=Counter)
    recovery: dict = field(default_factory=lambda: defaultdict(list))
    bytes_checked: int = 0
    sessions: int = 0
    errors: list = field(default_factory=list)
    boots: int = 0

    def worst(self, kind: str) -> float:
        return max(self.recovery[kind]) if self.recovery[kind] else 0.0

    def in_target(self, target_s: float = 60.0) -> bool:
        return all(self.worst(k) <= target_s for k in self.recovery if k not in NOT_IN_TARGET)


class Soak:
    def __init__(self, m: Module, mode: str, rng: random.Random, cycle: bool = False) -> None:
        self.m = m
        self.cycle = cycle          # the faults in turn (the bounded test), else at random
        self.mode = mode
        self.rng = rng
        self.fig = Figures(mode)
        self.srv: Any = None
        self.conn: Any = None
        self.session = 0
        self.dev_off = 0            # where the device's received bytes of this session begin

    # ---- connections ----------------------------------------------------------------------
    def now(self) -> float:
        return self.m.kernel.now() / 1000.0

    def setup(self) -> None:
        m = self.m
        bl.start(m)
        if self.mode == "client":
            self.srv = m.net.sim.listen(*SERVER)
            bl.sms(m, "connect mode client %s %d maintain" % SERVER)
        if not self.wait_connected(300):
            raise SystemExit("soak: no first connection (%s)" % bl.state(m))

    def wait_connected(self, timeout: float) -> bool:
        """Run until a new connection carries data; -> False after ``timeout`` s."""
        m = self.m
        end = self.now() + timeout
        if self.mode == "client":
            while self.now() < end:
                c = self.srv.accept_next(end - self.now())
                if c is None:
                    return False
                if m.run_until(lambda: bl.state(m) == "connected" and c.state == "connected", 10):
                    return self.new_session(c)
            return False
        while self.now() < end:         # server: the peer dials every 1 s until it is in
            c = m.net.sim.connect(CLIENT_IP, 1024, timeout=3)
            if m.run_until(lambda: c.state != "connecting", 5) and c.state == "connected" and \
                    m.run_until(lambda: bl.state(m) == "connected", 5):
                return self.new_session(c)
            m.run(1)
        return False

    def new_session(self, c: Any) -> bool:
        self.conn = c
        self.session += 1
        self.fig.sessions += 1
        self.dev_off = len(bl.gw_helpers.received(self.m))
        self.up = b""               # device -> peer, this session
        self.down = b""             # peer -> device, this session
        return True

    # ---- traffic --------------------------------------------------------------------------
    def line(self, who: str, k: int) -> bytes:
        fill = bytes(self.rng.randrange(32, 127) for _ in range(self.rng.randrange(0, 40)))
        return b"%s%d.%d:" % (who.encode(), self.session, k) + fill + b"\r\n"

    def traffic(self, seconds: float) -> None:
        m = self.m
        end = self.now() + seconds
        k = 0
        while self.now() < end:
            k += 1
            if self.rng.random() < 0.7:
                d = self.line("d", k)
                bl.gw_helpers.ser_send(m, d)
                self.up += d
            if self.rng.random() < 0.7 and self.conn.state == "connected":
                p = self.line("p", k)
                self.conn.send(p)
                self.down += p
            m.run(self.rng.uniform(0.2, 2.0))

    def settle(self, why: str) -> None:
        """Wait until everything sent this session arrived; record any difference."""
        m = self.m
        ok = m.run_until(lambda: self.conn.received == self.up and self.device_got() == self.down,
                         60, step=0.2)
        if not ok:
            self.error("%s: session %d not exact: peer got %d of %d B (prefix %s), device %d of %d B"
                       % (why, self.session, len(self.conn.received), len(self.up),
                          self.up.startswith(self.conn.received), len(self.device_got()),
                          len(self.down)) + " " + repr(self.conn.received[:60]))
        self.fig.bytes_checked += len(self.up) + len(self.down)

    def device_got(self) -> bytes:
        return bl.gw_helpers.received(self.m)[self.dev_off:]

    def error(self, text: str) -> None:
        self.fig.errors.append("%.0f s: %s" % (self.now(), text))

    # ---- faults ---------------------------------------------------------------------------
    def fault(self, kind: str) -> float | None:
        """Inject ``kind``; -> the time its cause went away (None: no break expected)."""
        m, rng, c = self.m, self.rng, self.conn
        if kind == "context drop":
            # the peer stops acknowledging, the device writes a burst the link cannot take
            # (CTS holds the rest back), then the network drops the context
            c.half_open()
            bl.gw_helpers.ser_send(m, b"B" * 8192)
            m.run(rng.uniform(1, 4))
            m.net.drop_context(1)
            return self.now()
        if kind == "peer close":
            c.close()
            return self.now()
        if kind == "peer reset":
            c.reset()
            return self.now()
        if kind == "half-open peer":
            c.half_open()
            return self.now()
        if kind == "registration loss":
            m.net.set_registration(0)
            m.run(rng.uniform(20, 300))
            m.net.set_registration(1)
            return self.now()
        if kind == "server away":
            self.srv.mode = "refuse"
            c.close()
            m.run(rng.uniform(20, 300))
            self.srv.mode = "accept"
            return self.now()
        if kind == "power cut":
            m.power_cut(restore_after_ms=None)
            m.run(rng.uniform(1, 20))
            m.power_on()
            return self.now()
        if kind == "sms burst":
            for text in ("connect status", "connect config", "Connect heartbeat off",
                         "connect firewall list", "wrong password"):
                m.sms.deliver(PHONE, text)
            self.traffic(30)
            self.settle("sms burst")
            return None
        if kind == "cts held":
            burst = bytes(rng.randrange(32, 127) for _ in range(6000))
            bl.gw_helpers.ser_send(m, burst)
            self.up += burst
            self.settle("cts held")
            return None
        raise ValueError(kind)

    def episode(self) -> None:
        rng = self.rng
        kinds = [k for k in FAULTS if not (k == "server away" and self.mode != "client")]
        if self.cycle:
            kind = kinds[sum(self.fig.faults.values()) % len(kinds)]
        else:
            kind = rng.choice(kinds)
        self.traffic(rng.uniform(20, 90))
        self.settle("before %s" % kind)
        boots = self.m.boots
        gone = self.fault(kind)
        self.fig.faults[kind] += 1
        if gone is None:
            if bl.state(self.m) != "connected":
                self.error("%s broke the connection" % kind)
                gone = self.now()
            else:
                return
        stale = b"STALE%d\r\n" % self.session
        if self.m.power:
            bl.gw_helpers.ser_send(self.m, stale)
        if not self.wait_connected(900):
            self.error("%s: no connection within 900 s (%s)" % (kind, bl.state(self.m)))
            raise SystemExit("\n".join(self.fig.errors))
        self.fig.recovery[kind].append(self.now() - gone)
        if kind != "power cut" and self.m.boots != boots:
            self.error("%s: the module restarted" % kind)
            self.fig.boots += self.m.boots - boots

    def check_command_line(self) -> None:
        # The module logs only lines that start with AT: a device line there would show
        # its marks (a STALE line, a numbered d<session>.<k>: line, the B burst).
        strange = [t for (_, i, t) in self.m.at_log if i == 1 and
                   ("STALE" in t or re.search(r"d\d+\.\d+:", t) or "B" * 8 in t)]
        for t in strange:
            self.error("device bytes on MDM's command line: %r" % t[:40])

    def run(self, seconds: float) -> Figures:
        start = self.now()
        self.setup()
        while self.now() - start < seconds:
            self.episode()
        self.settle("end")
        self.check_command_line()
        self.fig.virtual_s = self.now() - start
        return self.fig


def soak(mode: str, seconds: float, seed: int = 1, cycle: bool = False) -> Figures:
    with bl.flash_dir() as d:
        m = bl.new_gateway(d)
        try:
            return Soak(m, mode, random.Random(seed), cycle).run(seconds)
        finally:
            m.close()


def report(fig: Figures) -> str:
    rows = []
    for kind in FAULTS:
        r = fig.recovery.get(kind, [])
        n = fig.faults.get(kind, 0)
        if n == 0:
            continue
        worst = "%.0f s" % max(r) if r else "no break"
        med = "%.0f s" % statistics.median(r) if r else "-"
        rows.append([kind, str(n), med, worst + (" (keepalive)" if kind in NOT_IN_TARGET else "")])
    head = ("%s mode: %.2f virtual days, %d faults, %d sessions, %s bytes checked, %d errors, "
            "%d restarts besides the power cuts"
            % (fig.mode, fig.virtual_s / 86400, sum(fig.faults.values()), fig.sessions,
               "{:,}".format(fig.bytes_checked).replace(",", " "), len(fig.errors), fig.boots))
    return head + "\n" + bl.table(rows, ["fault", "count", "median recovery", "worst recovery"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hours", type=float, default=24.0, help="virtual hours per mode")
    ap.add_argument("--mode", choices=("client", "server", "both"), default="both")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--old-firmware", action="store_true",
                    help="firmware without #SSENDEXT: the client socket online (default: command mode)")
    a = ap.parse_args(argv)
    bl.OLD_FIRMWARE = a.old_firmware
    ok = True
    for mode in (("client", "server") if a.mode == "both" else (a.mode,)):
        fig = soak(mode, a.hours * 3600, a.seed)
        print(report(fig))
        for e in fig.errors[:20]:
            print("  error: " + e)
        ok = ok and not fig.errors and fig.in_target()
        print("target (every fault but a half-open peer back within 60 s, no error): %s\n"
              % bl.verdict(not fig.errors and fig.in_target()))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
