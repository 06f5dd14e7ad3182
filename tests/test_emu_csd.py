"""Conformance tests for the emulator's CSD data calls (tools/emulator/csd.py).

Each test names the REFERENCE section it follows (../shared/telit/REFERENCE.md §9 CSD data
calls, §5.7 result codes, §6.6-6.8 online mode/escape/DCD/DTR, §2.1 MDM.getRI, §11 G). Details
REFERENCE leaves open follow ATR10 (A, H, S0, &D, \\R, +CRC, +CLIP) and SWUG6 §2.6-2.7.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from emu_helpers import at, feed, take
from tools.emulator import Module

OK = b"\r\nOK\r\n"
RING = b"\r\nRING\r\n"
CLIP = b'\r\n+CLIP: "+15551230002",145,"",128,"",0\r\n'


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = Module(tmp_path)
    mod.power_on()
    yield mod
    mod.close()


def first_ring(m: Module):
    call = m.csd.call("+15551230002")
    m.run(m.csd.first_ring_ms / 1000.0 + 0.01)
    return call


def answered(m: Module, inst: int = 1):
    call = first_ring(m)
    take(m, 1), take(m, 2)
    assert at(m, "ATA", inst, timeout=35) == b"\r\nCONNECT 9600\r\n"
    return call


def escape(m: Module, inst: int) -> bytes:
    m.run(1.1)  # S12 guard (1 s) before ...
    feed(m, "+++", inst)
    m.run(1.2)  # ... and after
    return take(m, inst)


# ------------------------------------------------------------ ringing (§9)
def test_ring_repeats_on_both_instances_ref_9(m: Module) -> None:
    call = first_ring(m)
    assert take(m, 1) == RING and take(m, 2) == RING
    m.run(m.csd.ring_interval_ms / 1000.0 - 0.1)
    assert take(m, 1) == b""
    m.run(0.2)
    assert take(m, 1) == RING and take(m, 2) == RING
    assert call.rings == 2 and call.state == "ringing"


def test_cring_and_clip_follow_instance_settings_ref_9_5_3(m: Module) -> None:
    # ATR10 +CRC: +CRING: <type> instead of RING; +CLIP: after each RING. Per instance.
    assert at(m, "AT+CRC=1", 2) == OK
    assert at(m, "AT+CLIP=1", 2) == OK
    assert at(m, "AT+CLIP=1", 1) == OK
    first_ring(m)
    assert take(m, 2) == b"\r\n+CRING: ASYNC\r\n" + CLIP
    assert take(m, 1) == RING + CLIP
    assert at(m, "AT+CRC?", 2) == b"\r\n+CRC: 1\r\n" + OK
    assert at(m, "AT+CLIP?", 1) == b"\r\n+CLIP: 1,1\r\n" + OK


def test_cring_types_and_withheld_number_ref_9(m: Module) -> None:
    at(m, "AT+CRC=1;+CLIP=1", 1)
    m.csd.call(None, call_type="REL ASYNC")
    m.run(1.1)
    assert take(m, 1) == b'\r\n+CRING: REL ASYNC\r\n\r\n+CLIP: "",128,"",128,"",1\r\n'
    with pytest.raises(ValueError):
        m.csd.call("+1", call_type="DATA")


def test_ring_routing_is_a_setting_ref_12_q8(m: Module) -> None:
    m.csd.ring_to = (2,)  # GTM style: calls handled on MDM2
    first_ring(m)
    assert take(m, 1) == b"" and take(m, 2) == RING
    assert m.instances[1].ri == 0 and m.instances[2].ri == 1


def test_ri_line_while_ringing_ref_2_1_9(m: Module) -> None:
    # ATR10 \R1 (factory): RI on during ringing; MDM.getRI() reads it.
    assert m.instances[1].ri == 0
    call = first_ring(m)
    assert m.instances[1].ri == 1 and m.instances[2].ri == 1
    take(m, 1)
    assert at(m, "ATA", 1, timeout=35) == b"\r\nCONNECT 9600\r\n"
    assert m.instances[1].ri == 0
    call.hangup()


def test_ri_r0_stays_during_connection_and_r2_pulses_ref_9(m: Module) -> None:
    at(m, "AT\\R0", 1)
    at(m, "AT\\R2", 2)
    call = first_ring(m)
    assert m.instances[1].ri == 1 and m.instances[2].ri == 1
    m.run(1.0)
    assert m.instances[2].ri == 0  # \R2: a pulse per ring
    take(m, 1)
    assert at(m, "ATA", 1, timeout=35) == b"\r\nCONNECT 9600\r\n"
    assert m.instances[1].ri == 1  # \R0: on during the connection too
    call.hangup()
    m.run(0.1)
    assert m.instances[1].ri == 0


def test_missed_call_just_stops_ringing_ref_9(m: Module) -> None:
    call = m.csd.call("+15551230002", max_rings=3)
    m.run(30)
    assert take(m, 1) == RING * 3  # no NO CARRIER
    assert call.state == "ended" and call.end_reason == "missed"
    assert m.instances[1].ri == 0
    assert m.csd.current is None


def test_caller_gives_up_early_ref_9(m: Module) -> None:
    call = first_ring(m)
    call.hangup()
    m.run(10)
    assert take(m, 1) == RING
    assert call.end_reason == "missed"


# ------------------------------------------------------------ answering (§9)
def test_ata_connect_9600_after_handshake_ref_9_5_7(m: Module) -> None:
    call = first_ring(m)
    take(m, 1)
    feed(m, "ATA\r", 1)
    m.run(m.csd.connect_delay_ms / 1000.0 - 0.1)
    assert take(m, 1) == b"" and call.state == "connecting"
    m.run(0.2)
    assert take(m, 1) == b"\r\nCONNECT 9600\r\n"
    assert call.state == "active" and call.owner is m.instances[1]
    assert m.instances[1].is_online() and m.instances[1].dcd() == 1
    assert m.instances[2].dcd() == 0  # DCD is the answering instance's (&C1, §6.8)


def test_handshake_about_30_s_bounded_by_s7_swug6_2_6_2(m: Module) -> None:
    # SWUG6 §2.6.2 (p.46): the handshake "takes about 30 seconds"; ATR10 S7 (p.76): the time
    # allowed between answering and the connection, default 60 s.
    assert m.csd.connect_delay_ms == 30000
    assert at(m, "ATS7?") == b"\r\n060\r\n" + OK
    m.csd.connect_delay_ms = 45000              # a slow handshake still within S7
    call = first_ring(m)
    take(m, 1)
    feed(m, "ATA\r", 1)
    m.run(44.8)
    assert take(m, 1) == b"" and call.state == "connecting"
    m.run(0.4)
    assert take(m, 1) == b"\r\nCONNECT 9600\r\n" and call.state == "active"


def test_handshake_longer_than_s7_ends_in_no_carrier_ref_s7(m: Module) -> None:
    assert at(m, "ATS7=20") == OK
    call = first_ring(m)
    take(m, 1)
    feed(m, "ATA\r", 1)
    m.run(19.8)
    assert take(m, 1) == b""
    m.run(0.4)
    assert take(m, 1) == b"\r\nNO CARRIER\r\n"
    assert call.state == "ended" and not m.instances[1].is_online()


def test_connect_text_follows_call_rate_ref_5_7(m: Module) -> None:
    m.csd.call("+1", rate=14400)
    m.run(1.1)
    take(m, 1)
    assert at(m, "ATA", 1, timeout=35) == b"\r\nCONNECT 14400\r\n"


def test_ata_without_call_ref_9(m: Module) -> None:
    assert at(m, "ATA") == b"\r\nNO CARRIER\r\n"
    assert at(m, "ATH") == OK


def test_caller_hangs_up_during_handshake_ref_9(m: Module) -> None:
    call = first_ring(m)
    take(m, 1)
    feed(m, "ATA\r", 1)
    m.run(1)
    call.hangup()
    m.run(0.1)
    assert take(m, 1) == b"\r\nNO CARRIER\r\n"
    assert call.end_reason == "remote" and not m.instances[1].is_online()
    assert at(m, "AT") == OK


def test_ats0_auto_answers_after_n_rings_ref_9(m: Module) -> None:
    assert at(m, "ATS0=2", 2) == OK
    call = m.csd.call("+15551230002")
    m.run(1.1 + 5)  # two rings
    assert take(m, 2) == RING * 2
    assert call.state == "connecting" and call.owner is m.instances[2]
    m.run(m.csd.connect_delay_ms / 1000.0 + 0.1)
    assert take(m, 2) == b"\r\nCONNECT 9600\r\n"
    assert m.instances[2].is_online()
    assert take(m, 1) == RING * 2  # MDM (S0=0) just saw it ring


def test_ats0_not_while_instance_online_ref_9(m: Module) -> None:
    # ATR10 S0: "Automatically answer is not enabled if current instance is in online mode".
    class Link:
        kind, only_ath, connected, owner = "gprs", False, True, None

        def attach(self, inst): ...
        def write(self, data): return len(data)
        def escaped(self, inst): ...
        def hangup_local(self): ...
        def room_available(self): ...

    at(m, "ATS0=1", 1)
    with m.kernel.lock:
        m.instances[1].go_online(Link())
    call = m.csd.call("+15551230002", max_rings=3)
    m.run(15)
    assert call.end_reason == "missed"
    assert take(m, 1) == b""  # and no RING inside the data stream
    assert take(m, 2) == RING * 3


def test_ats0_inhibited_by_d2_and_dtr_low_ref_9(m: Module) -> None:
    # ATR10 &D: with &D2 and DTR low auto-answer is inhibited; only ATA answers.
    at(m, "ATS0=1;&D2", 1)
    with m.kernel.lock:
        m.instances[1].set_dtr(0)
    call = m.csd.call("+15551230002")
    m.run(7)
    assert call.state == "ringing"
    take(m, 1)
    assert at(m, "ATA", 1, timeout=35) == b"\r\nCONNECT 9600\r\n"


def test_second_call_while_busy_ref_9(m: Module) -> None:
    first = answered(m)
    second = m.csd.call("+15559999999")
    assert second.state == "ended" and second.end_reason == "busy"
    assert first.state == "active"


def test_no_call_when_not_registered_ref_9(m: Module) -> None:
    m.radio.reg = 0
    call = m.csd.call("+1")
    m.run(10)
    assert call.end_reason == "unreachable" and take(m, 1) == b""


# ------------------------------------------------------------ data (§9, §6.6)
def test_data_both_ways_exact_bytes_ref_9_6_6(m: Module) -> None:
    call = answered(m, 2)
    payload = bytes(range(256))
    call.send(payload)
    m.run(1)
    assert take(m, 2) == payload
    feed(m, b"\x00\xff\r\n+ATH\r\nOK", 2)
    m.run(1)
    assert bytes(call.received) == b"\x00\xff\r\n+ATH\r\nOK"  # online: no command parsing


def test_data_paced_at_call_rate_ref_9(m: Module) -> None:
    # 9600 bit/s asynchronous: about 960 characters a second each way.
    call = answered(m)
    call.send(b"x" * 2000)
    m.run(1)
    got = len(take(m, 1))
    assert 900 <= got <= 1000
    feed(m, "y" * 1500, 1)
    m.run(1)
    assert 900 <= len(call.received) <= 1000
    m.run(1)
    assert len(call.received) == 1500
    t0, _ = call.chunks[0]
    t1, _ = call.chunks[-1]
    assert 1400 <= t1 - t0 <= 1700


def test_flow_control_towards_caller_ref_9_10_3(m: Module) -> None:
    # The module buffers tx_buffer bytes for the caller; beyond it MDM.send waits (the instance's
    # 4096-byte input holds the rest) and nothing is lost.
    call = answered(m)
    data = bytes(i % 251 for i in range(6000))
    taken = 0
    while taken < len(data):
        taken += feed(m, data[taken:], 1)
        m.run(0.5)
    m.run(8)
    assert bytes(call.received) == data


def test_escape_then_only_ath_ref_9(m: Module) -> None:
    call = answered(m)
    assert escape(m, 1) == OK
    assert call.state == "active" and m.instances[1].dcd() == 1  # suspended, not closed
    assert at(m, "AT+CSQ") == b"\r\nERROR\r\n"  # SWUG6 §2.6.3.1: only ATH after the escape
    assert at(m, "ATO") == b"\r\nERROR\r\n"
    assert at(m, "ATH") == b"\r\nNO CARRIER\r\n"  # SWUG6 §2.6.3.2
    assert call.state == "ended" and call.end_reason == "local"
    assert m.instances[1].dcd() == 0
    assert at(m, "AT+CSQ").endswith(OK)  # commands work again


def test_remote_hangup_while_online_ref_9_6_6(m: Module) -> None:
    call = answered(m)
    call.send(b"bye")
    m.run(0.5)
    call.hangup()
    m.run(0.1)
    assert take(m, 1) == b"bye\r\nNO CARRIER\r\n"
    assert m.instances[1].dcd() == 0 and not m.instances[1].is_online()
    assert call.end_reason == "remote"
    assert at(m, "AT") == OK


def test_remote_hangup_after_escape_ref_9(m: Module) -> None:
    call = answered(m)
    assert escape(m, 1) == OK
    call.hangup()
    m.run(0.1)
    assert take(m, 1) == b"\r\nNO CARRIER\r\n"
    assert at(m, "AT+CSQ").endswith(OK)


def test_data_from_caller_waits_while_escaped_ref_6_6(m: Module) -> None:
    call = answered(m)
    assert escape(m, 1) == OK
    call.send(b"kept")
    m.run(1)
    assert take(m, 1) == b""
    assert at(m, "ATH") == b"\r\nNO CARRIER\r\n"


def test_dtr_d2_hangs_up_d1_escapes_ref_6_8(m: Module) -> None:
    call = answered(m)
    at_inst = m.instances[1]
    at_inst.settings["&D"] = 2
    with m.kernel.lock:
        at_inst.set_dtr(0)
    m.run(0.1)
    assert take(m, 1) == b"\r\nNO CARRIER\r\n" and call.end_reason == "local"
    with m.kernel.lock:
        at_inst.set_dtr(1)
    call = answered(m)
    at_inst.settings["&D"] = 1
    with m.kernel.lock:
        at_inst.set_dtr(0)
    m.run(0.1)
    assert take(m, 1) == OK and call.state == "active"
    assert at(m, "ATH") == b"\r\nNO CARRIER\r\n"


def test_ath_rejects_ringing_call_ref_9(m: Module) -> None:
    call = first_ring(m)
    take(m, 1)
    assert at(m, "ATH") == OK
    assert call.end_reason == "rejected"
    m.run(10)
    assert take(m, 1) == b"" and take(m, 2) == RING


def test_reboot_drops_the_call_ref_9(m: Module) -> None:
    call = answered(m)
    m.reboot()
    assert call.state == "ended" and call.end_reason == "reboot"
    assert m.csd.current is None
    assert at(m, "AT") == OK


# ------------------------------------------------------------- class B (§9)
def test_class_b_suspends_gprs_during_call_ref_9(m: Module) -> None:
    net = getattr(m, "net", None)
    if net is None:  # the network part is built in parallel: a stand-in with the same flag
        m.net = net = SimpleNamespace(gprs_suspended=False)
    call = first_ring(m)
    assert net.gprs_suspended is False  # paging alone does not stop GPRS
    take(m, 1)
    feed(m, "ATA\r", 1)
    m.run(0.1)
    assert net.gprs_suspended is True
    m.run(6)
    call.hangup()
    m.run(0.1)
    assert net.gprs_suspended is False


# ------------------------------------------------------------- a dialect script
SCRIPT = r"""
import MDM2
import MOD

def wait_for(token, secs):
    buf = ''
    t = MOD.secCounter() + secs
    while MOD.secCounter() < t:
        buf = buf + MDM2.receive(5)
        if buf.find(token) != -1:
            return buf
    return buf

print('waiting')
while MDM2.getRI() == 0:
    MOD.sleep(5)
print('ringing')
MDM2.send('ATA\r', 5)
if wait_for('CONNECT', 100).find('CONNECT 9600') == -1:
    print('no connect')
else:
    print('online')
    while MDM2.getDCD() == 1:
        data = MDM2.receive(5)
        if data:
            if data.find('NO CARRIER') != -1:
                break
            MDM2.send('echo:' + data, 5)
    print('carrier lost')
"""


def test_dialect_script_answers_on_mdm2_and_echoes_ref_9_2_2(m: Module) -> None:
    # GTM's pattern (REFERENCE §2.2): poll MDM2.getRI(), answer with ATA on MDM2, move data with
    # MDM2.send/receive, stop when DCD drops.
    m.flash.write("main.py", SCRIPT.encode())
    m.nvm["escript"] = "main.py"
    m.reboot()
    assert m.run_until(lambda: "waiting" in m.trace_lines, 5)
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: "online" in m.trace_lines, 45), m.trace_text()
    call.send(b"ping")
    assert m.run_until(lambda: bytes(call.received) == b"echo:ping", 5), bytes(call.received)
    call.hangup()
    assert m.run_until(lambda: "carrier lost" in m.trace_lines, 5), m.trace_text()
    assert m.script_state == "ended"


# --------------------------------------------------- a real peer on loopback TCP
def test_real_tcp_caller_on_loopback_ref_9_11_k(tmp_path: Path) -> None:
    import socket

    m = Module(tmp_path, virtual=False)
    m.power_on()
    try:
        m.csd.first_ring_ms = 50
        m.csd.connect_delay_ms = 200
        peer = m.csd.tcp_caller(0)
        client = socket.create_connection(("127.0.0.1", peer.port), timeout=5)
        assert m.run_until(lambda: m.instances[1].out.data.endswith(RING), 3)
        take(m, 1)
        assert at(m, "ATA", 1, timeout=3) == b"\r\nCONNECT 9600\r\n"
        client.sendall(b"from the far modem")
        got = bytearray()
        assert m.run_until(lambda: got.extend(take(m, 1)) or bytes(got) == b"from the far modem", 3)
        feed(m, b"to the far modem", 1)
        client.settimeout(3)
        data = b""
        while len(data) < 16:
            data += client.recv(100)
        assert data == b"to the far modem"
        client.close()  # the caller hangs up
        assert m.run_until(lambda: m.instances[1].out.data.endswith(b"\r\nNO CARRIER\r\n"), 3)
        assert peer.calls[0].end_reason == "remote"
        # and the other way round: ATH closes the TCP connection
        client = socket.create_connection(("127.0.0.1", peer.port), timeout=5)
        assert m.run_until(lambda: m.csd.current is not None and m.csd.current.rings > 0, 3)
        take(m, 1)
        assert at(m, "ATA", 1, timeout=3) == b"\r\nCONNECT 9600\r\n"
        assert escape(m, 1) == OK
        assert at(m, "ATH", 1, timeout=3) == b"\r\nNO CARRIER\r\n"
        client.settimeout(3)
        rest = b""
        while True:
            chunk = client.recv(100)
            if not chunk:
                break  # closed by the module's hang-up
            rest += chunk
        assert rest == b"+++"  # #SKIPESC=0 (factory): the escape reaches the peer (§6.7)
        client.close()
    finally:
        m.close()


def test_script_is_in_the_dialect() -> None:
    # The test scripts are on-module code: the project's dialect checker must accept them.
    from tools.dialect import check_source

    assert check_source(SCRIPT, "main.py") == []
