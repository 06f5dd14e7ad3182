"""Client mode on the emulated module (issue 5, order of work 3).  On demand: the first
serial byte starts the connection; bytes typed during the dial are sent first and in
order; a full buffer holds the device with CTS; nothing is dropped silently.  Maintain:
connected from boot, reconnects after any loss with a growing delay, and nothing stale
crosses from one connection to the next."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import boot, gw, received, ser_send, sms, state, wait_state
from tools.emulator import Module

SERVER = ("203.0.113.5", 5000)


def sd_times(m: Module) -> list[float]:
    return [t / 1000 for (t, i, line) in m.at_log if line.startswith("AT#SD=")]


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    assert sms(mod, "connect mode client 203.0.113.5 5000") == [
        "Confirmed: mode client, server 203.0.113.5 port 5000, connects on serial data"]
    assert wait_state(mod, "idle", 10)
    yield mod
    mod.close()


def test_on_demand_bytes_typed_during_the_dial_arrive_first_and_in_order(m: Module) -> None:
    srv = m.net.sim.listen(*SERVER, latency_ms=1500)       # the dial takes about 3 s
    m.run(30)
    assert sd_times(m) == [] and srv.connections == []      # no byte, no connection
    ser_send(m, b"first ")
    m.run(0.5)
    assert state(m) == "dialing"
    ser_send(m, b"second ")
    m.run(1)
    ser_send(m, b"third")
    conn = srv.accept_next(10)
    assert conn is not None
    assert conn.wait(lambda c: c.received == b"first second third", 10), conn.received
    ser_send(m, b" fourth")
    conn.send(b"answer")
    assert conn.wait(lambda c: c.received == b"first second third fourth", 10)
    assert m.run_until(lambda: received(m) == b"answer", 10)
    assert state(m) == "connected" and m.serial.dcd == 1


def test_on_demand_full_buffer_holds_the_device_with_cts(m: Module) -> None:
    sms(m, "connect baud 115200")
    m.serial.dte.configure("115200", "8N1")
    srv = m.net.sim.listen(*SERVER, latency_ms=4000)       # the dial takes about 8 s
    data = bytes((i * 31 + 7) % 256 for i in range(20000))
    ser_send(m, data)                                       # ~1.7 s of 115200 8N1
    m.run(4)
    assert state(m) == "dialing" and m.serial.cts == 0      # held: nothing is lost
    conn = srv.accept_next(20)
    assert conn.wait(lambda c: c.received == data, 60), len(conn.received)
    assert m.serial.lost_rx == 0


def test_on_demand_unreachable_server_drops_with_a_count_not_silently(m: Module) -> None:
    m.net.sim.add_host(SERVER[0])                           # host up, port closed: refused
    ser_send(m, b"nobody hears this")
    m.run(60)
    assert len(sd_times(m)) == 3                            # DEMAND_TRIES attempts
    assert state(m) == "idle" and gw(m).dropped == len(b"nobody hears this")
    assert any("17 bytes dropped" in line for line in m.trace_lines)
    out = sms(m, "connect status")[0]
    assert out.startswith("Status: idle, 17 B dropped, signal 17")
    # the next bytes still start a connection once the server is there
    srv = m.net.sim.listen(*SERVER)
    ser_send(m, b"hello")
    conn = srv.accept_next(20)
    assert conn.wait(lambda c: c.received == b"hello", 10)


def test_on_demand_peer_close_and_next_bytes_reconnect(m: Module) -> None:
    srv = m.net.sim.listen(*SERVER)
    ser_send(m, b"one")
    c1 = srv.accept_next(20)
    assert c1.wait(lambda c: c.received == b"one", 10)
    c1.send(b"bye")
    c1.close()
    assert m.run_until(lambda: state(m) == "idle", 10)
    assert received(m) == b"bye" and m.serial.dcd == 0
    ser_send(m, b"two")
    c2 = srv.accept_next(20)
    assert c2.wait(lambda c: c.received == b"two", 10)


def test_maintain_server_restarting(m: Module) -> None:
    srv = m.net.sim.listen(*SERVER)
    assert sms(m, "connect mode client 203.0.113.5 5000 maintain") == [
        "Confirmed: mode client, server 203.0.113.5 port 5000, always connected"]
    c1 = srv.accept_next(20)                                # no serial byte needed
    assert c1 is not None and wait_state(m, "connected", 5)
    ser_send(m, b"before")
    assert c1.wait(lambda c: c.received == b"before", 10)
    # the server restarts: it sends a last line, closes and refuses for 40 s
    c1.send(b"old data\r\n")
    c1.close()
    srv.mode = "refuse"
    t_down = m.kernel.now() / 1000
    assert m.run_until(lambda: state(m) != "connected", 10)
    ser_send(m, b"typed while down")                       # nowhere to go: dropped
    m.run(40)
    srv.mode = "accept"
    c2 = srv.accept_next(120)
    assert c2 is not None and wait_state(m, "connected", 5)
    attempts = [t - t_down for t in sd_times(m)[1:]]
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert attempts[0] < 7 and gaps == sorted(gaps) and gaps[-1] > gaps[0]   # growing
    ser_send(m, b"after")
    c2.send(b"new data")
    assert c2.wait(lambda c: c.received == b"after", 10)
    assert m.run_until(lambda: received(m) == b"old data\r\nnew data", 10)
    assert gw(m).dropped == len(b"typed while down")
