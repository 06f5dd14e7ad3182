"""The single-socket commands of older scripts: #SKTSET (a catalogue row, saved by #SKTSAV),
#SKTOP (activates context 1 with #USERID/#PASSW, then dials) and #SKTD (ATR10 pp.457-472),
implemented on connId 1 through #SD (tools/emulator/net/legacy.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, fast_network, feed, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    fast_network(mod)
    assert at(mod, "AT#SCFG=1,1,300,90,600,1") == OK  # connId 1 carries #SKTD: txTo 100 ms
    yield mod
    mod.close()


def test_sktop_activates_the_context_and_dials_sktset(m: Module) -> None:
    srv = m.net.sim.listen("203.0.113.5", 1024)
    m.net.apn_credentials = {"internet": ("bob", "pw")}
    assert at(m, 'AT#SKTSET=0,1024,"203.0.113.5"') == OK
    assert at(m, "AT#SKTSET?") == b'\r\n#SKTSET: 0,1024,"203.0.113.5",0,0\r\n' + OK
    assert at(m, 'AT#USERID="bob";#PASSW="pw"') == OK
    assert at(m, "AT#SKTOP", timeout=10) == b"\r\nCONNECT\r\n"
    conn = srv.accept_next(1)
    assert conn is not None
    feed(m, b"legacy")
    m.run(1)
    assert conn.received == b"legacy"
    conn.send(b"reply")
    m.run(1)
    assert take(m) == b"reply"
    conn.close()
    m.run(1)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert at(m, "AT#GPRS?") == b"\r\n#GPRS: 1\r\n" + OK  # the context stays up


def test_sktop_with_wrong_credentials_is_no_carrier(m: Module) -> None:
    m.net.sim.listen("203.0.113.5", 1024)
    m.net.apn_credentials = {"internet": ("bob", "pw")}
    assert at(m, 'AT#SKTSET=0,1024,"203.0.113.5"') == OK
    assert at(m, "AT#SKTOP", timeout=10) == b"\r\nNO CARRIER\r\n"


def test_sktd_dials_its_own_parameters_and_refused_is_no_carrier(m: Module) -> None:
    assert at(m, "AT#GPRS=1", timeout=5).endswith(OK)
    m.net.sim.add_host("203.0.113.6")
    assert at(m, 'AT#SKTD=0,80,"203.0.113.6"', timeout=10) == b"\r\nNO CARRIER\r\n"
    assert at(m, "AT#SKTD?") == b'\r\n#SKTD: 0,80,"203.0.113.6",0,0\r\n' + OK
    assert at(m, "AT#SKTD=2,80") == b"\r\nERROR\r\n"
    peer = m.net.udp.peer("203.0.113.7", 1024)
    assert at(m, 'AT#SKTD=1,1024,"203.0.113.7",,1025', timeout=10) == b"\r\nCONNECT\r\n"
    feed(m, b"udp")
    m.run(1)
    assert [(d, src) for _, d, src in peer.datagrams] == [(b"udp", ("10.20.30.40", 1025))]


def test_sktset_is_kept_by_sktsav(m: Module) -> None:
    assert at(m, 'AT#SKTSET=0,2000,"host.example";#SKTSAV') == OK
    m.reboot()
    m.run(0.5)
    assert at(m, "AT#SKTSET?") == b'\r\n#SKTSET: 0,2000,"host.example",0,0\r\n' + OK


def test_sktl_announces_the_caller_then_connects(m: Module) -> None:
    assert at(m, "AT#GPRS=1", timeout=5).endswith(OK)
    assert at(m, 'AT#FRWL=1,"198.51.100.0","255.255.255.0"') == OK
    assert at(m, "AT#SKTL=1,0,1024") == OK
    assert at(m, "AT#SKTL?") == b"\r\n#SKTL: 1,0,1024,0\r\n" + OK
    c = m.net.sim.connect("198.51.100.7", 1024)
    m.run(1)
    assert take(m) == b"\r\n+CONN FROM: 198.51.100.7\r\n\r\nCONNECT\r\n"
    c.send(b"hello")
    m.run(1)
    assert take(m) == b"hello"
    c.close()
    m.run(1)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert at(m, "AT#SKTL?") == b"\r\n#SKTL: 0,0,1024,0\r\n" + OK  # no listen any more


def test_sktl_udp_and_stop(m: Module) -> None:
    assert at(m, "AT#GPRS=1", timeout=5).endswith(OK)
    assert at(m, 'AT#FRWL=1,"198.51.100.0","255.255.255.0"') == OK
    assert at(m, "AT#SKTL=1,1,1500") == OK
    assert at(m, "AT#SKTL=0,1,0") == OK
    assert at(m, "AT#SKTL?") == b"\r\n#SKTL: 0,1,1500,0\r\n" + OK
    assert at(m, "AT#SKTL=1,0,1024,7") == b"\r\nERROR\r\n"
