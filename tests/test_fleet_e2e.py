"""End to end (issue 12): a pymodbus RTU master on each fleet pty reads holding registers from
a pymodbus RTU slave on each emulated unit's serial side, through the fleet server, the
emulated GPRS link (real loopback TCP, real clock) and the gateway itself in client mode."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Iterator

import pytest

pytest.importorskip("pymodbus")

from fleet_helpers import FleetThread, write_config  # noqa: E402
from fleet_modbus import RtuSlave, read_registers, rtu_master  # noqa: E402
from gw_helpers import flash_gateway, sms, state, wait_state  # noqa: E402
from tools.emulator import Module  # noqa: E402
from tools.emulator.realio import PtyPort  # noqa: E402


class EmulatedUnit:
    """The gateway on an emulated module (real clock, real loopback TCP), its serial port on a
    pty with a Modbus RTU slave, configured by SMS to call the fleet server and keep the
    connection (``maintain``)."""

    def __init__(self, tmp_path: Path, name: str, values: list[int]) -> None:
        self.m = Module(tmp_path / name, virtual=False)
        flash_gateway(self.m)
        self.m.net.activation_ms = 200         # keep the real-clock test short
        self.m.sms.send_delay_ms = 200
        self.m.net.latency_ms = 20
        self.tr = self.m.net.enable_real(listen_map={1024: 0})   # server mode: any free port
        self.port = PtyPort(self.m)
        self.slave = RtuSlave(self.port.start(), values)
        self.m.power_on()

    def fast(self) -> None:
        assert wait_state(self.m, "listening", 20), state(self.m)
        # send timeout 100 ms: a Modbus answer leaves the module 0.1 s after its last byte
        assert sms(self.m, "connect socketting 300 1 0", timeout=10, settle=0.2)[0].startswith("Confirmed")

    def call(self, fleet_port: int) -> None:
        self.fast()
        assert sms(self.m, "connect mode client 127.0.0.1 %d maintain" % fleet_port, timeout=10,
                   settle=0.2)[0].startswith("Confirmed")

    def close(self) -> None:
        self.slave.close()
        self.port.close()
        self.m.close()


# Until the gateway sends an identity (issue 9), each emulated unit calls its own fleet port
# (both come from 127.0.0.1, so an address cannot tell them apart).
CONFIG = """
identify_ms = 300

[unit.pump-a]
listen = "127.0.0.1:0"

[unit.pump-b]
listen = "127.0.0.1:0"
"""


@pytest.fixture
def two_units(tmp_path: Path) -> Iterator[tuple[FleetThread, EmulatedUnit, EmulatedUnit]]:
    fleet = FleetThread(write_config(tmp_path, CONFIG))
    a = EmulatedUnit(tmp_path, "a", [100 + i for i in range(10)])
    b = EmulatedUnit(tmp_path, "b", [200 + i for i in range(10)])
    try:
        yield fleet, a, b
    finally:
        a.close()
        b.close()
        fleet.close()


def test_modbus_rtu_through_fleet_and_gateway_survives_a_drop(
        two_units: tuple[FleetThread, EmulatedUnit, EmulatedUnit]) -> None:
    fleet, a, b = two_units
    ma = rtu_master(str(fleet.link("pump-a")))
    mb = rtu_master(str(fleet.link("pump-b")))
    try:
        a.call(fleet.srv.unit_ports["pump-a"])
        b.call(fleet.srv.unit_ports["pump-b"])
        assert fleet.online("pump-a", 20) and fleet.online("pump-b", 20)
        assert read_registers(ma, 10) == [100 + i for i in range(10)]
        assert read_registers(mb, 10) == [200 + i for i in range(10)]
        times = []
        for _ in range(5):
            t0 = time.monotonic()
            assert read_registers(ma, 10) == [100 + i for i in range(10)]
            times.append(time.monotonic() - t0)
        print("Modbus read of 10 registers through fleet + gateway (9600 bps, send timeout 100 ms): "
              "median %.0f ms" % (sorted(times)[2] * 1000))
        # the network drops unit a's context: the fleet server is not told (half-open), the
        # gateway activates again and calls anew; the new connection replaces the old one
        a.m.net.drop_context(1)
        assert fleet.wait(lambda s: s.units["pump-a"].connections == 2 and s.units["pump-a"].conn is not None, 30)
        assert read_registers(ma, 4) == [100, 101, 102, 103]        # the same master, the same open pty
        assert read_registers(mb, 2) == [200, 201]                  # b never noticed
        assert fleet.srv.units["pump-b"].connections == 1
        d = [e for e in fleet.events("disconnect") if e["unit"] == "pump-a"]
        assert d and d[0]["reason"].startswith("replaced by a new connection")
    finally:
        ma.close()
        mb.close()


def test_server_mode_unit_reached_by_connecting_out(tmp_path: Path) -> None:
    u = EmulatedUnit(tmp_path, "s", [7, 8, 9])
    fleet = None
    try:
        u.fast()                                       # the default mode: server any 1024
        assert u.m.run_until(lambda: state(u.m) == "listening" and u.tr.port_of(1) is not None, 10)
        cfg = write_config(tmp_path, """
[unit.meter9]
connect = "127.0.0.1:%d"
backoff_min = 0.2
backoff_max = 1
""" % u.tr.port_of(1), listen="")
        fleet = FleetThread(cfg)
        master = rtu_master(str(fleet.link("meter9")))
        try:
            assert fleet.online("meter9", 20)
            assert u.m.run_until(lambda: state(u.m) == "connected", 10), state(u.m)
            assert read_registers(master, 3) == [7, 8, 9]
            assert fleet.events("connect")[0]["direction"] == "out"
        finally:
            master.close()
    finally:
        u.close()
        if fleet is not None:
            fleet.close()
