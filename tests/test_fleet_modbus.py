"""Modbus TCP to RTU through the fleet server (docs/fleet.md, "Ways in"), fast, with a fake
unit: a pymodbus Modbus TCP client on the unit's modbus port, the RTU frames checked and
answered on the unit's socket.  The same through emulated gateways and a pymodbus RTU slave:
tests/test_fleet_e2e.py."""
from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from pymodbus.client import ModbusTcpClient
from pymodbus.framer import FramerRTU
from pymodbus.pdu import ExceptionResponse

from fleet_helpers import FleetThread, recv_exact, unit_socket, write_config

logging.getLogger("pymodbus").setLevel(logging.CRITICAL)

CONFIG = """
identify_ms = 500
web = ""

[unit.meter9]
identity = "meter9%0D%0A"
modbus = "127.0.0.1:0"
modbus_timeout = 0.5
"""


def crc(frame: bytes) -> bytes:
    return FramerRTU.compute_CRC(frame).to_bytes(2, "big")


class FakeRtuUnit:
    """A client-mode unit whose device is an RTU slave (id 1) with 10 holding registers;
    ``garble`` answers with a bad CRC first, ``silent`` ids get no answer."""

    def __init__(self, port: int) -> None:
        self.s = unit_socket(port, b"meter9\r\n")
        self.regs = [100 + i for i in range(10)]
        self.frames: list[bytes] = []
        self.garble = False
        self.stop = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self) -> None:
        self.s.settimeout(0.1)
        buf = b""
        while not self.stop:
            try:
                data = self.s.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            buf += data
            while len(buf) >= 8:
                n = 8 if buf[1] in (3, 6) else 9 + buf[6]
                if len(buf) < n:
                    break
                frame, buf = buf[:n], buf[n:]
                self.frames.append(frame)
                assert crc(frame[:-2]) == frame[-2:]
                dev, fc = frame[0], frame[1]
                if dev != 1:
                    continue
                addr, count = int.from_bytes(frame[2:4], "big"), int.from_bytes(frame[4:6], "big")
                if fc == 3:
                    body = bytes([1, 3, 2 * count]) + b"".join(v.to_bytes(2, "big") for v in self.regs[addr:addr + count])
                elif fc == 6:
                    self.regs[addr] = count
                    body = frame[:6]
                else:
                    body = bytes([1, fc | 0x80, 1])
                out = body + crc(body)
                if self.garble:
                    self.garble = False
                    self.s.sendall(out[:-1] + bytes([out[-1] ^ 1]))
                    time.sleep(0.05)
                self.s.sendall(out[:3])            # split over two segments, as GPRS does
                time.sleep(0.02)
                self.s.sendall(out[3:])

    def close(self) -> None:
        self.stop = True
        self.s.close()
        self.t.join(2)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[FleetThread]:
    f = FleetThread(write_config(tmp_path, CONFIG))
    yield f
    f.close()


def client(fleet: FleetThread) -> ModbusTcpClient:
    port = int(fleet.srv.units["meter9"].ports["modbus"].rsplit(":", 1)[1])
    c = ModbusTcpClient("127.0.0.1", port=port, timeout=3, retries=0)
    assert c.connect()
    return c


def test_read_write_holding_registers_and_the_exceptions(fleet: FleetThread) -> None:
    c = client(fleet)
    try:
        # offline: 0x0A at once
        r = c.read_holding_registers(0, count=2, device_id=1)
        assert isinstance(r, ExceptionResponse) and r.exception_code == 0x0A
        u = FakeRtuUnit(fleet.srv.listen_port)
        assert fleet.online("meter9")
        r = c.read_holding_registers(2, count=3, device_id=1)
        assert not r.isError() and r.registers == [102, 103, 104]
        assert u.frames[-1] == bytes([1, 3, 0, 2, 0, 3]) + crc(bytes([1, 3, 0, 2, 0, 3]))
        r = c.write_register(4, 4242, device_id=1)
        assert not r.isError() and u.regs[4] == 4242
        assert c.read_holding_registers(4, count=1, device_id=1).registers == [4242]
        # a reply with a bad CRC is not passed on: the good one after it is
        u.garble = True
        assert c.read_holding_registers(0, count=1, device_id=1).registers == [100]
        # a device that does not answer: 0x0B after modbus_timeout
        t0 = time.monotonic()
        r = c.read_holding_registers(0, count=1, device_id=7)
        assert isinstance(r, ExceptionResponse) and r.exception_code == 0x0B
        # never before modbus_timeout (0.5 s; load only adds time); the 0x0B itself shows the
        # server answered before the client's own 3 s timeout, so the upper bound is loose
        assert 0.45 < time.monotonic() - t0 < 2.5
        assert fleet.events("modbus_timeout")[0]["device"] == 7
        u.close()
        assert fleet.offline("meter9")
        r = c.read_holding_registers(0, count=1, device_id=1)
        assert isinstance(r, ExceptionResponse) and r.exception_code == 0x0A
    finally:
        c.close()


def test_requests_from_two_clients_are_queued_one_at_a_time(fleet: FleetThread) -> None:
    u = FakeRtuUnit(fleet.srv.listen_port)
    assert fleet.online("meter9")
    results: dict[int, list[int]] = {}

    def worker(k: int) -> None:
        c = client(fleet)
        got = []
        for i in range(5):
            r = c.read_holding_registers((k + i) % 10, count=1, device_id=1)
            got.append(r.registers[0] if not r.isError() else -1)
        results[k] = got
        c.close()

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(3)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    assert results == {k: [100 + (k + i) % 10 for i in range(5)] for k in range(3)}
    assert len(u.frames) == 15
    u.close()


def test_not_modbus_tcp_is_closed_and_logged(fleet: FleetThread) -> None:
    port = int(fleet.srv.units["meter9"].ports["modbus"].rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert recv_exact(s, 1, 3) == b""
    s.close()
    assert fleet.events("modbus_bad_request")


def mbap(tid: int, dev: int, pdu: bytes) -> bytes:
    return tid.to_bytes(2, "big") + b"\0\0" + (len(pdu) + 1).to_bytes(2, "big") + bytes([dev]) + pdu


def test_a_queued_request_whose_client_gave_up_is_never_sent(fleet: FleetThread) -> None:
    u = FakeRtuUnit(fleet.srv.listen_port)
    assert fleet.online("meter9")
    port = int(fleet.srv.units["meter9"].ports["modbus"].rsplit(":", 1)[1])
    a = socket.create_connection(("127.0.0.1", port), timeout=5)
    b = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        a.sendall(mbap(1, 7, bytes([3, 0, 0, 0, 1])))           # device 7 never answers: 0.5 s
        end = time.monotonic() + 3          # its frame reached the unit: the exchange has begun
        while not u.frames and time.monotonic() < end:          # (not a fixed sleep: under load
            time.sleep(0.01)                                     # that could outlast the 0.5 s)
        b.sendall(mbap(2, 1, bytes([6, 0, 4, 0x12, 0x34])))     # a write, queued behind it
        time.sleep(0.05)
        b.close()                                                # its master gives up
        assert recv_exact(a, 9, 3) == mbap(1, 7, bytes([0x83, 0x0B]))
        assert fleet.wait(lambda s: any(e["event"] == "modbus_dropped" for e in s.log.events), 3)
        time.sleep(0.2)
        assert [f[0] for f in u.frames] == [7] and u.regs[4] == 104   # the write never went out
    finally:
        a.close()
        u.close()
