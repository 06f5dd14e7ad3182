"""CSD dial-in (issue 5, order of work 5; seed 001 "dialin"): with dialin on, in server
mode, an incoming data call is answered on MDM and bridged like a socket; the listener
survives the call; the socket timeout also ends an idle call (escape + ATH)."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import boot, received, ser_send, sms, state, wait_state
from tools.emulator import Module


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def test_dialin_off_the_call_is_not_answered(m: Module) -> None:
    call = m.csd.call("+15551230002", max_rings=3)
    m.run(20)
    assert call.state == "ended" and call.end_reason == "missed"
    assert state(m) == "listening"


def test_dialin_call_bridged_both_ways_then_listening_again(m: Module) -> None:
    assert sms(m, "connect dialin on") == ["Confirmed: dialin on, CSD data calls are answered"]
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: state(m) == "csd" and call.state == "active", 45)
    assert m.serial.dcd == 1
    call.send(b"from the caller\r\n")
    ser_send(m, b"from the device\r\n")
    assert m.run_until(lambda: received(m) == b"from the caller\r\n"
                       and bytes(call.received) == b"from the device\r\n", 10)
    # an SMS during the call is handled on MDM2 (the call keeps MDM)
    assert sms(m, "connect status")[0].startswith("Status: csd call, signal 17")
    call.hangup()
    assert m.run_until(lambda: state(m) == "listening", 10)
    assert received(m) == b"from the caller\r\n"           # no NO CARRIER for the device
    assert m.serial.dcd == 0
    # the listener outlived the call: a GPRS client is accepted right away
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)


def test_idle_call_is_hung_up_after_the_socket_timeout(m: Module) -> None:
    sms(m, "connect dialin on")
    sms(m, "connect socketting 30 10 0")
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: call.state == "active", 45)
    call.send(b"x")
    assert m.run_until(lambda: call.state == "ended", 60)
    assert call.end_reason == "local"
    assert call.received == bytearray()                   # the +++ was not passed on
    assert m.run_until(lambda: state(m) == "listening", 10)


def test_dialin_in_client_mode_does_not_answer(m: Module) -> None:
    sms(m, "connect dialin on")
    assert sms(m, "connect mode client 203.0.113.5 5000") == [
        "Confirmed: mode client, server 203.0.113.5 port 5000, connects on serial data"]
    assert wait_state(m, "idle", 10)
    call = m.csd.call("+15551230002", max_rings=3)
    m.run(20)
    assert call.end_reason == "missed" and state(m) == "idle"


@pytest.mark.parametrize("handshake_s", [30, 45, 58])
def test_slow_handshake_within_s7_is_answered_not_lost(m: Module, handshake_s: int) -> None:
    # SWUG6 §2.6.2: the handshake "takes about 30 seconds"; ATR10 p.76: S7 allows 60 s.  A
    # CONNECT after 40 s used to come after the gateway had given up: MDM online, the
    # gateway listening.  Now it waits out S7 and bridges the call.
    sms(m, "connect dialin on")
    m.csd.connect_delay_ms = handshake_s * 1000
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: state(m) == "csd" and call.state == "active", handshake_s + 15)
    call.send(b"late but here\r\n")
    ser_send(m, b"reply\r\n")
    assert m.run_until(lambda: received(m) == b"late but here\r\n"
                       and bytes(call.received) == b"reply\r\n", 10)


def test_handshake_beyond_s7_fails_cleanly_and_listens_again(m: Module) -> None:
    sms(m, "connect dialin on")
    m.csd.connect_delay_ms = 90000              # the module gives NO CARRIER at S7 (60 s)
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: call.state == "ended", 75)
    assert call.end_reason == "s7" and m.serial.dcd == 0
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 15)
