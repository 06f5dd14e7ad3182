"""Conformance tests for the emulator's sockets (tools/emulator/net): #SCFG/#SCFGEXT in NVM,
#SD online and command mode, +++ suspend, #SO resume, #SH, #SS states, #SI counters, SRING
formats, #SRECV/#SSEND/#SSENDEXT, #SL/#SA listening, closure types, maxTo, connTo, keepalive,
the packetiser (pktSz/txTo), the radio model (latency, class-10 rates) and class-B suspension.

Each test names the REFERENCE section it follows (../shared/telit/REFERENCE.md §6.2-§6.11,
§10.1, §10.3, §11 C, D, J). Details REFERENCE leaves open follow ATR10 §3.5.7.4 and IPG10 §3, §5.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from emu_helpers import at, feed, take
from tools.emulator import Module
from tools.emulator.net.config import Packetiser, sring_lines

OK = b"\r\nOK\r\n"
SRV = ("203.0.113.5", 5000)


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    for i in (1, 2):
        at(mod, "AT+CMEE=1", i)
    yield mod
    mod.close()


def up(m: Module) -> None:
    assert at(m, 'AT+CGDCONT=1,"IP","internet"') == OK
    assert at(m, "AT#SGACT=1,1", timeout=10).endswith(OK)


def dial(m: Module, conn_id: int = 1, mode: int = 0, inst: int = 1, srv=None):
    """#SD to the simulated server; returns (answer bytes, server-side connection)."""
    if srv is None:
        srv = m.net.sim.servers.get(SRV) or m.net.sim.listen(*SRV)
    ans = at(m, 'AT#SD=%d,0,%d,"%s",0,0,%d' % (conn_id, SRV[1], SRV[0], mode), inst, timeout=10)
    conn = srv.accept_next(1)
    return ans, conn


def quiet_net(m: Module) -> None:
    """No latency, no rate cap: packet times are exactly the packetiser's."""
    m.net.latency_ms = 0
    m.net.set_rates(None, None)


def escape(m: Module, inst: int = 1) -> bytes:
    m.run(1.1)  # S12 = 50 -> 1 s of silence before ...
    feed(m, "+++", inst)
    m.run(1.2)  # ... and after (REFERENCE §6.7)
    return take(m, inst)


def ss(m: Module, conn_id: int, inst: int = 2) -> bytes:
    return at(m, "AT#SS=%d" % conn_id, inst)


# ---------------------------------------------------------------------- §6.2 #SCFG
def test_scfg_defaults_ref_6_2(m: Module) -> None:
    """§6.2: defaults 300 B, 90 s, 600 (60 s), 50 (5 s); connIds 1-3 on cid 1, 4-6 on cid 2."""
    expect = b"\r\n" + b"".join(
        b"#SCFG: %d,%d,300,90,600,50\r\n" % (i, 1 if i <= 3 else 2) for i in range(1, 7)) + OK
    assert at(m, "AT#SCFG?") == expect


def test_scfg_ranges_and_auto_packet_size_ref_6_2(m: Module) -> None:
    """§6.2 field ranges; pktSz 0 = automatic (300, shown as chosen like #PKTSZ?)."""
    bad = ["AT#SCFG=1,1,1501,90,600,50", "AT#SCFG=1,1,300,65536,600,50", "AT#SCFG=1,1,300,90,9,50",
           "AT#SCFG=1,1,300,90,1201,50", "AT#SCFG=1,1,300,90,600,256", "AT#SCFG=7,1,300,90,600,50",
           "AT#SCFG=1,6,300,90,600,50", "AT#SCFG=1,1,300,90,600"]
    for line in bad:
        assert at(m, line) == b"\r\n+CME ERROR: 4\r\n", line
    assert at(m, "AT#SCFG=2,1,0,0,10,0") == OK
    assert b"#SCFG: 2,1,300,0,10,0\r\n" in at(m, "AT#SCFG?")
    assert at(m, "AT#SCFG=3,5,1500,65535,1200,255") == OK
    assert b"#SCFG: 3,5,1500,65535,1200,255\r\n" in at(m, "AT#SCFG?")


def test_scfg_scfgext_persist_over_reboot_ref_11_D1(m: Module) -> None:
    """§11 D1: #SCFG and #SCFGEXT are kept in NVM (ATR10: 'automatically saved in NVM')."""
    at(m, "AT#SCFG=1,1,1500,600,100,10")
    at(m, "AT#SCFGEXT=1,2,0,30,0,0")
    at(m, "AT#SCFGEXT2=1,1")
    m.reboot()
    assert b"#SCFG: 1,1,1500,600,100,10\r\n" in at(m, "AT#SCFG?")
    assert b"#SCFGEXT: 1,2,0,30,0,0\r\n" in at(m, "AT#SCFGEXT?")
    assert b"#SCFGEXT2: 1,1,0,0,0,0\r\n" in at(m, "AT#SCFGEXT2?")


def test_scfg_on_connected_socket_is_error_ref_6_2(m: Module) -> None:
    """§6.2 (IPG10 §3.2.1.2): changing the configuration of a socket that is online: ERROR."""
    up(m)
    assert dial(m)[0] == b"\r\nCONNECT\r\n"
    assert at(m, "AT#SCFG=1,1,300,90,600,50", inst=2) == b"\r\nERROR\r\n"
    assert at(m, "AT#SCFG=2,1,300,90,600,50", inst=2) == OK


def test_scfgext_forms_ref_6_3(m: Module) -> None:
    """§6.3: srMode 0-2, recvDataMode 0/1, keepalive 0-240 min, ListenAutoRsp, sendDataMode;
    the read form has six fields per connId."""
    expect = b"\r\n" + b"".join(b"#SCFGEXT: %d,0,0,0,0,0\r\n" % i for i in range(1, 7)) + OK
    assert at(m, "AT#SCFGEXT?") == expect
    assert at(m, "AT#SCFGEXT=1,2,0,30,0,0") == OK  # JANUS setting
    assert at(m, "AT#SCFGEXT=3,1,1,0") == OK  # optional fields omitted
    assert at(m, "AT#SCFGEXT=1,3,0,0") == b"\r\n+CME ERROR: 4\r\n"
    assert at(m, "AT#SCFGEXT=1,0,0,241") == b"\r\n+CME ERROR: 4\r\n"
    read = at(m, "AT#SCFGEXT?")
    assert b"#SCFGEXT: 1,2,0,30,0,0\r\n" in read and b"#SCFGEXT: 3,1,1,0,0,0\r\n" in read


# --------------------------------------------------------------------- §6.5 #SD
def test_sd_online_bytes_both_ways_ref_6_6(m: Module) -> None:
    """§6.6: CONNECT, payload both ways untouched, DCD high (&C1)."""
    up(m)
    ans, conn = dial(m)
    assert ans == b"\r\nCONNECT\r\n"
    assert m.instances[1].dcd() == 1
    payload = bytes(range(256)).replace(b"+", b"")
    feed(m, payload)
    m.run(6)  # txTo 5 s flushes the last partial packet
    assert conn.received == payload
    conn.send(b"\x00\xffreply\r\n")
    m.run(1)
    assert take(m) == b"\x00\xffreply\r\n"


def test_sd_connect_takes_a_round_trip_ref_6_5(m: Module) -> None:
    """§6.5: CONNECT comes when the peer answers: SYN + SYN-ACK = 2 x one-way latency."""
    up(m)
    m.net.sim.listen(*SRV)
    t0 = m.kernel.now()
    feed(m, 'AT#SD=1,0,5000,"203.0.113.5"\r')
    m.run_until(lambda: len(m.instances[1].out) > 0, 5, step=0.001)
    assert take(m) == b"\r\nCONNECT\r\n"
    assert m.kernel.now() - t0 == 2 * m.net.latency_ms


def test_sd_command_mode_ref_6_5(m: Module) -> None:
    """§6.5 connMode 1: OK, the instance stays in command mode; #SS shows 2 (IPG10 §5.2.1)."""
    up(m)
    ans, conn = dial(m, mode=1)
    assert ans == OK
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,2,10.20.30.40,1025,203.0.113.5,5000\r\n" + OK
    assert at(m, "AT#SS") == (b"\r\n#SS: 1,2,10.20.30.40,1025,203.0.113.5,5000\r\n#SS: 2,0\r\n"
                              b"#SS: 3,0\r\n#SS: 4,0\r\n#SS: 5,0\r\n#SS: 6,0\r\n" + OK)


def test_sd_on_busy_connid_is_error_ref_6_5(m: Module) -> None:
    """§6.5: #SD on a connId that is online or suspended fails."""
    up(m)
    dial(m, mode=1)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"') == b"\r\n+CME ERROR: 551\r\n"


def test_sd_needs_active_context_ref_6_5(m: Module) -> None:
    """§6.5 (IPG10 §3.2.1.3: the context must be active): 556 'context not opened'."""
    m.net.sim.listen(*SRV)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"') == b"\r\n+CME ERROR: 556\r\n"


def test_sd_host_names_ref_6_5(m: Module) -> None:
    """§6.5/§11 D3: DNS names are accepted (m.net.dns); unknown -> 558 'cannot resolve DN'."""
    up(m)
    srv = m.net.sim.listen(*SRV)
    m.net.dns["gw.example.net"] = SRV[0]
    assert at(m, 'AT#SD=1,0,5000,"gw.example.net",0,0,1', timeout=10) == OK
    assert srv.accept_next(1) is not None
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,2,10.20.30.40,1025,203.0.113.5,5000\r\n" + OK
    assert at(m, 'AT#SD=2,0,5000,"nowhere.example"', timeout=10) == b"\r\n+CME ERROR: 558\r\n"


def test_sd_timeout_after_connto_ref_6_2(m: Module) -> None:
    """§6.2 connTo (100 ms units) and §11 J: no answer -> 559 'time-out in opening socket'."""
    up(m)
    m.net.sim.listen(*SRV, mode="ignore")
    at(m, "AT#SCFG=1,1,300,90,100,50")
    t0 = m.kernel.now()
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"', timeout=20) == b"\r\n+CME ERROR: 559\r\n"
    assert 10000 <= m.kernel.now() - t0 <= 10030
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,0\r\n" + OK


def test_sd_refused_and_injected_errors_ref_11_J(m: Module) -> None:
    """§11 J: refusal (RST) -> 562; injected 560/561 for the next attempts."""
    up(m)
    m.net.sim.listen(*SRV, mode="refuse")
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5"', timeout=5) == b"\r\n+CME ERROR: 562\r\n"
    m.net.sim.add_host("198.51.100.1")
    assert at(m, 'AT#SD=1,0,80,"198.51.100.1"', timeout=5) == b"\r\n+CME ERROR: 562\r\n"
    m.net.fail_connect(560)
    m.net.fail_connect(561)
    assert at(m, 'AT#SD=1,0,80,"198.51.100.1"', timeout=5) == b"\r\n+CME ERROR: 560\r\n"
    assert at(m, 'AT#SD=1,0,80,"198.51.100.1"', timeout=5) == b"\r\n+CME ERROR: 561\r\n"


# ------------------------------------------------------- §6.6 escape, resume, close
def test_escape_suspends_and_so_delivers_buffered_first_ref_6_6(m: Module) -> None:
    """§6.6: +++ -> OK, socket suspended (not closed); data meanwhile -> SRING (§6.10),
    #SS 3; #SO -> CONNECT then the buffered data."""
    up(m)
    at(m, "AT#SKIPESC=1")
    _, conn = dial(m)
    assert escape(m) == OK
    assert ss(m, 1) == b"\r\n#SS: 1,2,10.20.30.40,1025,203.0.113.5,5000\r\n" + OK
    assert m.instances[1].dcd() == 1  # &C1: the connection still exists
    conn.send(b"while away")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"
    assert ss(m, 1) == b"\r\n#SS: 1,3,10.20.30.40,1025,203.0.113.5,5000\r\n" + OK
    assert at(m, "AT#SO=1") == b"\r\nCONNECT\r\nwhile away"
    assert ss(m, 1) == b"\r\n#SS: 1,1,10.20.30.40,1025,203.0.113.5,5000\r\n" + OK
    feed(m, b"back")
    m.run(6)
    assert conn.received == b"back"  # #SKIPESC=1: the +++ did not reach the peer


def test_skipesc_0_forwards_the_escape_ref_6_7(m: Module) -> None:
    """§6.7: #SKIPESC=0 (default) forwards the +++ to the socket."""
    up(m)
    _, conn = dial(m)
    assert escape(m) == OK
    m.run(6)
    assert conn.received == b"+++"


def test_so_idle_no_carrier_and_sh_idle_ok_ref_6_6(m: Module) -> None:
    """§6.6 (IPG10 §3.2.1.4-5): #SO on an idle connId -> NO CARRIER; #SH on it -> OK."""
    assert at(m, "AT#SO=3") == b"\r\nNO CARRIER\r\n"
    assert at(m, "AT#SH=3") == OK


def test_so_sh_on_other_instance_is_error_ref_11_D5(m: Module) -> None:
    """§6.5/§11 D5: resume and close on the instance that opened the socket; elsewhere an
    error (exact response n/d: 551 'wrong state')."""
    up(m)
    dial(m, mode=1)
    assert at(m, "AT#SO=1", inst=2) == b"\r\n+CME ERROR: 551\r\n"
    assert at(m, "AT#SH=1", inst=2) == b"\r\n+CME ERROR: 551\r\n"
    assert at(m, "AT#SH=1") == OK


def test_sh_closes_and_peer_sees_fin_ref_6_6(m: Module) -> None:
    """§6.6: #SH closes the socket: pending bytes go out first, then FIN."""
    up(m)
    at(m, "AT#SKIPESC=1")
    _, conn = dial(m)
    feed(m, b"tail")  # waits for txTo in the packetiser
    assert escape(m) == OK
    assert at(m, "AT#SH=1") == OK
    m.run(1)
    assert conn.received == b"tail" and conn.eof and conn.state == "closed"
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,0\r\n" + OK
    assert m.instances[1].dcd() == 0


def test_remote_close_no_carrier_dcd_low_ref_6_6(m: Module) -> None:
    """§6.6/§11 C3: the peer closes while online: data sent before the FIN is delivered,
    then \\r\\nNO CARRIER\\r\\n and DCD low."""
    up(m)
    _, conn = dial(m)
    conn.send(b"last words")
    conn.close()
    m.run(1)
    assert take(m) == b"last words\r\nNO CARRIER\r\n"
    assert m.instances[1].dcd() == 0
    assert m.instances[1].mode == "cmd"
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,0\r\n" + OK


def test_closure_type_255_keeps_socket_until_escape_ref_6_5(m: Module) -> None:
    """§6.5 closureType 255: local host closes only after the escape sequence."""
    up(m)
    srv = m.net.sim.listen(*SRV)
    assert at(m, 'AT#SD=1,0,5000,"203.0.113.5",255', timeout=5) == b"\r\nCONNECT\r\n"
    conn = srv.accept_next(1)
    conn.close()
    m.run(2)
    assert take(m) == b"" and m.instances[1].dcd() == 1
    assert escape(m) == OK
    m.run(0.1)
    assert ss(m, 1) == b"\r\n#SS: 1,0\r\n" + OK


def test_command_mode_remote_close_type_0_drops_unread_data_atr10_p422(m: Module) -> None:
    """ATR10 #SD (p.422) <closureType> 0 (default): "local host closes immediately when
    remote host has closed": what was not read with #SRECV goes with the socket."""
    up(m)
    _, conn = dial(m, mode=1)
    conn.send(b"12345")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"
    conn.close()
    m.run(1)
    assert ss(m, 1) == b"\r\n#SS: 1,0\r\n" + OK
    assert at(m, "AT#SRECV=1,100").startswith(b"\r\n+CME ERROR: ")  # nothing to read


def test_command_mode_remote_close_type_255_keeps_data_until_read_atr10_p422(m: Module) -> None:
    """<closureType> 255: "local host closes after an escape sequence"; in command mode (no
    escape there) what arrived stays readable, and the socket closes once it is read."""
    up(m)
    srv = m.net.sim.servers.get(SRV) or m.net.sim.listen(*SRV)
    assert at(m, 'AT#SD=1,0,%d,"%s",255,0,1' % (SRV[1], SRV[0]), timeout=10) == OK
    conn = srv.accept_next(1)
    conn.send(b"12345")
    conn.close()
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"
    assert ss(m, 1) == b"\r\n#SS: 1,3,10.20.30.40,1025,203.0.113.5,5000\r\n" + OK
    assert at(m, "AT#SRECV=1,100") == b"\r\n#SRECV: 1,5\r\n12345\r\n" + OK
    assert ss(m, 1) == b"\r\n#SS: 1,0\r\n" + OK
    assert at(m, "AT#SH=1") == OK


def test_peer_reset_ends_with_no_carrier_ref_11_J(m: Module) -> None:
    """§11 J remote reset: the socket ends at once (NO CARRIER on the online instance)."""
    up(m)
    _, conn = dial(m)
    conn.reset()
    m.run(1)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert m.net.sockets[1].close_reason == "reset"


def test_maxto_closes_idle_socket_ref_6_2(m: Module) -> None:
    """§6.2 maxTo: no data exchanged for maxTo seconds closes the socket (NO CARRIER online);
    traffic restarts the count."""
    up(m)
    at(m, "AT#SCFG=1,1,300,5,600,1")
    _, conn = dial(m)
    t_connect = m.kernel.now()
    m.run(3)
    conn.send(b"x")  # arrives ~0.3 s later: activity
    m.run(4)
    assert take(m) == b"x"
    m.run_until(lambda: len(m.instances[1].out) > 0, 10, step=0.01)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    elapsed = m.kernel.now() - t_connect
    assert 3000 + 300 + 5000 <= elapsed <= 3000 + 300 + 5000 + 60
    assert m.net.sockets[1].close_reason == "inactivity"


def test_maxto_zero_means_no_timeout_ref_6_2(m: Module) -> None:
    """§6.2: maxTo 0 = no inactivity timeout."""
    up(m)
    at(m, "AT#SCFG=1,1,300,0,600,50")
    dial(m)
    m.run(600)
    assert take(m) == b"" and m.net.sockets[1].ss_state() == 1


def test_dtr_drop_with_d2_closes_ref_6_8(m: Module) -> None:
    """§6.8 &D2: DTR on->off closes the connection (NO CARRIER)."""
    up(m)
    at(m, "AT&D2")
    _, conn = dial(m)
    m.run(1.5)
    with m.kernel.lock:
        m.instances[1].set_dtr(0)
    m.run(1)
    assert take(m) == b"\r\nNO CARRIER\r\n" and conn.eof


# ------------------------------------------------------------------- §6.9 #SS #SI
def test_si_counters_ref_6_9(m: Module) -> None:
    """§6.9: #SI: <id>,<sent>,<received>,<buff_in>,<ack_waiting>, since the socket opened;
    ack_waiting counts bytes the peer has not acknowledged yet."""
    up(m)
    _, conn = dial(m, mode=1)
    assert at(m, "AT#SSENDEXT=1,10") == b"> "
    feed(m, b"0123456789")
    m.run(0.4)  # the packet is out (95 ms on the radio), its ACK not back yet
    assert take(m) == OK
    assert at(m, "AT#SI=1") == b"\r\n#SI: 1,10,0,0,10\r\n" + OK
    m.run(1)
    conn.send(b"abcdef")
    m.run(1)
    take(m)
    assert at(m, "AT#SI=1") == b"\r\n#SI: 1,10,6,6,0\r\n" + OK
    at(m, "AT#SRECV=1,4")
    assert at(m, "AT#SI") == (b"\r\n#SI: 1,10,6,2,0\r\n#SI: 2,0,0,0,0\r\n#SI: 3,0,0,0,0\r\n"
                              b"#SI: 4,0,0,0,0\r\n#SI: 5,0,0,0,0\r\n#SI: 6,0,0,0,0\r\n" + OK)


# ---------------------------------------------------------- §6.10 command-mode data
def test_sring_mode0_once_until_read_ref_6_10(m: Module) -> None:
    """§6.10 srMode 0: 'SRING: <id>' once while data is pending (IPG10 §5.3.1)."""
    up(m)
    _, conn = dial(m, mode=1)
    conn.send(b"hello")
    m.run(1)
    conn.send(b"again")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"
    assert at(m, "AT#SRECV=1,1500") == b"\r\n#SRECV: 1,10\r\nhelloagain\r\n" + OK
    conn.send(b"third")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"


def test_sring_mode1_data_amount_ref_6_10(m: Module) -> None:
    """§6.10 srMode 1: 'SRING: <id>,<pending>' for every arrival (IPG10 §5.3.2: 5, then 10)."""
    up(m)
    at(m, "AT#SCFGEXT=2,1,0,0")
    _, conn = dial(m, conn_id=2, mode=1)
    conn.send(b"hello")
    m.run(1)
    conn.send(b"hello")
    m.run(1)
    assert take(m) == b"\r\nSRING: 2,5\r\n\r\nSRING: 2,10\r\n"


def test_sring_mode2_data_view_ref_6_10(m: Module) -> None:
    """§6.10 srMode 2: data in the URC, 64 bytes at most each, text or hex (IPG10 §5.3.3)."""
    up(m)
    at(m, "AT#SCFGEXT=1,2,0,0")
    at(m, "AT#SCFGEXT=2,2,1,0")
    _, c1 = dial(m, conn_id=1, mode=1)
    _, c2 = dial(m, conn_id=2, mode=1)
    c1.send(b"test" * 17)
    c2.send(b"hello")
    m.run(1)
    assert take(m) == (b"\r\nSRING: 1,64," + b"test" * 16 + b"\r\n\r\nSRING: 1,4,test\r\n"
                       b"\r\nSRING: 2,5,68656C6C6F\r\n")
    assert at(m, "AT#SRECV=1,10") == b"\r\n+CME ERROR: 551\r\n"  # nothing left in the buffer


def test_srecv_forms_and_limits_ref_6_10(m: Module) -> None:
    """§6.10: '#SRECV: <id>,<n>' then the data; maxByte 1-1500; error when nothing is
    buffered; hex view with recvDataMode 1 (ATR10 #SRECV example)."""
    up(m)
    _, conn = dial(m, mode=1)
    assert at(m, "AT#SRECV=1,10") == b"\r\n+CME ERROR: 551\r\n"
    assert at(m, "AT#SRECV=1,1501") == b"\r\n+CME ERROR: 4\r\n"
    conn.send(b"stringa di test")
    m.run(1)
    take(m)
    assert at(m, "AT#SRECV=1,15") == b"\r\n#SRECV: 1,15\r\nstringa di test\r\n" + OK
    at(m, "AT#SCFGEXT=1,0,1,0")
    conn.send(b"stringa di test")
    m.run(1)
    take(m)
    assert at(m, "AT#SRECV=1,15") == b"\r\n#SRECV: 1,15\r\n737472696E67612064692074657374\r\n" + OK


def test_ssend_prompt_ctrlz_esc_backspace_ref_6_10(m: Module) -> None:
    """§6.10/§5.6: prompt '> ' (ATR10 p.428: "<greater_than><space>", no CR LF unlike
    +CMGS's "<CR><LF><greater_than><space>"), Ctrl-Z sends and answers OK, ESC cancels, BS deletes."""
    up(m)
    quiet_net(m)
    _, conn = dial(m, mode=1)
    assert at(m, "AT#SSEND=1") == b"> "
    feed(m, b"Tesx\x08t\x1a")
    m.run(0.1)
    assert take(m) == OK
    assert conn.received == b"Test"
    assert conn.packets[-1][1] == b"Test"  # sent at once, not after txTo
    assert at(m, "AT#SSEND=1") == b"> "
    feed(m, b"discard me\x1b")
    m.run(0.1)
    assert take(m) == OK
    m.run(6)
    assert conn.received == b"Test"


def test_ssend_truncates_at_1024_ref_6_10(m: Module) -> None:
    """§6.10: at most 1024 bytes on 7.03.x; the surplus is discarded."""
    up(m)
    quiet_net(m)
    at(m, "AT#SCFG=1,1,1500,90,600,50")
    _, conn = dial(m, mode=1)
    at(m, "AT#SSEND=1")
    feed(m, b"a" * 1000)
    feed(m, b"b" * 100 + b"\x1a")
    m.run(0.5)
    assert take(m) == OK
    assert conn.received == b"a" * 1000 + b"b" * 24


def test_ssendext_is_binary_safe_ref_6_10(m: Module) -> None:
    """§6.10: #SSENDEXT takes exactly <bytes> bytes, no byte value special."""
    up(m)
    _, conn = dial(m, mode=1)
    data = bytes(range(256))
    assert at(m, "AT#SSENDEXT=1,256") == b"> "
    feed(m, data)
    m.run(2)
    assert take(m) == OK
    assert conn.received == data
    assert at(m, "AT#SSENDEXT=1,1501") == b"\r\n+CME ERROR: 4\r\n"


def test_ssendext_is_error_before_7_03_02_atr10_1_7(m: Module) -> None:
    """ATR10 §1.7: #SSENDEXT came with 7.03.02/7.02.07; an older firmware answers ERROR to
    every form (and sends nothing), #SSEND still works there."""
    up(m)
    _, conn = dial(m, mode=1)
    assert at(m, "AT#SSENDEXT=?") == b"\r\n#SSENDEXT: (1-6),(1-1500)\r\n\r\nOK\r\n"
    m.radio.scfgext_fields = 4
    assert at(m, "AT#SSENDEXT=?") == b"\r\nERROR\r\n"
    assert at(m, "AT#SSENDEXT=1,3") == b"\r\nERROR\r\n"
    assert at(m, "AT#SSEND=1") == b"> "
    feed(m, b"old\x1a")
    m.run(1)
    assert take(m) == OK
    assert conn.received == b"old"


def test_ssend_hex_mode_ref_6_3(m: Module) -> None:
    """§6.3 sendDataMode 1: #SSEND data given as hex pairs (IPG10 §5.3.3 example)."""
    up(m)
    at(m, "AT#SCFGEXT=1,0,0,0,0,1")
    _, conn = dial(m, mode=1)
    at(m, "AT#SSEND=1")
    feed(m, b"68656C6C6F\x1a")
    m.run(1)
    assert take(m) == OK and conn.received == b"hello"


def test_ssend_needs_open_socket_ref_6_10(m: Module) -> None:
    """§6.10: #SSEND only on an open (not online) socket, else an error."""
    up(m)
    assert at(m, "AT#SSEND=1") == b"\r\n+CME ERROR: 551\r\n"
    dial(m)
    assert at(m, "AT#SSEND=1", inst=2) == b"\r\n+CME ERROR: 551\r\n"  # it is online on MDM


def test_sring_only_in_command_mode_ref_6_10(m: Module) -> None:
    """§6.10/§11 D6: SRING never appears while the instance is online; it comes after the
    escape's OK."""
    up(m)
    at(m, "AT#SKIPESC=1")
    _, c2 = dial(m, conn_id=2, mode=1)
    _, c1 = dial(m, conn_id=1)
    c2.send(b"for socket 2")
    c1.send(b"for socket 1")
    m.run(1.5)
    assert take(m) == b"for socket 1"
    feed(m, "+++")
    m.run(1.2)
    assert take(m) == OK + b"\r\nSRING: 2\r\n"


# ------------------------------------------------------------------- §6.11 listening
def listen(m: Module, conn_id: int = 1, port: int = 3000, inst: int = 1) -> None:
    assert at(m, 'AT#FRWL=1,"198.51.100.0","255.255.255.0"', inst) == OK
    assert at(m, "AT#SL=%d,1,%d" % (conn_id, port), inst) == OK


def test_listen_sring_accept_online_ref_6_11(m: Module) -> None:
    """§6.11: a host the firewall admits -> '+SRING : <id>' (ATR10 #SL p.424); #SA -> CONNECT;
    #SS shows 4 then 5 then 1."""
    up(m)
    listen(m)
    assert ss(m, 1) == b"\r\n#SS: 1,4,10.20.30.40,3000\r\n" + OK
    client = m.net.sim.connect("198.51.100.7", 3000)
    m.run(1)
    assert take(m) == b"\r\n+SRING : 1\r\n"  # ATR10 #SL p.424
    assert client.state == "connected" and client.remote == ("10.20.30.40", 3000)
    assert ss(m, 1) == b"\r\n#SS: 1,5,10.20.30.40,3000,198.51.100.7,40000\r\n" + OK
    client.send(b"early")  # before #SA: waits in the network
    m.run(1)
    ans = at(m, "AT#SA=1")
    m.run(1)
    assert ans + take(m) == b"\r\nCONNECT\r\nearly"
    assert ss(m, 1) == b"\r\n#SS: 1,1,10.20.30.40,3000,198.51.100.7,40000\r\n" + OK
    feed(m, b"welcome")
    m.run(6)
    assert client.received == b"welcome"


def test_listen_accept_in_command_mode_ref_6_11(m: Module) -> None:
    """§6.11: AT#SA=<id>,1 -> OK, the connection is open in command mode."""
    up(m)
    listen(m)
    client = m.net.sim.connect("198.51.100.7", 3000)
    m.run(1)
    take(m)
    assert at(m, "AT#SA=1,1") == OK
    client.send(b"hi")
    m.run(1)
    assert take(m) == b"\r\nSRING: 1\r\n"
    assert at(m, "AT#SRECV=1,10") == b"\r\n#SRECV: 1,2\r\nhi\r\n" + OK


def test_sa_without_sring_is_error_ref_6_11(m: Module) -> None:
    """§6.11/§11 D7: #SA with no pending connection -> ERROR."""
    up(m)
    listen(m)
    assert at(m, "AT#SA=1") == b"\r\n+CME ERROR: 551\r\n"
    at(m, "AT+CMEE=0")
    assert at(m, "AT#SA=1") == b"\r\nERROR\r\n"


def test_sh_rejects_and_closes_listener_ref_6_11(m: Module) -> None:
    """§6.11 (IPG10 §3.2.2.2): a reject with #SH closes the listener; send #SL again."""
    up(m)
    listen(m)
    client = m.net.sim.connect("198.51.100.7", 3000)
    m.run(1)
    take(m)
    assert at(m, "AT#SH=1") == OK
    m.run(1)
    assert client.state == "reset"
    assert ss(m, 1) == b"\r\n#SS: 1,0\r\n" + OK
    late = m.net.sim.connect("198.51.100.8", 3000)
    m.run(1)
    assert late.state == "refused"  # no listener any more: RST
    assert at(m, "AT#SL=1,1,3000") == OK


def test_one_listener_per_port_ref_6_11(m: Module) -> None:
    """§6.11: each port can have only one listening connId: 564 'already listening'."""
    up(m)
    listen(m, 1, 3000)
    assert at(m, "AT#SL=2,1,3000") == b"\r\n+CME ERROR: 564\r\n"
    assert at(m, "AT#SL=2,1,3001") == OK
    assert at(m, "AT#SL?") == b"\r\n#SL: 1,3000,0\r\n#SL: 2,3001,0\r\n" + OK
    assert at(m, "AT#SL=2,0,3001") == OK
    assert ss(m, 2) == b"\r\n#SS: 2,0\r\n" + OK


def test_listen_auto_response_ref_6_11(m: Module) -> None:
    """§6.11 ListenAutoRsp=1 (#SCFGEXT): no SRING, no #SA: CONNECT and online at once."""
    up(m)
    at(m, "AT#SCFGEXT=1,0,0,0,1")
    listen(m)
    client = m.net.sim.connect("198.51.100.7", 3000)
    m.run(1)
    assert take(m) == b"\r\nCONNECT\r\n"
    client.send(b"data")
    m.run(1)
    assert take(m) == b"data"


def test_closed_listener_port_is_refused_ref_6_11(m: Module) -> None:
    """§6.11: nobody listening on the port: the SYN is answered by RST (refused)."""
    up(m)
    client = m.net.sim.connect("198.51.100.7", 4444)
    m.run(1)
    assert client.state == "refused"


# ---------------------------------------------------------- packetiser §6.2, §11 D8
def test_packetiser_logic_ref_6_2() -> None:
    """§6.2 pktSz/txTo and §6.3 bufferStart, as pure logic."""
    p = Packetiser(pkt_sz=4, tx_to_ms=500)
    assert p.push(b"abcdefghij", 100) == [b"abcd", b"efgh"]
    assert p.deadline() == 600  # the timer started at the first byte into the empty buffer
    assert p.push(b"k", 400) == [] and p.deadline() == 600
    assert p.expire(599) == [] and p.expire(600) == [b"ijk"]
    assert p.deadline() is None
    q = Packetiser(pkt_sz=4, tx_to_ms=500, restart_on_byte=True)
    q.push(b"a", 0)
    q.push(b"b", 300)
    assert q.deadline() == 800
    z = Packetiser(pkt_sz=4, tx_to_ms=0)
    z.push(b"abc", 0)
    assert z.deadline() is None and z.push(b"d", 9) == [b"abcd"]


def test_packets_by_size_and_timeout_ref_11_D8(m: Module) -> None:
    """§11 D8: bytes leave in packets of pktSz at once, the rest txTo after the first byte;
    the peer sees the packet boundaries and times."""
    up(m)
    quiet_net(m)
    at(m, "AT#SCFG=1,1,100,90,600,20")  # 100 B, 2 s
    _, conn = dial(m)
    m.run(1.5)
    t0 = m.kernel.now()
    feed(m, b"x" * 250)
    m.run(0.5)
    feed(m, b"y" * 10)
    m.run(3)
    assert [(t - t0, len(d)) for t, d in conn.packets] == [(0, 100), (0, 100), (2000, 60)]


def test_buffer_start_restarts_txto_ref_6_3(m: Module) -> None:
    """§6.3 #SCFGEXT2 bufferStart=1: the txTo timer restarts with every new byte."""
    up(m)
    quiet_net(m)
    at(m, "AT#SCFG=1,1,300,90,600,10")  # 1 s
    at(m, "AT#SCFGEXT2=1,1")
    _, conn = dial(m)
    m.run(1.5)
    t0 = m.kernel.now()
    for _ in range(5):
        feed(m, b"z")
        m.run(0.5)
    m.run(2)
    assert [(t - t0, d) for t, d in conn.packets] == [(3000, b"zzzzz")]


def test_txto_zero_waits_for_a_full_packet_ref_6_2(m: Module) -> None:
    """§6.2 txTo 0: no timeout; data shorter than pktSz waits."""
    up(m)
    quiet_net(m)
    at(m, "AT#SCFG=1,1,10,90,600,0")
    _, conn = dial(m)
    m.run(1.5)
    feed(m, b"123456789")
    m.run(60)
    assert conn.packets == []
    feed(m, b"0")
    m.run(0.1)
    assert conn.received == b"1234567890"


def test_uplink_rate_and_latency_ref_10_1(m: Module) -> None:
    """§10.1 class 10 uplink 28.8 kbit/s: a 1500-byte packet (+40 header bytes) takes 428 ms
    on the radio, then the one-way latency (300 ms) to the peer."""
    up(m)
    at(m, "AT#SCFG=1,1,1500,90,600,0")
    _, conn = dial(m)
    m.run(1.5)
    t0 = m.kernel.now()
    feed(m, b"u" * 3000)
    m.run(3)
    assert [(t - t0, len(d)) for t, d in conn.packets] == [(428 + 300, 1500), (856 + 300, 1500)]


def test_downlink_rate_ref_10_1(m: Module) -> None:
    """§10.1 downlink 57.6 kbit/s: 5840 bytes (4 segments of 1460 + 40) take 834 ms."""
    up(m)
    _, conn = dial(m, mode=1)
    t0 = m.kernel.now()
    conn.send(b"d" * 5840)
    sock = m.net.sockets[1]
    m.run_until(lambda: sock.received == 5840, 5, step=0.001)
    assert m.kernel.now() - t0 == 300 + 834


def test_flow_control_when_uplink_is_slow_ref_10_3(m: Module) -> None:
    """§10.3/§11 A3: the socket takes 4096 bytes, the instance 4096 more; then MDM.send
    gives -1 after its timeout (back-pressure from the 28.8 kbit/s uplink)."""
    up(m)
    at(m, "AT#SCFG=1,1,1500,90,600,0")
    m.net.sim.listen(*SRV)
    m.flash.write("main.py", (
        "import MDM\n"
        "MDM.send('AT#SD=1,0,5000,\"203.0.113.5\"\\r', 5)\n"
        "r = MDM.receive(30)\n"
        "MOD_ok = r.find('CONNECT')\n"
        "print('connect %d' % MOD_ok)\n"
        "import MOD\n"
        "MOD.sleep(15)\n"
        "block = 'b' * 4096\n"
        "a = MDM.send(block, 0)\n"
        "b = MDM.send(block, 0)\n"
        "c = MDM.send(block, 0)\n"
        "print('sends %d %d %d' % (a, b, c))\n"
        "d = MDM.send(block, 100)\n"
        "print('later %d' % d)\n").encode())
    with m.kernel.lock:
        m.start_script("main.py")
    m.run(30)
    assert m.script_state == "ended", m.trace_text()
    assert "sends 1 1 -1" in m.trace_lines
    assert "later 1" in m.trace_lines


# -------------------------------------------------------------------- class B, faults
def test_gprs_suspended_stops_traffic_ref_9(m: Module) -> None:
    """§9 class B: while a CSD call is up (net.gprs_suspended) no GPRS data moves."""
    up(m)
    quiet_net(m)
    _, conn = dial(m)
    m.run(1.5)
    m.net.gprs_suspended = True
    conn.send(b"down")
    feed(m, b"up")
    m.run(10)
    assert take(m) == b"" and conn.received == b""
    m.net.gprs_suspended = False
    m.run(0.1)
    assert take(m) == b"down"
    m.run(6)
    assert conn.received == b"up"


def test_half_open_peer_unacked_then_lost_ref_11_J(m: Module) -> None:
    """§11 J half-open peer: it stops answering without FIN; sent data stays unacknowledged
    (#SI ack_waiting) until the stack gives up (net.tcp_give_up_ms)."""
    up(m)
    at(m, "AT#SCFG=1,1,300,0,600,50")  # no maxTo: it would close first (90 s)
    _, conn = dial(m, mode=1)
    conn.half_open()
    at(m, "AT#SSENDEXT=1,5")
    feed(m, b"hello")
    m.run(2)
    take(m)
    assert at(m, "AT#SI=1") == b"\r\n#SI: 1,5,0,0,5\r\n" + OK
    assert conn.received == b""
    m.run(m.net.tcp_give_up_ms / 1000)
    assert at(m, "AT#SS=1") == b"\r\n#SS: 1,0\r\n" + OK
    assert m.net.sockets[1].close_reason == "retransmission"


def test_keepalive_detects_half_open_peer_ref_6_13(m: Module) -> None:
    """§6.13 (keepalive is a dead-peer detector): with #SCFGEXT keepalive 1 min a silent peer
    is found; the online instance gets NO CARRIER."""
    up(m)
    at(m, "AT#SCFG=1,1,300,0,600,50")
    at(m, "AT#SCFGEXT=1,0,0,1")
    _, conn = dial(m)
    conn.half_open()
    m.run(60 + m.net.keepalive_probe_ms / 1000 + 1)
    assert take(m) == b"\r\nNO CARRIER\r\n"
    assert m.net.sockets[1].close_reason == "keepalive"


def test_keepalive_with_live_peer_keeps_socket_ref_6_3(m: Module) -> None:
    """§6.3 keepalive answered by a live peer: the socket stays (maxTo 0)."""
    up(m)
    at(m, "AT#SCFG=1,1,300,0,600,50")
    at(m, "AT#SCFGEXT=1,0,0,1")
    dial(m)
    m.run(600)
    assert m.net.sockets[1].ss_state() == 1


def test_status_reports_sockets_and_contexts_ref_11_J(m: Module) -> None:
    """Control API: status() lists contexts, sockets with states and counters."""
    up(m)
    _, conn = dial(m, mode=1)
    conn.send(b"abc")
    m.run(1)
    st = m.net.status()
    assert st["contexts"] == [{"cid": 1, "state": "active", "ip": "10.20.30.40", "apn": "internet"}]
    s1 = st["sockets"][0]
    assert (s1["state"], s1["received"], s1["buff_in"], s1["remote"]) == (3, 3, 3, ["203.0.113.5", 5000])


def test_sring_line_formats_pure_ref_6_10() -> None:
    """§6.10 SRING shapes as pure logic (srMode 0/1/2, hex view)."""
    assert sring_lines(3, 0, b"abc", 3, True, False) == (["SRING: 3"], 0, False)
    assert sring_lines(3, 0, b"abc", 3, False, False) == ([], 0, False)
    assert sring_lines(2, 1, b"abcdef", 3, True, False) == (["SRING: 2,6"], 0, True)
    assert sring_lines(1, 2, b"hi", 2, True, True) == (["SRING: 1,2,6869"], 2, True)


def test_dialect_script_client_roundtrip_ref_6_6(m: Module) -> None:
    """§6.6 through a dialect script: #SD, send, receive the echo, escape, #SH."""
    srv = m.net.sim.listen(*SRV)
    m.flash.write("main.py", (
        "import MDM\n"
        "import MOD\n"
        "def cmd(c, t):\n"
        "    MDM.send(c + '\\r', 5)\n"
        "    r = ''\n"
        "    n = 0\n"
        "    while n < t:\n"
        "        r = r + MDM.receive(10)\n"
        "        if r.find('OK') != -1 or r.find('ERROR') != -1 or r.find('CONNECT') != -1:\n"
        "            return r\n"
        "        n = n + 1\n"
        "    return r\n"
        "cmd('AT+CGDCONT=1,\"IP\",\"internet\"', 5)\n"
        "cmd('AT#SCFG=1,1,300,90,600,2', 5)\n"
        "cmd('AT#SGACT=1,1', 20)\n"
        "r = cmd('AT#SD=1,0,5000,\"203.0.113.5\"', 20)\n"
        "print('dial ' + r.strip())\n"
        "MOD.sleep(15)\n"
        "MDM.send('ping', 5)\n"
        "e = MDM.receive(50)\n"
        "print('echo ' + e)\n"
        "MOD.sleep(12)\n"
        "MDM.send('+++', 5)\n"
        "r = MDM.receive(30)\n"
        "print('esc ' + r.strip())\n"
        "print('sh ' + cmd('AT#SH=1', 5).strip())\n").encode())
    m.nvm["escript"] = "main.py"
    m.reboot()
    conn = srv.accept_next(30)
    assert conn is not None
    m.run_until(lambda: conn.received == b"ping", 10)
    conn.send(b"pong")
    m.run(20)
    assert m.script_state == "ended", m.trace_text()
    assert m.trace_lines[:4] == ["dial CONNECT", "echo pong", "esc OK", "sh OK"]
    assert conn.eof


def test_reboot_closes_sockets_peer_notices_nothing_ref_6_6(m: Module) -> None:
    """Design (RAM state is lost at every boot): after a reboot every socket is closed and
    the firewall empty; the peer gets no FIN (it only learns by its own timeouts)."""
    up(m)
    _, conn = dial(m)
    at(m, "AT#SL=2,1,3000", inst=2)
    m.reboot()
    assert conn.lost == "reboot" and conn.state == "connected" and not conn.eof
    assert at(m, "AT#SS") == b"\r\n" + b"".join(b"#SS: %d,0\r\n" % i for i in range(1, 7)) + OK
    assert at(m, "AT#SGACT?") == b"\r\n#SGACT: 1,0\r\n" + OK


def test_data_to_closed_socket_is_discarded_ref_6_6(m: Module) -> None:
    """§6.6: after #SH the module reads nothing more from that connection."""
    up(m)
    _, conn = dial(m, mode=1)
    assert at(m, "AT#SH=1") == OK
    conn.send(b"too late") if conn.state == "connected" else None
    m.run(2)
    assert take(m) == b"" and m.net.sockets[1].ss_state() == 0


def _bridge_run(tmp: Path) -> tuple[list[tuple[int, bytes]], list[str]]:
    mod = Module(tmp)
    try:
        srv = mod.net.sim.listen(*SRV)
        mod.flash.write("main.py", (
            "import MDM\n"
            "import MOD\n"
            "MDM.send('AT+CGDCONT=1,\"IP\",\"internet\"\\r', 5)\n"
            "MDM.receive(10)\n"
            "MDM.send('AT#SCFG=1,1,100,90,600,3\\r', 5)\n"
            "MDM.receive(10)\n"
            "MDM.send('AT#SGACT=1,1\\r', 5)\n"
            "r = ''\n"
            "while r.find('OK') == -1:\n"
            "    r = r + MDM.receive(10)\n"
            "MDM.send('AT#SD=1,0,5000,\"203.0.113.5\"\\r', 5)\n"
            "r = ''\n"
            "while r.find('CONNECT') == -1:\n"
            "    r = r + MDM.receive(10)\n"
            "i = 0\n"
            "while i < 40:\n"
            "    MDM.send('line %d of the bridge test\\r\\n' % i, 10)\n"
            "    got = MDM.receive(3)\n"
            "    if got:\n"
            "        print('got ' + got)\n"
            "    i = i + 1\n").encode())
        mod.nvm["escript"] = "main.py"
        mod.power_on()
        conn = srv.accept_next(30)
        for k in range(5):
            mod.run(2)
            conn.send(b"tick %d" % k)
        mod.run(30)
        return list(conn.packets), list(mod.trace_lines)
    finally:
        mod.close()


def test_runs_are_deterministic_under_virtual_time_ref_11_D8(tmp_path: Path) -> None:
    """§11 D8 and the issue: simulated peers, latency and bandwidth are timed events on the
    virtual clock, so two runs give the same packets at the same module times."""
    a = _bridge_run(tmp_path / "a")
    b = _bridge_run(tmp_path / "b")
    assert a == b
    packets, trace = a
    assert len(packets) > 10 and all(len(d) <= 100 for _, d in packets)
    assert [l for l in trace if l.startswith("got ")] == ["got tick %d" % k for k in range(5)]


def test_losses_in_status_ref_11_J(m: Module) -> None:
    """Control API: status() counts what was lost (unread data thrown away by a reset)."""
    up(m)
    _, conn = dial(m, mode=1)
    conn.send(b"unread")
    m.run(1)
    conn.reset()
    m.run(1)
    assert m.net.status()["losses"]["unread_bytes_discarded"] == 6


def test_no_activation_during_csd_call_ref_9(m: Module) -> None:
    """§9 class B: while a CSD call holds the radio, a PDP context cannot come up."""
    at(m, 'AT+CGDCONT=1,"IP","internet"')
    m.net.gprs_suspended = True
    assert at(m, "AT#SGACT=1,1", timeout=10) == b"\r\n+CME ERROR: 555\r\n"
