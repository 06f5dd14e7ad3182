"""UDP sockets (tools/emulator/net/udp.py): #SD with <txProt> 1 and <lPort>, #SSEND/#SRECV and
online mode over UDP, #SLUDP with SRING/#SA and ListenAutoRsp, the firewall, to simulated peers
(virtual clock) and to real UDP sockets on loopback (ATR10 #SD pp.422-424, #SLUDP p.426)."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from emu_helpers import at, fast_network, feed, real_loopback, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"
PEER = ("203.0.113.9", 5000)


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    fast_network(mod)
    assert at(mod, "AT#SGACT=1,1", timeout=5).endswith(OK)
    assert at(mod, "AT#SCFG=1,1,300,90,600,1") == OK  # txTo 100 ms
    # ATR10 #SLUDP: a listener hears only senders "not filtered by internal firewall" (#FRWL);
    # an empty list admits nobody.
    assert at(mod, 'AT#FRWL=1,"198.51.100.0","255.255.255.0"') == OK
    yield mod
    mod.close()


def test_sd_udp_command_mode_ssend_srecv_round_trip(m: Module) -> None:
    peer = m.net.udp.peer(*PEER)
    # <lPort> 4000 is the module's port: #SS shows it, the peer sees datagrams from it.
    assert at(m, 'AT#SD=1,1,%d,"%s",0,4000,1' % (PEER[1], PEER[0])) == OK
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,2,10.20.30.40,4000,203.0.113.9,5000\r\n" + OK
    assert at(m, "AT#SSEND=1") == b"> "
    feed(m, b"hello\x1a")
    m.run(0.5)
    assert take(m).endswith(OK)
    assert [(d, src) for _, d, src in peer.datagrams] == [(b"hello", ("10.20.30.40", 4000))]
    assert peer.send(b"pong") == "delivered"
    m.run(0.5)
    assert take(m) == b"\r\nSRING: 1\r\n"
    assert at(m, "AT#SRECV=1,100") == b"\r\n#SRECV: 1,4\r\npong\r\n" + OK
    assert at(m, "AT#SI=1") == b"\r\n#SI: 1,5,4,0,0\r\n" + OK  # UDP: nothing awaits an ACK
    assert at(m, "AT#SH=1") == OK
    assert peer.send(b"late", port=4000) == "dropped"  # nobody has the port open now


def test_sd_udp_online_mode_datagrams_both_ways(m: Module) -> None:
    peer = m.net.udp.peer(*PEER)
    assert at(m, 'AT#SD=1,1,%d,"%s"' % (PEER[1], PEER[0])) == b"\r\nCONNECT\r\n"
    feed(m, b"abc")
    m.run(0.5)  # txTo 100 ms: one datagram
    assert [d for _, d, _ in peer.datagrams] == [b"abc"]
    peer.send(b"xyz")
    m.run(0.5)
    assert take(m) == b"xyz"
    m.run(1.1)
    feed(m, "+++")
    m.run(1.2)
    assert take(m) == OK
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,2,10.20.30.40,1025,203.0.113.9,5000\r\n" + OK


def test_udp_to_nobody_is_not_an_error(m: Module) -> None:
    # No handshake: #SD succeeds, the datagrams are lost.
    assert at(m, 'AT#SD=2,1,7,"198.51.100.1",0,0,1') == OK
    assert at(m, "AT#SSEND=2") == b"> "
    feed(m, b"void\x1a")
    m.run(0.5)
    assert take(m).endswith(OK)


def test_tcp_listener_does_not_take_udp_and_back(m: Module) -> None:
    assert at(m, "AT#SL=1,1,3500") == OK
    peer = m.net.udp.peer("198.51.100.7", 4000)
    assert peer.send(b"hi", port=3500) == "dropped"  # a TCP listener is no UDP listener
    assert at(m, "AT#SLUDP=2,1,3500") == OK  # same port number, other protocol
    assert at(m, "AT#SLUDP?") == b"\r\n#SLUDP: 2,3500\r\n" + OK
    assert at(m, "AT+CMEE=1") == OK
    assert at(m, "AT#SLUDP=3,1,3500") == b"\r\n+CME ERROR: 564\r\n"  # already listening


def test_sludp_sring_then_sa_then_reply(m: Module) -> None:
    assert at(m, "AT#SLUDP=1,1,3500") == OK
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,4,10.20.30.40,3500\r\n" + OK
    peer = m.net.udp.peer("198.51.100.7", 4000)
    assert peer.send(b"hello module", port=3500) == "listener"
    m.run(0.5)
    assert take(m) == b"\r\n+SRING : 1\r\n"
    got = at(m, "AT#SA=1")
    m.run(0.5)
    # The first datagram waited in the module's network side: delivered right after CONNECT.
    assert got + take(m) == b"\r\nCONNECT\r\nhello module"
    feed(m, b"hello peer")
    m.run(0.5)
    assert [(d, src) for _, d, src in peer.datagrams] == [(b"hello peer", ("10.20.30.40", 3500))]
    other = m.net.udp.peer("198.51.100.8", 4000)
    assert other.send(b"intruder", port=3500) == "dropped"  # bound to the first sender now


def test_sludp_listen_auto_and_firewall(m: Module) -> None:
    assert at(m, "AT#SCFGEXT=1,0,0,0,1,0") == OK  # ListenAutoRsp
    assert at(m, "AT#SLUDP=1,1,3500") == OK
    stranger = m.net.udp.peer("192.0.2.1", 4000)
    assert stranger.send(b"no", port=3500) == "dropped"  # #FRWL: not on the list
    peer = m.net.udp.peer("198.51.100.7", 4000)
    assert peer.send(b"auto", port=3500) == "listener"
    m.run(0.5)
    assert take(m) == b"\r\nCONNECT\r\nauto"


def test_sludp_close_and_sh_refuses(m: Module) -> None:
    assert at(m, "AT#SLUDP=1,1,3500") == OK
    peer = m.net.udp.peer("198.51.100.7", 4000)
    peer.send(b"x", port=3500)
    m.run(0.5)
    assert take(m) == b"\r\n+SRING : 1\r\n"
    assert at(m, "AT#SH=1") == OK  # refused: the listening socket is closed too (IPG10)
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,0\r\n" + OK
    assert at(m, "AT#SLUDP=1,1,3500") == OK
    assert at(m, "AT#SLUDP=1,0,0") == OK
    assert at(m, "AT#SLUDP?") == OK


def test_sludp_rejected_forms(m: Module) -> None:
    assert at(m, "AT#SLUDP=?") == b"\r\n#SLUDP: (1-6),(0,1),(1-65535)\r\n" + OK
    assert at(m, "AT#SLUDP=7,1,3500") == b"\r\nERROR\r\n"
    assert at(m, "AT#SLUDP=1,1") == b"\r\nERROR\r\n"  # <listenPort> needed to listen
    assert at(m, "AT#SLUDP=1,1,3500,0") == b"\r\nERROR\r\n"


# ---------------------------------------------------------------- real loopback
@pytest.fixture
def rm(tmp_path: Path) -> Module:
    mod = real_loopback(tmp_path, 3500)
    assert at(mod, 'AT#FRWL=1,"127.0.0.1","255.255.255.255"') == OK
    yield mod
    mod.close()


def wait_out(m: Module, want: bytes, timeout: float = 3.0) -> bytes:
    got = bytearray()

    def done() -> bool:
        got.extend(m.instances[1].out.take())
        return want in got

    m.run_until(done, timeout, step=0.01)
    return bytes(got)


def test_real_udp_sd_to_a_loopback_peer(rm: Module) -> None:
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.settimeout(3)
    port = srv.getsockname()[1]
    try:
        assert at(rm, 'AT#SD=1,1,%d,"127.0.0.1",0,0,1' % port, timeout=3) == OK
        assert at(rm, "AT#SSEND=1") == b"> "
        feed(rm, b"ping\x1a")
        data, addr = srv.recvfrom(100)
        assert data == b"ping"
        srv.sendto(b"pong", addr)
        assert wait_out(rm, b"SRING: 1").endswith(b"SRING: 1\r\n")
        assert at(rm, "AT#SRECV=1,10") == b"\r\n#SRECV: 1,4\r\npong\r\n" + OK
        assert at(rm, "AT#SH=1") == OK
    finally:
        srv.close()


def test_real_udp_listener_on_loopback(rm: Module) -> None:
    assert at(rm, "AT#SLUDP=1,1,3500") == OK
    port = rm.net.sockets[1].real_listener.port
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(3)
    try:
        c.sendto(b"hi", ("127.0.0.1", port))
        assert wait_out(rm, b"+SRING : 1").endswith(b"+SRING : 1\r\n")
        got = at(rm, "AT#SA=1", timeout=3)
        got += wait_out(rm, b"hi") if not got.endswith(b"hi") else b""
        assert got == b"\r\nCONNECT\r\nhi"
        feed(rm, b"back")
        data, _ = c.recvfrom(100)
        assert data == b"back"
    finally:
        c.close()
