"""The gateway's compiled .pyo files under the real CPython 1.5.2+ with -X (string exceptions,
as on the module), end to end on the emulator's virtual clock (tests/real152_helpers.py):
boot, every SMS of the README table, a server-mode bridge with every byte value both ways,
client maintain through a context drop, a CSD call. Whatever breaks here would break on the
module."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from real152_helpers import PHONE, crashes, real_module, start, state, wait_state
from test_readme import readme_rows
from tools.emulator import Module


@pytest.fixture
def m(tmp_path: Path, py152: Path) -> Module:
    mod = start(real_module(tmp_path, py152))
    yield mod
    mod.close()


def sms(m: Module, text: str, number: str = PHONE, wait: float = 60, settle: float = 1.0) -> list[str]:
    before = len(m.sms.sent)
    m.sms.deliver(number, text)
    m.run_until(lambda: len(m.sms.sent) > before, wait, step=0.1)
    m.run(settle)
    return [s.text for s in m.sms.sent[before:] if s.destination == number]


def ser_send(m: Module, data: bytes) -> None:
    with m.kernel.lock:
        m.serial.device_send(data)


def received(m: Module) -> bytes:
    return bytes(m.serial.dte.received)


def test_boot_runs_the_bytecode_under_string_exceptions(m: Module) -> None:
    run = m.script_run  # type: ignore[attr-defined]
    assert run.child_version.startswith("1.5.2")
    assert sorted(run.code_files) == sorted(["gateway.py"] + [n for n in m.flash.names() if n.endswith(".pyo")
                                                              and n != "updater.pyo"])
    assert m.script_state == "running" and crashes(m) == []
    at = [line for (_, _, line) in m.at_log]
    for cmd in ("ATE0", "AT+CMGF=1", "AT#SGACT=1,1", "AT#SL=1,1,1024"):
        assert any(line.startswith(cmd) for line in at), cmd


# Rows whose reply shows live values of the run (README's shows a unit up for two days with
# traffic): checked for their form and the values this run has.
LIVE = {"connect status": re.compile(r"Status: listening, signal 17 \(-79 dBm\), "
                                     r"ip 10\.20\.30\.40, up 0h\d\dm, to net 0 B, to serial 0 B, connections 0$")}


def test_every_readme_sms_from_the_default_configuration(m: Module) -> None:
    for text, reply in readme_rows():
        mark = len(m.trace_lines)
        got = sms(m, text, wait=60 if reply else 20)
        if text in LIVE:
            assert len(got) == 1 and LIVE[text].match(got[0]), (text, got)
        else:
            assert got == ([reply] if reply else []), (text, got, m.trace_lines[-5:])
        if text == "connect reboot":
            assert m.run_until(lambda: "gwboot: starting factory" in m.trace_lines[mark:], 30)
            mark = mark + m.trace_lines[mark:].index("gwboot: starting factory")
            assert m.boots == 2 and wait_state(m, "listening", 60, since=mark)
        if text == "connect smspassword connect2":
            assert sms(m, "connect2 smspassword connect") == ["Confirmed: smspassword set"]
        if reply.startswith("Confirmed") and text not in ("connect reset", "connect reboot"):
            back = sms(m, "connect reset")          # names what it set back
            assert len(back) == 1 and back[0].startswith("Confirmed: reset"), (text, back)
        assert m.script_state == "running" and crashes(m) == [], (text, crashes(m))
    assert wait_state(m, "listening", 60)
    assert len(m.sms.sent) >= 50  # the rows, the resets and the password back


def test_server_bridge_every_byte_value_both_ways(m: Module) -> None:
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 20), state(m)
    assert m.serial.dcd == 1
    blob = bytes(range(256)) * 4 + b"\r\nNO CARRIER\r\n\r\nOK\r\nab+++cd\r\nSRING: 1\r\n"
    c.send(blob)
    ser_send(m, blob)
    assert m.run_until(lambda: received(m) == blob and bytes(c.received) == blob, 60), (
        len(received(m)), len(c.received))
    c.close()
    assert wait_state(m, "listening", 20)
    assert received(m) == blob and m.serial.dcd == 0 and crashes(m) == []


def test_client_maintain_through_a_context_drop(m: Module) -> None:
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert sms(m, "connect mode client 203.0.113.5 5000 maintain") == [
        "Confirmed: mode client, server 203.0.113.5 port 5000, always connected"]
    c1 = srv.accept_next(30)
    assert c1 is not None and wait_state(m, "connected", 10)
    ser_send(m, b"before")
    assert c1.wait(lambda c: c.received == b"before", 10)
    m.net.drop_context(1)                   # the network takes the PDP context away
    assert m.run_until(lambda: state(m) != "connected", 30)
    c2 = srv.accept_next(180)               # GPRS again, then the connection again
    assert c2 is not None and wait_state(m, "connected", 10), state(m)
    ser_send(m, b"after")
    c2.send(b"down")
    assert c2.wait(lambda c: c.received == b"after", 10)
    assert m.run_until(lambda: received(m).endswith(b"down"), 10)
    assert crashes(m) == []


def test_csd_call_answered_and_bridged(m: Module) -> None:
    assert sms(m, "connect dialin on") == ["Confirmed: dialin on, CSD data calls are answered"]
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: state(m) == "csd" and call.state == "active", 60), state(m)
    call.send(b"from the caller\r\n")
    ser_send(m, b"from the device\r\n")
    assert m.run_until(lambda: received(m) == b"from the caller\r\n"
                       and bytes(call.received) == b"from the device\r\n", 20)
    call.hangup()
    assert wait_state(m, "listening", 20)
    assert received(m) == b"from the caller\r\n" and crashes(m) == []


def test_client_command_mode_bridge_every_byte_value_both_ways(m: Module) -> None:
    # The client socket in command mode (bridge.py: #SSENDEXT after its prompt, #SRECV taken
    # by its count) under the real interpreter: every byte value and the modem's own words
    # both ways, the peer's last bytes before its close, and nothing on MDM's command line.
    srv = m.net.sim.listen("203.0.113.5", 5000)
    assert sms(m, "connect mode client 203.0.113.5 5000 maintain")[0].startswith("Confirmed")
    c = srv.accept_next(30)
    assert c is not None and wait_state(m, "connected", 10)
    assert any(line == 'AT#SD=1,0,5000,"203.0.113.5",255,0,1' for (_, _, line) in m.at_log)
    blob = (bytes(range(256)) * 8 + b"\r\nNO CARRIER\r\n\r\nOK\r\nERROR\r\n> AT+CFUN=0\r"
            + b"#SRECV: 1,5\r\nSRING: 1\r\n+++")
    c.send(blob)
    ser_send(m, blob)
    assert m.run_until(lambda: received(m) == blob and bytes(c.received) == blob, 60), (
        len(received(m)), len(c.received))
    c.send(b"last")
    c.close()
    c2 = srv.accept_next(30)
    assert c2 is not None and received(m) == blob + b"last"
    mdm = [line for (_, i, line) in m.at_log if i == 1]
    assert not [line for line in mdm if "CFUN" in line] and crashes(m) == []
