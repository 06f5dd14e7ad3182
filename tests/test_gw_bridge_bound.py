"""The bridge sends only what surely fits (bridge.py header, docs/gateway-runtime.md "How
full the buffers are"): an upper bound on SER's TX buffer from the line rate, on MDM's
input buffer from AT#SI (a socket) or the call's rate (CSD).  Run under the `prefix`
variants (docs/emulator-fidelity.md), where a send that meets a full buffer takes part of
the string and still returns -1: every byte must arrive exactly once, and no send may
return -1 at all (the bound is an upper bound).  Virtual clock."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gw_helpers import fast_boots, new_module, old_firmware, received, ser_send, sms, start, state, wait_state
from tools.emulator import Module, variants

SERVER = ("203.0.113.5", 5000)


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_boots(monkeypatch)


def up(tmp_path: Path, old: bool = False, **var: str) -> Module:
    m = new_module(tmp_path)
    if old:
        old_firmware(m)     # the online bridge (MDM's bound is about it)
    variants.apply(m, var)
    start(m, "listening")
    return m


def bridge(m: Module) -> Any:
    return m.script_run.modules["bridge"]  # type: ignore[attr-defined]


def record_sends(m: Module, name: str) -> list[int]:
    """Every return value of SER.send or MDM.send (name) from now on."""
    mod = m.script_run.modules[name]
    real = mod.send
    out: list[int] = []

    def send(*a: Any) -> int:
        r = real(*a)
        out.append(r)
        return r

    mod.send = send
    return out


def serial(m: Module, baud: str, fmt: str) -> None:
    assert sms(m, "connect baud " + baud) == ["Confirmed: baud " + baud]
    assert sms(m, "connect charformat " + fmt.lower())[0].startswith("Confirmed: charformat " + fmt)
    m.serial.dte.configure(baud, fmt)


def client_up(tmp_path: Path) -> tuple[Module, Any]:
    """The online bridge (old firmware, MDM "prefix" sends) as a 115200 bd 8N1 client of
    SERVER, connected; the server's side of the connection."""
    m = up(tmp_path, old=True, mdm_send="prefix")
    srv = m.net.sim.listen(*SERVER)
    serial(m, "115200", "8N1")
    assert sms(m, "connect mode client 203.0.113.5 5000 maintain")[0].startswith("Confirmed")
    conn = srv.accept_next(30)
    assert conn is not None and wait_state(m, "connected", 10)
    return m, conn


def peer_up(tmp_path: Path, baud: str, fmt: str, rate: int) -> tuple[Module, Any, list[int]]:
    """The listening gateway (SER "prefix" sends) at ``baud`` ``fmt``, its bound ``rate``
    bytes a second, a peer connected: the module, the peer, SER.send's returns from now on."""
    m = up(tmp_path, ser_send="prefix")
    serial(m, baud, fmt)
    assert bridge(m).rate == rate
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    return m, c, record_sends(m, "SER")


def test_ser_bound_at_300_bd_8n2(tmp_path: Path) -> None:
    # 300 bd 8N2: 11 bits a character, 27.3 bytes a second.  6000 bytes from the peer
    # fill SER's 4096-byte buffer and then go at the line's pace, each exactly once.
    m, c, rets = peer_up(tmp_path, "300", "8N2", 27)
    data = bytes((i * 7 + 1) % 256 for i in range(6000))
    c.send(data)
    t0 = m.kernel.now()
    assert m.run_until(lambda: received(m) == data, 300), len(received(m))
    took = (m.kernel.now() - t0) / 1000
    # the line needs 220 s: the buffer never ran dry on the bound's account
    assert 219 < took < 225, took
    assert -1 not in rets and len(rets) > 50, rets
    m.close()


def test_ser_bound_at_115200_keeps_up_with_the_downlink(tmp_path: Path) -> None:
    # 60 KB from the peer towards a 115200-baud device: GPRS down (57.6 kbit/s, about
    # 7 KB/s) is the limit, not the bound.
    m, c, rets = peer_up(tmp_path, "115200", "8N1", 11520)
    data = bytes((i * 13 + 5) % 256 for i in range(60000))
    t0 = m.kernel.now()
    c.send(data)
    assert m.run_until(lambda: received(m) == data, 60), len(received(m))
    rate = len(data) / ((m.kernel.now() - t0) / 1000)
    assert rate > 6000, rate
    assert -1 not in rets
    m.close()


def test_mdm_bound_from_si_while_the_uplink_stalls(tmp_path: Path) -> None:
    # Client, 115200 bd: 30 KB from the device; the radio stops taking bytes for 6 s in
    # the middle (as a closed TCP window would).  MDM's bound comes only from AT#SI, asked
    # at most once a second and only while a piece may not fit.
    m, conn = client_up(tmp_path)
    rets = record_sends(m, "MDM")
    data = bytes((i * 31 + 7) % 256 for i in range(30000))
    t0 = m.kernel.now()
    ser_send(m, data)
    m.run(2)
    m.net.gprs_suspended = True
    m.run(6)
    assert len(conn.received) < 12000
    m.net.gprs_suspended = False
    assert conn.wait(lambda c: c.received == data, 60), len(conn.received)
    took = (m.kernel.now() - t0) / 1000
    asked = [t for (t, i, line) in m.at_log if line == "AT#SI=1" and t >= t0]
    assert 3 <= len(asked) <= took + 1, (len(asked), took)
    seconds = [t // 1000 for t in asked]
    assert len(set(seconds)) == len(seconds)         # once a second at most
    assert -1 not in rets
    assert m.serial.lost_rx == 0
    # uplink 28.8 kbit/s, about 3.1 KB/s: 30 KB in about 10 s, plus the 6 s stall
    assert took < 22, took
    m.close()


def test_mdm_bound_on_a_csd_call(tmp_path: Path) -> None:
    # A CSD call takes MDM's bytes at 9600 bit/s: 12000 bytes from a 115200-baud device
    # wait in the bridge, the device held with CTS, and reach the caller exactly once;
    # no AT#SI (there is no socket).
    m = up(tmp_path, mdm_send="prefix")
    serial(m, "115200", "8N1")
    assert sms(m, "connect dialin on") == ["Confirmed: dialin on, CSD data calls are answered"]
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: state(m) == "csd" and call.state == "active", 120)
    assert bridge(m).csd == 960                         # CONNECT 9600
    rets = record_sends(m, "MDM")
    n0 = len(m.at_log)
    data = bytes((i * 11 + 3) % 256 for i in range(12000))
    ser_send(m, data)
    assert m.run_until(lambda: bytes(call.received) == data, 30), len(call.received)
    assert -1 not in rets
    assert not [x for x in m.at_log[n0:] if x[2].startswith("AT#SI")]
    assert m.serial.lost_rx == 0
    m.close()


def test_mdm_bound_follows_the_rate_of_a_slow_call(tmp_path: Path) -> None:
    # CONNECT 2400 (ATR10 3.2.3): the link takes 240 bytes a second, and so does the
    # bound; 6000 bytes from the device reach the caller exactly once, at that pace.
    m = up(tmp_path, mdm_send="prefix")
    assert sms(m, "connect dialin on") == ["Confirmed: dialin on, CSD data calls are answered"]
    call = m.csd.call("+15551230002", rate=2400)
    assert m.run_until(lambda: state(m) == "csd" and call.state == "active", 120)
    assert bridge(m).csd == 240
    rets = record_sends(m, "MDM")
    data = bytes((i * 5 + 1) % 256 for i in range(6000))
    t0 = m.kernel.now()
    ser_send(m, data)
    assert m.run_until(lambda: bytes(call.received) == data, 60), len(call.received)
    took = (m.kernel.now() - t0) / 1000
    assert 6000 / 240 - 1 < took < 6000 / 240 * 1.25, took
    assert -1 not in rets
    m.close()


def test_ser_bound_carries_over_to_the_next_connection(tmp_path: Path) -> None:
    # 1200 bd: 120 bytes a second.  A peer sends 3000 bytes and closes: they sit in SER's
    # buffer when the next peer connects at once and sends 3000 more, which go only as
    # the line drains.  After a minute of silence the bound is back at 0: a third peer's
    # 3000 bytes go as they come (one SER.send per read), not 12 bytes a wait.
    m = up(tmp_path, ser_send="prefix")
    serial(m, "1200", "8N1")
    assert bridge(m).rate == 120
    mod = m.script_run.modules["SER"]
    real = mod.send
    sends: list[tuple[int, int]] = []

    def send(data: Any) -> int:
        r = real(data)
        sends.append((len(data), r))
        return r

    mod.send = send
    one = bytes((i * 3 + 1) % 256 for i in range(3000))
    two = bytes((i * 5 + 2) % 256 for i in range(3000))
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    c.send(one)
    c.close()
    assert m.run_until(lambda: state(m) == "listening", 20)
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    c.send(two)
    assert m.run_until(lambda: received(m) == one + two, 80), len(received(m))
    assert all(r == 1 for (n, r) in sends), sends
    c.close()
    assert m.run_until(lambda: state(m) == "listening", 20)
    m.run(60)
    del sends[:]
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert m.run_until(lambda: state(m) == "connected" and c.state == "connected", 10)
    c.send(two)
    assert m.run_until(lambda: received(m) == one + two + two, 60), len(received(m))
    assert len(sends) <= 3 and all(r == 1 for (n, r) in sends), sends[:5]
    m.close()


def test_mdm_bound_reads_sent_past_nine_digits(tmp_path: Path) -> None:
    # A socket that has carried almost 10^9 bytes: <sent> grows to 10 digits during the
    # transfer and is read by its last 9 (ints stay in 32 bits on the module).  The first
    # answer, far above what the bound holds, only sets the base.
    m, conn = client_up(tmp_path)
    m.net.sockets[1].sent += 10 ** 9 - 9000
    rets = record_sends(m, "MDM")
    data = bytes((i * 29 + 3) % 256 for i in range(20000))
    ser_send(m, data)
    assert conn.wait(lambda c: c.received == data, 30), len(conn.received)
    assert m.net.sockets[1].sent > 10 ** 9
    assert -1 not in rets and m.serial.lost_rx == 0
    m.close()
