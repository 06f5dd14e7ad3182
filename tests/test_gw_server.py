"""Server mode on the emulated module (issue 5, order of work 2): a simulated remote client
dials the module's listener; the gateway accepts (SRING -> #SA), bridges both directions,
re-listens after the peer closes or the socket timeout expires, and the firewall admits
only the permitted peers.  Bytes are checked where they come out: at the device
(m.serial.dte.received) and at the peer (SimConn.received)."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import boot, gw, old_firmware, received, ser_send, sms, state, wait_state
from tools.emulator import Module


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def dial(m: Module, src: str = "198.51.100.7", port: int = 1024):
    c = m.net.sim.connect(src, port)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10), (
        state(m), c.state)
    return c


def test_accept_and_bridge_both_directions(m: Module) -> None:
    c = dial(m)
    assert m.serial.dcd == 1                    # the device sees the connection
    assert gw(m).peer.startswith("198.51.100.7:")
    c.send(b"hello device\r\n")
    assert m.run_until(lambda: received(m) == b"hello device\r\n", 5)
    ser_send(m, b"hello server\r\n")
    assert m.run_until(lambda: c.received == b"hello server\r\n", 5)
    # every byte value, the modem's own words and a +++ inside the payload pass unchanged
    blob = bytes(range(256)) + b"\r\nNO CARRIER\r\n" + b"\r\nOK\r\nab+++cd" + b"\r\nNO CARRIER\r\n"
    c.send(blob)
    ser_send(m, blob)
    assert m.run_until(lambda: received(m) == b"hello device\r\n" + blob
                       and c.received == b"hello server\r\n" + blob, 20)
    assert state(m) == "connected"


def test_peer_close_relisten_and_no_modem_words_to_the_device(m: Module) -> None:
    c = dial(m)
    c.send(b"last words\r\n")
    c.close()
    assert m.run_until(lambda: state(m) == "listening", 10)
    m.run(1)
    assert received(m) == b"last words\r\n"      # everything before the close, no NO CARRIER
    assert m.serial.dcd == 0
    assert m.net.sockets[1].state == "listening"
    c2 = dial(m, "198.51.100.8")
    c2.send(b"again")
    assert m.run_until(lambda: received(m).endswith(b"again"), 5)
    assert gw(m).conns == 2


def test_socket_timeout_closes_an_idle_connection_and_relistens(m: Module) -> None:
    sms(m, "connect socketting 20 1 0")
    c = dial(m)
    c.send(b"x")
    t0 = m.kernel.now()
    assert m.run_until(lambda: c.eof, 40)       # the module closed it (FIN to the peer)
    idle = (m.kernel.now() - t0) / 1000
    assert 20 <= idle <= 23
    assert m.run_until(lambda: state(m) == "listening", 5)
    dial(m, "198.51.100.9")


def test_device_bytes_while_listening_are_dropped_not_delivered_later(m: Module) -> None:
    ser_send(m, b"stale request\r\n")
    m.run(3)
    c = dial(m)
    ser_send(m, b"fresh")
    assert m.run_until(lambda: c.received == b"fresh", 5)
    assert gw(m).dropped == len(b"stale request\r\n")


def test_firewall_admits_only_permitted_peers(m: Module) -> None:
    assert sms(m, "connect mode server 192.0.2.10 1024") == [
        "Confirmed: mode server, permitted 192.0.2.10, port 1024"]
    assert wait_state(m, "listening", 10)
    assert m.net.firewall.lines() == ['#FRWL: "192.0.2.10","255.255.255.255"']
    bad = m.net.sim.connect("198.51.100.7", 1024, timeout=10)
    m.run(12)
    assert bad.state == "timeout" and state(m) == "listening"   # dropped silently (DROP)
    good = dial(m, "192.0.2.10")
    good.close()
    assert m.run_until(lambda: state(m) == "listening", 10)
    # the SMS-managed list adds a network; the permitted ip stays admitted
    sms(m, "connect firewall add 10.0.0.0 255.0.0.0")
    assert m.net.firewall.lines() == ['#FRWL: "192.0.2.10","255.255.255.255"',
                                      '#FRWL: "10.0.0.0","255.0.0.0"']
    dial(m, "10.9.8.7").close()
    assert m.run_until(lambda: state(m) == "listening", 10)
    verdicts = [v for (_, src, _, v) in m.net.firewall.log]
    assert verdicts == ["dropped", "accepted", "accepted"]


def test_bulk_both_ways_with_flow_control(m: Module) -> None:
    # 115200 from the device is far more than the ~3.5 kB/s GPRS uplink (REFERENCE 10.1):
    # CTS must hold the device; 9600 towards the device is less than the downlink: the
    # module's buffers and the TCP window must hold the peer.  Nothing may be lost.
    sms(m, "connect baud 115200")
    m.serial.dte.configure("115200", "8N1")
    c = dial(m)
    up = bytes((i * 7 + 3) % 256 for i in range(40000))
    down = bytes((i * 13 + 1) % 256 for i in range(40000))
    ser_send(m, up)
    c.send(down)
    assert m.run_until(lambda: c.received == up and received(m) == down, 120), (
        len(c.received), len(received(m)))
    assert m.serial.lost_rx == 0
    assert m.serial.cts == 1


def test_line_ends_at_every_read_with_full_buffers(m: Module) -> None:
    # Text lines towards a 9600 bd device: the module's 4096-byte buffer fills, every
    # read ends in \r\n (a possible start of NO CARRIER, held one turn), so held bytes
    # plus a full read exceed what SER.send can ever take at once.  All must arrive.
    c = dial(m)
    lines = b"abcd\r\n" * 5000
    c.send(lines)
    assert m.run_until(lambda: received(m) == lines, 60), len(received(m))
    assert state(m) == "connected"


def test_device_plus_plus_plus_with_guard_time_is_resumed_and_passed_on(tmp_path: Path) -> None:
    # A +++ framed by S12 (5.1 s) of silence in the device's data escapes the socket
    # (REFERENCE 6.7, FIELD-LESSONS 10).  The gateway sees the module's OK, resumes with
    # #SO and sends the swallowed +++ on: the peer gets every byte, the device no OK.
    # The online bridge (firmware without #SSENDEXT); in command mode a +++ is plain data
    # (test_gw_cmdmode.py).
    m = boot(tmp_path, setup=old_firmware)
    c = dial(m)
    ser_send(m, b"abc")
    m.run(6)
    ser_send(m, b"+++")
    m.run(8)
    ser_send(m, b"def")
    c.send(b"xyz")
    assert m.run_until(lambda: c.received == b"abc+++def" and received(m) == b"xyz", 10), (
        c.received, received(m))
    assert "AT#SO=1" in [t for (_, i, t) in m.at_log if i == 1]
    assert state(m) == "connected"
    m.close()


def test_a_peer_answering_ok_to_plus_plus_plus_is_payload(m: Module) -> None:
    # The device talks "modem" to its peer: silence, +++, and within the guard time ATH
    # (so the module sees no escape); the peer answers OK.  That OK is payload for the
    # device, not the module's escape answer.
    c = dial(m)
    m.run(6)
    ser_send(m, b"+++")
    m.run(1)
    ser_send(m, b"ATH\r")
    assert m.run_until(lambda: c.received == b"+++ATH\r", 10)
    m.run(5)
    c.send(b"\r\nOK\r\n")
    assert m.run_until(lambda: received(m) == b"\r\nOK\r\n", 10)
    # +++ right behind other bytes (no silence before it: no escape), the peer's OK soon
    ser_send(m, b"go+++")
    assert m.run_until(lambda: c.received.endswith(b"go+++"), 10)
    c.send(b"\r\nOK\r\n")
    assert m.run_until(lambda: received(m) == b"\r\nOK\r\n\r\nOK\r\n", 10)
    assert "AT#SO=1" not in [t for (_, i, t) in m.at_log]
    assert state(m) == "connected"


def test_plus_plus_plus_after_4_3_s_is_no_escape_and_a_peer_ok_stays_payload(m: Module) -> None:
    # S12=255 is 5.1 s (ATR10 S12); the gateway counts the guard with MOD.secCounter, whole
    # seconds, so 4.3 s of silence can read as 5.  The module did not escape; the peer's OK
    # must reach the device and no AT#SO may go into the live socket (it used to: the peer
    # got 'AT#SO=1\r').  The gateway asks MDM2 (#SS) before it resumes.
    c = dial(m)
    m.run(((800 - m.kernel.now() % 1000) % 1000) / 1000.0 + 1)    # at x.800 s
    ser_send(m, b"abc")
    m.run(4.3)                                                      # (x+5).100 s
    ser_send(m, b"+++")
    assert m.run_until(lambda: c.received == b"abc+++", 5)
    m.run(6)
    c.send(b"\r\nOK\r\n")
    assert m.run_until(lambda: received(m) == b"\r\nOK\r\n", 10), received(m)
    m.run(3)
    assert c.received == b"abc+++" and state(m) == "connected"
    assert "AT#SO=1" not in [t for (_, i, t) in m.at_log]


def test_idle_turns_sleep_and_a_busy_bridge_does_not(m: Module) -> None:
    # Listening: one turn per 0.5 s wait on MDM.  Connected and idle: MOD.sleep(1) per
    # turn, about 10 turns a second.  A turn that moved a full piece (bridge.PIECE bytes)
    # is followed by the next turn at once, without sleeping; one that moved less sleeps
    # (a few bytes a turn must not keep the module busy: tools/bench_bridge.py).
    assert sms(m, "connect baud 115200") == ["Confirmed: baud 115200"]
    m.serial.dte.configure("115200", "8N1")
    r0, w0 = m.meter.entered["gwloop.turn"], m.watchdog_resets
    m.run(60)
    listening = m.meter.entered["gwloop.turn"] - r0
    c = dial(m)
    r0 = m.meter.entered["gwloop.turn"]
    m.run(60)
    idle = m.meter.entered["gwloop.turn"] - r0
    assert 110 <= listening <= 125 and 500 <= idle <= 610, (listening, idle)
    # the watchdog is reset once a second, not every turn (each built-in call costs)
    assert 118 <= m.watchdog_resets - w0 <= 122, m.watchdog_resets - w0
    mods = m.script_run.modules
    events: list[object] = []
    real_turn, real_sleep = mods["bridge"].turn, mods["MOD"].sleep

    def turn(now):
        r = real_turn(now)
        events.append(r)
        return r

    def sleep(t):
        events.append("sleep")
        return real_sleep(t)

    mods["bridge"].turn, mods["MOD"].sleep = turn, sleep
    c.send(bytes(range(256)) * 100)
    ser_send(m, bytes(range(256)) * 100)
    m.run(1)
    # The SMS holds the bridge for its 3 s: the peer's bytes fill MDM's buffer and the
    # line empties SER's, so the turns after it move full pieces (a bridge turning 10
    # times a second moves less: what arrived, or what the line drained, since the last).
    assert sms(m, "connect status")[0].startswith("Status: connected")
    m.run(8)
    mods["bridge"].turn, mods["MOD"].sleep = real_turn, real_sleep
    piece = mods["bridge"].PIECE
    busy = [i for i, e in enumerate(events) if isinstance(e, int) and e >= piece]
    some = [i for i, e in enumerate(events) if isinstance(e, int) and 0 < e < piece]
    assert len(busy) >= 1 and len(some) > 20, events
    assert all(events[i + 1] != "sleep" for i in busy if i + 1 < len(events))
    assert all(events[i + 1] == "sleep" for i, e in enumerate(events[:-1])
               if isinstance(e, int) and e < piece)
