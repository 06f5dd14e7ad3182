"""SMS commands while a connection is open (issue 5, order of work 4; seed 001 could not do
this).  The gateway reads SMS on MDM2 while MDM is online; the reply says when a change
takes effect; the firewall changes at once, everything else when the connection closes;
and the data keeps flowing: every byte arrives."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import boot, received, ser_send, silent, sms, state, wait_state
from tools.emulator import Module

LATER = " (applies when the current connection closes)"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def connect(m: Module, src: str = "198.51.100.7"):
    c = m.net.sim.connect(src, 1024, src_port=40001)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    return c


def test_status_during_a_busy_connection_and_no_byte_lost(m: Module) -> None:
    c = connect(m)
    up = bytes((i * 5) % 256 for i in range(6000))
    down = bytes((i * 11) % 256 for i in range(6000))
    ser_send(m, up)            # ~6 s of 9600 8N1 towards the module
    c.send(down)
    m.run(1)
    out = sms(m, "connect status", settle=0)
    assert len(out) == 1 and out[0].startswith(
        "Status: connected 198.51.100.7:40001, signal 17 (-79 dBm), ip 10.20.30.40, up 0h00m,")
    assert out[0].endswith(", connections 1")
    assert m.run_until(lambda: c.received == up and received(m) == down, 60)
    assert m.serial.lost_rx == 0 and state(m) == "connected"


def test_changes_wait_for_the_connection_to_close(m: Module) -> None:
    c = connect(m)
    assert sms(m, "connect baud 19200") == ["Confirmed: baud 19200" + LATER]
    assert sms(m, "connect mode server any 2000") == [
        "Confirmed: mode server, permitted any, port 2000" + LATER]
    assert sms(m, "connect gprs web.apn") == [
        "Confirmed: gprs apn web.apn, no user, no password" + LATER]
    assert sms(m, "connect socketting 60 2 128") == [
        "Confirmed: socketting socket timeout 60 s, send timeout 200 ms, packet size 128" + LATER]
    # nothing changed under the open connection: same speed, same socket, data flows
    assert m.serial.speed == "9600" and state(m) == "connected"
    c.send(b"still here")
    assert m.run_until(lambda: received(m) == b"still here", 5)
    assert m.net.activations == 1
    c.close()
    # now everything applies: serial, new context, #SCFG, listening on the new port
    assert m.run_until(lambda: m.net.activations == 2, 30)
    assert wait_state(m, "listening", 30)
    assert m.serial.speed == "19200"
    assert m.nvm["cgdcont"]["1"]["apn"] == "web.apn"
    assert m.net.sockets[1].listen_port == 2000
    assert "AT#SCFG=1,1,128,60,300,2" in [t for (_, i, t) in m.at_log]


def test_firewall_changes_at_once_while_connected(m: Module) -> None:
    connect(m)
    assert sms(m, "connect firewall add 192.0.2.1") == [
        "Confirmed: firewall add 192.0.2.1, 1 of 10 rules (applies to new connections)"]
    assert state(m) == "connected"
    assert m.net.firewall.lines() == ['#FRWL: "192.0.2.1","255.255.255.255"']


def test_wrong_password_silent_while_connected(m: Module) -> None:
    c = connect(m)
    assert silent(m, "nope baud 300") == []
    assert m.sms.store == {} and m.serial.speed == "9600"
    c.send(b"ok")
    assert m.run_until(lambda: received(m) == b"ok", 5)
