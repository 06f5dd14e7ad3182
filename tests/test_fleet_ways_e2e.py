"""The RFC 2217 and raw TCP ports end to end (docs/fleet.md, "Ways in"): a pyserial
``rfc2217://`` client and a raw TCP client exchange every byte value with the device on an
emulated gateway's serial port, through the fleet server, the emulated GPRS link (real
loopback TCP, real clock: ``virtual=False``) and the gateway in its default server mode,
which the fleet server calls."""
from __future__ import annotations

import socket
import time
from pathlib import Path

import serial

from fleet_helpers import FleetThread, free_port, recv_exact, write_config
from gw_helpers import flash_gateway, state, wait_state
from tools.emulator import Module
from tools.emulator.realio import PtyPort

CONFIG = """
web = ""

[unit.meter9]
connect = "127.0.0.1:{port}"
backoff_min = 0.2
backoff_max = 1
rfc2217 = "127.0.0.1:0"
raw = "127.0.0.1:0"
"""


def read_all(port: serial.Serial, n: int, timeout: float = 10) -> bytes:
    out = b""
    end = time.monotonic() + timeout
    while len(out) < n and time.monotonic() < end:
        out += port.read(n - len(out))
    return out


def test_rfc2217_and_raw_every_byte_value_through_the_gateway(tmp_path: Path) -> None:
    port = free_port()
    fleet = FleetThread(write_config(tmp_path, CONFIG.format(port=port)))
    m = Module(tmp_path / "unit", virtual=False)
    flash_gateway(m)
    m.net.activation_ms = 200
    m.net.latency_ms = 20
    m.net.enable_real(listen_map={1024: port})
    pty = PtyPort(m)
    device = serial.Serial(pty.start(), 9600, timeout=0.5)
    m.power_on()
    rfc = raw = None
    try:
        assert wait_state(m, "listening", 30), state(m)
        assert fleet.online("meter9", 30)
        payload = bytes(range(256))
        ports = fleet.srv.units["meter9"].ports
        rfc = serial.serial_for_url("rfc2217://%s" % ports["rfc2217"], 9600, timeout=0.5)
        device.write(payload)                                   # device -> unit -> fleet -> client
        assert read_all(rfc, 256) == payload
        rfc.write(payload)                                      # client -> fleet -> unit -> device
        assert read_all(device, 256) == payload
        assert rfc.cd is True
        rfc.close()
        rfc = None
        host, p = ports["raw"].rsplit(":", 1)
        raw = socket.create_connection((host, int(p)), timeout=5)
        assert fleet.wait(lambda s: len(s.units["meter9"].taps) == 1)
        raw.sendall(payload[::-1])
        assert read_all(device, 256) == payload[::-1]
        device.write(payload[::-1])
        assert recv_exact(raw, 256, 10) == payload[::-1]
    finally:
        for c in (rfc, raw, device):
            if c is not None:
                c.close()
        pty.close()
        m.close()
        fleet.close()
