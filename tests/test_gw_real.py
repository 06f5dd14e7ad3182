"""The gateway with real I/O (issue 5, order of work 7).

* Real TCP on loopback (real clock): the module's listener is a host socket; clients bind
  to 127.0.0.x source addresses, and #FRWL, as the gateway set it from the configuration,
  admits only the listed ones (REFERENCE section 7).
* The any-interpreter option (tools/emulator/remote.py): the gateway runs in a child
  process under another interpreter, here Python 3 itself, through the dialect stand-ins;
  it boots, answers an SMS and bridges a connection exactly as in-process.
"""
from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from gw_helpers import flash_gateway, received, ser_send, sms, state, wait_state
from tools.emulator import Module
from tools.emulator.remote import use_interpreter


def loopback_client(src: str, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s


def recv_exact(s: socket.socket, n: int, timeout: float = 10) -> bytes:
    s.settimeout(timeout)
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


@pytest.fixture
def real(tmp_path: Path):
    m = Module(tmp_path / "flash", virtual=False)
    flash_gateway(m)
    m.net.activation_ms = 200          # keep the real-clock test short
    m.sms.send_delay_ms = 200
    tr = m.net.enable_real(listen_map={1024: 0}, drop_hold_s=2.0)
    m.power_on()
    assert wait_state(m, "listening", 60)       # real clock: a loaded machine is slower
    yield m, tr
    m.close()


def test_real_tcp_firewall_admits_only_listed_127_sources(real) -> None:
    m, tr = real
    assert sms(m, "connect firewall add 127.0.0.3", timeout=10) == [
        "Confirmed: firewall add 127.0.0.3, 1 of 10 rules"]
    assert sms(m, "connect mode server 127.0.0.2 1024", timeout=10) == [
        "Confirmed: mode server, permitted 127.0.0.2, port 1024"]
    assert m.run_until(lambda: m.net.firewall.lines() == [
        '#FRWL: "127.0.0.2","255.255.255.255"', '#FRWL: "127.0.0.3","255.255.255.255"']
        and state(m) == "listening" and tr.port_of(1), 10)
    # not listed: the handshake completes at the host, but the module never answers
    bad = loopback_client("127.0.0.4", tr.port_of(1))
    bad.sendall(b"let me in")
    m.run(1)
    assert state(m) == "listening" and received(m) == b""
    try:
        answer = recv_exact(bad, 1, timeout=4)          # reset after drop_hold_s
    except (ConnectionResetError, socket.timeout):
        answer = b""
    assert answer == b""                                # never a byte back
    bad.close()
    # each listed source gets through, data both ways
    for src in ("127.0.0.2", "127.0.0.3"):
        assert m.run_until(lambda: state(m) == "listening" and tr.port_of(1), 10)
        c = loopback_client(src, tr.port_of(1))
        assert m.run_until(lambda: state(m) == "connected", 10), state(m)
        base = len(received(m))
        c.sendall(b"from " + src.encode())
        assert m.run_until(lambda: received(m)[base:] == b"from " + src.encode(), 10)
        ser_send(m, b"to " + src.encode())
        assert recv_exact(c, len(b"to " + src.encode())) == b"to " + src.encode()
        c.close()
        assert m.run_until(lambda: state(m) == "listening", 10)
    verdicts = [(ip, v) for (_, ip, _, v) in m.net.firewall.log]
    assert verdicts == [("127.0.0.4", "dropped"), ("127.0.0.2", "accepted"),
                        ("127.0.0.3", "accepted")]
    # after a reboot the module's list is empty (section 7) until the gateway sends it again
    m.reboot()
    assert m.run_until(lambda: m.net.firewall.lines() == [
        '#FRWL: "127.0.0.2","255.255.255.255"', '#FRWL: "127.0.0.3","255.255.255.255"']
        and state(m) == "listening" and tr.port_of(1), 20)
    bad = loopback_client("127.0.0.4", tr.port_of(1))
    m.run(1)
    bad.close()
    c = loopback_client("127.0.0.3", tr.port_of(1))
    assert m.run_until(lambda: state(m) == "connected", 10), state(m)
    c.close()
    verdicts = [(ip, v) for (_, ip, _, v) in m.net.firewall.log[3:]]
    assert verdicts == [("127.0.0.4", "dropped"), ("127.0.0.3", "accepted")]


def test_gateway_under_another_interpreter(tmp_path: Path) -> None:
    # Python 3 as the child: the gateway's code runs in a separate process; only the
    # module's built-ins cross the loopback link.
    m = Module(tmp_path / "flash")
    use_interpreter(m, sys.executable)
    flash_gateway(m)
    t0 = time.monotonic()
    m.power_on()
    assert wait_state_remote(m, 60)
    assert m.script_run.child_version.startswith("3.")  # type: ignore[attr-defined]
    assert sms(m, "connect config") == [
        "Config: mode server any 1024, ip 10.20.30.40, dialin off, gprs internet, baud 9600, "
        "charformat 8N1, socketting 300 10 0, firewall empty, smspassword default"]
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: c.state == "connected" and m.serial.dcd == 1, 20)
    c.send(b"hello device")
    ser_send(m, b"hello server")
    assert m.run_until(lambda: received(m) == b"hello device" and c.received == b"hello server", 20)
    c.close()
    assert m.run_until(lambda: m.serial.dcd == 0 and m.net.sockets[1].state == "listening", 20)
    assert time.monotonic() - t0 < 60
    m.close()


def wait_state_remote(m: Module, timeout: float) -> bool:
    # The child's variables are not visible here: the listener on the module is.
    return m.run_until(lambda: m.net.sockets[1].state == "listening", timeout, step=0.5)
