"""Smoke tests of the gateway benchmarks (tools/bench_*.py): each core function runs a small
case and returns sane figures. The figures themselves are the benchmarks' business (they
print them; docs/gateway-runtime.md holds the table); nothing here is timed."""
from __future__ import annotations

from tools import bench_bridge, bench_footprint, bench_idle, bench_latency, bench_startup
from tools import benchlib as bl
from tools.emulator.footprint import estimate


def test_bridge_moves_every_byte_and_counts_what_it_cost() -> None:
    f_ours, f_base, ours, base = bench_bridge.measure(115200, "duplex", 4, (None, None))
    assert ours.up_ok and ours.down_ok and ours.up_got == ours.down_got == 4 * 1024
    assert f_ours["lost up B"] == f_ours["lost down B"] == 0
    assert f_ours["AT on MDM/KB"] == 0  # server mode: the accepted socket is online, no AT command
    assert f_ours["CPU ms/KB"] > 0 and f_ours["calls/KB"] > 0 and f_base["CPU ms/KB"] > 0
    lim_up, lim_down = ours.limits
    assert round(lim_up) == 3176 and round(lim_down) == 7008  # GPRS less headers, both below 11 520
    assert 0 < f_ours["up B/s"] <= lim_up * 1.01 and 0 < f_ours["down B/s"] <= lim_down * 1.01
    assert base.cost.calls["MDM2.send"] > 0  # the baseline polls AT#SS on MDM2
    assert "1 ms per built-in call, 50 us per script line" in ours.model


def test_latency_of_a_short_message_is_above_the_line_and_network_time() -> None:
    res, m = bench_latency.measure(1, 9600, (None, None), 10.0)
    net_up = m.net.latency_ms + bench_latency.radio_ms(m, True, 10)  # type: ignore[attr-defined]
    line = 10 * 1000.0 / bl.serial_bps(9600)
    assert all(v is not None and v > line + net_up for v in res["up"])
    assert all(v is not None and v > line + m.net.latency_ms for v in res["down"])  # type: ignore[attr-defined]


def test_idle_listening_costs_little() -> None:
    r = bench_idle.measure("listening", 60, (None, None))
    assert 1.5 <= r["turns/s"] <= 2.5  # one 0.5 s wait on MDM per turn
    assert 0 < r["CPU %"] <= 10 and r["AT/min MDM"] == 0


def test_footprint_after_boot_and_names_are_counted() -> None:
    with bl.flash_dir() as d:
        m = bl.new_gateway(d)
        bl.start(m)
        fp = estimate(m)
        m.close()
    assert 50_000 < fp.total < bench_footprint.RAM_BUDGET
    assert {"gwloop", "bridge", "atc"} <= set(fp.by_module)
    assert 0 < fp.largest[0] < bench_footprint.VAR_LIMIT
    n_names, n_strings = bench_footprint.names()
    assert n_names > 100 and n_strings > 100


def test_startup_reaches_listening_and_logs_the_imports() -> None:
    s = bench_startup.server((None, None))
    assert 0 < s["listening"] < s["connected"]
    assert {"gwloop", "bridge"} <= {r.name for r in s["imports"]}
    assert all(r.end_ms is not None for r in s["imports"])


def test_bridge_as_a_client_in_command_mode_moves_every_byte() -> None:
    # --client: the gateway dials out; its socket is in command mode (bridge.py): about one
    # #SSENDEXT or #SRECV on MDM per 1.4 KB, no byte lost.
    bench_bridge.CLIENT = True
    try:
        f_ours, f_base, ours, base = bench_bridge.measure(115200, "duplex", 4, (None, None))
    finally:
        bench_bridge.CLIENT = False
    assert ours.up_ok and ours.down_ok and ours.up_got == ours.down_got == 4 * 1024
    assert f_ours["lost up B"] == f_ours["lost down B"] == 0
    assert 0 < f_ours["AT on MDM/KB"] <= 1.5
