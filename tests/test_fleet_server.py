"""The fleet server with real loopback TCP and real ptys (issue 12), against fake units:
plain sockets that send an identity and heartbeats themselves, as the gateway does once its
identity/heartbeat commands are set (docs/fleet.md)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from fleet_helpers import (FleetThread, fd_read, free_port, nothing_more, open_pty, open_raw,
                           read_exact, recv_exact, unit_socket, write_config)
from tools.paths import ROOT

HB = b"\r\nHB\r\n"

CONFIG = """
identify_ms = 1000
unknown = "address"
heartbeat_hold_ms = 100

[defaults]
heartbeat = "%0D%0AHB%0D%0A"

[unit.pump3]
identity = "%ID:%IMEI%0D%0A"
imei = "356000000000003"

[unit.pump33]
identity = "pump33:356000000000033%0D%0A"
offline = "buffer"
offline_buffer = 16
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetThread]:
    f = FleetThread(write_config(tmp_path, CONFIG))
    yield f
    f.close()


def test_two_identities_two_ptys_bytes_both_ways(fleet: FleetThread) -> None:
    # configured units have their ptys before they call; a program has them open
    pa, pb = open_pty(fleet.link("pump3")), open_pty(fleet.link("pump33"))
    a = unit_socket(fleet.srv.listen_port, b"pump3:356000000000003\r\nfirst")   # data in the same segment
    b = unit_socket(fleet.srv.listen_port, b"pump33:356000000000033\r\n")
    assert fleet.online("pump3") and fleet.online("pump33")
    try:
        assert read_exact(pa, 5) == b"first"
        b.sendall(b"to pump33's program")
        assert read_exact(pb, 19) == b"to pump33's program"
        pa.write(b"request A")
        pb.write(b"request B")
        assert recv_exact(a, 9) == b"request A" and recv_exact(b, 9) == b"request B"
        assert nothing_more(pa, 0.1) == b"" and nothing_more(pb, 0.1) == b""
        rows = {r["unit"]: r for r in fleet.srv.rows()}
        assert rows["pump3"]["from_unit"] == 5 and rows["pump3"]["to_unit"] == 9
        assert rows["pump33"]["from_unit"] == 19 and rows["pump33"]["to_unit"] == 9
        conns = {e["unit"]: e for e in fleet.events("connect")}
        assert conns["pump3"]["by"] == conns["pump33"]["by"] == "identity"
        assert os.path.realpath(fleet.link("pump3")).startswith("/dev/")
    finally:
        pa.close(), pb.close(), a.close(), b.close()


def test_every_byte_value_passes_and_heartbeats_are_stripped(fleet: FleetThread) -> None:
    a = unit_socket(fleet.srv.listen_port, b"pump3:356000000000003\r\n")
    assert fleet.online("pump3")
    p = open_pty(fleet.link("pump3"))
    try:
        payload = bytes(range(256)) * 4
        # a heartbeat alone, one coalesced before and after device bytes, one split over two segments
        for chunk in (HB, payload[:300] + HB + payload[300:700], HB[:3]):
            a.sendall(chunk)
            time.sleep(0.02)
        a.sendall(HB[3:] + payload[700:] + HB)
        assert read_exact(p, len(payload)) == payload
        p.write(payload)
        assert recv_exact(a, len(payload)) == payload
        assert nothing_more(p) == b""
        u = fleet.srv.units["pump3"]
        assert u.heartbeats == 4 and u.last_heartbeat is not None and u.from_unit == len(payload)
    finally:
        p.close(), a.close()


def test_start_of_a_heartbeat_at_the_end_is_device_data_after_the_hold(fleet: FleetThread) -> None:
    a = unit_socket(fleet.srv.listen_port, b"pump3:356000000000003\r\n")
    assert fleet.online("pump3")
    p = open_pty(fleet.link("pump3"), timeout=2)
    try:
        a.sendall(b"value=7\r\n")               # "\r\n" could start a heartbeat: held 100 ms, then passed
        t0 = time.monotonic()
        assert read_exact(p, 9) == b"value=7\r\n"
        assert time.monotonic() - t0 < 1.0
        assert fleet.srv.units["pump3"].heartbeats == 0
    finally:
        p.close(), a.close()


def test_unknown_unit_is_named_from_its_address(fleet: FleetThread) -> None:
    a = unit_socket(fleet.srv.listen_port, b"no identity here")
    assert fleet.online("ip-127.0.0.1")
    p = open_raw(fleet.link("ip-127.0.0.1"))             # its pty is made when it calls
    try:
        assert fd_read(p, 16) == b"no identity here"      # not lost while matching identities
        e = fleet.events("connect")[-1]
        assert e["unit"] == "ip-127.0.0.1" and e["by"] == "address"
    finally:
        os.close(p), a.close()


def test_a_silent_unit_is_named_after_the_bounded_wait(fleet: FleetThread) -> None:
    t0 = time.monotonic()
    a = unit_socket(fleet.srv.listen_port, b"pump")      # a prefix of two identities, then silence
    assert fleet.online("ip-127.0.0.1", timeout=5)
    assert 0.9 < time.monotonic() - t0 < 3.0             # identify_ms = 1000
    p = open_raw(fleet.link("ip-127.0.0.1"))
    try:
        assert fd_read(p, 4) == b"pump"
    finally:
        os.close(p), a.close()


def test_unit_drops_and_comes_back_pty_survives(fleet: FleetThread) -> None:
    hello = b"pump33:356000000000033\r\n"
    a = unit_socket(fleet.srv.listen_port, hello)
    assert fleet.online("pump33")
    p = open_pty(fleet.link("pump33"))
    try:
        a.close()
        assert fleet.offline("pump33")
        p.write(b"written while offline, longer than 16")     # buffer policy, 16 bytes kept
        assert fleet.wait(lambda s: s.units["pump33"].offline.dropped == 21)
        a = unit_socket(fleet.srv.listen_port, hello)
        assert recv_exact(a, 16) == b"written while of"
        a.sendall(b"back")
        assert read_exact(p, 4) == b"back"                    # the same open pty
        p.write(b"next")
        assert recv_exact(a, 4) == b"next"
        c = fleet.events("connect")[-1]
        assert c["sent_from_buffer"] == 16 and c["dropped_while_offline"] == 21
        d = fleet.events("disconnect")[-1]
        assert d["unit"] == "pump33" and d["reason"] == "closed by the unit"
    finally:
        p.close(), a.close()


def test_drop_policy_and_a_new_connection_replaces_the_old(fleet: FleetThread) -> None:
    hello = b"pump3:356000000000003\r\n"
    p = open_pty(fleet.link("pump3"))                        # configured: the pty exists before the unit calls
    try:
        p.write(b"lost")
        assert fleet.wait(lambda s: s.units["pump3"].offline.dropped == 4)
        assert fleet.events("dropped")[-1]["bytes"] == 4
        a = unit_socket(fleet.srv.listen_port, hello)
        assert fleet.online("pump3")
        b = unit_socket(fleet.srv.listen_port, hello)          # the unit again, the old link half-open
        assert fleet.wait(lambda s: s.units["pump3"].connections == 2 and s.units["pump3"].conn is not None)
        p.write(b"x")
        assert recv_exact(b, 1) == b"x"
        assert recv_exact(a, 1, timeout=2) == b""              # the old one was closed
        d = fleet.events("disconnect")[-1]
        assert d["reason"].startswith("replaced by a new connection")
        b.close()
    finally:
        p.close()


def test_server_mode_unit_is_called_with_backoff(tmp_path: Path) -> None:
    port = free_port()                                     # nothing listens there yet
    cfg = write_config(tmp_path, """
[unit.meter9]
connect = "127.0.0.1:%d"
identity = "M9%%0D%%0A"
heartbeat = "*HB*"
backoff_min = 0.05
backoff_max = 0.2
""" % port, listen="")
    f = FleetThread(cfg)
    p = open_pty(f.link("meter9"))
    try:
        assert f.wait(lambda s: any(e["event"] == "connect_failed" for e in s.log.events), 5)
        ls = socket.create_server(("127.0.0.1", port))
        ls.settimeout(5)
        conn, _ = ls.accept()                             # the fleet server called once it could
        conn.sendall(b"M9\r\n*HB*reading 42")
        assert f.online("meter9")
        assert read_exact(p, 10) == b"reading 42"
        p.write(b"poll")
        assert recv_exact(conn, 4) == b"poll"
        conn.close()                                      # dropped: called again
        conn2, _ = ls.accept()
        conn2.sendall(b"M9\r\nagain")
        assert read_exact(p, 5) == b"again"
        conn2.close()
        ev = f.events("connect")
        assert [e["direction"] for e in ev] == ["out", "out"] and ev[0]["by"] == "config"
        assert f.events("connect_failed")[0]["retry_in"] == 0.05
    finally:
        p.close()
        ls.close()
        f.close()


def test_unit_on_its_own_port_and_silence_timeout(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, """
[unit.old7]
listen = "127.0.0.1:0"
silence_timeout = 0.3
""")
    f = FleetThread(cfg)
    try:
        a = unit_socket(f.srv.unit_ports["old7"], b"data")
        assert f.online("old7")
        assert f.events("connect")[-1]["by"] == "port"
        assert f.offline("old7", timeout=3)                  # nothing more from the unit
        assert f.events("disconnect")[-1]["reason"] == "no byte from the unit for 0.3 s"
        a.close()
    finally:
        f.close()


def test_status_command_and_log(fleet: FleetThread) -> None:
    p = open_pty(fleet.link("pump3"))
    a = unit_socket(fleet.srv.listen_port, b"pump3:356000000000003\r\n" + HB + b"abc")
    assert fleet.online("pump3")
    try:
        assert read_exact(p, 3) == b"abc"
        out = subprocess.run([sys.executable, "-m", "tools.fleet", "status", "-c", str(fleet.cfg.path)],
                             cwd=ROOT, capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        lines = out.stdout.splitlines()
        assert lines[0].split() == ["unit", "state", "address", "since", "to", "unit", "from", "unit",
                                    "last", "heartbeat", "pty"]
        row = next(x for x in lines if x.startswith("pump3 ")).split()
        assert row[1] == "online" and row[2].startswith("127.0.0.1:")
        assert row[3].endswith("Z") and row[4:6] == ["0", "3"]   # since, to unit, from unit
        assert row[6:8] in (["0s", "ago"], ["1s", "ago"]) and row[8] == str(fleet.link("pump3"))
        row33 = next(x for x in lines if x.startswith("pump33 ")).split()
        assert row33[1] == "offline" and row33[6] == "-"
    finally:
        p.close(), a.close()
    assert fleet.offline("pump3")
    kinds = [e["event"] for e in fleet.events()]
    assert kinds[:2] == ["pty", "pty"] and "start" in kinds and kinds[-2:] == ["connect", "disconnect"]
    d = fleet.events("disconnect")[-1]
    assert set(d) >= {"time", "unit", "address", "reason", "seconds", "to_unit", "from_unit", "heartbeats"}
    assert d["time"].endswith("Z") and d["heartbeats"] == 1 and d["from_unit"] == 3


def test_stop_removes_the_links(tmp_path: Path) -> None:
    f = FleetThread(write_config(tmp_path, CONFIG))
    link = f.link("pump3")
    assert link.is_symlink()
    f.close()
    assert not link.is_symlink() and not f.cfg.status.exists()


def test_cli_serve_then_sigterm(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, CONFIG.replace("[defaults]", 'status = "fleet.status"\n\n[defaults]'))
    proc = subprocess.Popen([sys.executable, "-m", "tools.fleet", "serve", "-c", str(cfg)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        assert lines[0].startswith("port pump3: %s -> /dev/" % (tmp_path / "ports" / "pump3"))
        assert lines[2].startswith("listening: 127.0.0.1:") and lines[3] == "status: %s\n" % (tmp_path / "fleet.status")
        port = int(lines[2].rsplit(":", 1)[1])
        p = open_pty(tmp_path / "ports" / "pump3")
        a = unit_socket(port, b"pump3:356000000000003\r\nhello")
        assert read_exact(p, 5) == b"hello"
        p.close(), a.close()
    finally:
        proc.terminate()
        assert proc.wait(10) == 0, proc.stderr.read() if proc.stderr else ""
    assert not (tmp_path / "ports" / "pump3").is_symlink()
    log = (tmp_path / "fleet.jsonl").read_text().splitlines()
    assert '"event": "connect"' in log[-3] and '"event": "stop"' in log[-1]


def test_cli_check_and_bad_config(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, CONFIG)
    ok = subprocess.run([sys.executable, "-m", "tools.fleet", "check", "-c", str(cfg)], cwd=ROOT,
                        capture_output=True, text=True, timeout=20)
    assert ok.returncode == 0 and "unit pump3: calls in, identity pump3:356000000000003%0D%0A" in ok.stdout
    cfg.write_text(cfg.read_text().replace('offline = "buffer"', 'offline = "keep"'))
    bad = subprocess.run([sys.executable, "-m", "tools.fleet", "serve", "-c", str(cfg)], cwd=ROOT,
                         capture_output=True, text=True, timeout=20)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == 'fleet: %s:19: unit.pump33.offline must be "drop" or "buffer", not \'keep\'\n' % cfg
    none = subprocess.run([sys.executable, "-m", "tools.fleet", "status", "-c", str(tmp_path / "missing.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert none.returncode == 2 and "cannot read" in none.stderr


def test_a_slow_program_holds_the_unit_back_without_loss(fleet: FleetThread) -> None:
    import threading

    p = open_pty(fleet.link("pump3"))
    a = unit_socket(fleet.srv.listen_port, b"pump3:356000000000003\r\n")
    assert fleet.online("pump3")
    payload = os.urandom(3 << 20)                   # more than the pty queue's bound (1 MiB)
    t = threading.Thread(target=a.sendall, args=(payload,))
    try:
        t.start()
        assert fleet.wait(lambda s: len(s.units["pump3"].pty.out) >= 64 * 1024)   # backlog, not loss
        got = bytearray()
        while len(got) < len(payload):
            chunk = p.read(65536)
            if not chunk:
                break
            got += chunk
        assert len(got) == len(payload) and bytes(got) == payload
        assert fleet.srv.units["pump3"].pty.dropped == 0
    finally:
        t.join(10), p.close(), a.close()


def test_identity_every_is_removed_before_each_frame(tmp_path: Path) -> None:
    f = FleetThread(write_config(tmp_path, """
[unit.u5]
identity = "U5%0D%0A"
identity_every = true
heartbeat = "*HB*"
"""))
    p = open_pty(f.link("u5"))
    a = unit_socket(f.srv.listen_port, b"U5\r\n")        # the identity first, then before each frame
    try:
        assert f.online("u5")
        for frame in (b"\x01\x03\x02\x00\x07", b"*HB*", b"\x01\x03\x02\x00\x08"):
            a.sendall(b"U5\r\n" + frame if frame != b"*HB*" else frame)
        assert read_exact(p, 10) == b"\x01\x03\x02\x00\x07\x01\x03\x02\x00\x08"
        assert nothing_more(p, 0.3) == b""
        assert f.srv.units["u5"].heartbeats == 1
    finally:
        p.close(), a.close()
        f.close()


def test_port_in_use_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    busy = socket.create_server(("127.0.0.1", 0))
    try:
        cfg = write_config(tmp_path, CONFIG, listen="127.0.0.1:%d" % busy.getsockname()[1])
        out = subprocess.run([sys.executable, "-m", "tools.fleet", "-c", str(cfg)], cwd=ROOT,
                             capture_output=True, text=True, timeout=20)
    finally:
        busy.close()
    assert out.returncode == 1 and "address already in use" in out.stderr.lower(), out.stderr
    assert out.stderr.startswith("fleet: ")
    assert not (tmp_path / "ports" / "pump3").is_symlink()


def test_the_select_loop_macos_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import selectors

    monkeypatch.setattr(sys, "platform", "darwin")     # new_loop's choice there, run here
    f = FleetThread(write_config(tmp_path, CONFIG))
    try:
        assert isinstance(f.loop._selector, selectors.SelectSelector)  # type: ignore[attr-defined]
        p = open_pty(f.link("pump3"))
        a = unit_socket(f.srv.listen_port, b"pump3:356000000000003\r\n" + bytes(range(256)) + HB)
        assert read_exact(p, 256) == bytes(range(256))
        p.write(bytes(range(255, -1, -1)))
        assert recv_exact(a, 256) == bytes(range(255, -1, -1))
        p.close(), a.close()
    finally:
        f.close()
