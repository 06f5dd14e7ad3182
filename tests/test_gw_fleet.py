"""Fleet features on the emulated module (issue 9): the identity packet (client, server,
CSD, binary), the per-frame identity, the heartbeat (every N s of silence, never inside
a device frame), backup servers with failover and return, reboot and reset by SMS, and
the sender allow-list.  Exact bytes at the peers, replies, and the configuration on
flash."""
from __future__ import annotations

from pathlib import Path

import pytest

from gw_helpers import (PHONE, boot, config_on_flash, gw, received, ser_send, silent, sms,
                        state, wait_state)
from tools.emulator import Module

SERVER = ("203.0.113.5", 5000)
BACKUP = ("198.51.100.20", 6000)
IMEI = b"356000000000001"
ICCID = b"89014103211118510720"


@pytest.fixture
def m(tmp_path: Path) -> Module:
    mod = boot(tmp_path)
    yield mod
    mod.close()


def client(m: Module, extra: str = "maintain") -> None:
    assert sms(m, "connect mode client %s %d %s" % (SERVER[0], SERVER[1], extra))[0].startswith(
        "Confirmed: mode client")


# ---- identity ---------------------------------------------------------------------------------

def test_identity_first_in_client_mode_then_the_device_bytes(m: Module) -> None:
    assert sms(m, "connect name pump-7") == ["Confirmed: name pump-7"]
    assert sms(m, "connect identity ID:%ID,%IMEI,%CCID%0D%0A") == [
        "Confirmed: identity ID:%ID,%IMEI,%CCID%0D%0A, sent first on each connection"]
    srv = m.net.sim.listen(*SERVER)
    client(m, "")                                           # on demand
    ser_send(m, b"first bytes")
    conn = srv.accept_next(20)
    ident = b"ID:pump-7," + IMEI + b"," + ICCID + b"\r\n"
    assert conn.wait(lambda c: c.received == ident + b"first bytes", 10), conn.received
    # the identity again on the next connection, before that one's first byte
    conn.close()
    assert wait_state(m, "idle", 20)
    ser_send(m, b"second")
    conn2 = srv.accept_next(20)
    assert conn2.wait(lambda c: c.received == ident + b"second", 10), conn2.received


def test_identity_first_in_server_mode_before_the_peer_says_anything(m: Module) -> None:
    assert sms(m, "connect identity unit %ID") == [
        "Confirmed: identity unit %ID, sent first on each connection"]
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert c.wait(lambda c: c.received == b"unit " + IMEI, 10), c.received   # %ID: no name: IMEI
    ser_send(m, b"data")
    assert c.wait(lambda c: c.received == b"unit " + IMEI + b"data", 10)
    assert c.packets[0][1] == b"unit " + IMEI           # its own packet: the device was silent


def test_binary_identity_is_byte_exact(m: Module) -> None:
    assert sms(m, "connect identity %00%FF%7e%25%0d")[0].startswith("Confirmed: identity")
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert c.wait(lambda c: c.received == b"\x00\xff~%\r", 10), c.received


def test_identity_on_a_csd_call(m: Module) -> None:
    sms(m, "connect dialin on")
    sms(m, "connect identity CSD:%ID")
    call = m.csd.call("+15551230002")
    assert m.run_until(lambda: state(m) == "csd" and bytes(call.received) == b"CSD:" + IMEI, 45)
    ser_send(m, b" device")
    assert m.run_until(lambda: bytes(call.received) == b"CSD:" + IMEI + b" device", 10)


def test_identity_every_frame(m: Module) -> None:
    sms(m, "connect socketting 300 5 0")                    # send timeout 0.5 s: quiet 2 s
    sms(m, "connect identity every <U1>")
    c = m.net.sim.connect("198.51.100.7", 1024)
    assert c.wait(lambda c: c.received == b"<U1>", 10)
    m.run(5)
    for frame in (b"alpha", b"beta", b"gamma"):
        ser_send(m, frame)
        m.run(5)                                            # a pause ends the frame
    assert c.received == b"<U1><U1>alpha<U1>beta<U1>gamma"


@pytest.mark.parametrize("text,reply", [
    ("connect identity", "Error: use identity <text>, identity every <text> or identity off"),
    ("connect identity every", "Error: use identity <text>, identity every <text> or identity off"),
    ("connect identity a%4", "Error: identity text must be up to 100 printable characters, "
                              "escapes %IMEI %CCID %ID %KEY %HH (hex), no +++"),
    ("connect identity +++", "Error: identity text must be up to 100 printable characters, "
                             "escapes %IMEI %CCID %ID %KEY %HH (hex), no +++"),
    ("connect identity %2B%2b+", "Error: identity text must be up to 100 printable characters, "
                                 "escapes %IMEI %CCID %ID %KEY %HH (hex), no +++"),
    ("connect identity " + "x" * 101, "Error: identity text must be up to 100 printable "
                                      "characters, escapes %IMEI %CCID %ID %KEY %HH (hex), no +++"),
])
def test_identity_refused_changes_nothing(m: Module, text: str, reply: str) -> None:
    before = config_on_flash(m)
    assert sms(m, text) == [reply]
    assert config_on_flash(m) == before


# ---- key (the unit's secret for the fleet server) ---------------------------------------------

def test_key_goes_where_the_identity_has_key_and_never_into_a_reply(m: Module) -> None:
    secret = "Xk4mQ9pL2v"
    assert sms(m, "connect key " + secret) == ["Confirmed: key set"]
    assert config_on_flash(m)["key"] == secret                          # kept on the flash
    assert sms(m, "connect identity pump3:%KEY%0D%0A") == [
        "Confirmed: identity pump3:%KEY%0D%0A, sent first on each connection"]
    config = sms(m, "connect config", replies=2)                        # two pages
    assert config[0].startswith("Config 1/2") and config[1].startswith("Config 2/2")
    assert any("key set" in r for r in config) and not any(secret in r for r in config)
    srv = m.net.sim.listen(*SERVER)
    client(m)
    conn = srv.accept_next(20)
    assert conn.wait(lambda c: c.received == b"pump3:" + secret.encode() + b"\r\n", 10), conn.received
    ser_send(m, b"device")
    assert conn.wait(lambda c: c.received.endswith(b"\r\ndevice"), 10)
    # changed while connected: the reply says it is for the next connection; no echo
    assert sms(m, "connect key NewKey2026") == ["Confirmed: key set (applies to new connections)"]
    assert sms(m, "connect key bad_key!") == ["Error: key must be 8-32 letters and digits, or key off"]
    conn.close()
    conn2 = srv.accept_next(30)
    assert conn2.wait(lambda c: c.received == b"pump3:NewKey2026\r\n", 10), conn2.received
    # the key survives a reboot, and 'key off' sends the identity without it
    assert sms(m, "connect reboot")[0].startswith("Confirmed: reboot")
    assert wait_state(m, "dialing", 60) or wait_state(m, "connected", 60)
    assert config_on_flash(m)["key"] == "NewKey2026"
    assert sms(m, "connect key off")[0].startswith("Confirmed: key off")
    assert "key" not in config_on_flash(m)


# ---- heartbeat --------------------------------------------------------------------------------

def test_heartbeat_every_n_seconds_while_the_device_is_silent(m: Module) -> None:
    assert sms(m, "connect heartbeat 30 HB%0A") == [
        "Confirmed: heartbeat HB%0A after 30 s without a byte to the network"]
    srv = m.net.sim.listen(*SERVER)
    client(m)
    conn = srv.accept_next(20)
    t0 = m.kernel.now()
    m.run(305)
    beats = [(t - t0) / 1000 for (t, data) in conn.packets]
    assert [d for (_, d) in conn.packets] == [b"HB\n"] * 10, conn.packets
    gaps = [b - a for a, b in zip(beats, beats[1:])]
    assert all(29 <= g <= 33 for g in gaps), gaps
    assert received(m) == b""                               # nothing to the device


def test_no_heartbeat_while_the_device_talks(m: Module) -> None:
    sms(m, "connect heartbeat 20 HB")
    srv = m.net.sim.listen(*SERVER)
    client(m)
    conn = srv.accept_next(20)
    for i in range(20):
        ser_send(m, b"m%02d;" % i)
        m.run(10)
    assert conn.received == b"".join(b"m%02d;" % i for i in range(20))


def test_a_heartbeat_never_splits_a_device_frame(m: Module) -> None:
    # Send timeout 2 s: a frame is bytes with gaps under 2 s.  The device sends frames of
    # 12 bytes one byte every 1.5 s (18 s a frame), then pauses 5-25 s; the heartbeat is
    # due after 10 s of silence towards the network.
    sms(m, "connect socketting 300 20 0")
    sms(m, "connect heartbeat 10 <HB>")
    srv = m.net.sim.listen(*SERVER)
    client(m)
    conn = srv.accept_next(20)
    frames = []
    for k in range(12):
        frame = b"[%02d-%s]" % (k, b"abcdefg"[: k % 7 + 1])
        frames.append(frame)
        for i in range(len(frame)):
            ser_send(m, frame[i:i + 1])
            m.run(1.5)
        m.run(5 + 2 * (k % 11))
    got = conn.received
    assert got.replace(b"<HB>", b"") == b"".join(frames)
    for f in frames:
        assert f in got                                     # never a heartbeat inside
    assert got.count(b"<HB>") >= 5
    # the frame before a heartbeat had gone as packets of its own: a heartbeat starts its
    # packet (the next frame may join it, after it)
    assert all(d.find(b"<HB>") in (-1, 0) for (_, d) in conn.packets), conn.packets


def test_heartbeat_refused_and_off(m: Module) -> None:
    use = "Error: use heartbeat <10-3600 s> <text> or heartbeat off"
    assert sms(m, "connect heartbeat 5 x") == [use]
    assert sms(m, "connect heartbeat 3601 x") == [use]
    assert sms(m, "connect heartbeat 60") == [use]
    assert sms(m, "connect heartbeat 60 a%zz")[0].startswith("Error: heartbeat text must be")
    assert sms(m, "connect heartbeat off") == ["Confirmed: heartbeat off (unchanged)"]
    assert sms(m, "connect heartbeat 60 ping") == [
        "Confirmed: heartbeat ping after 60 s without a byte to the network"]
    assert config_on_flash(m)["hbtext"] == "ping" and config_on_flash(m)["hbsecs"] == "60"


def test_heartbeat_changed_during_a_connection_applies_at_once(m: Module) -> None:
    srv = m.net.sim.listen(*SERVER)
    client(m)
    conn = srv.accept_next(20)
    assert sms(m, "connect heartbeat 15 hb") == [
        "Confirmed: heartbeat hb after 15 s without a byte to the network"]
    m.run(40)
    assert conn.received.count(b"hb") >= 2 and state(m) == "connected"


# ---- backup server ----------------------------------------------------------------------------

def test_failover_to_the_backup_and_back_to_the_primary(m: Module) -> None:
    m.net.sim.add_host(SERVER[0])                           # primary: refused
    bsrv = m.net.sim.listen(*BACKUP)
    assert sms(m, "connect heartbeat 60 hb") != []
    assert sms(m, "connect mode client %s %d %s %d maintain" % (SERVER + BACKUP)) == [
        "Confirmed: mode client, server 203.0.113.5 port 5000, backup 198.51.100.20 port "
        "6000, always connected"]
    bconn = bsrv.accept_next(120)
    assert bconn is not None and wait_state(m, "connected", 10)
    dials = [line for (_, _, line) in m.at_log if line.startswith("AT#SD=")]
    assert dials[:3] == ['AT#SD=1,0,5000,"203.0.113.5",255,0,1'] * 3   # command mode
    assert dials[3] == 'AT#SD=1,0,6000,"198.51.100.20",255,0,1'
    st = sms(m, "connect status")[0]
    assert st.startswith("Status: connected 198.51.100.20:6000, server backup, signal 17")
    ser_send(m, b"to the backup")
    assert bconn.wait(lambda c: c.received.endswith(b"to the backup"), 10)
    # the primary comes back; the working backup connection is kept until it ends
    psrv = m.net.sim.listen(*SERVER)
    m.run(1900)
    assert state(m) == "connected" and psrv.connections == []
    bconn.close()                                           # after BACK_AFTER: the primary
    pconn = psrv.accept_next(60)
    assert pconn is not None and wait_state(m, "connected", 10)
    assert sms(m, "connect status")[0].startswith(
        "Status: connected 203.0.113.5:5000, server primary")
    assert sms(m, "connect config")[0].startswith(
        "Config 1/2: mode client 203.0.113.5 5000 198.51.100.20 6000 maintain, dialin off")


def test_mode_client_backup_refused(m: Module) -> None:
    use = ("Error: use mode server <any|ip> <port> or mode client <server> <port> "
           "[<backup> <port>] [maintain]")
    assert sms(m, "connect mode client a.example 1 b.example") == [use]
    assert sms(m, "connect mode client a.example 1 b.example 70000") == [
        "Error: port must be 1-65535"]
    assert sms(m, "connect mode client a.example 1 b_x 2") == [
        "Error: server must be an ip or a host name of letters, digits, - . (up to 50)"]
    assert sms(m, "connect mode client a.example 1 b.example 2 always") == [use]
    assert gw(m).cfg["mode"] == "server"


def test_on_demand_bytes_survive_failover(m: Module) -> None:
    m.net.sim.add_host(SERVER[0])
    bsrv = m.net.sim.listen(*BACKUP)
    sms(m, "connect mode client %s %d %s %d" % (SERVER + BACKUP))
    ser_send(m, b"kept through three refusals")
    bconn = bsrv.accept_next(120)
    assert bconn.wait(lambda c: c.received == b"kept through three refusals", 10)
    assert gw(m).dropped == 0


# ---- reboot and reset -------------------------------------------------------------------------

def test_reboot_replies_then_restarts_cleanly_with_the_config(m: Module) -> None:
    sms(m, "connect baud 19200")
    boots = m.boots
    assert sms(m, "connect reboot") == ["Confirmed: reboot, restarting now"]
    n = len(m.trace_lines)
    assert m.run_until(lambda: m.boots == boots + 1, 10)
    assert wait_state(m, "listening", 60)
    assert gw(m).cfg["baud"] == 19200
    assert any("restart: reboot by sms" in line for line in m.trace_lines[n - 5:])
    assert not any("unplanned restart" in line for line in m.trace_lines[n:])
    assert sms(m, "connect reboot now") == ["Error: reboot takes no arguments"]


def test_reboot_during_a_connection_waits_and_loses_no_byte(m: Module) -> None:
    srv = m.net.sim.listen(*SERVER)
    client(m, "")
    ser_send(m, b"hello")
    conn = srv.accept_next(20)
    boots = m.boots
    assert sms(m, "connect reboot") == [
        "Confirmed: reboot (applies when the current connection closes)"]
    ser_send(m, b" world")
    assert conn.wait(lambda c: c.received == b"hello world", 10)
    assert m.boots == boots and state(m) == "connected"
    conn.close()
    assert m.run_until(lambda: m.boots == boots + 1, 30)


def test_reset_names_what_it_reset_and_keeps_the_password(m: Module) -> None:
    sms(m, "connect smspassword secret9")
    sms(m, "secret9 baud 19200")
    sms(m, "secret9 mode client gw.example.net 5000")
    sms(m, "secret9 firewall add 10.0.0.0 255.0.0.0")
    sms(m, "secret9 heartbeat 60 hb")
    assert sms(m, "secret9 reset") == [
        "Confirmed: reset baud, mode, firewall, heartbeat to defaults, smspassword kept"]
    flash = config_on_flash(m)
    assert flash["password"] == "secret9" and flash["baud"] == "9600"
    assert flash["mode"] == "server" and "fw" not in flash and flash["hbsecs"] == "0"
    assert wait_state(m, "listening", 60)
    assert sms(m, "secret9 reset") == [
        "Confirmed: reset, all settings at defaults, smspassword kept (unchanged)"]
    assert sms(m, "connect reset") == []


# ---- sender allow-list ------------------------------------------------------------------------

def test_allow_list_obeys_only_listed_senders_even_with_the_password(m: Module) -> None:
    other = "+15559990000"
    assert sms(m, "connect phones add 07700900123") == [
        "Error: the list must keep the number you send from (+15551230001): add it first"]
    assert sms(m, "connect phones add " + PHONE) == [
        "Confirmed: phones add +15551230001, 1 of 5 numbers"]
    assert sms(m, "connect phones add 07700900123") == [
        "Confirmed: phones add 07700900123, 2 of 5 numbers"]
    assert silent(m, "connect baud 19200", number=other) == []
    assert gw(m).cfg["baud"] == 9600
    # national and international forms of one number (docs/gateway.md 1.19)
    assert sms(m, "connect baud 19200", number="+447700900123") == ["Confirmed: baud 19200"]
    assert sms(m, "connect baud 38400", number="00447700900123") == ["Confirmed: baud 38400"]
    assert silent(m, "connect baud 57600", number="+337700900124") == []
    assert sms(m, "connect phones list") == ["Phones: +15551230001, 07700900123"]
    assert config_on_flash(m)["ph"] == "+15551230001;07700900123;"
    assert sms(m, "connect phones rem +15551230001") == [
        "Error: the list must keep the number you send from (+15551230001): add it first"]
    assert sms(m, "connect phones rem 07700900123") == [
        "Confirmed: phones rem 07700900123, 1 of 5 numbers"]
    assert sms(m, "connect phones rem " + PHONE) == [
        "Confirmed: phones rem +15551230001, no numbers left, any sender obeyed"]
    assert sms(m, "connect baud 9600", number=other) == ["Confirmed: baud 9600"]


# ---- real loopback TCP ------------------------------------------------------------------------

def real_module(tmp_path: Path) -> tuple[Module, object]:
    from gw_helpers import flash_gateway
    mod = Module(tmp_path / "flash", virtual=False)
    flash_gateway(mod)
    mod.net.activation_ms = 200          # keep the real-clock test short
    mod.sms.send_delay_ms = 200
    tr = mod.net.enable_real(listen_map={1024: 0})
    mod.power_on()
    assert wait_state(mod, "listening", 60)
    return mod, tr


def recv_until(s, want: bytes, timeout: float = 10) -> bytes:
    import socket
    import time
    s.settimeout(0.2)
    out = b""
    end = time.monotonic() + timeout
    while len(out) < len(want) and time.monotonic() < end:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            break
        out += chunk
    return out


def test_real_tcp_identity_then_device_bytes_in_both_modes_and_csd(tmp_path: Path) -> None:
    import socket
    m, tr = real_module(tmp_path)
    try:
        ident = b"\x00GW%s\xff\r\n" % IMEI
        assert sms(m, "connect identity %00GW%IMEI%FF%0D%0A", timeout=10)[0].startswith(
            "Confirmed: identity")
        # server mode: a loopback client gets the identity before anything else
        assert m.run_until(lambda: tr.port_of(1), 10)
        c = socket.create_connection(("127.0.0.1", tr.port_of(1)), timeout=5)
        assert recv_until(c, ident) == ident
        assert m.run_until(lambda: state(m) == "connected", 10)
        ser_send(m, b"server side")
        assert recv_until(c, b"server side") == b"server side"
        c.close()
        assert m.run_until(lambda: state(m) == "listening", 10)
        # a CSD data call from a loopback caller: answered, the identity first
        assert sms(m, "connect dialin on", timeout=10)[0].startswith("Confirmed: dialin on")
        m.csd.first_ring_ms = 50
        m.csd.connect_delay_ms = 200
        peer = m.csd.tcp_caller(0)
        call = socket.create_connection(("127.0.0.1", peer.port), timeout=5)
        assert recv_until(call, ident, timeout=20) == ident
        assert m.run_until(lambda: state(m) == "csd", 10)
        ser_send(m, b"csd side")
        assert recv_until(call, b"csd side") == b"csd side"
        call.close()
        assert m.run_until(lambda: state(m) == "listening", 20)
        # client mode: a loopback server gets the identity, then the device's bytes
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        port = srv.getsockname()[1]
        assert sms(m, "connect mode client 127.0.0.1 %d" % port, timeout=10)[0].startswith(
            "Confirmed: mode client")
        assert m.run_until(lambda: state(m) == "idle", 10)
        ser_send(m, b"client side")
        srv.settimeout(15)
        peer, _ = srv.accept()
        assert recv_until(peer, ident + b"client side") == ident + b"client side"
        peer.close()
        srv.close()
    finally:
        m.close()


def test_a_day_with_the_primary_up_and_down_every_hour_loses_no_device_byte(
        m: Module) -> None:
    # On demand, socket timeout 30 s: a connection per message, so every message makes the
    # gateway choose a server.  The primary is up for the first half of every hour and
    # refuses (its connections closed) for the second; the backup is always up.
    psrv = m.net.sim.listen(*SERVER)
    bsrv = m.net.sim.listen(*BACKUP)
    sms(m, "connect socketting 30 5 0")
    sms(m, "connect mode client %s %d %s %d" % (SERVER + BACKUP))
    sent = []
    t0 = m.kernel.now() / 1000
    k = 0
    while m.kernel.now() / 1000 - t0 < 86400:
        minute = (m.kernel.now() / 1000 - t0) % 3600
        down = minute >= 1800
        if down and psrv.mode == "accept":
            psrv.mode = "refuse"
            for c in psrv.connections:
                if c.state == "connected":
                    c.close()
        elif not down and psrv.mode != "accept":
            psrv.mode = "accept"
        msg = b"<msg %04d>" % k
        sent.append(msg)
        ser_send(m, msg)
        k += 1
        m.run(300)
    m.run(300)
    conns = sorted(psrv.connections + bsrv.connections, key=lambda c: c.packets[0][0]
                   if c.packets else 0)
    got = b"".join(c.received for c in conns)
    assert got == b"".join(sent), (len(got), len(b"".join(sent)))
    assert gw(m).dropped == 0
    on_backup = [c for c in bsrv.connections if c.received]
    on_primary = [c for c in psrv.connections if c.received]
    assert len(on_backup) > 30 and len(on_primary) > 30
    assert any("failover to the backup server" in line for line in m.trace_lines)
    assert any("primary server due again" in line for line in m.trace_lines)


def test_power_cut_at_every_byte_of_the_reset_save(m: Module, monkeypatch) -> None:
    # As the config-save sweep (test_gw_faults): a cut after n bytes of the reset's write,
    # n = 0, 1, 2 ... until it completes; every boot finds the old settings or the reset.
    from gw_helpers import fast_boots

    fast_boots(monkeypatch)
    sms(m, "connect mode server any 1500")
    sms(m, "connect name pump-7")
    sms(m, "connect identity ID:%ID%0D%0A")
    sms(m, "connect heartbeat 60 hb")
    sms(m, "connect phones add " + PHONE)
    old = config_on_flash(m)
    n = 0
    while True:
        assert wait_state(m, "listening", 60)
        assert gw(m).cfg["lport"] == 1500 and gw(m).cfg["name"] == "pump-7"
        boots, sent = m.boots, len(m.sms.sent)
        m.flash.arm_power_cut(n)
        m.sms.deliver(PHONE, "connect reset")
        assert m.run_until(lambda: m.boots > boots or len(m.sms.sent) > sent, 60)
        if len(m.sms.sent) > sent:
            break
        m.flash.disarm_power_cut()
        assert config_on_flash(m) == old
        n += 1
    m.flash.disarm_power_cut()
    assert m.sms.sent[-1].text == ("Confirmed: reset mode, name, identity, heartbeat, phones "
                                   "to defaults, smspassword kept")
    new = config_on_flash(m)
    assert new["lport"] == "1024" and new["name"] == "" and "ph" not in new
    assert new["password"] == "connect" and int(new["seq"]) == int(old["seq"]) + 1
    written = [name for name in ("cfg_a.txt", "cfg_b.txt")
               if m.flash.exists(name) and b"seq=" + new["seq"].encode() in m.flash.read(name)]
    assert n == len(m.flash.read(written[0]))       # a cut after every byte but the last
    m.reboot()
    assert wait_state(m, "listening", 60)
    assert gw(m).cfg["lport"] == 1024 and gw(m).cfg["hbsecs"] == 0
