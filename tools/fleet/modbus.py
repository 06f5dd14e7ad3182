"""Modbus TCP to Modbus RTU per unit (docs/fleet.md, "Ways in").

A SCADA speaking Modbus TCP to a unit's ``modbus`` port reaches the Modbus RTU device on the
unit's serial line: each request's MBAP header is taken off, the PDU goes out as an RTU
frame (unit id, PDU, CRC), the reply (complete, CRC checked, the same unit id, the same
function or its exception) goes back with the request's MBAP header.  The framing is
pymodbus's (``FramerSocket`` and ``FramerRTU``, which know each function's frame length).

RTU is half duplex: one request at a time per unit, the others wait in order (any number of
TCP clients); a waiting request whose client has closed its connection is dropped, never
sent late.  A request gets Modbus exception 0x0A (gateway path unavailable) when the unit
is offline and 0x0B (gateway target device failed to respond) when no valid reply came
within the unit's ``modbus_timeout`` (default 5 s: a GPRS round trip is 0.5-2 s, plus the
unit's send timeout and the device).  Requests to unit id 0 (broadcast) get no reply.
While a request waits for its reply, what the unit sends goes to it alone (not to the pty
or the raw and RFC 2217 ports: a master there would see replies it never asked for); bytes
outside a request are ignored here and reach the pty and the other ports as always.
"""
from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from pymodbus.framer import FramerRTU, FramerSocket
from pymodbus.pdu import DecodePDU

from .tcpports import Listener, start_listeners

if TYPE_CHECKING:
    from .server import FleetServer, Unit

PATH_UNAVAILABLE = 0x0A     # Modbus Application Protocol v1.1b3, 7: gateway path unavailable
TARGET_FAILED = 0x0B        # gateway target device failed to respond
MAX_MBAP = 260              # 7-byte header + 253-byte PDU


class ModbusGateway(Listener):
    def __init__(self, server: "FleetServer", unit: "Unit") -> None:
        super().__init__(server, unit, "modbus")
        self.lock = asyncio.Lock()          # FIFO: one RTU exchange at a time
        self.reply = bytearray()
        self.waiting: asyncio.Event | None = None
        self.requests = self.timeouts = self.offline = 0
        self.rtu = FramerRTU(DecodePDU(is_server=False))

    def _tap(self, data: bytes) -> None:
        self.reply += data
        if self.waiting is not None:
            self.waiting.set()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = "%s:%d" % (peer[0], peer[1])
        mbap = FramerSocket(DecodePDU(is_server=True))
        buf = b""
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                buf += data
                while len(buf) >= 8:
                    if buf[2:4] != b"\0\0" or not 2 <= int.from_bytes(buf[4:6], "big") <= MAX_MBAP - 6:
                        self.server.log.write("modbus_bad_request", unit=self.unit.name, address=address,
                                              reason="not a Modbus TCP header: %s" % buf[:8].hex())
                        return
                    used, dev_id, tid, pdu = mbap.decode(buf)
                    if not used:
                        break
                    buf = buf[used:]
                    answer = await self.exchange(dev_id, pdu, reader)
                    if answer is not None:
                        writer.write(mbap.encode(answer, dev_id, tid))
                        await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def exchange(self, dev_id: int, pdu: bytes, client: asyncio.StreamReader | None = None) -> bytes | None:
        """One request to the RTU device: its reply PDU, an exception PDU, or None
        (broadcast, or its client closed while it waited in the queue: a request sent
        after its master gave up, a late write, is worse than none)."""
        fc = pdu[0]
        async with self.lock:
            if client is not None and client.at_eof():
                self.server.log.write("modbus_dropped", unit=self.unit.name, device=dev_id, function=fc,
                                      reason="the client closed while the request waited in the queue")
                return None
            self.requests += 1
            u = self.unit
            c = u.conn
            if c is None or c.writer.transport.is_closing():
                self.offline += 1
                return bytes([fc | 0x80, PATH_UNAVAILABLE])
            self.reply.clear()
            self.waiting = asyncio.Event()
            u.claim = self._tap
            try:
                u.from_program(self.rtu.encode(pdu, dev_id, 0))
                if dev_id == 0:
                    return None
                loop = asyncio.get_running_loop()
                end = loop.time() + u.cfg.modbus_timeout
                while True:
                    got = self._reply(dev_id, fc)
                    if got is not None:
                        return got
                    left = end - loop.time()
                    if left <= 0:
                        break
                    self.waiting.clear()
                    try:
                        await asyncio.wait_for(self.waiting.wait(), left)
                    except TimeoutError:
                        pass
            finally:
                u.claim = None
                self.waiting = None
            self.timeouts += 1
            self.server.log.write("modbus_timeout", unit=u.name, device=dev_id, function=fc,
                                  seconds=u.cfg.modbus_timeout, bytes=len(self.reply))
            return bytes([fc | 0x80, TARGET_FAILED])

    def _reply(self, dev_id: int, fc: int) -> bytes | None:
        """The reply PDU once ``self.reply`` holds a whole RTU frame with a good CRC from
        ``dev_id`` for function ``fc``; frames that are not it are skipped."""
        while len(self.reply) >= 4:
            used, got_id, _, pdu = self.rtu.decode(bytes(self.reply))
            if not used:
                return None                     # incomplete: wait for more
            if not pdu:                         # bad CRC: what came is not the reply
                self.reply.clear()
                return None
            del self.reply[:]
            if got_id == dev_id and pdu[0] in (fc, fc | 0x80):
                return pdu
        return None


async def start(server: "FleetServer") -> list[Any]:
    return await start_listeners(server, ("modbus",), lambda u, kind: ModbusGateway(server, u))
