"""Benchmark: what the gateway costs the module while nothing happens.

    .venv/bin/python -m tools.bench_idle [--seconds 600] [--call-cost-ms N] [--line-cost-us N]

Three idle states, each measured over ``--seconds`` of module time (default 600) after a
minute to settle:

* listening: server mode, no client (the default configuration);
* connected, silent: a client connected, no byte either way (socket timeout switched off with
  ``connect socketting 0 10 0`` so the connection stays);
* client connected, silent: client maintain, its socket in command mode (bridge.py), no byte
  either way: the bridge asks ``AT#SS=1`` on MDM2 every 2 s to learn of a close;
* on-demand idle: ``connect mode client 203.0.113.5 5000``, no device byte, no connection.

Figures: main-loop turns per second (calls of ``gwloop.turn``, counted by the emulator's meter), built-in calls per
second, AT commands per minute (by instance), and the module CPU share (CPU charged by the
cost model / elapsed module time). Target: CPU share at most 10 % (the module's other tasks,
REFERENCE §10.2).
"""
from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from tools import benchlib as bl
from tools.emulator import Module

SETTLE_S = 60


def measure(kind: str, seconds: float, costs: tuple[Any, Any]) -> dict[str, Any]:
    with bl.flash_dir() as d:
        m = bl.new_gateway(d, *costs)
        bl.start(m)
        if kind == "connected, silent":
            bl.sms(m, "connect socketting 0 10 0")
            bl.connect_client(m)
        elif kind == "client connected, silent":
            bl.sms(m, "connect socketting 0 10 0")
            bl.dial_server(m)
        elif kind == "on-demand idle":
            bl.sms(m, "connect mode client 203.0.113.5 5000")
            if not m.run_until(lambda: bl.state(m) == "idle", 60, step=0.1):
                raise SystemExit("the gateway did not reach idle: %s" % bl.state(m))
        m.run(SETTLE_S)
        start_state = bl.state(m)
        w = bl.Window(m)
        m.run(seconds)
        cost = w.cost()
        el = w.elapsed_s()
        at = Counter(inst for _, inst, _ in m.at_log[w.at:])
        out = {
            "state": "%s -> %s" % (start_state, bl.state(m)),
            "turns/s": w.turns_done() / el,
            "calls/s": cost.n_calls / el,
            "AT/min MDM": at.get(1, 0) * 60.0 / el,
            "AT/min MDM2": at.get(2, 0) * 60.0 / el,
            "CPU %": 100.0 * cost.cpu_ms / (el * 1000.0),
            "top": ", ".join("%s %.1f/s" % (k, v / el) for k, v in cost.calls.most_common(5)),
            "commands": sorted(set(text.split("=")[0].split("?")[0] for _, _, text in m.at_log[w.at:])),
            "model": bl.cost_model(m),
        }
        m.close()
        return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=600.0)
    p.add_argument("--call-cost-ms", type=int, default=None)
    p.add_argument("--line-cost-us", type=int, default=None)
    a = p.parse_args(argv)
    costs = (a.call_cost_ms, a.line_cost_us)
    results = [(k, measure(k, a.seconds, costs)) for k in ("listening", "connected, silent",
                                                           "client connected, silent", "on-demand idle")]
    print(results[0][1]["model"] + "; Python paused 50 ms every second (REFERENCE §10.2)")
    print("idle, %.0f s of module time each (after %d s to settle)" % (a.seconds, SETTLE_S))
    rows = [[k, "%.2f" % r["turns/s"], "%.2f" % r["calls/s"], "%.2f" % r["AT/min MDM"],
             "%.2f" % r["AT/min MDM2"], "%.1f" % r["CPU %"], bl.verdict(r["CPU %"] <= 100 * bl.CPU_TARGET_SHARE)]
            for k, r in results]
    print(bl.table(rows, ["state", "turns/s", "calls/s", "AT/min MDM", "AT/min MDM2", "CPU %", "CPU <= 10 %"]))
    for k, r in results:
        print("%s (%s): %s; AT: %s" % (k, r["state"], r["top"], " ".join(r["commands"]) or "none"))
    ok = all(r["CPU %"] <= 100 * bl.CPU_TARGET_SHARE for _, r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
