"""Real TCP on loopback for the emulator's sockets (tools/emulator/net/realtcp.py), with the
real clock (REFERENCE §11 D9: "back the sockets with real host TCP sockets on loopback, so that
tests can use real peers"). The firewall sees the peer's real source address (§7): clients bind
to 127.0.0.x. Traffic stays on 127.0.0.0/8; every wait is bounded by a few seconds.
"""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from emu_helpers import at, feed, real_loopback, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = real_loopback(tmp_path, 3000)
    yield mod
    mod.close()


@pytest.fixture
def server():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    s.settimeout(3)
    yield s
    s.close()


def wait_out(m: Module, want: bytes, inst: int = 1, timeout: float = 3.0) -> bytes:
    got = bytearray()

    def done() -> bool:
        got.extend(m.instances[inst].out.take())
        return want in got

    m.run_until(done, timeout, step=0.01)
    return bytes(got)


def recv_exactly(c: socket.socket, n: int) -> bytes:
    c.settimeout(3)
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def test_sd_connects_to_loopback_peer_ref_11_D9(m: Module, server: socket.socket) -> None:
    """§11 D9/§6.6: #SD to any address reaches 127.0.0.1:<dialled port>; #SS shows the
    dialled address; bytes both ways; the peer's close gives NO CARRIER."""
    port = server.getsockname()[1]
    assert at(m, 'AT#SD=1,0,%d,"203.0.113.9"' % port, timeout=5) == b"\r\nCONNECT\r\n"
    c, _ = server.accept()
    try:
        feed(m, b"hello")
        assert recv_exactly(c, 5) == b"hello"
        c.sendall(b"world")
        assert wait_out(m, b"world") == b"world"
        assert at(m, "AT#SS=1", inst=2) == b"\r\n#SS: 1,1,10.20.30.40,1025,203.0.113.9,%d\r\n" % port + OK
    finally:
        c.close()
    assert wait_out(m, b"NO CARRIER") == b"\r\nNO CARRIER\r\n"
    assert m.instances[1].dcd() == 0


def test_sh_closes_real_connection_ref_6_6(m: Module, server: socket.socket) -> None:
    """§6.6: #SH on the module side: the real peer reads EOF after the pending bytes."""
    port = server.getsockname()[1]
    assert at(m, 'AT#SD=1,0,%d,"127.0.0.1",0,0,1' % port, timeout=5) == OK
    c, _ = server.accept()
    try:
        assert at(m, "AT#SSENDEXT=1,3") == b"> "
        feed(m, b"bye")
        assert wait_out(m, b"OK") == OK
        assert at(m, "AT#SH=1") == OK
        assert recv_exactly(c, 4) == b"bye"  # then EOF
    finally:
        c.close()


def test_refused_port_gives_562_ref_11_J(m: Module) -> None:
    """§11 J: a real refusal (nothing listening) ends #SD with 562."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    at(m, "AT+CMEE=1")
    assert at(m, 'AT#SD=1,0,%d,"198.51.100.1"' % port, timeout=5) == b"\r\n+CME ERROR: 562\r\n"


def test_only_loopback_is_ever_contacted() -> None:
    """Working rule: real traffic only to 127.0.0.0/8 — a mapping elsewhere is refused."""
    from tools.emulator.net.realtcp import RealTransport

    tr = RealTransport.__new__(RealTransport)
    tr.connect_map = {"203.0.113.9": ("10.0.0.1", 80), 5000: 6000}
    with pytest.raises(ValueError):
        RealTransport.endpoint(tr, "203.0.113.9", 80)
    assert RealTransport.endpoint(tr, "203.0.113.7", 5000) == ("127.0.0.1", 6000)
    assert RealTransport.endpoint(tr, "203.0.113.7", 81) == ("127.0.0.1", 81)


def test_listener_admits_by_real_source_address_ref_7(m: Module) -> None:
    """§7/§6.11 with real peers: a client bound to 127.0.0.2 (admitted by #FRWL) gets SRING,
    #SS shows its real address, #SA connects, bytes flow both ways."""
    assert at(m, 'AT#FRWL=1,"127.0.0.2","255.255.255.255"') == OK
    assert at(m, "AT#SL=1,1,3000") == OK
    hport = m.net.real.port_of(1)
    cl = socket.socket()
    cl.bind(("127.0.0.2", 0))
    cl.settimeout(3)
    try:
        cl.connect(("127.0.0.1", hport))
        src_port = cl.getsockname()[1]
        assert wait_out(m, b"SRING") == b"\r\n+SRING : 1\r\n"
        assert at(m, "AT#SS=1") == b"\r\n#SS: 1,5,10.20.30.40,3000,127.0.0.2,%d\r\n" % src_port + OK
        assert at(m, "AT#SA=1", timeout=3) == b"\r\nCONNECT\r\n"
        cl.sendall(b"abc")
        assert wait_out(m, b"abc") == b"abc"
        feed(m, b"xyz")
        assert recv_exactly(cl, 3) == b"xyz"
    finally:
        cl.close()
    assert wait_out(m, b"NO CARRIER") == b"\r\nNO CARRIER\r\n"


def test_listener_drops_unlisted_source_ref_7(m: Module) -> None:
    """§7: a client from 127.0.0.3 (no rule) is dropped: no SRING, no data, no FIN for it;
    the listener stays in state 4."""
    assert at(m, 'AT#FRWL=1,"127.0.0.2","255.255.255.255"') == OK
    assert at(m, "AT#SL=1,1,3000") == OK
    hport = m.net.real.port_of(1)
    cl = socket.socket()
    cl.bind(("127.0.0.3", 0))
    cl.settimeout(1)
    try:
        cl.connect(("127.0.0.1", hport))  # the host kernel completes the handshake ...
        with pytest.raises(socket.timeout):
            cl.recv(10)  # ... but the module never answers
        assert take(m) == b""
        assert at(m, "AT#SS=1") == b"\r\n#SS: 1,4,10.20.30.40,3000\r\n" + OK
        assert m.net.firewall.log[-1][1] == "127.0.0.3" and m.net.firewall.log[-1][3] == "dropped"
    finally:
        cl.close()


def test_enable_real_needs_real_clock(tmp_path: Path) -> None:
    """Real sockets run on host time: refused on the virtual clock."""
    mod = Module(tmp_path)
    try:
        with pytest.raises(RuntimeError):
            mod.net.enable_real()
    finally:
        mod.close()


def test_host_names_map_to_loopback_endpoints_ref_6_5(m: Module, server: socket.socket) -> None:
    """§6.5 (DNS names accepted) with real TCP: a name unknown to m.net.dns resolves to an
    unrouted 198.18.x.y address, and a connect_map entry keyed by the name applies."""
    port = server.getsockname()[1]
    m.net.real.connect_map["gw.example.net"] = port
    m.net.dns_ms = 10
    assert at(m, 'AT#SD=1,0,5000,"gw.example.net",0,0,1', timeout=5) == OK
    c, _ = server.accept()
    c.close()
    assert m.net.dns["gw.example.net"] == "198.18.0.2"
