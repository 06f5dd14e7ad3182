"""The fleet server's ways in beside the pty (docs/fleet.md, "Ways in"): a unit's raw TCP
and RFC 2217 ports, with real loopback TCP and fake units (sockets that send an identity and
heartbeats as the gateway does); and one server per ports folder (the lock)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
import serial

from fleet_helpers import FleetThread, nothing_more, open_pty, recv_exact, unit_socket, write_config
from tools.fleet.config import load
from tools.fleet.lock import LockError, acquire
from tools.paths import ROOT

CONFIG = """
identify_ms = 1000
heartbeat_hold_ms = 100
web = ""

[defaults]
heartbeat = "%0D%0AHB%0D%0A"

[unit.pump3]
identity = "pump3%0D%0A"
baud = 19200
charformat = "8E1"
rfc2217 = "127.0.0.1:0"
raw = "127.0.0.1:0"
"""
HB = b"\r\nHB\r\n"


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetThread]:
    f = FleetThread(write_config(tmp_path, CONFIG))
    yield f
    f.close()


def way_port(fleet: FleetThread, unit: str, way: str) -> int:
    return int(fleet.srv.units[unit].ports[way].rsplit(":", 1)[1])


def test_raw_port_every_byte_value_both_ways_heartbeats_removed(fleet: FleetThread) -> None:
    u = unit_socket(fleet.srv.listen_port, b"pump3\r\n")
    assert fleet.online("pump3")
    c = socket.create_connection(("127.0.0.1", way_port(fleet, "pump3", "raw")), timeout=5)
    try:
        assert fleet.wait(lambda s: len(s.units["pump3"].taps) == 1)
        payload = bytes(range(256)) * 8
        c.sendall(payload)
        assert recv_exact(u, len(payload)) == payload          # client -> unit, unchanged
        u.sendall(payload[:1000] + HB + payload[1000:])         # unit -> client, heartbeat removed
        assert recv_exact(c, len(payload)) == payload
        c.settimeout(0.3)
        with pytest.raises(socket.timeout):
            c.recv(10)
        # a second client is refused while the first is attached
        d = socket.create_connection(("127.0.0.1", way_port(fleet, "pump3", "raw")), timeout=5)
        assert recv_exact(d, 1, 2) == b""
        d.close()
        assert any(e["reason"].startswith("the port has a client already") for e in fleet.events("refused"))
    finally:
        c.close(), u.close()


def test_raw_client_while_the_unit_is_offline_follows_the_drop_policy(fleet: FleetThread) -> None:
    c = socket.create_connection(("127.0.0.1", way_port(fleet, "pump3", "raw")), timeout=5)
    try:
        assert fleet.wait(lambda s: len(s.units["pump3"].taps) == 1)
        c.sendall(b"late request")
        assert fleet.wait(lambda s: s.units["pump3"].offline.dropped == 12)
        u = unit_socket(fleet.srv.listen_port, b"pump3\r\n")
        assert fleet.online("pump3")
        assert recv_exact(u, 1, 0.3) == b""                     # nothing stale reaches the unit
        u.sendall(b"fresh")
        assert recv_exact(c, 5) == b"fresh"
        u.close()
    finally:
        c.close()


def test_rfc2217_pyserial_client_every_byte_value_and_cd_follows_the_unit(fleet: FleetThread) -> None:
    port = way_port(fleet, "pump3", "rfc2217")
    s = serial.serial_for_url("rfc2217://127.0.0.1:%d" % port, 19200, parity="E", timeout=5)
    pty = open_pty(fleet.link("pump3"))                         # a program on the pty as well
    try:
        assert s.cd is False                                    # unit offline
        u = unit_socket(fleet.srv.listen_port, b"pump3\r\n")
        assert fleet.online("pump3")
        end = time.monotonic() + 5
        while not s.cd and time.monotonic() < end:
            time.sleep(0.05)
        assert s.cd is True
        payload = bytes(range(256)) * 4                          # 0xFF included: Telnet IAC
        s.write(payload)
        assert recv_exact(u, len(payload)) == payload
        u.sendall(payload)
        assert s.read(len(payload)) == payload
        assert pty.read(len(payload)) == payload                # the pty gets the same bytes
        u.close()
        assert fleet.offline("pump3")
        end = time.monotonic() + 5
        while s.cd and time.monotonic() < end:
            time.sleep(0.05)
        assert s.cd is False
    finally:
        s.close(), pty.close()


def test_rfc2217_other_line_settings_get_the_real_ones_and_a_log_line(fleet: FleetThread) -> None:
    port = way_port(fleet, "pump3", "rfc2217")
    with pytest.raises(ValueError, match="baudrate"):
        serial.serial_for_url("rfc2217://127.0.0.1:%d" % port, 115200, parity="E", timeout=2)
    assert fleet.wait(lambda s: any(e["event"] == "line_mismatch" for e in s.log.events))
    m = [e for e in fleet.events("line_mismatch")]
    assert m[0]["setting"] == "baudrate" and m[0]["asked"] == 115200 and m[0]["real"] == 19200
    assert fleet.wait(lambda s: not s.units["pump3"].taps)      # the refused client has gone


def test_base_ports_by_index_and_clash_errors(tmp_path: Path) -> None:
    p = tmp_path / "fleet.toml"
    p.write_text('[fleet]\nlisten = "127.0.0.1:7000"\nrfc2217_base = "127.0.0.1:7100"\nraw_base = 7200\n'
                 '[unit.a]\nidentity = "a"\n[unit.b]\nidentity = "b"\nraw = 7300\n')
    cfg = load(p)
    assert cfg.way_address(cfg.units["b"], "rfc2217") == ("127.0.0.1", 7101)
    assert cfg.way_address(cfg.units["a"], "raw") == ("0.0.0.0", 7200)
    assert cfg.way_address(cfg.units["b"], "raw") == ("0.0.0.0", 7300)
    p.write_text('[fleet]\nlisten = "127.0.0.1:7000"\nraw_base = 6999\n[unit.a]\nidentity = "a"\n[unit.b]\nidentity = "b"\n')
    with pytest.raises(ValueError, match=r"fleet.toml:6: unit.b.raw port 7000 is already used by fleet.listen"):
        load(p)


def test_a_second_server_with_the_same_config_refuses_and_leaves_the_first_alone(tmp_path: Path) -> None:
    cfg_path = write_config(tmp_path, CONFIG)
    first = FleetThread(cfg_path)
    try:
        link = first.link("pump3")
        before = link.resolve()
        with pytest.raises(LockError, match=r"another fleet server \(pid \d+\) is using the ports in"):
            FleetThread(cfg_path)
        assert link.resolve() == before and first.cfg.status.is_socket()
        with pytest.raises(LockError):
            acquire(load(cfg_path))
        cli = subprocess.run([sys.executable, "-m", "tools.fleet", "-c", str(cfg_path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=30)
        assert cli.returncode == 1 and cli.stderr.startswith("fleet: another fleet server (pid %d)" % os.getpid())
        assert link.resolve() == before and first.cfg.status.is_socket()
    finally:
        first.close()
    acquire(load(cfg_path)).release()                          # free again once it stopped
    assert not link.exists()


@pytest.mark.parametrize("fleet_keys, unit_keys, error", [
    ('unknown = "maybe"', "", r'fleet.toml:3: fleet.unknown must be "address" or "refuse", not \'maybe\''),
    ('takeover = "steal"', "", r'fleet.takeover must be "replace" or "keep"'),
    ("raw_base = 0", "", r"fleet.raw_base must be a fixed port"),
    ("", 'key = "short"', r"fleet.toml:6: unit.a.key must be 8-32 letters and digits"),
    ("", 'key = "longenough1"', r"unit.a.key is set but the identity does not carry %KEY"),
    ("", "baud = 14400", r"unit.a.baud must be one of 300 1200 .* 115200, not 14400"),
    ("", 'charformat = "9N1"', r'unit.a.charformat must be like "8N1"'),
    ("", "modbus_timeout = 0", r"unit.a.modbus_timeout must be a number from 0.05 to 600"),
    ("", 'rfc2217 = "nohost"', r'unit.a.rfc2217 must be "host:port"'),
])
def test_new_keys_bad_values_name_the_line(tmp_path: Path, fleet_keys: str, unit_keys: str, error: str) -> None:
    p = tmp_path / "fleet.toml"
    p.write_text('[fleet]\nlisten = "127.0.0.1:7000"\n%s\n[unit.a]\nidentity = "a"\n%s\n' % (fleet_keys, unit_keys))
    with pytest.raises(ValueError, match=error):
        load(p)
