"""Benchmark: from power-on to a working gateway, and how much of it is import.

    .venv/bin/python -m tools.bench_startup [--call-cost-ms N] [--line-cost-us N]

Virtual time from power-on to the state ``listening`` (server mode, the default), to the
first client ``connected`` (the client dials the moment the gateway listens), and, as a
maintained client (``connect mode client 203.0.113.5 5000 maintain`` saved before the boot),
to ``connected`` to its server. Then the imports of the first boot: per flash module, the
module time its import took as the emulator charges it (its module-level lines and calls;
nested imports included, the top level added once) and its compiled size (our 1.5.2
compiler, ``tools/pyo15``: what is flashed and loaded).

The emulator does not charge the reading and unmarshalling of a ``.pyo`` from the flash: on
the module imports are slow (ES13 §3.7.5 advises switching the watchdog off around them) and
the first Python start after power-up can take "a couple of minutes" (ATR10 §3.2.4). Those
are not in these figures; the compiled sizes say what there is to load.
"""
from __future__ import annotations

import argparse
from typing import Any

from tools import benchlib as bl
from tools.emulator import Module
from tools.paths import ROOT
from tools.pyo15.api import compile_to_bytes


def time_to(m: Module, want: str, timeout: float = 120) -> float:
    if not m.run_until(lambda: bl.state(m) == want, timeout, step=0.01):
        raise SystemExit("the gateway did not reach %s: %s" % (want, bl.state(m)))
    return m.kernel.now() / 1000.0


def server(costs: tuple[Any, Any]) -> dict[str, Any]:
    with bl.flash_dir() as d:
        m = bl.new_gateway(d, *costs)
        m.power_on()
        listening = time_to(m, "listening")
        c = m.net.sim.connect(bl.CLIENT_IP, 1024)  # type: ignore[attr-defined]
        if not m.run_until(lambda: bl.state(m) == "connected" and c.state == "connected", 30, step=0.01):
            raise SystemExit("no connection")
        connected = m.kernel.now() / 1000.0
        imports = list(m.script_run.imports)  # type: ignore[attr-defined]
        first_trace = next((line for line in m.trace_lines if line.startswith("gw ")), "")
        out = {"listening": listening, "connected": connected, "imports": imports,
               "model": bl.cost_model(m), "first_trace": first_trace,
               "latency": m.net.latency_ms}  # type: ignore[attr-defined]
        m.close()
        return out


def maintained(costs: tuple[Any, Any]) -> float:
    with bl.flash_dir() as d:
        m = bl.new_gateway(d, *costs)
        bl.start(m)
        m.net.sim.listen("203.0.113.5", 5000)  # type: ignore[attr-defined]
        bl.sms(m, "connect mode client 203.0.113.5 5000 maintain")
        bl.gw_helpers.wait_state(m, "connected", 120)
        m.reboot("bench")  # the saved configuration is a maintained client now
        t0 = m.kernel.now()
        time_to(m, "connected")
        t = (m.kernel.now() - t0) / 1000.0
        m.close()
        return t


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--call-cost-ms", type=int, default=None)
    p.add_argument("--line-cost-us", type=int, default=None)
    a = p.parse_args(argv)
    costs = (a.call_cost_ms, a.line_cost_us)
    s = server(costs)
    t_client = maintained(costs)
    imports = s["imports"]
    top: list[Any] = []
    for rec in imports:  # imports not nested inside another one
        if not any(o is not rec and o.start_ms <= rec.start_ms and (o.end_ms or 0) >= (rec.end_ms or 0)
                   and (o.start_ms, -(o.end_ms or 0)) < (rec.start_ms, -(rec.end_ms or 0)) for o in imports):
            top.append(rec)
    import_ms = sum((r.end_ms or r.start_ms) - r.start_ms for r in top)
    print(s["model"] + "; Python paused 50 ms every second (REFERENCE §10.2)")
    rows = [
        ["power-on to listening (server mode)", "%.2f s" % s["listening"]],
        ["power-on to first client connected", "%.2f s" % s["connected"]],
        ["  of which the client's SYN/ACK on the network", "%.2f s" % (2 * s["latency"] / 1000.0)],
        ["boot to connected, maintained client", "%.2f s" % t_client],
        ["imports (top level, as the emulator charges them)", "%.3f s = %.1f %% of power-on to listening"
         % (import_ms / 1000.0, 100.0 * import_ms / 1000.0 / s["listening"])],
    ]
    print(bl.table(rows, ["figure", "value"]))
    print()
    irows = []
    total = 0
    for rec in imports:
        path = ROOT / rec.filename
        size = len(compile_to_bytes(path, check_dialect=False)) if path.is_file() else 0
        total += size
        irows.append([rec.name, "%d" % rec.start_ms, "%d" % ((rec.end_ms or rec.start_ms) - rec.start_ms),
                      "%d" % rec.lines, "%d" % size])
    irows.append(["all", "", "", "%d" % sum(r.lines for r in top), "%d" % total])
    print(bl.table(irows, ["module", "starts at ms", "import ms (nested incl.)", "lines", ".pyo bytes"]))
    print("not modelled: reading and unmarshalling %d bytes of .pyo from the flash (slow on the "
          "module, ES13 §3.7.5; the first start after power-up can take minutes, ATR10 §3.2.4)" % total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
