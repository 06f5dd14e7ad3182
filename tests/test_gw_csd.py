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
    assert m.run_until(lambda: state(m) == "csd" and call.state == "active", 20)
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
    assert m.run_until(lambda: call.state == "active", 20)
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
