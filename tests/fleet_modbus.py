"""Modbus RTU on both ends of a fleet link (tests/test_fleet_e2e.py): a pymodbus RTU slave
on an emulated unit's serial side and a pymodbus RTU master on the fleet server's pty."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from pymodbus import FramerType
from pymodbus.client import ModbusSerialClient
from pymodbus.server import ModbusSerialServer
from pymodbus.simulator import DataType, SimData, SimDevice

logging.getLogger("pymodbus").setLevel(logging.ERROR)  # the deprecation and reconnect chatter


class RtuSlave:
    """A pymodbus RTU slave (device id ``dev_id``) on serial port ``path``, holding
    registers 0.. = ``values``, served from its own event loop in a thread."""

    def __init__(self, path: str, values: list[int], dev_id: int = 1, baudrate: int = 9600) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="rtu-slave", daemon=True)
        self.thread.start()
        device = SimDevice(id=dev_id, simdata=[SimData(address=0, values=values, datatype=DataType.REGISTERS)])

        async def start() -> Any:
            srv = ModbusSerialServer(device, framer=FramerType.RTU, port=path, baudrate=baudrate)
            await srv.serve_forever(background=True)
            return srv

        self.server = asyncio.run_coroutine_threadsafe(start(), self.loop).result(10)

    def close(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.server.shutdown(), self.loop).result(5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)
            self.loop.close()


def rtu_master(path: str, timeout: float = 2.0) -> ModbusSerialClient:
    c = ModbusSerialClient(port=path, framer=FramerType.RTU, baudrate=9600, timeout=timeout, retries=0)
    assert c.connect(), "cannot open %s" % path
    return c


def read_registers(c: ModbusSerialClient, count: int, dev_id: int = 1) -> list[int] | None:
    r = c.read_holding_registers(0, count=count, device_id=dev_id)
    return None if r.isError() else list(r.registers)
