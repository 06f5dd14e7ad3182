"""The control interface (issue 4 item 9): the Python dispatcher and the JSON-lines socket on
loopback. Faults follow REFERENCE §11 J; status covers contexts, sockets (§6.9), the SMS store
(§8) and the buffers (§2.0)."""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from emu_helpers import at
from tools.emulator import Module
from tools.emulator.control import COMMANDS, FAULTS, ControlServer, Controller


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path / "flash")
    mod.power_on()
    return mod


@pytest.fixture
def c(m: Module) -> Controller:
    return Controller(m)


def test_unknown_and_malformed_requests_answer_errors(c: Controller) -> None:
    assert c.handle({"cmd": "nope"})["ok"] is False
    assert c.handle(["status"]) == {"ok": False, "error": "a request is an object with a 'cmd' string"}
    assert c.handle({"cmd": "sms.send", "number": "+1"}) == {"ok": False, "error": "'text' (str) is required"}
    assert c.handle({"cmd": "fault", "kind": "meteor"})["error"].startswith("'kind' must be one of")
    assert set(c("help")) == set(COMMANDS)


def test_missing_subsystem_reports_not_available(c: Controller, m: Module) -> None:
    del m.sms  # as if the SMS part were not built
    assert c.handle({"cmd": "sms.send", "number": "+1", "text": "x"}) == {"ok": False, "error": "not available"}
    assert c.handle({"cmd": "fault", "kind": "sms_full"}) == {"ok": False, "error": "not available"}
    assert c("status")["sms"] is None


def test_advance_virtual_clock(c: Controller, m: Module) -> None:
    assert c("advance", seconds=2.5) == {"time_ms": 2500}
    assert m.kernel.now() == 2500
    assert c.handle({"cmd": "advance", "seconds": -1})["ok"] is False


def test_advance_refused_on_the_real_clock(tmp_path: Path) -> None:
    m = Module(tmp_path / "f", virtual=False)
    try:
        assert Controller(m).handle({"cmd": "advance", "seconds": 1})["ok"] is False
    finally:
        m.close()


def test_s8_sms_to_the_module_and_from_it(c: Controller, m: Module) -> None:
    """REFERENCE §8.6: an SMS arrives (+CMTI), the script reads it and replies with +CMGS; the
    controller sees the reply."""
    m.flash.write("s.py", b"import MDM\n"
                          b"def cmd(c, t):\n    MDM.send(c, 5)\n    r = ''\n    i = 0\n"
                          b"    while r.find(t) == -1 and i < 50:\n        r = r + MDM.receive(2)\n        i = i + 1\n    return r\n"
                          b"cmd('AT+CMGF=1\\r', 'OK')\ncmd('AT+CNMI=2,1\\r', 'OK')\n"
                          b"r = ''\nwhile r.find('+CMTI') == -1:\n    r = r + MDM.receive(10)\n"
                          b"x = cmd('AT+CMGR=1\\r', 'OK')\n"
                          b"cmd('AT+CMGS=\"+15551230001\"\\r', '> ')\ncmd('got it\\032', 'OK')\n")
    m.nvm["escript"] = "s.py"
    m.reboot()
    c("advance", seconds=6)                    # the SIM is ready 5 s after the boot
    assert c("sms.send", number="+15551230001", text="connect config") == {"index": 1}
    c("advance", seconds=10)
    sent = c("sms.sent")["sent"]
    assert [(x["number"], x["text"]) for x in sent] == [("+15551230001", "got it")]
    store = c("sms.store")
    assert store["store"][0]["status"] == "REC READ" and store["store"][0]["text"] == "connect config"
    kinds = [e["kind"] for e in c("events")["events"]]
    assert "sms_in" in kinds and "sms_out" in kinds


def test_s11_j_sms_store_full_fault(c: Controller) -> None:
    assert c("fault", kind="sms_full") == {"added": 10}
    assert c("sms.send", number="+1555", text="late") == {"index": None}  # held by the network
    assert c("status")["sms"]["pending"] == 1


def test_s9_place_and_end_a_data_call(c: Controller, m: Module) -> None:
    r = c("call.place", number="+15551230002")
    assert r["state"] == "ringing"
    c("advance", seconds=1.5)
    assert b"RING" in at(m, "ATA", timeout=35)
    c("advance", seconds=1)
    assert c("status")["csd"]["state"] == "active"
    c("call.send", data="ping")
    c("advance", seconds=1)
    with m.kernel.lock:
        got = m.instances[1].out.take()
    assert got == b"ping"
    assert c("call.end") == {"state": "ended", "end_reason": "remote"}
    c("advance", seconds=1)
    with m.kernel.lock:
        assert m.instances[1].out.take() == b"\r\nNO CARRIER\r\n"


def _socket_up(c: Controller, m: Module) -> Any:
    srv = m.net.sim.listen("203.0.113.5", 5000)  # type: ignore[attr-defined]
    assert at(m, "AT#SGACT=1,1", timeout=10).endswith(b"OK\r\n")
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5",0,0,1', timeout=10).endswith(b"OK\r\n")
    c("advance", seconds=1)
    return srv


def test_s6_9_status_shows_contexts_and_sockets(c: Controller, m: Module) -> None:
    _socket_up(c, m)
    net = c("net.status")
    assert net["contexts"][0]["state"] == "active" and net["contexts"][0]["cid"] == 1
    s1 = net["sockets"][0]
    assert s1["conn_id"] == 1 and s1["state"] == 2 and s1["remote"] == ["203.0.113.5", 5000]
    ev = [e for e in c("events")["events"] if e["kind"] in ("context", "socket")]
    assert ev[0]["kind"] == "context" and ev[0]["state"] == "active"
    assert any(e["kind"] == "socket" and e["conn_id"] == 1 and e["remote"] == ["203.0.113.5", 5000] for e in ev)


def test_s11_j_context_drop_peer_reset_half_open(c: Controller, m: Module) -> None:
    _socket_up(c, m)
    c("fault", kind="half_open", conn_id=1)
    c("fault", kind="peer_reset", conn_id=1)
    c("advance", seconds=2)
    assert c("net.status")["sockets"][0]["phase"] == "closed"
    c("fault", kind="context_drop", cid=1)
    c("advance", seconds=1)
    assert c("net.status")["contexts"][0]["state"] == "inactive"
    c("fault", kind="deregister")
    assert m.radio.reg == 0 or m.radio.greg == 0
    assert at(m, "AT+CGREG?").startswith(b"\r\n+CGREG: 0,0")


def test_s11_j_frozen_at_engine_and_power_cut(c: Controller, m: Module) -> None:
    c("fault", kind="freeze_at", instance=1)
    assert at(m, "AT", timeout=2) == b""
    c("fault", kind="unfreeze_at", instance=1)
    c("advance", seconds=0.5)
    boots = m.boots
    c("fault", kind="power_cut", restore_after_s=2)
    assert c("status")["power"] is False
    c("advance", seconds=3)
    assert c("status")["power"] is True and m.boots == boots + 1


def test_serial_device_side_and_lines(c: Controller, m: Module) -> None:
    c("serial.send", data="AT\r")
    c("advance", seconds=0.5)
    assert c("serial.read", take=True) == {"data": "AT\r\r\nOK\r\n"}
    assert c("serial.lines", rts=0)["rts"] == 0
    evs = [e for e in c("events")["events"] if e["kind"] == "serial"]
    assert [e["direction"] for e in evs] == ["in", "out"] and evs[1]["data"] == "AT\r\r\nOK\r\n"


def test_status_shape(c: Controller) -> None:
    st = c("status")
    for key in ("time_ms", "virtual", "power", "boots", "script", "serial", "instances", "flash", "net", "sms",
                "csd", "losses"):
        assert key in st
    assert st["instances"]["3"]["name"] == "ASC0"
    assert st["serial"]["at_port"]["at_port"] is True
    json.dumps(st)  # plain data


def test_every_fault_kind_is_documented() -> None:
    assert set(FAULTS) >= {"context_drop", "deregister", "peer_reset", "half_open", "sms_full", "power_cut",
                           "freeze_at"}


# ----------------------------------------------------------------- the socket
def _rpc(f: Any, sock: socket.socket, req: dict[str, Any], events: list[Any] | None = None) -> dict[str, Any]:
    sock.sendall((json.dumps(req) + "\n").encode())
    while True:
        msg = json.loads(f.readline())
        if "event" not in msg:
            return msg
        if events is not None:
            events.append(msg["event"])


def test_json_lines_socket_on_loopback(tmp_path: Path) -> None:
    m = Module(tmp_path / "f", virtual=False)
    m.radio.sim_ready_ms = 0                   # real clock: no 5 s wait for the SIM
    c = Controller(m)
    server = ControlServer(c, port=0, poll_s=0.05)
    port = server.start()
    m.power_on()
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    f = sock.makefile("r")
    try:
        assert _rpc(f, sock, {"id": 7, "cmd": "status"})["id"] == 7
        assert _rpc(f, sock, {"id": 8, "cmd": "nope"}) == {"id": 8, "ok": False,
                                                           "error": "unknown command 'nope' (try 'help')"}
        sock.sendall(b"not json\n")
        assert json.loads(f.readline())["error"].startswith("bad JSON")
        seen: list[dict[str, Any]] = []
        assert _rpc(f, sock, {"id": 9, "cmd": "subscribe"})["ok"] is True
        assert _rpc(f, sock, {"id": 10, "cmd": "sms.send", "number": "+15551230001", "text": "hi"},
                    seen)["result"] == {"index": 1}
        assert _rpc(f, sock, {"id": 11, "cmd": "serial.send", "data": "AT\r"}, seen)["ok"]
        end = time.monotonic() + 5

        def out() -> str:
            return "".join(e["data"] for e in seen if e["kind"] == "serial" and e["direction"] == "out")

        while time.monotonic() < end and not out().endswith("OK\r\n"):
            msg = json.loads(f.readline())
            if "event" in msg:
                seen.append(msg["event"])
        assert "sms_in" in [e["kind"] for e in seen]
        assert out() == "AT\r\r\nOK\r\n"  # the module's answer on ASC0, as events
    finally:
        sock.close()
        server.close()
        m.close()


def test_control_server_refuses_non_loopback(c: Controller) -> None:
    with pytest.raises(ValueError):
        ControlServer(c, host="0.0.0.0")
