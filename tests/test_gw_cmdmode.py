"""The GPRS socket in command mode (bridge.py, docs/gateway-runtime.md "Device bytes and
MDM's command line"): on firmware that answers AT#SSENDEXT=? (7.03.02/7.02.07 and later,
ATR10 §1.7) the socket is opened with connMode 1 and no device byte can ever reach MDM's
command line: device bytes go only after #SSENDEXT's prompt, in the count announced;
network bytes come from #SRECV, taken by their count.  Older firmware keeps the online
bridge (tests pinned with gw_helpers.old_firmware)."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import (PHONE, SERVER, boot, closes_while_device_writes_at, gw, maintain, mdm_lines,
                        new_module, old_firmware, received, ser_send, sms, start, state)
from tools.emulator import Module, variants

# The gateway's own command lines on MDM (instance 1): anything else there came from the
# device.
OWN = ("ATE0", "AT+CMEE=1", "AT&C1", "AT&D0", "ATS0=0", "AT#SKIPESC=1", "ATS12=255",
       "AT#SL=", "AT#SA=", "AT#SD=", "AT#SH=", "AT#SO=", "AT#SRECV=1,1500", "AT#SSENDEXT=1,")
TRICKY = (b"\r\nOK\r\n", b"ERROR\r\n", b"\r\nSRING: 1\r\n", b"\r\nNO CARRIER\r\n", b"> ",
          b"#SRECV: 1,5\r\n", b"\r\n+CME ERROR: 551\r\n", b"AT+CFUN=0\r", b"\x1a\x1b\x08", b"\r")


def foreign(m: Module) -> list[str]:
    return [t for t in mdm_lines(m) if not t.startswith(OWN)]


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def test_firmware_with_ssendext_dials_in_command_mode(m: Module) -> None:
    srv, c = maintain(m)
    assert m.script_run.modules["bridge"].mode
    dials = [t for t in mdm_lines(m) if t.startswith("AT#SD=")]
    assert dials == ['AT#SD=1,0,5000,"203.0.113.5",255,0,1']       # ATR10 #SD p.422-423
    assert m.serial.dcd == 1 and m.net.sockets[1].owner is not None
    assert not m.net.sockets[1].online()                            # MDM stays in command mode


def test_old_firmware_keeps_the_online_bridge(tmp_path: Path) -> None:
    m = boot(tmp_path, setup=old_firmware)
    srv, c = maintain(m)
    assert not m.script_run.modules["bridge"].mode
    assert [t for t in mdm_lines(m) if t.startswith("AT#SD=")] == ['AT#SD=1,0,5000,"203.0.113.5",0,0']
    assert m.net.sockets[1].online()
    c.send(b"ping")
    assert m.run_until(lambda: received(m) == b"ping", 5)
    m.close()


def test_device_at_lines_through_40_server_closes_never_reach_the_command_line(m: Module) -> None:
    # The online bridge let one line in 40 closes run (test_gw_harden.py, old firmware): in
    # command mode none does, and the unit stays registered and answers SMS.
    srv, c = maintain(m)
    worst = closes_while_device_writes_at(m, srv, c)
    assert worst < 10, worst
    assert [t for t in mdm_lines(m) if "CFUN" in t] == []
    assert foreign(m) == []
    assert not any("dial failed" in line for line in m.trace_lines)
    assert m.boots == 1 and m.radio.reg == 1
    assert sms(m, "connect status")[0].startswith("Status: connected")


@pytest.mark.parametrize("prompt", ["bare", "crlf"])
def test_client_every_byte_value_and_the_modems_words_both_ways(tmp_path: Path, prompt: str) -> None:
    m = boot(tmp_path, setup=lambda x: variants.apply(x, {"ssend_prompt": prompt}))
    srv, c = maintain(m, 115200)
    up = bytes(range(256)) + b"".join(TRICKY) + bytes(range(255, -1, -1)) * 12
    down = b"".join(TRICKY) + bytes(range(256)) * 14 + b"SRING: 1\r\n"
    ser_send(m, up)
    c.send(down)
    assert c.wait(lambda k: k.received == up, 20), len(c.received)
    assert m.run_until(lambda: received(m) == down, 20), len(received(m))
    # a +++ framed by silence is plain data in command mode: no escape, no #SO
    m.run(6)
    ser_send(m, b"+++")
    m.run(7)
    ser_send(m, b"after")
    assert c.wait(lambda k: k.received == up + b"+++after", 10), c.received[-20:]
    assert state(m) == "connected" and foreign(m) == []
    assert not [t for t in mdm_lines(m) if t.startswith("AT#SO")]
    m.close()


@pytest.mark.parametrize("accepted", ["works", "error"])
def test_server_accepts_online_under_either_reading_of_the_ssendext_note(tmp_path: Path, accepted: str) -> None:
    # ATR10 p.428-429: #SSEND/#SSENDEXT "only if the connection was opened by #SD, else the
    # ME is raising an error": a socket accepted with #SA is bridged online (the DCD read
    # and the cleared line, docs/gateway-runtime.md), whatever the module does there.
    m = boot(tmp_path, setup=lambda x: variants.apply(x, {"ssend_accepted": accepted}))
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    assert "AT#SA=1" in mdm_lines(m) and m.net.sockets[1].online()
    blob = bytes(range(256)) + b"".join(TRICKY)
    c.send(blob)
    assert m.run_until(lambda: received(m) == blob, 10), received(m)[-20:]
    ser_send(m, blob[::-1])
    assert c.wait(lambda k: k.received == blob[::-1], 10)
    c.send(b"bye")
    c.close()
    assert m.run_until(lambda: state(m) == "listening", 15)
    assert received(m) == blob + b"bye"
    assert m.serial.dcd == 0 and foreign(m) == []
    m.close()


def test_on_demand_client_in_command_mode(tmp_path: Path) -> None:
    m = boot(tmp_path)
    srv = m.net.sim.listen(*SERVER, latency_ms=1500)
    assert sms(m, "connect mode client 203.0.113.5 5000")[0].startswith("Confirmed")
    assert m.run_until(lambda: state(m) == "idle", 10)
    ser_send(m, b"first ")
    m.run(0.5)
    ser_send(m, b"second")
    c = srv.accept_next(20)
    assert c is not None and c.wait(lambda k: k.received == b"first second", 10)
    c.send(b"reply\r\nOK\r\n")
    assert m.run_until(lambda: received(m) == b"reply\r\nOK\r\n", 5)
    c.close()
    assert m.run_until(lambda: state(m) == "idle", 10)
    ser_send(m, b"again")
    c = srv.accept_next(20)
    assert c is not None and c.wait(lambda k: k.received == b"again", 10)
    assert foreign(m) == []
    m.close()


@pytest.mark.parametrize("urc", ["none", "no_carrier"])
def test_idle_peer_close_found_by_ss_within_seconds(tmp_path: Path, urc: str) -> None:
    # No URC tells a command-mode socket's close (ATR10 is silent; the variant
    # cmd_close_urc prints NO CARRIER): #SS=1 on MDM2 after 2 s without traffic; an idle
    # connection asks it about every 2 s, nothing more.  A NO CARRIER URC is filed, never
    # taken for a result.
    m = boot(tmp_path, setup=lambda x: variants.apply(x, {"cmd_close_urc": urc}))
    srv, c = maintain(m)
    m.run(20)
    n0 = len(m.at_log)
    m.run(20)
    asked = [t for (_, i, t) in m.at_log[n0:] if t == "AT#SS=1"]
    assert 5 <= len(asked) <= 11, len(asked)
    assert not [t for (_, i, t) in m.at_log[n0:] if i == 1]         # MDM idle: no command
    c.close()
    t0 = m.kernel.now()
    c = srv.accept_next(30)
    assert c is not None and (m.kernel.now() - t0) / 1000 < 5
    assert m.run_until(lambda: state(m) == "connected", 10)
    c.send(b"next")
    assert m.run_until(lambda: received(m) == b"next", 5)
    assert not any("dial failed" in line for line in m.trace_lines)
    m.close()


def close_right_before_device_bytes(m: Module) -> list[int]:
    """The peer's close lands in the instant before each MDM.send that carries a device
    line: the socket is torn down (as its FIN would) right before the bytes reach MDM.
    Returns the list of closes made (for the count)."""
    mod = m.script_run.modules["MDM"]
    real = mod.send
    made: list[int] = []

    def send(data, *a):
        sock = m.net.sockets[1]
        if "CFUN" in data and sock.state == "connected":
            sock.on_peer_fin()
            made.append(m.kernel.now())
        return real(data, *a)

    mod.send = send
    return made


@pytest.mark.parametrize("old", [False, True])
def test_a_close_right_before_the_send(tmp_path: Path, old: bool) -> None:
    # The instant between the DCD read and MDM.send, forced: on the online bridge (old
    # firmware) the device's line then runs on MDM's command line, the documented residual;
    # in command mode the bytes go only after #SSENDEXT's prompt, so the module takes them
    # as data for a socket that is gone and answers an error: nothing runs.
    m = boot(tmp_path, setup=old_firmware if old else None)
    srv, c = maintain(m)
    made = close_right_before_device_bytes(m)
    for trial in range(5):
        ser_send(m, b"AT+CFUN=0\r")
        c = srv.accept_next(30)
        assert c is not None and m.run_until(lambda: state(m) == "connected", 10)
    assert len(made) == 5
    ran = [t for t in mdm_lines(m) if "CFUN" in t]
    if old:
        assert len(ran) >= 1                # the residual of the online bridge
    else:
        assert ran == [] and foreign(m) == []
        assert m.boots == 1 and state(m) == "connected"
    m.close()
