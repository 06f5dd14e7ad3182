"""Benchmark: the time the gateway adds to one short message each way.

    .venv/bin/python -m tools.bench_latency [--baud 9600] [--call-cost-ms N] [--line-cost-us N]

For the send timeouts 0, 1 and 10 (``connect socketting 300 <t> 0``: #SCFG txTo in 100 ms
units, REFERENCE §6.2), a remote client is connected to the server-mode gateway and a 10-byte
message goes each way, five times, at fixed module times spread over the loop's waits
(deterministic; ``--wait`` + 2 s apart). For each message:

* total: from the first byte leaving the sender to the last byte at the receiver;
* line: what the serial line itself takes for 10 bytes (start + 8 + stop bits each);
* network: the emulated network's one-way latency plus the radio's time for the packet;
* added = total - line - network: what the gateway and the module's socket layer add (the
  loop's wait, the built-in calls of a turn, the 50 ms pauses, the #SCFG send timeout).

A message the module holds for a full packet (send timeout 0 means "wait for pktSz bytes")
is reported as not sent within the wait (``--wait``, default 30 s).
"""
from __future__ import annotations

import argparse
from typing import Any

from tools import benchlib as bl
from tools.emulator import Module

MSG = b"0123456789"
OFFSETS = (0.0, 0.13, 0.27, 0.41, 0.55)  # s: the messages fall at different loop phases


def radio_ms(m: Module, up: bool, n: int) -> float:
    net = m.net  # type: ignore[attr-defined]
    bps = net.uplink.bps if up else net.downlink.bps
    return (n + net.packet_overhead) * 8 * 1000.0 / bps if bps else 0.0


def one_way(m: Module, c: Any, up: bool, wait_s: float) -> float | None:
    """Send MSG one way; module ms from the send to the last byte's arrival (None: never)."""
    dte = m.serial.dte
    base_dev, base_cli = len(dte.received), len(c.received)
    log = bl.record_times(m)
    t0 = m.kernel.now()
    if up:
        bl.gw_helpers.ser_send(m, MSG)
        done = lambda: len(c.received) - base_cli >= len(MSG)  # noqa: E731
    else:
        with m.kernel.lock:
            c.send(MSG)
        done = lambda: len(dte.received) - base_dev >= len(MSG)  # noqa: E731
    if not m.run_until(done, wait_s, step=0.05):  # the times come from the arrival logs
        return None
    if up:
        assert bytes(c.received[base_cli:]) == MSG
        t1 = [t for t, _ in c.packets if t >= t0][-1]
    else:
        assert bytes(dte.received[base_dev:]) == MSG
        t1 = log[-1][0]
    return float(t1 - t0)


CLIENT = False      # --client: the gateway dials out (client maintain) instead of accepting


def measure(send_timeout: int, baud: int, costs: tuple[Any, Any], wait_s: float) -> tuple[dict[str, list[float | None]], Module]:
    with bl.flash_dir() as d:
        m = bl.new_gateway(d, *costs)
        bl.start(m)
        bl.set_baud(m, baud)
        bl.sms(m, "connect socketting 300 %d 0" % send_timeout)
        c = bl.dial_server(m) if CLIENT else bl.connect_client(m)
        out: dict[str, list[float | None]] = {"up": [], "down": []}
        base = m.kernel.now() + 2000
        k = 0
        for way in ("up", "down"):
            for off in OFFSETS:
                # each message at a fixed module time, whatever the one before took
                due = base + k * int((wait_s + 2) * 1000) + int(off * 1000)
                k += 1
                m.run(max(0, due - m.kernel.now()) / 1000.0)
                out[way].append(one_way(m, c, way == "up", wait_s))
        m.close()
        return out, m


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baud", type=int, default=9600, help="serial speed (default 9600, the gateway's default)")
    p.add_argument("--timeouts", default="0,1,10", help="send timeouts, 100 ms units")
    p.add_argument("--wait", type=float, default=30.0, help="s to wait for a message")
    p.add_argument("--call-cost-ms", type=int, default=None)
    p.add_argument("--line-cost-us", type=int, default=None)
    p.add_argument("--client", action="store_true",
                   help="the gateway as a client (maintain); default: server mode")
    p.add_argument("--old-firmware", action="store_true",
                   help="firmware without #SSENDEXT: the online bridge (default: command mode)")
    a = p.parse_args(argv)
    bl.OLD_FIRMWARE = a.old_firmware
    global CLIENT
    CLIENT = a.client
    costs = (a.call_cost_ms, a.line_cost_us)
    line_ms = len(MSG) * 1000.0 / bl.serial_bps(a.baud)
    rows = []
    model = ""
    for t in [int(x) for x in a.timeouts.split(",")]:
        res, m = measure(t, a.baud, costs, a.wait)
        model = bl.cost_model(m)
        lat = m.net.latency_ms  # type: ignore[attr-defined]
        for way in ("up", "down"):
            net_ms = lat + radio_ms(m, way == "up", len(MSG))
            vals = res[way]
            got = [v for v in vals if v is not None]
            if not got:
                rows.append(["%d (%d ms)" % (t, 100 * t), way, "not sent in %.0f s" % a.wait, "%.1f" % line_ms,
                             "%.1f" % net_ms, "-", "-", "-"])
                continue
            added = [v - line_ms - net_ms for v in got]
            rows.append(["%d (%d ms)" % (t, 100 * t), way, "%.0f" % (sum(got) / len(got)), "%.1f" % line_ms,
                         "%.1f" % net_ms, "%.0f" % min(added), "%.0f" % (sum(added) / len(added)),
                         "%.0f" % max(added)])
    print(model + "; Python paused 50 ms every second (REFERENCE §10.2)")
    print("one %d-byte message each way, %d bd 8N1, 5 messages each; times in ms of module time" % (len(MSG), a.baud))
    print(bl.table(rows, ["send timeout", "way", "total mean", "line", "network", "added min", "added mean", "added max"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
